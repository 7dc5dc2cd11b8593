r"""Reading a user's formula safely: plain (SymPy/Python) syntax or LaTeX, never ``eval``.

A formula is untrusted input (a course may run ``check`` as an autograder), so it is never
evaluated as Python.  ``sympify`` and a default ``parse_expr`` call ``eval``; here

* plain syntax is parsed by :func:`ast.parse` (which only builds a tree) and the tree is walked
  over a whitelist: numbers, the names of :data:`VOCABULARY`, ``+ - * / ** ^``, unary signs and
  calls of the whitelisted functions (``sqrt``, ``log``, ``exp``, ...).  Attribute access,
  subscripts, lambdas, comprehensions, strings, keywords and every other node are refused;
* LaTeX is tokenised first: every symbol of the lecture's notation (``\bar\alpha_{t-1}``,
  ``\overline{\alpha}_t``, ``\tilde\beta_t``, ``\epsilon_\theta``, ...) becomes one braced
  placeholder atom, any other command or letter is refused by name, and only then does SymPy's
  ANTLR parser (which builds SymPy objects and never evaluates Python) read the text.  Without
  the placeholders it would read ``\bar\alpha_t`` as a conjugate or ``alpha_t*bar``.

Both parsers build the expression with size guards (numbers of at most 50 digits, exponents of
at most 64 in absolute value, at most 2,000 characters), so no input can make SymPy compute a
huge power.

The result is a :class:`Formula`: the expression in the user's symbols (``beta_t``,
``alpha_bar_t``, ...) and the same expression in the proof's independent symbols, using the
relations :math:`\beta_t = 1-\alpha_t`, :math:`\bar\alpha_t = \alpha_t\bar\alpha_{t-1}` and
standard deviations as square roots of positive variances.
"""

from __future__ import annotations

import ast
import difflib
import io
import re
import tokenize
from dataclasses import dataclass, field

import sympy as sp

from . import elbo as SE
from . import symbols as S
from .gaussian import gaussian_log_density
from .kl import gaussian_kl, kl_eps_constant, kl_eps_weight
from .posterior import eps_mean, interpolation_weights, posterior_mean, posterior_variance

MAX_LENGTH = 2000       # characters of a formula
MAX_DIGITS = 50         # digits of one number
MAX_EXPONENT = 64       # |numeric exponent|
MAX_DEPTH = 100         # nesting of the expression tree


@dataclass(frozen=True)
class Name:
    """One symbol a user may write: plain name, LaTeX spellings, and its value in proof symbols."""

    name: str
    value: sp.Expr
    meaning: str
    latex: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    symbol: sp.Symbol = field(default=None, compare=False)


def _name(name, value, meaning, latex=(), aliases=(), **assumptions) -> Name:
    assumptions = assumptions or ({"positive": True} if value.is_positive else {"real": True})
    return Name(name, value, meaning, tuple(latex), tuple(aliases), sp.Symbol(name, **assumptions))


