"""The posterior q(x_{t-1} | x_t, x_0) and the eps parameterisation on tensors (Ho et al. 2020).

Coefficient tables are computed once per schedule in float64 from alpha, alpha_bar and
1 - alpha_bar (stable forms), then cast; index 0 of every table is unused (0).
"""

from __future__ import annotations

import torch

from . import _validation as v
from .schedule import NoiseSchedule, gather


def _previous(m, name):
    """table[t-1] at index t (index 0 repeats index 0; it is never read)."""
    return torch.cat([m[name][:1], m[name][:-1]])


def _beta_tilde(m):
    # beta_t (1 - alpha_bar_{t-1}) / (1 - alpha_bar_t); index 0 set to 0 (0/0 otherwise).
    table = m["beta"] * _previous(m, "one_minus_alpha_bar") / m["one_minus_alpha_bar"]
    table[0] = 0.0
    return table


def _log_beta_tilde(m):
    # log beta_t + log(1 - alpha_bar_{t-1}) - log(1 - alpha_bar_t); -inf at t = 1 (beta_tilde_1 = 0).
    table = torch.log(m["beta"]) + torch.log(_previous(m, "one_minus_alpha_bar")) - torch.log(
        m["one_minus_alpha_bar"])
    table[0] = 0.0
    return table


def _coef_x0(m):
    table = torch.exp(0.5 * _previous(m, "log_alpha_bar")) * m["beta"] / m["one_minus_alpha_bar"]
    table[0] = 0.0
    return table


def _coef_xt(m):
    table = torch.sqrt(m["alpha"]) * _previous(m, "one_minus_alpha_bar") / m["one_minus_alpha_bar"]
    table[0] = 0.0
    return table


def _recip_sqrt_alpha_bar(m):
    return torch.exp(-0.5 * m["log_alpha_bar"])


def _sqrt_recip_alpha_bar_minus_one(m):
    # sqrt(1/alpha_bar - 1) = sqrt(expm1(-log alpha_bar)): no cancellation near alpha_bar = 1.
    return torch.sqrt(torch.expm1(-m["log_alpha_bar"]))


def _recip_sqrt_alpha(m):
    return torch.exp(-0.5 * m["log_alpha"])


def _eps_coef(m):
    table = m["beta"] / (torch.sqrt(m["alpha"]) * torch.sqrt(m["one_minus_alpha_bar"]))
    table[0] = 0.0
    return table


@v.finite
def posterior_mean(x_0: torch.Tensor, x_t: torch.Tensor, t, schedule: NoiseSchedule) -> torch.Tensor:
    r"""Mean of :math:`q(x_{t-1}|x_t,x_0)` (Ho et al. 2020, eq. 7).

    .. math::
        \tilde\mu_t = \frac{\sqrt{\bar\alpha_{t-1}}\beta_t}{1-\bar\alpha_t}x_0
                    + \frac{\sqrt{\alpha_t}(1-\bar\alpha_{t-1})}{1-\bar\alpha_t}x_t

    Args:
        x_0, x_t: shape (B, *data) (same dtype/device as the schedule).
        t: paper timestep(s) in [1, T]; at t = 1 the mean is x_0 exactly.
    """
    x_0 = v.check_data("x_0", x_0, schedule)
    x_t = v.check_data("x_t", x_t, schedule)
    t = v.check_timestep(t, schedule)
    return (gather(schedule.table("coef_x0", _coef_x0), t, x_0) * x_0
            + gather(schedule.table("coef_xt", _coef_xt), t, x_t) * x_t)


@v.finite
def posterior_variance(t, schedule: NoiseSchedule) -> torch.Tensor:
    r""":math:`\tilde\beta_t = \frac{1-\bar\alpha_{t-1}}{1-\bar\alpha_t}\beta_t` (eq. 7); 0 at t = 1."""
    return gather(schedule.table("beta_tilde", _beta_tilde), v.check_timestep(t, schedule))


@v.finite
def posterior_log_variance(t, schedule: NoiseSchedule) -> torch.Tensor:
    r""":math:`\log\tilde\beta_t` for t in [2, T], computed in float64 from logs (no underflow).

    Raises ValueError at t = 1, where :math:`\tilde\beta_1 = 0` and the log is -inf;
    improved-diffusion clips it to :math:`\log\tilde\beta_2`, diffusers floors it at 1e-20.
    """
    t = v.check_timestep(t, schedule, minimum=2)
    return gather(schedule.table("log_beta_tilde", _log_beta_tilde), t)


@v.finite
def interpolation_weights(t, schedule: NoiseSchedule) -> tuple[torch.Tensor, torch.Tensor]:
    r"""The coefficients :math:`(w_0, w_t)` of x_0 and x_t in :math:`\tilde\mu_t`."""
    t = v.check_timestep(t, schedule)
    return (gather(schedule.table("coef_x0", _coef_x0), t),
            gather(schedule.table("coef_xt", _coef_xt), t))


@v.finite
def interpolation_weight_sum(t, schedule: NoiseSchedule) -> torch.Tensor:
    r""":math:`w_0 + w_t`, which equals 1 only at t = 1 (it is < 1 for every t >= 2)."""
    w_0, w_t = interpolation_weights(t, schedule)
    return w_0 + w_t


@v.finite
def x0_from_eps(x_t: torch.Tensor, eps: torch.Tensor, t, schedule: NoiseSchedule) -> torch.Tensor:
    r""":math:`x_0 = (x_t - \sqrt{1-\bar\alpha_t}\,\epsilon)/\sqrt{\bar\alpha_t}`, as
    :math:`x_t/\sqrt{\bar\alpha_t} - \sqrt{1/\bar\alpha_t - 1}\,\epsilon` (eq. 4 solved for x_0)."""
    x_t = v.check_data("x_t", x_t, schedule)
    eps = v.check_data("eps", eps, schedule)
    t = v.check_timestep(t, schedule)
    return (gather(schedule.table("recip_sqrt_alpha_bar", _recip_sqrt_alpha_bar), t, x_t) * x_t
            - gather(schedule.table("sqrt_recip_alpha_bar_m1", _sqrt_recip_alpha_bar_minus_one),
                     t, eps) * eps)


@v.finite
def eps_mean(x_t: torch.Tensor, eps: torch.Tensor, t, schedule: NoiseSchedule) -> torch.Tensor:
    r"""The posterior mean in terms of the noise (Ho et al. 2020, eq. 11).

    .. math::
        \tilde\mu_t = \frac{1}{\sqrt{\alpha_t}}\Big(x_t - \frac{\beta_t}{\sqrt{1-\bar\alpha_t}}\epsilon\Big)

    Pass ``eps_theta`` for ``eps`` to get the model mean :math:`\mu_\theta`.
    """
    x_t = v.check_data("x_t", x_t, schedule)
    eps = v.check_data("eps", eps, schedule)
    t = v.check_timestep(t, schedule)
    return (gather(schedule.table("recip_sqrt_alpha", _recip_sqrt_alpha), t, x_t) * x_t
            - gather(schedule.table("eps_coef", _eps_coef), t, eps) * eps)
