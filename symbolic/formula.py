r"""Reading a user's formula exactly: plain (code) syntax, LaTeX or Unicode, never ``eval``.

A formula is untrusted input (a course may run ``check`` as an autograder) and a verdict is
only worth something for what the user actually wrote.  So this reader

* never evaluates the text: it is split into tokens by hand and parsed by a small recursive
  descent parser that builds SymPy objects directly (no ``sympify``, no ``parse_expr``, no
  ANTLR);
* accounts for every character: each token is either part of the expression, or one of the
  layout marks that are removed on purpose and *reported* (equation numbers ``(11)``,
  ``\tag{..}``, ``\label{..}``, alignment ``&`` and ``\\``, spacing ``\,`` ``\quad``, trailing
  punctuation, a trailing ``\text{..}`` remark), or it is refused with a message naming it;
* reads numbers exactly as written (``0.1`` is 1/10, ``1e-400`` is 10^-400) and refuses what
  is ambiguous (``x^23`` is x²·3 in TeX) instead of guessing;
* reads the notation of the field: decorations and bold (``\bar{\alpha}_t``, ``\mathbf{x}_t``,
  ``\boldsymbol{\epsilon}``), the model's output as a call (``\epsilon_\theta(\mathbf{x}_t, t)``),
  norms ``\|v\|^2`` (per coordinate), products ``\prod_{s=1}^t \alpha_s``, per-coordinate sums,
  Unicode (``√ᾱ_t x_0``), the names of reference code (``alphas_cumprod``,
  ``_extract_into_tensor(self.sqrt_recip_alphas_cumprod, t, x_t.shape)``), chains
  ``a = b = c`` and definitions ``:=``, ``\coloneqq``, ``\triangleq``, ``\equiv``.

How anything was read beyond the literal symbols is returned as ``notes`` and shown to the user.
The symbol table is :mod:`symbolic.vocabulary`.  Size guards: at most 2,000 characters, numbers
of at most 50 digits, exponents |p/q| <= 64, polynomial degree <= 256, nesting <= 100 levels,
``exp``/``log`` nested at most 3 deep.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass, field

import sympy as sp

from . import elbo, steps, symbols
from .forward import forward_jump_mean, forward_jump_variance
from .gaussian import Expect, Normal, gaussian_log_density
from .kl import gaussian_kl
from .vocabulary import (
    BY_NAME, CODE_BY_NAME, COMBINING, GATHERS, MODEL, MODULES, OBJECTS, SUBSCRIPTS, SUPERSCRIPTS, UNICODE, VOCABULARY,
    Name,
)

MAX_LENGTH = 2000       # characters of a formula
MAX_DIGITS = 50         # digits of one number
MAX_DECIMAL_EXPONENT = 1000   # |e| in 1e-400
MAX_EXPONENT = 64       # |numeric exponent|
MAX_DEGREE = 256        # estimated polynomial degree of the whole formula
MAX_DEPTH = 100         # nesting of brackets and operators
MAX_FUNCTION_NESTING = 3   # exp(exp(exp(..))) is as deep as a formula may go

__all__ = ["FormulaError", "Formula", "Side", "parse", "read_line", "parse_plain", "parse_latex_formula", "parse_derivation", "lhs_key",
           "to_proof_symbols", "user_symbol", "is_latex", "from_sympy", "VOCABULARY", "BY_NAME",
           "FUNCTIONS", "plain_names", "latex_spellings", "Name"]


class FormulaError(ValueError):
    """A formula that cannot be read: the message names the offending part."""


def plain_names() -> list[str]:
    return [n.name for n in VOCABULARY]


def latex_spellings() -> list[str]:
    return [s for n in VOCABULARY for s in n.latex]


def user_symbol(name: str) -> sp.Symbol:
    return BY_NAME[name].symbol


# ---------------------------------------------------------------------------------------------
# Guarded construction: exact numbers, bounded powers.

def _number(text: str) -> sp.Rational:
    mantissa, _, exponent = text.lower().partition("e")
    digits = re.sub(r"[^0-9]", "", mantissa).lstrip("0")
    if len(digits) > MAX_DIGITS:
        raise FormulaError(f"the number {text[:20]}... has more than {MAX_DIGITS} digits")
    if exponent and abs(int(exponent)) > MAX_DECIMAL_EXPONENT:
        raise FormulaError(f"the number {text!r} is out of range; decimal exponents are limited to "
                           f"|e| <= {MAX_DECIMAL_EXPONENT}")
    try:
        return sp.Rational(text)           # exact: '0.1' is 1/10, '1e-400' is 10**-400
    except (TypeError, ValueError):
        raise FormulaError(f"cannot read the number {text!r}") from None


def _check_size(value: sp.Expr) -> sp.Expr:
    if value.has(sp.zoo, sp.nan, sp.oo, -sp.oo):
        raise FormulaError("the formula divides by zero or is infinite (it contains "
                           f"{sp.sstr(next(a for a in (sp.zoo, sp.nan, sp.oo, -sp.oo) if value.has(a)))})")
    if value.is_Rational and max(abs(int(value.p)), int(value.q)).bit_length() > 4 * 3322:
        raise FormulaError("a number in the formula is too large (over 4,000 digits)")
    return value


def _degree(expr: sp.Expr, memo: dict) -> int:
    """An upper bound of the polynomial degree SymPy may reach when it expands ``expr``."""
    if expr in memo:
        return memo[expr]
    if expr.is_Atom:
        value = 1 if expr.free_symbols else 0
    elif isinstance(expr, sp.Pow) and expr.exp.is_Number:
        value = _degree(expr.base, memo) * int(abs(sp.ceiling(expr.exp)))
    elif isinstance(expr, sp.Mul):
        value = sum(_degree(a, memo) for a in expr.args)
    else:
        value = max((_degree(a, memo) for a in expr.args), default=0)
    memo[expr] = value
    return value


#: Where a formula is defined, as written: each denominator, log argument and root's radicand the
#: reader builds, before SymPy's automatic simplification can hide one (1/(x/(1 - a)) is undefined
#: at a = 1 although SymPy writes it (1 - a)/x).  Collected while one side is read.
_CONDITIONS: list | None = None


def _record(node: sp.Expr) -> None:
    """Keep ``node`` (built unevaluated: 1/b, log a, sqrt(c)) as a place the formula needs defined;
    constants too (0*sqrt(-2) is 0 once evaluated, but sqrt(-2) was written)."""
    if _CONDITIONS is not None and node not in _CONDITIONS:
        _CONDITIONS.append(node)


def _power(base: sp.Expr, exponent: sp.Expr) -> sp.Expr:
    if (exponent.is_Number and exponent < 0) or exponent.is_integer is not True:
        _record(sp.Pow(base, exponent, evaluate=False))
    elif exponent == 0:
        _record(sp.Pow(base, -1, evaluate=False))      # x^0 is 1 only where x != 0 (0^0 is refused)
    if base == 0 and (exponent.is_nonpositive or exponent.is_zero):
        raise FormulaError(f"0^{sp.sstr(exponent)} is undefined")
    if exponent.is_Number:
        if abs(exponent) > MAX_EXPONENT or (exponent.is_Rational and exponent.q > MAX_EXPONENT):
            raise FormulaError(f"the exponent {exponent} is out of range; exponents are limited to "
                               f"|p/q| <= {MAX_EXPONENT} with q <= {MAX_EXPONENT}")
        if base.is_Rational and exponent.is_Integer:
            bits = max(abs(int(base.p)), int(base.q)).bit_length() * abs(int(exponent))
            if bits > 4 * 3322:
                raise FormulaError("a power in the formula is too large (over 4,000 digits)")
    result = _check_size(sp.Pow(base, exponent))
    if _degree(result, {}) > MAX_DEGREE:
        raise FormulaError(f"the formula's degree is over {MAX_DEGREE} (a power of a power such as "
                           f"{sp.sstr(result)[:40]}); write it out or simplify it first")
    return result


def _divide(numerator: sp.Expr, denominator: sp.Expr) -> sp.Expr:
    if denominator == 0:
        raise FormulaError("the formula divides by zero")
    return _check_size(numerator * _power(denominator, sp.Integer(-1)))


def _log(argument: sp.Expr, base: sp.Expr | None = None) -> sp.Expr:
    _record(sp.log(argument, evaluate=False))
    if base is not None:                              # log(y, b) = log y / log b: b > 0 and b != 1
        _record(sp.log(base, evaluate=False))
        _record(sp.Pow(sp.log(base, evaluate=False), -1, evaluate=False))
    if argument == 0 or base == 0 or base == 1:
        raise FormulaError(f"log({sp.sstr(argument)}{'' if base is None else ', ' + sp.sstr(base)}) "
                           "is undefined")
    value = sp.log(argument) if base is None else sp.log(argument) / sp.log(base)
    return _check_size(value)


def _sqrt(argument: sp.Expr, index: sp.Expr = sp.Integer(2)) -> sp.Expr:
    return _power(argument, 1 / index)


def _nesting(expr: sp.Expr) -> int:
    if isinstance(expr, (sp.exp, sp.log)):
        return 1 + max((_nesting(a) for a in expr.args), default=0)
    if isinstance(expr, sp.Pow) and expr.base == sp.E:
        return 1 + _nesting(expr.exp)
    return max((_nesting(a) for a in expr.args), default=0)


def _guard_function(value: sp.Expr) -> sp.Expr:
    if _nesting(value) > MAX_FUNCTION_NESTING:
        raise FormulaError(f"exp/log are nested more than {MAX_FUNCTION_NESTING} deep in "
                           f"{sp.sstr(value)[:60]!r}")
    return _check_size(value)


#: Functions of plain syntax: name -> (builder, argument counts, description).
FUNCTIONS: dict[str, tuple] = {
    "sqrt": (lambda a: _sqrt(a), (1,), "square root"),
    "log": (lambda a, b=None: _log(a, b), (1, 2), "natural logarithm (log(x, b): base b)"),
    "ln": (lambda a: _log(a), (1,), "natural logarithm"),
    "exp": (lambda a: sp.exp(a), (1,), "exponential"),
    "abs": (lambda a: sp.Abs(a), (1,), "absolute value"),
    "log1p": (lambda a: _log(1 + a), (1,), "log(1 + x)"),
    "expm1": (lambda a: sp.exp(a) - 1, (1,), "exp(x) - 1"),
    "rsqrt": (lambda a: _divide(sp.Integer(1), _sqrt(a)), (1,), "1/sqrt(x)"),
    "square": (lambda a: _power(a, sp.Integer(2)), (1,), "x^2"),
    "pow": (lambda a, b: _power(a, b), (2,), "pow(x, p) = x^p"),
    "log_normal": (gaussian_log_density, (3,), "log N(x; mean, variance)"),
    "kl_normal": (gaussian_kl, (4,), "KL(N(mean_1, var_1) || N(mean_2, var_2))"),
}
#: Methods of tensors copied from code: (x).sqrt() ...
METHODS = ("sqrt", "log", "exp", "rsqrt", "log1p", "expm1", "square", "abs")


# ---------------------------------------------------------------------------------------------
# Tokens.

@dataclass(frozen=True)
class Tok:
    kind: str        # num, name (plain identifier), letter (LaTeX), cmd (LaTeX command), op, end
    text: str
    pos: int
    space: bool = False   # whitespace or a spacing command before it
    wide: bool = False    # a wide space before it (\quad, \qquad, a line break \\ or &)


_GREEK = ("alpha beta gamma delta epsilon varepsilon zeta eta theta vartheta iota kappa lambda mu nu xi "
          "pi varpi rho varrho sigma varsigma tau upsilon phi varphi chi psi omega Gamma Delta Theta "
          "Lambda Xi Pi Sigma Upsilon Phi Psi Omega").split()
_GREEK_ASCII = {"α": "alpha", "β": "beta", "γ": "gamma", "δ": "delta", "ε": "eps", "ϵ": "eps", "θ": "theta",
                "λ": "lambda", "μ": "mu", "π": "pi", "σ": "sigma", "τ": "tau", "ᾱ": "alpha_bar"}
_PLAIN_UNICODE = {"−", "–", "∇", "∑", "∏", "∞", "ℕ", "𝒩", "𝔼", "≈", "≤", "≥", "≠", "∣"}
_SPACING = {",", ";", ":", "!", " ", "quad", "qquad", "thinspace", "medspace", "thickspace", "enspace",
            "negthinspace", "displaystyle", "textstyle", "scriptstyle", "nonumber", "notag", "hfill"}
_SIZING = {"left", "right", "middle", "big", "Big", "bigg", "Bigg", "bigl", "bigr", "Bigl", "Bigr",
           "biggl", "biggr", "Biggl", "Biggr", "bigm", "Bigm"}
_DECORATIONS = {"bar": "bar", "overline": "bar", "tilde": "tilde", "widetilde": "tilde", "hat": "hat",
                "widehat": "hat"}
_WRAPPERS = {"mathbf", "boldsymbol", "bm", "mathit", "mathrm", "mathsf", "textbf", "mathbb", "pmb",
             "mathnormal", "operatorname", "text", "textrm", "textit", "mathcal", "vec"}
_BAR_CMDS = {"lVert": "‖", "rVert": "‖", "Vert": "‖", "lvert": "|", "rvert": "|", "vert": "|", "mid": "|"}
_DELIMITER_CMDS = {"lVert": "‖", "rVert": "‖", "Vert": "‖", "|": "‖", "lvert": "|", "rvert": "|",
                   "vert": "|", "{": "{", "}": "}", "langle": "<", "rangle": ">", "lbrace": "{",
                   "rbrace": "}", "lbrack": "[", "rbrack": "]"}
_RELATIONS = {"=": "=", ":=": ":=", "coloneqq": ":=", "triangleq": ":=", "equiv": ":=", "eqqcolon": ":=",
              "doteq": ":=", "stackrel": "=", "overset": "="}
_COMPARISONS = {"<", ">", "<=", ">=", "==", "!=", "le", "leq", "ge", "geq", "ne", "neq", "approx",
                "propto", "sim", "simeq", "cong", "ll", "gg", "leqslant", "geqslant", "lesssim", "gtrsim"}


def _translate_unicode(text: str, latex: bool) -> str:
    """Unicode of course sheets into the reader's spelling (LaTeX commands, or ASCII names)."""
    text = unicodedata.normalize("NFC", text)
    out: list[str] = []
    subscript = None                  # the subscript being collected (ₜ₋₁ is one subscript, t-1)
    for ch in text:
        if ch in SUBSCRIPTS:
            subscript = (subscript or "") + SUBSCRIPTS[ch]
            continue
        if subscript is not None:
            out.append(f"_{{{subscript}}}")
            subscript = None
        if ch in COMBINING:
            if not out or not out[-1].strip():
                raise FormulaError(f"the combining mark U+{ord(ch):04X} follows no letter")
            decoration = COMBINING[ch]
            out[-1] = (rf"\{decoration}{{{out[-1].strip()}}}" if latex else
                       f"{out[-1]}_{decoration}")
        elif ch in SUPERSCRIPTS:
            out.append(f"^{{{SUPERSCRIPTS[ch]}}}" if latex else f"^{SUPERSCRIPTS[ch]}")
        elif not latex and ch in _GREEK_ASCII:
            out.append(_GREEK_ASCII[ch])
        elif ch in UNICODE and (latex or ch in _PLAIN_UNICODE):
            mapped = UNICODE[ch]
            if mapped == r"\bar\alpha":
                out.append(r"\bar{\alpha} ")
            elif mapped.startswith("\\"):
                out.append(f"{mapped} ")
            else:
                out.append(mapped)
        else:
            out.append(ch)
    if subscript is not None:
        out.append(f"_{{{subscript}}}")
    return "".join(out)