#: Every symbol a formula may use.  ``latex`` lists canonical spellings (decoration, base,
#: subscript); :func:`latex_key` maps any accepted variant (\bar\alpha_t, \bar{\alpha}_t,
#: \bar{\alpha_t}, \overline{\alpha}_t, ...) to one of them.
VOCABULARY: tuple[Name, ...] = (
    _name("alpha_t", S.alpha_t, "1 - beta_t", [r"\alpha_t"]),
    _name("alpha_bar_t", S.alpha_t * S.alpha_bar_prev, "alpha_t * alpha_bar_{t-1} = prod_{s<=t} alpha_s",
          [r"\bar\alpha_t"], ["alpha_cumprod_t"]),
    _name("alpha_bar_prev", S.alpha_bar_prev, "alpha_bar_{t-1} (1 at t = 1)", [r"\bar\alpha_{t-1}"],
          ["alpha_bar_t_minus_1", "alpha_bar_tm1", "alpha_cumprod_t_minus_1", "alpha_cumprod_prev"]),
    _name("alpha_bar_T", S.alpha_bar_T, "alpha_bar at the last step T", [r"\bar\alpha_T"]),
    _name("beta_t", 1 - S.alpha_t, "the variance added by step t", [r"\beta_t"]),
    _name("beta_tilde_t", posterior_variance(), "(1 - alpha_bar_{t-1})/(1 - alpha_bar_t) beta_t",
          [r"\tilde\beta_t"], positive=True),
    _name("sigma_tilde_t", sp.sqrt(posterior_variance()), "sqrt(beta_tilde_t)", [r"\tilde\sigma_t"],
          positive=True),
    _name("mu_tilde_t", posterior_mean(), "mean of q(x_{t-1}|x_t,x_0)", [r"\tilde\mu_t"]),
    _name("mu_theta", eps_mean(S.eps_theta), "mean of p_theta(x_{t-1}|x_t), eps form", [r"\mu_\theta"]),
    _name("lambda_t", kl_eps_weight(), "weight of (eps - eps_theta)^2 in the denoising KL", [r"\lambda_t"],
          positive=True),
    _name("C_t", kl_eps_constant(), "eps-free part of the denoising KL", ["C_t"]),
    _name("w_0", interpolation_weights()[0], "coefficient of x_0 in mu_tilde_t", ["w_0"], positive=True),
    _name("w_t", interpolation_weights()[1], "coefficient of x_t in mu_tilde_t", ["w_t"], real=True),
    _name("sigma_t", sp.sqrt(S.sigma2_t), "standard deviation of p_theta(x_{t-1}|x_t)", [r"\sigma_t"],
          positive=True),
    _name("sigma2_t", S.sigma2_t, "variance sigma_t^2 of p_theta(x_{t-1}|x_t)"),
    _name("x_0", S.x_0, "the data", ["x_0"]),
    _name("x_t", S.x_t, "the noisy sample at step t", ["x_t"]),
    _name("x_prev", S.x_prev, "the sample at step t-1", ["x_{t-1}"], ["x_tm1", "x_t_minus_1"]),
    _name("eps", S.eps, "the noise, N(0, 1)", [r"\epsilon", r"\epsilon_t"], ["epsilon"]),
    _name("eps_theta", S.eps_theta, "the model's noise prediction", [r"\epsilon_\theta"], ["epsilon_theta"]),
    _name("mu", S.mu, "a mean", [r"\mu"]),
    _name("sigma", sp.sqrt(S.var), "a standard deviation", [r"\sigma"], positive=True),
    _name("var", S.var, "a variance"),
    _name("mu_1", S.mu_1, "mean of the KL's first argument", [r"\mu_1"]),
    _name("mu_2", S.mu_2, "mean of the KL's second argument", [r"\mu_2"]),
    _name("sigma_1", sp.sqrt(S.var_1), "standard deviation of the KL's first argument", [r"\sigma_1"],
          positive=True),
    _name("sigma_2", sp.sqrt(S.var_2), "standard deviation of the KL's second argument", [r"\sigma_2"],
          positive=True),
    _name("var_1", S.var_1, "variance of the KL's first argument"),
    _name("var_2", S.var_2, "variance of the KL's second argument"),
    _name("x", S.x, "a point", ["x"]),
    _name("d", S.d, "the data dimension", ["d"], integer=True, positive=True),
    _name("t", SE.t, "the timestep", ["t"], integer=True, positive=True),
    _name("T", SE.T, "the number of steps", ["T"], integer=True, positive=True),
    _name("pi", sp.pi, "3.14159...", [r"\pi"], positive=True),
    _name("I", sp.Integer(1), "the identity matrix (per coordinate: 1)", ["I"]),
    _name("e", sp.E, "Euler's number, exp(1)", ["e"], positive=True),
)

BY_NAME: dict[str, Name] = {n.name: n for n in VOCABULARY} | {a: n for n in VOCABULARY for a in n.aliases}


