"""numeric/posterior.py: the posterior q(x_{t-1}|x_t,x_0) and the eps parameterisation, against
values computed by hand from the schedule's betas (``hand_schedule``), independently of the code.
Exactness against the proved expressions is crosscheck's job (tests/crosscheck)."""

import math

import pytest
import torch

from numeric import (eps_mean, forward_jump_sample, interpolation_weight_sum, posterior_log_variance, posterior_mean,
                     posterior_variance, x0_from_eps)

BETA, ALPHA, ALPHA_BAR, ALPHA_BAR_PREV = 0.2, 0.8, 0.72, 0.9          # at t = 2
W_0 = math.sqrt(ALPHA_BAR_PREV) * BETA / (1 - ALPHA_BAR)
W_T = math.sqrt(ALPHA) * (1 - ALPHA_BAR_PREV) / (1 - ALPHA_BAR)


def scalars():
    return (torch.tensor(1.5, dtype=torch.float64), torch.tensor(-0.5, dtype=torch.float64),
            torch.tensor(0.3, dtype=torch.float64))


def test_posterior_mean_and_variance_by_hand_at_t2(hand_schedule):
    s = hand_schedule()
    x_0, x_t, _ = scalars()
    assert posterior_mean(x_0, x_t, 2, s).item() == pytest.approx(W_0 * 1.5 + W_T * -0.5, rel=1e-14)
    assert posterior_variance(2, s).item() == pytest.approx(BETA * (1 - ALPHA_BAR_PREV) / (1 - ALPHA_BAR), rel=1e-14)
    assert posterior_log_variance(2, s).item() == pytest.approx(math.log(BETA * 0.1 / 0.28), rel=1e-14)


def test_interpolation_weight_sum_by_hand_at_t2(hand_schedule):
    s = hand_schedule()
    assert interpolation_weight_sum(2, s).item() == pytest.approx(W_0 + W_T, rel=1e-14)
    assert interpolation_weight_sum(2, s).item() < 1


def test_x0_from_eps_and_eps_mean_by_hand_at_t2(hand_schedule):
    s = hand_schedule()
    _, x_t, eps = scalars()
    assert x0_from_eps(x_t, eps, 2, s).item() == pytest.approx((-0.5 - math.sqrt(0.28) * 0.3) / math.sqrt(0.72))
    assert eps_mean(x_t, eps, 2, s).item() == pytest.approx((-0.5 - BETA / math.sqrt(0.28) * 0.3) / math.sqrt(ALPHA))


def test_posterior_mean_variance_and_interpolation_weight_sum_at_t1(hand_schedule):
    s = hand_schedule()
    x_0, x_t, _ = scalars()
    assert posterior_variance(1, s).item() == 0.0
    assert posterior_mean(x_0, x_t, 1, s).item() == pytest.approx(1.5, rel=1e-15)
    assert interpolation_weight_sum(1, s).item() == pytest.approx(1.0, rel=1e-15)


def test_posterior_mean_broadcasts_t_over_batch_and_data_dims(hand_schedule, dtype, device):
    s = hand_schedule(dtype, device)
    t = torch.tensor([1, 2, 3], device=device)
    x_0 = torch.randn(3, 2, 4, dtype=dtype, device=device)
    x_t = torch.randn(3, 2, 4, dtype=dtype, device=device)
    out = posterior_mean(x_0, x_t, t, s)
    assert out.shape == (3, 2, 4) and out.dtype == dtype and out.device.type == device.type
    for i, ti in enumerate(t.tolist()):  # row i uses timestep t[i]
        torch.testing.assert_close(out[i], posterior_mean(x_0[i], x_t[i], ti, s))
    assert posterior_variance(t, s).shape == (3,)


def test_eps_mean_autograd_through_forward_jump_sample(hand_schedule, dtype):
    s = hand_schedule(dtype)
    x_0 = torch.randn(4, dtype=dtype, requires_grad=True)
    eps = torch.randn(4, dtype=dtype, requires_grad=True)
    x_t = forward_jump_sample(x_0, 2, s, noise=eps)
    eps_mean(x_t, eps, 2, s).sum().backward()
    # d mu / d x_0 = sqrt(alpha_bar_2)/sqrt(alpha_2) = sqrt(alpha_bar_1)
    torch.testing.assert_close(x_0.grad, torch.full_like(x_0, math.sqrt(0.9)))