def _lex_latex(text: str) -> list[Tok]:
    toks: list[Tok] = []
    i, space = 0, False
    wide_at: list[int] = []          # positions of \quad, \qquad, \\ and &
    n = len(text)
    while i < n:
        ch = text[i]
        if ch in " \t\r\n~&":
            if ch == "&":
                wide_at.append(i)
            space, i = True, i + 1
            continue
        if ch == "\\":
            m = re.match(r"\\([a-zA-Z]+)", text[i:])
            if m:
                name = m.group(1)
                i += len(m.group(0))
                if name in _SPACING:
                    space = True
                    if name in ("quad", "qquad"):
                        wide_at.append(i - 1)
                    continue
                if name in _BAR_CMDS:
                    toks.append(Tok("op", _BAR_CMDS[name], i - len(m.group(0)), space))
                    space = False
                    continue
                toks.append(Tok("cmd", name, i - len(m.group(0)), space))
                space = False
                continue
            if i + 1 >= n:
                raise FormulaError("a lone backslash ends the formula")
            nxt = text[i + 1]
            if nxt in ",;:! ":
                space, i = True, i + 2
                continue
            if nxt == "\\":        # a line break of an align: layout only
                wide_at.append(i)
                space, i = True, i + 2
                continue
            if nxt in "|{}":
                toks.append(Tok("op", "‖" if nxt == "|" else nxt, i, space))
                space, i = False, i + 2
                continue
            raise FormulaError(f"unexpected {text[i:i + 2]!r} at position {i + 1}")
        m = re.match(r"\d+(?:\.\d+)?|\.\d+", text[i:])
        if m:
            toks.append(Tok("num", m.group(0), i, space))
            space, i = False, i + len(m.group(0))
            continue
        if ch.isascii() and ch.isalpha():
            toks.append(Tok("letter", ch, i, space))
            space, i = False, i + 1
            continue
        two = text[i:i + 2]
        if two in (":=", "<=", ">=", "==", "!="):
            toks.append(Tok("op", two, i, space))
            space, i = False, i + 2
            continue
        if ch in "+-*/^_()[]{}|,;:=<>!'.":
            toks.append(Tok("op", ch, i, space))
            space, i = False, i + 1
            continue
        toks.append(Tok("bad", f"unexpected character {ch!r} (U+{ord(ch):04X}) at position {i + 1}; "
                               "it is not part of the notation", i, space))
        space, i = False, i + 1
    toks.append(Tok("end", "", n, space))
    if wide_at:
        marked, previous = [], -1
        for tok in toks:
            if any(previous < w < tok.pos for w in wide_at):
                tok = Tok(tok.kind, tok.text, tok.pos, tok.space, True)
            marked.append(tok)
            previous = tok.pos
        toks = marked
    return _subscript_first(toks)


def _argument_end(toks: list[Tok], i: int) -> int:
    """Index after the TeX argument starting at ``toks[i]`` (a braced group or one token)."""
    if toks[i].kind == "op" and toks[i].text == "{":
        depth = 0
        for j in range(i, len(toks)):
            if toks[j].kind == "op" and toks[j].text in "{}":
                depth += 1 if toks[j].text == "{" else -1
                if depth == 0:
                    return j + 1
        return len(toks)
    return i + 1


def _subscript_first(toks: list[Tok]) -> list[Tok]:
    r"""``\sigma^2_t`` -> ``\sigma_t^2``: the subscript belongs to the symbol, the square to the power."""
    i = 0
    while i < len(toks) - 3:
        if toks[i].kind == "op" and toks[i].text == "^" and toks[i + 1].kind != "end":
            sup_end = _argument_end(toks, i + 1)
            if sup_end < len(toks) - 1 and toks[sup_end].kind == "op" and toks[sup_end].text == "_":
                sub_end = _argument_end(toks, sup_end + 1)
                toks = toks[:i] + toks[sup_end:sub_end] + toks[i:sup_end] + toks[sub_end:]
        i += 1
    return toks


#: One-character operators of plain syntax (Unicode ones as their ASCII reading).
_PLAIN_OPERATORS = {**{ch: ch for ch in "+-*/^()[]{}|,=<>.;"}, "√": "√", "·": "*", "⋅": "*", "×": "*",
                    "‖": "‖", "≔": ":=", "≜": ":=", "≡": ":="}


def _lex_plain(text: str) -> list[Tok]:
    toks: list[Tok] = []
    i, space = 0, False
    n = len(text)
    while i < n:
        ch = text[i]
        if ch in " \t\r\n":
            space, i = True, i + 1
            continue
        m = re.match(r"(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?", text[i:])
        if m:
            if i + len(m.group(0)) < n and (text[i + len(m.group(0))].isalpha() and
                                            text[i + len(m.group(0))] in "eE"):
                raise FormulaError(f"cannot read the number starting {text[i:i + 12]!r}")
            toks.append(Tok("num", m.group(0), i, space))
            space, i = False, i + len(m.group(0))
            continue
        m = re.match(r"_*[A-Za-z][A-Za-z0-9]*(?:_+(?:\{[^{}]*\}|[A-Za-z0-9]+))*"
                     r"_*(?:\._*[A-Za-z][A-Za-z0-9_]*)*", text[i:])
        if m:
            toks.append(Tok("name", m.group(0), i, space))
            space, i = False, i + len(m.group(0))
            continue
        two = text[i:i + 2]
        if two in ("**", ":=", "<=", ">=", "==", "!=", "//", "<<", ">>"):
            toks.append(Tok("op", "^" if two == "**" else two, i, space))
            space, i = False, i + 2
            continue
        if ch in _PLAIN_OPERATORS:
            toks.append(Tok("op", _PLAIN_OPERATORS[ch], i, space))
            space, i = False, i + 1
            continue
        what = {"#": "'#' starts a comment in code; a formula has no comments (remove it and what follows)",
                "%": "'%' (modulo) is not part of a formula", "@": "'@' (matrix product) is not read",
                "!": "'!' (factorial) is not read", "'": "a quote or prime (') is not read",
                '"': "a quote (\") is not read", ";": "';' separates statements; give one formula",
                "&": "'&' is not read in plain syntax", "~": "'~' is not read", "$": "'$' is not read here",
                "\\": "a backslash: this looks like LaTeX; use --latex"}.get(ch)
        # Refused when the parser reaches it, so that what comes first is named first.
        message = (f"{what} (at position {i + 1})" if what else
                   f"unexpected character {ch!r} (U+{ord(ch):04X}) at position {i + 1}; it is not part of "
                   "the notation")
        toks.append(Tok("bad", message, i, space))
        space, i = False, i + 1
    toks.append(Tok("end", "", n, space))
    return toks


def is_latex(text: str) -> bool:
    """LaTeX is recognised by a backslash (plain syntax and Unicode have none)."""
    return "\\" in text


# ---------------------------------------------------------------------------------------------
# Layout removed on purpose (and reported): wrappers, tags, equation numbers, punctuation.

_WRAPPERS_RE = [(r"^\$\$(.*)\$\$$", "$$...$$"), (r"^\$(.*)\$$", "$...$"), (r"^\\\[(.*)\\\]$", r"\[...\]"),
                (r"^\\\((.*)\\\)$", r"\(...\)")]
_ENVIRONMENT = re.compile(r"^\\begin\{(equation|align|gather|multline|eqnarray|split|aligned)\*?\}(.*)"
                          r"\\end\{\1\*?\}$", re.S)


def _strip_layout(text: str, latex: bool) -> tuple[str, list[str]]:
    notes: list[str] = []
    text = text.strip()
    for pattern, _ in _WRAPPERS_RE:
        m = re.match(pattern, text, re.S)
        if m:
            text = m.group(1).strip()
            break
    m = _ENVIRONMENT.match(text)
    if m:
        text = m.group(2).strip()
    if latex:
        m = re.match(r"\\(therefore|because|Rightarrow|Longrightarrow|implies|iff|Leftrightarrow)(?![a-zA-Z])", text)
        if m:
            notes.append(f"\\{m.group(1)} at the start is a connective, not part of the formula")
            text = text[m.end():]

        def tag(match):
            notes.append(f"{match.group(0).strip()} read as an equation tag")
            return " "
        text = re.sub(r"\\(?:tag\*?|label|eqref)\s*\{[^{}]*\}", tag, text)
        m = re.search(r"(?:\\q?quad|\\[,;: ]|\s|&)*\\(?:text|textrm|mathrm)\s*\{([^{}$]*)\}\s*[.,;]?\s*$", text)
        if m and m.start() > 0 and text[:m.start()].strip():
            notes.append(f"the remark {m.group(1).strip()!r} at the end is not part of the formula")
            text = text[:m.start()]
    # An equation number: (11) at the very end, set apart by a spacing command (LaTeX) or by at
    # least two spaces (plain), after something that completes an expression (not an operator).
    gap = r"(?:\\q?quad|\\[,;: ]|&|~)(?:\s|\\q?quad|\\[,;: ]|&|~)*" if latex else r"(?:\s{2,}|\t)\s*"
    m = re.search(gap + r"\(\s*([1-9]\d{0,2}(?:\.\d{1,3})?[a-z]?)\s*\)\s*[.,;]?\s*$", text)
    if m and re.search(r"[\w)\]}|]\s*$", text[:m.start()]):
        notes.append(f"({m.group(1)}) at the end read as an equation number")
        text = text[:m.start()]
    m = re.search(r"(?:\\[,;: ]|\\q?quad|\s)*(?<!\\)[.,;]\s*$", text)
    if m and text[:m.start()].strip() and (latex or not re.search(r"(?<![\d.])\d+\.\s*$", text)):
        notes.append(f"the trailing {m.group(0).strip()[-1]!r} is punctuation")
        text = text[:m.start()]
    return text, notes


# ---------------------------------------------------------------------------------------------
# The parser.

@dataclass(frozen=True)
class Cluster:
    """One LaTeX symbol: base letter, decorations, subscript (e.g. ('alpha', {'bar'}, 't-1'))."""

    base: str
    decorations: frozenset
    sub: str | None
    text: str

    @property
    def key(self) -> tuple:
        return (self.base, self.decorations, self.sub)

    def canonical(self) -> str:
        head = self.base + "".join(f"_{d}" for d in sorted(self.decorations))
        return head + (f"_{self.sub}" if self.sub else "")


_FUNCTION_LIKE = {
    # symbol: (argument patterns it may be called with, how the call is read, parameters that are
    # substituted when an argument is an expression instead of the parameter itself)
    "eps_theta": ((("x_t",), ("x_t", "t")), "the model's output at (x_t, t)", ()),
    "x0_hat": ((("x_t",), ("x_t", "t")), "the model's prediction of x_0 at (x_t, t)", ()),
    "mu_theta": ((("x_t",), ("x_t", "t")), "the model's mean at (x_t, t)", ()),
    "mu_tilde_t": ((("x_t", "x_0"), ("x_t", "eps")), "the posterior mean at (x_t, x_0), or written through (x_t, eps)",
                   ("x_t", "x_0")),
    "x_t": ((("x_0", "eps"),), "x_t as a function of (x_0, eps)", ()),
    "beta_tilde_t": ((("t",),), "beta_tilde at t", ()),
    "sigma_t": ((("t",),), "sigma at t", ()),
}

_STRICT_CALLS = ("eps_theta", "x0_hat", "mu_theta", "mu_tilde_t")   # a bracket after these is always their arguments


@dataclass
class _State:
    notes: list = field(default_factory=list)
    derivation: bool = False        # densities, expectations, KLs and sums over t are read too
    per_coordinate: bool = False    # a sum over coordinates (Σ_j, ‖v‖², sum()) read one coordinate at a time
    index_letters: set = field(default_factory=set)   # letters the timestep is written with (t, or i, ...)

    def note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)


