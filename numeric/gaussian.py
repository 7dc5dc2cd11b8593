"""Gaussian log-density on tensors (elementwise; sum over data dimensions for a diagonal Gaussian)."""

from __future__ import annotations

import math

import torch

from ._validation import check_data, check_gaussian_arguments, finite

_LOG_2PI = math.log(2 * math.pi)


@finite
def gaussian_log_density(x: torch.Tensor, mean, var) -> torch.Tensor:
    r"""Elementwise log-density of :math:`\mathcal N(\text{mean}, \text{var})` at x.

    .. math::
        \log\mathcal N(x; m, v) = -\frac{(x-m)^2}{2v} - \tfrac12\log(2\pi v)

    Args:
        x: any shape. mean, var: tensors (or numbers) broadcasting against x; var > 0.
    Returns:
        The elementwise log-density; ``.sum(dims)`` gives a diagonal Gaussian's.
    """
    x = check_data("x", x)
    x, mean, var = check_gaussian_arguments("gaussian_log_density", x=x, mean=mean, var=var)
    return _gaussian_log_density(x, mean, var)


def _gaussian_log_density(x: torch.Tensor, mean, var: torch.Tensor) -> torch.Tensor:
    """The core of :func:`gaussian_log_density`: ``var`` a positive tensor, ``mean`` a tensor or number."""
    return -0.5 * ((x - mean) ** 2 / var + torch.log(var) + _LOG_2PI)
