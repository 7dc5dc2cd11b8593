"""The vectorized variational bound, the discretized decoder and the pathwise step values."""

import math

import mpmath
import pytest
import torch

from numeric import (NoiseSchedule, discretized_gaussian_log_likelihood, elbo_factorization, elbo_terms,
                     eps_mean, forward_jump_sample, forward_trajectory, gaussian_kl, gaussian_log_density,
                     posterior_mean, posterior_variance, prior_kl, reverse_variance, variational_bound)
from numeric.elbo import STEPS, VARIANCES


def schedule(T=50, dtype=torch.float64, device="cpu", kind="linear"):
    build = NoiseSchedule.cosine if kind == "cosine" else NoiseSchedule.linear
    return NoiseSchedule.to(build(T), dtype=dtype, device=device)


def affine_model(s, seed=0):
    g = torch.Generator().manual_seed(seed)
    a = (0.5 * torch.rand(s.T + 1, generator=g, dtype=torch.float64)).to(s.dtype).to(s.device)
    b = (0.1 * torch.randn(s.T + 1, generator=g, dtype=torch.float64)).to(s.dtype).to(s.device)

    def model(x_t, t):
        shape = (-1,) + (1,) * (x_t.ndim - 1)
        return a[t].reshape(shape) * x_t + b[t].reshape(shape)
    return model


def loop_bound(x_0, s, model, noise, variance="posterior"):
    """A per-timestep loop computing each term from the means, as reference code does."""
    T, terms = s.T, []
    for t in range(2, T + 1):
        x_t = forward_jump_sample(x_0, t, s, noise=noise[t - 1])
        eps_theta = model(x_t, torch.full((x_0.shape[0],), t))
        kl = gaussian_kl(posterior_mean(x_0, x_t, t, s), posterior_variance(t, s),
                           eps_mean(x_t, eps_theta, t, s), reverse_variance(t, s, variance))
        terms.append(kl.flatten(1).sum(1))
    x_1 = forward_jump_sample(x_0, 1, s, noise=noise[0])
    mu = eps_mean(x_1, model(x_1, torch.ones(x_0.shape[0], dtype=torch.long)), 1, s)
    nll = -gaussian_log_density(x_0, mu, reverse_variance(1, s, variance)).flatten(1).sum(1)
    return torch.stack(terms, 1), nll


@pytest.mark.parametrize("variance", VARIANCES)
def test_variational_bound_equals_a_per_timestep_loop(dtype, device, variance):
    s = schedule(dtype=dtype, device=device)
    g = torch.Generator(device=device).manual_seed(0)
    x_0 = torch.rand(8, 2, 3, generator=g, dtype=dtype, device=device) * 2 - 1
    noise = torch.randn(s.T, *x_0.shape, generator=g, dtype=dtype, device=device)
    model = affine_model(s)
    bound = variational_bound(x_0, s, model, noise, variance=variance)
    denoising, nll = loop_bound(x_0, s, model, noise, variance)
    rtol = 1e-10 if dtype == torch.float64 else 2e-4
    torch.testing.assert_close(bound.denoising, denoising, rtol=rtol, atol=rtol)
    torch.testing.assert_close(bound.reconstruction, nll, rtol=rtol, atol=rtol * 100)
    torch.testing.assert_close(bound.prior, prior_kl(x_0, s).flatten(1).sum(1))
    assert bound.denoising.shape == (8, s.T - 1) and bound.total.shape == (8,)
    torch.testing.assert_close(bound.total, bound.prior + bound.reconstruction + bound.denoising.sum(1))


def test_variational_bound_chunking_does_not_change_the_result():
    s = schedule(T=40)
    x_0 = torch.randn(5, 3, dtype=torch.float64)
    noise = torch.randn(40, 5, 3, dtype=torch.float64)
    whole = variational_bound(x_0, s, affine_model(s), noise)
    tiny = variational_bound(x_0, s, affine_model(s), noise, memory_budget=1)  # one t per chunk
    odd = variational_bound(x_0, s, affine_model(s), noise, memory_budget=7 * 5 * 3 * 8 * 6)
    for other in (tiny, odd):
        torch.testing.assert_close(other.total, whole.total, rtol=1e-14, atol=0)


def test_variational_bound_gives_the_model_paper_timesteps_in_chunks():
    s = schedule(T=30)
    seen = []

    def model(x_t, t):
        seen.append(t.clone())
        return torch.zeros_like(x_t)
    variational_bound(torch.zeros(4, 2, dtype=torch.float64), s, model, memory_budget=4 * 2 * 8 * 6 * 7)
    steps = torch.cat(seen)
    assert len(seen) == 5 and steps.min() == 1 and steps.max() == 30   # chunks of 7, 7, 7, 7, 2
    assert torch.equal(steps.unique(), torch.arange(1, 31)) and (steps.bincount()[1:] == 4).all()


