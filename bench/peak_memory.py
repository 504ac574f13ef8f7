"""Peak resident memory of this process and its children while a piece of work runs (Linux /proc).

``ru_maxrss`` is a lifetime peak and misses live children (the render pool), so a thread samples
VmRSS every few milliseconds instead; ``peak - before`` is what the work added.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

INTERVAL_S = 0.005


def _rss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def _children(pid: int) -> list[int]:
    found: list[int] = []
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            for child in (task / "children").read_text().split():
                found += [int(child), *_children(int(child))]
    except OSError:
        pass
    return found


def tree_rss_mib() -> float:
    """This process and all its descendants, MiB."""
    me = os.getpid()
    return sum(_rss_kib(p) for p in [me, *_children(me)]) / 1024


class PeakRss:
    """``with PeakRss() as peak: …`` then ``peak.before``, ``peak.peak`` (MiB, the whole process tree)."""

    def __enter__(self) -> PeakRss:
        self.before = self.peak = tree_rss_mib()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self) -> None:
        while not self._stop.wait(INTERVAL_S):
            self.peak = max(self.peak, tree_rss_mib())

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, tree_rss_mib())

    @property
    def added(self) -> float:
        return self.peak - self.before