def plain_names() -> list[str]:
    return [n.name for n in VOCABULARY]


# ---------------------------------------------------------------------------------------------
# Functions a formula may call.

def _log(*args):
    if len(args) == 2:
        return sp.log(args[0]) / sp.log(args[1])
    return sp.log(args[0])


#: name -> (SymPy builder, allowed argument counts, description)
FUNCTIONS: dict[str, tuple] = {
    "sqrt": (sp.sqrt, (1,), "square root"),
    "log": (_log, (1, 2), "natural logarithm (log(x, b): base b)"),
    "ln": (sp.log, (1,), "natural logarithm"),
    "exp": (sp.exp, (1,), "exponential"),
    "abs": (sp.Abs, (1,), "absolute value"),
    "log_normal": (gaussian_log_density, (3,), "log N(x; mean, variance)"),
    "kl_normal": (gaussian_kl, (4,), "KL(N(mean_1, var_1) || N(mean_2, var_2))"),
}
# A formula copied from torch/numpy code may say torch.sqrt(...): these prefixes are read as
# names of the whitelisted functions (nothing is imported or called).
_MODULES = ("torch", "math", "np", "numpy")


class FormulaError(ValueError):
    """A formula that cannot be read: the message names the offending token."""


# ---------------------------------------------------------------------------------------------
# Guarded construction (shared by both parsers).

def _number(text: str) -> sp.Rational:
    digits = re.sub(r"[^0-9]", "", text.split("e")[0].split("E")[0])
    if len(digits) > MAX_DIGITS:
        raise FormulaError(f"the number {text[:20]}... has more than {MAX_DIGITS} digits")
    try:
        return sp.Rational(text)
    except (TypeError, ValueError):
        raise FormulaError(f"cannot read the number {text!r}") from None


def _check_size(value: sp.Expr) -> sp.Expr:
    if value.is_Rational and max(abs(int(value.p)), int(value.q)).bit_length() > 4 * 3322:
        raise FormulaError("a number in the formula is too large (over 4,000 digits)")
    return value


def _power(base: sp.Expr, exponent: sp.Expr) -> sp.Expr:
    if exponent.is_Number:
        if abs(exponent) > MAX_EXPONENT or (exponent.is_Rational and exponent.q > MAX_EXPONENT):
            raise FormulaError(f"the exponent {exponent} is out of range; exponents are limited to "
                               f"|p/q| <= {MAX_EXPONENT} with q <= {MAX_EXPONENT}")
        if base.is_Rational and exponent.is_Integer:
            bits = max(abs(int(base.p)), int(base.q)).bit_length() * abs(int(exponent))
            if bits > 4 * 3322:
                raise FormulaError("a power in the formula is too large (over 4,000 digits)")
    return _check_size(sp.Pow(base, exponent))


# ---------------------------------------------------------------------------------------------
# Plain syntax: Python's ast over a whitelist.

def _tokens(text: str) -> list[tokenize.TokenInfo]:
    try:
        return [tok for tok in tokenize.generate_tokens(io.StringIO(text).readline)
                if tok.type not in (tokenize.NEWLINE, tokenize.NL, tokenize.ENDMARKER, tokenize.INDENT,
                                    tokenize.DEDENT)]
    except (tokenize.TokenError, IndentationError, SyntaxError) as err:
        reason = err.args[0] if err.args else str(err)
        if "EOF" in reason:
            reason = "unbalanced parentheses"
        raise FormulaError(f"cannot parse {text!r}: {reason}") from None


