"""The posterior q(x_{t-1} | x_t, x_0) and the eps parameterisation on tensors (Ho et al. 2020).

The coefficient tables are built once per schedule in float64 (:mod:`numeric._tables`), then
cast.  Each public function checks its arguments once and calls its core (same name with a
leading underscore), which holds the formula and trusts its inputs.
"""

from __future__ import annotations

import torch

from . import _tables
from ._validation import check_states, check_timestep, finite
from .schedule import NoiseSchedule, gather


@finite
def posterior_mean(x_0: torch.Tensor, x_t: torch.Tensor, t, schedule: NoiseSchedule) -> torch.Tensor:
    r"""Mean of :math:`q(x_{t-1}|x_t,x_0)` (Ho et al. 2020, eq. 7).

    .. math::
        \tilde\mu_t = \frac{\sqrt{\bar\alpha_{t-1}}\beta_t}{1-\bar\alpha_t}x_0
                    + \frac{\sqrt{\alpha_t}(1-\bar\alpha_{t-1})}{1-\bar\alpha_t}x_t

    Args:
        x_0, x_t: shape (B, *data) (same dtype/device as the schedule).
        t: paper timestep(s) in [1, T]; at t = 1 the mean is x_0 exactly.
    """
    x_0, x_t, t = check_states(schedule, t, x_0=x_0, x_t=x_t)
    return _posterior_mean(x_0, x_t, t, schedule)


def _posterior_mean(x_0: torch.Tensor, x_t: torch.Tensor, t, schedule: NoiseSchedule) -> torch.Tensor:
    return (gather(schedule.table("coef_x0", _tables.coef_x0), t, x_0) * x_0
            + gather(schedule.table("coef_xt", _tables.coef_xt), t, x_t) * x_t)


@finite
def posterior_variance(t, schedule: NoiseSchedule) -> torch.Tensor:
    r""":math:`\tilde\beta_t = \frac{1-\bar\alpha_{t-1}}{1-\bar\alpha_t}\beta_t` (eq. 7); 0 at t = 1."""
    return _posterior_variance(check_timestep(t, schedule), schedule)


def _posterior_variance(t, schedule: NoiseSchedule) -> torch.Tensor:
    return gather(schedule.table("beta_tilde", _tables.beta_tilde), t)


@finite
def posterior_log_variance(t, schedule: NoiseSchedule) -> torch.Tensor:
    r""":math:`\log\tilde\beta_t` for t in [2, T], computed in float64 from logs (no underflow).

    Raises ValueError at t = 1, where :math:`\tilde\beta_1 = 0` and the log is -inf;
    improved-diffusion clips it to :math:`\log\tilde\beta_2`, diffusers floors it at 1e-20.
    """
    return _posterior_log_variance(check_timestep(t, schedule, minimum=2), schedule)


def _posterior_log_variance(t, schedule: NoiseSchedule) -> torch.Tensor:
    return gather(schedule.table("log_beta_tilde", _tables.log_beta_tilde), t)


@finite
def interpolation_weights(t, schedule: NoiseSchedule) -> tuple[torch.Tensor, torch.Tensor]:
    r"""The coefficients :math:`(w_0, w_t)` of x_0 and x_t in :math:`\tilde\mu_t`."""
    return _interpolation_weights(check_timestep(t, schedule), schedule)


def _interpolation_weights(t, schedule: NoiseSchedule) -> tuple[torch.Tensor, torch.Tensor]:
    return (gather(schedule.table("coef_x0", _tables.coef_x0), t),
            gather(schedule.table("coef_xt", _tables.coef_xt), t))


@finite
def interpolation_weight_sum(t, schedule: NoiseSchedule) -> torch.Tensor:
    r""":math:`w_0 + w_t`, which equals 1 only at t = 1 (it is < 1 for every t >= 2)."""
    return _interpolation_weight_sum(check_timestep(t, schedule), schedule)


def _interpolation_weight_sum(t, schedule: NoiseSchedule) -> torch.Tensor:
    w_0, w_t = _interpolation_weights(t, schedule)
    return w_0 + w_t


@finite
def x0_from_eps(x_t: torch.Tensor, eps: torch.Tensor, t, schedule: NoiseSchedule) -> torch.Tensor:
    r""":math:`x_0 = (x_t - \sqrt{1-\bar\alpha_t}\,\epsilon)/\sqrt{\bar\alpha_t}`, as
    :math:`x_t/\sqrt{\bar\alpha_t} - \sqrt{1/\bar\alpha_t - 1}\,\epsilon` (eq. 4 solved for x_0)."""
    x_t, eps, t = check_states(schedule, t, x_t=x_t, eps=eps)
    return _x0_from_eps(x_t, eps, t, schedule)


def _x0_from_eps(x_t: torch.Tensor, eps: torch.Tensor, t, schedule: NoiseSchedule) -> torch.Tensor:
    return (gather(schedule.table("recip_sqrt_alpha_bar", _tables.recip_sqrt_alpha_bar), t, x_t) * x_t
            - gather(schedule.table("sqrt_recip_alpha_bar_m1", _tables.sqrt_recip_alpha_bar_minus_one),
                     t, eps) * eps)


@finite
def eps_mean(x_t: torch.Tensor, eps: torch.Tensor, t, schedule: NoiseSchedule) -> torch.Tensor:
    r"""The posterior mean in terms of the noise (Ho et al. 2020, eq. 11).

    .. math::
        \tilde\mu_t = \frac{1}{\sqrt{\alpha_t}}\Big(x_t - \frac{\beta_t}{\sqrt{1-\bar\alpha_t}}\epsilon\Big)

    Pass ``eps_theta`` for ``eps`` to get the model mean :math:`\mu_\theta`.
    """
    x_t, eps, t = check_states(schedule, t, x_t=x_t, eps=eps)
    return _eps_mean(x_t, eps, t, schedule)


def _eps_mean(x_t: torch.Tensor, eps: torch.Tensor, t, schedule: NoiseSchedule) -> torch.Tensor:
    return (gather(schedule.table("recip_sqrt_alpha", _tables.recip_sqrt_alpha), t, x_t) * x_t
            - gather(schedule.table("eps_coef", _tables.eps_coef), t, eps) * eps)
