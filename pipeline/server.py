"""Prefect's temporary local server, launched before Prefect itself is imported.

Without a configured API, Prefect starts a temporary server on first use and waits for it (several
seconds, after importing the server's code in this process too). ``start_server`` launches the same
server as soon as a run is planned, so that it boots while Prefect is imported and the workers load
the models. It serves this process's runs until the process exits.
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

_SERVER: list[tuple[subprocess.Popen, str]] = []  # this process's server and its API URL


def start_server() -> tuple[subprocess.Popen, str]:
    """This process's server, launched now unless it is running (returns at once), and its API URL."""
    if _SERVER and _SERVER[0][0].poll() is None:
        return _SERVER[0]
    with contextlib.closing(socket.socket()) as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {key: value for key, value in os.environ.items() if key != "PREFECT_API_URL"}
    env.update(PREFECT_UI_ENABLED="0", PREFECT__SERVER_EPHEMERAL="1", PREFECT__SERVER_FINAL="1",
               PREFECT_SERVER_ANALYTICS_ENABLED=env.get("PREFECT_SERVER_ANALYTICS_ENABLED", "false"),
               PREFECT_SERVER_LOGGING_LEVEL=env.get("PREFECT_SERVER_LOGGING_LEVEL", "CRITICAL"),
               PYTHONPATH=os.pathsep.join(p for p in (str(Path(__file__).resolve().parents[1]), env.get("PYTHONPATH")) if p))
    # Through this module's __main__, which exits when this process goes away.
    process = subprocess.Popen(
        [sys.executable, "-m", "pipeline.server", "--app-dir", str(Path(importlib.util.find_spec("prefect").origin).parents[1]),
         "--factory", "prefect.server.api.server:create_app", "--host", "127.0.0.1", "--port", str(port),
         "--log-level", "error", "--lifespan", "on"],
        env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    atexit.register(process.terminate)  # nothing is left to record: no need to wait for it
    _SERVER[:] = [(process, f"http://127.0.0.1:{port}/api")]
    return _SERVER[0]


def wait_for_server(timeout: float = 120.0) -> str:
    """The API URL of this process's server (launched if need be), once it answers."""
    (process, api_url), deadline = start_server(), time.monotonic() + timeout
    while True:
        if process.poll() is not None or time.monotonic() > deadline:
            stop_server()
            raise RuntimeError(f"Prefect's temporary server did not start (exit status {process.poll()})")
        try:
            with urllib.request.urlopen(f"{api_url}/health", timeout=2) as response:
                if response.status == 200:
                    return api_url
        except OSError:  # not listening yet
            time.sleep(0.05)


def stop_server() -> None:
    while _SERVER:
        _SERVER.pop()[0].terminate()


def configured_api() -> str | None:
    """The Prefect API in the environment, or in Prefect's settings once loaded (a profile's shows only then)."""
    settings = sys.modules.get("prefect.settings")
    return settings.PREFECT_API_URL.value() if settings else os.environ.get("PREFECT_API_URL")


if __name__ == "__main__":
    import threading

    from uvicorn.main import main as uvicorn_main

    from pipeline.isolate import watch_parent

    threading.Thread(target=watch_parent, args=(os.getppid(),), daemon=True).start()
    sys.argv = ["uvicorn", *sys.argv[1:]]
    uvicorn_main()
