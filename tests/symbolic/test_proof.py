"""The proof engine: proves by exact reduction, refutes with a counterexample, else undecided."""

import sympy as sp

from symbolic import symbols as S
from symbolic.proof import Status, all_of, prove_equal, reduce_to_normal_form


def test_true_identity_with_radicals_is_proved():
    lhs = sp.sqrt(S.alpha_t * S.alpha_bar_prev) * sp.sqrt(1 - S.alpha_bar_t) ** 2
    rhs = sp.sqrt(S.alpha_t) * sp.sqrt(S.alpha_bar_prev) * (1 - S.alpha_t * S.alpha_bar_prev)
    assert prove_equal(lhs, rhs, "radicals").status is Status.PROVED


def test_radical_reduced_modulo_its_square():
    q = sp.sqrt(1 - S.alpha_bar_t)
    assert reduce_to_normal_form(q**3 - q * (1 - S.alpha_t * S.alpha_bar_prev)) == 0


def test_false_identity_is_refuted_with_a_point_inside_the_domain():
    proof = prove_equal(sp.sqrt(S.alpha_t), S.alpha_t, "dropped square root")
    assert proof.status is Status.REFUTED and not proof.ok
    point = proof.counterexample
    assert 0 < point["alpha_t"] < 1 and abs(point["difference"]) > 1e-3


def test_log_splitting_cannot_fake_a_proof():
    # log(a b) = log a + log b holds; adding a constant must be refuted.
    proof = prove_equal(sp.log(S.var_1 * S.var_2), sp.log(S.var_1) + sp.log(S.var_2) + 1, "off by 1")
    assert proof.status is Status.REFUTED


def test_true_but_unreducible_claim_is_undecided_not_proved():
    x = S.x
    proof = prove_equal(sp.sin(x) ** 2 + sp.cos(x) ** 2, 1, "trigonometric, outside the reduction")
    assert proof.status is Status.UNDECIDED and not proof.ok


def test_all_of_is_refuted_by_one_bad_step_and_names_it():
    good = prove_equal(S.alpha_t, S.alpha_t, "good")
    bad = prove_equal(S.alpha_t, 2 * S.alpha_t, "bad step")
    combined = all_of("chain", [good, bad])
    assert combined.status is Status.REFUTED
    assert [f.claim for f in combined.failures()] == ["bad step"]


def test_purely_imaginary_remainder_is_not_a_zero():
    # Regression: the reduction called any purely imaginary constant 0, so "formula + sqrt(-1)"
    # (SymPy's I) or "+ log(-1)" (I*pi) was proved equal to the formula.
    for extra in (sp.I, sp.I * sp.pi, 10 * sp.I):
        assert reduce_to_normal_form(S.alpha_t + extra - S.alpha_t) != 0


def test_logs_are_split_exactly_never_on_a_complex_branch():
    # Regression: expand_log(force=True) wrote log(x^2) = 2 log(x), false for x < 0, and
    # log(-b) - log(b) = i*pi, which then counted as 0.
    assert reduce_to_normal_form(sp.log(S.x_t**2) / 2 - sp.log(S.x_t)) != 0
    assert reduce_to_normal_form(sp.log(S.alpha_t - 1) - sp.log(1 - S.alpha_t)) != 0
    assert reduce_to_normal_form(sp.log(S.x_t**2) / 2 - sp.log(sp.Abs(S.x_t))) == 0
    assert reduce_to_normal_form(sp.log(4 * S.var) - 2 * sp.log(2) - sp.log(S.var)) == 0


def test_related_radicals_are_written_in_the_same_roots():
    # Regression: sqrt(1/alpha_bar_t - 1) and sqrt(1 - alpha_bar_t)/sqrt(alpha_bar_t) were two
    # independent radicals, so x0_from_eps written with the first was undecided.
    alpha_bar_t = S.alpha_t * S.alpha_bar_prev
    assert reduce_to_normal_form(sp.sqrt(1 / alpha_bar_t - 1) - sp.sqrt(1 - alpha_bar_t) / sp.sqrt(alpha_bar_t)) == 0
    assert reduce_to_normal_form(sp.sqrt((1 - alpha_bar_t) / (1 - S.alpha_t)) * sp.sqrt(1 - S.alpha_t)
                                 - sp.sqrt(1 - alpha_bar_t)) == 0
    assert reduce_to_normal_form(sp.sqrt(1 / S.alpha_bar_T - 1) * sp.sqrt(S.alpha_bar_T) - sp.sqrt(1 - S.alpha_bar_T)) == 0


def test_roots_are_split_only_over_factors_proved_positive():
    # sqrt(x y) = sqrt(x) sqrt(y) is false for x, y < 0: it must not reduce to 0
    assert reduce_to_normal_form(sp.sqrt(S.x_t * S.x_0) - sp.sqrt(S.x_t) * sp.sqrt(S.x_0)) != 0
    assert reduce_to_normal_form(sp.sqrt(S.x_t**2 * S.alpha_t) - sp.sqrt(S.alpha_t) * S.x_t) != 0
