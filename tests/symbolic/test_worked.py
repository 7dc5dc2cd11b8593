"""The worked derivations of the write-up: every line proved equal to the next, the ends tied to
the catalog's expressions, every line read back from its LaTeX; wrong lines and ends refuted."""

from __future__ import annotations

from dataclasses import replace

import pytest
import sympy as sp

from symbolic import notation, symbols, worked
from symbolic.elbo import Step
from symbolic.posterior import posterior_mean, posterior_variance
from symbolic.proof import Status, reduce_to_normal_form


def _round_trip(line) -> sp.Expr:
    """What is left of a line (in display symbols, as built) after printing it and reading it back."""
    rows = notation.latex_rows(line, 40, display=False)
    return reduce_to_normal_form(worked.evaluate(notation.parse(" ".join(rows))) - worked.evaluate(line))


@pytest.mark.parametrize("w", worked.worked(), ids=worked.WORKED_NAMES)
def test_worked_derivations_are_proved_and_round_trip(w):
    assert isinstance(w, Step) and len(w.notes) == len(w.lines) - 1
    proof = worked.prove_worked(w)
    assert proof.ok, [f.claim for f in proof.failures()]
    assert len(proof.steps) >= len(w.equations())
    for line in w.lines:
        assert _round_trip(line) == 0


def test_a_named_first_line_is_the_display_symbol_of_what_is_derived():
    w = worked.worked_derivation("eps_mean_derivation")
    assert w.named and w.lhs is notation.MU_TILDE_T and w.derived == w.lines[1:]
    assert worked.evaluate(w.lhs) == posterior_mean()
    unnamed = worked.worked_derivation("gaussian_kl_derivation")
    assert not unnamed.named and unnamed.derived == unnamed.lines


def test_worked_derivation_with_a_wrong_line_is_refuted():
    w = worked.worked_derivation("eps_mean_derivation")
    lines = list(w.lines)
    # the collected line (after the name and two lines) with sqrt(alpha_bar_t) where sqrt(alpha_t)
    # belongs in the eps weight
    lines[4] = lines[4].subs(sp.sqrt(symbols.alpha_t), sp.sqrt(notation.ALPHA_BAR_T))
    proof = worked.prove_worked(replace(w, lines=tuple(lines)))
    assert proof.status is Status.REFUTED
    claims = [f.claim for f in proof.failures()]
    assert any("collect the coefficients" in c or "sqrt" in c for c in claims)


def test_worked_derivation_must_start_at_the_catalog_expression():
    w = worked.worked_derivation("eps_mean_derivation")
    wrong_start = replace(w, start=posterior_mean().subs(symbols.x_0, 2 * symbols.x_0))
    proof = worked.prove_worked(wrong_start)
    assert not proof.ok
    assert [f.claim for f in proof.failures()] == ["eps_mean_derivation: the first line is the catalog's expression"]


def test_worked_derivation_must_end_at_the_catalog_expression():
    w = worked.worked_derivation("posterior_variance_derivation")
    wrong_end = replace(w, end=1 / (posterior_variance() * symbols.alpha_t))
    proof = worked.prove_worked(wrong_end)
    assert not proof.ok
    assert any("last line is the catalog's expression" in f.claim for f in proof.failures())


def test_kl_eps_mse_is_conditional_on_the_posterior_variance():
    w = worked.worked_derivation("kl_eps_mse")
    assert worked.prove_worked(w).ok
    # with DDPM's other choice sigma_t^2 = beta_t, C_t does not vanish: the MSE form is refuted
    large = worked.prove_worked(replace(w, given={symbols.sigma2_t: 1 - symbols.alpha_t}))
    assert large.status is Status.REFUTED
    assert any("C_t" in f.claim and f.counterexample for f in large.failures())


def test_evaluate_reads_display_symbols_as_what_they_stand_for():
    assert worked.evaluate(notation.ALPHA_BAR_T) == symbols.alpha_t * symbols.alpha_bar_prev
    assert worked.evaluate(notation.BETA_T) == 1 - symbols.alpha_t
    assert worked.evaluate(notation.BETA_TILDE_T) == posterior_variance()


def test_unknown_worked_derivation_is_refused_with_the_known_names():
    with pytest.raises(ValueError, match="unknown worked derivation 'eps_magic'; known: eps_mean_derivation"):
        worked.worked_derivation("eps_magic")
