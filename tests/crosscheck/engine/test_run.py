"""Every registry entry holds (crosscheck.engine.run), and wrong math is caught."""

import math
import subprocess
import sys

import pytest
import sympy as sp
import torch

import numeric
from crosscheck.engine.registry import BY_NAME, REGISTRY
from crosscheck.engine.oracles import sequential_vs_jump
from crosscheck.engine.types import Context
from crosscheck.engine.run import run_quantity
from symbolic import posterior
from symbolic import symbols
from symbolic.proof import prove_equal

DESIGN_NAMES = {
    "gaussian_log_density", "gaussian_kl", "standard_normal_kl", "forward_step", "forward_jump",
    "posterior", "x0_from_eps", "eps_mean", "kl_eps_weight", "prior_kl", "score",
    "interpolation_weights", "elbo_factorization", "elbo_separation", "elbo_reindexing", "elbo_bayes",
    "elbo_telescoping", "elbo_kl_form", "elbo_gap",
}


def context(dtype=torch.float64, device="cpu", schedule="linear", T=1000):
    build = numeric.NoiseSchedule.cosine if schedule == "cosine" else numeric.NoiseSchedule.linear
    return Context(build(T, dtype=dtype, device=device), dtype, torch.device(device), seed=0)


def test_every_design_identity_is_in_the_registry():
    assert DESIGN_NAMES <= set(BY_NAME)


@pytest.mark.parametrize("identity", REGISTRY, ids=lambda i: i.name)
@pytest.mark.parametrize("dtype", [torch.float64, torch.float32], ids=["float64", "float32"])
def test_identity_holds(identity, dtype):
    result = run_quantity(identity, context(dtype))
    assert result.ok, result.as_json()
    assert result.symbolic in ("proved", "n.a.")
    assert all(r.points >= 1000 for r in result.numeric)


@pytest.mark.parametrize("identity", REGISTRY, ids=lambda i: i.name)
def test_identity_holds_on_cosine_float32(identity):
    assert run_quantity(identity, context(torch.float32, schedule="cosine")).ok


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")
@pytest.mark.parametrize("identity", REGISTRY, ids=lambda i: i.name)
def test_identity_holds_on_cuda(identity):
    assert run_quantity(identity, context(torch.float32, device="cuda")).ok


# --- wrong math must be caught, with the point where it breaks ---------------------------------

def _eps_mean_dropped_sqrt(x_t, eps, t, schedule):
    s = schedule
    return (x_t - s.beta[t] / s.one_minus_alpha_bar[t] * eps) / s.alpha[t].sqrt()


def _posterior_mean_wrong_alpha_bar(x_0, x_t, t, schedule):
    s = schedule
    w_0 = s.alpha_bar[t].sqrt() * s.beta[t] / s.one_minus_alpha_bar[t]  # alpha_bar_t for alpha_bar_{t-1}
    w_t = s.alpha[t].sqrt() * s.one_minus_alpha_bar[t - 1] / s.one_minus_alpha_bar[t]
    return w_0 * x_0 + w_t * x_t


def _kl_swapped(mean_1, var_1, mean_2, var_2):
    return numeric.gaussian_kl(mean_2, var_2, mean_1, var_1)


@pytest.mark.parametrize("identity, part, wrong", [
    ("eps_mean", "eps_mean", _eps_mean_dropped_sqrt),
    ("posterior", "posterior_mean", _posterior_mean_wrong_alpha_bar),
    ("gaussian_kl", "gaussian_kl", _kl_swapped),
], ids=["eps_mean-dropped-sqrt", "posterior_mean-alpha_bar_t", "gaussian_kl-swapped"])
@pytest.mark.parametrize("dtype", [torch.float64, torch.float32], ids=["float64", "float32"])
def test_wrong_numeric_implementation_is_caught(identity, part, wrong, dtype):
    result = run_quantity(BY_NAME[identity], context(dtype), numeric={part: wrong})
    assert not result.ok
    failed = [r for r in result.numeric if r.name == part][0]
    assert not failed.ok and failed.max_scaled_err > 1e3 * failed.tolerance
    point = failed.counterexample
    assert {"numeric", "reference", "t"} <= set(point) and point["numeric"] != pytest.approx(point["reference"])


