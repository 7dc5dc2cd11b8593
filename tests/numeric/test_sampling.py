"""Ancestral sampling (Algorithm 2) by its moments, on a model whose reverse process is exact."""

import math

import pytest
import torch

import numeric as N


def test_step_draws_from_the_reverse_model_mean_and_variance(dtype, device):
    s = N.NoiseSchedule.linear(50, dtype=dtype, device=device)
    t, n = 20, 200_000
    x_t = torch.full((n, 1), 0.7, dtype=dtype, device=device)
    eps_theta = torch.full_like(x_t, -0.3)
    g = torch.Generator(device=device).manual_seed(0)
    draws = N.ancestral_step(x_t, eps_theta, t, s, generator=g).double()
    mean = N.eps_mean(x_t[:1], eps_theta[:1], t, s).double().item()
    var = N.reverse_variance(t, s).double().item()
    assert abs(draws.mean().item() - mean) / math.sqrt(var / n) < 4
    z_var = (draws.var().item() - var) / (var * math.sqrt(2 / n))
    assert abs(z_var) < 4
    # the check can fail: beta_t is a different variance (beta_t / beta_tilde_t = 1.05 at t = 20)
    wrong = N.reverse_variance(t, s, "beta").double().item()
    assert abs((draws.var().item() - wrong) / (wrong * math.sqrt(2 / n))) > 4


def test_last_step_adds_no_noise():
    s = N.NoiseSchedule.linear(10, dtype=torch.float64)
    x = torch.randn(5, 2, dtype=torch.float64)
    eps = torch.randn_like(x)
    assert torch.equal(N.ancestral_step(x, eps, 1, s), N.eps_mean(x, eps, 1, s))


def test_sampler_is_exact_for_gaussian_data():
    """x_0 ~ N(0, 1): every marginal is N(0, 1), E[eps|x_t] = sqrt(1 - ab_t) x_t, and the true
    reverse step is N(sqrt(alpha_t) x_t, beta_t), so variance='beta' samples exactly; the last,
    noiseless step leaves x_0 = sqrt(alpha_1) x_1, of variance alpha_1."""
    s = N.NoiseSchedule.linear(40, 1e-3, 0.2, dtype=torch.float64)

    def eps_model(x_t, t):
        return s.one_minus_alpha_bar[t].sqrt()[:, None] * x_t

    n = 100_000
    g = torch.Generator().manual_seed(1)
    x_0 = N.ancestral_sample(eps_model, s, (n, 1), variance="beta", generator=g)
    var = s.alpha[1].item()
    assert abs(x_0.mean().item()) / math.sqrt(var / n) < 4
    assert abs((x_0.var().item() - var) / (var * math.sqrt(2 / n))) < 4
    # the same check catches the other variance (beta_tilde_t is not this model's reverse variance)
    other = N.ancestral_sample(eps_model, s, (n, 1), variance="posterior", generator=g)
    assert abs((other.var().item() - var) / (var * math.sqrt(2 / n))) > 4


def test_sampler_bad_input():
    s = N.NoiseSchedule.linear(10)
    with pytest.raises(TypeError, match="eps_model"):
        N.ancestral_sample(None, s, (4, 2))
    with pytest.raises(ValueError, match="shape"):
        N.ancestral_sample(lambda x, t: x, s, (4,))
    with pytest.raises(ValueError, match="variance"):
        N.ancestral_sample(lambda x, t: x, s, (4, 2), variance="large")
    with pytest.raises(ValueError, match="non-finite"):
        N.ancestral_sample(lambda x, t: x / 0, s, (4, 2))
    with pytest.raises(TypeError, match="int paper timestep"):
        N.ancestral_step(torch.zeros(2, 1), torch.zeros(2, 1), 2.0, s)
    with pytest.raises(ValueError, match=r"\[1, 10\]"):
        N.ancestral_step(torch.zeros(2, 1), torch.zeros(2, 1), 11, s)
