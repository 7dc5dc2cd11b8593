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

Reading back uses the one reader of user input, :func:`symbolic.formula.parse_derivation`
(a hand-written tokenizer and parser that never evaluates text), with the same symbol table.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import sympy as sp
from sympy.printing.latex import LatexPrinter

from . import elbo, symbols, vocabulary
from .formula import parse_derivation
from .gaussian import Normal


@dataclass(frozen=True)
class Notation:
    """One quantity: its plain name, its LaTeX, and what it stands for in the proof's symbols."""

    name: str
    latex: str
    display: sp.Symbol
    value: sp.Expr
    meaning: str


#: The symbol table, in the lecture's notation: every entry of the reader's table
#: (:mod:`symbolic.vocabulary`) that the export prints, so that whatever is printed is read back
#: by the same reader (:func:`parse`) and the reverse.  ``value`` is in the proof's symbols.
TABLE: tuple[Notation, ...] = tuple(
    Notation(n.name, n.printed, n.symbol, n.value, n.meaning)
    for n in vocabulary.VOCABULARY + vocabulary.MODEL if n.printed is not None
)

_BY_NAME_DISPLAY = {n.name: n.display for n in TABLE}
# Display symbols: names the lecture gives to expressions of the independent symbols.
ALPHA_BAR_T = _BY_NAME_DISPLAY["alpha_bar_t"]
BETA_T = _BY_NAME_DISPLAY["beta_t"]
SIGMA_T = _BY_NAME_DISPLAY["sigma_t"]
SIGMA_1 = _BY_NAME_DISPLAY["sigma_1"]
SIGMA_2 = _BY_NAME_DISPLAY["sigma_2"]
S_LG = _BY_NAME_DISPLAY["s"]
BETA_TILDE_T = _BY_NAME_DISPLAY["beta_tilde_t"]
MU_TILDE_T = _BY_NAME_DISPLAY["mu_tilde_t"]
MU_THETA = _BY_NAME_DISPLAY["mu_theta"]
LAMBDA_T = _BY_NAME_DISPLAY["lambda_t"]
C_T = _BY_NAME_DISPLAY["C_t"]

BY_NAME = {n.name: n for n in TABLE}

# Proof symbols -> display symbols, applied in this order (products before their factors).
_TO_DISPLAY = (
    (symbols.alpha_t * symbols.alpha_bar_prev, ALPHA_BAR_T),
    (1 - symbols.alpha_t, BETA_T),
)
_VARIANCES = {symbols.var: symbols.sigma**2, symbols.var_1: SIGMA_1**2, symbols.var_2: SIGMA_2**2,
              symbols.sigma2_t: SIGMA_T**2, elbo.lg_s2: S_LG**2}
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
        if isinstance(argument, (elbo.Density, Normal)):
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
    if any(term.atoms(elbo.Density) for term in out):
        out.sort(key=lambda term: (term.has(sp.Sum), term.could_extract_minus_sign(),
                                   not term.has(elbo.p_prior)))
    return out


def _pieces(expr: sp.Expr, printer: _Printer) -> list[str]:
    """The LaTeX of ``expr`` as pieces; a piece starting with '+' or '-' may start a new row."""
    if isinstance(expr, elbo.E) and isinstance(expr.args[0], sp.Add):
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
# Reading the printed LaTeX back: the one reader of user input (symbolic.formula).

def parse(text: str) -> sp.Expr:
    """Read LaTeX printed by :func:`latex` or :func:`latex_rows` back into the proof's symbols,
    with the same reader and symbol table as ``check`` (:func:`symbolic.formula.parse_derivation`).

    Rows of an ``align`` (``&``, ``\\\\``, ``\\quad``) are joined; ``\\Big`` delimiters are
    read like ``\\left``/``\\right``.
    """
    return parse_derivation(text)
