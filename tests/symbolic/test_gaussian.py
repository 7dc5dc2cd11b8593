import sympy as sp

from symbolic import symbols as S
from symbolic.gaussian import expectation, gaussian_log_density, gaussian_raw_moment, prove_gaussian_log_density
from symbolic.proof import Status, prove_equal


def test_gaussian_log_density_is_proved():
    assert prove_gaussian_log_density().status is Status.PROVED


def test_log_density_missing_half_is_refuted():
    wrong = -(S.x - S.mu) ** 2 / (2 * S.var) - sp.log(2 * sp.pi * S.var)
    assert prove_equal(gaussian_log_density(S.x, S.mu, S.var), wrong, "missing 1/2").status is Status.REFUTED


def test_raw_moments_match_textbook_values():
    m, v = S.mu, S.var
    assert sp.expand(gaussian_raw_moment(2, m, v) - (m**2 + v)) == 0
    assert sp.expand(gaussian_raw_moment(3, m, v) - (m**3 + 3 * m * v)) == 0
    assert sp.expand(gaussian_raw_moment(4, m, v) - (m**4 + 6 * m**2 * v + 3 * v**2)) == 0


def test_expectation_of_a_quadratic():
    assert sp.expand(expectation((S.x - 1) ** 2, S.x, S.mu, S.var) - ((S.mu - 1) ** 2 + S.var)) == 0