def _implicit_products(text: str) -> str:
    """'2 alpha_t' -> '2*alpha_t', '(a)(b)' -> '(a)*(b)', 'a^2' -> 'a**2' (tokens only, no eval)."""
    out: list[str] = []
    previous = None
    for tok in _tokens(text):
        string = "**" if tok.type == tokenize.OP and tok.string == "^" else tok.string
        if tok.type == tokenize.ERRORTOKEN and string.strip():
            raise FormulaError(f"unexpected character {string!r} in {text!r}")
        if previous is not None:
            left_ends = previous.type in (tokenize.NUMBER, tokenize.NAME) or previous.string == ")"
            right_starts = tok.type in (tokenize.NUMBER, tokenize.NAME) or string == "("
            is_call = previous.type == tokenize.NAME and string == "(" and (
                previous.string in FUNCTIONS or (len(out) >= 2 and out[-2] == "."))
            keyword = previous.string in _KEYWORDS or tok.string in _KEYWORDS
            if left_ends and right_starts and not is_call and not keyword and previous.string != ".":
                out.append("*")
        if string.strip():
            out.append(string)
            previous = tok
    return " ".join(out)


_KEYWORDS = frozenset(__import__("keyword").kwlist)


def _plain_symbol(name: str) -> sp.Symbol:
    entry = BY_NAME.get(name)
    if entry is None:
        raise FormulaError(_unknown_message(name, plain_names()))
    return entry.symbol


def _unknown_message(token: str, accepted: list[str]) -> str:
    close = difflib.get_close_matches(token, accepted, n=3)
    hint = f" (did you mean {', '.join(close)}?)" if close else ""
    return f"unknown symbol {token!r}{hint}; accepted symbols: {', '.join(accepted)}"


_BINARY = {ast.Add: sp.Add, ast.Sub: lambda a, b: a - b, ast.Mult: sp.Mul,
           ast.Div: lambda a, b: a / b, ast.Pow: _power}


def _from_ast(node: ast.AST, depth: int = 0) -> sp.Expr:
    if depth > MAX_DEPTH:
        raise FormulaError(f"the formula is nested more than {MAX_DEPTH} levels deep")
    if isinstance(node, ast.Expression):
        return _from_ast(node.body, depth + 1)
    if isinstance(node, ast.Constant):
        if isinstance(node.value, bool) or not isinstance(node.value, (int, float)):
            raise FormulaError(f"{node.value!r} is not allowed in a formula; only numbers and symbols")
        return _number(repr(node.value))
    if isinstance(node, ast.Name):
        return _plain_symbol(node.id)
    if isinstance(node, ast.BinOp):
        builder = _BINARY.get(type(node.op))
        if builder is None:
            raise FormulaError(f"the operator {_op_text(node.op)!r} is not allowed; use + - * / ** ^")
        return _check_size(builder(_from_ast(node.left, depth + 1), _from_ast(node.right, depth + 1)))
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        value = _from_ast(node.operand, depth + 1)
        return -value if isinstance(node.op, ast.USub) else value
    if isinstance(node, ast.Call):
        name = _function_name(node.func)
        if node.keywords:
            raise FormulaError(f"{name}(): keyword arguments are not allowed")
        builder, counts, _ = FUNCTIONS[name]
        if len(node.args) not in counts or any(isinstance(a, ast.Starred) for a in node.args):
            raise FormulaError(f"{name}() takes {' or '.join(map(str, counts))} argument(s), "
                               f"got {len(node.args)}")
        return _check_size(builder(*[_from_ast(a, depth + 1) for a in node.args]))
    raise FormulaError(f"{_node_text(node)} is not allowed in a formula; only numbers, symbols, "
                       f"+ - * / ** and the functions {', '.join(FUNCTIONS)}")


def _function_name(func: ast.AST) -> str:
    if isinstance(func, ast.Name) and func.id in FUNCTIONS:
        return func.id
    if (isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name)
            and func.value.id in _MODULES and func.attr in FUNCTIONS):
        return func.attr
    shown = ast.unparse(func) if isinstance(func, ast.AST) else str(func)
    raise FormulaError(f"calling {shown!r} is not allowed; functions: {', '.join(FUNCTIONS)}")


