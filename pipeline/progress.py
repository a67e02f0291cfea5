"""Documents done out of total on the terminal: a bar on a tty, a few plain lines otherwise."""

from __future__ import annotations

import sys
import time
from typing import TextIO

BAR_WIDTH = 30
# Without a terminal: a line at every tenth of the way, and at least every this many seconds.
PLAIN_EVERY_S = 30.0


class Progress:
    """Count finished documents and show it on ``stream`` (stderr by default)."""

    def __init__(self, total: int, done: int = 0, cached: int = 0, stream: TextIO | None = None, enabled: bool = True):
        self.total, self.done, self.cached, self.failed = total, done, cached, 0
        self.stream = stream or sys.stderr
        self.enabled = enabled and total > 0
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.start = time.monotonic()
        self._last_line, self._last_tenth = 0.0, -1
        self._show(force=True)

    def advance(self, failed: bool = False) -> None:
        self.done += 1
        self.failed += failed
        self._show(force=self.done == self.total)

    def close(self) -> None:
        if self.enabled and self.tty:
            self.stream.write("\n")
            self.stream.flush()

    def text(self) -> str:
        notes = [f"{n} {what}" for n, what in ((self.cached, "cached"), (self.failed, "failed")) if n]
        elapsed = int(time.monotonic() - self.start)
        return (f"{self.done}/{self.total} documents" + (f" ({', '.join(notes)})" if notes else "")
                + f" {elapsed // 60}:{elapsed % 60:02d}")

    def _show(self, force: bool = False) -> None:
        if not self.enabled:
            return
        if self.tty:
            filled = round(BAR_WIDTH * self.done / self.total)
            self.stream.write(f"\r[{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {self.text()}\x1b[K")
            self.stream.flush()
            return
        tenth = 10 * self.done // self.total
        now = time.monotonic()
        if force or tenth > self._last_tenth or now - self._last_line >= PLAIN_EVERY_S:
            self._last_tenth, self._last_line = tenth, now
            print(f"secmine: {self.text()}", file=self.stream, flush=True)