def test_variational_bound_of_a_perfect_model_has_zero_denoising_terms_with_the_posterior_variance():
    s = schedule(T=100)
    x_0 = torch.rand(6, 4, dtype=torch.float64) * 2 - 1

    def oracle(x_t, t):  # knows x_0, so it recovers eps exactly
        t = t.reshape(6 * (x_t.shape[0] // 6), 1)
        return (x_t - s.alpha_bar[t].sqrt() * x_0.repeat(x_t.shape[0] // 6, 1)) / s.one_minus_alpha_bar[t].sqrt()
    bound = variational_bound(x_0, s, oracle)
    assert bound.denoising.abs().max() < 1e-9
    beta_bound = variational_bound(x_0, s, oracle, variance="beta")
    assert (beta_bound.denoising > 0).all()   # C_t > 0 when sigma_t^2 != beta_tilde_t


def test_variational_bound_bits_are_nats_over_ln2_times_dimensions():
    s = schedule()
    x_0 = torch.rand(3, 2, 2, dtype=torch.float64) * 2 - 1
    noise = torch.randn(s.T, 3, 2, 2, dtype=torch.float64)
    nats = variational_bound(x_0, s, affine_model(s), noise, decoder="discretized")
    bits = variational_bound(x_0, s, affine_model(s), noise, decoder="discretized", units="bits")
    torch.testing.assert_close(bits.total, nats.total / (math.log(2) * 4))
    assert bits.units == "bits"


def test_variational_bound_draws_noise_reproducibly_with_a_generator():
    s = schedule()
    x_0 = torch.randn(4, 2, dtype=torch.float64)
    a = variational_bound(x_0, s, affine_model(s), generator=torch.Generator().manual_seed(3))
    b = variational_bound(x_0, s, affine_model(s), generator=torch.Generator().manual_seed(3))
    assert torch.equal(a.total, b.total)


def test_discretized_gaussian_log_likelihood_sums_to_one_over_the_bins(dtype):
    bins = torch.linspace(-1, 1, 256, dtype=dtype)
    for mean, std in ((0.3, 0.05), (-0.999, 0.2), (1.0, 1e-3), (0.0, 3.0)):
        log_p = discretized_gaussian_log_likelihood(bins, bins - mean, torch.tensor(2 * math.log(std), dtype=dtype))
        assert log_p.exp().sum().item() == pytest.approx(1.0, abs=1e-12 if dtype == torch.float64 else 1e-5)


def test_discretized_gaussian_log_likelihood_far_tails_are_exact_not_floored():
    x = torch.tensor([0.0, 1.0, -1.0], dtype=torch.float64)
    delta = torch.tensor([0.5, 0.5, -0.5], dtype=torch.float64)   # 50 standard deviations away
    got = discretized_gaussian_log_likelihood(x, delta, torch.tensor(2 * math.log(0.01), dtype=torch.float64))
    with mpmath.workdps(60):
        interior = mpmath.log(mpmath.ncdf(-(0.5 - 1 / mpmath.mpf(255)) / mpmath.mpf("0.01"))
                              - mpmath.ncdf(-(0.5 + 1 / mpmath.mpf(255)) / mpmath.mpf("0.01")))
        edge = mpmath.log(mpmath.ncdf(-(0.5 - 1 / mpmath.mpf(255)) / mpmath.mpf("0.01")))
    assert got[0].item() == pytest.approx(float(interior), rel=1e-10)
    assert got[1].item() == pytest.approx(float(edge), rel=1e-10)
    assert got[2].item() == pytest.approx(float(edge), rel=1e-10)
    assert got.max() < -1000   # the reference code's floor would say -27.6


def test_reverse_variance_conventions():
    s = schedule(T=10)
    t = torch.arange(1, 11)
    posterior = reverse_variance(t, s, "posterior")
    assert posterior[0] == posterior_variance(2, s)
    torch.testing.assert_close(posterior[1:], posterior_variance(t[1:], s))
    torch.testing.assert_close(reverse_variance(t, s, "beta"), s.beta[1:])
    with pytest.raises(ValueError, match=r"`variance='posterior'` needs T >= 2.*use `variance='beta'`"):
        reverse_variance(1, schedule(T=1), "posterior")


@pytest.mark.parametrize("kind", ["linear", "cosine"])
def test_elbo_terms_pathwise_steps_agree_on_every_trajectory(dtype, device, kind):
    s = schedule(T=200, dtype=dtype, device=device, kind=kind)
    g = torch.Generator(device=device).manual_seed(1)
    x_0 = torch.randn(500, 2, generator=g, dtype=dtype, device=device) * 0.5
    terms = elbo_terms(forward_trajectory(x_0, s, generator=g), s, affine_model(s))
    values = {name: f(terms) for name, f in STEPS.items()}
    scale = terms.log_p_theta.abs().sum(0) + terms.log_q_step.abs().sum(0) + terms.log_q_jump.abs().sum(0)
    tol = 1e-13 if dtype == torch.float64 else 1e-5
    for name in ("elbo_separation", "elbo_reindexing", "elbo_bayes", "elbo_telescoping"):
        assert ((values[name] - values["elbo_factorization"]).abs() / scale).max() < tol, name
    # the KL form is equal only in expectation: per trajectory it differs
    assert ((values["elbo_kl_form"] - values["elbo_factorization"]).abs() / scale).max() > 1e-3


def test_elbo_bayes_wrong_step_is_visible_pathwise():
    s = schedule(T=50)
    x_0 = torch.randn(200, 1, dtype=torch.float64)
    terms = elbo_terms(forward_trajectory(x_0, s), s, affine_model(s))
    wrong = (terms.log_prior + terms.log_p_theta[0] - terms.log_q_step[0]     # marginals swapped
             + (terms.log_p_theta[1:] - terms.log_q_post + terms.log_q_jump[1:] - terms.log_q_jump[:-1]).sum(0))
    assert (wrong - elbo_factorization(terms)).abs().max() > 1.0


# --- bad input ----------------------------------------------------------------------------------

def _bound(**kwargs):
    s = kwargs.pop("schedule", schedule(T=10))
    x_0 = kwargs.pop("x_0", torch.zeros(4, 2, dtype=torch.float64))
    model = kwargs.pop("model", lambda x, t: torch.zeros_like(x))
    return variational_bound(x_0, s, model, **kwargs)


@pytest.mark.parametrize("kwargs, error, match", [
    ({"noise": torch.zeros(9, 4, 2, dtype=torch.float64)}, ValueError,
     r"`noise` must have shape \(10, 4, 2\) \(the eps used at t = 1..T\), got \(9, 4, 2\)"),
    ({"model": lambda x, t: torch.zeros(x.shape[0], 3, dtype=x.dtype)}, ValueError,
     r"`eps_model` returned shape \(40, 3\) for x_t of shape \(40, 2\); it must return"),
    ({"model": lambda x, t: torch.where(t[:, None] == 7, torch.nan, 0.0) * torch.ones_like(x)}, ValueError,
     r"`eps_model` returned non-finite values \(nan or inf\) at t = 7"),
    ({"model": lambda x, t: x.float()}, TypeError, r"`eps_model` returned torch.float32"),
    ({"model": lambda x, t: 0.0}, TypeError, r"`eps_model` must return a torch.Tensor, got float"),
    ({"model": "unet"}, TypeError, r"`eps_model` must be callable"),
    ({"x_0": torch.full((2, 2), 1.5, dtype=torch.float64), "decoder": "discretized"}, ValueError,
     r"`decoder='discretized'` needs data in \[-1, 1\].*got \|x_0\| up to 1.5"),
    ({"variance": "learned"}, ValueError, r"`variance` must be one of 'posterior', 'beta', got 'learned'"),
    ({"decoder": "logistic"}, ValueError, r"`decoder` must be one of 'gaussian', 'discretized', got 'logistic'"),
    ({"units": "bpd"}, ValueError, r"`units` must be one of 'nats', 'bits', got 'bpd'"),
    ({"memory_budget": 0}, ValueError, r"`memory_budget` must be a positive number of bytes, got 0"),
    ({"x_0": torch.full((2, 2), math.nan, dtype=torch.float64)}, ValueError, r"`x_0` contains nan or inf"),
    ({"x_0": torch.zeros(2, 2)}, TypeError, r"`x_0` has dtype torch.float32 but the schedule uses torch.float64"),
    ({"x_0": torch.zeros(4, dtype=torch.float64)}, ValueError,
     r"`x_0` must have shape \(B, \*data\) with B >= 1 and at least one data dimension, got \(4,\); "
     r"for scalar data pass `x_0\[:, None\]`"),
])
def test_variational_bound_bad_input_gets_a_clear_error(kwargs, error, match):
    with pytest.raises(error, match=match):
        _bound(**kwargs)


def test_elbo_terms_wrong_trajectory_length_is_a_clear_error():
    s = schedule(T=10)
    with pytest.raises(ValueError, match=r"`trajectory` must have shape \(T\+1, B, \*data\) = \(11, B, ...\).*got \(10, 4, 1\)"):
        elbo_terms(torch.zeros(10, 4, 1, dtype=torch.float64), s, lambda x, t: x)
    with pytest.raises(ValueError, match=r"at least one data dimension, got \(11, 4\)"):
        elbo_terms(torch.zeros(11, 4, dtype=torch.float64), s, lambda x, t: x)


def test_variational_bound_T_1_with_beta_variance_has_no_denoising_terms():
    s = schedule(T=1)
    bound = variational_bound(torch.zeros(3, 2, dtype=torch.float64), s, lambda x, t: torch.zeros_like(x),
                                variance="beta")
    assert bound.denoising.shape == (3, 0)
    torch.testing.assert_close(bound.total, bound.prior + bound.reconstruction)
