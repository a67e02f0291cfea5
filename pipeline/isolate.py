"""Long-lived worker processes whose calls can be cut short: the hard per-document time limit.

Ingestion checks its clock between pages; a document that hangs inside a library call, or
crashes the interpreter, can only be stopped by killing the process that runs it. A worker is
a separate Python started with ``subprocess`` (allowed inside Dask's daemonic worker processes,
where ``multiprocessing`` may not start children); it loads the models once, then runs the
calls sent over a pipe until the pipe closes or its parent goes away.
"""

from __future__ import annotations

import atexit
import os
import queue
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

# How long a fresh worker may take to import the stages and load the models.
START_TIMEOUT_S = 600.0
_PACKAGE_ROOT = str(Path(__file__).resolve().parents[1])


class WorkerLost(RuntimeError):
    """The worker process died before it answered."""


class CallTimeout(WorkerLost):
    """The call ran past its time limit and the worker was killed."""


class CallFailed(RuntimeError):
    """The call raised in the worker; the message carries the worker's exception."""


class Worker:
    """One child Python serving calls; ``warm_up`` (a function and its arguments) runs first."""

    def __init__(self, warm_up: tuple[Callable, tuple] | None = None):
        job_read, job_write = os.pipe()
        reply_read, reply_write = os.pipe()
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (_PACKAGE_ROOT, env.get("PYTHONPATH", "")) if p)
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "pipeline.isolate", str(job_read), str(reply_write)],
                pass_fds=(job_read, reply_write), env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            )
        finally:
            os.close(job_read)
            os.close(reply_write)
        self._send = Connection(job_write, readable=False)
        self._recv = Connection(reply_read, writable=False)
        self._warming = False
        if warm_up is not None:
            self._send.send(warm_up)
            self._warming = True

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def call(self, function: Callable, args: tuple, timeout: float | None) -> Any:
        """``function(*args)`` in the worker; kill it when it takes longer than ``timeout`` seconds."""
        if self._warming:
            self._warming = False
            self._wait(START_TIMEOUT_S)  # a failed warm-up shows again in the call itself
        self._send.send((function, args))
        ok, value = self._wait(timeout)
        if not ok:
            raise CallFailed(value)
        return value

    def _wait(self, timeout: float | None) -> tuple[bool, Any]:
        try:
            ready = self._recv.poll(timeout)
        except (EOFError, OSError):
            ready = True
        if not ready:
            self.kill()
            raise CallTimeout(f"took longer than {timeout:.0f} s")
        try:
            return self._recv.recv()
        except (EOFError, OSError):
            code = self.process.wait()
            self.close()
            reason = f"killed by signal {-code}" if code < 0 else f"exit status {code}"
            raise WorkerLost(f"worker process died ({reason})") from None

    def kill(self) -> None:
        if self.alive:
            self.process.kill()
        self.process.wait()
        self.close()

    def close(self) -> None:
        """Close the pipes; an idle worker then exits by itself."""
        for conn in (self._send, self._recv):
            try:
                conn.close()
            except OSError:
                pass

    def stop(self, timeout: float = 5.0) -> None:
        self.close()
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()


class WorkerPool:
    """Up to ``size`` workers shared by threads; a worker that times out or dies is replaced."""

    def __init__(self, size: int, warm_up: tuple[Callable, tuple] | None = None):
        self.warm_up = warm_up
        self._slots: list[Worker | None] = []
        self._idle: queue.LifoQueue[int] = queue.LifoQueue()
        self._lock = threading.Lock()
        self.resize(size)

    def resize(self, size: int) -> None:
        """Allow at least ``size`` workers at once."""
        with self._lock:
            while len(self._slots) < size:
                self._slots.append(None)
                self._idle.put(len(self._slots) - 1)

    def start(self, count: int | None = None) -> None:
        """Start idle workers now (they load the models while the caller does other things)."""
        with self._lock:
            for index in range(min(count or len(self._slots), len(self._slots))):
                if self._slots[index] is None or not self._slots[index].alive:
                    self._slots[index] = Worker(self.warm_up)

    def call(self, function: Callable, args: tuple, timeout: float | None = None) -> Any:
        index = self._idle.get()
        try:
            worker = self._slots[index]
            if worker is None or not worker.alive:
                worker = self._slots[index] = Worker(self.warm_up)
            try:
                return worker.call(function, args, timeout)
            except WorkerLost:
                self._slots[index] = None
                raise
        finally:
            self._idle.put(index)

    def stop(self) -> None:
        with self._lock:
            workers = [w for w in self._slots if w is not None]
            self._slots = [None] * len(self._slots)
        for worker in workers:
            worker.stop()


_POOL: WorkerPool | None = None
_POOL_LOCK = threading.Lock()


def shared_pool(size: int, warm_up: tuple[Callable, tuple] | None = None) -> WorkerPool:
    """This process's pool, grown to ``size``; workers outlive a run so the models stay loaded.

    A different ``warm_up`` (other models, or code that changed since) replaces the pool, so that
    no worker keeps serving what it loaded before.
    """
    global _POOL
    with _POOL_LOCK:
        stale = _POOL if _POOL is not None and _POOL.warm_up != warm_up else None
        if _POOL is None or stale is not None:
            if _POOL is None:
                atexit.register(stop_shared_pool)
            _POOL = WorkerPool(size, warm_up)
        else:
            _POOL.resize(size)
        pool = _POOL
    if stale is not None:
        stale.stop()
    return pool


def stop_shared_pool() -> None:
    """Stop this process's workers (their resource use then counts as reaped children)."""
    global _POOL
    with _POOL_LOCK:
        pool, _POOL = _POOL, None
    if pool is not None:
        pool.stop()


def watch_parent(parent: int) -> None:
    """Exit when the parent goes away, even in the middle of a call."""
    while True:
        if os.getppid() != parent:
            os._exit(1)
        time.sleep(1.0)


def _serve(job_fd: int, reply_fd: int) -> None:
    import signal
    import traceback

    # Ctrl-C is for the parent, which then closes the pipes; a worker just finishes.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    jobs = Connection(job_fd, writable=False)
    replies = Connection(reply_fd, readable=False)
    threading.Thread(target=watch_parent, args=(os.getppid(),), daemon=True).start()
    while True:
        try:
            function, args = jobs.recv()
        except (EOFError, OSError):
            return
        except Exception as exc:  # an unpicklable request: answer, keep serving
            replies.send((False, f"cannot read the call: {type(exc).__name__}: {exc}"))
            continue
        try:
            reply = (True, function(*args))
        except BaseException as exc:  # noqa: BLE001 - everything goes back to the caller
            last = traceback.extract_tb(exc.__traceback__)[-1:]
            where = f" ({Path(last[0].filename).name}:{last[0].lineno})" if last else ""
            reply = (False, f"{type(exc).__name__}: {exc}{where}")
        try:
            replies.send(reply)
        except Exception as exc:
            replies.send((False, f"cannot send the result: {type(exc).__name__}: {exc}"))


if __name__ == "__main__":
    _serve(int(sys.argv[1]), int(sys.argv[2]))