class _Parser:
    def __init__(self, toks: list[Tok], latex: bool, text: str, state: _State, scope: dict | None = None):
        self.toks, self.i, self.latex, self.text = toks, 0, latex, text
        self.state = state
        self.depth = 0
        self.scope = scope or {}       # index letter -> role while reading a product/sum body
        self.open_bars: list[str] = []  # | and ‖ being read: the next one closes

    # -- token helpers
    def peek(self, k: int = 0) -> Tok:
        return self.toks[min(self.i + k, len(self.toks) - 1)]

    def next(self) -> Tok:
        tok = self.peek()
        self.i += 1
        return tok

    def at(self, kind: str, text: str | None = None, k: int = 0) -> bool:
        tok = self.peek(k)
        return tok.kind == kind and (text is None or tok.text == text)

    def at_op(self, *texts: str, k: int = 0) -> bool:
        return self.peek(k).kind == "op" and self.peek(k).text in texts

    def expect_op(self, text: str, what: str) -> Tok:
        if not self.at_op(text):
            raise FormulaError(f"expected {text!r} {what}, found {self.describe(self.peek())}")
        return self.next()

    def describe(self, tok: Tok) -> str:
        if tok.kind == "bad":
            raise FormulaError(tok.text)
        if tok.kind == "end":
            return "the end of the formula"
        shown = "\\" + tok.text if tok.kind == "cmd" else tok.text
        return f"{shown!r} at position {tok.pos + 1}"

    def enter(self):
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise FormulaError(f"the formula is nested more than {MAX_DEPTH} levels deep "
                               "(brackets, fractions or powers inside each other)")

    # -- grammar
    def expression(self) -> sp.Expr:
        self.enter()
        terms = [self.term(signed=True)]
        while self.at_op("+", "-"):
            sign = self.next().text
            term = self.term(signed=True)
            terms.append(-term if sign == "-" else term)
        self.depth -= 1
        return _check_size(sp.Add(*terms))

    def term(self, signed: bool = False) -> sp.Expr:
        factors = [self.unary() if signed else self.power()]
        while True:
            tok = self.peek()
            if (tok.kind == "op" and tok.text in ("*", "/")) or (tok.kind == "cmd" and tok.text in
                                                                 ("cdot", "times", "ast", "div")):
                self.next()
                operand = self.unary()
                if tok.text in ("/", "div"):
                    factors = [_divide(sp.Mul(*factors), operand)]
                else:
                    factors.append(operand)
                continue
            if tok.kind == "op" and tok.text in ("//", "<<", ">>"):
                raise FormulaError(f"the operator {tok.text!r} is not allowed; use + - * / ** ^")
            if self.starts_factor(tok):
                if tok.wide:
                    raise FormulaError(f"a product across a wide space (\\quad, a line break \\\\ or &) at position "
                                       f"{tok.pos + 1}: write the product with \\cdot; an equation number is read "
                                       "only at the very end")
                if tok.kind == "op" and tok.text == "(" and self.at("num", k=1) and self.at_op(")", k=2):
                    raise FormulaError(f"({self.peek(1).text}) at position {tok.pos + 1} follows a factor: an equation "
                                       "number or a product? Write the product with * (or \\cdot); an equation "
                                       "number is read only at the end, after \\quad")
                if tok.kind == "num":
                    # 'x 2', '(a)\n1': a number after a factor is a misplaced coefficient or a line
                    # of something else, never a product anyone writes
                    raise FormulaError(f"the number {tok.text} at position {tok.pos + 1} follows a factor "
                                       "without an operator; write the product with * (or \\cdot), "
                                       "coefficient first")
                if not self.latex and "\n" in self.text[self.peek(-1).pos:tok.pos]:
                    raise FormulaError(f"a line break at position {tok.pos} between two factors; join the "
                                       "lines with an operator (a product needs *)")
                factors.append(self.power())
                continue
            return _check_size(sp.Mul(*factors))

    def starts_factor(self, tok: Tok) -> bool:
        if tok.kind in ("num", "name", "letter"):
            return True
        if tok.kind == "op":
            return tok.text in ("(", "[", "{", "√") or (tok.text in ("|", "‖") and tok.text not in self.open_bars)
        if tok.kind == "cmd" and tok.text in _SIZING:
            after = self.peek(1)
            return after.kind == "op" and (after.text in "([{" or (after.text in ("|", "‖") and
                                                                    after.text not in self.open_bars))
        if tok.kind == "cmd":
            return tok.text not in ("cdot", "times", "ast", "div", "end") and \
                tok.text not in _RELATIONS and tok.text not in _COMPARISONS and tok.text not in ("}", "rVert",
                                                                                              "rvert")
        return False

    def unary(self) -> sp.Expr:
        if self.at_op("-"):
            self.next()
            return -self.unary()
        if self.at_op("+"):
            self.next()
            return self.unary()
        return self.power()

    def power(self) -> sp.Expr:
        self.enter()
        base = self.postfix()
        if self.at_op("^"):
            self.next()
            exponent = self.argument(what="exponent") if self.latex else self.unary()
            if self.at_op("^"):
                raise FormulaError("a double superscript (x^a^b) is ambiguous; use braces: x^{a^b}")
            base = _power(base, exponent)
            if self.latex and self.at_op("_"):
                raise FormulaError("a subscript after a superscript applies to nothing here; write "
                                   "the symbol's subscript first (\\sigma_t^2)")
        self.depth -= 1
        return base

    def postfix(self) -> sp.Expr:
        value = self.primary()
        while True:
            if self.at_op("'"):
                raise FormulaError(f"a prime (') at position {self.peek().pos + 1} is not read; "
                                   "name the quantity without it")
            if self.at_op("!"):
                raise FormulaError(f"'!' (factorial) at position {self.peek().pos + 1} is not read")
            if not self.latex and self.at_op(".") and self.at("name", k=1) and self.peek(2).kind == "op" \
                    and self.peek(2).text == "(":
                value = self.method(value, self.peek(1).text)
                continue
            return value

    def method(self, value: sp.Expr, method: str) -> sp.Expr:
        """``(x).sqrt()``, ``x.pow(2)``, ``x.sum()``: a tensor method copied from code."""
        tok = self.peek(1)
        if method not in METHODS + ("pow", "sum", "mean"):
            raise FormulaError(f"the method .{method}() at position {tok.pos + 1} is not read; read are "
                               + ", ".join(f".{m}()" for m in METHODS + ("pow", "sum")))
        self.i += 2
        opening = self.expect_op("(", f"after .{method}")
        if method == "pow":
            exponent = self.expression()
            self.close(")", opening)
            return _power(value, exponent)
        self.close(")", opening)
        if method in ("sum", "mean"):
            if method == "mean":
                raise FormulaError(".mean() averages over the coordinates (the sum / d); it is not read")
            return self.per_coordinate(".sum() read one coordinate at a time (a sum of the same term over the "
                                       "coordinates)", value)
        return _guard_function(FUNCTIONS[method][0](value))

    # -- primaries
    def primary(self) -> sp.Expr:
        tok = self.peek()
        if tok.kind == "num":
            self.next()
            if self.latex and self.at("num"):
                raise FormulaError(f"two numbers side by side ({tok.text} {self.peek().text})")
            return _number(tok.text)
        if tok.kind == "op":
            if tok.text == "{" and self.latex:
                start = self.i
                cluster = self.read_cluster()          # {\boldsymbol{\epsilon}}_\theta
                if cluster is not None:
                    return self.cluster_value(cluster, start, tok)
            if tok.text in ("(", "[", "{"):
                return self.group()
            if tok.text == "|":
                return self.bars("|")
            if tok.text == "‖":
                return self.bars("‖")
            if tok.text == "√":
                self.next()
                return _sqrt(self.postfix())
            if tok.text in ("-", "+"):
                return self.unary()
            raise FormulaError(f"unexpected {self.describe(tok)}")
        if tok.kind == "name":
            return self.plain_name()
        if tok.kind in ("letter", "cmd"):
            return self.latex_primary()
        raise FormulaError(f"unexpected {self.describe(tok)}; the formula is incomplete")

    _CLOSE = {"(": ")", "[": "]", "{": "}"}

    def group(self) -> sp.Expr:
        opening = self.next()
        closing = self._CLOSE[opening.text]
        if opening.text == "[" and not self.latex:
            raise FormulaError(f"square brackets at position {opening.pos + 1} index arrays only after a "
                               "table name (alphas_cumprod[t]); use parentheses for grouping")
        if self.at_op(closing):
            raise FormulaError(f"empty brackets {opening.text}{closing} at position {opening.pos + 1}")
        value = self.expression()
        if self.at_op(","):
            raise FormulaError(f"a list ({self.describe(self.peek())}) is not a value; only ε_θ(x_t, t), "
                               "μ_θ(x_t, t) and μ̃_t(x_t, x_0) take arguments")
        self.close(closing, opening)
        return value

    def close(self, closing: str, opening: Tok) -> None:
        if self.at("cmd") and self.peek().text in _SIZING:
            self.next()
        if not self.at_op(closing) and not (closing == "}" and self.at("cmd", "}")):
            raise FormulaError(f"unbalanced {opening.text!r} at position {opening.pos + 1}: expected "
                               f"{closing!r}, found {self.describe(self.peek())}")
        self.next()

    def bars(self, bar: str) -> sp.Expr:
        opening = self.next()
        self.open_bars.append(bar)
        value = self.expression()
        self.open_bars.pop()
        if self.at("cmd") and self.peek().text in _SIZING:
            self.next()
        if not self.at_op(bar):
            raise FormulaError(f"unbalanced {bar!r} at position {opening.pos + 1}")
        self.next()
        if bar == "|":
            return _check_size(sp.Abs(value))
        if self.at_op("_"):                    # \|v\|_2
            self.next()
            sub = self.argument_text()
            if sub != "2":
                raise FormulaError(f"only the Euclidean norm \\|v\\|_2 is read, got \\|v\\|_{sub}")
        square = self.peek(1) if self.at_op("^") else None
        if square is None or square.text not in ("2", "{"):
            raise FormulaError(f"the norm at position {opening.pos + 1} is read only squared (‖v‖² is the sum of "
                               "v_j² over the coordinates; ‖v‖ itself is not a per-coordinate quantity)")
        self.next()
        if self.latex:
            exponent = self.argument("exponent")
        else:
            exponent = _number(self.next().text)
        if exponent != 2:
            raise FormulaError(f"the norm at position {opening.pos + 1} is read only squared, got ^{exponent}")
        return self.per_coordinate("‖v‖² read one coordinate at a time, as v²", _check_size(value ** 2))

    def per_coordinate(self, note: str, body: sp.Expr) -> sp.Expr:
        """A sum over the coordinates of ``body``: kept as a marker until the side is read, then
        read one coordinate at a time only if the whole side is such a sum (:func:`_per_coordinate`)."""
        self.state.per_coordinate = True
        self.state.note(note)
        return CoordinateSum(body)

    # -- plain names
    def plain_name(self) -> sp.Expr:
        tok = self.next()
        name = tok.text
        parts = name.split(".")
        if parts[0] in OBJECTS and len(parts) > 1:
            parts = parts[1:]
        if parts[0] in MODULES and len(parts) == 2 and (parts[1] in FUNCTIONS or parts[1] in ("sum", "mean")):
            parts = parts[1:]
        if parts[0] in MODULES and len(parts) > 1:
            raise FormulaError(f"calling {name!r} at position {tok.pos + 1} is not allowed; functions: "
                               + ", ".join(FUNCTIONS) + ", sum")
        if len(parts) == 2 and self.at_op("("):
            # alphas_cumprod.sqrt(), mu.pow(2): a method on a name
            self.i -= 1
            self.toks[self.i] = Tok("op", ".", tok.pos + len(parts[0]), False)
            self.toks.insert(self.i + 1, Tok("name", parts[1], tok.pos + len(parts[0]) + 1, False))
            self.toks.insert(self.i, Tok("name", parts[0], tok.pos, tok.space))
            return self.postfix()
        if len(parts) > 1:
            raise FormulaError(f"attribute access {name!r} at position {tok.pos + 1} is not allowed; "
                               "a formula holds names, numbers and the functions "
                               + ", ".join(FUNCTIONS))
        name = parts[0]
        if name in ("sum", "mean", "mean_flat", "sum_flat") and self.at_op("("):
            return self.coordinate_call(name, tok)
        if name in FUNCTIONS and self.at_op("("):
            return self.call(name)
        if name in GATHERS and self.at_op("("):
            return self.gather(tok)
        if self.at_op("[") and name in CODE_BY_NAME:
            return self.index(name)
        if self.at_op("[") and f"{name}_t" in BY_NAME:
            return self.vocabulary_index(name)
        value = self.resolve_plain(name)
        if self.at_op("(") and self._function_like(value):
            return self.model_call(value, tok)
        return value

    def resolve_plain(self, name: str) -> sp.Expr:
        key = re.sub(r"\s", "", name)
        m = re.fullmatch(r"(.*)_\{([^{}]*)\}", key)
        if m and m.group(2) and (key not in BY_NAME):
            inner = m.group(2)
            key = f"{m.group(1)}_{inner}" if re.fullmatch(r"[A-Za-z0-9]+", inner) else key
        if key in BY_NAME:
            return self.symbol_of(BY_NAME[key])
        if key in CODE_BY_NAME:
            return self.code_value(key)
        if key in FUNCTIONS:
            raise FormulaError(f"{key} is a function; call it as {key}(...)")
        accepted = plain_names() + [a for n in VOCABULARY for a in n.aliases] + list(CODE_BY_NAME)
        raise FormulaError(_unknown_message(name, accepted, plain_names()))

    def code_value(self, name: str) -> sp.Expr:
        code = CODE_BY_NAME[name]
        value = _parse_plain_value(code.formula)
        how = f"{name} read as {code.formula}"
        if code.array:
            how += " (the code's 0-based array at its timestep: index i is paper step t = i + 1)"
        if code.note:
            how += f"; {code.note}"
        self.state.note(how)
        return value

    def coordinate_call(self, name: str, tok: Tok) -> sp.Expr:
        if name.startswith("mean"):
            raise FormulaError(f"{name}() at position {tok.pos + 1} averages over the coordinates (the sum / d); "
                               "it is not read -- write the sum, or the per-coordinate term")
        args = self.arguments()
        if len(args) != 1:
            raise FormulaError(f"{name}() is read with one argument (a sum over all coordinates), got {len(args)}")
        return self.per_coordinate(f"{name}(...) read one coordinate at a time (a sum of the same term over the "
                                   "coordinates)", args[0])

    def call(self, name: str) -> sp.Expr:
        builder, counts, _ = FUNCTIONS[name]
        args = self.arguments()
        if len(args) not in counts:
            raise FormulaError(f"{name}() takes {' or '.join(map(str, counts))} argument(s), got {len(args)}")
        return _guard_function(builder(*args))

    def arguments(self) -> list[sp.Expr]:
        if self.at("cmd") and self.peek().text in _SIZING:
            self.next()
        opening = self.next()
        closing = self._CLOSE.get(opening.text, ")")
        args = [self.expression()]
        while self.at_op(","):
            self.next()
            args.append(self.expression())
        self.close(closing, opening)
        return args

    def gather(self, tok: Tok) -> sp.Expr:
        """``_extract_into_tensor(table, t, x.shape)``, ``extract(a, t, shape)``, ``gather(a, t)``: a
        per-timestep table (or an expression of tables) read at the code's timestep t."""
        opening = self.next()
        first = self.i
        table = self.expression()
        names = [tk.text.split(".")[-1] for tk in self.toks[first:self.i] if tk.kind == "name"]
        schedule = {"alpha_t", "alpha_bar_t", "alpha_bar_prev", "beta_t", "beta_tilde_t", "w_0", "w_t"}
        if not any((n in CODE_BY_NAME and CODE_BY_NAME[n].array) or (n in BY_NAME and BY_NAME[n].name in schedule)
                   for n in names):
            raise FormulaError(f"{tok.text}() reads a per-timestep table (alphas_cumprod, betas, ...), got "
                               f"{self.text_between(first, self.i)!r}")
        self.expect_op(",", f"after the table in {tok.text}()")
        timestep = self.next()
        if timestep.kind != "name" or timestep.text not in ("t", "timestep", "timesteps"):
            raise FormulaError(f"{tok.text}() is read at the timestep t, got {timestep.text!r}")
        if self.at_op(","):
            self.next()
            shape = self.next()
            if shape.kind != "name" or not (shape.text.endswith(".shape") or shape.text in ("shape",
                                                                                           "broadcast_shape")):
                raise FormulaError(f"the third argument of {tok.text}() must be a shape (x.shape), "
                                   f"got {shape.text!r}")
        self.close(")", opening)
        return table

    def bracketed_index(self) -> str:
        """The text of an array's index, ``[`` to ``]`` (both consumed)."""
        opening = self.next()
        words = []
        while not self.at_op("]") and not self.at("end"):
            words.append(self.next().text)
        self.close("]", opening)
        return "".join(words)

    def vocabulary_index(self, name: str) -> sp.Expr:
        """``alpha_bar[t]``, ``beta[t]``, ``alpha_bar[t-1]``: a schedule array at the timestep."""
        index = self.bracketed_index()
        if index in ("t", "timestep"):
            self.state.note(f"{name}[{index}] read as {name}_t")
            return self.symbol_of(BY_NAME[f"{name}_t"])
        if index in ("t-1", "prev_t") and f"{name}_prev" in BY_NAME:
            self.state.note(f"{name}[{index}] read as {name}_prev (a paper-indexed array of length T + 1, "
                            f"{name}[0] = 1, as numeric/ keeps it)")
            return self.symbol_of(BY_NAME[f"{name}_prev"])
        raise FormulaError(f"{name}[{index}] is not read: an array is read at t ({name}[t])"
                           + (f" or t-1 ({name}[t-1])" if f"{name}_prev" in BY_NAME else ""))

    def index(self, name: str) -> sp.Expr:
        """``alphas_cumprod[t]``: a table of the reference code read at its timestep."""
        index = self.bracketed_index()
        if index in ("t", "timestep", "timesteps"):
            return self.code_value(name)
        if index in ("t-1", "prev_t", "prev_timestep"):
            raise FormulaError(f"{name}[{index}] is not the previous step's value at the first step: the array is "
                               f"0-based, so at t = 0 Python reads {name}[-1], the LAST entry (for alphas_cumprod, "
                               "alpha_bar_T where alpha_bar_0 = 1 belongs; improved-diffusion builds "
                               "alphas_cumprod_prev = np.append(1.0, alphas_cumprod[:-1]) for this); write the "
                               "table of the previous step (alphas_cumprod_prev)")
        raise FormulaError(f"{name}[{index}] is not read: a table of the code is read at its timestep t ({name}[t])")

    # -- the model's output and other quantities written as calls
    def _function_like(self, value: sp.Expr) -> bool:
        return isinstance(value, sp.Symbol) and value.name in _FUNCTION_LIKE

    def model_call(self, value: sp.Symbol, tok: Tok) -> sp.Expr:
        """``eps_theta(x_t, t)``, ``mu_tilde_t(x_t, x_0)``, ``x_t(x_0, eps)``: a quantity written with its
        arguments.  Read as the quantity when the arguments are its own variables (or, for the model,
        the forward sample); for a known function (mu_tilde_t) other arguments are substituted into
        its value.  For the strict names a bracket is always an argument list; for the others
        (x_t, beta_tilde_t) a bracket that is not one of their argument lists is a product."""
        patterns, reading, parameters = _FUNCTION_LIKE[value.name]
        start = self.i
        state_notes = list(self.state.notes)
        try:
            args = self.arguments()
        except FormulaError:
            if value.name in _STRICT_CALLS:
                raise
            self.i, self.state.notes[:] = start, state_notes
            return value
        names = [self._argument_name(arg) for arg in args]
        if tuple(names) in patterns:
            if any(name == "x_t" and not (isinstance(arg, sp.Symbol) and arg.name == "x_t")
                   for name, arg in zip(names, args)):
                self.state.note(f"{'; '.join(sp.sstr(a) for a in args if not isinstance(a, sp.Symbol))} "
                                "read as x_t (the forward sample)")
            self.state.note(f"{value.name}({', '.join(names)}) read as {value.name}, {reading}")
            return value
        if parameters and len(args) == len(parameters):
            entry = BY_NAME[value.name]
            substitution = {BY_NAME[p].value: arg for p, arg in zip(parameters, args)}
            self.state.note(f"{value.name}({', '.join(sp.sstr(a) for a in args)}) read as {value.name} with "
                            + ", ".join(f"{p} = {sp.sstr(a)}" for p, a in zip(parameters, args)))
            return _check_size(entry.value.xreplace(substitution))
        if value.name not in _STRICT_CALLS:
            self.i, self.state.notes[:] = start, state_notes
            return value
        expected = " or ".join("(" + ", ".join(p) + ")" for p in patterns)
        raise FormulaError(f"{value.name} at position {tok.pos + 1} is read at {expected}; got "
                           f"({', '.join(names)})")

    @staticmethod
    def _argument_name(arg: sp.Expr) -> str:
        if isinstance(arg, sp.Symbol):
            return arg.name
        if _is_forward_sample(arg):
            return "x_t"
        return sp.sstr(arg)

    # -- LaTeX
    def argument(self, what: str = "argument") -> sp.Expr:
        """One TeX argument: a braced group, one digit, or one symbol."""
        tok = self.peek()
        if tok.kind == "op" and tok.text == "{":
            opening = self.next()
            if self.at_op("}"):
                raise FormulaError(f"an empty {what} {{}} at position {opening.pos + 1}")
            value = self.expression()
            self.close("}", opening)
            return value
        if tok.kind == "num":
            self.next()
            if len(tok.text) > 1:
                raise FormulaError(f"the {what} {tok.text!r} at position {tok.pos + 1} is ambiguous: TeX reads "
                                   f"only its first digit ({tok.text[0]}); write {{{tok.text}}}")
            return _number(tok.text)
        if tok.kind in ("letter", "cmd") or (tok.kind == "op" and tok.text in ("(", "[")):
            if tok.kind == "cmd" and tok.text in ("frac", "dfrac", "tfrac", "sqrt"):
                return self.latex_primary()
            return self.postfix()
        if tok.kind == "op" and tok.text == "-" and what == "exponent":
            raise FormulaError(f"a signed exponent needs braces: ^{{-...}} (at position {tok.pos + 1})")
        raise FormulaError(f"expected a {what} (a braced group, a digit or a symbol), found {self.describe(tok)}")

    def argument_text(self) -> str:
        """The canonical text of a subscript: '{t - 1}' -> 't-1', '\\theta' -> 'theta'."""
        tok = self.next()
        if tok.kind == "op" and tok.text == "{":
            depth, parts = 1, []
            while True:
                inner = self.next()
                if inner.kind == "end":
                    raise FormulaError(f"unbalanced '{{' at position {tok.pos + 1}")
                if inner.kind == "op" and inner.text == "{":
                    depth += 1
                    continue
                if inner.kind == "op" and inner.text == "}":
                    depth -= 1
                    if depth == 0:
                        break
                    continue
                if inner.kind == "cmd" and (inner.text in _WRAPPERS or inner.text in _SIZING):
                    continue
                parts.append("epsilon" if inner.text == "varepsilon" else inner.text)
            text = "".join(parts)
            if not text:
                raise FormulaError(f"an empty subscript {{}} at position {tok.pos + 1}")
            return text
        if tok.kind == "num":
            if len(tok.text) > 1:
                raise FormulaError(f"the subscript {tok.text!r} at position {tok.pos + 1} is ambiguous: TeX "
                                   f"reads only its first digit; write _{{{tok.text}}}")
            return tok.text
        if tok.kind in ("letter", "cmd"):
            if tok.kind == "cmd" and tok.text in _WRAPPERS:
                return self.argument_text()
            return "epsilon" if tok.text == "varepsilon" else tok.text
        raise FormulaError(f"expected a subscript, found {self.describe(tok)}")

    def braced_cluster(self):
        """``{`` cluster ``}`` (both braces consumed), or None with the braces' contents unread.
        Nested braces count towards the depth limit, as brackets do."""
        self.next()
        self.enter()
        try:
            inner = self.read_cluster()
        finally:
            self.depth -= 1
        if inner is None or not self.at_op("}"):
            return None
        self.next()
        return inner

    def read_cluster(self) -> Cluster | None:
        """A symbol (decorations, bold, base letter, subscript) at the current token, or None."""
        start = self.i
        decorations: set[str] = set()
        tok = self.peek()
        if tok.kind == "cmd" and (tok.text in _DECORATIONS or tok.text in _WRAPPERS):
            if tok.text in ("mathcal", "mathbb", "operatorname", "text", "textrm", "textit", "mathrm") and \
                    self.at_op("{", k=1) and self.peek(2).kind == "letter" and self.peek(3).kind == "letter":
                return None       # a word (\mathrm{KL}, \operatorname{Var}) or a calligraphic name
            self.next()
            if tok.text in _DECORATIONS:
                decorations.add(_DECORATIONS[tok.text])
            inner = self.braced_cluster() if self.at_op("{") else self.read_cluster()
            if inner is None:
                self.i = start
                return None
            decorations |= inner.decorations
            base, sub = inner.base, inner.sub
        elif tok.kind == "op" and tok.text == "{":
            # {\boldsymbol{\epsilon}}_\theta: a braced symbol that takes the subscript outside
            inner = self.braced_cluster()
            if inner is None:
                self.i = start
                return None
            if not self.at_op("_"):
                self.i = start
                return None
            decorations |= inner.decorations
            base, sub = inner.base, inner.sub
        elif tok.kind == "letter":
            self.next()
            base, sub = tok.text, None
        elif tok.kind == "cmd" and tok.text in _GREEK:
            self.next()
            base, sub = ("epsilon" if tok.text == "varepsilon" else tok.text), None
        else:
            return None
        if self.at_op("_"):
            if sub is not None:
                raise FormulaError(f"{self.text_between(start, self.i)!r} has two subscripts")
            self.next()
            sub = self.argument_text()
        return Cluster(base, frozenset(decorations), sub, self.text_between(start, self.i))

    def text_between(self, start: int, end: int) -> str:
        a = self.toks[start].pos
        b = self.toks[end].pos if end < len(self.toks) else len(self.text)
        return self.text[a:b].strip()

    def latex_primary(self) -> sp.Expr:
        tok = self.peek()
        if tok.kind == "letter":
            word = self.letter_word()
            if word is not None:
                return word
        start = self.i
        if self.state.derivation:
            special = self.derivation_primary()
            if special is not None:
                return special
        cluster = self.read_cluster()
        if cluster is not None:
            return self.cluster_value(cluster, start, tok)
        if tok.kind != "cmd":
            raise FormulaError(f"unexpected {self.describe(tok)}")
        name = tok.text
        if name in _SIZING:
            self.next()
            if self.at_op("(", "[", "{", "|", "‖") or self.at("cmd", "{") or self.at("cmd", "|") or \
                    self.at("cmd") and self.peek().text in _DELIMITER_CMDS:
                return self.latex_primary() if self.at("cmd") else self.primary()
            raise FormulaError(f"\\{name} must be followed by a delimiter, found {self.describe(self.peek())}")
        if name in _DELIMITER_CMDS:
            self.next()
            delim = _DELIMITER_CMDS[name]
            if delim == "{":
                self.i -= 1
                self.toks[self.i] = Tok("op", "{", tok.pos, tok.space)
                return self.group()
            if delim in ("‖", "|"):
                self.i -= 1
                self.toks[self.i] = Tok("op", delim, tok.pos, tok.space)
                return self.bars(delim)
            raise FormulaError(f"the delimiter \\{name} is not read")
        if name in ("frac", "dfrac", "tfrac", "cfrac"):
            self._refuse_derivative()
            self.next()
            if self.at("num") and re.fullmatch(r"\d\d", self.peek().text):   # \frac12: TeX's two digits
                digits = self.next()
                self.depth -= 0
                return _divide(_number(digits.text[0]), _number(digits.text[1]))
            self.enter()
            numerator = self.argument("numerator")
            denominator = self.argument("denominator")
            self.depth -= 1
            return _divide(numerator, denominator)
        if name == "sqrt":
            self.next()
            index = sp.Integer(2)
            if self.at_op("["):
                opening = self.next()
                index = self.expression()
                self.close("]", opening)
                if not (index.is_Integer and 2 <= index <= MAX_EXPONENT):
                    raise FormulaError(f"\\sqrt[{sp.sstr(index)}] is not read; the index must be an integer "
                                       f"2..{MAX_EXPONENT}")
            if self.at_op("("):
                return _sqrt(self.group(), index)
            return _sqrt(self.argument("radicand"), index)
        if name in ("log", "ln", "exp"):
            return self.latex_function(name)
        if name in ("mathrm", "operatorname") and self.at_op("{", k=1):
            word = self.word_argument()
            if word in ("log", "ln", "exp"):
                self.i -= 1
                self.toks[self.i] = Tok("cmd", word, tok.pos, tok.space)
                return self.latex_function(word)
            raise FormulaError(f"\\{name}{{{word}}} is not a value; "
                               + _WORD_HINTS.get(word, "only log, ln, exp are read as \\operatorname"))
        if name in ("color",):
            self.next()
            self.word_argument(already_at_brace=True)
            return self.expression_until_group_end()
        if name in ("textcolor", "colorbox"):
            self.next()
            self.word_argument(already_at_brace=True)
            return self.argument("colored group")
        if name in ("boxed", "underbrace", "overbrace", "underset", "overset_"):
            self.next()
            value = self.argument(name)
            if name in ("underbrace", "overbrace"):
                mark = "_" if name == "underbrace" else "^"
                if self.at_op(mark):
                    self.next()
                    label = self.skip_group()
                    self.state.note(f"the {name} label {label!r} is a remark")
            return value
        if name in _WRAPPERS and self.at_op("{", k=1):
            self.next()
            return self.group()
        if name in ("prod", "sum"):
            return self.big_operator(name)
        if name == "nabla":
            return self.score(tok)
        if name in ("mathcal", "mathbb"):
            word = self.word_after()
            raise FormulaError(f"\\{name}{{{word}}} is not a value: "
                               + _WORD_HINTS.get(word, "densities and expectations are not read by check"))
        if name == "infty":
            raise FormulaError("\\infty is not a value a formula can equal")
        if name in ("top", "intercal", "transpose"):
            raise FormulaError("a transpose is not read; write a squared norm \\|v\\|^2")
        if name in _RELATIONS or name in _COMPARISONS:
            raise FormulaError(f"\\{name} in the middle of a side at position {tok.pos + 1}")
        if name == "int" and self.state.derivation:
            return self.integral(tok)
        if name in ("partial", "int", "oint", "lim", "max", "min", "sup", "inf", "arg", "det", "tr", "mathrm"):
            raise FormulaError(f"\\{name} is not read by check")
        if name in ("text", "textrm", "textit", "mbox", "hbox"):
            raise FormulaError(f"\\{name}{{...}} inside a formula is not read; a remark may only end it")
        if name in ("begin", "end"):
            raise FormulaError("an environment inside the formula is not read; give one equation or "
                               "one derivation line")
        if name in ("def", "newcommand", "renewcommand", "input", "include", "csname", "write", "immediate",
                    "catcode", "let", "edef", "gdef", "usepackage", "documentclass", "openin", "read"):
            raise FormulaError(f"\\{name} is a TeX programming command; it is not read (nothing is executed)")
        raise FormulaError(f"unknown LaTeX command \\{name} at position {tok.pos + 1}; read are \\frac, \\sqrt, "
                           "\\log, \\ln, \\exp, \\cdot, \\times, \\left/\\right, \\|..\\|, \\prod, \\sum, "
                           "decorations (\\bar, \\tilde, \\hat, \\mathbf, ...) and the symbols "
                           + ", ".join(latex_spellings()))

    # -- derivations: densities, expectations, KL divergences, normal densities
    def derivation_primary(self) -> sp.Expr | None:
        tok = self.peek()
        if tok.kind == "cmd" and tok.text in ("mathbb", "mathcal") and self.at_op("{", k=1) and \
                self.peek(2).kind == "letter" and self.at_op("}", k=3):
            letter = self.peek(2).text
            if tok.text == "mathbb" and letter == "E":
                self.i += 4
                return self.expectation()
            if tok.text == "mathcal" and letter == "N":
                self.i += 4
                return self.normal_density()
            return None
        start = self.i
        try:
            cluster = self.read_cluster()
        except FormulaError:
            cluster = None
        following = self.at_op("(") or (self.at("cmd") and self.peek().text in _SIZING and self.at_op("(", k=1))
        if cluster is not None and following:
            if cluster.base in ("q", "p") and not cluster.decorations and cluster.sub in (None, "theta", "phi"):
                if cluster.sub == "phi" and not self._latent_ahead_after_paren():
                    raise FormulaError(f"{cluster.text}(..) is read only as the encoder q_phi(z|x)")
                return self.density(cluster)
            if cluster.base == "D" and cluster.sub in ("KL", "mathrmKL"):
                return self.kl()
        self.i = start
        return None

    def open_paren(self) -> Tok:
        if self.at("cmd") and self.peek().text in _SIZING:
            self.next()
        return self.expect_op("(", "to open the argument list")

    def density(self, cluster: Cluster) -> sp.Expr:
        opening = self.open_paren()
        if self._latent_ahead():
            return self.latent_density(cluster, opening)
        first, braced = self.variable()
        pair = None
        if self.at_op(","):                  # q(x_{t-1}, x_t|x_0): two consecutive steps
            self.next()
            pair = self._bound(self.variable()[0])
        given: list[tuple[str, bool]] = []
        if self.at_op("|"):
            self.next()
            given.append(self.variable())
            while self.at_op(","):
                self.next()
                given.append(self.variable())
        self.close(")", opening)
        name = "p_theta" if cluster.sub == "theta" else cluster.base
        first = self._bound(first)
        given = [(self._bound(g), b) for g, b in given]
        if name == "p_theta" and first == "0" and not given:
            return steps.Evidence(0)
        shown = f"{cluster.text}(x_{{{first}}}" + "".join(
            ("|" if i == 0 else ",") + f"x_{{{g}}}" for i, (g, _) in enumerate(given)) + ")"
        known = ("read are p_theta(x_{t-1}|x_t), p_theta(x_{0:T}), p_theta(x_0), p(x_T), q(x_t|x_{t-1}), "
                 "q(x_t|x_0), q(x_{t-1}|x_t,x_0), q(x_{1:T}|x_0)")

        def follows(later: str, earlier: str) -> bool:
            return sp.expand(_index(later) - _index(earlier)) == 1
        if pair is not None:
            if name == "q" and given == [("0", False)] and ":" not in first + pair and follows(pair, first):
                return elbo.q_pair(_index(pair))
            raise FormulaError(f"{cluster.text}(x_{{{first}}}, x_{{{pair}}}|..) is not read; the joint of two steps is "
                               "q(x_{t-1}, x_t|x_0)")
        if name == "p_theta":
            if first.startswith("0:") and not given:
                return elbo.p_joint(_index(first[2:]))
            if len(given) != 1 or ":" in first or not follows(given[0][0], first):
                raise FormulaError(f"{shown} is not a density of the reverse process; {known}")
            return elbo.p_theta(_index(given[0][0]))
        if name == "p":
            if given or first != "T":
                raise FormulaError(f"{shown} is not a density of the model (the prior is p(x_T)); {known}")
            return elbo.p_prior(_index(first))
        if first.startswith("1:") and given == [("0", False)] or first.startswith("1:") and given == [("0", True)]:
            return elbo.q_joint(_index(first[2:]))
        if ":" not in first and len(given) == 1 and given[0][0] == "0" and (first != "1" or not given[0][1]):
            return elbo.q_jump(_index(first))       # q(x_t|x_0), the marginal (q(x_1|x_{0}): the first step)
        if ":" not in first and len(given) == 2 and follows(given[0][0], first) and given[1][0] == "0":
            return elbo.q_post(_index(given[0][0]))
        if ":" not in first and len(given) == 2 and follows(first, given[0][0]) and given[1][0] == "0":
            self.state.note(f"{shown} read as q(x_t|x_{{t-1}}): the forward process is Markov")
            return elbo.q_step(_index(first))
        if ":" not in first and len(given) == 1 and follows(first, given[0][0]):
            return elbo.q_step(_index(first))
        raise FormulaError(f"{shown} is not a density of the forward process; {known}")

    def _bound(self, text: str) -> str:
        """A variable's index with the letter of the enclosing sum or product read as t."""
        letter = self.scope.get("_bound")
        if letter and letter != "t":
            return re.sub(rf"(?<![A-Za-z]){letter}(?![A-Za-z])", "t", text)
        return text

    def _latent_ahead_after_paren(self) -> bool:
        start = self.i
        try:
            self.open_paren()
            return self._latent_ahead()
        except FormulaError:
            return False
        finally:
            self.i = start

    def _latent_ahead(self) -> bool:
        """Whether the density's first variable is the single-latent model's x or z (no timestep)."""
        tok = self.peek()
        k = 0
        while tok.kind == "cmd" and tok.text in _WRAPPERS:
            k += 1
            if self.at_op("{", k=k):
                k += 1
            tok = self.peek(k)
        if tok.kind != "letter" or tok.text not in ("x", "z"):
            return False
        after = self.peek(k + 1)
        while after.kind == "op" and after.text == "}":
            k += 1
            after = self.peek(k + 1)
        return not (after.kind == "op" and after.text == "_")

    def latent_density(self, cluster: Cluster, opening: Tok) -> sp.Expr:
        """p(x), p(z), p(x|z), p(z|x), p(x, z), q(z|x) of the single-latent model (Lab 3)."""
        def letter() -> str:
            start = self.i
            found = self.read_cluster()
            if found is None or found.base not in ("x", "z") or found.sub or found.decorations:
                self.i = start
                raise FormulaError(f"expected x or z in a density of the single-latent model, found "
                                   f"{self.describe(self.peek())}")
            return found.base
        over = [letter()]
        while self.at_op(","):
            self.next()
            over.append(letter())
        given = []
        if self.at_op("|"):
            self.next()
            given.append(letter())
        self.close(")", opening)
        if cluster.base == "q" and not (over == ["z"] and given == ["x"]):
            raise FormulaError(f"q({','.join(over)}{'|' + given[0] if given else ''}) is not read; the encoder "
                               "is q(z|x)")
        density = steps.latent(cluster.base, tuple(over), tuple(given))
        if density not in steps.KNOWN_LATENT:
            raise FormulaError(f"the density {sp.sstr(density)} is not one of p(x), p(z), p(x|z), p(z|x), "
                               "p(x,z), q(z|x)")
        if cluster.sub:
            self.state.note(f"{cluster.base}_{cluster.sub}(..) read as the model's {cluster.base}(..)")
        return density

    def variable(self) -> tuple[str, bool]:
        """``x_{t - 1}`` -> ('t-1', True): the index text of a variable, and whether it was braced."""
        start = self.i
        cluster = self.read_cluster()
        if cluster is None or cluster.base != "x" or cluster.decorations or not cluster.sub:
            self.i = start
            raise FormulaError(f"expected a variable x_t in a density, found {self.describe(self.peek())}")
        braced = self.toks[self.i - 1].kind == "op" and self.toks[self.i - 1].text == "}"
        return cluster.sub.replace(" ", ""), braced

    def kl(self) -> sp.Expr:
        opening = self.open_paren()
        self.open_bars.append("‖")           # the bar between the arguments closes the first
        first = self.expression()
        self.open_bars.pop()
        if self.at("cmd") and self.peek().text in _SIZING:
            self.next()
        self.expect_op("‖", "between the two arguments of the KL divergence")
        second = self.expression()
        self.close(")", opening)
        return elbo.KL(first, second)

    def expectation(self) -> sp.Expr:
        if not self.at_op("_"):
            self.state.note("E[..] without a subscript read as the expectation under q(x_{1:T}|x_0)")
            return elbo.E(self.bracketed(), elbo.q_joint(elbo.T))
        self.expect_op("_", "after \\mathbb{E}")
        if self.at("letter", "q") and (self.at_op("[", k=1) or self.at("cmd", k=1)):
            self.next()
            self.state.note("E_q[..] read as the expectation under q(x_{1:T}|x_0)")
            return elbo.E(self.bracketed(), elbo.q_joint(elbo.T))
        if self.at_op("{") and self.at("letter", "q", k=1) and self.at_op("}", k=2):
            self.i += 3
            self.state.note("E_q[..] read as the expectation under q(x_{1:T}|x_0)")
            return elbo.E(self.bracketed(), elbo.q_joint(elbo.T))
        opening = self.expect_op("{", "around the expectation's measure")
        over = self._variables_listed()
        if over:
            self.close("}", opening)
            self.state.note(f"E_{{{', '.join(over)}}}[..]: an average over {', '.join(over)}, kept as written "
                            "(compared pathwise)")
            return steps.Average(self.bracketed(), sp.Tuple(*(sp.Symbol(n) for n in over)))
        if self._sim_ahead():
            variable = self.postfix()
            self.next()            # \sim
            normal = self.postfix()
            self.close("}", opening)
            body = self.bracketed()
            _, mean, variance = normal.args
            return Expect(body, variable, mean, variance)
        measure = self.expression()
        self.close("}", opening)
        return elbo.E(self.bracketed(), measure)

    def _differential_at(self, k: int) -> int:
        """The number of tokens of a differential ``d z``, ``\\,dz``, ``\\mathrm{d}\\mathbf{x}_{1:T}`` starting
        k tokens ahead (its variable excluded), or 0."""
        tok = self.peek(k)
        if tok.kind == "letter" and tok.text == "d":
            width = 1
        elif tok.kind == "cmd" and tok.text in ("mathrm", "text", "operatorname") and self.at_op("{", k=k + 1) and \
                self.at("letter", "d", k=k + 2) and self.at_op("}", k=k + 3):
            width = 4
        else:
            return 0
        after = self.peek(k + width)
        if (after.kind == "letter" and after.text in ("x", "z")) or (after.kind == "cmd" and after.text in _WRAPPERS):
            return width
        return 0

    def integral(self, tok: Tok) -> sp.Expr:
        """``\\int p(x,z)\\,dz`` = p(x) and ``\\int q(z|x) f\\,dz`` = E_{q(z|x)}[f] (likewise over x_{1:T}):
        the integrals of a derivation, read as the marginal or the expectation they are."""
        self.next()
        if self.at_op("_", "^"):
            raise FormulaError(f"\\int with limits at position {tok.pos + 1} is not read; an integral over a "
                               "latent variable has none")
        depth, k = 0, 0
        while True:
            ahead = self.peek(k)
            if ahead.kind == "end":
                raise FormulaError(f"\\int at position {tok.pos + 1} has no differential (dz, dx_{{1:T}})")
            if ahead.kind == "op" and ahead.text in "([{":
                depth += 1
            elif ahead.kind == "op" and ahead.text in ")]}":
                if depth == 0:
                    raise FormulaError(f"\\int at position {tok.pos + 1} has no differential (dz, dx_{{1:T}})")
                depth -= 1
            elif depth == 0:
                width = self._differential_at(k)
                if width:
                    break
            k += 1
        body_toks = self.toks[self.i:self.i + k] + [Tok("end", "", self.peek(k).pos)]
        inner = _Parser(body_toks, self.latex, self.text, self.state, dict(self.scope))
        inner.depth = self.depth
        body = inner.expression() if len(body_toks) > 1 else sp.Integer(1)
        if not inner.at("end"):
            raise FormulaError(f"cannot read the integrand of \\int at position {tok.pos + 1}")
        self.i += k + width
        variable = self.read_cluster()
        if variable is None:
            raise FormulaError(f"\\int at position {tok.pos + 1}: the differential names no variable")
        name = variable.base + (f"_{variable.sub}" if variable.sub else "")
        return _integrate(body, name, tok)

    def _variables_listed(self) -> list[str]:
        """``x_0, \\epsilon`` (then the closing brace): the variables an average is over, else []."""
        start, names = self.i, []
        while True:
            try:
                cluster = self.read_cluster()
            except FormulaError:
                cluster = None
            if cluster is None or cluster.base not in ("x", "epsilon", "t", "z") or cluster.decorations - {"bar"}:
                break
            names.append(cluster.base + (f"_{cluster.sub}" if cluster.sub else ""))
            if self.at_op(","):
                self.next()
                continue
            if self.at_op("}"):
                return names
            break
        self.i = start
        return []

    def _sim_ahead(self) -> bool:
        """Whether the braced measure being read is 'x \\sim N(..)' (a \\sim before its closing brace)."""
        depth = 0
        for tok in self.toks[self.i:]:
            if tok.kind == "op" and tok.text == "{":
                depth += 1
            elif tok.kind == "op" and tok.text == "}":
                if depth == 0:
                    return False
                depth -= 1
            elif tok.kind == "cmd" and tok.text == "sim" and depth == 0:
                return True
        return False

    def bracketed(self) -> sp.Expr:
        if self.at("cmd") and self.peek().text in _SIZING:
            self.next()
        opening = self.next()
        if opening.kind != "op" or opening.text not in "([":
            raise FormulaError(f"expected [ after the expectation's measure, found {self.describe(opening)}")
        value = self.expression()
        self.close(self._CLOSE[opening.text], opening)
        return value

    def normal_density(self) -> sp.Expr:
        opening = self.open_paren()
        first = self.expression()
        if self.at_op(";"):
            self.next()
            mean = self.expression()
            self.expect_op(",", "between the mean and the variance")
            variance = self.expression()
            self.close(")", opening)
            return Normal(first, mean, variance)
        self.expect_op(",", "between the mean and the variance")
        variance = self.expression()
        self.close(")", opening)
        return Normal(sp.Symbol("_"), first, variance)

    def _refuse_derivative(self) -> None:
        """\\frac{d}{dx} and \\frac{\\partial}{\\partial x} are derivatives, not d/(d x)."""
        words = []
        for tok in self.toks[self.i + 1:self.i + 12]:
            if tok.kind == "cmd" and tok.text in ("mathrm", "operatorname", "mathit"):
                continue
            words.append("\\" + tok.text if tok.kind == "cmd" else tok.text)
        text = "".join(words)
        if re.match(r"\{(d|\\partial|\{d\})\}\{(\{d\}|d|\\partial)[ a-zA-Z\\{]", text) or \
                re.match(r"\{(d|\\partial)[A-Za-z\\{]", text) and re.search(r"\}\{(d|\\partial)[A-Za-z\\{]", text):
            raise FormulaError("a derivative (\\frac{d}{dx}, \\frac{\\partial}{\\partial x}) is not read; "
                               "give the derivative's value")

    def score(self, tok: Tok) -> sp.Expr:
        """``\\nabla_{x_t} \\log q(x_t|x_0)``, ``\\nabla\\log p(x_t)``: the score, inside a formula."""
        self.next()
        if self.at_op("_"):
            self.next()
            if self.argument_text() not in ("x_t", "mathbfx_t", "x"):
                raise FormulaError(f"the gradient at position {tok.pos + 1} is read only with respect to x_t")
        if not self.at("cmd", "log"):
            raise FormulaError(f"∇ at position {tok.pos + 1} is read only as the score ∇ log q(x_t|x_0)")
        self.next()
        density = self.read_cluster()
        if density is None or density.base not in ("p", "q") or density.decorations or \
                density.sub not in (None, "t") or not (self.at_op("(") or self.at("cmd", "left")):
            raise FormulaError(f"∇ log at position {tok.pos + 1} is read only as the score ∇ log q(x_t|x_0)")
        opening = self.open_paren()
        variable, _ = self.variable()
        given = []
        if self.at_op("|"):
            self.next()
            given.append(self.variable()[0])
        self.close(")", opening)
        if variable != "t" or given not in ([], ["0"]):
            raise FormulaError(f"∇ log at position {tok.pos + 1} is read only as the score of x_t, "
                               "∇ log q(x_t|x_0) or ∇ log p(x_t)")
        self.state.note("∇ log p(x_t) read as the score of q(x_t|x_0), -(x_t - sqrt(alpha_bar_t) x_0)/(1 - alpha_bar_t)")
        return self.symbol_of(BY_NAME["score"])

    def cluster_value(self, cluster: Cluster, start: int, tok: Tok) -> sp.Expr:
        value = self.resolve_cluster(cluster, start)
        if self._function_like(value) and (self.at_op("(") or (self.at("cmd") and self.peek().text in _SIZING
                                                               and self.at_op("(", k=1))):
            return self.model_call(value, tok)
        return value

    def letter_word(self) -> sp.Expr | None:
        """A run of letters that spells a plain name (alpha_bar_t in LaTeX): read it as that name."""
        j, text = self.i, ""
        while True:
            tok = self.peek(j - self.i)
            if tok.kind == "letter" and (j == self.i or not tok.space):
                text += tok.text
            elif tok.kind == "num" and text and text.endswith("_") and not tok.space:
                text += tok.text
            elif tok.kind == "op" and tok.text == "_" and text and not tok.space and \
                    self.peek(j - self.i + 1).kind in ("letter", "num") and not self.peek(j - self.i + 1).space:
                text += "_"
            else:
                break
            j += 1
        if len(re.match(r"[A-Za-z]*", text).group(0)) < 2:
            return None
        if text in BY_NAME or text in CODE_BY_NAME:
            self.i = j
            self.state.note(f"{text} read as a plain name inside LaTeX")
            return self.symbol_of(BY_NAME[text]) if text in BY_NAME else self.code_value(text)
        letters = re.match(r"[A-Za-z]+", text).group(0)
        if len(letters) >= 2 and not any(self._is_single_symbol(ch) for ch in letters):
            raise FormulaError(f"unknown symbol {letters!r} at position {self.peek().pos + 1}; letters side by "
                               "side are a product of one-letter symbols in LaTeX"
                               + _did_you_mean(text, plain_names() + list(CODE_BY_NAME)))
        return None

    @staticmethod
    def _is_single_symbol(ch: str) -> bool:
        return (ch, frozenset(), None) in _latex_table()

    def resolve_cluster(self, cluster: Cluster, start: int) -> sp.Expr:
        if cluster.sub is not None and cluster.sub in self.scope and cluster.base in ("alpha", "beta", "mu",
                                                                                      "sigma", "x", "epsilon"):
            return self.indexed(cluster)
        entry = (_model_table().get(cluster.key) if self.state.derivation else None) or \
            _latex_table().get(cluster.key)
        if entry is not None and cluster.sub and re.fullmatch(r"t([+-]\d)?", cluster.sub):
            self.state.index_letters.add("t")
        renamed = re.fullmatch(r"([iksn])((?:[+-]\d)?)", cluster.sub or "")
        if entry is None and renamed and not self.state.derivation:
            # the timestep written with another letter (\alpha_i, \bar\alpha_{i-1}): a renaming
            entry = _latex_table().get((cluster.base, cluster.decorations, "t" + renamed.group(2)))
            if entry is not None:
                self.state.index_letters.add(renamed.group(1))
                self.state.note(f"the timestep is written {renamed.group(1)}; read as t")
        if entry is None and "hat" in cluster.decorations and cluster.base == "epsilon":
            entry = BY_NAME["eps_theta"]
        if entry is None:
            raise FormulaError(_unknown_message(cluster.text, latex_spellings(), latex_spellings(),
                                                at=self.toks[start].pos))
        if entry.name == "z":
            self.state.note(f"{cluster.text} read as the noise ε")
        return self.symbol_of(entry)

    def symbol_of(self, entry: Name) -> sp.Expr:
        """A vocabulary entry in the user's symbols; constants (e, pi, the identity I) by value."""
        if entry.value.is_number:
            if entry.name == "I":
                self.state.note("I read as the identity matrix: per coordinate, 1")
            return entry.value
        return entry.symbol

    def indexed(self, cluster: Cluster) -> sp.Expr:
        role = self.scope[cluster.sub]
        symbol = sp.Symbol(f"{cluster.base}[{cluster.sub}]", positive=cluster.base in ("alpha", "beta", "sigma"),
                           real=True)
        role["used"].add(symbol)
        return symbol

    def latex_function(self, name: str) -> sp.Expr:
        tok = self.next()
        base = None
        if name == "log" and self.at_op("_"):
            self.next()
            base = self.argument("base of the logarithm")
        if self.at_op("^"):
            raise FormulaError(f"\\{name}^... (a power of the function) is ambiguous; write (\\{name} x)^2")
        if self.at_op("(", "[") or self.at("cmd", "left") or self.at("cmd", "{") or self.at_op("{") or \
                (self.at("cmd") and self.peek().text in _SIZING):
            argument = self.postfix() if not self.at_op("{") else self.argument(f"argument of \\{name}")
            argument = self.continue_power(argument)
        else:
            if self.at("end") or self.at_op("+", "-", ")", "]", "}", "=", ","):
                raise FormulaError(f"\\{name} at position {tok.pos + 1} has no argument")
            factors = [self.power()]
            while self.starts_factor(self.peek()) and not self.at("cmd", "cdot") and \
                    not (self.at("cmd") and self.peek().text in ("log", "ln", "exp", "frac", "dfrac", "tfrac")):
                factors.append(self.power())
            if self.state.derivation and name == "log" and _has_density(factors[-1]):
                factors += self._density_factors()
            argument = sp.Mul(*factors)
        if name == "exp":
            return _guard_function(sp.exp(argument))
        return _guard_function(_log(argument, base))

    def _density_factors(self) -> list[sp.Expr]:
        """After ``\\log \\frac{p}{q}``: further factors of densities (``\\cdot \\frac{q}{q}``, juxtaposed)
        are inside the log (Ho et al. eq. 20): a log-density times a density is no line of a derivation."""
        out = []
        while True:
            start = self.i
            if self.at("cmd", "cdot"):
                self.next()
            if not (self.starts_factor(self.peek()) and not (self.at("cmd") and self.peek().text in ("log", "ln", "exp"))):
                self.i = start
                return out
            factor = self.power()
            if not _has_density(factor):
                self.i = start
                return out
            if not out:
                self.state.note("\\log a/b · c/d read as log(a/b · c/d): the product of densities is inside the log")
            out.append(factor)

    def continue_power(self, value: sp.Expr) -> sp.Expr:
        if self.at_op("^"):
            raise FormulaError("a power right after a function's argument is ambiguous; add braces or "
                               "parentheses around what is raised")
        return value

    def word_argument(self, already_at_brace: bool = False) -> str:
        if not already_at_brace:
            self.next()
        opening = self.expect_op("{", "(a braced word)")
        parts = []
        while not self.at_op("}"):
            tok = self.next()
            if tok.kind == "end":
                raise FormulaError(f"unbalanced '{{' at position {opening.pos + 1}")
            parts.append(tok.text)
        self.next()
        return "".join(parts)

    def word_after(self) -> str:
        self.next()
        if self.at_op("{"):
            return self.word_argument(already_at_brace=True)
        return self.next().text

    def skip_group(self) -> str:
        if self.at_op("{"):
            start = self.i
            depth = 0
            while True:
                tok = self.next()
                if tok.kind == "end":
                    raise FormulaError("unbalanced '{'")
                if tok.kind == "op" and tok.text == "{":
                    depth += 1
                elif tok.kind == "op" and tok.text == "}":
                    depth -= 1
                    if depth == 0:
                        return self.text_between(start, self.i)
        return self.next().text

    def expression_until_group_end(self) -> sp.Expr:
        return self.term()

    def big_operator(self, name: str) -> sp.Expr:
        self.next()
        if not self.at_op("_"):
            raise FormulaError(f"\\{name} needs its index and limits, e.g. \\{name}_{{s=1}}^{{t}}")
        self.next()
        lower = self.argument_text()
        m = re.fullmatch(r"([a-zA-Z])(?:=(\d+))?", lower)
        # Ho et al.'s \sum_{t>1}, \sum_{t\geq 1}: over the timesteps up to T (derivations only)
        bounded = re.fullmatch(r"([a-zA-Z])(>|geq?|geqslant)(\d)", lower) if self.state.derivation else None
        if not m and not bounded:
            raise FormulaError(f"\\{name}_{{{lower}}}: the index must read like s=1")
        if bounded:
            index = bounded.group(1)
            start = str(int(bounded.group(3)) + (1 if bounded.group(2) == ">" else 0))
        else:
            index, start = m.group(1), m.group(2)
        upper = None
        if self.at_op("^"):
            self.next()
            upper = self.argument_text()
        elif bounded:
            upper = "T"
            self.state.note(f"\\{name} over {index} {'>' if bounded.group(2) == '>' else '>='} {bounded.group(3)} read "
                            f"as {index} = {start}..T")
        if self.state.derivation and index in ("t", "k", "s", "i", "j") and upper is not None and \
                re.fullmatch(r"[tT0-9+\-]+", upper) and start is not None:
            begin, notes = self.i, list(self.state.notes)
            outer = self.scope.get("_bound")
            self.scope["_bound"] = index
            try:
                body = self.term() if name == "sum" else self._density_product_body()
            finally:
                self.scope["_bound"] = outer
            if body is not None:
                bound = BY_NAME["t"].symbol
                if index != "t":
                    self.state.note(f"the index {index} of the {name} read as t")
                if name == "prod":
                    return sp.Product(body, (bound, _index(start), _index(upper)))
                return sp.Sum(body, (bound, _index(start), _index(upper)))
            self.i, self.state.notes[:] = begin, notes           # a product of alphas: read below
        role = {"used": set()}
        inner = _Parser(self.toks, self.latex, self.text, self.state, dict(self.scope) | {index: role})
        inner.i, inner.depth = self.i, self.depth
        body = inner.power() if not inner.at_op("(") else inner.group()
        self.i = inner.i
        if name == "prod":
            return self.product(body, index, start, upper)
        return self.coordinate_sum(body, role, index, upper)

    def _density_product_body(self) -> sp.Expr | None:
        """The body of a \\prod over the timestep when it is a product of densities, else None (unread)."""
        if not self._density_ahead() and not (self.at("cmd") and self.peek().text in ("frac", "dfrac", "tfrac", "left")
                                              or self.at_op("(", "[")):
            return None
        try:
            body = self.term()
        except FormulaError:
            return None
        return body if _has_density(body) else None

    def _density_ahead(self) -> bool:
        """Whether a \\prod's body starts with a density q(..) or p_theta(..)."""
        k = 0
        while self.peek(k).kind == "cmd" and self.peek(k).text in _SIZING:
            k += 1
        tok = self.peek(k)
        return tok.kind == "letter" and tok.text in ("p", "q") and (
            self.at_op("(", k=k + 1) or self.at_op("_", k=k + 1) or self.at("cmd", k=k + 1))

    def product(self, body, index, start, upper) -> sp.Expr:
        if start != "1":
            raise FormulaError(f"\\prod from {index}={start} is not read; products start at {index}=1")
        a = sp.Symbol(f"alpha[{index}]", positive=True, real=True)
        b = sp.Symbol(f"beta[{index}]", positive=True, real=True)
        if sp.expand(body.xreplace({b: 1 - a}) - a) != 0 or body.free_symbols - {a, b}:
            raise FormulaError(f"\\prod_{{{index}=1}} is read only over α_{index} or (1 - β_{index}) (giving ᾱ); "
                               f"got {sp.sstr(body)}")
        targets = {"t": "alpha_bar_t", "t-1": "alpha_bar_prev", "T": "alpha_bar_T"}
        if upper not in targets:
            raise FormulaError(f"\\prod_{{{index}=1}}^{{{upper}}} is not read; the upper limit must be t, t-1 or T")
        self.state.note(f"∏_{{{index}=1}}^{{{upper}}} α_{index} read as {targets[upper]}")
        return BY_NAME[targets[upper]].symbol

    def coordinate_sum(self, body, role, index, upper) -> sp.Expr:
        if upper not in (None, "J", "d", "D", "n", "N", "k", "K"):
            raise FormulaError(f"\\sum with the upper limit {upper} is not read by check; only sums over "
                               "coordinates (j = 1..J or d) are, read one coordinate at a time")
        used = role["used"]
        if not used:
            raise FormulaError(f"the sum over {index} does not use {index}")
        names = {"mu": "mu", "sigma": "sigma", "x": "x", "epsilon": "eps", "alpha": None, "beta": None}
        replacement = {}
        for symbol in used:
            base = symbol.name.split("[")[0]
            if names.get(base) is None:
                raise FormulaError(f"{symbol.name} in a coordinate sum is not read")
            replacement[symbol] = BY_NAME[names[base]].symbol
        return self.per_coordinate(f"Σ_{index} read one coordinate at a time (a sum of the same term over the "
                                   "coordinates)", body.xreplace(replacement))


