r"""Ancestral sampling from the reverse process (Ho et al. 2020, Algorithm 2).

Nothing new is derived here: one step draws from
:math:`p_\theta(x_{t-1}|x_t) = \mathcal N(\mu_\theta(x_t, t), \sigma_t^2 I)`, whose mean is the
catalog's ``eps_mean`` at :math:`\epsilon_\theta` and whose variance is ``reverse_variance``.
The sampler checks its arguments once; its loop calls the unchecked cores.
"""

from __future__ import annotations

import torch

from ._types import EpsModel
from ._validation import (_shown, call_model, check_data, check_eps_model, check_generator, check_schedule, check_shape,
                          check_shape_argument, check_timestep, check_variance, finite)
from .elbo import _reverse_variance
from .posterior import _eps_mean
from .schedule import NoiseSchedule

#: Tensors of the size of the state alive at once in a sampling step (x_t, eps_theta, the mean,
#: z and x_{t-1}), for the memory check of ``shape``; the model's own activations come on top.
_WORKING_COPIES = 5


@finite
def ancestral_step(x_t: torch.Tensor, eps_theta: torch.Tensor, t: int, schedule: NoiseSchedule,
                   noise: torch.Tensor | None = None, *, variance: str = "posterior",
                   generator: torch.Generator | None = None) -> torch.Tensor:
    r"""One step of Algorithm 2: :math:`x_{t-1} = \mu_\theta(x_t, t) + \sigma_t z`, with z = 0 at t = 1.

    .. math::
        \mu_\theta(x_t, t) = \frac{1}{\sqrt{\alpha_t}}\Big(x_t - \frac{\beta_t}{\sqrt{1-\bar\alpha_t}}\epsilon_\theta(x_t, t)\Big)

    Args:
        x_t: current states, shape (B, *data). eps_theta: the model's noise prediction, same shape.
        t: the paper timestep (an int in [1, T]). noise: z, shape of ``x_t``; drawn when None.
        variance: :math:`\sigma_t^2` as in :func:`numeric.reverse_variance`.
    """
    check_schedule(schedule, t)
    x_t = check_data("x_t", x_t, schedule)
    if isinstance(t, bool) or not isinstance(t, int):
        raise TypeError(f"`t` must be an int paper timestep in [1, {schedule.T}], got {_shown(t)}")
    eps_theta = check_shape("eps_theta", check_data("eps_theta", eps_theta, schedule), tuple(x_t.shape),
                            "the model's noise prediction, shaped like x_t")
    check_timestep(t, schedule)
    if t > 1:                       # t = 1 adds no noise: neither sigma_1 nor z is used
        check_variance(variance, schedule)
        if noise is not None:
            check_shape("noise", check_data("noise", noise, schedule), tuple(x_t.shape), "z, shaped like x_t")
    check_generator(generator, x_t.device)
    return _ancestral_step(x_t, eps_theta, t, schedule, noise, variance=variance, generator=generator)


def _ancestral_step(x_t: torch.Tensor, eps_theta: torch.Tensor, t: int, schedule: NoiseSchedule,
                    noise: torch.Tensor | None = None, *, variance: str = "posterior",
                    generator: torch.Generator | None = None) -> torch.Tensor:
    """The core of :func:`ancestral_step`; draws z with ``generator`` when ``noise`` is None."""
    mean = _eps_mean(x_t, eps_theta, t, schedule)
    if t == 1:                      # the last step returns the mean (Algorithm 2: z = 0 at t = 1)
        return mean
    if noise is None:
        noise = torch.randn(x_t.shape, generator=generator, dtype=x_t.dtype, device=x_t.device)
    return mean + _reverse_variance(t, schedule, variance).sqrt() * noise


@finite
def ancestral_sample(eps_model: EpsModel, schedule: NoiseSchedule, shape: tuple[int, ...], *,
                     variance: str = "posterior", generator: torch.Generator | None = None,
                     x_T: torch.Tensor | None = None) -> torch.Tensor:
    r"""Samples :math:`x_0` by Algorithm 2: :math:`x_T \sim \mathcal N(0, I)`, then
    :func:`ancestral_step` for t = T, ..., 1.

    Args:
        eps_model: ``eps_model(x_t, t) -> eps_theta`` with ``t`` an int64 tensor (B,) of paper timesteps.
        shape: (B, *data). x_T: the starting noise (drawn with ``generator`` when None).
    Returns:
        x_0, shape ``shape``, in the schedule's dtype and device.
    """
    check_schedule(schedule)
    check_eps_model(eps_model)
    check_variance(variance, schedule)
    shape = check_shape_argument("shape", shape, schedule.dtype, schedule.device, _WORKING_COPIES)
    check_generator(generator, schedule.device)
    if x_T is not None:
        x_T = check_shape("x_T", check_data("x_T", x_T, schedule), shape, "the starting noise")
    return _ancestral_sample(eps_model, schedule, shape, variance=variance, generator=generator, x_T=x_T)


def _ancestral_sample(eps_model: EpsModel, schedule: NoiseSchedule, shape: tuple[int, ...], *,
                      variance: str = "posterior", generator: torch.Generator | None = None,
                      x_T: torch.Tensor | None = None) -> torch.Tensor:
    """The core of :func:`ancestral_sample`: T steps, each one model call (its answer checked:
    the model is user code) and one unchecked :func:`_ancestral_step`."""
    if x_T is None:
        x_T = torch.randn(shape, generator=generator, dtype=schedule.dtype, device=schedule.device)
    x = x_T
    for t in range(schedule.T, 0, -1):
        steps = torch.full((1,), t, dtype=torch.long, device=schedule.device)
        eps_theta = call_model(eps_model, x[None], steps)[0]
        x = _ancestral_step(x, eps_theta, t, schedule, variance=variance, generator=generator)
    return x
