import sympy as sp

from symbolic import score
from symbolic import symbols
from symbolic.proof import Status, prove_equal


def test_score_is_proved():
    assert score.prove_score().status is Status.PROVED


def test_score_with_variance_for_std_is_refuted():
    x_t = sp.sqrt(symbols.alpha_bar_t) * symbols.x_0 + sp.sqrt(1 - symbols.alpha_bar_t) * symbols.eps
    wrong = -symbols.eps / (1 - symbols.alpha_bar_t)
    proof = prove_equal(score.score().subs(symbols.x_t, x_t), wrong, "variance for std")
    assert proof.status is Status.REFUTED
