"""Prefect's temporary local server, started early and without importing Prefect's server code here.

When no PREFECT_API_URL is set, Prefect starts a temporary server on first use; importing the
server application first costs the calling process several seconds, and the start then waits for
it. ``TemporaryServer.start`` launches the same server (the command Prefect itself runs) as soon as
``secmine run`` begins, so that it boots while the inputs are hashed and the models load.
"""

from __future__ import annotations

import atexit
import contextlib
import importlib.util
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

STARTUP_TIMEOUT_S = 120.0
_PACKAGE_ROOT = str(Path(__file__).resolve().parents[1])
_PORT_IN_USE = 3  # uvicorn's exit status when the port is taken


def _free_port() -> int:
    with contextlib.closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class TemporaryServer:
    """A Prefect API on 127.0.0.1 for the life of this process (one per process)."""

    _current: TemporaryServer | None = None

    def __init__(self) -> None:
        self.process: subprocess.Popen | None = None
        self.port = 0
        self.started = 0.0
        self.ready_after: float | None = None

    @classmethod
    def start(cls) -> TemporaryServer:
        """The process's server, launched now if it is not running yet (returns at once)."""
        if cls._current is None or cls._current.process is None or cls._current.process.poll() is not None:
            server = cls()
            server._launch()
            atexit.register(server.stop)
            cls._current = server
        return cls._current

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api"

    def _launch(self) -> None:
        prefect_dir = Path(importlib.util.find_spec("prefect").origin).parent
        self.port = _free_port()
        env = {
            **os.environ,
            "PREFECT_SERVER_ANALYTICS_ENABLED": os.environ.get("PREFECT_SERVER_ANALYTICS_ENABLED", "false"),
            # Its shutdown drops queued events with an ERROR log; nothing a user can act on.
            "PREFECT_SERVER_LOGGING_LEVEL": os.environ.get("PREFECT_SERVER_LOGGING_LEVEL", "CRITICAL"),
            "PREFECT_UI_ENABLED": "0",
            "PREFECT__SERVER_EPHEMERAL": "1",
            "PREFECT__SERVER_FINAL": "1",
        }
        env.pop("PREFECT_API_URL", None)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (_PACKAGE_ROOT, env.get("PYTHONPATH", "")) if p)
        self.started = time.perf_counter()
        # Through this module's __main__, which stops the server if this process is killed.
        self.process = subprocess.Popen(
            [sys.executable, "-m", "pipeline.server", "--app-dir", str(prefect_dir.parent), "--factory",
             "prefect.server.api.server:create_app", "--host", "127.0.0.1", "--port", str(self.port),
             "--log-level", "error", "--lifespan", "on"],
            env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
        )

    def wait_ready(self, timeout: float = STARTUP_TIMEOUT_S) -> float:
        """Block until the API answers; the seconds from launch to ready."""
        if self.ready_after is not None:
            return self.ready_after
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            code = self.process.poll()
            if code == _PORT_IN_USE:
                self._launch()
                continue
            if code is not None:
                raise RuntimeError(f"Prefect's temporary server exited with status {code}")
            try:
                with urllib.request.urlopen(f"{self.api_url}/health", timeout=2) as response:
                    if response.status == 200:
                        self.ready_after = time.perf_counter() - self.started
                        return self.ready_after
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"Prefect's temporary server did not answer within {timeout:.0f} s")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if TemporaryServer._current is self:
            TemporaryServer._current = None


def needs_temporary_server() -> bool:
    """No Prefect API configured: neither PREFECT_API_URL in the environment nor in a Prefect profile."""
    if os.environ.get("PREFECT_API_URL"):
        return False
    try:
        from prefect.settings import PREFECT_API_URL

        return not PREFECT_API_URL.value()
    except ImportError:
        return True


if __name__ == "__main__":
    import threading

    from uvicorn.main import main as uvicorn_main

    from pipeline.isolate import watch_parent

    threading.Thread(target=watch_parent, args=(os.getppid(),), daemon=True).start()
    sys.argv = ["uvicorn", *sys.argv[1:]]
    uvicorn_main()