def _op_text(op: ast.AST) -> str:
    return {ast.FloorDiv: "//", ast.Mod: "%", ast.MatMult: "@", ast.BitXor: "^", ast.BitAnd: "&",
            ast.BitOr: "|", ast.LShift: "<<", ast.RShift: ">>"}.get(type(op), type(op).__name__)


def _node_text(node: ast.AST) -> str:
    kinds = {ast.Attribute: "attribute access", ast.Lambda: "lambda", ast.Subscript: "subscripting",
             ast.Compare: "a comparison", ast.BoolOp: "and/or", ast.IfExp: "if/else",
             ast.NamedExpr: "the := operator", ast.Starred: "*args"}
    kind = next((v for k, v in kinds.items() if isinstance(node, k)), type(node).__name__)
    try:
        return f"{kind} ({ast.unparse(node)[:60]!r})"
    except Exception:  # pragma: no cover - unparse of an odd node
        return kind


def parse_plain(text: str) -> sp.Expr:
    """A plain-syntax formula (SymPy/Python spelling, ``^`` allowed) in the user's symbols."""
    _check_length(text)
    source = _implicit_products(text)
    try:
        tree = ast.parse(source, mode="eval")
    except SyntaxError as err:
        raise FormulaError(f"cannot parse {text!r}: {err.msg}") from None
    except (RecursionError, MemoryError, ValueError):
        raise FormulaError(f"cannot parse {text!r}: nested too deeply") from None
    try:
        return _from_ast(tree)
    except RecursionError:
        raise FormulaError(f"the formula is nested more than {MAX_DEPTH} levels deep") from None


def _check_length(text: str) -> None:
    if not isinstance(text, str):
        raise TypeError(f"formula must be a str, got {type(text).__name__}")
    if len(text) > MAX_LENGTH:
        raise FormulaError(f"the formula has {len(text):,} characters; the limit is {MAX_LENGTH:,}")
    if not text.strip():
        raise FormulaError("the formula is empty")


# ---------------------------------------------------------------------------------------------
# LaTeX: placeholders for the notation, then SymPy's ANTLR parser.

_DECORATIONS = {"bar": "bar", "overline": "bar", "tilde": "tilde", "widetilde": "tilde",
                "hat": "hat", "widehat": "hat"}
_GREEK = {"alpha", "beta", "sigma", "mu", "epsilon", "varepsilon", "lambda", "theta", "pi"}
# Commands the ANTLR grammar reads itself.
_STRUCTURE = {"frac", "sqrt", "log", "ln", "exp", "cdot", "times"}
_DROP = {"left", "right", "big", "Big", "bigg", "Bigg", "bigl", "bigr", "Bigl", "Bigr", "biggl",
         "biggr", "Biggl", "Biggr", "displaystyle", "textstyle"}
_UNWRAP = re.compile(r"\\(?:mathbf|boldsymbol|bm|mathit|mathrm|mathbb)\s*\{([^{}]*)\}")
_SPACES = re.compile(r"\\[,;:! ]|~|\\q?quad(?![a-zA-Z])")


def latex_key(decoration: str, base: str, subscript: str) -> str:
    """Canonical spelling of one symbol: ('bar', 'alpha', 't-1') -> '\\bar\\alpha_{t-1}'."""
    base = "epsilon" if base == "varepsilon" else base
    head = f"\\{base}" if base in _GREEK else base
    if decoration:
        head = f"\\{decoration}{head}"
    sub = subscript.replace(" ", "").replace("{", "").replace("}", "")
    sub = "\\theta" if sub in ("\\theta", "theta") else sub
    if not sub:
        return head
    return f"{head}_{{{sub}}}" if len(sub) > 1 and not sub.startswith("\\") else f"{head}_{sub}"


def _canonical(spelling: str) -> str:
    match = _SYMBOL.match(spelling)
    assert match and match.end() == len(spelling), spelling
    return _key_of(match)


