"""The API's failure contract (README, "How the API fails"): every row of the failure table raises
what it says, with a message that names the argument; the README holds the table as generated;
every public function has a row.  The rows live next to the validators
(numeric/_failures.py, crosscheck/devtools/contract.py)."""

import inspect
import os
import subprocess
import sys

import pytest

import numeric
from crosscheck.devtools import contract
from numeric._failures import GROUPS, Failure

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
README = os.path.join(ROOT, "README.md")


@pytest.mark.parametrize("failure", contract.FAILURES, ids=[f"{f.function}-{f.argument}-{i}"
                                                            for i, f in enumerate(contract.FAILURES)])
def test_each_row_raises_its_exception_naming_its_argument(failure):
    err = contract.raised(failure)
    assert err is not None, f"{failure.example} raised nothing"
    assert isinstance(err, failure.exception) and isinstance(err, (ValueError, TypeError)), repr(err)
    message = str(err)
    assert "\n" not in message
    for argument in failure.arguments:
        if argument == "result":
            assert "` overflows " in message, message
        else:
            assert contract.names_argument(message, argument), message
    assert contract.problems(failure, err) == []


def test_the_readme_holds_the_generated_table():
    text = open(README, encoding="utf-8").read()
    assert contract.current_block(text) == contract.table(), (
        "README.md's failure table is stale: run python -m crosscheck.devtools.contract --write README.md")


def _members(function: str) -> tuple[str, ...]:
    return GROUPS.get(function, (function,))


def test_every_public_function_has_a_row():
    covered = {m for f in contract.FAILURES for m in _members(f.function) if m != "numeric.*"}
    # the result types are dataclasses of tensors a function returns, and `elbo` the module of the bound
    not_functions = {"ELBOTerms", "VariationalBound", "elbo"}
    public = {f"numeric.{name}" for name in numeric.__all__ if name not in not_functions}
    assert {name for name in not_functions if inspect.isfunction(getattr(numeric, name))} == set()
    assert public - covered == set(), sorted(public - covered)
    assert set(contract.CROSSCHECK_API) - covered == set()
    for method in ("linear", "cosine", "from_betas", "to", "table", "float64"):
        assert f"NoiseSchedule.{method}" in covered, method


def test_every_row_is_about_a_known_function_or_group():
    known = {f"numeric.{n}" for n in numeric.__all__} | set(contract.CROSSCHECK_API) | {
        f"NoiseSchedule.{m}" for m in ("linear", "cosine", "from_betas", "to", "table", "float64")}
    for failure in contract.FAILURES:
        assert set(_members(failure.function)) - {"numeric.*"} <= known, failure.function
        assert failure.exception in (ValueError, TypeError)
    for members in GROUPS.values():
        for member in members:
            if member.startswith("numeric.") and member != "numeric.*":
                assert member.split(".", 1)[1] in numeric.__all__, member


def test_rows_are_distinct():
    keys = [(f.function, f.argument, f.condition) for f in contract.FAILURES]
    assert len(keys) == len(set(keys))
    assert len({f.example for f in contract.FAILURES}) == len(contract.FAILURES)


def test_a_broken_row_is_reported():
    wrong_type = Failure("numeric.posterior_variance", "t", "demo", TypeError, "numeric.posterior_variance(0, S)")
    silent = Failure("numeric.posterior_variance", "t", "demo", ValueError, "numeric.posterior_variance(1, S)")
    unnamed = Failure("numeric.posterior_variance", "schedule", "demo", ValueError,
                      "numeric.posterior_variance(0, S)")
    assert "expected TypeError" in contract.problems(wrong_type, contract.raised(wrong_type))[0]
    assert "raised nothing" in contract.problems(silent, contract.raised(silent))[0]
    assert "does not name `schedule`" in contract.problems(unnamed, contract.raised(unnamed))[0]
    with pytest.raises(RuntimeError, match="examples that break their row"):
        contract.table((silent,))


def test_the_table_keeps_the_first_clause_and_escapes_pipes():
    assert contract.first_clause("`t` must be in [1, 3], got 0; timesteps follow the paper") == (
        "`t` must be in [1, 3], got 0")
    assert contract._cell("got |x_0| up to 2") == "got \\|x_0\\| up to 2"


def test_write_replaces_only_the_block(tmp_path):
    path = tmp_path / "README.md"
    path.write_text("# title\n\nbefore\n\n<!-- contract:api -->\nold\n<!-- /contract:api -->\n\nafter\n",
                    encoding="utf-8")
    path.chmod(0o640)
    contract.write(str(path), "| new |")
    assert path.read_text(encoding="utf-8") == (
        "# title\n\nbefore\n\n<!-- contract:api -->\n| new |\n<!-- /contract:api -->\n\nafter\n")
    assert path.stat().st_mode & 0o777 == 0o640
    assert [p.name for p in tmp_path.iterdir()] == ["README.md"]        # nothing left behind
    with pytest.raises(ValueError, match="must hold <!-- contract:api --> once"):
        contract.replace_block("no markers", "x")


def test_the_command_prints_checks_and_writes(tmp_path):
    env = {**os.environ, "PYTHONPATH": ROOT}
    proc = subprocess.run([sys.executable, "-m", "crosscheck.devtools.contract"], capture_output=True, text=True,
                          cwd=ROOT, env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "\n| function | argument | condition | exception | message |\n" in proc.stdout
    stale = tmp_path / "README.md"
    stale.write_text("<!-- contract:api -->\n<!-- /contract:api -->\n", encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "crosscheck.devtools.contract", "--check", str(stale)],
                          capture_output=True, text=True, cwd=ROOT, env=env, timeout=300)
    assert proc.returncode == 1 and "stale" in proc.stderr
    proc = subprocess.run([sys.executable, "-m", "crosscheck.devtools.contract", "--write", str(stale)],
                          capture_output=True, text=True, cwd=ROOT, env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr
    proc = subprocess.run([sys.executable, "-m", "crosscheck.devtools.contract", "--check", str(stale)],
                          capture_output=True, text=True, cwd=ROOT, env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr


def test_the_crosscheck_rows_need_no_torch_at_import():
    code = ("import sys; import crosscheck.commands.check; "
            "assert 'torch' not in sys.modules, 'check imported torch'")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT, env={**os.environ, "PYTHONPATH": ROOT})
