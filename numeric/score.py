"""The score of the forward marginal on tensors."""

from __future__ import annotations

import torch

from . import _tables
from ._validation import check_states, finite
from .schedule import NoiseSchedule, gather


@finite
def score(x_t: torch.Tensor, x_0: torch.Tensor, t, schedule: NoiseSchedule) -> torch.Tensor:
    r""":math:`\nabla_{x_t}\log q(x_t|x_0) = -(x_t - \sqrt{\bar\alpha_t}x_0)/(1-\bar\alpha_t)`."""
    x_t, x_0, t = check_states(schedule, t, x_t=x_t, x_0=x_0)
    return _score(x_t, x_0, t, schedule)


def _score(x_t: torch.Tensor, x_0: torch.Tensor, t, schedule: NoiseSchedule) -> torch.Tensor:
    mean = gather(schedule.table("sqrt_alpha_bar", _tables.sqrt_alpha_bar), t, x_0) * x_0
    return -(x_t - mean) / gather(schedule.one_minus_alpha_bar, t, x_t)


@finite
def score_from_eps(eps: torch.Tensor, t, schedule: NoiseSchedule) -> torch.Tensor:
    r""":math:`-\epsilon/\sqrt{1-\bar\alpha_t}`: the score at :math:`x_t = \sqrt{\bar\alpha_t}x_0 + \sqrt{1-\bar\alpha_t}\epsilon`."""
    eps, t = check_states(schedule, t, eps=eps)
    return _score_from_eps(eps, t, schedule)


def _score_from_eps(eps: torch.Tensor, t, schedule: NoiseSchedule) -> torch.Tensor:
    return -eps / gather(schedule.table("sqrt_one_minus_alpha_bar", _tables.sqrt_one_minus_alpha_bar), t, eps)
