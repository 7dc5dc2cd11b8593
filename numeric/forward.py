"""The forward process q(x_t | x_{t-1}) and q(x_t | x_0) on tensors (Ho et al. 2020, eqs. 2, 4)."""

from __future__ import annotations

import torch

from . import _validation as v
from .schedule import NoiseSchedule, gather


def _sqrt_alpha(m):
    return torch.sqrt(m["alpha"])


def _sqrt_beta(m):
    return torch.sqrt(m["beta"])


def _sqrt_alpha_bar(m):
    return torch.exp(0.5 * m["log_alpha_bar"])


def _sqrt_one_minus_alpha_bar(m):
    return torch.sqrt(m["one_minus_alpha_bar"])


@v.finite
def forward_step_mean(x_prev: torch.Tensor, t, schedule: NoiseSchedule) -> torch.Tensor:
    r"""Mean :math:`\sqrt{\alpha_t}\,x_{t-1}` of :math:`q(x_t|x_{t-1})` (Ho et al. 2020, eq. 2).

    Args:
        x_prev: x_{t-1}, shape (B, *data) or any shape when ``t`` is an int.
        t: paper timestep(s) in [1, T], an int or an integer tensor of shape (B,).
        schedule: the noise schedule (same dtype and device as ``x_prev``).
    """
    x_prev = v.check_data("x_prev", x_prev, schedule)
    t = v.check_timestep(t, schedule)
    return gather(schedule.table("sqrt_alpha", _sqrt_alpha), t, x_prev) * x_prev


@v.finite
def forward_step_variance(t, schedule: NoiseSchedule) -> torch.Tensor:
    r"""Variance :math:`\beta_t` of :math:`q(x_t|x_{t-1})`, shaped like ``t``."""
    return gather(schedule.beta, v.check_timestep(t, schedule))


@v.finite
def forward_step_sample(x_prev: torch.Tensor, t, schedule: NoiseSchedule,
                        noise: torch.Tensor | None = None) -> torch.Tensor:
    r""":math:`x_t = \sqrt{\alpha_t}\,x_{t-1} + \sqrt{\beta_t}\,\epsilon` (one forward step)."""
    mean = forward_step_mean(x_prev, t, schedule)
    noise = torch.randn_like(x_prev) if noise is None else v.check_data("noise", noise, schedule)
    t = v.check_timestep(t, schedule)
    return mean + gather(schedule.table("sqrt_beta", _sqrt_beta), t, x_prev) * noise


@v.finite
def forward_jump_mean(x_0: torch.Tensor, t, schedule: NoiseSchedule) -> torch.Tensor:
    r"""Mean :math:`\sqrt{\bar\alpha_t}\,x_0` of :math:`q(x_t|x_0)` (Ho et al. 2020, eq. 4)."""
    x_0 = v.check_data("x_0", x_0, schedule)
    t = v.check_timestep(t, schedule)
    return gather(schedule.table("sqrt_alpha_bar", _sqrt_alpha_bar), t, x_0) * x_0


@v.finite
def forward_jump_variance(t, schedule: NoiseSchedule) -> torch.Tensor:
    r"""Variance :math:`1-\bar\alpha_t` of :math:`q(x_t|x_0)`, shaped like ``t``."""
    return gather(schedule.one_minus_alpha_bar, v.check_timestep(t, schedule))


@v.finite
def forward_jump_sample(x_0: torch.Tensor, t, schedule: NoiseSchedule,
                        noise: torch.Tensor | None = None) -> torch.Tensor:
    r""":math:`x_t = \sqrt{\bar\alpha_t}\,x_0 + \sqrt{1-\bar\alpha_t}\,\epsilon` (Ho et al. 2020, eq. 4)."""
    mean = forward_jump_mean(x_0, t, schedule)
    noise = torch.randn_like(x_0) if noise is None else v.check_data("noise", noise, schedule)
    t = v.check_timestep(t, schedule)
    std = gather(schedule.table("sqrt_one_minus_alpha_bar", _sqrt_one_minus_alpha_bar), t, x_0)
    return mean + std * noise


@v.finite
def forward_trajectory(x_0: torch.Tensor, schedule: NoiseSchedule, noise: torch.Tensor | None = None,
                       *, generator: torch.Generator | None = None) -> torch.Tensor:
    r"""A forward trajectory :math:`x_{0:T}` by T sequential steps of :math:`q(x_t|x_{t-1})`.

    Args:
        x_0: data, shape (B, *data).
        noise: the :math:`\epsilon_t` of each step, shape (T, B, *data); drawn when None.
    Returns:
        Shape (T+1, B, *data); index t is :math:`x_t` (index 0 is ``x_0`` itself).
    """
    x_0 = v.check_data("x_0", x_0, schedule)
    T = schedule.T
    if noise is None:
        noise = torch.randn((T, *x_0.shape), generator=generator, dtype=x_0.dtype, device=x_0.device)
    else:
        noise = v.check_data("noise", noise, schedule)
        v.check_shape("noise", noise, (T, *x_0.shape), "one eps per step t = 1..T")
    sqrt_alpha = schedule.table("sqrt_alpha", _sqrt_alpha)
    sqrt_beta = schedule.table("sqrt_beta", _sqrt_beta)
    trajectory = torch.empty((T + 1, *x_0.shape), dtype=x_0.dtype, device=x_0.device)
    trajectory[0] = x_0
    for t in range(1, T + 1):  # sequential by definition: x_t needs x_{t-1}
        trajectory[t] = sqrt_alpha[t] * trajectory[t - 1] + sqrt_beta[t] * noise[t - 1]
    return trajectory
