"""When a training run stops early: Ctrl-C (finish the step, checkpoint, stop) and a wall-clock budget."""
import signal
import threading
import time


class Interrupt:
    """Ctrl-C during training: finish the current step, checkpoint, stop (a second Ctrl-C aborts)."""

    def __init__(self):
        self.requested = False
        self._old = None

    def __enter__(self):
        if threading.current_thread() is threading.main_thread():
            self._old = signal.signal(signal.SIGINT, self._handle)
        return self

    def _handle(self, signum, frame):
        self.requested = True
        signal.signal(signal.SIGINT, self._old or signal.default_int_handler)

    def __exit__(self, *exc):
        if self._old is not None:
            signal.signal(signal.SIGINT, self._old)
        return False


class TimeBudget:
    """A wall-clock budget in minutes (None: no limit), counted from its creation."""

    def __init__(self, minutes):
        self.deadline = None if minutes is None else time.perf_counter() + 60.0 * minutes

    def expired(self):
        return self.deadline is not None and time.perf_counter() >= self.deadline