def test_wrong_symbolic_claim_is_refuted():
    def wrong_claim():  # the lecture's "interpolation weights sum to 1"
        w_0, w_t = posterior.interpolation_weights()
        return prove_equal(w_0 + w_t, 1, "w_0 + w_t = 1")
    result = run_quantity(BY_NAME["interpolation_weights"], context(), prove=wrong_claim)
    assert not result.ok and result.symbolic == "refuted"
    assert 0 < result.proof.counterexample["alpha_bar_prev"] < 1


def test_undecided_is_not_a_pass():
    def undecidable():
        return prove_equal(sp.sin(symbols.x) ** 2 + sp.cos(symbols.x) ** 2, 1, "outside the reduction")
    result = run_quantity(BY_NAME["gaussian_log_density"], context(), prove=undecidable)
    assert result.symbolic == "undecided" and not result.ok


def test_sampling_check_catches_a_wrong_forward_step(monkeypatch):
    ok = sequential_vs_jump(context())
    assert ok.ok and ok.details["max_abs_z"] <= 4

    def wrong_step(x_prev, t, schedule, noise=None):  # variance alpha_t instead of beta_t
        return numeric.forward_step_mean(x_prev, t, schedule) + schedule.alpha[t].sqrt() * noise
    monkeypatch.setattr(numeric, "forward_step_sample", wrong_step)
    bad = sequential_vs_jump(context())
    assert not bad.ok and bad.details["max_abs_z"] > 10


def test_symbolic_layer_does_not_import_torch():
    code = ("import sys, symbolic.kl, symbolic.posterior, symbolic.score, symbolic.forward, symbolic.elbo; "
            "assert 'torch' not in sys.modules, 'symbolic imported torch'")
    subprocess.run([sys.executable, "-c", code], check=True)


# --- the ELBO chain's numeric checks catch wrong implementations -------------------------------

def test_pathwise_check_catches_a_wrong_step(monkeypatch):
    from numeric import elbo

    def bayes_with_swapped_marginals(terms):
        return (terms.log_prior + terms.log_p_theta[0] - terms.log_q_step[0]
                + (terms.log_p_theta[1:] - terms.log_q_post + terms.log_q_jump[1:] - terms.log_q_jump[:-1]).sum(0))
    monkeypatch.setitem(elbo.STEPS, "elbo_bayes", bayes_with_swapped_marginals)
    result = run_quantity(BY_NAME["elbo_bayes"], context())
    assert not result.ok and result.checks[0].details["max_rel_err"] > 1e-3
    assert run_quantity(BY_NAME["elbo_separation"], context()).ok   # the others still hold


def test_statistical_check_catches_a_wrong_bound(monkeypatch):
    from crosscheck.engine import elbo_checks
    from numeric import elbo
    right = elbo.variational_bound

    def without_the_reconstruction(*args, **kwargs):
        b = right(*args, **kwargs)
        return elbo.VariationalBound(b.prior, 0 * b.reconstruction, b.denoising, b.total - b.reconstruction, b.units)
    monkeypatch.setattr(elbo, "variational_bound", without_the_reconstruction)
    bad = elbo_checks.statistical_check(context())
    assert not bad.ok and bad.details["max_abs_z"] > 10


def test_exact_likelihood_check_catches_a_wrong_kl_weight(monkeypatch):
    from crosscheck.engine import elbo_checks
    assert elbo_checks.exact_likelihood_check(context()).ok
    right = numeric.kl_eps_weight
    monkeypatch.setattr(numeric, "kl_eps_weight", lambda t, s, sigma2: right(t, s, sigma2) * s.alpha[t])  # alpha dropped
    bad = elbo_checks.exact_likelihood_check(context())
    assert not bad.ok and bad.details["max_err"] > 1e-4


def test_discretized_decoder_check_catches_the_floor_of_the_reference_code(monkeypatch):
    from crosscheck.engine import elbo_checks
    from numeric import elbo
    right = elbo.discretized_gaussian_log_likelihood
    monkeypatch.setattr(elbo, "discretized_gaussian_log_likelihood",
                        lambda *a: right(*a).clamp(min=math.log(1e-12)))
    assert not elbo_checks.discretized_decoder_check(context()).ok
