"""The symbol table in the lecture's notation, the LaTeX printer and its reader (the round trip)."""

from __future__ import annotations

import pytest
import sympy as sp

from symbolic import elbo, formula, notation, symbols, vocabulary
from symbolic.kl import gaussian_kl, kl_eps_constant, kl_eps_weight, prior_kl
from symbolic.posterior import eps_mean, interpolation_weight_sum, posterior_mean, posterior_variance
from symbolic.proof import reduce_to_normal_form


def _round_trip(expr) -> sp.Expr:
    """What is left of the closed form after printing it in rows and reading the rows back."""
    rows = notation.latex_rows(expr, 40)
    return reduce_to_normal_form(notation.parse(" ".join(rows)) - notation.comparable(expr))


@pytest.mark.parametrize("expr", [
    posterior_mean(), posterior_variance(), eps_mean(), kl_eps_weight(), kl_eps_constant(),
    gaussian_kl(symbols.mu_1, symbols.var_1, symbols.mu_2, symbols.var_2), interpolation_weight_sum(), prior_kl(),
], ids=["posterior_mean", "posterior_variance", "eps_mean", "kl_eps_weight", "kl_eps_constant",
        "gaussian_kl", "interpolation_weight_sum", "prior_kl"])
def test_closed_forms_round_trip(expr):
    assert _round_trip(expr) == 0


def test_display_symbols_are_the_lecture_notation():
    text = notation.latex(posterior_mean())
    assert r"\bar{\alpha}_{t}" in text and r"\beta_{t}" in text and r"\bar{\alpha}_{t-1}" in text
    assert "alpha_t" not in text.replace(r"\alpha_{t}", "")
    assert notation.latex(kl_eps_weight()).count(r"\sigma_{t}^{2}") == 1      # sigma2_t shown as sigma_t^2
    assert notation.to_display(symbols.alpha_t * symbols.alpha_bar_prev) == notation.ALPHA_BAR_T
    assert notation.to_display(1 - symbols.alpha_t) == notation.BETA_T
    for entry in notation.TABLE:       # every entry's value is in the proof's symbols only
        assert not (entry.value.free_symbols & {n.display for n in notation.TABLE if n.display is not n.value})


@pytest.mark.parametrize("step", elbo.derivation(), ids=elbo.STEP_NAMES)
def test_elbo_lines_round_trip_structurally(step):
    for line in step.lines:
        assert notation.parse(" ".join(notation.latex_rows(line, 40))) == line


def test_rows_break_long_lines_and_keep_the_value():
    line = elbo.step("elbo_bayes").rhs
    rows = notation.latex_rows(line, 40)
    assert len(rows) >= 3 and all(r"\left" not in r for r in rows[:-1])
    assert notation.parse(r" \\ &\qquad ".join(rows)) == line


@pytest.mark.parametrize("tamper", [
    lambda s: s.replace(r"\bar{\alpha}_{t-1}", r"\bar{\alpha}_{t}", 1),   # alpha_bar_{t-1} <-> alpha_bar_t
    lambda s: s.replace(r"\sqrt{\alpha_{t}}", r"\alpha_{t}", 1),          # a dropped square root
    lambda s: s.replace(" + ", " - ", 1),                                  # a sign flipped
    lambda s: s.replace(r"\beta_{t}", r"\tilde{\beta}_{t}", 1),           # beta_t <-> beta_tilde_t
])
def test_round_trip_catches_a_wrong_printout(tamper):
    expr = posterior_mean()
    printed = notation.latex(expr)
    wrong = tamper(printed)
    assert wrong != printed
    assert reduce_to_normal_form(notation.parse(wrong) - notation.comparable(expr)) != 0


def test_round_trip_catches_a_wrong_density_or_bound():
    line = elbo.step("elbo_kl_form").rhs
    printed = notation.latex(line)
    assert notation.parse(printed) == line
    assert notation.parse(printed.replace(r"\sum_{t=2}", r"\sum_{t=1}")) != line
    assert notation.parse(printed.replace(r"q(x_{T}|x_0)", r"q(x_{T}|x_{T - 1})")) != line


def test_parse_refuses_unknown_symbols():
    with pytest.raises(ValueError, match="unknown symbol"):
        notation.parse(r"\gamma_{t} + x_{0}")


def test_one_table_serves_printing_and_reading():
    # Every symbol the export prints is read back by check's reader as the same symbol, and the
    # vocabulary declares each quantity once (w_t was positive in one table, real in the other).
    for entry in notation.TABLE:
        if entry.name in {n.name for n in vocabulary.MODEL}:
            continue            # the single-latent model's letters are read in derivations only
        assert formula.parse(entry.latex, latex=True).expr in (entry.display, entry.value), entry.latex
        assert notation.latex(entry.display, display=False) == entry.latex
    names = [n.name for n in vocabulary.VOCABULARY]
    assert len(names) == len(set(names))
    w_t = notation.BY_NAME["w_t"].display
    assert w_t is formula.user_symbol("w_t") and w_t.is_nonnegative and not w_t.is_positive


def test_derivation_reader_refuses_what_it_cannot_place():
    with pytest.raises(ValueError, match="unknown"):
        notation.parse(r"\mathbb{E}_{q(x_{1:T}|x_0)}\Big[ \log p(x_{T}) + \gamma_t \Big]")
    with pytest.raises(ValueError):
        notation.parse(r"\sum_{t=2}^{T} \log q(x_{t}|x_{t - 1})'")
