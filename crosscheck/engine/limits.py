"""Hard limits on a computation: wall-clock time and memory, for ``check``'s decision.

SymPy is pure Python, but one step can spend minutes inside a single big-integer operation,
where no signal is delivered, and gigabytes on a huge expansion.  So the work runs in a forked
child process: the child sets ``RLIMIT_AS`` (address space, so an allocation past the limit
fails with ``MemoryError`` instead of swapping the machine), and the parent waits on a pipe
until the deadline, then ``SIGKILL``s it.  The child sends pickled results as it goes (the
verdict first, then the verdict with hints), so what was finished before the deadline is kept.

Where ``fork`` is unavailable (Windows), the work runs in-process under a ``SIGALRM`` time limit
(:func:`time_limit`), which a single long C-level operation can overrun, and with no memory bound.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import select
import signal
import struct
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable

from .._signals import deferred, undeferred

#: Memory the decision may allocate beyond what the process holds when it starts (MiB).
MEMORY_MIB = 2048
#: Run in a forked child where the platform can.
ISOLATE = hasattr(os, "fork")

TIME, MEMORY, ERROR, DONE = "time", "memory", "error", "done"


class CheckTimeout(BaseException):
    """Raised inside the engine when the time limit runs out (BaseException: SymPy's broad
    ``except Exception`` clauses must not swallow it)."""


@contextlib.contextmanager
def time_limit(seconds: float | None):
    """Raise :class:`CheckTimeout` after ``seconds`` (main thread, Unix; else no limit).

    Nests: an inner limit never extends an outer one, and the outer one is restored after it.
    """
    usable = (seconds and hasattr(signal, "setitimer")
              and threading.current_thread() is threading.main_thread())
    if not usable:
        yield
        return

    def expire(signum, frame):
        raise CheckTimeout()

    outer_remaining = signal.getitimer(signal.ITIMER_REAL)[0]
    start = time.monotonic()
    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, min(seconds, outer_remaining) if outer_remaining else seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        if outer_remaining:
            signal.setitimer(signal.ITIMER_REAL, max(outer_remaining - (time.monotonic() - start), 1e-4))


@dataclass
class Outcome:
    """How the work ended, and the last value it sent (``None`` if it sent none)."""

    status: str                 # done | time | memory | error
    value: Any = None
    detail: str = ""


def run(work: Callable[[Callable[[Any], None]], None], *, seconds: float | None,
        memory_mib: int | None = MEMORY_MIB, isolate: bool | None = None) -> Outcome:
    """Run ``work(emit)`` within ``seconds`` of wall-clock time and ``memory_mib`` of extra memory.

    ``work`` calls ``emit(value)`` with each (picklable) result as it improves; the last one
    that arrived before the end is returned.
    """
    isolate = ISOLATE if isolate is None else isolate
    if isolate:
        return _run_forked(work, seconds, memory_mib)
    return _run_in_process(work, seconds)


def _run_in_process(work, seconds) -> Outcome:
    sent: list[Any] = [None]

    def emit(value):
        sent[0] = value

    try:
        with time_limit(seconds):
            work(emit)
    except CheckTimeout:
        return Outcome(TIME, sent[0])
    except MemoryError:
        return Outcome(MEMORY, sent[0])
    except RecursionError:
        return Outcome(ERROR, sent[0], "RecursionError: the expression is nested too deeply")
    return Outcome(DONE, sent[0])


# ---------------------------------------------------------------------------------------------
# The forked child.

def _address_space() -> int:
    """Bytes of address space this process holds now (Linux /proc; 0 where unknown)."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def _limit_child(memory_mib: int | None, seconds: float | None) -> None:
    try:
        import resource
    except ImportError:        # pragma: no cover - every Unix has it
        return
    if memory_mib:
        limit = _address_space() + memory_mib * 2**20
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    if seconds:
        # a backstop should the parent die: the kernel stops the child after this much CPU
        _, hard = resource.getrlimit(resource.RLIMIT_CPU)
        cpu = int(seconds) + 5
        if hard == resource.RLIM_INFINITY or cpu <= hard:
            resource.setrlimit(resource.RLIMIT_CPU, (cpu, hard))


