"""Closed-form KL divergences of the derivation on tensors (elementwise per coordinate).

Every KL here is the one derived in symbolic/kl.py from KL = E_q[log q - log p]; sum over
data dimensions for diagonal Gaussians.  Each public function checks its arguments once and
calls its core (same name with a leading underscore), which holds the formula.
"""

from __future__ import annotations

import torch

from . import _tables
from ._tables import ratio_term
from ._validation import as_tensor_like, check_data, check_positive, check_timestep, finite
from .schedule import NoiseSchedule, gather


@finite
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
    mean_1 = as_tensor_like("mean_1", mean_1, like)
    mean_2 = as_tensor_like("mean_2", mean_2, like)
    var_1 = check_positive("var_1", as_tensor_like("var_1", var_1, like))
    var_2 = check_positive("var_2", as_tensor_like("var_2", var_2, like))
    return _gaussian_kl(mean_1, var_1, mean_2, var_2)


def _gaussian_kl(mean_1, var_1: torch.Tensor, mean_2, var_2: torch.Tensor) -> torch.Tensor:
    return 0.5 * ((mean_1 - mean_2) ** 2 / var_2 + ratio_term(var_1 / var_2))


@finite
def standard_normal_kl(mean, var) -> torch.Tensor:
    r""":math:`\mathrm{KL}(\mathcal N(\mu,\sigma^2)\|\mathcal N(0,1)) = \tfrac12(\mu^2+\sigma^2-1-\log\sigma^2)` (Kingma & Welling 2014, app. B)."""
    mean = check_data("mean", mean)
    var = check_positive("var", as_tensor_like("var", var, mean))
    return _standard_normal_kl(mean, var)


def _standard_normal_kl(mean: torch.Tensor, var: torch.Tensor) -> torch.Tensor:
    return 0.5 * (mean**2 + ratio_term(var))


def _check_sigma2(sigma2, schedule: NoiseSchedule, hint: str = "") -> torch.Tensor:
    """The reverse variance sigma_t^2 > 0 as a tensor of the schedule's dtype and device."""
    return check_positive("sigma2", as_tensor_like("sigma2", sigma2, schedule.beta), hint)


@finite
def kl_eps_weight(t, schedule: NoiseSchedule, sigma2) -> torch.Tensor:
    r"""The weight :math:`\lambda_t` of :math:`\|\epsilon-\epsilon_\theta\|^2` in the denoising KL (Ho et al. 2020, eq. 12).

    .. math::
        \lambda_t = \frac{\beta_t^2}{2\sigma_t^2\alpha_t(1-\bar\alpha_t)}

    Args:
        t: paper timestep(s) in [1, T]. sigma2: the reverse variance sigma_t^2 > 0 (tensor
        broadcasting against t, or a number); e.g. ``posterior_variance(t, s)`` for t >= 2.
    """
    t = check_timestep(t, schedule)
    sigma2 = _check_sigma2(sigma2, schedule, "; at t = 1 beta_tilde_1 = 0, use beta_1 instead")
    return _kl_eps_weight(t, schedule, sigma2)


def _kl_eps_weight(t, schedule: NoiseSchedule, sigma2: torch.Tensor) -> torch.Tensor:
    numerator = gather(schedule.table("lambda_numerator", _tables.lambda_numerator), t)
    return numerator / (2 * sigma2)


@finite
def kl_eps_constant(t, schedule: NoiseSchedule, sigma2) -> torch.Tensor:
    r"""The eps-free part of the denoising KL per coordinate, zero iff :math:`\sigma_t^2 = \tilde\beta_t`.

    .. math::
        C_t = \tfrac12\Big(\log\frac{\sigma_t^2}{\tilde\beta_t} + \frac{\tilde\beta_t}{\sigma_t^2} - 1\Big)

    Args:
        t: paper timestep(s) in [2, T] (at t = 1 q(x_0|x_1, x_0) is a point mass: no KL).
    """
    t = check_timestep(t, schedule, minimum=2)
    return _kl_eps_constant(t, schedule, _check_sigma2(sigma2, schedule))


def _kl_eps_constant(t, schedule: NoiseSchedule, sigma2: torch.Tensor) -> torch.Tensor:
    beta_tilde = gather(schedule.table("beta_tilde", _tables.beta_tilde), t)
    return 0.5 * ratio_term(beta_tilde / sigma2)


@finite
def denoising_kl(eps, eps_theta, t, schedule: NoiseSchedule, sigma2) -> torch.Tensor:
    r"""The denoising KL per coordinate in the noise parameterisation (Ho et al. 2020, eq. 12).

    .. math::
        D_{\mathrm{KL}}(q(x_{t-1}|x_t,x_0)\,\|\,p_\theta(x_{t-1}|x_t))
        = \lambda_t (\epsilon - \epsilon_\theta)^2 + C_t

    Args:
        eps, eps_theta: the noise and its prediction, broadcast against ``t``.
        t: paper timestep(s) in [2, T].
        sigma2: the reverse variance :math:`\sigma_t^2` (> 0).
    """
    eps, eps_theta = check_data("eps", eps, schedule), check_data("eps_theta", eps_theta, schedule)
    t = check_timestep(t, schedule, minimum=2)
    return _denoising_kl(eps, eps_theta, t, schedule, _check_sigma2(sigma2, schedule))


def _denoising_kl(eps: torch.Tensor, eps_theta: torch.Tensor, t, schedule: NoiseSchedule,
                  sigma2: torch.Tensor) -> torch.Tensor:
    return (_kl_eps_weight(t, schedule, sigma2) * (eps - eps_theta) ** 2
            + _kl_eps_constant(t, schedule, sigma2))


@finite
def prior_kl(x_0: torch.Tensor, schedule: NoiseSchedule) -> torch.Tensor:
    r""":math:`\mathrm{KL}(q(x_T|x_0)\|\mathcal N(0,1))` per coordinate; sum over data dims for d dimensions.

    .. math::
        \tfrac12\big(\bar\alpha_T x_0^2 - \bar\alpha_T - \log(1-\bar\alpha_T)\big)
    """
    return _prior_kl(check_data("x_0", x_0, schedule), schedule)


def _prior_kl(x_0: torch.Tensor, schedule: NoiseSchedule) -> torch.Tensor:
    T = schedule.T
    offset = schedule.table("prior_kl_offset", _tables.prior_kl_offset)[T]
    return 0.5 * schedule.alpha_bar[T] * x_0**2 + offset
