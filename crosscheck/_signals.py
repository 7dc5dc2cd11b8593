"""Signals for the command line: SIGINT, SIGTERM and SIGHUP as an exception, and the stretches of
work they must not cut in two.  Torch-free, imported first by ``python -m crosscheck``.

The handler raises :class:`Interrupted` in the main thread, so every ``finally`` and every cleanup
runs.  Inside :func:`deferred` (``import torch``, whose C++ callbacks cannot unwind a Python
exception; creating a staging directory; moving files in) a signal is only recorded, and raised
when the stretch ends.  After the first raise, a burst of further signals within a second is only
recorded: a second Ctrl-C must not cut the cleanup the first one started.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
import time

_TERMINATING = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name))
_HELD = (signal.SIGINT, *_TERMINATING)


class Interrupted(KeyboardInterrupt):
    """SIGINT, SIGTERM or SIGHUP: unwinds the stack like Ctrl-C, so every ``finally`` and every
    ``except KeyboardInterrupt`` cleanup runs.  ``status`` is the exit status, 128 + signal."""

    def __init__(self, number: int):
        super().__init__(number)
        self.number = number

    @property
    def status(self) -> int:
        return 128 + self.number


#: Signals received since :func:`install_signal_handlers`, first first.  Kept even when some
#: library catches the exception: the run still ends with the signal's status.
RECEIVED: list[int] = []


_DEFERRING = [0]          # depth of deferred() blocks
_RAISED: list[float] = []  # when Interrupted was raised (time.monotonic())
#: Further signals within this many seconds of the last raise are only recorded.
BURST_SECONDS = 1.0


def _raise_interrupted(number, frame):
    RECEIVED.append(number)
    now = time.monotonic()
    if _DEFERRING[0] or (_RAISED and now - _RAISED[-1] < BURST_SECONDS):
        return
    _RAISED.append(now)
    raise Interrupted(number)


@contextlib.contextmanager
def deferred():
    """A signal inside the block is recorded; the first one is raised when the block ends (if no
    exception is already leaving it)."""
    _DEFERRING[0] += 1
    try:
        yield
    finally:
        _DEFERRING[0] -= 1
    if not _DEFERRING[0]:
        _raise_recorded()


@contextlib.contextmanager
def undeferred():
    """Inside a :func:`deferred` block, a stretch that a signal may interrupt (the work itself):
    a signal recorded before it is raised on entry."""
    depth, _DEFERRING[0] = _DEFERRING[0], 0
    try:
        _raise_recorded()
        yield
    finally:
        _DEFERRING[0] = depth


def _raise_recorded() -> None:
    """Raise the first signal recorded while deferred, unless one was raised already (or the
    handlers are not ours: API use)."""
    if RECEIVED and not _RAISED and _installed():
        _RAISED.append(time.monotonic())
        raise Interrupted(RECEIVED[0])


def _installed() -> bool:
    return signal.getsignal(signal.SIGTERM) is _raise_interrupted


def settle() -> None:
    """The run's outcome is final: from here on a signal is only recorded (whatever thread it
    reaches), so nothing can cut the last line or the exit in two."""
    _DEFERRING[0] += 1


def _unraisable(previous):
    """An :class:`Interrupted` raised where Python cannot propagate it (a finalizer, a garbage
    collector callback) is not printed: the signal is sent again, to unwind from the next line
    of ordinary code."""
    def hook(unraisable):
        if isinstance(unraisable.exc_value, Interrupted):
            os.kill(os.getpid(), unraisable.exc_value.number)
            return
        previous(unraisable)
    return hook


def install_signal_handlers() -> None:
    """For the command line: SIGINT, SIGTERM and SIGHUP raise :class:`Interrupted`.  A signal the
    parent process set to be ignored (``nohup``, a background job) stays ignored."""
    for number in _HELD:
        if signal.getsignal(number) is not signal.SIG_IGN:
            signal.signal(number, _raise_interrupted)
    sys.unraisablehook = _unraisable(sys.unraisablehook)


def interrupt_status() -> int | None:
    """128 + the first signal received, or None."""
    return 128 + RECEIVED[0] if RECEIVED else None


def report_interrupt(number: int) -> int:
    """The one line on standard error for the signal that ended the run; returns its exit
    status, 128 + the signal.  Under the command line's handlers, later signals wait from here
    on, so the line is written whole."""
    if RECEIVED:
        settle()
    name = "interrupted" if number == signal.SIGINT else f"stopped by {signal.Signals(number).name}"
    print(f"crosscheck: {name}", file=sys.stderr)
    return 128 + number


class _Terminated(BaseException):
    """SIGTERM or SIGHUP arrived while files were being written: unwinds like KeyboardInterrupt."""

    def __init__(self, number: int):
        super().__init__(number)
        self.number = number


def _raise_terminated(number, frame):
    raise _Terminated(number)


@contextlib.contextmanager
def _terminating_signals_unwind():
    """Inside the block SIGTERM and SIGHUP raise :class:`_Terminated`, so every ``finally`` runs;
    after it the old handlers are back and the signal is sent again, ending the process as it
    would have.  Only in the main thread, and only for signals whose action was the default
    (API use: the command line installs its own handlers first)."""
    replaced = {}
    if threading.current_thread() is threading.main_thread():
        for number in _TERMINATING:
            if signal.getsignal(number) is signal.SIG_DFL:
                replaced[number] = signal.signal(number, _raise_terminated)
    try:
        yield
    except _Terminated as stop:
        for number, handler in replaced.items():
            signal.signal(number, handler)
        os.kill(os.getpid(), stop.number)
        raise
    finally:
        for number, handler in replaced.items():
            signal.signal(number, handler)


_MASKS = hasattr(signal, "pthread_sigmask")      # POSIX; elsewhere signals are not held


def _signal_mask() -> set | None:
    return signal.pthread_sigmask(signal.SIG_BLOCK, ()) if _MASKS else None


def hold_signals() -> None:
    """Ctrl-C, SIGTERM and SIGHUP wait (pending) until the mask is restored."""
    if _MASKS:
        signal.pthread_sigmask(signal.SIG_BLOCK, _HELD)


def _restore_signal_mask(mask: set | None) -> None:
    if _MASKS:
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)


