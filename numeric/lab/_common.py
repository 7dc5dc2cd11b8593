"""What the lab adapters share beyond numeric's checks (:mod:`numeric._validation`): the
notebooks' device, the lab's schedule dict read as a paper-indexed NoiseSchedule, the untrained
baseline model, and figures that never block a headless run."""

from __future__ import annotations

import sys
from typing import Mapping

import torch

from ..schedule import NoiseSchedule

#: The notebooks' device: CUDA when available (as their setup cell does).
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")


def paper_schedule(noise_schedule: object, argument: str = "noise_schedule") -> NoiseSchedule:
    """The :class:`NoiseSchedule` behind the lab's dict (or a NoiseSchedule passed directly).

    The lab's dict holds 0-based tensors of length T (``betas[i]`` is beta_{i+1});
    ``create_noise_schedule`` also stores the paper-indexed schedule under ``"schedule"``.  A dict
    a student built by hand is read from its ``betas`` (rebuilt in float64, so ``alphas_cumprod``
    is recomputed stably rather than trusted).
    """
    if isinstance(noise_schedule, NoiseSchedule):
        return noise_schedule
    if not isinstance(noise_schedule, Mapping):
        raise TypeError(f"`{argument}` must be the dict from create_noise_schedule(T) (or a "
                        f"numeric.NoiseSchedule), got {type(noise_schedule).__name__}")
    schedule = noise_schedule.get("schedule")
    if isinstance(schedule, NoiseSchedule):
        return schedule
    if "betas" not in noise_schedule:
        raise ValueError(f"`{argument}` has no 'betas' entry (keys: {sorted(map(str, noise_schedule))}); "
                         f"build it with create_noise_schedule(T)")
    betas = noise_schedule["betas"]
    if not isinstance(betas, torch.Tensor):
        betas = torch.as_tensor(betas)
    built = NoiseSchedule.from_betas(betas, dtype=betas.dtype if betas.is_floating_point() else None,
                                     device=betas.device, name="lab dict")
    T = noise_schedule.get("T", built.T)
    if T != built.T:
        raise ValueError(f"`{argument}` says T = {T!r} but holds {built.T} betas; they must agree")
    return built


def new_figure(nrows: int = 1, ncols: int = 1, *, figsize=None, squeeze: bool = True):
    """(figure, axes).  In a notebook (ipykernel loaded) through pyplot, so the figure shows at the
    end of the cell as the lab's ``plt.show()`` did; elsewhere a bare ``matplotlib.figure.Figure``,
    which no GUI owns: nothing blocks, nothing accumulates in pyplot, and the caller saves it."""
    if "ipykernel" in sys.modules:
        import matplotlib.pyplot as plt
        return plt.subplots(nrows, ncols, figsize=figsize, squeeze=squeeze)
    from matplotlib.figure import Figure
    figure = Figure(figsize=figsize)
    return figure, figure.subplots(nrows, ncols, squeeze=squeeze)


def zero_noise_model(x_t: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    r""":math:`\epsilon_\theta \equiv 0`: the reverse model :math:`\mu_\theta(x_t, t) = x_t/\sqrt{\alpha_t}`
    (an untrained baseline; pass a trained ``predict_noise`` instead)."""
    return torch.zeros_like(x_t)
