"""numeric/_validation.py: every boundary check, through the public functions that use it and
directly, with the message it gives (argument, expected, received, fix)."""

import math

import pytest
import torch

from numeric import (NoiseSchedule, forward_jump_mean, gaussian_kl, gaussian_log_density, kl_eps_constant,
                     kl_eps_weight, posterior_log_variance, posterior_mean, posterior_variance)
from numeric._validation import (check_count, check_eps_model, check_model_output, check_points, check_positive_float,
                                 check_state_timestep, check_trajectory, check_variance)


@pytest.mark.parametrize("t, error, match", [
    (0, ValueError, r"`t` must be in \[1, 3\], got 0; timesteps follow the paper \(1\.\.T\); t=0 is x_0 itself"),
    (4, ValueError, r"`t` must be in \[1, 3\], got 4; the schedule has T = 3 steps"),
    (torch.tensor([1, 5]), ValueError, r"got 5"),
    (1.0, TypeError, r"`t` must be an int or an integer tensor"),
    (torch.tensor([1.0]), TypeError, r"got dtype torch.float32"),
])
def test_check_timestep_refuses_bad_timesteps(hand_schedule, t, error, match):
    with pytest.raises(error, match=match):
        forward_jump_mean(torch.zeros(2, dtype=torch.float64), t, hand_schedule())


def test_check_data_names_the_argument_and_the_fix(hand_schedule):
    s = hand_schedule()
    with pytest.raises(TypeError, match=r"`x_0` must be a floating tensor, got dtype torch.int64"):
        forward_jump_mean(torch.zeros(2, dtype=torch.int64), 1, s)
    with pytest.raises(TypeError, match=r"`x_0` has dtype torch.float32 but the schedule uses torch.float64"):
        forward_jump_mean(torch.zeros(2), 1, s)
    with pytest.raises(ValueError, match=r"`x_t` is on meta but the schedule is on cpu"):
        posterior_mean(torch.zeros(2, dtype=torch.float64), torch.zeros(2, dtype=torch.float64, device="meta"), 1, s)
    with pytest.raises(TypeError, match=r"`x_0` must be a torch.Tensor, got list"):
        forward_jump_mean([0.0], 1, s)


def test_check_positive_and_the_t1_terms(hand_schedule):
    s = hand_schedule()
    x = torch.zeros(2, dtype=torch.float64)
    with pytest.raises(ValueError, match=r"`var` must be positive \(a variance\), got -1.0"):
        gaussian_log_density(x, 0.0, -1.0)
    with pytest.raises(ValueError, match=r"`var_2` must be positive"):
        gaussian_kl(x, 1.0, x, torch.zeros(2, dtype=torch.float64))
    with pytest.raises(ValueError, match=r"`sigma2` must be positive .* at t = 1 beta_tilde_1 = 0"):
        kl_eps_weight(1, s, posterior_variance(1, s))
    with pytest.raises(ValueError, match=r"`t` must be in \[2, 3\], got 1; the t=1 term is the decoder"):
        kl_eps_constant(1, s, 0.1)
    with pytest.raises(ValueError, match=r"`t` must be in \[2, 3\], got 1"):
        posterior_log_variance(1, s)
    with pytest.raises(TypeError, match="needs at least one torch.Tensor"):
        gaussian_kl(0.0, 1.0, 0.0, 1.0)


@pytest.mark.parametrize("call, error, match", [
    (lambda: check_count("n_samples", 2.0), TypeError, r"`n_samples` must be an int, got float 2.0"),
    (lambda: check_count("n_samples", 2, 3), ValueError, r"`n_samples` must be >= 3, got 2"),
    (lambda: check_positive_float("lr", -1.0), ValueError, r"`lr` must be finite and > 0, got -1.0"),
    (lambda: check_positive_float("lr", "big"), TypeError, r"`lr` must be a number, got str 'big'"),
    (lambda: check_points("x", torch.zeros(3)), ValueError, r"`x` must have shape \(batch, dim\).*use `x\[None\]`"),
    (lambda: check_points("x", torch.zeros(3, 2), dim=3), ValueError, r"`x` must have 3 columns \(data_dim\)"),
    (lambda: check_points("x", torch.full((1, 2), math.inf)), ValueError, r"`x` contains nan or inf"),
    (lambda: check_eps_model("unet"), TypeError, r"`eps_model` must be callable as eps_model\(x_t, t\), got str"),
    (lambda: check_trajectory(torch.zeros(3, 2, 1), NoiseSchedule.linear(3, dtype=torch.float32), None, "beta"),
     ValueError, r"`trajectory` must have shape \(T\+1, B, \*data\) = \(4, B, ...\)"),
    (lambda: check_trajectory(torch.zeros(4, 2, 1), NoiseSchedule.linear(3, dtype=torch.float32), None, "beta"),
     TypeError, r"`eps_model` must be callable"),
    (lambda: check_trajectory(torch.full((4, 2, 1), math.nan), NoiseSchedule.linear(3, dtype=torch.float32),
                              lambda x, t: x, "beta"), ValueError, r"`trajectory` contains nan or inf"),
    (lambda: check_variance("large", NoiseSchedule.linear(3)), ValueError,
     r"`variance` must be one of 'posterior', 'beta', got 'large'"),
    (lambda: check_model_output(torch.zeros(2, 1), torch.zeros(2, 2), torch.ones(2)), ValueError,
     r"`eps_model` returned shape \(2, 1\) for x_t of shape \(2, 2\)"),
])
def test_check_helpers_refuse_with_a_clear_message(call, error, match):
    with pytest.raises(error, match=match):
        call()


@pytest.mark.parametrize("t, error, match", [
    (-1, ValueError, r"`t` must be in \[0, 3\] \(paper timesteps; 0 is x_0 itself, 3 is x_T\), got -1"),
    (1.5, TypeError, r"`t` must be an int timestep in \[0, 3\], got float 1.5"),
])
def test_check_state_timestep_takes_0_to_T(t, error, match):
    s = NoiseSchedule.linear(3)
    assert check_state_timestep(0, s) == 0 and check_state_timestep(torch.tensor(3), s) == 3
    with pytest.raises(error, match=match):
        check_state_timestep(t, s)
