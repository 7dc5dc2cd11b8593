"""symbolic.steps: one step of a user's derivation between two probabilistic lines."""

import pytest
import sympy as sp

from symbolic import elbo, steps
from symbolic.formula import FormulaError, parse_derivation as read

DEF = r"\mathbb{E}_{q(x_{1:T}|x_0)}\left[\log\frac{p_\theta(x_{0:T})}{q(x_{1:T}|x_0)}\right]"
FACTORED = (r"\mathbb{E}_q\left[\log p(x_T) + \sum_{t=1}^T \log p_\theta(x_{t-1}|x_t) - "
            r"\sum_{t=1}^T \log q(x_t|x_{t-1})\right]")
SEPARATED = (r"\mathbb{E}_q\left[\log p(x_T) + \log p_\theta(x_0|x_1) + \sum_{t=2}^T \log p_\theta(x_{t-1}|x_t)"
             r" - \sum_{t=1}^T \log q(x_t|x_{t-1})\right]")
ALIGNED = (r"\mathbb{E}_q\left[\log p(x_T) + \log\frac{p_\theta(x_0|x_1)}{q(x_1|x_0)} + \sum_{t=2}^T "
           r"\log\frac{p_\theta(x_{t-1}|x_t)}{q(x_t|x_{t-1})}\right]")
BAYES = (r"\mathbb{E}_q\left[\log p(x_T) + \log\frac{p_\theta(x_0|x_1)}{q(x_1|x_0)} + \sum_{t=2}^T "
         r"\log\frac{p_\theta(x_{t-1}|x_t)}{q(x_{t-1}|x_t,x_0)} + \sum_{t=2}^T\log\frac{q(x_{t-1}|x_0)}{q(x_t|x_0)}\right]")
TELESCOPED = (r"\mathbb{E}_q\left[\log\frac{p(x_T)}{q(x_T|x_0)} + \log p_\theta(x_0|x_1) + \sum_{t=2}^T "
              r"\log\frac{p_\theta(x_{t-1}|x_t)}{q(x_{t-1}|x_t,x_0)}\right]")
THREE = (r"\mathbb{E}_{q(x_1|x_0)}[\log p_\theta(x_0|x_1)] - D_{KL}(q(x_T|x_0)\|p(x_T)) - \sum_{t=2}^T "
         r"\mathbb{E}_{q(x_t|x_0)}[D_{KL}(q(x_{t-1}|x_t,x_0)\|p_\theta(x_{t-1}|x_t))]")


def relate(a, b, relation="="):
    return steps.relate(read(a), read(b), relation)


@pytest.mark.parametrize("before, after, rule", [
    (DEF, FACTORED, "factorisations"),
    (FACTORED, SEPARATED, "boundary term"),
    (SEPARATED, ALIGNED, "log of a product"),
    (ALIGNED, BAYES, "Bayes"),
    (BAYES, TELESCOPED, "telescoping"),
    (TELESCOPED, THREE, "KL's definition"),
    (DEF, THREE, "Bayes"),                      # one big step is allowed when it is true
], ids=["factorisation", "separation", "log-product", "bayes", "telescoping", "kl-form", "big-step"])
def test_each_step_of_problem_1_holds_and_names_its_rule(before, after, rule):
    judged = relate(before, after)
    assert judged.status == steps.HOLDS, judged.reason
    assert rule in judged.rule


def test_another_index_letter_and_order_hold():
    other = (r"\mathbb{E}_q\left[- \sum_{s=1}^T \log q(x_s|x_{s-1}) + \sum_{s=1}^T \log p_\theta(x_{s-1}|x_s)"
             r" + \log p(x_T)\right]")
    assert relate(FACTORED, other).ok


@pytest.mark.parametrize("after, words", [
    # the boundary term log p_theta(x_0|x_1) lost when the sum starts at 2
    (r"\mathbb{E}_q\left[\log p(x_T) + \sum_{t=2}^T \log p_\theta(x_{t-1}|x_t) - \sum_{t=1}^T \log q(x_t|x_{t-1})\right]",
     "p_theta(x_0|x_1)) was dropped"),
    # the sign of the forward sum flipped
    (r"\mathbb{E}_q\left[\log p(x_T) + \sum_{t=1}^T \log p_\theta(x_{t-1}|x_t) + \sum_{t=1}^T \log q(x_t|x_{t-1})\right]",
     "appear"),
])
def test_a_wrong_step_names_the_terms_that_do_not_cancel(after, words):
    judged = relate(FACTORED, after)
    assert judged.status == steps.DIFFERS
    assert words in judged.reason


def test_bayes_at_t_equal_1_is_refused_with_the_side_condition():
    wrong = (r"\mathbb{E}_q\left[\log p(x_T) + \sum_{t=1}^T \log\frac{p_\theta(x_{t-1}|x_t)}{q(x_{t-1}|x_t,x_0)}"
             r" + \sum_{t=1}^T\log\frac{q(x_{t-1}|x_0)}{q(x_t|x_0)}\right]")
    judged = relate(FACTORED, wrong)
    assert judged.status == steps.DIFFERS
    assert "defined for t >= 2" in judged.reason


def test_limits_not_shifted_with_the_index_are_caught():
    shifted_body_only = (r"\mathbb{E}_q\left[\log p(x_T) + \log p_\theta(x_0|x_1) + \sum_{t=2}^T \log p_\theta(x_{t-1}|x_t)"
                         r" - \log q(x_T|x_{T-1}) - \sum_{t=1}^{T-1} \log q(x_{t-1}|x_{t-2})\right]")
    judged = relate(SEPARATED, shifted_body_only)
    assert judged.status == steps.DIFFERS
    assert "does not exist" in judged.reason or "T = " in judged.reason


