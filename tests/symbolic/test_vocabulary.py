"""The symbol table a formula is read with: every name declared once, every value in the proof's
symbols, and the reference code's names equal to the definitions those code bases give them."""

import pytest
import sympy as sp

from symbolic import symbols, vocabulary
from symbolic.formula import parse_plain, to_proof_symbols
from symbolic.proof import Status, prove_equal

#: improved-diffusion's definitions (gaussian_diffusion.py), written over the arrays at one index.
REFERENCE_DEFINITIONS = {
    "posterior_variance": "betas * (1 - alphas_cumprod_prev) / (1 - alphas_cumprod)",
    "posterior_mean_coef1": "betas * sqrt(alphas_cumprod_prev) / (1 - alphas_cumprod)",
    "posterior_mean_coef2": "(1 - alphas_cumprod_prev) * sqrt(alphas) / (1 - alphas_cumprod)",
    "sqrt_recipm1_alphas_cumprod": "sqrt(1 / alphas_cumprod - 1)",
}


def _value(text: str) -> sp.Expr:
    return to_proof_symbols(parse_plain(text))


def test_every_name_and_alias_is_declared_once():
    names = [n.name for n in vocabulary.VOCABULARY]
    assert len(names) == len(set(names))
    aliases = [a for n in vocabulary.VOCABULARY for a in n.aliases]
    assert len(aliases) == len(set(aliases))
    assert all(vocabulary.BY_NAME[a].name == n.name for n in vocabulary.VOCABULARY for a in n.aliases)
    assert {c.name for c in vocabulary.CODE_NAMES} == set(vocabulary.CODE_BY_NAME)


def test_values_are_in_the_proof_symbols_and_stand_ins_exist():
    user = {n.symbol for n in vocabulary.VOCABULARY}
    for entry in vocabulary.VOCABULARY:
        others = user - {entry.symbol} - set(symbols.BY_NAME.values())
        assert not entry.value.free_symbols & others, entry.name      # no entry defined by another
        assert entry.stands_for is None or entry.stands_for in vocabulary.BY_NAME, entry.name
    assert vocabulary.BY_NAME["alpha_bar_t"].value == symbols.alpha_t * symbols.alpha_bar_prev
    assert vocabulary.BY_NAME["beta_t"].value == 1 - symbols.alpha_t


@pytest.mark.parametrize("code", vocabulary.CODE_NAMES, ids=[c.name for c in vocabulary.CODE_NAMES])
def test_every_code_name_reads_over_the_vocabulary(code):
    assert _value(code.formula).free_symbols <= set(symbols.BY_NAME.values())


@pytest.mark.parametrize("name", REFERENCE_DEFINITIONS)
def test_code_names_equal_the_reference_definitions(name):
    table = _value(vocabulary.CODE_BY_NAME[name].formula)
    proof = prove_equal(table, _value(REFERENCE_DEFINITIONS[name]), f"{name} as the reference code defines it")
    assert proof.ok, proof.residual


def test_a_wrong_reference_reading_is_refuted():
    # alphas_cumprod where alphas_cumprod_prev belongs: the table's posterior variance is not that
    wrong = _value("betas * (1 - alphas_cumprod) / (1 - alphas_cumprod)")
    table = _value(vocabulary.CODE_BY_NAME["posterior_variance"].formula)
    assert prove_equal(table, wrong, "shifted alpha_bar").status is Status.REFUTED


def test_unicode_tables_map_to_latex_or_plain_characters():
    assert vocabulary.UNICODE["ᾱ"] == r"\bar\alpha" and vocabulary.UNICODE["−"] == "-"
    assert set(vocabulary.COMBINING.values()) <= {"bar", "tilde", "hat"}
    assert all(v.lstrip("-").isalnum() or v == "-" for v in vocabulary.SUPERSCRIPTS.values())
