"""numeric/gaussian.py: the Gaussian log-density, by hand and against torch.distributions."""

import math

import pytest
import torch

from numeric import gaussian_log_density


def test_gaussian_log_density_by_hand():
    x = torch.tensor([0.5], dtype=torch.float64)
    assert gaussian_log_density(x, 0.0, 2.0).item() == pytest.approx(-0.25 / 4 - 0.5 * math.log(4 * math.pi))


def test_gaussian_log_density_is_torch_normal_log_prob(dtype):
    x, mean, var = torch.randn(6, dtype=dtype), torch.randn(6, dtype=dtype), torch.rand(6, dtype=dtype) + 0.1
    expected = torch.distributions.Normal(mean, var.sqrt()).log_prob(x)
    torch.testing.assert_close(gaussian_log_density(x, mean, var), expected)
    assert not torch.allclose(gaussian_log_density(x, mean, var.sqrt()), expected)   # a std is not a variance
