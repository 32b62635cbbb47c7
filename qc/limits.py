"""Resource limits for detection: a per-rule time cap (so a pathological input cannot hang a scan).

The cap uses a real-time interval timer, which only works in a process's main thread; elsewhere
(e.g. qc.scan called from a worker thread) rules run uncapped.
"""
from __future__ import annotations

import signal
import threading
from contextlib import contextmanager


class RuleTimeout(Exception):
    """A rule ran longer than ``limits.max_rule_seconds``."""


def _on_alarm(signum, frame):
    raise RuleTimeout("rule exceeded its time limit")


@contextmanager
def time_limit(seconds: float | None):
    usable = bool(seconds) and seconds > 0 and hasattr(signal, "setitimer") \
        and threading.current_thread() is threading.main_thread()
    if not usable:
        yield
        return
    old = signal.signal(signal.SIGALRM, _on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)
