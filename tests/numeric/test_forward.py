"""numeric/forward.py: the forward process, against values computed by hand (``hand_schedule``)."""

import math

import pytest
import torch

from numeric import (NoiseSchedule, forward_jump_mean, forward_jump_sample, forward_jump_variance, forward_step_mean,
                     forward_step_sample, forward_step_variance, forward_trajectory)


def test_forward_jump_mean_and_variance_by_hand_at_t3(hand_schedule):
    s = hand_schedule()
    x_0 = torch.tensor(1.5, dtype=torch.float64)
    assert forward_jump_mean(x_0, 3, s).item() == pytest.approx(math.sqrt(0.36) * 1.5)
    assert forward_jump_variance(3, s).item() == pytest.approx(0.64)


def test_forward_step_mean_and_variance_by_hand_at_t3(hand_schedule):
    s = hand_schedule()
    x_0 = torch.tensor(1.5, dtype=torch.float64)
    assert forward_step_mean(x_0, 3, s).item() == pytest.approx(math.sqrt(0.5) * 1.5)
    assert forward_step_variance(3, s).item() == pytest.approx(0.5)


def test_forward_jump_sample_broadcasts_t_over_batch_and_data_dims(hand_schedule, dtype, device):
    s = hand_schedule(dtype, device)
    t = torch.tensor([1, 2, 3], device=device)
    x_0 = torch.randn(3, 2, 4, dtype=dtype, device=device)
    assert forward_jump_sample(x_0, t, s).shape == (3, 2, 4)


def test_forward_trajectory_uses_the_given_noise():
    s = NoiseSchedule.linear(5, dtype=torch.float64)
    x_0 = torch.randn(3, 2, dtype=torch.float64)
    noise = torch.randn(5, 3, 2, dtype=torch.float64)
    trajectory = forward_trajectory(x_0, s, noise)
    assert trajectory.shape == (6, 3, 2) and torch.equal(trajectory[0], x_0)
    for t in range(1, 6):
        torch.testing.assert_close(trajectory[t], forward_step_sample(trajectory[t - 1], t, s, noise=noise[t - 1]))
