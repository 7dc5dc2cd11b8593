r"""The lecture's notation: one symbol table for printing proved expressions as LaTeX and for
reading LaTeX back.

The proofs work over one independent set of symbols (:mod:`symbolic.symbols`): ``alpha_t``,
``alpha_bar_prev``, variances as positive symbols, ...  The lecture writes the same quantities
as :math:`\bar\alpha_t`, :math:`\beta_t`, :math:`\sigma_t^2`.  :func:`to_display` rewrites an
expression into those display symbols (exactly: :math:`\alpha_t\bar\alpha_{t-1} = \bar\alpha_t`,
:math:`1-\alpha_t = \beta_t`, a variance v = :math:`\sigma^2`), :func:`latex` prints it, and
:func:`parse` reads the printed LaTeX back into the proof's symbols, so that a test can show
that every exported formula *is* the proved expression (``reduce_to_normal_form`` of the
difference is 0).

:func:`latex_rows` breaks a long expression into rows for an ``align`` environment, at the
top-level ``+``/``-`` of sums, expectations and their bodies, using ``\Big`` delimiters (which,
unlike ``\left``/``\right``, may be split across rows).

Parsing uses SymPy's ANTLR LaTeX parser (``antlr4-python3-runtime==4.11``, the only version
SymPy 1.14 accepts).  Before parsing, every symbol of the table, every density, expectation and
KL divergence is replaced by a placeholder that parser reads as one atom (``Q_{7}``,
``f_{3}(t)``); the parser never evaluates Python.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import sympy as sp
from sympy.printing.latex import LatexPrinter

from . import elbo as SE
from . import symbols as S
from .kl import kl_eps_constant, kl_eps_weight
from .posterior import eps_mean, interpolation_weights, posterior_mean, posterior_variance


@dataclass(frozen=True)
class Notation:
    """One quantity: its plain name, its LaTeX, and what it stands for in the proof's symbols."""

    name: str
    latex: str
    display: sp.Symbol
    value: sp.Expr
    meaning: str


def _display(name: str, **assumptions) -> sp.Symbol:
    return sp.Symbol(f"{name}", **assumptions)


# Display-only symbols: names the lecture gives to expressions of the independent symbols.
ALPHA_BAR_T = _display("alpha_bar_t", positive=True)
BETA_T = _display("beta_t", positive=True)
SIGMA_T = _display("sigma_t", positive=True)
SIGMA_1 = _display("sigma_1", positive=True)
SIGMA_2 = _display("sigma_2", positive=True)
S_LG = _display("s", positive=True)
BETA_TILDE_T = _display("beta_tilde_t", positive=True)
MU_TILDE_T = _display("mu_tilde_t", real=True)
MU_THETA = _display("mu_theta", real=True)
LAMBDA_T = _display("lambda_t", positive=True)
C_T = _display("C_t", real=True)
W_0 = _display("w_0", positive=True)
W_T = _display("w_t", positive=True)

