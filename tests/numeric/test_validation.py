"""numeric/_validation.py: every boundary check, through the public functions that use it and
directly, with the message it gives (argument, expected, received, fix)."""

import math

import pytest
import torch

import numeric
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


# -- the guards added for the failure contract (README, "How the API fails"), each with its wording --

S10 = NoiseSchedule.linear(10)
X = torch.zeros(4, 2)


def _zero_model(x_t, t):
    return torch.zeros_like(x_t)


@pytest.mark.parametrize("call, error, match", [
    # the schedule, and t and schedule swapped
    (lambda: posterior_variance(3, None), TypeError,
     r"^`schedule` must be a numeric.NoiseSchedule, got NoneType None; build one with NoiseSchedule.linear\(1000\)"),
    (lambda: posterior_variance(S10, 3), TypeError,
     r"^`schedule` must be a numeric.NoiseSchedule, got int 3; `t` holds the schedule: the two are swapped, "
     r"pass \(\.\.\., t, schedule\)$"),
    (lambda: forward_jump_mean(X, S10, 3), TypeError, r"`t` holds the schedule: the two are swapped"),
    # integers beyond int64 are range errors
    (lambda: posterior_variance(2**63, S10), ValueError, r"^`t` must be in \[1, 10\], got 9223372036854775808; "),
    (lambda: posterior_variance(2**70, S10), ValueError, r"^`t` must be in \[1, 10\], got 1180591620717411303424"),
    (lambda: NoiseSchedule.linear(2**63), ValueError,
     r"^`T` must be in \[1, 1000000\] \(MAX_T, the most diffusion steps a schedule holds\), got 9223372036854775808; "
     r"use fewer steps"),
    (lambda: NoiseSchedule.cosine(2**63), ValueError, r"^`T` must be in \[1, 1000000\]"),
    (lambda: NoiseSchedule.linear(10**9), ValueError, r"^`T` must be in \[1, 1000000\] .*got 1000000000"),
    (lambda: NoiseSchedule.linear(10, beta_start=10**400), ValueError,
     r"^`beta_start` must be in \(0, 1\), got int 1000.*, which no float can hold$"),
    (lambda: NoiseSchedule.from_betas(torch.full((NoiseSchedule.MAX_T + 1,), 0.01)), ValueError,
     r"^`betas` must have at most 1000000 entries \(MAX_T, the most diffusion steps a schedule holds\), got 1000001"),
    (lambda: NoiseSchedule.cosine(10, s=1e300), ValueError,
     r"^`s` must leave every beta_t > 0, got s = 1e\+300 \(beta_1 = 0\); Nichol & Dhariwal \(2021\) use s = 0.008$"),
    # timesteps as tensors
    (lambda: posterior_variance(torch.tensor([1, 2]).to_sparse(), S10), TypeError,
     r"^`t` must be a dense integer tensor, got layout torch.sparse_coo; convert with `t.to_dense\(\)`$"),
    (lambda: posterior_variance(torch.tensor([1], device="meta"), S10), ValueError,
     r"^`t` is on meta but the schedule is on cpu"),
    # shapes
    (lambda: posterior_mean(torch.zeros(3), torch.zeros(4), 1, S10), ValueError,
     r"^`x_0` has shape \(3,\) and `x_t` has shape \(4,\), which do not broadcast together; "
     r"pass tensors of the same shape$"),
    (lambda: forward_jump_mean(X, torch.tensor([1, 2]), S10), ValueError,
     r"^`t` has shape \(2,\) but `x_0` has shape \(4, 2\): a tensor `t` holds one timestep per entry of the leading "
     r"dimensions, so it must have shape \(4,\) \(or be an int\)$"),
    (lambda: posterior_mean(torch.zeros(1), X, torch.tensor([1, 2, 3, 4]), S10), ValueError,
     r"^`t` has shape \(4,\) but `x_t` has shape \(4, 2\): .* every tensor argument needs the same number of "
     r"dimensions, at least 1; expand them first, e.g. `x_0.expand_as\(x_t\)`$"),
    (lambda: numeric.forward_jump_sample(torch.zeros(4), 1, S10, noise=torch.zeros(5)), ValueError,
     r"^`x_0` has shape \(4,\) and `noise` has shape \(5,\), which do not broadcast together"),
    (lambda: numeric.forward_jump_sample(X, 1, S10, noise=torch.zeros(1, 2)), ValueError,
     r"^`noise` must have shape \(4, 2\) \(eps, shaped like x_0\), got \(1, 2\)$"),
    (lambda: numeric.forward_step_sample(X, 1, S10, noise=torch.zeros(2)), ValueError,
     r"^`noise` must have shape \(4, 2\) \(eps, shaped like x_prev\), got \(2,\)$"),
    (lambda: kl_eps_weight(torch.tensor([2, 3]), S10, torch.full((3,), 0.1)), ValueError,
     r"^`t` has shape \(2,\) and `sigma2` has shape \(3,\), which do not broadcast together"),
    (lambda: numeric.denoising_kl(torch.zeros(3), torch.zeros(4), 3, S10, 0.1), ValueError,
     r"^`eps` has shape \(3,\) and `eps_theta` has shape \(4,\), which do not broadcast together"),
    (lambda: gaussian_log_density(torch.zeros(3), torch.zeros(4), 1.0), ValueError,
     r"^`x` has shape \(3,\) and `mean` has shape \(4,\), which do not broadcast together"),
    (lambda: numeric.ancestral_step(X, torch.zeros(4, 1), 2, S10), ValueError,
     r"^`eps_theta` must have shape \(4, 2\) \(the model's noise prediction, shaped like x_t\), got \(4, 1\)$"),
    # dtypes, layouts, devices
    (lambda: NoiseSchedule.linear(10, dtype=torch.float8_e4m3fn), TypeError,
     r"^`dtype` must be one of torch.float64, torch.float32, torch.float16, torch.bfloat16, got torch.float8_e4m3fn; "
     r"float8 types are storage formats without arithmetic in torch"),
    (lambda: NoiseSchedule.linear(10, dtype=torch.float8_e5m2), TypeError, r"got torch.float8_e5m2; float8 types"),
    (lambda: gaussian_log_density(torch.zeros(4).to(torch.float8_e4m3fn), 0.0, 1.0), TypeError,
     r"^`x` must have one of the dtypes torch.float64, torch.float32, torch.float16, torch.bfloat16, got "
     r"torch.float8_e4m3fn, a storage format without arithmetic in torch; convert with `x.to\(torch.float32\)`$"),
    (lambda: forward_jump_mean(torch.zeros(4, dtype=torch.complex64), 1, S10), TypeError,
     r"^`x_0` must be a real floating tensor, got dtype torch.complex64; the formulas are real: pass `x_0.real`"),
    (lambda: forward_jump_mean(torch.zeros(4).to_sparse(), 1, S10), TypeError,
     r"^`x_0` must be a dense tensor, got layout torch.sparse_coo; convert with `x_0.to_dense\(\)`$"),
    (lambda: gaussian_log_density(torch.zeros(4, device="meta"), 0.0, 1.0), ValueError,
     r"^`x` must hold values, got a meta tensor \(a shape without values\); create it on 'cpu' or 'cuda'$"),
    (lambda: NoiseSchedule.linear(10, device="meta"), ValueError, r"^`device` must hold values, got 'meta'"),
    (lambda: NoiseSchedule.linear(10, device=1.5), TypeError,
     r"^`device` must be a str or torch.device such as 'cpu' or 'cuda', got float 1.5$"),
    (lambda: NoiseSchedule.linear(10, device="xla"), ValueError, r"^`device` 'xla' is not available here; "),
    (lambda: NoiseSchedule.linear(10, device="cuda:99"), ValueError, r"^`device` 'cuda:99' is not available here; "),
    (lambda: NoiseSchedule.from_betas(torch.full((3,), 0.1, requires_grad=True)), ValueError,
     r"^`betas` must not require grad: a NoiseSchedule is a constant .*; pass `betas.detach\(\)`$"),
    (lambda: NoiseSchedule.from_betas([0.1], name=3), TypeError,
     r"^`name` must be a str \(a label for reports\), got int 3$"),
    (lambda: gaussian_kl(torch.zeros(2), 1.0, torch.zeros(2, dtype=torch.float64), 1.0), TypeError,
     r"^`mean_2` has dtype torch.float64 but `mean_1` has torch.float32; convert one of them, e.g. "
     r"`mean_2.to\(torch.float32\)`$"),
    (lambda: numeric.discretized_gaussian_log_likelihood(X, X.double(), 0.0), TypeError,
     r"^`delta` has dtype torch.float64 but `x_0` has torch.float32"),
    (lambda: numeric.discretized_gaussian_log_likelihood(torch.full((2,), math.nan), torch.zeros(2), 0.0),
     ValueError, r"^`x_0` contains nan or inf$"),
    (lambda: numeric.discretized_gaussian_log_likelihood(X, X, "small"), TypeError,
     r"^`log_sigma2` must be a torch.Tensor or a real number, got str 'small'$"),
    # sigma2, and the table of a schedule
    (lambda: numeric.denoising_kl(X, X, 3, S10, "big"), TypeError,
     r"^`sigma2` must be the reverse variance sigma_t\^2 as a torch.Tensor or a number, got str 'big'; pass e.g. "
     r"`numeric.reverse_variance\(t, schedule\)`$"),
    (lambda: kl_eps_weight(2, S10, math.inf), ValueError, r"^`sigma2` must be finite \(a variance\), got inf$"),
    (lambda: kl_eps_constant(2, S10, torch.tensor(0.1, dtype=torch.float64)), TypeError,
     r"^`sigma2` has dtype torch.float64 but the schedule uses torch.float32"),
    (lambda: S10.table("nope"), ValueError,
     r"^`name` must be a table of the schedule, got 'nope'; the master tables are beta, alpha, log_alpha, "
     r"log_alpha_bar, alpha_bar, one_minus_alpha_bar; a derived table needs `build`"),
    (lambda: S10.table(3), TypeError, r"^`name` must be the name of a schedule table \(a str such as 'alpha_bar'\)"),
    (lambda: S10.table("nope", 3), TypeError, r"^`build` must be a table builder"),
    (lambda: S10.float64("nope"), ValueError, r"^`name` must be a table of the schedule, got 'nope'; .*once "
                                              r"`table\(name, build\)` has built it$"),
    # the generator, the shape of the samples, the terms of the pathwise steps
    (lambda: numeric.forward_trajectory(X, S10, generator=0), TypeError,
     r"^`generator` must be a torch.Generator or None, got int 0; to seed the draws pass "
     r"`generator=torch.Generator\(\).manual_seed\(0\)`$"),
    (lambda: numeric.ancestral_sample(_zero_model, S10, 5), TypeError,
     r"^`shape` must be a tuple \(B, \*data\) of positive ints, got int 5; for 5 samples of 1-D data pass \(5, 1\)$"),
    (lambda: numeric.ancestral_sample(_zero_model, S10, (4, 0)), ValueError,
     r"^`shape` must be \(B, \*data\) with positive ints, got \(4, 0\)"),
    (lambda: numeric.ancestral_sample(_zero_model, S10, (10**14, 2)), ValueError,
     r"^`shape` \(100000000000000, 2\) needs 4.0 PB \(the state and 4 working copies in torch.float32\), more than "
     r"the device can hold; the limit on cpu is .*; draw fewer samples per call and concatenate$"),
    (lambda: numeric.forward_trajectory(torch.zeros(()).expand(10**10, 10**4), S10), ValueError,
     r"^`x_0` of shape \(10000000000, 10000\) needs 8.4 PB \(the trajectory of T \+ 1 = 11 states and the noise of T "
     r"steps\), more than the device can hold; the limit on cpu is "),
    (lambda: numeric.elbo_kl_form(None), TypeError,
     r"^`terms` must be a numeric.ELBOTerms, got NoneType None; pass the result of numeric.elbo_terms"),
    (lambda: numeric.variational_bound(X, S10, _zero_model, memory_budget=1e9), TypeError,
     r"^`memory_budget` must be a positive int number of bytes, got float 1000000000.0$"),
    (lambda: numeric.variational_bound(X, S10, _zero_model, max_rows="many"), TypeError,
     r"^`max_rows` must be a positive int \(rows per eps_model call\), got str 'many'$"),
])
def test_the_contract_guards(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_the_finite_result_check_says_something_true_for_float64():
    x = torch.tensor([1e300], dtype=torch.float64)
    with pytest.raises(ValueError, match=r"^`gaussian_log_density` overflows torch.float64: the inputs are finite but "
                                         r"the result is not even in the widest dtype; use inputs of moderate size$"):
        gaussian_log_density(x, 0.0, 1e-300)
    with pytest.raises(ValueError, match=r"use dtype=torch.float64 \(a wider range\), or a schedule"):
        numeric.x0_from_eps(torch.ones(2), torch.ones(2), 60, NoiseSchedule.from_betas([0.99] * 60))
    with pytest.raises(ValueError, match=r"^`mean` contains nan; `gaussian_log_density` needs finite inputs$"):
        gaussian_log_density(torch.zeros(2), math.nan, 1.0)          # a Python nan is named too


def test_a_generator_on_another_device_is_refused_by_name():
    from numeric._validation import check_generator
    with pytest.raises(ValueError, match=r"^`generator` is on cpu but the draws are made on cuda:0; create it with "
                                         r"`torch.Generator\(device='cuda:0'\)`$"):
        check_generator(torch.Generator(), torch.device("cuda:0"))
    g = torch.Generator()
    assert check_generator(g, torch.device("cpu")) is g and check_generator(None, torch.device("cpu")) is None


def test_a_memory_budget_whose_chunk_cannot_fit_is_refused(monkeypatch):
    from numeric import _validation
    monkeypatch.setattr(_validation, "memory_limit", lambda device: (4 * 2 * 4 * 6 * 3, "a test limit"))
    with pytest.raises(ValueError, match=r"^`memory_budget` = 1000000 needs 1.9 kB \(10 timesteps at once with "
                                         r"max_rows = 65536\), more than the device can hold; the limit on cpu is "
                                         r"576 bytes \(a test limit\); lower memory_budget$"):
        numeric.variational_bound(X, S10, _zero_model, memory_budget=10**6)
    bound = numeric.variational_bound(X, S10, _zero_model, memory_budget=4 * 2 * 4 * 6 * 3)   # 3 steps a chunk
    assert bound.total.shape == (4,)


def test_the_memory_limit_is_the_devices_memory():
    import os
    from numeric._validation import UNKNOWN_MEMORY, memory_limit
    limit, source = memory_limit(torch.device("cpu"))
    if hasattr(os, "sysconf"):
        assert limit == os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE") and "os.sysconf" in source
    else:
        assert limit == UNKNOWN_MEMORY
    assert memory_limit(torch.device("meta")) is None


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16], ids=["float16", "bfloat16"])
def test_half_precision_keeps_working_and_the_decoder_computes_wider(dtype):
    s = NoiseSchedule.linear(10, dtype=dtype)
    x = torch.linspace(-1, 1, 8, dtype=dtype)[:, None]
    assert posterior_mean(x, x, 3, s).dtype == dtype
    got = numeric.discretized_gaussian_log_likelihood(x, torch.zeros_like(x), torch.tensor(-4.0, dtype=dtype))
    wide = numeric.discretized_gaussian_log_likelihood(x.float(), torch.zeros_like(x.float()), torch.tensor(-4.0))
    assert got.dtype == dtype and torch.allclose(got.float(), wide, rtol=1e-2)
    assert numeric.variational_bound(x, s, _zero_model, decoder="discretized").total.dtype == dtype