_SYMBOL = re.compile(
    r"(?:\\(?P<dec>bar|overline|tilde|widetilde|hat|widehat)(?![a-zA-Z])\s*)?"
    r"(?P<open>\{\s*)?"
    r"(?:\\(?P<greek>alpha|beta|sigma|mu|varepsilon|epsilon|lambda|pi)(?![a-zA-Z])|(?P<letter>[a-zA-Z]))\s*"
    r"(?:_\s*(?P<inner>\{[^{}]*\}|\\theta(?![a-zA-Z])|[0-9a-zA-Z]))?\s*"
    r"(?(open)\}\s*)"
    r"(?:_\s*(?P<sub>\{[^{}]*\}|\\theta(?![a-zA-Z])|[0-9a-zA-Z]))?"
)


def _key_of(match: re.Match) -> str:
    decoration = _DECORATIONS.get(match.group("dec") or "", "")
    base = match.group("greek") or match.group("letter")
    if match.group("inner") and match.group("sub"):
        raise FormulaError(f"{match.group(0).strip()!r} has two subscripts")
    subscript = (match.group("inner") or match.group("sub") or "").strip()
    if subscript.startswith("{"):
        subscript = subscript[1:-1]
    return latex_key(decoration, base, subscript)


_LATEX_NAMES: dict[str, Name] = {_canonical(s): n for n in VOCABULARY for s in n.latex}


def latex_spellings() -> list[str]:
    return [s for n in VOCABULARY for s in n.latex]


def _normalise_latex(text: str) -> str:
    text = text.strip().strip("$").strip()
    for opening, closing in ((r"\[", r"\]"), (r"\(", r"\)")):
        if text.startswith(opening) and text.endswith(closing):
            text = text[2:-2]
    text = _SPACES.sub(" ", text)
    text = _UNWRAP.sub(r"\1", text)
    text = re.sub(r"\\[dt]frac(?![a-zA-Z])", r"\\frac", text)
    # \frac12 and \sqrt2: single-digit arguments braced, so numbers can become placeholders
    text = re.sub(r"\\frac\s*(\d)\s*(\d)", r"\\frac{\1}{\2}", text)
    text = re.sub(r"\\(frac|sqrt)\s*(\d)", r"\\\1{\2}", text)
    # \sigma^2_t -> \sigma_t^2 (the subscript belongs to the symbol, the square to the power)
    text = re.sub(r"(\\[a-zA-Z]+|[a-zA-Z])\^(\{[^{}]*\}|[0-9])_(\{[^{}]*\}|\\theta|[0-9a-zA-Z])", r"\1_\3^\2", text)
    return text


def _token(n: int) -> tuple[str, str]:
    r"""Placeholder n as (LaTeX, symbol name): \mathit{Qab...}, letters only -- a digit anywhere
    (even a subscript Q_{1}) would make the ANTLR converter call sympify, i.e. eval, on it."""
    letters = ""
    n += 1
    while n:
        n, r = divmod(n - 1, 26)
        letters = chr(ord("a") + r) + letters
    return f" {{\\mathit{{Q{letters}}}}} ", f"Q{letters}"


