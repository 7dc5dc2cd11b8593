"""The formula parser: every spelling of the symbol table, and untrusted input refused."""

import builtins

import pytest
import sympy as sp

from symbolic import formula, symbols
from symbolic.vocabulary import BY_NAME

LATEX_SPELLINGS = [
    (r"\alpha_t", "alpha_t"), (r"\alpha_{t}", "alpha_t"),
    (r"\bar\alpha_t", "alpha_bar_t"), (r"\bar{\alpha}_t", "alpha_bar_t"), (r"\bar{\alpha}_{t}", "alpha_bar_t"),
    (r"\overline{\alpha}_t", "alpha_bar_t"), (r"\bar{\alpha_t}", "alpha_bar_t"), (r"\overline\alpha_t", "alpha_bar_t"),
    (r"\bar\alpha_{t-1}", "alpha_bar_prev"), (r"\bar{\alpha}_{t - 1}", "alpha_bar_prev"),
    (r"\bar{\alpha_{t-1}}", "alpha_bar_prev"), (r"\overline{\alpha}_{t-1}", "alpha_bar_prev"),
    (r"\bar\alpha_T", "alpha_bar_T"), (r"\beta_t", "beta_t"), (r"\tilde\beta_t", "beta_tilde_t"),
    (r"\tilde{\beta}_t", "beta_tilde_t"), (r"\widetilde{\beta}_t", "beta_tilde_t"),
    (r"\tilde\mu_t", "mu_tilde_t"), (r"\tilde\sigma_t", "sigma_tilde_t"),
    ("x_t", "x_t"), ("x_0", "x_0"), ("x_{t-1}", "x_prev"), (r"\mathbf{x}_t", "x_t"), (r"\mathbf{x}_{t-1}", "x_prev"),
    (r"\epsilon", "eps"), (r"\varepsilon", "eps"), (r"\epsilon_t", "eps"), (r"\boldsymbol{\epsilon}", "eps"),
    (r"\epsilon_\theta", "eps_theta"), (r"\epsilon_{\theta}", "eps_theta"), (r"\mu_\theta", "mu_theta"),
    (r"\sigma_t", "sigma_t"), (r"\sigma_1", "sigma_1"), (r"\sigma_2", "sigma_2"), (r"\mu_1", "mu_1"),
    (r"\mu_2", "mu_2"), (r"\mu", "mu"), (r"\sigma", "sigma"), (r"\lambda_t", "lambda_t"), ("C_t", "C_t"),
    ("w_0", "w_0"), ("w_t", "w_t"), ("d", "d"), ("T", "T"),
]


@pytest.mark.parametrize("text, name", LATEX_SPELLINGS, ids=[s for s, _ in LATEX_SPELLINGS])
def test_every_latex_spelling_is_one_symbol(text, name):
    parsed = formula.parse_latex_formula(text)
    assert parsed == formula.user_symbol(name), f"{text} parsed as {parsed!r}, expected {name}"


def test_every_table_spelling_is_covered():
    covered = {formula.lhs_key(s, True) for s, _ in LATEX_SPELLINGS}
    for entry in formula.VOCABULARY:
        for spelling in entry.latex:
            assert formula.lhs_key(spelling, True) in covered | {entry.name}, spelling


@pytest.mark.parametrize("text, expected", [
    ("2 alpha_t", 2 * symbols.alpha_t),
    ("sqrt(alpha_t)(1 - alpha_bar_prev)", sp.sqrt(symbols.alpha_t) * (1 - symbols.alpha_bar_prev)),
    ("beta_t^2", (1 - symbols.alpha_t) ** 2),
    ("0.5*x_t", symbols.x_t / 2),
    ("1e-3 x_t", symbols.x_t / 1000),
    ("torch.sqrt(alpha_cumprod_t)", sp.sqrt(symbols.alpha_t * symbols.alpha_bar_prev)),
    ("math.log(sigma_t**2)", sp.log(symbols.sigma2_t)),
    (r"\frac{1}{2}\log 2\pi\sigma^2", sp.log(2 * sp.pi * symbols.var) / 2),
    (r"\frac{\beta_t^2}{2\sigma_t^2\alpha_t(1-\bar\alpha_t)}",
     (1 - symbols.alpha_t) ** 2
     / (2 * symbols.sigma2_t * symbols.alpha_t * (1 - symbols.alpha_t * symbols.alpha_bar_prev))),
    (r"\sqrt{\bar\alpha_t}\,x_0 \cdot 1", sp.sqrt(symbols.alpha_t * symbols.alpha_bar_prev) * symbols.x_0),
    (r"(1-\bar\alpha_t)\mathbf{I}", 1 - symbols.alpha_t * symbols.alpha_bar_prev),
    (r"e^{x_t}", sp.exp(symbols.x_t)),
])
def test_values_in_proof_symbols(text, expected):
    assert sp.simplify(formula.parse(text).value - expected) == 0


