"""The numeric layer's type aliases, declared once and imported where they are used."""

from __future__ import annotations

from typing import Callable, Mapping, Protocol

import torch

#: A noise-prediction model: ``eps_model(x_t, t) -> eps_theta``, with ``t`` an int64 tensor of
#: paper timesteps (one per row of ``x_t``) and ``eps_theta`` shaped like ``x_t``.
EpsModel = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]

#: The float64 master tables of a schedule by name (``beta``, ``alpha``, ``alpha_bar``, ...), as
#: the table builders of :mod:`numeric._tables` receive them.
Tables = Mapping[str, torch.Tensor]


class ScheduleLike(Protocol):
    """What the boundary checks read of a schedule (:class:`numeric.NoiseSchedule` has it)."""

    T: int
    dtype: torch.dtype
    device: torch.device

    def float64(self, name: str) -> torch.Tensor: ...
