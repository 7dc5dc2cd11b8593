"""Formula functions: hand-computed values, shapes and broadcasting, autograd, dtypes, devices, errors.

Exactness against the proved expressions is crosscheck's job (tests/crosscheck); here the
expected values are computed by hand from the schedule's betas, independently of the code.
"""

import math

import pytest
import torch

import numeric as N

BETAS = [0.1, 0.2, 0.5]  # alpha_bar = 1, 0.9, 0.72, 0.36


def schedule(dtype=torch.float64, device="cpu"):
    return N.NoiseSchedule.from_betas(BETAS, dtype=dtype, device=device)


def test_hand_values_at_t2():
    s = schedule()
    beta, alpha, ab, ab_prev = 0.2, 0.8, 0.72, 0.9
    x_0, x_t, eps = torch.tensor(1.5, dtype=torch.float64), torch.tensor(-0.5, dtype=torch.float64), torch.tensor(0.3, dtype=torch.float64)
    w_0 = math.sqrt(ab_prev) * beta / (1 - ab)
    w_t = math.sqrt(alpha) * (1 - ab_prev) / (1 - ab)
    assert N.posterior_mean(x_0, x_t, 2, s).item() == pytest.approx(w_0 * 1.5 + w_t * -0.5, rel=1e-14)
    assert N.posterior_variance(2, s).item() == pytest.approx(beta * (1 - ab_prev) / (1 - ab), rel=1e-14)
    assert N.posterior_log_variance(2, s).item() == pytest.approx(math.log(beta * 0.1 / 0.28), rel=1e-14)
    assert N.interpolation_weight_sum(2, s).item() == pytest.approx(w_0 + w_t, rel=1e-14)
    assert N.interpolation_weight_sum(2, s).item() < 1
    assert N.x0_from_eps(x_t, eps, 2, s).item() == pytest.approx((-0.5 - math.sqrt(0.28) * 0.3) / math.sqrt(0.72))
    assert N.eps_mean(x_t, eps, 2, s).item() == pytest.approx((-0.5 - beta / math.sqrt(0.28) * 0.3) / math.sqrt(alpha))
    assert N.forward_jump_mean(x_0, 3, s).item() == pytest.approx(math.sqrt(0.36) * 1.5)
    assert N.forward_jump_variance(3, s).item() == pytest.approx(0.64)
    assert N.forward_step_mean(x_0, 3, s).item() == pytest.approx(math.sqrt(0.5) * 1.5)
    assert N.forward_step_variance(3, s).item() == pytest.approx(0.5)
    assert N.kl_eps_weight(2, s, 0.1).item() == pytest.approx(beta**2 / (2 * 0.1 * alpha * 0.28))
    assert N.score_from_eps(eps, 2, s).item() == pytest.approx(-0.3 / math.sqrt(0.28))
    assert N.prior_kl(x_0, s).item() == pytest.approx(0.5 * (0.36 * 2.25 - 0.36 - math.log(0.64)))


def test_t1_conventions():
    s = schedule()
    x_0, x_t = torch.tensor(1.5, dtype=torch.float64), torch.tensor(-0.5, dtype=torch.float64)
    assert N.posterior_variance(1, s).item() == 0.0
    assert N.posterior_mean(x_0, x_t, 1, s).item() == pytest.approx(1.5, rel=1e-15)
    assert N.interpolation_weight_sum(1, s).item() == pytest.approx(1.0, rel=1e-15)


def test_gaussian_functions_by_hand():
    x = torch.tensor([0.5], dtype=torch.float64)
    assert N.gaussian_log_density(x, 0.0, 2.0).item() == pytest.approx(-0.25 / 4 - 0.5 * math.log(4 * math.pi))
    assert N.gaussian_kl(x, 2.0, 0.0, 1.0).item() == pytest.approx(0.5 * (math.log(0.5) + 2.25 - 1))
    assert N.standard_normal_kl(x, 2.0).item() == pytest.approx(0.5 * (0.25 + 2 - 1 - math.log(2)))
    assert N.gaussian_kl(x, 1.0, x, 1.0).item() == 0.0