_WORD_HINTS = {"KL": "a KL divergence is read only on the left side, as a name",
               "E": "an expectation is read only on the left side, as a name",
               "N": "a normal distribution N(x; mean, variance) may only be a whole side of an equation",
               "Var": "a variance Var[...] is read only on the left side, as a name",
               "L": "a loss term is read only on the left side, as a name"}


class CoordinateSum(sp.Function):
    """Marker: a sum over the data coordinates (Σ_j f_j, ‖v‖², sum(v)) of the term it holds."""

    nargs = 1


def _per_coordinate(expr: sp.Expr, d: sp.Symbol, unsummed: list | None = None) -> sp.Expr:
    """A side with sums over coordinates, read one coordinate at a time.

    Sound only when the whole side is a sum over the coordinates: a linear combination, with
    coefficients free of coordinates, of coordinate sums and of terms ``d * c`` (the sum of a
    constant c over the d coordinates).  Then the side equals Σ_j g_j with g the value returned, and
    it equals an additive target Σ_j T_j for every d iff g = T.  Anything else (a constant that is
    not summed, a sum inside a square or a log) is refused.
    """
    def has_sum(e):
        return e.has(CoordinateSum)

    def split(e: sp.Expr) -> sp.Expr:
        if isinstance(e, CoordinateSum):
            if has_sum(e.args[0]):
                raise FormulaError("a sum over coordinates inside another is not read")
            return e.args[0]
        if isinstance(e, sp.Add):
            return sp.Add(*[split(term) for term in e.args])
        if isinstance(e, (steps.Average, elbo.E)) and has_sum(e.args[0]):     # an average is linear
            return e.func(split(e.args[0]), e.args[1])
        if isinstance(e, sp.Mul):
            summed = [f for f in e.args if has_sum(f) or f.has(d)]
            if len(summed) == 1:
                rest = sp.Mul(*[f for f in e.args if f is not summed[0]])
                if not has_sum(rest) and not rest.has(d):
                    return rest * split(summed[0])
            if not any(has_sum(f) for f in e.args) and e.has(d):
                coefficient, rest = e.as_independent(d, as_Add=False)
                if rest == d:
                    return coefficient
        if e == d:
            return sp.Integer(1)
        if has_sum(e):
            raise FormulaError(f"the sum over coordinates in {sp.sstr(_unmark(e), order='none')[:60]} "
                               "is inside a nonlinear expression (a power, a log, ...); only a sum of per-coordinate "
                               "terms is read one coordinate at a time")
        if unsummed is not None:         # a derivation's line: the term once, as c/d per coordinate (exact)
            unsummed.append(e)
            return e / d
        raise FormulaError(f"the term {sp.sstr(e, order='none')[:60]} is not summed over the coordinates while the "
                           "rest of the formula is (Σ_j, ‖v‖², sum()): a constant summed over d coordinates is d "
                           "times the constant; write it so, or write the whole formula per coordinate")
    return _check_size(split(expr))


