"""Prefect's temporary local server, launched before Prefect itself is imported.

Without a configured API, Prefect starts a temporary server on first use and waits for it (several
seconds, after importing the server's code in this process too). ``TemporaryServer.start`` launches
the same server as soon as a run is planned, so that it boots while Prefect is imported and the
workers load the models.
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
        self.api_url, self.ready = f"http://127.0.0.1:{self.port}/api", False
        env = {key: value for key, value in os.environ.items() if key != "PREFECT_API_URL"}
        env.update(PREFECT_UI_ENABLED="0", PREFECT__SERVER_EPHEMERAL="1", PREFECT__SERVER_FINAL="1",
                   PREFECT_SERVER_ANALYTICS_ENABLED=env.get("PREFECT_SERVER_ANALYTICS_ENABLED", "false"),
                   PREFECT_SERVER_LOGGING_LEVEL=env.get("PREFECT_SERVER_LOGGING_LEVEL", "CRITICAL"),
                   PYTHONPATH=os.pathsep.join(p for p in (str(Path(__file__).resolve().parents[1]), env.get("PYTHONPATH")) if p))
        # Through this module's __main__, which exits when this process goes away.
        self.process = subprocess.Popen(
            [sys.executable, "-m", "pipeline.server", "--app-dir", str(Path(importlib.util.find_spec("prefect").origin).parents[1]),
             "--factory", "prefect.server.api.server:create_app", "--host", "127.0.0.1", "--port", str(self.port),
             "--log-level", "error", "--lifespan", "on"],
            env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        atexit.register(self.stop, wait=False)  # nothing is left to record: no need to wait for it

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

    def stop(self, wait: bool = True) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(5 if wait else 0)
            except subprocess.TimeoutExpired:
                if wait:
                    self.process.kill()
        if TemporaryServer.current is self:
            TemporaryServer.current = None


def configured_api() -> str | None:
    """The Prefect API set in the environment, or in Prefect's settings once Prefect is loaded (one
    set in a profile shows only then)."""
    if "prefect.settings" not in sys.modules:
        return os.environ.get("PREFECT_API_URL")
    from prefect.settings import PREFECT_API_URL

    return PREFECT_API_URL.value()


if __name__ == "__main__":
    import threading

    from uvicorn.main import main as uvicorn_main

    from pipeline.isolate import watch_parent

    threading.Thread(target=watch_parent, args=(os.getppid(),), daemon=True).start()
    sys.argv = ["uvicorn", *sys.argv[1:]]
    uvicorn_main()
