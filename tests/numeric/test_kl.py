"""numeric/kl.py: the closed-form KLs, against values computed by hand (``hand_schedule``)."""

import math

import pytest
import torch

from numeric import (denoising_kl, gaussian_kl, kl_eps_constant, kl_eps_weight, posterior_variance, prior_kl,
                     standard_normal_kl)

BETA, ALPHA = 0.2, 0.8          # at t = 2; 1 - alpha_bar_2 = 0.28


def test_kl_eps_weight_by_hand_at_t2(hand_schedule):
    assert kl_eps_weight(2, hand_schedule(), 0.1).item() == pytest.approx(BETA**2 / (2 * 0.1 * ALPHA * 0.28))


def test_prior_kl_by_hand(hand_schedule):
    x_0 = torch.tensor(1.5, dtype=torch.float64)
    assert prior_kl(x_0, hand_schedule()).item() == pytest.approx(0.5 * (0.36 * 2.25 - 0.36 - math.log(0.64)))


def test_gaussian_kl_and_standard_normal_kl_by_hand():
    x = torch.tensor([0.5], dtype=torch.float64)
    assert gaussian_kl(x, 2.0, 0.0, 1.0).item() == pytest.approx(0.5 * (math.log(0.5) + 2.25 - 1))
    assert standard_normal_kl(x, 2.0).item() == pytest.approx(0.5 * (0.25 + 2 - 1 - math.log(2)))
    assert gaussian_kl(x, 1.0, x, 1.0).item() == 0.0


def test_denoising_kl_is_the_weighted_error_plus_the_constant(hand_schedule):
    s = hand_schedule()
    eps, eps_theta = torch.tensor([0.3, -1.0], dtype=torch.float64), torch.tensor([0.1, 0.4], dtype=torch.float64)
    sigma2 = posterior_variance(3, s) * 1.5
    expected = kl_eps_weight(3, s, sigma2) * (eps - eps_theta) ** 2 + kl_eps_constant(3, s, sigma2)
    torch.testing.assert_close(denoising_kl(eps, eps_theta, 3, s, sigma2), expected, rtol=1e-15, atol=0)
    # with sigma_t^2 = beta_tilde_t the constant vanishes: a wrong constant would show here
    exact = denoising_kl(eps, eps_theta, 3, s, posterior_variance(3, s))
    torch.testing.assert_close(exact, kl_eps_weight(3, s, posterior_variance(3, s)) * (eps - eps_theta) ** 2)
    with pytest.raises(ValueError, match=r"`t` must be in \[2, 3\], got 1; the t=1 term is the decoder"):
        denoising_kl(eps, eps_theta, 1, s, 0.1)


def test_kl_eps_weight_autograd_in_sigma2(hand_schedule, dtype):
    sigma2 = torch.tensor(0.1, dtype=dtype, requires_grad=True)
    kl_eps_weight(2, hand_schedule(dtype), sigma2).backward()
    assert sigma2.grad is not None and sigma2.grad < 0
