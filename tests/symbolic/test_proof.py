"""The proof engine: proves by exact reduction, refutes with a counterexample, else undecided."""

import sympy as sp

from symbolic import symbols
from symbolic.proof import Status, all_of, prove_equal, reduce_to_normal_form


def test_true_identity_with_radicals_is_proved():
    lhs = sp.sqrt(symbols.alpha_t * symbols.alpha_bar_prev) * sp.sqrt(1 - symbols.alpha_bar_t) ** 2
    rhs = sp.sqrt(symbols.alpha_t) * sp.sqrt(symbols.alpha_bar_prev) * (1 - symbols.alpha_t * symbols.alpha_bar_prev)
    assert prove_equal(lhs, rhs, "radicals").status is Status.PROVED


def test_radical_reduced_modulo_its_square():
    q = sp.sqrt(1 - symbols.alpha_bar_t)
    assert reduce_to_normal_form(q**3 - q * (1 - symbols.alpha_t * symbols.alpha_bar_prev)) == 0


def test_false_identity_is_refuted_with_a_point_inside_the_domain():
    proof = prove_equal(sp.sqrt(symbols.alpha_t), symbols.alpha_t, "dropped square root")
    assert proof.status is Status.REFUTED and not proof.ok
    point = proof.counterexample
    assert 0 < point["alpha_t"] < 1 and abs(point["difference"]) > 1e-3


def test_log_splitting_cannot_fake_a_proof():
    # log(a b) = log a + log b holds; adding a constant must be refuted.
    v1, v2 = symbols.var_1, symbols.var_2
    proof = prove_equal(sp.log(v1 * v2), sp.log(v1) + sp.log(v2) + 1, "off by 1")
    assert proof.status is Status.REFUTED


def test_true_but_unreducible_claim_is_undecided_not_proved():
    x = symbols.x
    proof = prove_equal(sp.sin(x) ** 2 + sp.cos(x) ** 2, 1, "trigonometric, outside the reduction")
    assert proof.status is Status.UNDECIDED and not proof.ok


def test_all_of_is_refuted_by_one_bad_step_and_names_it():
    good = prove_equal(symbols.alpha_t, symbols.alpha_t, "good")
    bad = prove_equal(symbols.alpha_t, 2 * symbols.alpha_t, "bad step")
    combined = all_of("chain", [good, bad])
    assert combined.status is Status.REFUTED
    assert [f.claim for f in combined.failures()] == ["bad step"]


def test_purely_imaginary_remainder_is_not_a_zero():
    # Regression: the reduction called any purely imaginary constant 0, so "formula + sqrt(-1)"
    # (SymPy's I) or "+ log(-1)" (I*pi) was proved equal to the formula.
    for extra in (sp.I, sp.I * sp.pi, 10 * sp.I):
        assert reduce_to_normal_form(symbols.alpha_t + extra - symbols.alpha_t) != 0


def test_logs_are_split_exactly_never_on_a_complex_branch():
    # Regression: expand_log(force=True) wrote log(x^2) = 2 log(x), false for x < 0, and
    # log(-b) - log(b) = i*pi, which then counted as 0.
    assert reduce_to_normal_form(sp.log(symbols.x_t**2) / 2 - sp.log(symbols.x_t)) != 0
    assert reduce_to_normal_form(sp.log(symbols.alpha_t - 1) - sp.log(1 - symbols.alpha_t)) != 0
    assert reduce_to_normal_form(sp.log(symbols.x_t**2) / 2 - sp.log(sp.Abs(symbols.x_t))) == 0
    assert reduce_to_normal_form(sp.log(4 * symbols.var) - 2 * sp.log(2) - sp.log(symbols.var)) == 0


def test_related_radicals_are_written_in_the_same_roots():
    # Regression: sqrt(1/alpha_bar_t - 1) and sqrt(1 - alpha_bar_t)/sqrt(alpha_bar_t) were two
    # independent radicals, so x0_from_eps written with the first was undecided.
    alpha_bar_t = symbols.alpha_t * symbols.alpha_bar_prev
    assert reduce_to_normal_form(sp.sqrt(1 / alpha_bar_t - 1) - sp.sqrt(1 - alpha_bar_t) / sp.sqrt(alpha_bar_t)) == 0
    assert reduce_to_normal_form(sp.sqrt((1 - alpha_bar_t) / (1 - symbols.alpha_t)) * sp.sqrt(1 - symbols.alpha_t)
                                 - sp.sqrt(1 - alpha_bar_t)) == 0
    ab_T = symbols.alpha_bar_T
    assert reduce_to_normal_form(sp.sqrt(1 / ab_T - 1) * sp.sqrt(ab_T) - sp.sqrt(1 - ab_T)) == 0


def test_roots_are_split_only_over_factors_proved_positive():
    # sqrt(x y) = sqrt(x) sqrt(y) is false for x, y < 0: it must not reduce to 0
    assert reduce_to_normal_form(sp.sqrt(symbols.x_t * symbols.x_0) - sp.sqrt(symbols.x_t) * sp.sqrt(symbols.x_0)) != 0
    assert reduce_to_normal_form(sp.sqrt(symbols.x_t**2 * symbols.alpha_t)
                                 - sp.sqrt(symbols.alpha_t) * symbols.x_t) != 0