def test_equation_keeps_the_left_side():
    parsed = formula.parse(r"\tilde\mu_t(x_t, x_0) = \frac{1}{\sqrt{\alpha_t}} x_t")
    assert parsed.lhs == "mu_tilde_t(x_t,x_0)" and "mu_tilde_t" in parsed.sides[0].keys
    assert parsed.expr == formula.user_symbol("x_t") / sp.sqrt(formula.user_symbol("alpha_t"))
    assert formula.parse(r"\tilde\sigma^2_t = \tilde\beta_t").lhs == "sigma_tilde_t^2"
    assert formula.parse("w_0 + w_t = 1").lhs == "w_0+w_t"


MALICIOUS = [
    ("__import__('os').system('echo pwned')", "__import__"),
    ("x_t.__class__", "attribute access"),
    ("lambda: 0", "lambda"),
    ("().__class__.__bases__[0].__subclasses__()", "empty brackets"),
    ("eval('1')", "eval"),
    ("open('/etc/passwd')", "open"),
    ("f'{x_t}'", "unknown"),
    ("[x for x in (1,)]", "square brackets"),
    ("x_t if 1 else 0", "unknown symbol 'if'"),
    ("x_t // 2", "//"),
    ("torch.load('f')", "calling 'torch.load'"),
    ("x_t; import os", "cannot read ';'"),
    ("x" * 100_000, "limit is 2,000"),
    ("x_t**9**9**9", "exponent"),
    ("2**64**64", "exponent"),
    ("10**(10**10)", "exponent"),
    ("1" * 60, "digits"),
    (r"\input{/etc/passwd}", r"\input"),
    (r"\gamma_t", r"\gamma"),
    (r"9^{9^{9^{9}}}", "exponent"),
    (r"\bar\alpha_{t-2}", "did you mean"),
    ("alpha_bar_tt", "did you mean alpha_bar_t"),
    ("", "empty"),
    ("a = b = c", "unknown symbol 'b'"),
    ("x_t <= 2", "comparisons"),
]


@pytest.mark.parametrize("text, message", MALICIOUS, ids=[m[0][:30] for m in MALICIOUS])
def test_untrusted_input_is_refused_without_evaluation(text, message, monkeypatch):
    def forbidden(*args, **kwargs):
        raise AssertionError("the parser called eval/exec")
    monkeypatch.setattr(builtins, "eval", forbidden)
    monkeypatch.setattr(builtins, "exec", forbidden)
    with pytest.raises(formula.FormulaError, match=message.replace("\\", "\\\\").replace("(", r"\(")):
        formula.parse(text)


def test_formula_type_error():
    with pytest.raises(TypeError, match="formula must be a str"):
        formula.parse(3)


def test_latex_path_never_evaluates(monkeypatch):
    def forbidden(*args, **kwargs):
        raise AssertionError("the parser called eval/exec")
    monkeypatch.setattr(builtins, "eval", forbidden)
    monkeypatch.setattr(builtins, "exec", forbidden)
    parsed = formula.parse(r"\frac{\sqrt{\bar\alpha_{t-1}}\beta_t}{1-\bar\alpha_t} x_0 + 0.5\cdot 12 x_t^{2}")
    names = ("alpha_bar_prev", "beta_t", "alpha_bar_t", "x_0", "x_t")
    assert parsed.expr.free_symbols == {formula.user_symbol(n) for n in names}


@pytest.mark.parametrize("spelling", [r"\alpha_t + 1", "+", r"\alpha_t \beta_t"])
def test_a_table_spelling_that_is_not_one_symbol_is_refused_by_name(spelling):
    with pytest.raises(formula.FormulaError, match=r"the LaTeX spelling .* of 'alpha_t' does not read as one symbol"):
        formula._spelling_key(BY_NAME["alpha_t"], spelling)


def test_every_table_spelling_reads_as_its_own_symbol():
    assert formula._spelling_key(BY_NAME["alpha_bar_t"], r"\bar{\alpha}_{t}") == \
        formula._spelling_key(BY_NAME["alpha_bar_t"], r"\bar\alpha_t")
    assert set(formula._latex_table().values()) <= set(formula.VOCABULARY)


def test_nested_braces_are_refused_by_depth_not_by_the_stack():
    # 500 braces around a symbol, read as LaTeX: each brace counts towards the depth limit, so the
    # refusal is a FormulaError however many stack frames a level of the reader takes
    import sys
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(600)
    try:
        with pytest.raises(formula.FormulaError, match="nested more than"):
            formula.parse("{" * 500 + "beta_t" + "}" * 500, latex=True)
    finally:
        sys.setrecursionlimit(limit)
    assert formula.parse("{" * 20 + "beta_t" + "}" * 20, latex=True).value == 1 - symbols.alpha_t
