"""Closed-form KL divergences of the derivation on tensors (elementwise per coordinate).

Every KL here is the one derived in symbolic/kl.py from KL = E_q[log q - log p]; sum over
data dimensions for diagonal Gaussians.  Each public function checks its arguments once and
calls its core (same name with a leading underscore), which holds the formula.
"""

from __future__ import annotations

import numbers

import torch

from . import _tables
from ._tables import excess_ratio_term, ratio_term
from ._validation import (_shown, as_tensor_like, check_broadcast, check_data, check_gaussian_arguments, check_positive,
                          check_schedule, check_timestep, finite)
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
    mean_1, var_1, mean_2, var_2 = check_gaussian_arguments("gaussian_kl", mean_1=mean_1, var_1=var_1,
                                                            mean_2=mean_2, var_2=var_2)
    return _gaussian_kl(mean_1, var_1, mean_2, var_2)


def _gaussian_kl(mean_1, var_1: torch.Tensor, mean_2, var_2: torch.Tensor) -> torch.Tensor:
    return 0.5 * ((mean_1 - mean_2) ** 2 / var_2 + ratio_term(var_1 / var_2))


@finite
def standard_normal_kl(mean, var) -> torch.Tensor:
    r""":math:`\mathrm{KL}(\mathcal N(\mu,\sigma^2)\|\mathcal N(0,1)) = \tfrac12(\mu^2+\sigma^2-1-\log\sigma^2)` (Kingma & Welling 2014, app. B)."""
    mean = check_data("mean", mean)
    mean, var = check_gaussian_arguments("standard_normal_kl", mean=mean, var=var)
    return _standard_normal_kl(mean, var)


def _standard_normal_kl(mean: torch.Tensor, var: torch.Tensor) -> torch.Tensor:
    return 0.5 * (mean**2 + ratio_term(var))


def _check_sigma2(sigma2, schedule: NoiseSchedule, t: torch.Tensor, hint: str = "", **tensors) -> torch.Tensor:
    """The reverse variance sigma_t^2 > 0 as a tensor of the schedule's dtype and device (a number,
    or a tensor), broadcasting against the timesteps ``t`` and the other ``tensors`` (numpy's rule:
    the result has the broadcast shape of all of them)."""
    if isinstance(sigma2, torch.Tensor):
        sigma2 = check_data("sigma2", sigma2, schedule)
    elif isinstance(sigma2, numbers.Real) and not isinstance(sigma2, bool):
        sigma2 = as_tensor_like("sigma2", sigma2, schedule.beta)
    else:
        raise TypeError(f"`sigma2` must be the reverse variance sigma_t^2 as a torch.Tensor or a number, got "
                        f"{_shown(sigma2)}; pass e.g. `numeric.reverse_variance(t, schedule)`")
    check_broadcast({**tensors, "t": t, "sigma2": sigma2})
    return check_positive("sigma2", sigma2, hint)


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
    sigma2 = _check_sigma2(sigma2, schedule, t, "; at t = 1 beta_tilde_1 = 0, use beta_1 instead")
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
        sigma2: the reverse variance sigma_t^2 > 0, broadcasting against t.

    Precision: :math:`\tilde\beta_t/\sigma_t^2 - 1` is formed from the difference
    :math:`\sigma_t^2 - \tilde\beta_t` (through :math:`\beta_t - \tilde\beta_t =
    \beta_t^2\bar\alpha_{t-1}/(1-\bar\alpha_t)` near :math:`\sigma_t^2 = \beta_t`) and the variance
    term summed as a series near 1, so C_t keeps its relative accuracy (1e-12 in float64 against a
    high-precision reference) down to the smallest normal numbers: with :math:`\sigma_t^2 = \beta_t`
    and :math:`\bar\alpha_{t-1} \ll 1` the ratio itself rounds to 1.
    """
    t = check_timestep(t, schedule, minimum=2)
    return _kl_eps_constant(t, schedule, _check_sigma2(sigma2, schedule, t))


def _kl_eps_constant(t, schedule: NoiseSchedule, sigma2: torch.Tensor) -> torch.Tensor:
    beta = gather(schedule.beta, t)
    beta_tilde = gather(schedule.table("beta_tilde", _tables.beta_tilde), t)
    # beta_tilde/sigma2 - 1 = -(sigma2 - beta_tilde)/sigma2, the difference formed without cancellation:
    # near sigma2 = beta_t as (sigma2 - beta_t) + (beta_t - beta_tilde_t), an exact difference plus a
    # product table (a subtraction of the tables loses every digit once alpha_bar_{t-1} << 1);
    # near sigma2 = beta_tilde_t directly.
    beta_gap = gather(schedule.table("beta_minus_beta_tilde", _tables.beta_minus_beta_tilde), t)
    near_beta = (sigma2 - beta).abs() <= (sigma2 - beta_tilde).abs()
    gap = torch.where(near_beta, (sigma2 - beta) + beta_gap, sigma2 - beta_tilde)
    return 0.5 * excess_ratio_term(beta_tilde / sigma2, -gap / sigma2)


@finite
def denoising_kl(eps, eps_theta, t, schedule: NoiseSchedule, sigma2) -> torch.Tensor:
    r"""The denoising KL per coordinate in the noise parameterisation (Ho et al. 2020, eq. 12).

    .. math::
        D_{\mathrm{KL}}(q(x_{t-1}|x_t,x_0)\,\|\,p_\theta(x_{t-1}|x_t))
        = \lambda_t (\epsilon - \epsilon_\theta)^2 + C_t

    Args:
        eps, eps_theta: the noise and its prediction.
        t: paper timestep(s) in [2, T].
        sigma2: the reverse variance :math:`\sigma_t^2` (> 0, finite).
        The four broadcast together by numpy's rule (trailing dimensions aligned; unlike the
        functions of states, a tensor ``t`` is not matched with the leading dimension here).
    """
    t = check_timestep(t, schedule, minimum=2)
    eps, eps_theta = check_data("eps", eps, schedule), check_data("eps_theta", eps_theta, schedule)
    sigma2 = _check_sigma2(sigma2, schedule, t, eps=eps, eps_theta=eps_theta)
    return _denoising_kl(eps, eps_theta, t, schedule, sigma2)


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
    return _prior_kl(check_data("x_0", x_0, check_schedule(schedule)), schedule)


def _prior_kl(x_0: torch.Tensor, schedule: NoiseSchedule) -> torch.Tensor:
    T = schedule.T
    offset = schedule.table("prior_kl_offset", _tables.prior_kl_offset)[T]
    return 0.5 * schedule.alpha_bar[T] * x_0**2 + offset