def test_tensors_that_require_grad_keep_their_gradient():
    s = NoiseSchedule.linear(10)
    x = torch.ones(4, 2, requires_grad=True)
    numeric.forward_trajectory(x, s, generator=torch.Generator().manual_seed(0)).sum().backward()
    assert x.grad is not None and torch.isfinite(x.grad).all()
    sigma2 = torch.tensor(0.05, requires_grad=True)
    numeric.denoising_kl(torch.ones(3), torch.zeros(3), 4, s, sigma2).sum().backward()
    assert sigma2.grad is not None and torch.isfinite(sigma2.grad)


@pytest.mark.skipif(torch.cuda.is_available(), reason="a CUDA device is available")
def test_a_cuda_schedule_without_cuda_is_refused_at_construction():
    with pytest.raises(ValueError, match=r"^`device` 'cuda' is not available here; torch.cuda.is_available\(\) is "
                                         r"False; use device='cpu'"):
        NoiseSchedule.linear(10, device="cuda")
    with pytest.raises(ValueError, match=r"^`device` 'cuda' is not available here"):
        NoiseSchedule.linear(10).to(device="cuda")


def test_mps_is_refused_where_it_is_missing():
    if torch.backends.mps.is_available():
        pytest.skip("this machine has MPS")
    with pytest.raises(ValueError, match=r"^`device` 'mps' is not available here; "):
        NoiseSchedule.linear(10, device="mps")


@pytest.mark.parametrize("shape", [(4, 2), (3, 1, 2)])
def test_a_scalar_tensor_broadcasts_and_a_tensor_t_indexes_the_rows(shape):
    s = NoiseSchedule.linear(10)
    x = torch.randn(shape)
    t = torch.arange(1, shape[0] + 1)
    rows = torch.stack([posterior_mean(x[i], x[i], int(t[i]), s) for i in range(shape[0])])
    torch.testing.assert_close(posterior_mean(x, x, t, s), rows)
    assert posterior_mean(torch.tensor(1.0), torch.tensor(2.0), t, s).shape == t.shape
