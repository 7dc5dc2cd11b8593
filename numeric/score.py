"""The score of the forward marginal on tensors."""

from __future__ import annotations

import torch

from . import _validation as v
from .forward import _sqrt_alpha_bar, _sqrt_one_minus_alpha_bar
from .schedule import NoiseSchedule, gather


@v.finite
def score(x_t: torch.Tensor, x_0: torch.Tensor, t, schedule: NoiseSchedule) -> torch.Tensor:
    r""":math:`\nabla_{x_t}\log q(x_t|x_0) = -(x_t - \sqrt{\bar\alpha_t}x_0)/(1-\bar\alpha_t)`."""
    x_t = v.check_data("x_t", x_t, schedule)
    x_0 = v.check_data("x_0", x_0, schedule)
    t = v.check_timestep(t, schedule)
    mean = gather(schedule.table("sqrt_alpha_bar", _sqrt_alpha_bar), t, x_0) * x_0
    return -(x_t - mean) / gather(schedule.one_minus_alpha_bar, t, x_t)


@v.finite
def score_from_eps(eps: torch.Tensor, t, schedule: NoiseSchedule) -> torch.Tensor:
    r""":math:`-\epsilon/\sqrt{1-\bar\alpha_t}`: the score at :math:`x_t = \sqrt{\bar\alpha_t}x_0 + \sqrt{1-\bar\alpha_t}\epsilon`."""
    eps = v.check_data("eps", eps, schedule)
    t = v.check_timestep(t, schedule)
    return -eps / gather(schedule.table("sqrt_one_minus_alpha_bar", _sqrt_one_minus_alpha_bar), t, eps)
