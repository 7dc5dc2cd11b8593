"""The forward process q(x_t | x_{t-1}) and q(x_t | x_0) on tensors (Ho et al. 2020, eqs. 2, 4).

Each public function checks its arguments once and calls its core (same name with a leading
underscore), which holds the formula and trusts its inputs; the library's loops call the cores.
"""

from __future__ import annotations

import torch

from . import _tables
from ._validation import check_forward_trajectory, check_noise, check_states, check_timestep, finite
from .schedule import NoiseSchedule, gather


@finite
def forward_step_mean(x_prev: torch.Tensor, t, schedule: NoiseSchedule) -> torch.Tensor:
    r"""Mean :math:`\sqrt{\alpha_t}\,x_{t-1}` of :math:`q(x_t|x_{t-1})` (Ho et al. 2020, eq. 2).

    Args:
        x_prev: x_{t-1}, shape (B, *data) or any shape when ``t`` is an int.
        t: paper timestep(s) in [1, T], an int or an integer tensor of shape (B,).
        schedule: the noise schedule (same dtype and device as ``x_prev``).
    """
    x_prev, t = check_states(schedule, t, x_prev=x_prev)
    return _forward_step_mean(x_prev, t, schedule)


def _forward_step_mean(x_prev: torch.Tensor, t, schedule: NoiseSchedule) -> torch.Tensor:
    return gather(schedule.table("sqrt_alpha", _tables.sqrt_alpha), t, x_prev) * x_prev


@finite
def forward_step_variance(t, schedule: NoiseSchedule) -> torch.Tensor:
    r"""Variance :math:`\beta_t` of :math:`q(x_t|x_{t-1})`, shaped like ``t``."""
    return _forward_step_variance(check_timestep(t, schedule), schedule)


def _forward_step_variance(t, schedule: NoiseSchedule) -> torch.Tensor:
    return gather(schedule.beta, t)


@finite
def forward_step_sample(x_prev: torch.Tensor, t, schedule: NoiseSchedule,
                        noise: torch.Tensor | None = None) -> torch.Tensor:
    r"""A draw of :math:`q(x_t|x_{t-1})` (one forward step, Ho et al. 2020, eq. 2).

    .. math::
        x_t = \sqrt{\alpha_t}\,x_{t-1} + \sqrt{\beta_t}\,\epsilon,\qquad \epsilon \sim \mathcal N(0, I)

    Args:
        x_prev, t, schedule: as in :func:`forward_step_mean`.
        noise: :math:`\epsilon`, shaped like ``x_prev``; drawn with ``torch.randn_like`` when None.
    """
    x_prev, noise, t = check_states(schedule, t, x_prev=x_prev, noise=noise)
    check_noise(noise, x_prev, "x_prev")
    return _forward_step_sample(x_prev, t, schedule, noise)


def _forward_step_sample(x_prev: torch.Tensor, t, schedule: NoiseSchedule,
                         noise: torch.Tensor | None = None) -> torch.Tensor:
    return (_forward_step_mean(x_prev, t, schedule)
            + gather(schedule.table("sqrt_beta", _tables.sqrt_beta), t, x_prev) * _noise_like(x_prev, noise))


@finite
def forward_jump_mean(x_0: torch.Tensor, t, schedule: NoiseSchedule) -> torch.Tensor:
    r"""Mean :math:`\sqrt{\bar\alpha_t}\,x_0` of :math:`q(x_t|x_0)` (Ho et al. 2020, eq. 4)."""
    x_0, t = check_states(schedule, t, x_0=x_0)
    return _forward_jump_mean(x_0, t, schedule)


def _forward_jump_mean(x_0: torch.Tensor, t, schedule: NoiseSchedule) -> torch.Tensor:
    return gather(schedule.table("sqrt_alpha_bar", _tables.sqrt_alpha_bar), t, x_0) * x_0