#: The symbol table, in the lecture's notation.  ``value`` is in the proof's symbols.
TABLE: tuple[Notation, ...] = (
    Notation("alpha_t", r"\alpha_{t}", S.alpha_t, S.alpha_t, "1 - beta_t, the signal kept by step t"),
    Notation("alpha_bar_prev", r"\bar{\alpha}_{t-1}", S.alpha_bar_prev, S.alpha_bar_prev,
             "prod_{s<t} alpha_s (1 at t = 1)"),
    Notation("alpha_bar_t", r"\bar{\alpha}_{t}", ALPHA_BAR_T, S.alpha_t * S.alpha_bar_prev,
             "alpha_t alpha_bar_{t-1}"),
    Notation("alpha_bar_T", r"\bar{\alpha}_{T}", S.alpha_bar_T, S.alpha_bar_T, "alpha_bar at the last step"),
    Notation("beta_t", r"\beta_{t}", BETA_T, 1 - S.alpha_t, "the variance added by step t"),
    Notation("beta_tilde_t", r"\tilde{\beta}_{t}", BETA_TILDE_T, posterior_variance(),
             "variance of q(x_{t-1}|x_t,x_0)"),
    Notation("mu_tilde_t", r"\tilde{\mu}_{t}", MU_TILDE_T, posterior_mean(), "mean of q(x_{t-1}|x_t,x_0)"),
    Notation("mu_theta", r"\mu_{\theta}", MU_THETA, eps_mean(S.eps_theta),
             "mean of p_theta(x_{t-1}|x_t) in its eps form"),
    Notation("lambda_t", r"\lambda_{t}", LAMBDA_T, kl_eps_weight(), "weight of ||eps - eps_theta||^2"),
    Notation("C_t", r"C_{t}", C_T, kl_eps_constant(), "eps-free part of the denoising KL"),
    Notation("w_0", r"w_{0}", W_0, interpolation_weights()[0], "coefficient of x_0 in mu_tilde_t"),
    Notation("w_t", r"w_{t}", W_T, interpolation_weights()[1], "coefficient of x_t in mu_tilde_t"),
    Notation("sigma_t", r"\sigma_{t}", SIGMA_T, sp.sqrt(S.sigma2_t), "standard deviation of p_theta(x_{t-1}|x_t)"),
    Notation("x_0", r"x_{0}", S.x_0, S.x_0, "the data"),
    Notation("x_t", r"x_{t}", S.x_t, S.x_t, "the noisy sample at step t"),
    Notation("x_prev", r"x_{t-1}", S.x_prev, S.x_prev, "the sample at step t-1"),
    Notation("eps_theta", r"\epsilon_{\theta}", S.eps_theta, S.eps_theta, "the model's noise prediction"),
    Notation("eps", r"\epsilon", S.eps, S.eps, "the noise, N(0, I)"),
    Notation("mu_1", r"\mu_{1}", S.mu_1, S.mu_1, "mean of the KL's first argument"),
    Notation("mu_2", r"\mu_{2}", S.mu_2, S.mu_2, "mean of the KL's second argument"),
    Notation("sigma_1", r"\sigma_{1}", SIGMA_1, sp.sqrt(S.var_1), "standard deviation of the first argument"),
    Notation("sigma_2", r"\sigma_{2}", SIGMA_2, sp.sqrt(S.var_2), "standard deviation of the second argument"),
    Notation("mu", r"\mu", S.mu, S.mu, "a mean"),
    Notation("sigma", r"\sigma", S.sigma, S.sigma, "a standard deviation"),
    Notation("x", r"x", S.x, S.x, "a point"),
    Notation("d", r"d", S.d, S.d, "the data dimension"),
    Notation("t", r"t", SE.t, SE.t, "the timestep"),
    Notation("T", r"T", SE.T, SE.T, "the number of steps"),
    Notation("z", r"z", SE.z, SE.z, "the single latent"),
    Notation("a", r"a", SE.lg_a, SE.lg_a, "linear-Gaussian model: x|z ~ N(a z + b, s^2)"),
    Notation("b", r"b", SE.lg_b, SE.lg_b, "linear-Gaussian model offset"),
    Notation("s", r"s", S_LG, sp.sqrt(SE.lg_s2), "linear-Gaussian observation noise (standard deviation)"),
    Notation("m", r"m", SE.lg_m, SE.lg_m, "mean of q(z|x)"),
    Notation("v", r"v", SE.lg_v, SE.lg_v, "variance of q(z|x)"),
)

BY_NAME = {n.name: n for n in TABLE}

# Proof symbols -> display symbols, applied in this order (products before their factors).
_TO_DISPLAY = (
    (S.alpha_t * S.alpha_bar_prev, ALPHA_BAR_T),
    (1 - S.alpha_t, BETA_T),
)
_VARIANCES = {S.var: S.sigma**2, S.var_1: SIGMA_1**2, S.var_2: SIGMA_2**2, S.sigma2_t: SIGMA_T**2,
              SE.lg_s2: S_LG**2}
_FROM_DISPLAY = {n.display: n.value for n in TABLE if n.display is not n.value}


def to_display(expr: sp.Expr) -> sp.Expr:
    r"""``expr`` in the lecture's symbols: :math:`\alpha_t\bar\alpha_{t-1} \to \bar\alpha_t`,
    :math:`1-\alpha_t \to \beta_t`, variances as squared standard deviations.  Exact."""
    expr = sp.sympify(expr).xreplace(_VARIANCES)
    for old, new in _TO_DISPLAY:
        expr = expr.subs(old, new)
    return expr


