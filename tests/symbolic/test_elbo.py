"""The ELBO chain: every step proved for symbolic T and for T = 1..10; wrong steps refused."""

import pytest
import sympy as sp

from symbolic import elbo
from symbolic.elbo import E, KL, T, p_prior, p_theta, q_joint, q_jump, q_post, q_step, t
from symbolic.proof import Status


def lp(i):
    return sp.log(p_theta(i))


def lq(i):
    return sp.log(q_step(i))


def lj(i):
    return sp.log(q_jump(i))


def lpost(i):
    return sp.log(q_post(i))


def full(g):
    return E(g, q_joint(T))


def summed(body, low, high=T):
    return sp.Sum(body, (t, low, high))


PRIOR, DECODER = sp.log(p_prior(T)), lp(1)


def test_the_chain_has_the_issue_steps_in_order():
    assert elbo.STEP_NAMES == ("elbo_factorization", "elbo_separation", "elbo_reindexing", "elbo_bayes",
                            "elbo_telescoping", "elbo_kl_form")
    steps = elbo.derivation()
    assert steps[0].lhs == elbo.ELBO_DEFINITION()
    for previous, step in zip(steps, steps[1:]):
        assert step.lhs == previous.rhs
        assert len(step.notes) == len(step.lines) - 1 and step.rule and step.conditions


@pytest.mark.parametrize("name", elbo.STEP_NAMES)
def test_every_step_is_proved_for_symbolic_T_and_for_T_1_to_10(name):
    proof = elbo.prove_derivation_step(name)
    assert proof.status is Status.PROVED, [f.residual for f in proof.failures()]
    methods = " ".join(leaf.method for transition in proof.steps[1].steps for leaf in transition.steps)
    assert "every T >= 1" in methods and "T = 1..10" in methods


def test_the_last_step_is_the_three_forces_form():
    rhs = elbo.derivation()[-1].rhs
    assert rhs == (E(DECODER, q_jump(1)) - KL(q_jump(T), p_prior(T))
                   - summed(E(KL(q_post(t), p_theta(t)), q_jump(t)), 2))


def _refuted(lhs, rhs, rules=()):
    proof = elbo.prove_lines(lhs, rhs, rules, "wrong step")
    assert proof.status is Status.REFUTED
    symbolic_T, concrete_T = proof.steps
    assert symbolic_T.status is Status.REFUTED and concrete_T.status is Status.REFUTED
    return symbolic_T.residual, concrete_T.residual


def test_a_dropped_boundary_term_is_refused_and_named():
    separated_without_decoder = full(PRIOR + summed(lp(t), 2) - summed(lq(t), 1))
    symbolic, concrete = _refuted(elbo.step("elbo_separation").lhs, separated_without_decoder)
    assert symbolic == "lhs - rhs = log(p_theta(x_0|x_1))"
    assert concrete.startswith("T = 1: lhs - rhs = log(p_theta(x_0|x_1))")


def test_limits_left_unchanged_after_an_index_shift_are_refused():
    before = full(PRIOR + DECODER + summed(lp(t), 2) - lq(T) - summed(lq(t), 1, T - 1))
    shifted_keeping_limits = full(PRIOR + DECODER + summed(lp(t), 2) - lq(T) - summed(lq(t - 1), 1, T - 1))
    symbolic, concrete = _refuted(before, shifted_keeping_limits)
    assert "q(x_0|x_{-1})" in symbolic and "does not exist" in symbolic
    assert "T = 2: lhs - rhs = -log(q(x_1|x_0)) + log(q(x_0|x_{-1}))" in concrete


def test_bayes_applied_at_t_1_is_refused():
    aligned_from_1 = full(PRIOR + summed(lp(t) - lq(t), 1))
    bayes_from_1 = full(PRIOR + summed(lp(t) - lpost(t) - lj(t) + lj(t - 1), 1))
    symbolic, concrete = _refuted(aligned_from_1, bayes_from_1, ("bayes",))
    assert "q(x_0|x_1,x_0) (its t = 1 term), which does not exist" in symbolic
    assert "log(q(x_0|x_1,x_0))" in concrete