@finite
def forward_jump_variance(t, schedule: NoiseSchedule) -> torch.Tensor:
    r"""Variance :math:`1-\bar\alpha_t` of :math:`q(x_t|x_0)`, shaped like ``t``."""
    return _forward_jump_variance(check_timestep(t, schedule), schedule)


def _forward_jump_variance(t, schedule: NoiseSchedule) -> torch.Tensor:
    return gather(schedule.one_minus_alpha_bar, t)


@finite
def forward_jump_sample(x_0: torch.Tensor, t, schedule: NoiseSchedule,
                        noise: torch.Tensor | None = None) -> torch.Tensor:
    r"""A draw of :math:`q(x_t|x_0)` in one jump (Ho et al. 2020, eq. 4).

    .. math::
        x_t = \sqrt{\bar\alpha_t}\,x_0 + \sqrt{1-\bar\alpha_t}\,\epsilon,\qquad \epsilon \sim \mathcal N(0, I)

    Args:
        x_0: data, shape (B, *data) or any shape when ``t`` is an int.
        t: paper timestep(s) in [1, T], an int or an integer tensor of shape (B,).
        noise: :math:`\epsilon`, shaped like ``x_0``; drawn with ``torch.randn_like`` when None.
    """
    x_0, noise, t = check_states(schedule, t, x_0=x_0, noise=noise)
    check_noise(noise, x_0, "x_0")
    return _forward_jump_sample(x_0, t, schedule, noise)


def _forward_jump_sample(x_0: torch.Tensor, t, schedule: NoiseSchedule,
                         noise: torch.Tensor | None = None) -> torch.Tensor:
    std = gather(schedule.table("sqrt_one_minus_alpha_bar", _tables.sqrt_one_minus_alpha_bar), t, x_0)
    return _forward_jump_mean(x_0, t, schedule) + std * _noise_like(x_0, noise)


def _noise_like(x: torch.Tensor, noise: torch.Tensor | None) -> torch.Tensor:
    """``noise``, or when it is None a draw of N(0, I) shaped like ``x`` (``torch.randn_like``)."""
    return torch.randn_like(x) if noise is None else noise


@finite
def forward_trajectory(x_0: torch.Tensor, schedule: NoiseSchedule, noise: torch.Tensor | None = None,
                       *, generator: torch.Generator | None = None) -> torch.Tensor:
    r"""A forward trajectory :math:`x_{0:T}` by T sequential steps of :math:`q(x_t|x_{t-1})`.

    Args:
        x_0: data, shape (B, *data).
        noise: the :math:`\epsilon_t` of each step, shape (T, B, *data); drawn when None.
    Returns:
        Shape (T+1, B, *data); index t is :math:`x_t` (index 0 is ``x_0`` itself).
    """
    x_0, noise = check_forward_trajectory(x_0, schedule, noise, generator)
    return _forward_trajectory(x_0, schedule, noise, generator=generator)


def _forward_trajectory(x_0: torch.Tensor, schedule: NoiseSchedule, noise: torch.Tensor | None = None,
                        *, generator: torch.Generator | None = None) -> torch.Tensor:
    """The core of :func:`forward_trajectory`; draws the noise with ``generator`` when it is None."""
    T = schedule.T
    if noise is None:
        noise = torch.randn((T, *x_0.shape), generator=generator, dtype=x_0.dtype, device=x_0.device)
    sqrt_alpha = schedule.table("sqrt_alpha", _tables.sqrt_alpha)
    sqrt_beta = schedule.table("sqrt_beta", _tables.sqrt_beta)
    trajectory = torch.empty((T + 1, *x_0.shape), dtype=x_0.dtype, device=x_0.device)
    trajectory[0] = x_0
    for t in range(1, T + 1):  # sequential by definition: x_t needs x_{t-1}
        trajectory[t] = sqrt_alpha[t] * trajectory[t - 1] + sqrt_beta[t] * noise[t - 1]
    return trajectory
