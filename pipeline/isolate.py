"""Worker processes the parent can kill: the one way secmine runs a document outside its own process.

A worker is a child Python (``subprocess``: it may start inside a Dask worker too) that loads the
models once, then serves calls sent over a pipe. The parent waits for each answer under a wall-clock
limit; after its warm-up the worker caps its own address space (Linux), so that a call past the memory
limit fails to allocate. A worker past either, or one that dies, is replaced by a fresh one and the
caller gets ``CallTimeout``, ``MemoryLimit`` or ``WorkerLost`` with the reason.
"""

from __future__ import annotations

import atexit
import os
import queue
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

START_TIMEOUT_S = 600.0  # how long a fresh worker may take to import the stages and load the models
NICENESS = 5  # workers yield the CPU to the command and Prefect's server (booting while they load the models)


class WorkerLost(RuntimeError):
    """The worker process died before it answered; the message says how."""


class CallTimeout(WorkerLost):
    """The call ran past its time limit and the worker was killed."""


class MemoryLimit(WorkerLost):
    """The worker grew past its memory limit and was killed (or failed to allocate)."""


class CallFailed(RuntimeError):
    """The call raised in the worker; the message carries the worker's exception."""


class Worker:
    """One child Python serving calls; ``warm_up`` (a function and its arguments) runs first."""

    def __init__(self, warm_up: tuple[Callable, tuple] | None = None, memory_mb: int | None = None):
        (job_read, job_write), (reply_read, reply_write) = os.pipe(), os.pipe()
        root = str(Path(__file__).resolve().parents[1])
        self.memory_mb, self.stderr = memory_mb, tempfile.TemporaryFile(prefix="secmine-worker-")  # tells a crash
        self.process = subprocess.Popen(
            [sys.executable, "-m", "pipeline.isolate", str(job_read), str(reply_write), str(memory_mb or 0),
             "warm" if warm_up else "cold"],
            env={**os.environ, "PYTHONPATH": os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH")) if p)},
            pass_fds=(job_read, reply_write), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=self.stderr)
        os.close(job_read), os.close(reply_write)
        self._send, self._recv = Connection(job_write, readable=False), Connection(reply_read, writable=False)
        self._warming = warm_up is not None
        if warm_up is not None:
            self._send.send(warm_up)

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def call(self, function: Callable, args: tuple, timeout: float | None) -> Any:
        """``function(*args)`` in the worker; killed past ``timeout`` seconds or its memory limit."""
        if self._warming:
            self._warming = False
            self._wait(START_TIMEOUT_S)  # a failed warm-up shows again in the call itself
        self.stderr.seek(0)
        self.stderr.truncate()
        self._send.send((function, args))
        status, value = self._wait(timeout)
        if status == "memory":
            self.stop(kill=True)
            raise MemoryLimit(f"memory limit {self.memory_mb} MB ({value})")
        if status != "ok":
            raise CallFailed(value)
        return value

    def _wait(self, timeout: float | None) -> tuple[str, Any]:
        try:
            answered = self._recv.poll(START_TIMEOUT_S if timeout is None else timeout)
        except (EOFError, OSError):  # the worker is gone: recv says how
            answered = True
        if not answered:
            self.stop(kill=True)
            raise CallTimeout(f"timeout after {timeout or START_TIMEOUT_S:g} s")
        try:
            return self._recv.recv()
        except (EOFError, OSError):
            code = self.process.wait()
            self.stop()
            self.stderr.seek(0)
            last = [ln.strip() for ln in self.stderr.read()[-4000:].decode("utf-8", "replace").splitlines() if ln.strip()][-1:]
            how = f"killed by {signal.Signals(-code).name}" if code < 0 else f"exit status {code}"
            raise WorkerLost(": ".join(["worker crashed", how, *last])) from None

    def stop(self, kill: bool = False, wait: bool = True) -> None:
        """Close the pipes (an idle worker then exits by itself), or kill it; ``wait`` for its exit."""
        self._send.close(), self._recv.close()
        if kill and self.alive:
            self.process.kill()
        try:
            self.process.wait(5 if wait else 0)
        except subprocess.TimeoutExpired:
            if wait:
                self.process.kill()
                self.process.wait()


class WorkerPool:
    """Up to ``size`` workers shared by threads; a worker that is killed or dies is replaced."""

    def __init__(self, size: int, warm_up: tuple[Callable, tuple] | None = None, memory_mb: int | None = None):
        self.config, self._slots, self._idle = (warm_up, memory_mb), [], queue.LifoQueue()
        self.resize(size)

    def resize(self, size: int) -> None:
        """Allow at least ``size`` workers at once."""
        while len(self._slots) < size:
            self._slots.append(None)
            self._idle.put(len(self._slots) - 1)

    def start(self, count: int) -> None:
        """Start ``count`` workers now (they load the models while the caller does other things)."""
        for index in range(min(count, len(self._slots))):
            if self._slots[index] is None or not self._slots[index].alive:
                self._slots[index] = Worker(*self.config)

    def call(self, function: Callable, args: tuple, timeout: float | None = None) -> Any:
        index = self._idle.get()
        try:
            if self._slots[index] is None or not self._slots[index].alive:
                self._slots[index] = Worker(*self.config)
            return self._slots[index].call(function, args, timeout)
        finally:
            self._idle.put(index)

    def stop(self, wait: bool = True) -> None:
        workers, self._slots = [w for w in self._slots if w is not None], [None] * len(self._slots)
        for worker in workers:
            worker.stop(wait=wait)


_POOL: list[WorkerPool] = []  # this process's pool: its workers outlive a run, so the models stay loaded
_POOL_LOCK = threading.Lock()


def shared_pool(size: int, warm_up: tuple[Callable, tuple] | None = None, memory_mb: int | None = None) -> WorkerPool:
    """This process's pool, grown to ``size``; another ``warm_up`` (other models or code) or memory
    limit replaces it, and its workers stop at exit."""
    with _POOL_LOCK:
        if not _POOL or _POOL[0].config != (warm_up, memory_mb):
            stop_shared_pool()
            _POOL.append(WorkerPool(size, warm_up, memory_mb))
            atexit.register(stop_shared_pool, wait=False)  # idle workers exit once their pipe closes
        _POOL[0].resize(size)
        return _POOL[0]


def stop_shared_pool(wait: bool = True) -> None:
    """Stop this process's workers; with ``wait``, their resource use then counts as reaped children."""
    while _POOL:
        _POOL.pop().stop(wait)


def watch_parent(parent: int) -> None:
    """Exit when the parent goes away, even in the middle of a call."""
    while os.getppid() == parent:
        time.sleep(1.0)
    os._exit(1)


def _cap_memory(memory_mb: int) -> None:
    """Cap this process's address space at what it uses now plus ``memory_mb`` (on Linux)."""
    if memory_mb and sys.platform == "linux":
        import resource

        with open("/proc/self/statm", "rb") as statm:  # the address space used now, in pages
            used = int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
        resource.setrlimit(resource.RLIMIT_AS, (used + memory_mb * 2**20, resource.RLIM_INFINITY))


def _serve(job_fd: int, reply_fd: int, memory_mb: int, warming: bool) -> None:
    import traceback

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for the parent, which then closes the pipes
    os.nice(NICENESS)
    jobs, replies = Connection(job_fd, writable=False), Connection(reply_fd, readable=False)
    threading.Thread(target=watch_parent, args=(os.getppid(),), daemon=True).start()
    if not warming:
        _cap_memory(memory_mb)
    while True:
        try:
            function, args = jobs.recv()
        except (EOFError, OSError):
            return
        try:
            reply = ("ok", function(*args))
        except MemoryError:
            replies.send(("memory", "out of memory"))
            os._exit(3)
        except BaseException as exc:  # noqa: BLE001 - everything goes back to the caller
            last = traceback.extract_tb(exc.__traceback__)[-1:]
            reply = ("error", f"{type(exc).__name__}: {exc}" + "".join(f" ({Path(f.filename).name}:{f.lineno})" for f in last))
        try:
            replies.send(reply)
        except Exception as exc:
            replies.send(("error", f"cannot send the result: {type(exc).__name__}: {exc}"))
        if warming:  # the models are loaded: they are not counted
            _cap_memory(memory_mb)
            warming = False


if __name__ == "__main__":
    _serve(int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4] == "warm")
