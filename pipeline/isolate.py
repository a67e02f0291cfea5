"""Worker processes the parent can kill: the one way secmine runs a document outside its own process.

A pebble ``ProcessPool`` of fresh Pythons (``spawn``) that load the models once, then serve calls.
A call past its time limit has its worker killed; after the warm-up a worker caps its own address
space (Linux), so that a call past the memory limit fails to allocate and the worker exits. A killed
or dead worker is replaced, and the caller gets ``WorkerLost``, saying why.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import TimeoutError as FutureTimeout
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from pebble import ProcessExpired, ProcessPool

NICENESS = 5  # workers yield the CPU to the command and Prefect's server (booting while they load the models)
OUT_OF_MEMORY = 75  # a worker's exit status after a call failed to allocate


class WorkerLost(RuntimeError):
    """The worker died before it answered: killed past the time limit, out of memory, or crashed."""


class WorkerPool:
    """``size`` workers shared by threads, each started by ``warm_up`` (a function and its arguments)."""

    def __init__(self, size: int, warm_up: tuple[Callable, tuple] | None = None, memory_mb: int | None = None):
        if multiprocessing.current_process().daemon:
            raise RuntimeError("a daemonic process cannot start workers: start Dask workers with "
                               "DASK_DISTRIBUTED__WORKER__DAEMON=False")
        self.config, self.size = (warm_up, memory_mb), size
        self.pool = ProcessPool(size, initializer=_start_worker, initargs=(warm_up, memory_mb),
                                context=multiprocessing.get_context("spawn"))  # no fork of a threaded parent

    def start(self) -> None:
        """Start the workers now (they load the models while the caller does other things)."""
        self.pool.schedule(int)

    def call(self, function: Callable, args: tuple, timeout: float | None = None) -> Any:
        """``function(*args)`` in a worker, killed past ``timeout`` seconds or its memory limit; what the
        call raises is raised here (pebble sends it back)."""
        try:
            return self.pool.schedule(_call, (function, args), timeout=timeout).result()
        except FutureTimeout:
            raise WorkerLost(f"timeout after {timeout:g} s (setting worker_timeout_s)") from None
        except ProcessExpired as exc:
            if exc.exitcode == OUT_OF_MEMORY:
                raise WorkerLost(f"memory limit {self.config[1]} MB (out of memory; setting worker_memory_mb)") from None
            how = f"killed by {signal.Signals(-exc.exitcode).name}" if exc.exitcode < 0 else f"exit status {exc.exitcode}"
            raise WorkerLost(f"worker crashed: {how}") from None
        except BrokenProcessPool:  # the workers exited as they started; the pool is replaced at the next call
            raise WorkerLost('workers exited at start (a script must run secmine under `if __name__ == "__main__":`)') from None

    def stop(self) -> None:
        self.pool.stop()
        self.pool.join()


_POOL: list[WorkerPool] = []  # this process's pool: its workers outlive a run, so the models stay loaded
_POOL_LOCK = threading.Lock()


def shared_pool(size: int, warm_up: tuple[Callable, tuple] | None = None, memory_mb: int | None = None) -> WorkerPool:
    """This process's pool of at least ``size`` workers; a larger size, another ``warm_up`` (other
    models or code) or memory limit, or a broken pool, replaces it (pebble stops workers at exit)."""
    with _POOL_LOCK:
        if not _POOL or _POOL[0].config != (warm_up, memory_mb) or _POOL[0].size < size or not _POOL[0].pool.active:
            stop_shared_pool()
            _POOL.append(WorkerPool(size, warm_up, memory_mb))
        return _POOL[0]


def stop_shared_pool() -> None:
    """Stop this process's workers and wait for them (their resource use then counts as reaped children)."""
    while _POOL:
        _POOL.pop().stop()


def watch_parent(parent: int) -> None:
    """Exit when the parent goes away, even in the middle of a call."""
    while os.getppid() == parent:
        time.sleep(1.0)
    os._exit(1)


def _start_worker(warm_up: tuple[Callable, tuple] | None, memory_mb: int | None) -> None:
    """In a new worker: lower priority, exit with the parent, warm up, then cap the address space at
    what the models take plus ``memory_mb`` (on Linux). A failed warm-up shows again in the call."""
    os.nice(NICENESS)
    threading.Thread(target=watch_parent, args=(os.getppid(),), daemon=True).start()
    with contextlib.suppress(Exception):  # raised here, it would end the worker, and pebble's pool with it
        if warm_up is not None:
            warm_up[0](*warm_up[1])
    if memory_mb and sys.platform == "linux":
        import resource

        with open("/proc/self/statm", "rb") as statm:  # the address space used now, in pages
            used = int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
        resource.setrlimit(resource.RLIMIT_AS, (used + memory_mb * 2**20, resource.RLIM_INFINITY))


def _call(function: Callable, args: tuple) -> Any:
    try:
        return function(*args)
    except MemoryError:  # the worker may be left in a bad state: a fresh one takes the next call
        os._exit(OUT_OF_MEMORY)