def _integrate(body: sp.Expr, variable: str, tok: Tok) -> sp.Expr:
    """The integral of ``body`` over ``variable`` (z, or x_{1:T}) as the marginal or the expectation it is."""
    if variable == "z":
        joint, evidence = steps.latent("p", ("x", "z")), steps.latent("p", ("x",))
        measures = [f for f in sp.Mul.make_args(body) if isinstance(f, steps.Latent) and f.integrated() == {"z"}
                    and f.key.startswith(("q(z", "p(z"))]
    elif variable in ("x_{1:T}", "x_1:T"):
        joint, evidence = elbo.p_joint(elbo.T), steps.Evidence(0)
        measures = [f for f in sp.Mul.make_args(body) if isinstance(f, elbo.q_joint)]
    else:
        raise FormulaError(f"\\int at position {tok.pos + 1}: an integral over {variable} is not read; over z "
                           "(the latent) or x_{1:T} (the chain)")
    product_rule = steps._product_rule
    if sp.expand(product_rule(body) - product_rule(joint)) == 0 or body == joint:
        return evidence
    for measure in measures:
        return elbo.E(sp.cancel(body / measure), measure)
    if not _has_density(body):
        raise FormulaError(f"\\int at position {tok.pos + 1} is read as the marginal (the joint density integrated) "
                           f"or as an expectation (a density over {variable} times the integrand); got {sp.sstr(body)}")
    return sp.Integral(body, sp.Symbol(variable))       # read, but neither: the step is undecided


