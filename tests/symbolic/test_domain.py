"""The domain prover: real-and-defined conditions proved exactly, refuted at an exact point, or undecided."""

import pytest
import sympy as sp

from symbolic import domain
from symbolic import posterior
from symbolic import symbols

a, r, T = symbols.alpha_t, symbols.alpha_bar_prev, symbols.alpha_bar_T
alpha_bar_t = a * r


@pytest.mark.parametrize("expr", [
    1 - alpha_bar_t, 1 - sp.sqrt(alpha_bar_t), 1 / alpha_bar_t - 1, r - alpha_bar_t, 1 - T,
    (symbols.x_0 - symbols.mu) ** 2 + symbols.var, symbols.x_t ** 2 + 1, -sp.log(a), sp.exp(symbols.x_t),
    1 - sp.sqrt(a) * sp.sqrt(r),
])
def test_positive_on_the_domain(expr):
    assert domain.is_positive(expr)


@pytest.mark.parametrize("expr", [
    a - r, symbols.x_t, symbols.x_t ** 2, 1 - r, sp.log(a) + 1, symbols.x_t * symbols.x_0 + 1,
])
def test_not_proved_positive(expr):
    assert not domain.is_positive(expr)


def test_t1_is_in_the_domain_unless_excluded():
    assert domain.is_nonnegative(1 - r) and not domain.is_positive(1 - r)
    assert domain.is_positive(1 - r, domain.Domain(t_min=2))
    assert domain.definedness(posterior.posterior_variance()).ok
    assert not domain.definedness(sp.log(posterior.posterior_variance())).ok
    assert domain.definedness(sp.log(posterior.posterior_variance()), domain.Domain(t_min=2)).ok


@pytest.mark.parametrize("expr, reason, where", [
    (sp.log(symbols.x_t), "log of a negative number", symbols.x_t),
    (sp.log(symbols.x_t ** 2), "log of zero", symbols.x_t),
    (symbols.x_t ** sp.Rational(1, 3), "non-integer power of a negative number", symbols.x_t),
    (sp.sqrt(a - r), "square root of a negative number", None),
    (1 / (2 * a - 1), "division by zero", a),            # found at the root alpha_t = 1/2
    (1 / (1 - r), "division by zero", r),                # at t = 1
    (sp.log(sp.log(a)), "log of a negative number", None),
    (1 - a + sp.I, "imaginary unit", None),
    (sp.zoo * a, "division by zero", None),
    (sp.nan, "undefined value", None),
])
def test_refuted_at_an_exact_point_of_the_domain(expr, reason, where):
    result = domain.definedness(expr)
    assert result.status == domain.REFUTED and reason in result.defect.reason, result.text()
    point = result.defect.point
    assert all(isinstance(v, sp.Rational) for v in point.values())
    assert 0 < point.get(a, sp.Rational(1, 2)) < 1 and 0 < point.get(r, 1) <= 1
    if where is not None:
        assert where in point
    assert domain.defect_at(expr, point) is not None        # the defect is reproducible exactly


def test_neither_proved_nor_refuted_is_undecided():
    # x^2 - 2 x y + y^2 + 1 = (x - y)^2 + 1 > 0, but not in the form the prover recognises
    expr = sp.log(symbols.x_t ** 2 - 2 * symbols.x_t * symbols.x_0 + symbols.x_0 ** 2 + 1)
    result = domain.definedness(expr)
    assert result.status == domain.UNDECIDED and not result.ok and result.unproved


def test_conditions_are_collected_innermost_first():
    expr = sp.log(sp.sqrt(symbols.x_t) + 1) / (a - r)
    kinds = [(c.kind, c.argument) for c in domain.conditions(expr)]
    assert kinds.index(("nonnegative", symbols.x_t)) < kinds.index(("positive", sp.sqrt(symbols.x_t) + 1))
    assert ("nonzero", a - r) in kinds
