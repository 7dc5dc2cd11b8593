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


def forward_step_variance(t, schedule: NoiseSchedule) -> torch.Tensor:
    r"""Variance :math:`\beta_t` of :math:`q(x_t|x_{t-1})`, shaped like ``t``."""
    return gather(schedule.beta, v.check_timestep(t, schedule))


def forward_step_sample(x_prev: torch.Tensor, t, schedule: NoiseSchedule,
                        noise: torch.Tensor | None = None) -> torch.Tensor:
    r""":math:`x_t = \sqrt{\alpha_t}\,x_{t-1} + \sqrt{\beta_t}\,\epsilon` (one forward step)."""
    mean = forward_step_mean(x_prev, t, schedule)
    noise = torch.randn_like(x_prev) if noise is None else v.check_data("noise", noise, schedule)
    t = v.check_timestep(t, schedule)
    return mean + gather(schedule.table("sqrt_beta", _sqrt_beta), t, x_prev) * noise


def forward_jump_mean(x_0: torch.Tensor, t, schedule: NoiseSchedule) -> torch.Tensor:
    r"""Mean :math:`\sqrt{\bar\alpha_t}\,x_0` of :math:`q(x_t|x_0)` (Ho et al. 2020, eq. 4)."""
    x_0 = v.check_data("x_0", x_0, schedule)
    t = v.check_timestep(t, schedule)
    return gather(schedule.table("sqrt_alpha_bar", _sqrt_alpha_bar), t, x_0) * x_0


def forward_jump_variance(t, schedule: NoiseSchedule) -> torch.Tensor:
    r"""Variance :math:`1-\bar\alpha_t` of :math:`q(x_t|x_0)`, shaped like ``t``."""
    return gather(schedule.one_minus_alpha_bar, v.check_timestep(t, schedule))


def forward_jump_sample(x_0: torch.Tensor, t, schedule: NoiseSchedule,
                        noise: torch.Tensor | None = None) -> torch.Tensor:
    r""":math:`x_t = \sqrt{\bar\alpha_t}\,x_0 + \sqrt{1-\bar\alpha_t}\,\epsilon` (Ho et al. 2020, eq. 4)."""
    mean = forward_jump_mean(x_0, t, schedule)
    noise = torch.randn_like(x_0) if noise is None else v.check_data("noise", noise, schedule)
    t = v.check_timestep(t, schedule)
    std = gather(schedule.table("sqrt_one_minus_alpha_bar", _sqrt_one_minus_alpha_bar), t, x_0)
    return mean + std * noise