def _send(fd: int, message) -> None:
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    data = struct.pack("!Q", len(data)) + data
    while data:
        data = data[os.write(fd, data):]


def _child(work, write_fd: int, memory_mib, seconds) -> None:
    status = 0
    for number in (signal.SIGINT, signal.SIGTERM, getattr(signal, "SIGHUP", None)):
        if number is not None and signal.getsignal(number) is not signal.SIG_IGN:
            signal.signal(number, signal.SIG_DFL)     # a signal ends the child at once; the parent cleans up
    try:
        _limit_child(memory_mib, seconds)
        work(lambda value: _send(write_fd, ("value", value)))
    except MemoryError:
        status = 3
        with contextlib.suppress(BaseException):
            _send(write_fd, ("memory", None))
    except BaseException as err:        # noqa: BLE001 - reported to the parent, never raised there
        status = 4
        with contextlib.suppress(BaseException):
            _send(write_fd, ("error", f"{type(err).__name__}: {str(err)[:300]}"))
    finally:
        os._exit(status)


def _run_forked(work, seconds, memory_mib) -> Outcome:
    read_fd, write_fd = os.pipe()
    deadline = None if not seconds else time.monotonic() + seconds
    buffer, messages, timed_out, finished = b"", [], False, False
    with deferred():              # no signal between the fork and the try that kills the child
        pid = os.fork()
        if pid == 0:                                      # the child never returns
            os.close(read_fd)
            _child(work, write_fd, memory_mib, seconds)
        os.close(write_fd)
        try:
            with undeferred():
                while True:
                    remaining = None if deadline is None else deadline - time.monotonic()
                    if remaining is not None and remaining <= 0:
                        timed_out = True
                        break
                    ready, _, _ = select.select([read_fd], [], [], remaining)
                    if not ready:
                        timed_out = True
                        break
                    chunk = os.read(read_fd, 1 << 16)
                    if not chunk:
                        finished = True
                        break
                    buffer += chunk
                    while len(buffer) >= 8:
                        size = struct.unpack("!Q", buffer[:8])[0]
                        if len(buffer) < 8 + size:
                            break
                        messages.append(pickle.loads(buffer[8:8 + size]))
                        buffer = buffer[8 + size:]
        finally:
            os.close(read_fd)
            if not finished:       # timed out, or the parent is unwinding (Ctrl-C, SIGTERM): never leave it running
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            _, wait_status = os.waitpid(pid, 0)
    values = [m[1] for m in messages if m[0] == "value"]
    last = values[-1] if values else None
    kinds = [m[0] for m in messages]
    if timed_out:
        return Outcome(TIME, last)
    if "memory" in kinds:
        return Outcome(MEMORY, last)
    if "error" in kinds:
        return Outcome(ERROR, last, next(m[1] for m in messages if m[0] == "error"))
    if os.WIFSIGNALED(wait_status):
        number = os.WTERMSIG(wait_status)
        name = signal.Signals(number).name if number in signal.Signals._value2member_map_ else str(number)
        if number == getattr(signal, "SIGXCPU", None):
            return Outcome(TIME, last, f"the decision process was stopped by {name}")
        # an allocation failure outside Python (a C library aborting) ends the child by a signal
        return Outcome(MEMORY if number in (signal.SIGABRT, signal.SIGSEGV, signal.SIGBUS) else ERROR, last,
                       f"the decision process was stopped by {name}")
    if os.WIFEXITED(wait_status) and os.WEXITSTATUS(wait_status) == 3:
        return Outcome(MEMORY, last)       # out of memory, too short of it even to say so
    if os.WIFEXITED(wait_status) and os.WEXITSTATUS(wait_status) == 4:
        return Outcome(ERROR, last)
    return Outcome(DONE, last)
