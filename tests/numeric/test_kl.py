"""numeric/kl.py: the closed-form KLs, against values computed by hand (``hand_schedule``)."""

import math

import pytest
import torch

import numeric
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


# -- relative precision of the variance term against a high-precision reference ----------------------

def _reference_constants(s, t, sigma2) -> list[float]:
    """C_t = (beta_tilde_t/sigma2 - 1 - log(beta_tilde_t/sigma2))/2 from the schedule's float64 betas
    and the float64 ``sigma2``, taken as exact, in mpmath at 420 digits: C ~ (r - 1)^2/4 cancels
    2 log10|1/(r - 1)| digits, and every case kept here (C > 1e-290) keeps more than 50."""
    import mpmath
    with mpmath.workdps(420):
        alpha_bar = [mpmath.mpf(1)]
        for beta in s.float64("beta")[1:].tolist():
            alpha_bar.append(alpha_bar[-1] * (1 - mpmath.mpf(beta)))
        out = []
        for step, var in zip(t.tolist(), sigma2.tolist()):
            beta = mpmath.mpf(s.float64("beta")[step].item())
            ratio = beta * (1 - alpha_bar[step - 1]) / (1 - alpha_bar[step]) / mpmath.mpf(var)
            out.append(float((ratio - 1 - mpmath.log(ratio)) / 2))
    return out


def _schedules():
    yield numeric.NoiseSchedule.linear(20, 0.9, 0.999, dtype=torch.float64)       # the reported case (t = 15)
    yield numeric.NoiseSchedule.linear(1000, dtype=torch.float64)
    yield numeric.NoiseSchedule.cosine(1000, dtype=torch.float64)
    yield numeric.NoiseSchedule.linear(50, 0.5, 0.99, dtype=torch.float64)
    g = torch.Generator().manual_seed(2026)
    for _ in range(12):                                    # a random search, as the report's
        T = int(torch.randint(2, 200, (1,), generator=g))
        low, high = sorted((10 ** (-6 * torch.rand(2, generator=g, dtype=torch.float64))).clamp(max=0.999).tolist())
        yield numeric.NoiseSchedule.linear(T, low, high, dtype=torch.float64)


@pytest.mark.parametrize("variance", ["beta", "near beta", "spread"])
def test_kl_eps_constant_keeps_its_relative_precision(variance):
    """sigma_t^2 = beta_t (and near it, and spread over beta_t/10 .. 3 beta_t): C_t to 1e-12 *relative*
    to a 420-digit reference, down to C ~ 1e-290.  Formed as beta_tilde/sigma2 - 1 - log(...), the
    ratio rounds to 1 once alpha_bar_{t-1} << 1 and C came out as 0 (the linear(20, 0.9, 0.999)
    schedule at t = 15: 0.0 for 4.65e-35).

    Where sigma2 - beta_tilde_t cancels against the table it is formed with (beta_t - beta_tilde_t
    near sigma2 = beta_t, beta_tilde_t elsewhere), the tables' own rounding (1e-16 of them) is
    amplified by table/|sigma2 - beta_tilde_t|, the conditioning of C on the schedule: the
    tolerance grows by that factor (it is 1 at sigma2 = beta_t)."""
    g = torch.Generator().manual_seed(7)
    worst, checked = 0.0, 0
    for s in _schedules():
        t = torch.arange(2, s.T + 1)
        beta = numeric.reverse_variance(t, s, "beta")
        sigma2 = {"beta": beta,
                  "near beta": beta * (1 + 1e-9 * torch.randn(t.shape, generator=g, dtype=torch.float64)),
                  "spread": beta * 10 ** (1.5 * torch.rand(t.shape, generator=g, dtype=torch.float64) - 1)}[variance]
        got = kl_eps_constant(t, s, sigma2)
        reference = torch.tensor(_reference_constants(s, t, sigma2), dtype=torch.float64)
        beta_tilde = numeric.posterior_variance(t, s)
        beta_gap = beta * beta * s.float64("alpha_bar")[t - 1] / s.float64("one_minus_alpha_bar")[t]
        table = torch.where((sigma2 - beta).abs() <= (sigma2 - beta_tilde).abs(), beta_gap, beta_tilde)
        gap = (sigma2 - beta) + beta_gap           # sigma2 - beta_tilde_t (conditioning only)
        conditioning = (table / gap.abs()).clamp(min=1)
        kept = reference > 1e-290
        error = ((got - reference).abs() / reference / conditioning)[kept]
        worst, checked = max(worst, error.max().item()), checked + int(kept.sum())
    assert checked > 1000 and worst <= 1e-12, worst


def test_kl_eps_constant_at_the_reported_point():
    s = numeric.NoiseSchedule.linear(20, 0.9, 0.999, dtype=torch.float64)
    got = kl_eps_constant(15, s, numeric.reverse_variance(15, s, "beta")).item()
    assert got == pytest.approx(4.648953036019892e-35, rel=1e-12, abs=0)
    # the same constant inside the vectorized bound (its table) and the denoising KL
    zero = torch.zeros(1, dtype=torch.float64)
    sigma2 = numeric.reverse_variance(15, s, "beta")
    assert denoising_kl(zero, zero, 15, s, sigma2).item() == pytest.approx(got, rel=1e-12, abs=0)
    from numeric import _tables
    table = s.table("elbo_kl_constant_beta", _tables.kl_constant("beta"))
    assert table[15].item() == pytest.approx(got, rel=1e-12, abs=0)
    # sigma2 = beta_tilde_t gives C = 0 (here beta_tilde_15 rounds to beta_15 itself, so it is C again)
    t = torch.arange(2, 1001)
    s = numeric.NoiseSchedule.linear(1000, dtype=torch.float64)
    assert torch.equal(kl_eps_constant(t, s, numeric.reverse_variance(t, s, "posterior")), torch.zeros(999,
                       dtype=torch.float64))


@pytest.mark.parametrize("excess", [1e-300, 1e-12, -1e-12, 1e-5, -1e-5, 9.9e-3, -9.9e-3, 1.01e-2, -0.3, 0.3, -0.9, 5.0])
def test_the_variance_term_is_relatively_accurate_across_its_branches(excess):
    """r - 1 - log r from r and x = r - 1 against mpmath, on each side of the series' threshold."""
    import mpmath
    from numeric._tables import excess_ratio_term
    x = torch.tensor(excess, dtype=torch.float64)
    got = excess_ratio_term(1 + x, x).item()
    with mpmath.workdps(700):
        exact = mpmath.mpf(excess) - mpmath.log1p(mpmath.mpf(excess))
    assert got == pytest.approx(float(exact), rel=1e-14, abs=0)