def _placeholders(text: str, *, lhs: bool = False) -> tuple[str, dict[str, sp.Expr]]:
    """Replace every symbol by a braced placeholder; refuse unknown commands and letters."""
    out: list[str] = []
    table: dict[str, sp.Expr] = {}
    i = 0
    while i < len(text):
        match = _SYMBOL.match(text, i)
        command = re.match(r"\\([a-zA-Z]+)", text[i:])
        if match and (match.group("greek") or match.group("letter") or match.group("dec")) and not (
                command and command.group(1) in _STRUCTURE | _DROP):
            if match.group("dec") and not (match.group("greek") or match.group("letter")):
                raise FormulaError(f"\\{match.group('dec')} must decorate a symbol, as in \\bar\\alpha_t")
            key = _key_of(match)
            entry = _LATEX_NAMES.get(key)
            if entry is None:
                raise FormulaError(_unknown_message(match.group(0).strip(), latex_spellings())
                                   .replace("unknown symbol", "unknown LaTeX symbol"))
            latex, name = _token(len(table))
            table[name] = entry.symbol
            out.append(latex)
            i = match.end()
            continue
        if command:
            name = command.group(1)
            if name in _DROP:
                i += len(command.group(0))
                continue
            if name not in _STRUCTURE:
                raise FormulaError(f"unknown LaTeX command \\{name}; accepted commands: "
                                   + ", ".join(f"\\{c}" for c in sorted(_STRUCTURE)) + ", \\left, \\right, "
                                   "and the symbols " + ", ".join(latex_spellings()))
            out.append(command.group(0) + " ")
            i += len(command.group(0))
            continue
        if text[i] == "\\":
            raise FormulaError(f"unexpected {text[i:i + 2]!r} in {text!r}")
        number = re.match(r"\d+(?:\.\d*)?|\.\d+", text[i:])
        if number:   # numbers too become placeholders: the ANTLR parser would sympify them
            latex, name = _token(len(table))
            table[name] = _number(number.group(0))
            out.append(latex)
            i += len(number.group(0))
            continue
        out.append(text[i])
        i += 1
    return "".join(out), table


def _from_sympy_tree(expr: sp.Basic, table: dict[str, sp.Expr], depth: int = 0) -> sp.Expr:
    """Rebuild the parser's unevaluated tree over the whitelist, with the size guards."""
    if depth > MAX_DEPTH:
        raise FormulaError(f"the formula is nested more than {MAX_DEPTH} levels deep")
    if isinstance(expr, sp.Symbol):
        if expr.name in table:
            return table[expr.name]
        if expr.name == "pi":
            return sp.pi
        raise FormulaError(_unknown_message(expr.name, latex_spellings()))
    if isinstance(expr, sp.Float):
        return _number(str(expr))
    if isinstance(expr, (sp.Integer, sp.Rational)):
        return _check_size(expr)
    if expr in (sp.pi, sp.E):
        return expr
    args = [_from_sympy_tree(a, table, depth + 1) for a in expr.args]
    if isinstance(expr, sp.Add):
        return _check_size(sp.Add(*args))
    if isinstance(expr, sp.Mul):
        return _check_size(sp.Mul(*args))
    if isinstance(expr, sp.Pow):
        return _power(*args)
    if isinstance(expr, sp.log):
        return _log(*args) if len(args) == 2 and args[1] != sp.E else sp.log(args[0])
    if isinstance(expr, sp.exp):
        return sp.exp(args[0])
    if isinstance(expr, sp.Abs):
        return sp.Abs(args[0])
    name = getattr(expr.func, "__name__", type(expr).__name__)
    raise FormulaError(f"{name} is not allowed in a formula; only numbers, symbols, + - \\cdot \\frac, "
                       f"powers, \\sqrt, \\log, \\exp")


def parse_latex_formula(text: str) -> sp.Expr:
    """A LaTeX formula in the lecture's notation, in the user's symbols."""
    _check_length(text)
    from sympy.parsing.latex import parse_latex
    from sympy.parsing.latex.errors import LaTeXParsingError

    prepared, table = _placeholders(_normalise_latex(text))
    try:
        parse_latex("x", backend="antlr")        # first import outside evaluate(False)
        with sp.evaluate(False):
            tree = parse_latex(prepared, backend="antlr")
    except LaTeXParsingError as err:
        raise FormulaError(f"cannot parse the LaTeX {text!r}: {str(err).splitlines()[0]}") from None
    except (RecursionError, MemoryError):
        raise FormulaError(f"cannot parse {text!r}: nested too deeply") from None
    except ImportError as err:  # pragma: no cover - the pinned antlr runtime is a dependency
        raise FormulaError(f"LaTeX parsing needs antlr4-python3-runtime==4.11 ({err})") from None
    if isinstance(tree, (sp.Eq, sp.Rel)) or not isinstance(tree, sp.Expr):
        raise FormulaError(f"expected one expression, got {type(tree).__name__} in {text!r}")
    try:
        return _from_sympy_tree(tree, table)
    except RecursionError:
        raise FormulaError(f"the formula is nested more than {MAX_DEPTH} levels deep") from None


