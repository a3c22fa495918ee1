"""A progress bar on stderr for long batch runs (intakes/s), tqdm when it is installed.

Shown by default only on a terminal: a log file or a pipe gets the final summary line that
every command prints anyway, not a stream of carriage returns.
"""

from __future__ import annotations

import sys
import time
from typing import Protocol


class Progress(Protocol):
    def update(self, n: int = 1) -> None: ...

    def close(self) -> None: ...


class _Plain:
    """A line every few seconds, for when tqdm is missing."""

    def __init__(self, total: int | None, desc: str, every_s: float = 5.0):
        self.total, self.desc, self.every_s = total, desc, every_s
        self.n = 0
        self.start = self.last = time.perf_counter()

    def update(self, n: int = 1) -> None:
        self.n += n
        now = time.perf_counter()
        if now - self.last >= self.every_s:
            self.last = now
            of = f"/{self.total}" if self.total else ""
            print(f"{self.desc}: {self.n}{of} ({self.n / (now - self.start):.0f} intakes/s)", file=sys.stderr, flush=True)

    def close(self) -> None:
        pass


class _Off:
    def update(self, n: int = 1) -> None:
        pass

    def close(self) -> None:
        pass


def progress_bar(total: int | None, desc: str, enabled: bool | None = None) -> Progress:
    """A progress bar counting intakes; ``enabled=None`` shows it when stderr is a terminal."""
    if enabled is None:
        enabled = sys.stderr.isatty()
    if not enabled:
        return _Off()
    try:
        from tqdm import tqdm
    except ImportError:  # pragma: no cover - tqdm comes with the pinned dependencies
        return _Plain(total, desc)
    return tqdm(total=total, desc=desc, unit=" intakes", unit_scale=False, file=sys.stderr, mininterval=0.5, smoothing=0.05, dynamic_ncols=True)