def test_bayes_is_not_applied_where_the_step_does_not_cite_it():
    step = elbo.step("elbo_bayes")
    proof = elbo.prove_lines(step.lhs, step.rhs, (), "Bayes without the rule")
    assert proof.status is Status.REFUTED


def test_telescoping_with_the_wrong_end_terms_is_refused():
    symbolic, concrete = _refuted(full(summed(lj(t - 1) - lj(t), 2)), full(lj(2) - lj(T)))
    assert symbolic == "lhs - rhs = log(q(x_1|x_0)) - log(q(x_2|x_0))"
    wrong_sign = _refuted(full(summed(lj(t - 1) - lj(t), 2)), full(lj(T) - lj(1)))[0]
    assert "log(q(x_1|x_0))" in wrong_sign and "log(q(x_T|x_0))" in wrong_sign


def test_a_wrong_expectation_subscript_is_refused():
    lhs = elbo.step("elbo_kl_form").lhs
    wrong_decoder = (E(DECODER, q_jump(2)) - KL(q_jump(T), p_prior(T))
                     - summed(E(KL(q_post(t), p_theta(t)), q_jump(t)), 2))
    symbolic, _ = _refuted(lhs, wrong_decoder)
    assert "integrates x_2 only, but the term depends on x_1" in symbolic
    wrong_outer = (E(DECODER, q_jump(1)) - KL(q_jump(T), p_prior(T))
                   - summed(E(KL(q_post(t), p_theta(t)), q_jump(t - 1)), 2))
    assert "outer expectation must be over q(x_t|x_0)" in _refuted(lhs, wrong_outer)[0]
    bare = E(DECODER, q_jump(1)) - KL(q_jump(T), p_prior(T)) - summed(KL(q_post(t), p_theta(t)), 2)
    assert "needs an outer expectation over q(x_t|x_0)" in _refuted(lhs, bare)[0]


def test_a_kl_with_swapped_arguments_is_refused():
    lhs = elbo.step("elbo_kl_form").lhs
    swapped = (E(DECODER, q_jump(1)) - KL(p_prior(T), q_jump(T))
               - summed(E(KL(q_post(t), p_theta(t)), q_jump(t)), 2))
    assert elbo.prove_lines(lhs, swapped).status is Status.REFUTED


def test_a_sum_that_runs_backwards_at_T_1_is_refused():
    symbolic, concrete = _refuted(full(summed(lp(t), 2)), full(summed(lp(t), 2, T - 1) + lp(T)))
    assert "at T = 1 the limits run backwards" in symbolic
    assert concrete == "T = 1: lhs - rhs = -log(p_theta(x_0|x_1))"  # ordinary, not Karr, sums


def test_a_term_outside_the_normal_form_is_undecided_not_proved():
    # true (split off the t = 1 term) but t * log(...) is outside the normal form's class
    proof = elbo.prove_lines(full(summed(t * lp(t), 1)), full(summed(t * lp(t), 2) + lp(1)))
    symbolic_T = proof.steps[0]
    assert symbolic_T.status is Status.UNDECIDED and not proof.ok


def test_unknown_step_name_is_a_clear_error():
    with pytest.raises(ValueError, match="unknown derivation step 'elbo_magic'; steps: elbo_factorization"):
        elbo.step("elbo_magic")


def test_elbo_gap_is_proved_in_general_and_in_the_linear_gaussian_model():
    proof = elbo.prove_elbo_gap()
    assert proof.status is Status.PROVED and len(proof.steps) == 5


def test_elbo_gap_with_the_kl_subtracted_is_refuted():
    from symbolic.proof import prove_equal
    proof = prove_equal(elbo.linear_gaussian_log_evidence(), elbo.linear_gaussian_elbo() - elbo.linear_gaussian_gap(),
                        "log p(x) = ELBO - KL")
    assert proof.status is Status.REFUTED and proof.counterexample