def _has_density(expr: sp.Expr) -> bool:
    return any(isinstance(a, (elbo.Density, steps.Latent)) for a in expr.atoms(sp.Function))


def _unmark(expr: sp.Expr) -> sp.Expr:
    """The expression with each coordinate-sum marker shown as sum(...)."""
    return expr.replace(lambda e: isinstance(e, CoordinateSum), lambda e: sp.Function("sum")(e.args[0]))


def _index(text: str) -> sp.Expr:
    """A timestep index as printed in a subscript: 't-1' -> t - 1, 'T' -> T, '2' -> 2."""
    terms = re.findall(r"([+-]?)\s*(t|T|\d+)", text)
    if not terms or re.sub(r"[\s+\-tT0-9]", "", text) or "".join(s + v for s, v in terms).lstrip("+") != \
            re.sub(r"\s", "", text).lstrip("+"):
        raise FormulaError(f"cannot read the timestep {text!r}; write it like t, t-1, T or 2")
    value = sp.Integer(0)
    for sign, term in terms:
        part = BY_NAME[term].symbol if term in ("t", "T") else sp.Integer(term)
        value += -part if sign == "-" else part
    return value


def _is_forward_sample(expr: sp.Expr) -> bool:
    value = to_proof_symbols(expr)
    forward = forward_jump_mean(symbols.x_0) + sp.sqrt(forward_jump_variance()) * symbols.eps
    return sp.expand(value - forward) == 0