def from_display(expr: sp.Expr) -> sp.Expr:
    """Inverse of :func:`to_display`: display symbols back to the proof's symbols."""
    return sp.sympify(expr).xreplace(_FROM_DISPLAY)


def comparable(expr: sp.Expr) -> sp.Expr:
    """``expr`` with variances written as squared standard deviations (what :func:`parse` returns)."""
    return from_display(sp.sympify(expr).xreplace(_VARIANCES))


# ---------------------------------------------------------------------------------------------
# Printing.

class _Printer(LatexPrinter):
    """SymPy's LaTeX printer with the table's names and ``\\log p(x)`` for log-densities."""

    def _print_Add(self, expr, order=None):
        if self.order != "none":                       # SymPy's usual order
            return super()._print_Add(expr)
        out = ""                                      # as built; a nested sum keeps its parentheses
        for i, term in enumerate(expr.args):
            if isinstance(term, sp.Add):
                printed, sign = rf"\left({self._print(term)}\right)", "+"
            else:
                printed = self._print(term)
                sign = "-" if printed.startswith("-") else "+"
                printed = printed[1:].lstrip() if sign == "-" else printed
            out += (f"{sign} " if sign == "-" else "") + printed if i == 0 else f" {sign} {printed}"
        return out

    def _print_log(self, expr):
        argument = expr.args[0]
        if isinstance(argument, SE.Density) or type(argument).__name__ == "Normal":
            return rf"\log {self._print(argument)}"
        return rf"\log\left({self._print(argument)}\right)"


_SYMBOL_NAMES = {n.display: n.latex for n in TABLE}


def _printer(as_built: bool = False) -> _Printer:
    # as_built (order="none"): terms in the order an unevaluated expression was built, so an
    # intermediate line of a worked derivation reads as written; otherwise SymPy's usual order.
    return _Printer({"symbol_names": _SYMBOL_NAMES, "order": "none" if as_built else None})


def latex(expr: sp.Expr, *, display: bool = True) -> str:
    """LaTeX of ``expr`` in the lecture's notation (``display=False``: symbols as they are)."""
    expr = to_display(expr) if display else sp.sympify(expr)
    return _printer(as_built=not display).doprint(expr)


def _width(text: str) -> float:
    """Rough printed width of a LaTeX string in character units (for breaking rows): operator
    names count their letters, sub- and superscripts 0.7 of theirs, a fraction its wider part."""
    text = re.sub(r"\\(left|right|Big|big|middle|quad|qquad|nonumber)\b|\\,", "", text)
    text = re.sub(r"\\(log|sqrt|exp)\b", "lll", text)
    text = re.sub(r"\\(mathbb|mathrm|mathcal|bar|tilde)\b", "", text)
    text = re.sub(r"\\[a-zA-Z]+", "x", text)
    for _ in range(6):   # innermost braces first
        text = re.sub(r"\\frac\{([^{}]*)\}\{([^{}]*)\}",
                      lambda m: "x" * max(len(m.group(1)), len(m.group(2))), text)
        text = re.sub(r"[_^]\{([^{}]*)\}", lambda m: "x" * max(1, round(0.7 * len(m.group(1)))), text)
        text = re.sub(r"\{([^{}]*)\}", r"\1", text)
    return len(re.sub(r"\s", "", text))


def _terms(expr: sp.Add, printer: _Printer) -> list[sp.Expr]:
    """The terms of a sum, nested (unevaluated) sums flattened, in printing order.  Sums of
    log-densities (the ELBO's lines) read as in the lecture: single terms before sums, positive
    before negative."""
    out: list[sp.Expr] = []
    for term in (expr.args if printer.order == "none" else expr.as_ordered_terms()):
        out.extend(_terms(term, printer) if isinstance(term, sp.Add) else [term])
    if any(term.atoms(SE.Density) for term in out):
        out.sort(key=lambda term: (term.has(sp.Sum), term.could_extract_minus_sign(),
                                   not term.has(SE.p_prior)))
    return out


