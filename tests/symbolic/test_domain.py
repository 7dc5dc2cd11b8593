"""The domain prover: real-and-defined conditions proved exactly, refuted at an exact point, or undecided."""

import pytest
import sympy as sp

from symbolic import domain as D
from symbolic import posterior as SP
from symbolic import symbols as S

a, r, T = S.alpha_t, S.alpha_bar_prev, S.alpha_bar_T
alpha_bar_t = a * r


@pytest.mark.parametrize("expr", [
    1 - alpha_bar_t, 1 - sp.sqrt(alpha_bar_t), 1 / alpha_bar_t - 1, r - alpha_bar_t, 1 - T,
    (S.x_0 - S.mu) ** 2 + S.var, S.x_t ** 2 + 1, -sp.log(a), sp.exp(S.x_t), 1 - sp.sqrt(a) * sp.sqrt(r),
])
def test_positive_on_the_domain(expr):
    assert D.is_positive(expr)


@pytest.mark.parametrize("expr", [a - r, S.x_t, S.x_t ** 2, 1 - r, sp.log(a) + 1, S.x_t * S.x_0 + 1])
def test_not_proved_positive(expr):
    assert not D.is_positive(expr)


def test_t1_is_in_the_domain_unless_excluded():
    assert D.is_nonnegative(1 - r) and not D.is_positive(1 - r)
    assert D.is_positive(1 - r, D.Domain(t_min=2))
    assert D.definedness(SP.posterior_variance()).ok
    assert not D.definedness(sp.log(SP.posterior_variance())).ok
    assert D.definedness(sp.log(SP.posterior_variance()), D.Domain(t_min=2)).ok


@pytest.mark.parametrize("expr, reason, where", [
    (sp.log(S.x_t), "log of a negative number", S.x_t),
    (sp.log(S.x_t ** 2), "log of zero", S.x_t),
    (S.x_t ** sp.Rational(1, 3), "non-integer power of a negative number", S.x_t),
    (sp.sqrt(a - r), "square root of a negative number", None),
    (1 / (2 * a - 1), "division by zero", a),            # found at the root alpha_t = 1/2
    (1 / (1 - r), "division by zero", r),                # at t = 1
    (sp.log(sp.log(a)), "log of a negative number", None),
    (1 - a + sp.I, "imaginary unit", None),
    (sp.zoo * a, "division by zero", None),
    (sp.nan, "undefined value", None),
])
def test_refuted_at_an_exact_point_of_the_domain(expr, reason, where):
    result = D.definedness(expr)
    assert result.status == D.REFUTED and reason in result.defect.reason, result.text()
    point = result.defect.point
    assert all(isinstance(v, sp.Rational) for v in point.values())
    assert 0 < point.get(a, sp.Rational(1, 2)) < 1 and 0 < point.get(r, 1) <= 1
    if where is not None:
        assert where in point
    assert D.defect_at(expr, point) is not None        # the defect is reproducible exactly


def test_neither_proved_nor_refuted_is_undecided():
    # x^2 - 2 x y + y^2 + 1 = (x - y)^2 + 1 > 0, but not in the form the prover recognises
    expr = sp.log(S.x_t ** 2 - 2 * S.x_t * S.x_0 + S.x_0 ** 2 + 1)
    result = D.definedness(expr)
    assert result.status == D.UNDECIDED and not result.ok and result.unproved


def test_conditions_are_collected_innermost_first():
    expr = sp.log(sp.sqrt(S.x_t) + 1) / (a - r)
    kinds = [(c.kind, c.argument) for c in D.conditions(expr)]
    assert kinds.index(("nonnegative", S.x_t)) < kinds.index(("positive", sp.sqrt(S.x_t) + 1))
    assert ("nonzero", a - r) in kinds
