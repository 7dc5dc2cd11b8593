"""numeric/lab/train.py: the training demonstration behind ``python -m crosscheck train`` -- the
loss falls, the bound improves, samples land near the data, the checks can fail, a seed fixes the run,
and the checkpoint rebuilds the network."""

import pytest
import torch

from numeric import NoiseSchedule
from numeric.lab.lab4 import SimpleDiffusionTraining
from numeric.lab.train import checkpoint, train_demo


def test_train_demo_short_run_learns():
    result = train_demo(steps=600, n_train=900, n_heldout=300, n_samples=300, seed=0)
    checks = {name: (ok, detail) for name, ok, detail in result.checks()}
    assert all(ok for ok, _ in checks.values()), checks
    assert result.bound_after.total.mean() < result.bound_before.total.mean() - 0.5     # bits/dim
    assert result.distance_samples < 0.5 * result.distance_noise
    assert result.near_cluster_fraction > 0.6 and min(result.cluster_counts) > 30
    assert result.bound_before.units == "bits" and result.steps_per_second > 0


def test_train_demo_checks_can_fail():
    """An untrained network (lr tiny) does not pass: the checks are not vacuous."""
    result = train_demo(steps=50, lr=1e-9, n_train=300, n_heldout=300, n_samples=300, seed=1)
    failed = {name for name, ok, _ in result.checks() if not ok}
    assert "samples closer to the data than noise" in failed or "variational bound improves" in failed


def test_train_demo_is_deterministic_for_a_seed():
    runs = [train_demo(steps=40, n_train=300, n_heldout=60, n_samples=50, seed=seed) for seed in (3, 3, 4)]
    assert runs[0].losses == runs[1].losses and torch.equal(runs[0].samples, runs[1].samples)
    assert runs[0].losses != runs[2].losses


def test_checkpoint_rebuilds_the_network():
    result = train_demo(steps=20, n_train=300, n_heldout=60, n_samples=30, seed=0)
    saved = checkpoint(result)
    schedule = NoiseSchedule.from_betas(saved["betas"], dtype=torch.float32)
    rebuilt = SimpleDiffusionTraining(schedule)
    rebuilt.noise_network.load_state_dict(saved["model_state_dict"])
    x, t = torch.randn(5, 2), torch.tensor([1, 2, 3, 4, 50])
    assert torch.equal(rebuilt.predict_noise(x, t), result.trainer.predict_noise(x, t))
    assert saved["config"]["seed"] == 0 and len(saved["losses"]) == 20


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")
def test_train_demo_runs_on_cuda():
    result = train_demo(steps=300, device="cuda", n_train=900, n_heldout=300, n_samples=300)
    assert result.samples.device.type == "cuda" and all(ok for _, ok, _ in result.checks())