def _did_you_mean(token: str, accepted: list[str]) -> str:
    close = difflib.get_close_matches(token, accepted, n=3)
    return f" (did you mean {', '.join(close)}?)" if close else ""


def _unknown_message(token: str, accepted: list[str], listed: list[str], kind: str = "symbol",
                     at: int | None = None) -> str:
    where = f" at position {at + 1}" if at is not None else ""
    return (f"unknown {kind} {token!r}{where}{_did_you_mean(token, accepted)}; accepted: "
            + ", ".join(listed))


_LATEX_TABLE: dict[tuple, Name] = {}


def _spelling_key(entry: Name, spelling: str) -> tuple:
    """The cluster key of one of ``entry``'s LaTeX spellings, read with the reader itself.

    Raises :class:`FormulaError` naming the spelling when it does not read as exactly one symbol
    (the tables below would otherwise map a key the reader never produces).
    """
    parser = _Parser(_lex_latex(spelling), True, spelling, _State())
    cluster = parser.read_cluster()
    if cluster is None or not parser.at("end"):
        raise FormulaError(f"the LaTeX spelling {spelling!r} of {entry.name!r} does not read as one symbol; "
                           "give the symbol table one decorated letter with its subscript (such as "
                           "`\\bar\\alpha_t`) in symbolic/vocabulary.py")
    return cluster.key


def _latex_table() -> dict[tuple, Name]:
    """Canonical LaTeX spelling of each vocabulary symbol -> its entry (built with the reader)."""
    if not _LATEX_TABLE:
        _LATEX_TABLE.update({_spelling_key(entry, s): entry for entry in VOCABULARY for s in entry.latex})
    return _LATEX_TABLE


_MODEL_TABLE: dict[tuple, Name] = {}


def _model_table() -> dict[tuple, Name]:
    """The single-latent model's letters (read in derivations only), like :func:`_latex_table`."""
    if not _MODEL_TABLE:
        _MODEL_TABLE.update({_spelling_key(entry, s): entry for entry in MODEL for s in entry.latex})
    return _MODEL_TABLE


_PLAIN_VALUES: dict[str, sp.Expr] = {}


def _parse_plain_value(text: str) -> sp.Expr:
    """A code name's value (cached, with the conditions of its definition recorded on each use)."""
    global _CONDITIONS
    if text not in _PLAIN_VALUES:
        outer, _CONDITIONS = _CONDITIONS, []
        try:
            value = _read_side(_lex_plain(text), False, text, _State())
            _PLAIN_VALUES[text] = (value, tuple(_CONDITIONS))
        finally:
            _CONDITIONS = outer
    value, conditions = _PLAIN_VALUES[text]
    for node in conditions:
        _record(node)
    return value


def _read_side(toks: list[Tok], latex: bool, text: str, state: _State) -> sp.Expr:
    if len(toks) == 1:
        raise FormulaError("a side of the equation is empty")
    parser = _Parser(toks, latex, text, state)
    first_bad = next((tok for tok in toks if tok.kind == "bad"), None)
    try:
        value = parser.expression()
    except RecursionError:
        raise FormulaError(f"the formula is nested more than {MAX_DEPTH} levels deep") from None
    if first_bad is not None:          # whatever the parser made of the rest, this part is refused
        raise FormulaError(first_bad.text)
    if not parser.at("end"):
        tok = parser.peek()
        if tok.kind == "op" and tok.text in (")", "]", "}"):
            raise FormulaError(f"unbalanced {tok.text!r} at position {tok.pos + 1}")
        raise FormulaError(f"cannot read {parser.describe(tok)}: the formula should end or continue with an "
                           "operator there")
    return value


# ---------------------------------------------------------------------------------------------
# Equations: sides, relations and left-side names.

@dataclass(frozen=True)
class Side:
    """One side of an equation (or the whole formula)."""

    text: str
    key: str                               # canonical name key (see lhs_key)
    expr: sp.Expr | None = None            # in the user's symbols; None when it could not be read
    error: str | None = None               # why it could not be read
    normal: tuple | None = None            # (variable, mean, variance) for N(x; mean, variance)
    conditions: tuple = ()                 # 1/b, log a, sqrt(c) as written, unevaluated (where it is defined)
    per_coordinate: bool = False           # a sum over coordinates (Σ_j, ‖v‖², sum()) read one at a time
    single_name: bool = False              # one name alone (KLD, \mu_t, sigma_t^2, model_mean(x, t))

    @property
    def written(self) -> sp.Expr:
        """Where the side is defined, as written: its denominators, logs and roots, unevaluated."""
        return sp.Tuple(*self.conditions)

    @property
    def keys(self) -> set[str]:
        """The key and, for a name written with its own variables (\\tilde\\mu_t(x_t, x_0)), the bare
        name; never for other arguments (mu_tilde_t(2 x_t, x_0) is another value, and is checked)."""
        out = {self.key}
        m = re.fullmatch(r"(.+?)\(([^()]*)\)", self.key)
        if m and not m.group(1).endswith(("q", "p", "N", "p_theta", "E", "KL")):
            variables = all(re.fullmatch(r"x_t|x_0|x_prev|x|t|theta|eps|mathbfx_t|mathbfx_0", a)
                            for a in m.group(2).split(","))
            if (self.expr is not None and isinstance(self.expr, sp.Symbol)) or (self.expr is None and variables):
                out.add(m.group(1))
        return out


@dataclass(frozen=True)
class Formula:
    """A parsed formula: ``expr`` in the user's symbols, ``value`` in the proof's symbols."""

    text: str
    latex: bool
    expr: sp.Expr
    lhs: str | None = None                 # the first side's key, for an equation
    sides: tuple[Side, ...] = ()
    relations: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    written: sp.Expr | None = None        # the conditions of the formula as written (see Side.written)
    per_coordinate: bool = False          # read one coordinate at a time (Σ_j, ‖v‖², sum())

    @property
    def value(self) -> sp.Expr:
        return to_proof_symbols(self.expr)

    @property
    def names(self) -> list[str]:
        return sorted(s.name for s in self.expr.free_symbols)


_SUBSTITUTION = {n.symbol: n.value for n in VOCABULARY}


def to_proof_symbols(expr: sp.Expr) -> sp.Expr:
    """Replace the user's symbols by their values in the proof's independent symbols (exact)."""
    return sp.sympify(expr).xreplace(_SUBSTITUTION)


def _prepare(text: str, latex: bool | None) -> tuple[str, bool, list[str]]:
    if not isinstance(text, str):
        raise TypeError(f"formula must be a str, got {type(text).__name__}")
    if len(text) > MAX_LENGTH:
        raise FormulaError(f"the formula has {len(text):,} characters; the limit is {MAX_LENGTH:,}")
    if "\x00" in text:
        raise FormulaError("the formula contains a NUL character")
    bad = next((ch for ch in text if unicodedata.category(ch) in ("Cf", "Cc", "Co", "Cs") and ch not in "\t\r\n"),
               None)
    if bad is not None:
        raise FormulaError(f"the formula contains the invisible character U+{ord(bad):04X} "
                           f"({unicodedata.name(bad, 'control')}); retype it without")
    if not text.strip():
        raise FormulaError("the formula is empty")
    use_latex = is_latex(text) if latex is None else bool(latex)
    body, notes = _strip_layout(text, use_latex)
    if not body.strip():
        raise FormulaError("the formula is empty")
    return _translate_unicode(body, use_latex), use_latex, notes


def _split(toks: list[Tok]) -> tuple[list[list[Tok]], list[str]]:
    """Split at the top-level relations ``=``, ``:=``, ``\\coloneqq``, ...; refuse comparisons."""
    sides, relations, current, depth = [], [], [], 0
    i = 0
    while i < len(toks):
        tok = toks[i]
        if tok.kind == "op" and tok.text in "([{":
            depth += 1
        elif tok.kind == "op" and tok.text in ")]}":
            depth -= 1
        relation = None
        if tok.kind == "op" and tok.text in ("=", ":="):
            relation = tok.text
        elif tok.kind == "cmd" and tok.text in _RELATIONS:
            relation = _RELATIONS[tok.text]
            if tok.text in ("stackrel", "overset"):    # \overset{\text{def}}{=}: skip the two groups
                raise FormulaError(f"\\{tok.text}{{..}}{{=}} is not read; write = (the justification "
                                   "belongs in a remark)")
        elif (tok.kind == "op" and tok.text in _COMPARISONS) or (tok.kind == "cmd" and tok.text in _COMPARISONS):
            shown = "\\" + tok.text if tok.kind == "cmd" else tok.text
            raise FormulaError(f"{shown!r} at position {tok.pos + 1}: comparisons and approximations are not "
                               "checked; give an equation or a formula")
        if relation and depth <= 0:
            sides.append(current + [Tok("end", "", tok.pos)])
            relations.append(relation)
            current = []
        elif tok.kind != "end":
            current.append(tok)
        i += 1
    sides.append(current + [toks[-1]])
    return sides, relations


def lhs_key(text: str, latex: bool | None = None) -> str:
    """The canonical name of a side: symbols by plain name, no spaces, braces, bold or sizing
    ('\\tilde{\\mu}_{t}(\\mathbf{x}_t, \\mathbf{x}_0)' -> 'mu_tilde_t(x_t,x_0)')."""
    prepared, use_latex, _ = _prepare(text, latex)
    toks = (_lex_latex if use_latex else _lex_plain)(prepared)
    return _key(toks, use_latex, prepared)


