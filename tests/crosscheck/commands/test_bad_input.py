"""A corpus of bad input for the command line and the API.

Command line: exit code 2 and exactly one line on stderr, starting ``crosscheck: error:``,
never a traceback, and nothing written.  API: a ``ValueError`` or ``TypeError`` whose one-line
message names the argument (in backticks), never a bare torch/sympy error.  Outputs are
written atomically: an interrupted write leaves the previous file (or none) and no debris.
"""

import math
import os
import subprocess
import sys

import pytest
import torch

import numeric
from crosscheck.commands import cli, common
from numeric.lab import lab3, lab4

# -- the command line -----------------------------------------------------------------------------

FILE = "@file"          # replaced by the path of an existing regular file
MISSING_DIR = "@missing/r.json"
DIR = "@dir"

CLI_CORPUS = [
    # unknown names
    (["frobnicate"], "unknown command 'frobnicate'"),
    (["--only", "posterior_meen"], "unknown name 'posterior_meen'"),
    (["--schedule", "exponential"], "invalid choice: 'exponential'"),
    (["--dtype", "float16"], "invalid choice: 'float16'"),
    (["--device", "tpu"], "invalid choice: 'tpu'"),
    (["--frobnicate"], "unrecognized arguments: --frobnicate"),
    (["latex", "--out", DIR, "--step", "elbo_magic"], "elbo_magic"),
    (["check", "posterior_meen", "x_0"], "posterior_meen"),
    (["list", "extra"], "`list` takes no arguments"),
    # malformed numbers
    (["--T", "abc"], "--T: must be an integer, got 'abc'"),
    (["--T", "1e3"], "--T: must be an integer, got '1e3'"),
    (["--T", ""], "--T: must be an integer"),
    (["--points", "ten"], "--points: must be an integer"),
    (["--seed", "0.5"], "--seed: must be an integer"),
    (["plots", "--out", DIR, "--beta-start", "abc"], "--beta-start: invalid float value: 'abc'"),
    (["plots", "--out", DIR, "--beta-start", "nan"], "--beta-start: it must be in (0, 1), got nan"),
    (["plots", "--out", DIR, "--beta-end", "inf"], "--beta-end: it must be in (0, 1), got inf"),
    (["check", "posterior_variance", "beta_t", "--timeout", "soon"], "--timeout: invalid float value"),
    (["check", "posterior_variance", "beta_t", "--timeout", "-1"], "--timeout must be in (0, 3600]"),
    (["train", "--out", DIR, "--batch-size", "many"], "--batch-size: must be an integer"),
    # T = 0, negative or huge T, and other out-of-range values
    (["--T", "0"], "--T: must be in [1, 100000], got 0"),
    (["--T", "-5"], "--T: must be in [1, 100000], got -5"),
    (["--T", "10000000"], "--T: must be in [1, 100000], got 10000000"),
    (["--T", "99999999999999999999999"], "--T: must be in [1, 100000]"),
    (["--points", "1"], "--points: must be in [10, 1000000], got 1"),
    (["--seed", "-1"], "--seed: must be in [0, 2147483647], got -1"),
    (["plots", "--out", DIR, "--T", "0"], "--T: must be in [1, 100000], got 0"),
    (["plots", "--out", DIR, "--beta-start", "1.5"], "--beta-start: it must be in (0, 1), got 1.5"),
    (["plots", "--out", DIR, "--beta-end", "0"], "--beta-end: it must be in (0, 1), got 0.0"),
    (["plots", "--out", DIR, "--schedule", "cosine", "--beta-start", "0.1"], "apply to the linear schedule only"),
    (["latex", "--out", DIR, "--T", "-1"], "--T: must be in [1, 100000], got -1"),
    (["train", "--out", DIR, "--steps", "0"], "--steps: must be in [1, 1000000], got 0"),
    (["train", "--out", DIR, "--T", "1"], "--T: must be in [2, 10000], got 1"),
    (["train", "--out", DIR, "--T", "20000"], "--T: must be in [2, 10000], got 20000"),
    (["train", "--out", DIR, "--batch-size", "0"], "--batch-size: must be in [1, 1000000], got 0"),
    # unparseable or incomplete formulas
    (["check", "posterior_variance", "beta_t +* 2"], "error:"),
    (["check", "posterior_variance", "(1 - alpha_bar_prev"], "error:"),
    (["check", "posterior_variance", r"\frac{1}{"], "error:"),
    (["check", "posterior_variance", "frobnicate(beta_t)"], "frobnicate"),
    (["check", "posterior_variance"], "check needs TARGET and FORMULA"),
    (["check"], "check needs TARGET and FORMULA"),
    # output paths: a file where a directory is expected, a missing or unwritable directory
    (["plots", "--out", FILE], "is a file; give a directory"),
    (["latex", "--out", FILE], "is a file; give a directory"),
    (["train", "--out", FILE, "--steps", "1"], "is a file; give a directory"),
    (["plots", "--out", FILE + "/sub"], "error:"),
    (["--json", MISSING_DIR], "does not exist; create it first"),
    (["--json", DIR], "is a directory; give a file name"),
    (["claims", "--json", MISSING_DIR], "does not exist; create it first"),
    (["claims", "--json", DIR], "is a directory"),
    (["plots"], "the following arguments are required: --out"),
    # unwritable even for root (/proc takes no new files): refused before any work is done
    (["plots", "--out", "/proc/crosscheck-out"], "'/proc' is not writable"),
    (["latex", "--out", "/proc/crosscheck-out"], "'/proc' is not writable"),
    (["train", "--out", "/proc/crosscheck-out"], "'/proc' is not writable"),
    (["--json", "/proc/crosscheck.json"], "directory '/proc' is not writable"),
    (["claims", "--json", "/proc/crosscheck.json"], "directory '/proc' is not writable"),
]

