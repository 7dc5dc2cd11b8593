"""The adversarial corpus (``corpus_adversarial.py``) against ``check`` and the command line.

Per entry (one test id each), in a worker subprocess whose address space is limited to 2 GiB:

* the formula is read by ``symbolic.formula.parse`` with ``eval``/``exec``/``compile`` (except an
  AST-only compile and module imports), ``sympify`` of a string, ``parse_expr``, ``open``,
  ``os.system``/``popen``/``exec*`` and ``subprocess.Popen`` patched to record and fail: nothing
  may be executed while reading (a canary file must not appear either);
* the full ``check(target, text, timeout=3, hints=False)`` runs unpatched (SymPy's lambdify
  uses ``exec`` to evaluate at points, which is not the user's text);
* the outcome (refused = ValueError/TypeError, or the verdict) must be in the entry's ``allowed``
  set; no other exception may escape; parse + check must end within 3 s + 5 s (the worker is
  killed after that); peak RSS may grow by at most 1 GiB and the 2 GiB limit must not kill it;
* ``not_reads_as``: the reader must not produce that reading (a dropped or guessed part).

The command-line sample runs ``python -m crosscheck check`` on the entries marked ``cli`` (the
bombs among them with the default hints, so the whole command must respect ``--timeout``):
exit 0/1/2 matching the allowed outcomes, exactly one stderr line on exit 2, no traceback.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import time
from collections import Counter

import pytest

_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus_adversarial.py")
_spec = importlib.util.spec_from_file_location("corpus_adversarial", _PATH)
C = importlib.util.module_from_spec(_spec)
sys.modules.setdefault("corpus_adversarial", C)
_spec.loader.exec_module(C)

OUTCOMES = {"refused", "differs", "undecided", "holds"}
CLI_STARTUP = 3.0          # seconds for the interpreter and SymPy to start (0.7 s measured)


@pytest.fixture(scope="module")
def worker():
    w = C.Worker()
    yield w
    w.close()


def test_corpus_shape():
    counts = Counter(e.category for e in C.ENTRIES)
    assert len(C.ENTRIES) >= 320
    assert set(counts) == set(C.CATEGORIES)
    assert min(counts.values()) >= 50, counts
    assert len({e.id for e in C.ENTRIES}) == len(C.ENTRIES)
    for e in C.ENTRIES:
        assert e.why.strip(), e.id
        assert e.allowed and e.allowed <= OUTCOMES, e.id
        assert e.mode in ("latex", "plain", None), e.id
    assert 20 <= sum(e.cli for e in C.ENTRIES) <= 30


# The resource bombs each run to their time limit: under the `slow` marker (CI runs them).
@pytest.mark.parametrize("entry", [pytest.param(e, marks=pytest.mark.slow) if e.category == "bomb" else e
                                   for e in C.ENTRIES], ids=[e.id for e in C.ENTRIES])
def test_entry(entry, worker):
    result = worker.run(entry)
    found = C.violations(entry, result)
    assert not found, (f"{entry.id} [{entry.target}] {entry.text[:200]!r}\n  why: {entry.why}\n"
                       + "\n".join(f"  {kind}: {detail}" for kind, detail in found))


CLI_ENTRIES = [e for e in C.ENTRIES if e.cli]
_EXIT = {0: {"holds"}, 1: {"differs", "undecided"}, 2: {"refused"}}


@pytest.mark.slow
@pytest.mark.parametrize("entry", CLI_ENTRIES, ids=[e.id for e in CLI_ENTRIES])
def test_cli(entry):
    hints = entry.category == "bomb"
    limit = C.CHECK_TIMEOUT + C.SLACK + CLI_STARTUP
    env = dict(os.environ, PYTHONPATH=C.REPO + os.pathsep + os.environ.get("PYTHONPATH", ""))
    start = time.monotonic()
    try:
        proc = subprocess.run(C.cli_command(entry, hints=hints), cwd=C.REPO, env=env, capture_output=True,
                              timeout=limit, preexec_fn=C._limit_memory)
    except subprocess.TimeoutExpired:
        pytest.fail(f"{entry.id}: the command ran over {limit:g} s (--timeout {C.CHECK_TIMEOUT:g}"
                    f"{', hints on' if hints else ''}): {entry.text[:120]!r}")
    seconds = time.monotonic() - start
    out = proc.stdout.decode("utf-8", "replace")
    err = proc.stderr.decode("utf-8", "replace")
    assert "Traceback" not in out + err, f"{entry.id}: traceback\n{err[-2000:]}"
    assert proc.returncode in _EXIT, f"{entry.id}: exit {proc.returncode} (signal?)\n{err[-500:]}"
    assert _EXIT[proc.returncode] & entry.allowed, (
        f"{entry.id}: exit {proc.returncode} but allowed {sorted(entry.allowed)}: {entry.text[:120]!r}\n{out[:600]}")
    if proc.returncode == 2:
        lines = err.rstrip("\n").splitlines()
        assert len(lines) == 1, f"{entry.id}: exit 2 needs one stderr line, got {len(lines)}: {err!r}"
        assert "\x1b" not in err, f"{entry.id}: a terminal escape reached stderr raw: {err!r}"
    assert seconds <= limit


def test_the_patch_catches_execution():
    """The harness itself: each way of running text is recorded and fails while patched."""
    import builtins

    import sympy

    log: list[str] = []
    attempts = [lambda: builtins.eval("1"), lambda: builtins.exec("x = 1"), lambda: builtins.compile("1", "<s>", "eval"),
                lambda: sympy.sympify("1"), lambda: sympy.Number("1"), lambda: sympy.parsing.sympy_parser.parse_expr("1"),
                lambda: builtins.open("/etc/passwd"), lambda: os.system("true")]
    import sympy.parsing.sympy_parser  # noqa: F401
    with C._patched_execution(log):
        for attempt in attempts:
            with pytest.raises(C._Forbidden):
                attempt()
        import ast
        ast.parse("1 + 1", mode="eval")          # an AST-only compile is allowed
        assert sympy.sympify(1) == 1              # sympify of a non-string is not execution
    assert len(log) == len(attempts), log
    assert builtins.eval("1") == 1               # restored