def test_a_wrong_expectation_subscript_is_caught():
    wrong = (r"\mathbb{E}_{q(x_T|x_0)}[\log p_\theta(x_0|x_1)] - D_{KL}(q(x_T|x_0)\|p(x_T)) - \sum_{t=2}^T "
             r"\mathbb{E}_{q(x_t|x_0)}[D_{KL}(q(x_{t-1}|x_t,x_0)\|p_\theta(x_{t-1}|x_t))]")
    judged = relate(TELESCOPED, wrong)
    assert judged.status == steps.DIFFERS
    assert "subscript integrates x_T only" in judged.reason


def test_a_kl_with_swapped_arguments_differs():
    swapped = THREE.replace(r"D_{KL}(q(x_{t-1}|x_t,x_0)\|p_\theta(x_{t-1}|x_t))",
                            r"D_{KL}(p_\theta(x_{t-1}|x_t)\|q(x_{t-1}|x_t,x_0))")
    assert relate(TELESCOPED, swapped).status == steps.DIFFERS


JENSEN_TOP = r"\log \mathbb{E}_{q(x_{1:T}|x_0)}\left[\frac{p_\theta(x_{0:T})}{q(x_{1:T}|x_0)}\right]"


def test_jensen_gives_the_bound_in_one_direction_only():
    assert relate(JENSEN_TOP, DEF, ">=").ok
    assert "Jensen" in relate(JENSEN_TOP, DEF, ">=").rule
    assert relate(DEF, JENSEN_TOP, "<=").ok
    wrong_way = relate(JENSEN_TOP, DEF, "<=")
    assert wrong_way.status == steps.DIFFERS and "other way round" in wrong_way.reason
    assert relate(r"\log p_\theta(x_0)", JENSEN_TOP).ok           # the marginal likelihood
    assert relate(r"\log p_\theta(x_0)", THREE, ">=").ok          # log p(x_0) >= ELBO, in one step


def test_an_inequality_that_is_an_equality_holds():
    assert relate(FACTORED, SEPARATED, ">=").ok


def test_kl_nonnegativity_gives_a_bound_and_only_with_the_right_sign():
    gap = r"\mathbb{E}_{q(z|x)}[\log p(x|z)] - D_{KL}(q(z|x)\|p(z)) + D_{KL}(q(z|x)\|p(z|x))"
    elbo_ = r"\mathbb{E}_{q(z|x)}[\log p(x|z)] - D_{KL}(q(z|x)\|p(z))"
    assert relate(r"\log p(x)", gap).ok
    assert relate(gap, elbo_, ">=").ok and "KL >= 0" in relate(gap, elbo_, ">=").rule
    assert relate(gap, elbo_, "<=").status == steps.DIFFERS
    minus = r"\mathbb{E}_{q(z|x)}[\log p(x|z)] - D_{KL}(q(z|x)\|p(z)) - D_{KL}(q(z|x)\|p(z|x))"
    assert relate(minus, elbo_, ">=").status == steps.DIFFERS


def test_the_single_latent_elbo_and_its_product_rule():
    ratio = r"\mathbb{E}_{q(z|x)}\left[\log\frac{p(x,z)}{q(z|x)}\right]"
    assert relate(r"\log p(x)", r"\log\mathbb{E}_{q(z|x)}\left[\frac{p(x,z)}{q(z|x)}\right]").ok
    assert relate(r"\log\mathbb{E}_{q(z|x)}\left[\frac{p(x,z)}{q(z|x)}\right]", ratio, ">=").ok
    assert relate(ratio, r"\mathbb{E}_{q(z|x)}[\log p(x|z)] - D_{KL}(q(z|x)\|p(z))").ok
    wrong = relate(ratio, r"\mathbb{E}_{q(z|x)}[\log p(x|z)] + D_{KL}(q(z|x)\|p(z))")
    assert wrong.status == steps.DIFFERS and "dropped" in wrong.reason


def test_a_random_term_outside_every_expectation_is_caught():
    judged = relate(r"\mathbb{E}_{q(z|x)}[\log p(x|z)]", r"\log p(x|z)")
    assert judged.status == steps.DIFFERS and "outside any expectation" in judged.reason


def test_lines_of_two_models_do_not_compare():
    assert relate(r"\log p(x)", r"\log p_\theta(x_0)").status == steps.DIFFERS
    with pytest.raises(ValueError, match="mixes"):
        steps.family(read(r"\log p(x) + \log p_\theta(x_0)"))


@pytest.mark.parametrize("text", [r"q(x_0|x_1)", r"p_\theta(x_t|x_{t-1})", r"q(x_t|x_{t-2})", r"p(x_t)",
                                  r"q(x_{t-1}|x_t,x_1)", r"q(x|z)", r"p(z|x,z)"])
def test_densities_outside_the_model_are_refused_not_guessed(text):
    with pytest.raises(FormulaError):
        read(r"\log " + text)


def test_relate_refuses_an_unknown_relation():
    with pytest.raises(ValueError, match="unknown relation"):
        steps.relate(sp.Integer(0), sp.Integer(0), "~")


def test_evidence_is_a_density_of_no_latent():
    assert steps.Evidence(0).variables() == frozenset()
    assert elbo.domain_problems(sp.log(steps.Evidence(0))) == []
