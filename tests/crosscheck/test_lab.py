"""The lab classes' numbers are the verified ones (assert_matches against the proved expressions),
and the training demonstration: loss falls, bound improves, samples near the data, determinism,
the ``train`` command line."""

import os
import subprocess
import sys

import pytest
import torch

import numeric as N
from crosscheck import assert_matches
from crosscheck.commands import cli
from numeric.lab.lab4 import (NoisePredictionReparameterization, SimpleDiffusionTraining, ThreeForcesAnalysis,
                              TractableReverseDistribution)
from numeric.lab.train import checkpoint, train_demo

DTYPES = [torch.float64, torch.float32]


@pytest.mark.parametrize("dtype", DTYPES, ids=["float64", "float32"])
def test_lab_methods_compute_the_catalog_quantities(dtype):
    assert_matches(lambda x_t, x_0, t, schedule: TractableReverseDistribution(schedule).optimal_reverse_mean(x_t, x_0, t),
                   "posterior_mean", dtype=dtype, points=400)
    assert_matches(lambda t, schedule: TractableReverseDistribution(schedule).optimal_reverse_variance(t),
                   "posterior_variance", dtype=dtype, points=400)
    assert_matches(lambda x_t, eps, t, schedule: NoisePredictionReparameterization(schedule).solve_for_x0(x_t, eps, t),
                   "x0_from_eps", dtype=dtype, points=400)
    assert_matches(lambda x_t, eps, t, schedule:
                   NoisePredictionReparameterization(schedule).reparameterize_optimal_mean(x_t, eps, t),
                   "eps_mean", dtype=dtype, points=400)
    assert_matches(lambda x_0, schedule: ThreeForcesAnalysis(schedule).compute_prior_matching_term(x_0[:, None]),
                   "prior_kl", dtype=dtype, points=400)


def test_the_notebooks_zero_based_reads_are_caught_by_the_same_assertion():
    """Reading the lab's 0-based tensors at t (the quick reference's alpha_cumprod[t]) is step t+1."""
    def zero_based_variance(t, schedule):
        d = {"betas": schedule.beta[1:], "alphas_cumprod": schedule.alpha_bar[1:]}
        t = t.clamp(max=schedule.T - 1)                       # avoid the IndexError at t = T
        return (1 - d["alphas_cumprod"][t - 1]) / (1 - d["alphas_cumprod"][t]) * d["betas"][t]

    with pytest.raises(AssertionError):
        assert_matches(zero_based_variance, "posterior_variance", points=200)


def test_short_training_run_learns():
    result = train_demo(steps=600, n_train=900, n_heldout=300, n_samples=300, seed=0)
    checks = {name: (ok, detail) for name, ok, detail in result.checks()}
    assert all(ok for ok, _ in checks.values()), checks
    assert result.bound_after.total.mean() < result.bound_before.total.mean() - 0.5     # bits/dim
    assert result.distance_samples < 0.5 * result.distance_noise
    assert result.near_cluster_fraction > 0.6 and min(result.cluster_counts) > 30
    assert result.bound_before.units == "bits" and result.steps_per_second > 0


def test_the_checks_can_fail():
    """An untrained network (lr tiny) does not pass: the checks are not vacuous."""
    result = train_demo(steps=50, lr=1e-9, n_train=300, n_heldout=300, n_samples=300, seed=1)
    failed = {name for name, ok, _ in result.checks() if not ok}
    assert "samples closer to the data than noise" in failed or "variational bound improves" in failed


def test_training_is_deterministic_for_a_seed():
    runs = [train_demo(steps=40, n_train=300, n_heldout=60, n_samples=50, seed=seed) for seed in (3, 3, 4)]
    assert runs[0].losses == runs[1].losses and torch.equal(runs[0].samples, runs[1].samples)
    assert runs[0].losses != runs[2].losses


def test_checkpoint_rebuilds_the_network():
    result = train_demo(steps=20, n_train=300, n_heldout=60, n_samples=30, seed=0)
    saved = checkpoint(result)
    schedule = N.NoiseSchedule.from_betas(saved["betas"], dtype=torch.float32)
    rebuilt = SimpleDiffusionTraining(schedule)
    rebuilt.noise_network.load_state_dict(saved["model_state_dict"])
    x, t = torch.randn(5, 2), torch.tensor([1, 2, 3, 4, 50])
    assert torch.equal(rebuilt.predict_noise(x, t), result.trainer.predict_noise(x, t))
    assert saved["config"]["seed"] == 0 and len(saved["losses"]) == 20


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")
def test_training_runs_on_cuda():
    result = train_demo(steps=300, device="cuda", n_train=900, n_heldout=300, n_samples=300)
    assert result.samples.device.type == "cuda" and all(ok for _, ok, _ in result.checks())


def test_cli_train_writes_figure_and_checkpoint(tmp_path, capsys):
    out = tmp_path / "run"
    code = cli.main(["train", "--out", str(out), "--steps", "400", "--seed", "2", "--device", "cpu"])
    printed = capsys.readouterr()
    assert code == 0, printed.out + printed.err
    assert sorted(os.listdir(out)) == ["checkpoint.pt", "train.png"]          # no temporary files left
    assert (out / "train.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    saved = torch.load(out / "checkpoint.pt", weights_only=False)
    assert saved["config"]["steps"] == 400 and saved["config"]["T"] == 50
    assert "steps/s" in printed.out and "bits/dim" in printed.out and "PASS  variational bound improves" in printed.out
    assert "400/400 steps" in printed.err                                       # the progress bar


@pytest.mark.parametrize("args, message", [
    (["--steps", "0"], "--steps"),
    (["--T", "1"], "--T"),
    (["--seed", "-1"], "--seed"),
    (["--schedule", "quadratic"], "--schedule"),
    (["--schedule", "cosine", "--beta-end", "0.1"], "linear schedule only"),
    (["--beta-end", "1.5"], "--beta-end"),
    (["--stepz", "3"], "unrecognized"),
])
def test_cli_train_bad_input_is_one_line_and_exit_2(args, message, capsys, tmp_path):
    assert cli.main(["train", "--out", str(tmp_path / "x"), *args]) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert not (tmp_path / "x").exists()


def test_cli_train_out_must_be_a_directory(tmp_path, capsys):
    target = tmp_path / "file.txt"
    target.write_text("keep me")
    assert cli.main(["train", "--out", str(target), "--steps", "1"]) == 2
    assert "is a file" in capsys.readouterr().err and target.read_text() == "keep me"


@pytest.mark.skipif(torch.cuda.is_available(), reason="a CUDA device is present")
def test_cli_train_cuda_without_a_gpu_is_a_usage_error():
    proc = subprocess.run([sys.executable, "-m", "crosscheck", "train", "--device", "cuda", "--steps", "1"],
                          capture_output=True, text=True)
    assert proc.returncode == 2 and "no CUDA device" in proc.stderr and "Traceback" not in proc.stderr
