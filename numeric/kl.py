"""Closed-form KL divergences of the derivation on tensors (elementwise per coordinate).

Every KL here is the one derived in symbolic/kl.py from KL = E_q[log q - log p]; sum over
data dimensions for diagonal Gaussians.
"""

from __future__ import annotations

import torch

from . import _validation as v
from .posterior import _beta_tilde
from .schedule import NoiseSchedule, gather


def _ratio_term(ratio: torch.Tensor) -> torch.Tensor:
    """r - 1 - log r for r > 0.  Near r = 1, log1p(r - 1) keeps the absolute accuracy of the
    small result; far from 1, log r itself (log1p(r - 1) would amplify the rounding of r - 1 by
    1/r when r is small)."""
    x = ratio - 1
    log_ratio = torch.where(x.abs() < 0.5, torch.log1p(x), torch.log(ratio))
    return x - log_ratio


@v.finite
def gaussian_kl(mean_1, var_1, mean_2, var_2) -> torch.Tensor:
    r"""KL divergence between Gaussians, elementwise (torch/distributions/kl.py's normal-normal).

    .. math::
        \mathrm{KL}(\mathcal N(m_1,v_1)\|\mathcal N(m_2,v_2))
        = \tfrac12\Big(\log\frac{v_2}{v_1} + \frac{v_1+(m_1-m_2)^2}{v_2} - 1\Big)

    Args:
        mean_1, var_1: parameters of the first argument q; mean_2, var_2: of p (all broadcast).
    """
    like = next((a for a in (mean_1, var_1, mean_2, var_2) if isinstance(a, torch.Tensor)), None)
    if like is None:
        raise TypeError("`gaussian_kl` needs at least one torch.Tensor argument")
    mean_1 = v.as_tensor_like("mean_1", mean_1, like)
    mean_2 = v.as_tensor_like("mean_2", mean_2, like)
    var_1 = v.check_positive("var_1", v.as_tensor_like("var_1", var_1, like))
    var_2 = v.check_positive("var_2", v.as_tensor_like("var_2", var_2, like))
    return 0.5 * ((mean_1 - mean_2) ** 2 / var_2 + _ratio_term(var_1 / var_2))


@v.finite
def standard_normal_kl(mean, var) -> torch.Tensor:
    r""":math:`\mathrm{KL}(\mathcal N(\mu,\sigma^2)\|\mathcal N(0,1)) = \tfrac12(\mu^2+\sigma^2-1-\log\sigma^2)` (Kingma & Welling 2014, app. B)."""
    mean = v.check_data("mean", mean)
    var = v.check_positive("var", v.as_tensor_like("var", var, mean))
    return 0.5 * (mean**2 + _ratio_term(var))


def _lambda_numerator(m):
    # beta_t^2 / (alpha_t (1 - alpha_bar_t)); index 0 unused.
    table = m["beta"] ** 2 / (m["alpha"] * m["one_minus_alpha_bar"])
    table[0] = 0.0
    return table


@v.finite
def kl_eps_weight(t, schedule: NoiseSchedule, sigma2) -> torch.Tensor:
    r"""The weight :math:`\lambda_t` of :math:`\|\epsilon-\epsilon_\theta\|^2` in the denoising KL (Ho et al. 2020, eq. 12).

    .. math::
        \lambda_t = \frac{\beta_t^2}{2\sigma_t^2\alpha_t(1-\bar\alpha_t)}

    Args:
        t: paper timestep(s) in [1, T]. sigma2: the reverse variance sigma_t^2 > 0 (tensor
        broadcasting against t, or a number); e.g. ``posterior_variance(t, s)`` for t >= 2.
    """
    t = v.check_timestep(t, schedule)
    numerator = gather(schedule.table("lambda_numerator", _lambda_numerator), t)
    sigma2 = v.check_positive("sigma2", v.as_tensor_like("sigma2", sigma2, numerator),
                              "; at t = 1 beta_tilde_1 = 0, use beta_1 instead")
    return numerator / (2 * sigma2)


@v.finite
def kl_eps_constant(t, schedule: NoiseSchedule, sigma2) -> torch.Tensor:
    r"""The eps-free part of the denoising KL per coordinate, zero iff :math:`\sigma_t^2 = \tilde\beta_t`.

    .. math::
        C_t = \tfrac12\Big(\log\frac{\sigma_t^2}{\tilde\beta_t} + \frac{\tilde\beta_t}{\sigma_t^2} - 1\Big)

    Args:
        t: paper timestep(s) in [2, T] (at t = 1 q(x_0|x_1, x_0) is a point mass: no KL).
    """
    t = v.check_timestep(t, schedule, minimum=2)
    beta_tilde = gather(schedule.table("beta_tilde", _beta_tilde), t)
    sigma2 = v.check_positive("sigma2", v.as_tensor_like("sigma2", sigma2, beta_tilde))
    return 0.5 * _ratio_term(beta_tilde / sigma2)


def _prior_kl_offset(m):
    # (-alpha_bar - log(1 - alpha_bar)) / 2 = (1/2) sum_{k>=2} alpha_bar^k / k.  The two terms
    # cancel to O(alpha_bar^2) when alpha_bar_T is small (4e-5 linear, 2e-9 cosine, T=1000), so
    # below 0.1 the series is summed (30 terms: truncation < 0.1^31); above, no cancellation.
    a = m["alpha_bar"]
    series = sum(a**k / k for k in range(2, 32))
    direct = -a - torch.log(m["one_minus_alpha_bar"])
    return 0.5 * torch.where(a < 0.1, series, direct)


@v.finite
def prior_kl(x_0: torch.Tensor, schedule: NoiseSchedule) -> torch.Tensor:
    r""":math:`\mathrm{KL}(q(x_T|x_0)\|\mathcal N(0,1))` per coordinate; sum over data dims for d dimensions.

    .. math::
        \tfrac12\big(\bar\alpha_T x_0^2 - \bar\alpha_T - \log(1-\bar\alpha_T)\big)
    """
    x_0 = v.check_data("x_0", x_0, schedule)
    T = schedule.T
    offset = schedule.table("prior_kl_offset", _prior_kl_offset)[T]
    return 0.5 * schedule.alpha_bar[T] * x_0**2 + offset