def _pieces(expr: sp.Expr, printer: _Printer) -> list[str]:
    """The LaTeX of ``expr`` as pieces; a piece starting with '+' or '-' may start a new row."""
    if isinstance(expr, SE.E) and isinstance(expr.args[0], sp.Add):
        body, measure = expr.args
        inner = _pieces(body, printer)
        return [rf"\mathbb{{E}}_{{{printer._print(measure)}}}\Big[ {inner[0]}", *inner[1:], r"\Big]"]
    if isinstance(expr, sp.Sum) and isinstance(expr.function, sp.Add):
        (index, low, high), = expr.limits
        inner = _pieces(expr.function, printer)
        head = rf"\sum_{{{printer._print(index)}={printer._print(low)}}}^{{{printer._print(high)}}}"
        return [rf"{head} \Big( {inner[0]}", *inner[1:], r"\Big)"]
    if isinstance(expr, sp.Add):
        pieces: list[str] = []
        for i, term in enumerate(_terms(expr, printer)):
            sign = "+"
            if term.could_extract_minus_sign():
                sign, term = "-", -term
            inner = _pieces(term, printer)
            lead = ("-" if sign == "-" else "") if i == 0 else sign
            pieces.append(f"{lead} {inner[0]}".strip())
            pieces.extend(inner[1:])
        return pieces
    return [printer._print(expr)]


def latex_rows(expr: sp.Expr, width: float = 60, *, display: bool = True) -> list[str]:
    """``expr`` as rows of at most about ``width`` characters, broken before a top-level sign
    (``display=False``: the expression is already in display symbols and kept as built)."""
    printer = _printer(as_built=not display)
    pieces = _pieces(to_display(expr) if display else sp.sympify(expr), printer)
    rows: list[str] = []
    current = ""
    for piece in pieces:
        breakable = piece[:1] in "+-" or piece.startswith(r"\Big")
        if current and breakable and _width(current + piece) > width:
            rows.append(current)
            current = piece
        else:
            current = f"{current} {piece}".strip()
    rows.append(current)
    return rows


# ---------------------------------------------------------------------------------------------
# Parsing the printed LaTeX back.

_DENSITY = re.compile(
    r"(?P<name>p_\\theta|q|p)\((?P<first>x_\{[^}]*\}|x_[0-9a-zA-Z])(?:\|(?P<given>[^)]*))?\)"
)


def _subscript(variable: str) -> str:
    """'x_{t - 1}' -> 't - 1'; 'x_0' -> '0'."""
    return variable[3:-1] if variable.startswith("x_{") else variable[2:]


def _density_class(match: re.Match) -> tuple[type, str]:
    name, first, given = match.group("name"), _subscript(match.group("first")), match.group("given")
    parts = [p.strip() for p in given.split(",")] if given else []
    if name == r"p_\theta":
        if first.startswith("0:"):
            return SE.p_joint, first[2:]
        return SE.p_theta, _subscript(parts[0])
    if name == "p":
        return SE.p_prior, first
    if first.startswith("1:"):
        return SE.q_joint, first[2:]
    if parts == ["x_0"]:
        return SE.q_jump, first
    if len(parts) == 2:
        return SE.q_post, _subscript(parts[0])
    return SE.q_step, first


_DENSITY_CLASSES = (SE.p_theta, SE.q_step, SE.q_jump, SE.q_post, SE.p_prior, SE.p_joint, SE.q_joint)
_FUNCTION_IDS = {cls: i + 1 for i, cls in enumerate(_DENSITY_CLASSES)} | {SE.E: 20, SE.KL: 21}
_FUNCTIONS_BY_NAME = {f"f_{{{i}}}": cls for cls, i in _FUNCTION_IDS.items()}


def _matching(text: str, start: int, opening: str, closing: str) -> int:
    """Index of the ``closing`` that balances the ``opening`` ending just before ``start``."""
    depth, i = 1, start
    while i < len(text):
        if text.startswith(opening, i):
            depth, i = depth + 1, i + len(opening)
        elif text.startswith(closing, i):
            depth -= 1
            if depth == 0:
                return i
            i += len(closing)
        else:
            i += 1
    raise ValueError(f"unbalanced {opening!r} in {text!r}")


