"""Hard limits: wall-clock time and memory hold even inside one long C-level operation."""

import os
import time

import pytest

from crosscheck.engine import limits

fork_only = pytest.mark.skipif(not hasattr(os, "fork"), reason="the hard limits need fork")


def _big_power(emit):
    emit("started")
    return 7 ** (10 ** 8)        # one C-level operation: SIGALRM cannot interrupt it for seconds


@fork_only
def test_wall_clock_limit_holds_inside_a_c_level_operation():
    start = time.monotonic()
    outcome = limits.run(_big_power, seconds=0.5, memory_mib=1024)
    assert outcome.status == limits.TIME and time.monotonic() - start < 2.0
    assert outcome.value == "started"          # what was sent before the deadline is kept


@fork_only
def test_memory_limit_holds():
    def allocate(emit):
        blocks = [bytearray(64 * 2**20) for _ in range(64)]    # 4 GiB
        emit(len(blocks))
    outcome = limits.run(allocate, seconds=20, memory_mib=256)
    assert outcome.status == limits.MEMORY and outcome.value is None


@fork_only
def test_the_last_value_sent_is_returned_and_errors_are_reported_not_raised():
    def work(emit):
        emit(1)
        emit({"verdict": 2})
    assert limits.run(work, seconds=20).value == {"verdict": 2}

    def broken(emit):
        raise ZeroDivisionError("boom")
    outcome = limits.run(broken, seconds=20)
    assert outcome.status == limits.ERROR and "ZeroDivisionError: boom" in outcome.detail


def test_in_process_fallback_has_the_time_limit():
    def spin(emit):
        emit("spinning")
        while True:
            pass
    start = time.monotonic()
    outcome = limits.run(spin, seconds=0.3, isolate=False)
    assert outcome.status == limits.TIME and outcome.value == "spinning" and time.monotonic() - start < 2.0


@fork_only
def test_out_of_memory_is_named_even_when_the_child_cannot_say_so(monkeypatch):
    # The child hits MemoryError and is too short of memory to send a message: its exit status
    # still says memory (it used to come back as "ended without an answer").
    from crosscheck.engine import limits

    def cannot_send(*args, **kwargs):
        raise MemoryError
    monkeypatch.setattr(limits, "_send", cannot_send)

    def work(emit):
        raise MemoryError
    assert limits.run(work, seconds=10, memory_mib=256).status == limits.MEMORY