if not torch.cuda.is_available():
    CLI_CORPUS += [(["--device", "cuda"], "no CUDA device is available"),
                   (["train", "--out", DIR, "--device", "cuda"], "no CUDA device is available")]

UNWRITABLE = os.geteuid() != 0     # root writes anywhere: the permission cases need a normal user


def _materialise(argv, tmp_path):
    existing = tmp_path / "existing.txt"
    existing.write_text("keep me\n")
    out_dir = tmp_path / "out"
    out_dir.mkdir(exist_ok=True)
    subs = {FILE: str(existing), DIR: str(out_dir), MISSING_DIR: str(tmp_path / "missing" / "r.json")}
    result = []
    for arg in argv:
        for key, value in subs.items():
            if arg.startswith(key):
                arg = value + arg[len(key):]
        result.append(arg)
    return result, existing, out_dir


def _snapshot(root):
    return {os.path.relpath(os.path.join(d, f), root): os.path.getsize(os.path.join(d, f))
            for d, _, files in os.walk(root) for f in files}


@pytest.mark.parametrize("argv, message", CLI_CORPUS, ids=[" ".join(a)[:60] for a, _ in CLI_CORPUS])
def test_cli_bad_input_exits_2_with_one_line_and_writes_nothing(argv, message, tmp_path, capsys):
    argv, existing, out_dir = _materialise(argv, tmp_path)
    before = _snapshot(tmp_path)
    assert cli.main(argv) == 2
    captured = capsys.readouterr()
    err = captured.err
    assert err.startswith("crosscheck: error: ") and err.count("\n") == 1, err
    assert message in err, err
    assert "Traceback" not in err + captured.out
    assert _snapshot(tmp_path) == before                # nothing written, nothing removed
    assert existing.read_text() == "keep me\n"


@pytest.mark.skipif(not UNWRITABLE, reason="running as root: every directory is writable")
@pytest.mark.parametrize("command", [["plots", "--out"], ["latex", "--out"], ["train", "--out"], ["--json"]])
def test_cli_unwritable_output_exits_2(command, tmp_path, capsys):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        target = str(locked / ("r.json" if command == ["--json"] else "out"))
        assert cli.main([*command, target]) == 2
        err = capsys.readouterr().err
        assert "not writable" in err and err.count("\n") == 1
    finally:
        locked.chmod(0o700)


@pytest.mark.parametrize("argv", [["--T", "0"], ["check", "posterior_variance", "beta_t +* 2"],
                                  ["plots", "--out", "/dev/null"], ["train", "--steps", "-3"]])
def test_cli_bad_input_in_a_real_process_has_no_traceback(argv):
    proc = subprocess.run([sys.executable, "-m", "crosscheck", *argv], capture_output=True, text=True)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr


