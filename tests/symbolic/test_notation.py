"""The symbol table, the LaTeX printer and its parser, and the worked derivations."""

from __future__ import annotations

import pytest
import sympy as sp

from symbolic import elbo as SE
from symbolic import notation as L
from symbolic import symbols as S
from symbolic import worked as W
from symbolic.kl import gaussian_kl, kl_eps_constant, kl_eps_weight, prior_kl
from symbolic.posterior import eps_mean, interpolation_weight_sum, posterior_mean, posterior_variance
from symbolic.proof import Status, reduce_to_normal_form


def _round_trip(expr, *, display=True) -> sp.Expr:
    rows = L.latex_rows(expr, 40, display=display)
    expected = L.comparable(expr) if display else expr
    return reduce_to_normal_form(W.evaluate(L.parse(" ".join(rows))) - W.evaluate(expected))


@pytest.mark.parametrize("expr", [
    posterior_mean(), posterior_variance(), eps_mean(), kl_eps_weight(), kl_eps_constant(),
    gaussian_kl(S.mu_1, S.var_1, S.mu_2, S.var_2), interpolation_weight_sum(), prior_kl(),
], ids=["posterior_mean", "posterior_variance", "eps_mean", "kl_eps_weight", "kl_eps_constant",
        "gaussian_kl", "interpolation_weight_sum", "prior_kl"])
def test_closed_forms_round_trip(expr):
    assert _round_trip(expr) == 0


def test_display_symbols_are_the_lecture_notation():
    text = L.latex(posterior_mean())
    assert r"\bar{\alpha}_{t}" in text and r"\beta_{t}" in text and r"\bar{\alpha}_{t-1}" in text
    assert "alpha_t" not in text.replace(r"\alpha_{t}", "")
    assert L.latex(kl_eps_weight()).count(r"\sigma_{t}^{2}") == 1      # sigma2_t shown as sigma_t^2
    assert L.to_display(S.alpha_t * S.alpha_bar_prev) == L.ALPHA_BAR_T
    assert L.to_display(1 - S.alpha_t) == L.BETA_T
    for entry in L.TABLE:       # every entry's value is in the proof's symbols only
        assert not (entry.value.free_symbols & {n.display for n in L.TABLE if n.display is not n.value})


@pytest.mark.parametrize("step", SE.derivation(), ids=SE.STEP_NAMES)
def test_elbo_lines_round_trip_structurally(step):
    for line in step.lines:
        assert L.parse(" ".join(L.latex_rows(line, 40))) == line


def test_rows_break_long_lines_and_keep_the_value():
    line = SE.step("elbo_bayes").rhs
    rows = L.latex_rows(line, 40)
    assert len(rows) >= 3 and all(r"\left" not in r for r in rows[:-1])
    assert L.parse(r" \\ &\qquad ".join(rows)) == line


@pytest.mark.parametrize("tamper", [
    lambda s: s.replace(r"\bar{\alpha}_{t-1}", r"\bar{\alpha}_{t}", 1),   # alpha_bar_{t-1} <-> alpha_bar_t
    lambda s: s.replace(r"\sqrt{\alpha_{t}}", r"\alpha_{t}", 1),          # a dropped square root
    lambda s: s.replace(" + ", " - ", 1),                                  # a sign flipped
    lambda s: s.replace(r"\beta_{t}", r"\tilde{\beta}_{t}", 1),           # beta_t <-> beta_tilde_t
])
def test_round_trip_catches_a_wrong_printout(tamper):
    expr = posterior_mean()
    printed = L.latex(expr)
    wrong = tamper(printed)
    assert wrong != printed
    assert reduce_to_normal_form(L.parse(wrong) - L.comparable(expr)) != 0


def test_round_trip_catches_a_wrong_density_or_bound():
    line = SE.step("elbo_kl_form").rhs
    printed = L.latex(line)
    assert L.parse(printed) == line
    assert L.parse(printed.replace(r"\sum_{t=2}", r"\sum_{t=1}")) != line
    assert L.parse(printed.replace(r"q(x_{T}|x_0)", r"q(x_{T}|x_{T - 1})")) != line


def test_parse_refuses_unknown_symbols():
    with pytest.raises(ValueError, match="unknown symbol"):
        L.parse(r"\gamma_{t} + x_{0}")


@pytest.mark.parametrize("w", W.worked(), ids=W.WORKED_NAMES)
def test_worked_derivations_are_proved_and_round_trip(w):
    proof = W.prove_worked(w)
    assert proof.ok, [f.claim for f in proof.failures()]
    assert len(proof.steps) >= len(w.equations())
    for line in ([w.lhs] if w.lhs is not None else []) + list(w.lines):
        assert _round_trip(line, display=False) == 0


def test_worked_derivation_with_a_wrong_line_is_refuted():
    w = W.worked_derivation("eps_mean_derivation")
    lines = list(w.lines)
    # the collected line with sqrt(alpha_bar_t) where sqrt(alpha_t) belongs in the eps weight
    lines[3] = lines[3].subs(sp.sqrt(S.alpha_t), sp.sqrt(L.ALPHA_BAR_T))
    broken = W.Worked(**{**w.__dict__, "lines": tuple(lines)})
    proof = W.prove_worked(broken)
    assert proof.status is Status.REFUTED
    claims = [f.claim for f in proof.failures()]
    assert any("collect the coefficients" in c or "sqrt" in c for c in claims)


def test_worked_derivation_must_end_at_the_catalog_expression():
    w = W.worked_derivation("posterior_variance_derivation")
    wrong_end = W.Worked(**{**w.__dict__, "end": 1 / (posterior_variance() * S.alpha_t)})
    proof = W.prove_worked(wrong_end)
    assert not proof.ok
    assert any("last line is the catalog's expression" in f.claim for f in proof.failures())


def test_kl_eps_mse_is_conditional_on_the_posterior_variance():
    w = W.worked_derivation("kl_eps_mse")
    assert W.prove_worked(w).ok
    # with DDPM's other choice sigma_t^2 = beta_t, C_t does not vanish: the MSE form is refuted
    large = W.prove_worked(W.Worked(**{**w.__dict__, "given": {S.sigma2_t: 1 - S.alpha_t}}))
    assert large.status is Status.REFUTED
    assert any("C_t" in f.claim and f.counterexample for f in large.failures())


def test_one_table_serves_printing_and_reading():
    # Every symbol the export prints is read back by check's reader as the same symbol, and the
    # vocabulary declares each quantity once (w_t was positive in one table, real in the other).
    from symbolic import formula as F
    from symbolic import vocabulary as V
    for entry in L.TABLE:
        if entry.name in {n.name for n in V.MODEL}:
            continue            # the single-latent model's letters are read in derivations only
        assert F.parse(entry.latex, latex=True).expr in (entry.display, entry.value), entry.latex
        assert L.latex(entry.display, display=False) == entry.latex
    names = [n.name for n in V.VOCABULARY]
    assert len(names) == len(set(names))
    assert L.W_T is F.user_symbol("w_t") and L.W_T.is_nonnegative and not L.W_T.is_positive


def test_derivation_reader_refuses_what_it_cannot_place():
    with pytest.raises(ValueError, match="unknown"):
        L.parse(r"\mathbb{E}_{q(x_{1:T}|x_0)}\Big[ \log p(x_{T}) + \gamma_t \Big]")
    with pytest.raises(ValueError):
        L.parse(r"\sum_{t=2}^{T} \log q(x_{t}|x_{t - 1})'")