def test_broadcasting_t_over_batch_and_data_dims(dtype, device):
    s = schedule(dtype, device)
    t = torch.tensor([1, 2, 3], device=device)
    x_0 = torch.randn(3, 2, 4, dtype=dtype, device=device)
    x_t = torch.randn(3, 2, 4, dtype=dtype, device=device)
    out = N.posterior_mean(x_0, x_t, t, s)
    assert out.shape == (3, 2, 4) and out.dtype == dtype and out.device.type == device.type
    for i, ti in enumerate(t.tolist()):  # row i uses timestep t[i]
        torch.testing.assert_close(out[i], N.posterior_mean(x_0[i], x_t[i], ti, s))
    assert N.forward_jump_sample(x_0, t, s).shape == (3, 2, 4)
    assert N.posterior_variance(t, s).shape == (3,)


def test_autograd_flows(dtype):
    s = schedule(dtype)
    x_0 = torch.randn(4, dtype=dtype, requires_grad=True)
    eps = torch.randn(4, dtype=dtype, requires_grad=True)
    x_t = N.forward_jump_sample(x_0, 2, s, noise=eps)
    N.eps_mean(x_t, eps, 2, s).sum().backward()
    # d mu / d x_0 = sqrt(alpha_bar_2)/sqrt(alpha_2) = sqrt(alpha_bar_1)
    torch.testing.assert_close(x_0.grad, torch.full_like(x_0, math.sqrt(0.9)))
    sigma2 = torch.tensor(0.1, dtype=dtype, requires_grad=True)
    N.kl_eps_weight(2, s, sigma2).backward()
    assert sigma2.grad is not None and sigma2.grad < 0


@pytest.mark.parametrize("t, error, match", [
    (0, ValueError, r"`t` must be in \[1, 3\], got 0; timesteps follow the paper \(1\.\.T\); t=0 is x_0 itself"),
    (4, ValueError, r"`t` must be in \[1, 3\], got 4; the schedule has T = 3 steps"),
    (torch.tensor([1, 5]), ValueError, r"got 5"),
    (1.0, TypeError, r"`t` must be an int or an integer tensor"),
    (torch.tensor([1.0]), TypeError, r"got dtype torch.float32"),
])
def test_bad_timesteps(t, error, match):
    with pytest.raises(error, match=match):
        N.forward_jump_mean(torch.zeros(2, dtype=torch.float64), t, schedule())


def test_bad_data():
    s = schedule()
    with pytest.raises(TypeError, match=r"`x_0` must be a floating tensor, got dtype torch.int64"):
        N.forward_jump_mean(torch.zeros(2, dtype=torch.int64), 1, s)
    with pytest.raises(TypeError, match=r"`x_0` has dtype torch.float32 but the schedule uses torch.float64"):
        N.forward_jump_mean(torch.zeros(2), 1, s)
    with pytest.raises(ValueError, match=r"`x_t` is on meta but the schedule is on cpu"):
        N.posterior_mean(torch.zeros(2, dtype=torch.float64), torch.zeros(2, dtype=torch.float64, device="meta"), 1, s)
    with pytest.raises(TypeError, match=r"`x_0` must be a torch.Tensor, got list"):
        N.forward_jump_mean([0.0], 1, s)


def test_bad_variances_and_t1_terms():
    s = schedule()
    x = torch.zeros(2, dtype=torch.float64)
    with pytest.raises(ValueError, match=r"`var` must be positive \(a variance\), got -1.0"):
        N.gaussian_log_density(x, 0.0, -1.0)
    with pytest.raises(ValueError, match=r"`var_2` must be positive"):
        N.gaussian_kl(x, 1.0, x, torch.zeros(2, dtype=torch.float64))
    with pytest.raises(ValueError, match=r"`sigma2` must be positive .* at t = 1 beta_tilde_1 = 0"):
        N.kl_eps_weight(1, s, N.posterior_variance(1, s))
    with pytest.raises(ValueError, match=r"`t` must be in \[2, 3\], got 1; the t=1 term is the decoder"):
        N.kl_eps_constant(1, s, 0.1)
    with pytest.raises(ValueError, match=r"`t` must be in \[2, 3\], got 1"):
        N.posterior_log_variance(1, s)
    with pytest.raises(TypeError, match="needs at least one torch.Tensor"):
        N.gaussian_kl(0.0, 1.0, 0.0, 1.0)


def test_numeric_layer_does_not_import_sympy():
    import subprocess, sys
    code = ("import sys, numeric, numeric.lab.lab3, numeric.lab.lab4, numeric.lab.train; "
            "numeric.NoiseSchedule.linear(10); assert 'sympy' not in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True)