# -- atomic writes --------------------------------------------------------------------------------

def test_an_interrupted_write_leaves_the_old_file_and_no_debris(tmp_path):
    target = tmp_path / "report.json"
    target.write_text("old report\n")

    def half_then_fail(tmp):
        with open(tmp, "w") as handle:
            handle.write('{"ok": tr')
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        common.replace_atomically(str(target), half_then_fail)
    assert target.read_text() == "old report\n"
    assert sorted(os.listdir(tmp_path)) == ["report.json"]


def test_an_interrupted_first_write_leaves_nothing(tmp_path):
    def fail(tmp):
        with open(tmp, "w") as handle:
            handle.write("partial")
        raise OSError(28, "No space left on device")

    with pytest.raises(OSError):
        common.replace_atomically(str(tmp_path / "new.json"), fail)
    assert os.listdir(tmp_path) == []


def test_a_failed_json_report_is_not_half_written(tmp_path, monkeypatch, capsys):
    """The verify run's --json: a crash while writing leaves the previous report intact."""
    report = tmp_path / "r.json"
    report.write_text("previous\n")
    import json as json_module

    def broken_dumps(*args, **kwargs):
        raise RuntimeError("serialisation failed")
    monkeypatch.setattr(json_module, "dumps", broken_dumps)
    with pytest.raises(RuntimeError):
        cli.main(["--only", "score", "--points", "10", "--json", str(report)])
    assert report.read_text() == "previous\n" and os.listdir(tmp_path) == ["r.json"]


# -- the API --------------------------------------------------------------------------------------

S10 = numeric.NoiseSchedule.linear(10, dtype=torch.float64)
X = torch.zeros(4, dtype=torch.float64)


def _model(x_t, t):
    return torch.zeros_like(x_t)


