import sympy as sp

from symbolic import symbols
from symbolic.gaussian import (
    Expect, Normal, evaluate_written, expectation, gaussian_log_density, gaussian_raw_moment,
    prove_gaussian_log_density,
)
from symbolic.proof import Status, prove_equal


def test_gaussian_log_density_is_proved():
    assert prove_gaussian_log_density().status is Status.PROVED


def test_log_density_missing_half_is_refuted():
    wrong = -(symbols.x - symbols.mu) ** 2 / (2 * symbols.var) - sp.log(2 * sp.pi * symbols.var)
    proof = prove_equal(gaussian_log_density(symbols.x, symbols.mu, symbols.var), wrong, "missing 1/2")
    assert proof.status is Status.REFUTED


def test_raw_moments_match_textbook_values():
    m, v = symbols.mu, symbols.var
    assert sp.expand(gaussian_raw_moment(2, m, v) - (m**2 + v)) == 0
    assert sp.expand(gaussian_raw_moment(3, m, v) - (m**3 + 3 * m * v)) == 0
    assert sp.expand(gaussian_raw_moment(4, m, v) - (m**4 + 6 * m**2 * v + 3 * v**2)) == 0


def test_expectation_of_a_quadratic():
    x, m, v = symbols.x, symbols.mu, symbols.var
    assert sp.expand(expectation((x - 1) ** 2, x, m, v) - ((m - 1) ** 2 + v)) == 0


def test_written_forms_evaluate_to_the_density_and_the_moments():
    x, m, v = symbols.x, symbols.mu, symbols.var
    assert prove_equal(evaluate_written(sp.log(Normal(x, m, v))), gaussian_log_density(x, m, v), "log N").ok
    nested = Expect(Expect(x**2, x, m, v) * symbols.x_0, symbols.x_0, 1, 2)   # inner first: (m^2 + v) * 1
    assert sp.expand(evaluate_written(nested) - (m**2 + v)) == 0


def test_written_forms_with_a_wrong_moment_are_refuted():
    x, m, v = symbols.x, symbols.mu, symbols.var
    assert sp.expand(evaluate_written(Expect(x**2, x, m, v)) - m**2) != 0      # the variance is not dropped
    assert prove_equal(evaluate_written(Expect(x**2, x, m, v)), m**2 + 2 * v, "twice the variance").status \
        is Status.REFUTED