def _key(toks: list[Tok], latex: bool, text: str) -> str:
    parser = _Parser(toks, latex, text, _State())
    out: list[str] = []
    while not parser.at("end"):
        tok = parser.peek()
        if latex:
            start = parser.i
            try:
                cluster = parser.read_cluster()
            except FormulaError:
                cluster, parser.i = None, start
            if cluster is not None:
                entry = _latex_table().get(cluster.key)
                out.append(entry.name if entry else cluster.canonical())
                continue
            parser.next()
            if tok.kind == "cmd":
                if tok.text in _SIZING or tok.text in _WRAPPERS:
                    continue
                out.append({"|": "‖", "lVert": "‖", "rVert": "‖", "Vert": "‖", "mid": "|", "vert": "|",
                            "{": "(", "}": ")", "lbrace": "(", "rbrace": ")"}.get(tok.text, tok.text))
                continue
            if tok.kind == "op" and tok.text in "{}":
                continue
            out.append({"[": "(", "]": ")"}.get(tok.text, tok.text) if tok.kind == "op" else tok.text)
            continue
        parser.next()
        if tok.kind == "bad":
            out.append(text[tok.pos])
            continue
        if tok.kind == "name":
            name = tok.text.split(".")[-1] if tok.text.split(".")[0] in OBJECTS else tok.text
            key = re.sub(r"_\{([A-Za-z0-9]+)\}$", r"_\1", name)
            out.append(BY_NAME[key].name if key in BY_NAME else key)
            continue
        out.append({"[": "(", "]": ")", "{": "(", "}": ")"}.get(tok.text, tok.text))
    key = "".join(out).replace("**", "^").replace("||", "‖").replace("D_KL", "KL")
    key = re.sub(r"^KL\(([^,()‖]*(?:\([^()]*\))?),([^,()‖]*(?:\([^()]*\))?)\)$", r"KL(\1‖\2)", key)
    key = re.sub(r"_\{([^{}]*)\}", r"_\1", key)
    return re.sub(r"^grad(?=_)", "nabla", key)


def _single_name(toks: list[Tok], latex: bool, text: str) -> bool:
    """Whether the side is one name alone, as a label on the left of a definition is: one plain name
    or one LaTeX symbol, optionally squared, optionally with a list of variables (no '|')."""
    parser = _Parser(toks, latex, text, _State())
    try:
        if latex:
            cluster = parser.read_cluster()
            if cluster is None or any(key[:2] == (cluster.base, cluster.decorations) for key in _latex_table()):
                return False          # a symbol of the table at another index (\beta_{t-1}) is no label
        elif not parser.at("name"):
            return False
        else:
            parser.next()
        if parser.at_op("^") and parser.at("num", k=1):
            parser.i += 2
        if parser.at_op("(") or (parser.at("cmd", "left") and parser.at_op("(", k=1)):
            inside = []
            while not parser.at("end"):
                inside.append(parser.next())
            if any(tok.kind == "op" and tok.text in ("|", "‖", "=") for tok in inside):
                return False
            return bool(inside) and inside[-1].text == ")"
    except FormulaError:
        return False
    return parser.at("end")


def _is_normal_side(toks: list[Tok], latex: bool) -> bool:
    if latex:
        return (len(toks) > 3 and toks[0].kind == "cmd" and toks[0].text == "mathcal"
                and ((toks[1].kind == "op" and toks[1].text == "{" and toks[2].text == "N") or toks[1].text == "N"))
    return len(toks) > 2 and toks[0].kind == "name" and toks[0].text in ("N", "Normal", "normal") and \
        toks[1].kind == "op" and toks[1].text == "("


def _read_normal(toks: list[Tok], latex: bool, text: str, state: _State):
    parser = _Parser(toks, latex, text, state)
    if latex and parser.at_op("{", k=1):
        parser.next()
        parser.word_argument(already_at_brace=True)
    else:
        parser.next()
        if latex:
            parser.next()
    if parser.at("cmd", "left"):
        parser.next()
    opening = parser.expect_op("(", "after N")
    variable = None
    first = parser.expression()
    if parser.at_op(";"):
        parser.next()
        variable = sp.sstr(first)
        first = parser.expression()
    parser.expect_op(",", "between the mean and the variance of N(mean, variance)")
    variance = parser.expression()
    parser.close(")", opening)
    if not parser.at("end"):
        raise FormulaError(f"cannot read {parser.describe(parser.peek())} after N(...)")
    state.note("N(mean, variance) read with its second argument as the variance")
    return variable, first, variance


def parse(text: str, *, latex: bool | None = None) -> Formula:
    """Read a formula, an equation ``lhs = rhs`` or a chain ``a = b = c``.

    ``latex=None`` detects LaTeX by a backslash.  Raises :class:`FormulaError` (a ValueError)
    naming the offending part; never evaluates the text.  Every side is kept in ``sides`` (with
    its canonical key for left-side names); ``expr`` is the last side that could be read, and
    ``notes`` say how anything beyond the literal symbols was read.
    """
    prepared, use_latex, notes = _prepare(text, latex)
    toks = (_lex_latex if use_latex else _lex_plain)(prepared)
    groups, relations = _split(toks)
    state = _State(list(notes))
    if relations and len(groups[0]) == 1:       # '&= b' or '= b': a continuation line of a derivation
        groups, relations = groups[1:], relations[1:]
        state.note("a continuation line '= ...' read as its right side")
    sides: list[Side] = []
    for group in groups:
        if len(group) == 1:
            raise FormulaError("a side of the equation is empty" if relations else "the formula is empty")
        start = group[0].pos
        end = group[-2].pos + len(group[-2].text) + (1 if group[-2].kind == "cmd" else 0)
        side_text = prepared[start:end].strip()
        key = _key(group, use_latex, prepared)
        global _CONDITIONS
        _CONDITIONS = conditions = []
        state.per_coordinate = False
        try:
            if _is_normal_side(group, use_latex):
                sides.append(Side(side_text, key, normal=_read_normal(group, use_latex, prepared, state),
                                  conditions=tuple(conditions)))
            else:
                value = _read_side(group, use_latex, prepared, state)
                if value.has(CoordinateSum):
                    value = _per_coordinate(value, BY_NAME["d"].symbol)
                    conditions[:] = [c.replace(lambda e: isinstance(e, CoordinateSum), lambda e: e.args[0])
                                     for c in conditions]
                sides.append(Side(side_text, key, value, conditions=tuple(conditions),
                                  per_coordinate=state.per_coordinate))
        except FormulaError as err:
            if not relations:
                raise
            sides.append(Side(side_text, key, error=str(err),
                              single_name=_single_name(group, use_latex, prepared)))
        finally:
            _CONDITIONS = None
    if len(state.index_letters) > 1:
        raise FormulaError("the timestep is written with several letters ("
                           + ", ".join(sorted(state.index_letters)) + "); write one of them throughout")
    later = next((side.error for side in sides[1:] if side.error), None)
    if later is not None:          # only a left side may be a name the reader does not know
        raise FormulaError(later)
    readable = [s for s in sides if s.expr is not None or s.normal is not None]
    if not readable:
        raise FormulaError(next(s.error for s in sides if s.error))
    last = next((s for s in reversed(sides) if s.expr is not None), None)
    expr = last.expr if last is not None else readable[-1].normal[1]
    return Formula(text, use_latex, expr, sides[0].key if relations else None, tuple(sides), tuple(relations),
                   tuple(state.notes))


_MODEL_SUBSTITUTION = {n.symbol: n.value for n in MODEL}


def parse_derivation(text: str) -> sp.Expr:
    r"""Read a line of a derivation in LaTeX, in the proof's symbols: the formula reader with
    densities (``q(x_t|x_{t-1})``, ``p_	heta(x_{t-1}|x_t)``, ``p(x_T)``, ``q(x_{1:T}|x_0)``, ...),
    expectations ``\mathbb{E}_{q(..)}[..]`` and ``\mathbb{E}_{x\sim\mathcal{N}(m, v)}[..]``,
    ``D_{\mathrm{KL}}(q\,\|\,p)``, normal densities ``\mathcal{N}(x; m, v)``, sums over the
    timestep with symbolic limits, and the letters of the single-latent model (a, b, s, m, v, z).

    This is what the LaTeX export is read back with, so whatever it prints is read exactly.
    """
    prepared, _, notes = _prepare(text, True)
    toks = _lex_latex(prepared)
    state = _State(list(notes), derivation=True)
    expr = _read_side(toks, True, prepared, state)
    return to_proof_symbols(expr.xreplace(_MODEL_SUBSTITUTION))


def read_line(text: str, *, latex: bool | None = None) -> Formula:
    r"""Read one side of a derivation's row: a formula, or (LaTeX) a line with densities,
    expectations, KL divergences, sums and products over the timestep, and the single-latent
    model's densities and letters (see :func:`parse_derivation`).

    ``expr`` is in the user's symbols (the single-latent letters in the model's); ``value`` in the
    proof's.  Raises :class:`FormulaError` naming what cannot be read; never evaluates the text.
    """
    if latex is not True and not is_latex(text) and _PLAIN_DENSITY.search(text):
        text, latex = _plain_derivation(text), True
    prepared, use_latex, notes = _prepare(text, latex)
    toks = (_lex_latex if use_latex else _lex_plain)(prepared)
    state = _State(list(notes), derivation=use_latex)
    global _CONDITIONS
    _CONDITIONS = conditions = []
    try:
        expr = _read_side(toks, use_latex, prepared, state)
        if expr.has(CoordinateSum):
            unsummed: list = []
            expr = _per_coordinate(expr, BY_NAME["d"].symbol, unsummed)
            for term in unsummed:
                state.note(f"{sp.sstr(term)} is not summed over the coordinates while ‖v‖² is: read once for all d "
                           f"coordinates ({sp.sstr(term)}/d per coordinate)")
            conditions[:] = [c.replace(lambda e: isinstance(e, CoordinateSum), lambda e: e.args[0]) for c in conditions]
    finally:
        _CONDITIONS = None
    if len(state.index_letters) > 1:
        raise FormulaError("the timestep is written with several letters ("
                           + ", ".join(sorted(state.index_letters)) + "); write one of them throughout")
    full = elbo.q_joint(elbo.T)
    if expr.has(steps.Latent) and any(e.args[1] == full for e in expr.atoms(elbo.E)):
        # E_q[..] and E[..] in a line of the single-latent model: under its q(z|x)
        encoder = steps.latent("q", ("z",), ("x",))
        expr = expr.replace(lambda e: isinstance(e, elbo.E) and e.args[1] == full, lambda e: elbo.E(e.args[0], encoder))
        state.notes[:] = [n.replace("q(x_{1:T}|x_0)", "q(z|x)") for n in state.notes]
    return Formula(text, use_latex, expr.xreplace(_MODEL_SUBSTITUTION), notes=tuple(state.notes),
                   written=sp.Tuple(*conditions), per_coordinate=state.per_coordinate)


_PLAIN_DENSITY = re.compile(r"(?<![A-Za-z_])(?:[pq](?:_theta|_phi)?\(|KL\(|D_KL\(|E_|E\[|sum_)")
_PLAIN_WORDS = [(r"(?<![A-Za-z\\])log(?![A-Za-z])", r"\\log "), (r"(?<![A-Za-z\\])sum_", r"\\sum_"),
                (r"(?<![A-Za-z\\])prod_", r"\\prod_"), (r"(?<![A-Za-z\\])(?:D_KL|D_\{KL\}|KL)\(", r"D_{KL}("),
                (r"(?<![A-Za-z\\])E_", r"\\mathbb{E}_"), (r"(?<![A-Za-z\\])E\[", r"\\mathbb{E}["),
                (r"_theta", r"_\\theta"), (r"_phi(?![A-Za-z])", r""), (r"\|\||‖", r"\\| "),
                (r"(?<![A-Za-z\\])sqrt\(", r"\\sqrt("), (r"(?<![A-Za-z\\])exp(?![A-Za-z])", r"\\exp ")]


def _plain_derivation(text: str) -> str:
    """A plain-text line with densities (``log p(x|z)``, ``E_q(z|x)[..]``, ``KL(q || p)``,
    ``sum_{t=2}^T``) spelled in LaTeX for the derivation reader: a fixed respelling of those words,
    nothing evaluated; every token is then read or refused by the reader."""
    for pattern, replacement in _PLAIN_WORDS:
        text = re.sub(pattern, replacement, text)
    # E_q(z|x)[...]: the measure as a braced subscript
    text = re.sub(r"\\mathbb\{E\}_([pq](?:_\\theta)?\([^()]*\))", r"\\mathbb{E}_{\1}", text)
    return text


def parse_plain(text: str) -> sp.Expr:
    """A plain-syntax formula (code spelling, ``^`` or ``**``, Unicode) in the user's symbols."""
    formula = parse(text, latex=False)
    if formula.relations:
        raise FormulaError(f"expected one expression, got an equation in {text!r}")
    return formula.expr


def parse_latex_formula(text: str) -> sp.Expr:
    """A LaTeX formula in the lecture's notation, in the user's symbols."""
    formula = parse(text, latex=True)
    if formula.relations:
        raise FormulaError(f"expected one expression, got an equation in {text!r}")
    return formula.expr


def from_sympy(expr: sp.Expr) -> Formula:
    """A SymPy expression built by the user: its symbols are matched to the vocabulary by name."""
    if not isinstance(expr, sp.Basic):
        raise TypeError(f"expected a SymPy expression or a str, got {type(expr).__name__}")
    unknown = sorted({s.name for s in expr.free_symbols if s.name not in BY_NAME})
    if unknown:
        raise FormulaError(_unknown_message(unknown[0], plain_names(), plain_names()))
    for symbol in sorted(expr.free_symbols, key=lambda s: s.name):
        # SymPy has already simplified with the user's assumptions (sqrt(x_0**2) -> x_0 for a positive
        # x_0): accept only the table's own symbol or one without assumptions
        own = BY_NAME[symbol.name].symbol
        if isinstance(symbol, sp.Dummy) or not symbol.is_commutative or not (
                symbol == own or symbol.assumptions0 == {"commutative": True}):
            given = getattr(symbol, "_assumptions_orig", None) or symbol.assumptions0
            shown = ", ".join(f"{k}={v}" for k, v in sorted(given.items()) if k != "commutative") or "none"
            raise FormulaError(f"the symbol {symbol.name} carries assumptions ({shown}) that are not the "
                               f"domain's; build it as sp.Symbol({symbol.name!r}) or with "
                               f"symbolic.formula.user_symbol({symbol.name!r})")
    renamed = expr.xreplace({s: BY_NAME[s.name].symbol for s in expr.free_symbols})
    return Formula(sp.sstr(expr), False, renamed, sides=(Side(sp.sstr(expr), sp.sstr(expr), renamed),))