def _rewrite_calls(text: str) -> str:
    """Expectations and KL divergences as placeholder calls f_{20}(body, measure), f_{21}(q, p)."""
    head_e = r"\mathbb{E}_{"
    head_kl = r"D_{\mathrm{KL}}\left("
    while True:
        i_e, i_kl = text.find(head_e), text.find(head_kl)
        if i_e < 0 and i_kl < 0:
            return text
        if i_kl < 0 or (0 <= i_e < i_kl):
            end_measure = _matching(text, i_e + len(head_e), "{", "}")
            measure = text[i_e + len(head_e):end_measure]
            rest = end_measure + 1
            if not text.startswith(r"\left[", rest):
                raise ValueError(f"expected \\left[ after the expectation's subscript in {text!r}")
            end_body = _matching(text, rest + len(r"\left["), r"\left[", r"\right]")
            body = text[rest + len(r"\left["):end_body]
            gaussian = re.fullmatch(r"(.*?)\\sim\s*f_\{23\}\\left\((.*),(.*)\\right\)", measure.strip())
            call = (f"f_{{22}}\\left({body}, {gaussian.group(1)}, {gaussian.group(2)}, {gaussian.group(3)}\\right)"
                    if gaussian else f"f_{{20}}\\left({body}, {measure}\\right)")
            text = text[:i_e] + call + text[end_body + len(r"\right]"):]
        else:
            start = i_kl + len(head_kl)
            end = _matching(text, start, r"\left(", r"\right)")
            q, p = text[start:end].split(r"\,\middle\|\,")
            text = text[:i_kl] + f"f_{{21}}\\left({q}, {p}\\right)" + text[end + len(r"\right)"):]


def _rebuild(expr):
    """Re-evaluate a tree the parser built unevaluated (log(x, E) -> log(x), ...)."""
    if not expr.args or isinstance(expr, sp.Symbol):
        return expr
    return expr.func(*[_rebuild(a) for a in expr.args])


def parse(text: str) -> sp.Expr:
    """Read LaTeX printed by :func:`latex` or :func:`latex_rows` back into the proof's symbols.

    Rows of an ``align`` (``&``, ``\\\\``, ``\\quad``) are joined; ``\\Big`` delimiters are
    read as ``\\left``/``\\right``.
    """
    from sympy.parsing.latex import parse_latex

    text = re.sub(r"\\\\|&|\\q?quad\b", " ", text)
    for big, plain in ((r"\Big[", r"\left["), (r"\Big]", r"\right]"), (r"\Big(", r"\left("),
                       (r"\Big)", r"\right)")):
        text = text.replace(big, plain)

    def density(match: re.Match) -> str:
        cls, index = _density_class(match)
        return f"f_{{{_FUNCTION_IDS[cls]}}}({index})"

    text = text.replace(r"\mathcal{N}\left(", r"f_{23}\left(").replace(r";\,", ",")
    text = _rewrite_calls(_DENSITY.sub(density, text))
    placeholders: dict[str, sp.Expr] = {"pi": sp.pi}
    text = re.sub(r"\\pi(?![a-zA-Z])", r"{\\pi}", text)
    for i, entry in enumerate(sorted(TABLE, key=lambda n: -len(n.latex))):
        token = f"Q_{{{i + 100}}}"
        if entry.latex in ("t", "T"):      # summation indices and limits stay as they are
            placeholders[entry.latex] = entry.display
            continue
        if len(entry.latex) == 1:          # a lone letter, not part of a command or a name
            text = re.sub(rf"(?<![\\a-zA-Z]){entry.latex}(?![a-zA-Z])", f" {{{token}}} ", text)
        else:
            text = text.replace(entry.latex, f" {{{token}}} ")
        placeholders[token] = entry.display   # braced: never read as a function call
    parsed = parse_latex(text, backend="antlr")

    atoms = parsed.atoms(sp.Symbol)     # bound summation indices included
    symbols = {s: placeholders[s.name] for s in atoms if s.name in placeholders}
    unknown = sorted(s.name for s in atoms if s.name not in placeholders)
    if unknown:
        raise ValueError(f"unknown symbol(s) {', '.join(unknown)} in {text!r}")
    parsed = parsed.xreplace(symbols)
    from .worked import Expect, Normal
    functions = _FUNCTIONS_BY_NAME | {"f_{22}": Expect, "f_{23}": Normal}
    parsed = parsed.replace(
        lambda e: isinstance(e, sp.core.function.AppliedUndef) and e.func.__name__ in functions,
        lambda e: functions[e.func.__name__](*e.args),
    )
    return from_display(_rebuild(parsed))
