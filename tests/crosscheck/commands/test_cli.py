"""The command line contract: exit codes 0/1/2, one line per identity, JSON report, bad input."""

import importlib
import json
import os
import subprocess
import sys

import pytest
import torch

from crosscheck.commands import cli
from crosscheck.engine import registry


def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "crosscheck", *args], capture_output=True, text=True)


def test_cli_runs_selected_identities_and_writes_json(tmp_path):
    report = tmp_path / "report.json"
    proc = run_cli("--only", "posterior", "eps_mean", "--json", str(report))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[1].startswith("PASS  posterior") and lines[2].startswith("PASS  eps_mean")
    assert lines[-1].startswith("2 of 2 identities hold")
    data = json.loads(report.read_text())
    assert data["ok"] is True and [r["name"] for r in data["results"]] == ["posterior", "eps_mean"]
    for result in data["results"]:
        assert {"name", "kind", "symbolic", "numeric", "ok", "seconds"} <= set(result)
        assert result["symbolic"] == "proved"
        assert {"max_abs_err", "max_rel_err", "tolerance"} <= set(result["numeric"])


def test_the_elbo_chain_is_in_the_cli_and_its_json_report(tmp_path):
    report = tmp_path / "elbo.json"
    names = ["elbo_factorization", "elbo_separation", "elbo_reindexing", "elbo_bayes",
             "elbo_telescoping", "elbo_kl_form", "elbo_gap"]
    proc = run_cli("--only", *names, "--json", str(report))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    data = json.loads(report.read_text())
    assert [r["name"] for r in data["results"]] == names
    for result in data["results"]:
        assert result["kind"] == "derivation" and result["symbolic"] == "proved" and result["numeric"] is None
        assert result["checks"] and all(c["ok"] for c in result["checks"])
    kinds = {c["kind"] for r in data["results"] for c in r["checks"]}
    assert {"pathwise", "sampling", "exact", "oracle"} <= kinds
    bayes = data["results"][3]["proof"]
    assert bayes["steps"][0]["claim"] == "elbo_bayes starts where elbo_reindexing ends"
    transitions = bayes["steps"][1]["steps"]
    assert all(len(t["steps"]) == 2 for t in transitions)    # symbolic T and T = 1..10


def test_list_shows_every_catalog_name(capsys):
    assert cli.main(["list"]) == 0
    out = capsys.readouterr().out
    assert all(quantity.name in out for quantity in registry.REGISTRY)


@pytest.mark.parametrize("argv, message", [
    (["--T", "0"], "argument --T: must be in [1, 100000], got 0"),
    (["--T", "abc"], "argument --T: must be an integer, got 'abc'"),
    (["--only", "posterior_meen"], "unknown name 'posterior_meen' for --only (did you mean posterior?); known:"),
    (["--only", "posterior_mean"], "posterior_mean is a part of posterior; --only takes entry names"),
    (["--json", ""], "--json needs a file name such as report.json, got ''"),
    (["claims", "--json", ""], "--json needs a file name such as report.json, got ''"),
    (["--dtype", "float16"], "invalid choice: 'float16'"),
    (["frobnicate"], "unknown command 'frobnicate'"),
    (["list", "extra"], "`list` takes no arguments"),
    (["--json", "/nonexistent-dir/r.json"], "does not exist; create it first"),
])
def test_bad_usage_exits_2_with_one_line(argv, message, capsys):
    assert cli.main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err and "Traceback" not in err


def test_json_into_a_directory_is_refused(tmp_path, capsys):
    assert cli.main(["--json", str(tmp_path)]) == 2
    assert "is a directory" in capsys.readouterr().err
    assert os.listdir(tmp_path) == []


@pytest.mark.skipif(__import__("torch").cuda.is_available(), reason="CUDA is available here")
def test_cuda_without_a_device_exits_2(capsys):
    assert cli.main(["--device", "cuda", "--only", "score"]) == 2
    assert "no CUDA device is available" in capsys.readouterr().err


def test_bad_usage_in_a_subprocess_has_no_traceback():
    proc = run_cli("--T", "-3")
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr


def test_a_failing_identity_exits_1_and_shows_the_counterexample(monkeypatch, capsys, tmp_path):
    twins = importlib.import_module("numeric.score")   # the module (numeric.score is the function)
    real = twins.score_from_eps

    def score_from_eps(eps, t, schedule):    # the variance where the standard deviation belongs
        return real(eps, t, schedule) * -real(torch.ones_like(eps), t, schedule)
    monkeypatch.setattr(twins, "score_from_eps", score_from_eps)
    report = tmp_path / "r.json"
    assert cli.main(["--only", "score", "--points", "10", "--json", str(report)]) == 1
    out = capsys.readouterr().out
    assert "FAIL  score" in out and "at {" in out and "0 of 1 identities hold" in out
    assert json.loads(report.read_text())["ok"] is False


COMMAND_NAMES = ["list", "plots", "latex", "check", "claims", "train"]


@pytest.mark.parametrize("command", COMMAND_NAMES)
def test_each_command_help_shows_its_own_usage_only(command, capsys):
    assert cli.main([command, "--help"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"usage: python -m crosscheck {command}")
    others = [name for name in COMMAND_NAMES if name != command and f"python -m crosscheck {name}" in out]
    assert others == [], f"{command} --help shows the usage of {others}"


def test_claims_help_says_the_material_is_bundled(capsys):
    assert cli.main(["claims", "--help"]) == 0
    out = capsys.readouterr().out
    assert "shared/seeds" not in out and "bundled with crosscheck" in " ".join(out.split())


def test_top_level_help_lists_every_command():
    proc = run_cli("--help")
    assert proc.returncode == 0 and proc.stderr == ""
    assert proc.stdout.startswith("usage: python -m crosscheck [-h]")
    for name in COMMAND_NAMES:
        assert f"\n  {name} " in proc.stdout


@pytest.mark.parametrize("argv, message", [
    (["list", "--frobnicate"], "`list` takes no arguments, got '--frobnicate'"),
    (["plots", "--out"], "argument --out: expected one argument"),
    (["train", "--device", "tpu"], "argument --device: invalid choice: 'tpu'"),
    (["claims", "--jsn"], "unrecognized arguments: --jsn"),
])
def test_subcommand_bad_usage_is_one_line(argv, message, capsys):
    assert cli.main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("crosscheck: error: ") and err.count("\n") == 1 and message in err
