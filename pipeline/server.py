"""Prefect's temporary local server, launched before Prefect itself is imported.

Without a configured API, Prefect starts a temporary server on first use and waits for it (several
seconds). ``start_unless_configured`` launches the same server as soon as a run is planned, so that
it boots while Prefect is imported and the workers load the models.
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
import urllib.request
from pathlib import Path


class TemporaryServer:
    """A Prefect API on 127.0.0.1 for the life of this process (one per process)."""

    current: TemporaryServer | None = None

    def __init__(self) -> None:
        with contextlib.closing(socket.socket()) as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        env = {**os.environ, "PREFECT_UI_ENABLED": "0", "PREFECT__SERVER_EPHEMERAL": "1", "PREFECT__SERVER_FINAL": "1",
               "PREFECT_SERVER_ANALYTICS_ENABLED": os.environ.get("PREFECT_SERVER_ANALYTICS_ENABLED", "false"),
               "PREFECT_SERVER_LOGGING_LEVEL": os.environ.get("PREFECT_SERVER_LOGGING_LEVEL", "CRITICAL")}
        env.pop("PREFECT_API_URL", None)
        self.api_url, self.ready = f"http://127.0.0.1:{self.port}/api", False
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(Path(__file__).resolve().parents[1]), env.get("PYTHONPATH")) if p)
        # Through this module's __main__, which stops the server if this process is killed.
        self.process = subprocess.Popen(
            [sys.executable, "-m", "pipeline.server", "--app-dir", str(Path(importlib.util.find_spec("prefect").origin).parents[1]),
             "--factory", "prefect.server.api.server:create_app", "--host", "127.0.0.1", "--port", str(self.port),
             "--log-level", "error", "--lifespan", "on"],
            env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        atexit.register(self.stop)

    @classmethod
    def start(cls) -> TemporaryServer:
        """The process's server, launched now if it is not running yet (returns at once)."""
        if cls.current is None or cls.current.process.poll() is not None:
            cls.current = cls()
        return cls.current

    def wait_ready(self, timeout: float = 120.0) -> None:
        """Block until the API answers."""
        deadline = time.monotonic() + timeout
        while not self.ready:
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"Prefect's temporary server did not start (exit status {self.process.poll()})")
            try:
                with urllib.request.urlopen(f"{self.api_url}/health", timeout=2) as response:
                    self.ready = response.status == 200
            except OSError:  # not listening yet
                time.sleep(0.05)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if TemporaryServer.current is self:
            TemporaryServer.current = None


def start_unless_configured() -> None:
    """Launch the temporary server now, unless a Prefect API is set (in the environment, or in
    Prefect's settings once Prefect is loaded; one set in a profile is found later, and this
    server then stopped)."""
    if "prefect.settings" in sys.modules:
        from prefect.settings import PREFECT_API_URL

        configured = PREFECT_API_URL.value()
    else:
        configured = os.environ.get("PREFECT_API_URL")
    if not configured:
        TemporaryServer.start()


if __name__ == "__main__":
    import threading

    from uvicorn.main import main as uvicorn_main

    from pipeline.isolate import watch_parent

    threading.Thread(target=watch_parent, args=(os.getppid(),), daemon=True).start()
    sys.argv = ["uvicorn", *sys.argv[1:]]
    uvicorn_main()
