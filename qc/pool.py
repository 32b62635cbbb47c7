"""Worker process pools (the scan's and the HTML pages'): workers leave Ctrl-C to the parent,
which stops the pool at once when it is interrupted or fails."""
from __future__ import annotations

import signal
from typing import Any


def ignore_interrupts() -> None:
    """In a pool worker: Ctrl-C is the parent's to handle."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def stop_pool(ex: Any, kill: bool = False) -> None:
    """Shut a ProcessPoolExecutor down: after its work (``kill=False``), or at once, its workers
    terminated and its queued work cancelled."""
    if ex is None:
        return
    if kill:
        for proc in list((getattr(ex, "_processes", None) or {}).values()):
            proc.terminate()
        ex.shutdown(wait=False, cancel_futures=True)
    else:
        ex.shutdown(wait=True)