# ---------------------------------------------------------------------------------------------
# Formulas and equations.

@dataclass(frozen=True)
class Formula:
    """A parsed formula: ``expr`` in the user's symbols, ``value`` in the proof's symbols."""

    text: str
    latex: bool
    expr: sp.Expr
    lhs: str | None = None   # the canonical left side of an equation, if one was given

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


def user_symbol(name: str) -> sp.Symbol:
    return BY_NAME[name].symbol


def is_latex(text: str) -> bool:
    """LaTeX is recognised by a backslash or a brace (plain syntax has neither)."""
    return "\\" in text or "{" in text


def _split_equation(text: str, latex: bool) -> tuple[str | None, str]:
    parts = re.split(r"(?<![<>=!])=(?!=)", text)
    if len(parts) > 2:
        raise FormulaError(f"at most one '=' is allowed (lhs = rhs), got {len(parts) - 1} in {text!r}")
    if "==" in text or re.search(r"[<>]|\\(?:leq?|geq?|neq?|ne)(?![a-zA-Z])", text):
        raise FormulaError(f"comparisons are not allowed in a formula: {text!r}")
    if len(parts) == 1:
        return None, text
    if not parts[0].strip():
        raise FormulaError(f"the left side of {text!r} is empty")
    return parts[0], parts[1]


def lhs_key(text: str, latex: bool) -> str:
    """Canonical text of an equation's left side: symbols by plain name, no spaces or braces,
    a trailing argument list dropped ('\\tilde\\mu_t(x_t, x_0)' -> 'mu_tilde_t')."""
    text = text.strip()
    if latex:
        text = _normalise_latex(text)
        text = re.sub(r"\\(left|right)(?![a-zA-Z])", "", text)
    text = re.sub(r"\s*\([^()]*\)\s*$", "", text)
    if latex:
        pieces, i = [], 0
        while i < len(text):
            match = _SYMBOL.match(text, i)
            if match and (match.group("greek") or match.group("letter")) and match.end() > i:
                entry = _LATEX_NAMES.get(_key_of(match))
                pieces.append(entry.name if entry else match.group(0))
                i = match.end()
            else:
                pieces.append(text[i])
                i += 1
        text = "".join(pieces)
    text = text.replace("**", "^").replace("\\cdot", "*")
    return re.sub(r"[\s{}]", "", text)


def parse(text: str, *, latex: bool | None = None) -> Formula:
    """Read a formula or an equation ``lhs = rhs`` (then the right side is the formula).

    ``latex=None`` detects LaTeX by a backslash.  Raises :class:`FormulaError` (a ValueError)
    naming the offending token; never evaluates the text.
    """
    _check_length(text)
    use_latex = is_latex(text) if latex is None else bool(latex)
    lhs, rhs = _split_equation(text, use_latex)
    expr = parse_latex_formula(rhs) if use_latex else parse_plain(rhs)
    return Formula(text, use_latex, expr, lhs_key(lhs, use_latex) if lhs is not None else None)


def from_sympy(expr: sp.Expr) -> Formula:
    """A SymPy expression built by the user: its symbols are matched to the vocabulary by name."""
    if not isinstance(expr, sp.Basic):
        raise TypeError(f"expected a SymPy expression or a str, got {type(expr).__name__}")
    unknown = sorted({s.name for s in expr.free_symbols if s.name not in BY_NAME})
    if unknown:
        raise FormulaError(_unknown_message(unknown[0], plain_names()))
    renamed = expr.xreplace({s: BY_NAME[s.name].symbol for s in expr.free_symbols})
    return Formula(sp.sstr(expr), False, renamed)
