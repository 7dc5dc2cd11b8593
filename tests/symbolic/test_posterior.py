import sympy as sp

from symbolic import posterior
from symbolic import symbols
from symbolic.proof import Status, prove_equal


def test_posterior_is_proved_with_normalising_constants():
    proof = posterior.prove_posterior()
    assert proof.status is Status.PROVED and len(proof.steps) == 3


def test_posterior_mean_with_alpha_bar_t_for_alpha_bar_prev_is_refuted():
    derived_mean, _ = posterior.derived_posterior()
    wrong = (sp.sqrt(symbols.alpha_bar_t) * symbols.beta_t / (1 - symbols.alpha_bar_t) * symbols.x_0
             + sp.sqrt(symbols.alpha_t) * (1 - symbols.alpha_bar_prev) / (1 - symbols.alpha_bar_t) * symbols.x_t)
    assert prove_equal(derived_mean, wrong, "alpha_bar_t for alpha_bar_{t-1}").status is Status.REFUTED


def test_posterior_variance_with_beta_is_refuted():
    _, derived_variance = posterior.derived_posterior()
    assert prove_equal(derived_variance, symbols.beta_t, "beta_t for beta_tilde_t").status is Status.REFUTED


def test_x0_from_eps_and_eps_mean_are_proved():
    assert posterior.prove_x0_from_eps().status is Status.PROVED
    assert posterior.prove_eps_mean().status is Status.PROVED


def test_eps_mean_with_dropped_square_root_is_refuted():
    substituted = posterior.posterior_mean().subs(symbols.x_0, posterior.x0_from_eps())
    wrong = (symbols.x_t - symbols.beta_t / (1 - symbols.alpha_bar_t) * symbols.eps) / sp.sqrt(symbols.alpha_t)
    proof = prove_equal(substituted, wrong, "dropped sqrt")
    assert proof.status is Status.REFUTED and proof.counterexample


def test_interpolation_weights_sum_to_one_only_at_t1():
    proof = posterior.prove_interpolation_weights()
    assert proof.status is Status.PROVED
    w_0, w_t = posterior.interpolation_weights()
    # The lecture's claim "the weights always sum to 1" is false for t >= 2 ...
    assert prove_equal(w_0 + w_t, 1, "weights sum to 1").status is Status.REFUTED
    # ... and true at t = 1 (alpha_bar_0 = 1).
    assert sp.simplify((w_0 + w_t).subs(symbols.alpha_bar_prev, 1)) == 1
