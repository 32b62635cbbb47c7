"""Resource limits for detection: a per-rule time cap (so a pathological input cannot hang a scan).

The cap uses a real-time interval timer, which only works in a process's main thread; elsewhere
(e.g. qc.scan called from a worker thread) rules run uncapped.
"""
from __future__ import annotations

import signal
import threading


class RuleTimeout(Exception):
    """A rule ran longer than ``limits.max_rule_seconds``."""


def _on_alarm(signum, frame):
    raise RuleTimeout("rule exceeded its time limit")


class RuleTimer:
    """Caps each rule's run at ``seconds``: ``with RuleTimer(s) as t:`` installs the SIGALRM handler
    once (for a whole document), then ``t.arm()`` / ``t.disarm()`` around each rule set and clear
    the interval timer: two cheap system calls per rule instead of four."""

    def __init__(self, seconds: float | None) -> None:
        self.seconds = seconds
        self.usable = bool(seconds) and seconds > 0 and hasattr(signal, "setitimer") \
            and threading.current_thread() is threading.main_thread()
        self._old = None

    def __enter__(self) -> "RuleTimer":
        if self.usable:
            self._old = signal.signal(signal.SIGALRM, _on_alarm)
        return self

    def arm(self) -> None:
        if self.usable:
            signal.setitimer(signal.ITIMER_REAL, self.seconds)

    def disarm(self) -> None:
        if self.usable:
            signal.setitimer(signal.ITIMER_REAL, 0)

    def __exit__(self, *exc) -> None:
        if self.usable:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, self._old)
