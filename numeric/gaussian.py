"""Gaussian log-density on tensors (elementwise; sum over data dimensions for a diagonal Gaussian)."""

from __future__ import annotations

import math

import torch

from . import _validation as v

_LOG_2PI = math.log(2 * math.pi)


@v.finite
def gaussian_log_density(x: torch.Tensor, mean, var) -> torch.Tensor:
    r"""Elementwise log-density of :math:`\mathcal N(\text{mean}, \text{var})` at x.

    .. math::
        \log\mathcal N(x; m, v) = -\frac{(x-m)^2}{2v} - \tfrac12\log(2\pi v)

    Args:
        x: any shape. mean, var: tensors (or numbers) broadcasting against x; var > 0.
    Returns:
        The elementwise log-density; ``.sum(dims)`` gives a diagonal Gaussian's.
    """
    x = v.check_data("x", x)
    mean = v.as_tensor_like("mean", mean, x)
    var = v.check_positive("var", v.as_tensor_like("var", var, x))
    return -0.5 * ((x - mean) ** 2 / var + torch.log(var) + _LOG_2PI)