API_CORPUS = [
    # schedules: T = 0, negative, huge, wrong types; betas outside (0, 1), malformed
    (lambda: numeric.NoiseSchedule.linear(0), ValueError, "`T` must be >= 1"),
    (lambda: numeric.NoiseSchedule.linear(-3), ValueError, "`T` must be >= 1"),
    (lambda: numeric.NoiseSchedule.linear(2.5), TypeError, "`T` must be an int"),
    (lambda: numeric.NoiseSchedule.linear("1000"), TypeError, "`T` must be an int"),
    (lambda: numeric.NoiseSchedule.linear(True), TypeError, "`T` must be an int"),
    (lambda: numeric.NoiseSchedule.linear(10, 0.0, 0.02), ValueError, "`beta_start` must be in (0, 1)"),
    (lambda: numeric.NoiseSchedule.linear(10, 1e-4, 1.0), ValueError, "`beta_end` must be in (0, 1)"),
    (lambda: numeric.NoiseSchedule.linear(10, math.nan, 0.02), ValueError, "`beta_start` must be in (0, 1)"),
    (lambda: numeric.NoiseSchedule.linear(10, "1e-4", 0.02), TypeError, "`beta_start` must be a float"),
    (lambda: numeric.NoiseSchedule.cosine(10, s=-0.1), ValueError, "`s` must be finite and >= 0"),
    (lambda: numeric.NoiseSchedule.cosine(10, max_beta=1.0), ValueError, "`max_beta` must be in (0, 1)"),
    (lambda: numeric.NoiseSchedule.from_betas([]), ValueError, "`betas` must be 1-D with T >= 1"),
    (lambda: numeric.NoiseSchedule.from_betas([[0.1]]), ValueError, "`betas` must be 1-D"),
    (lambda: numeric.NoiseSchedule.from_betas([0.1, 1.0]), ValueError, "got beta_2 = 1.0"),
    (lambda: numeric.NoiseSchedule.from_betas([0.1, -0.2]), ValueError, "got beta_2 = -0.2"),
    (lambda: numeric.NoiseSchedule.from_betas([0.1, math.inf]), ValueError, "got beta_2 = inf"),
    (lambda: numeric.NoiseSchedule.from_betas("0.1"), TypeError, "`betas` must be a 1-D sequence"),
    (lambda: numeric.NoiseSchedule.from_betas(torch.tensor([1, 2])), TypeError, "`betas` must be a real floating"),
    (lambda: numeric.NoiseSchedule.linear(10, dtype=torch.int32), TypeError, "`dtype` must be a floating"),
    (lambda: numeric.NoiseSchedule.linear(10, device="tpu"), ValueError, "`device` must name a torch device"),
    # timesteps: 0, > T, negative, wrong types; the t = 1 terms that do not exist
    (lambda: numeric.forward_jump_mean(X, 0, S10), ValueError, "`t` must be in [1, 10], got 0"),
    (lambda: numeric.forward_jump_mean(X, 11, S10), ValueError, "`t` must be in [1, 10], got 11"),
    (lambda: numeric.posterior_mean(X, X, -1, S10), ValueError, "`t` must be in [1, 10], got -1"),
    (lambda: numeric.posterior_variance(10**12, S10), ValueError, "`t` must be in [1, 10]"),
    (lambda: numeric.posterior_variance(1.0, S10), TypeError, "`t` must be an int"),
    (lambda: numeric.posterior_variance("2", S10), TypeError, "`t` must be an int"),
    (lambda: numeric.posterior_variance(torch.tensor([1.0]), S10), TypeError, "`t` must be an int"),
    (lambda: numeric.posterior_log_variance(1, S10), ValueError, "`t` must be in [2, 10], got 1"),
    (lambda: numeric.kl_eps_constant(1, S10, 0.1), ValueError, "`t` must be in [2, 10], got 1"),
    # data: wrong types and dtypes, nan
    (lambda: numeric.forward_jump_mean([0.0], 1, S10), TypeError, "`x_0` must be a torch.Tensor"),
    (lambda: numeric.forward_jump_mean(torch.zeros(3, dtype=torch.int64), 1, S10), TypeError, "`x_0` must be a floating"),
    (lambda: numeric.forward_jump_mean(X.float(), 1, S10), TypeError, "`x_0` has dtype torch.float32"),
    (lambda: numeric.eps_mean(torch.full((2,), math.nan, dtype=torch.float64), X[:2], 2, S10), ValueError,
     "`x_t` contains nan"),
    (lambda: numeric.gaussian_log_density(X, 0.0, 0.0), ValueError, "`var` must be positive"),
    (lambda: numeric.gaussian_log_density(X, 0.0, -1.0), ValueError, "`var` must be positive"),
    (lambda: numeric.gaussian_kl(0.0, 1.0, 0.0, 1.0), TypeError, "needs at least one torch.Tensor"),
    (lambda: numeric.gaussian_kl(X, 0.0, X, 1.0), ValueError, "`var_1` must be positive"),
    (lambda: numeric.kl_eps_weight(1, S10, 0.0), ValueError, "`sigma2` must be positive"),
    (lambda: numeric.standard_normal_kl(X, "1"), TypeError, "`var` must be a torch.Tensor"),
    # the bound, the trajectory terms, sampling
    (lambda: numeric.variational_bound(X[:, None], S10, _model, variance="large"), ValueError, "`variance` must be one of"),
    (lambda: numeric.variational_bound(X[:, None], S10, _model, decoder="logistic"), ValueError, "`decoder` must be one of"),
    (lambda: numeric.variational_bound(X[:, None], S10, _model, units="bytes"), ValueError, "`units` must be one of"),
    (lambda: numeric.variational_bound(X[:, None], S10, "model"), TypeError, "`eps_model` must be callable"),
    (lambda: numeric.variational_bound(X[:, None], S10, _model, noise=torch.zeros(3, 4, 1, dtype=torch.float64)),
     ValueError, "`noise` must have shape (10, 4, 1)"),
    (lambda: numeric.variational_bound(X[:, None], S10, lambda x, t: x[:1]), ValueError, "`eps_model` returned shape"),
    (lambda: numeric.variational_bound(X[:, None], S10, lambda x, t: x * math.nan), ValueError,
     "`eps_model` returned non-finite values"),
    (lambda: numeric.variational_bound(X[:, None], numeric.NoiseSchedule.linear(1, dtype=torch.float64), _model), ValueError,
     "`variance='posterior'` needs T >= 2"),
    (lambda: numeric.elbo_terms(torch.zeros(3, 4, 1, dtype=torch.float64), S10, _model), ValueError,
     "`trajectory` must have shape (T+1, B, *data)"),
    (lambda: numeric.forward_trajectory(X, S10, noise=torch.zeros(2, 4, dtype=torch.float64)), ValueError,
     "`noise` must have shape (10, 4)"),
    (lambda: numeric.ancestral_sample(_model, S10, (0, 2)), ValueError, "`shape`"),
    (lambda: numeric.ancestral_step(X, X, 0, S10), ValueError, "`t` must be in [1, 10], got 0"),
    # the lab classes' boundaries
    (lambda: lab4.create_noise_schedule(T=0), ValueError, "`T` must be >= 1"),
    (lambda: lab4.create_noise_schedule(T=10, beta_start=0.5, beta_end=2.0), ValueError, "`beta_end` must be in (0, 1)"),
    (lambda: lab4.create_diffusion_test_data(n_samples=0), ValueError, "`n_samples` must be >= 3"),
    (lambda: lab4.create_diffusion_test_data(n_samples=10, layout="spiral"), ValueError, "`layout`"),
    (lambda: lab4.DiffusionELBODerivation({"T": 10}), ValueError, "has no 'betas' entry"),
    (lambda: lab4.DiffusionELBODerivation("schedule"), TypeError, "must be the dict from create_noise_schedule"),
    (lambda: lab4.SequentialLikelihoodDemo(data_dim=0), ValueError, "`data_dim` must be >= 1"),
    (lambda: lab4.SequentialLikelihoodDemo(T=0), ValueError, "`T` must be >= 1"),
    (lambda: lab4.SequentialLikelihoodDemo(T=10).forward_step(torch.zeros(3, 2), 10), ValueError,
     "must be in [0, 9], got 10"),
    (lambda: lab4.SequentialLikelihoodDemo(T=10).direct_jump_forward(torch.zeros(3, 2), 11), ValueError,
     "`t` must be in [0, 10]"),
    (lambda: lab4.SequentialLikelihoodDemo(T=10).direct_jump_forward(torch.zeros(3, 2), "5"), TypeError,
     "`t` must be an int"),
    (lambda: lab4.SimpleDiffusionTraining(lab4.create_noise_schedule(T=10)).train_simple_diffusion(
        torch.zeros(8, 2), epochs=10, lr=-1.0), ValueError, "`lr` must be finite and > 0"),
    (lambda: lab4.SimpleDiffusionTraining(lab4.create_noise_schedule(T=10)).train_simple_diffusion(
        torch.zeros(8, 2), epochs=0), ValueError, "`epochs` must be >= 1"),
    (lambda: lab4.SimpleDiffusionTraining(lab4.create_noise_schedule(T=10)).train_simple_diffusion(
        torch.full((8, 2), math.nan), epochs=1), ValueError, "contains nan or inf"),
    (lambda: lab3.IntractableLikelihoodDemo(latent_dim=0), ValueError, "`latent_dim` must be >= 1"),
    (lambda: lab3.IntractableLikelihoodDemo(noise_std=-0.1), ValueError, "`noise_std` must be finite and > 0"),
    (lambda: lab3.IntractableLikelihoodDemo(noise_std=math.inf), ValueError, "`noise_std` must be finite and > 0"),
    (lambda: lab3.IntractableLikelihoodDemo().sample_prior(0), ValueError, "`n_samples` must be >= 1"),
    (lambda: lab3.IntractableLikelihoodDemo().sample_prior(2.5), TypeError, "`n_samples` must be an int"),
    (lambda: lab3.ELBOFramework(hidden_dim=0), ValueError, "`hidden_dim` must be >= 1"),
    (lambda: lab3.ELBOFramework().fit(torch.zeros(8, 2), epochs=0), ValueError, "`epochs` must be >= 1"),
    (lambda: lab4.TractableReverseDistribution(lab4.create_noise_schedule(T=10)).optimal_reverse_mean(
        torch.zeros(3, 2), torch.zeros(3, 2), 0), ValueError, "`t` must be in [1, 10], got 0"),
]


@pytest.mark.parametrize("call, error, message", API_CORPUS, ids=[m[:50] for _, _, m in API_CORPUS])
def test_api_bad_input_raises_a_clear_error(call, error, message):
    with pytest.raises(error) as info:
        call()
    text = str(info.value)
    assert message in text, text
    assert "\n" not in text and "`" in text + "'", text
