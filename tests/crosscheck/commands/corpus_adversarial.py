r"""An adversarial corpus for ``crosscheck check``: hostile or malformed formulas.

Each :class:`Entry` is a formula a user (or an attacker feeding an autograder) might give, with
the set of outcomes that are acceptable, decided by hand from the mathematics:

* ``refused``   -- ``check`` raises ValueError/TypeError (CLI: exit 2, one line);
* ``differs``, ``undecided`` -- a verdict that is not a pass (CLI: exit 1);
* ``holds``     -- an exact proof (CLI: exit 0).

The rules the ``allowed`` sets encode:

* anything false, complex-valued or undefined somewhere on the domain
  (0 < beta_t < 1, 0 < alpha_bar_{t-1} <= 1 -- t = 1 included --, variances > 0, data real)
  excludes ``holds``: a number is read as written (``1e-400`` is 10^-400, not 0), so
  ``<correct> + 1e-400`` is false;
* text that has no reading without executing, dropping or guessing something must be ``refused``;
* a correct formula in the documented syntax must hold; a correct formula with a harmless
  decoration (``$...$``, a tab, a Unicode spelling) may hold or be refused, but never "differs"
  (that would be a false counterexample);
* a correct formula whose proof is legitimately expensive (a resource bomb that cancels exactly)
  may hold, be refused by a size limit, or run out of time (``undecided``).

``not_reads_as`` (plain syntax) names a reading the reader must *not* produce: a part dropped
(``\epsilon_\theta(x_t, t)`` swallowing the bracket) or guessed (``\epsilon_\theta(x_t)`` read as a
product).  ``cli`` marks the entries of the command-line sample.

The second half of this module is the harness shared by ``test_corpus_adversarial.py`` and
``bench/adversarial.py``: a worker subprocess (address space limited to 2 GiB) that reads each
formula with ``eval``/``exec``/``compile``/``sympify``/``parse_expr``/``open``/``os.system``
patched to record and fail, then runs the full ``check`` unpatched, and reports outcome, time,
memory and anything executed; the parent kills it when an entry overruns its time limit.
"""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass

REFUSED = frozenset({"refused"})
NOT_HOLD = frozenset({"refused", "differs", "undecided"})
HOLDS = frozenset({"holds"})
HOLDS_OR_REFUSED = frozenset({"holds", "refused"})
TRUE_HARD = frozenset({"holds", "refused", "undecided"})
#: a real value reached through non-real intermediates (sqrt(-beta_t)*sqrt(-1) + sqrt(beta_t) = 0):
#: equal by value, so "holds" is right; DESIGN also rules a non-real subterm "not equal", so the
#: engine may answer "differs" (not real at a point) -- these entries test robustness only.
ANY = frozenset({"holds", "refused", "undecided", "differs"})

CATEGORIES = ("execution", "bomb", "complex", "dropped", "encoding")
CANARY = "/tmp/crosscheck-adversarial-canary"


@dataclass(frozen=True)
class Entry:
    id: str
    category: str
    target: str
    text: str
    mode: str | None            # "latex", "plain" or None (auto-detect)
    allowed: frozenset
    why: str
    not_reads_as: str | None = None
    cli: bool = False

    @property
    def latex(self) -> bool | None:
        return {"latex": True, "plain": False, None: None}[self.mode]


# ---------------------------------------------------------------------------------------------
# Correct formulas of the targets (each is proved to hold by the current engine; they are the
# bases that the hostile decorations are attached to).

PV = "beta_t*(1-alpha_bar_prev)/(1-alpha_bar_t)"
PM = "sqrt(alpha_bar_prev)*beta_t/(1-alpha_bar_t)*x_0 + sqrt(alpha_t)*(1-alpha_bar_prev)/(1-alpha_bar_t)*x_t"
EPS_MEAN = "(x_t - beta_t/sqrt(1-alpha_bar_t)*eps)/sqrt(alpha_t)"
X0 = "(x_t - sqrt(1-alpha_bar_t)*eps)/sqrt(alpha_bar_t)"
FJM = "sqrt(alpha_bar_t)*x_0"
FJV = "1-alpha_bar_t"
FSM = "sqrt(alpha_t)*x_prev"
KLW = "beta_t^2/(2*sigma_t^2*alpha_t*(1-alpha_bar_t))"
KLC = "(log(sigma_t^2/beta_tilde_t) + beta_tilde_t/sigma_t^2 - 1)/2"
SCORE = "-eps/sqrt(1-alpha_bar_t)"
SNKL = "(mu^2 + sigma^2 - 1 - log(sigma^2))/2"
GKL = "log(sigma_2/sigma_1) + (sigma_1^2 + (mu_1-mu_2)^2)/(2*sigma_2^2) - 1/2"
GLD = "-(x-mu)^2/(2*sigma^2) - log(2*pi*sigma^2)/2"
PRIOR = "(alpha_bar_T*x_0^2 - alpha_bar_T - log(1-alpha_bar_T))/2"
W0 = "sqrt(alpha_bar_prev)*beta_t/(1-alpha_bar_t)"

L_PV = r"\frac{1-\bar\alpha_{t-1}}{1-\bar\alpha_t}\beta_t"
L_PM = (r"\frac{\sqrt{\bar\alpha_{t-1}}\beta_t}{1-\bar\alpha_t}\mathbf{x}_0 + "
        r"\frac{\sqrt{\alpha_t}(1-\bar\alpha_{t-1})}{1-\bar\alpha_t}\mathbf{x}_t")
L_EPS_MEAN = r"\frac{1}{\sqrt{\alpha_t}}\left(\mathbf{x}_t - \frac{\beta_t}{\sqrt{1-\bar\alpha_t}}\epsilon\right)"
L_KLW = r"\frac{\beta_t^2}{2\sigma_t^2\alpha_t(1-\bar\alpha_t)}"
L_SCORE = r"-\frac{\epsilon}{\sqrt{1-\bar\alpha_t}}"

BASES = [("posterior_variance", PV, "plain"), ("posterior_mean", PM, "plain"), ("eps_mean", EPS_MEAN, "plain"),
         ("x0_from_eps", X0, "plain"), ("forward_jump_mean", FJM, "plain"),
         ("forward_jump_variance", FJV, "plain"), ("forward_step_mean", FSM, "plain"),
         ("forward_step_variance", "beta_t", "plain"), ("kl_eps_weight", KLW, "plain"),
         ("kl_eps_constant", KLC, "plain"), ("score", SCORE, "plain"), ("standard_normal_kl", SNKL, "plain"),
         ("gaussian_kl", GKL, "plain"), ("gaussian_log_density", GLD, "plain"), ("prior_kl", PRIOR, "plain"),
         ("interpolation_w0", W0, "plain"), ("posterior_variance", L_PV, "latex"),
         ("posterior_mean", L_PM, "latex"), ("eps_mean", L_EPS_MEAN, "latex"), ("kl_eps_weight", L_KLW, "latex"),
         ("score", L_SCORE, "latex")]

ENTRIES: list[Entry] = []


def _add(category: str, name: str, target: str, text: str, allowed: frozenset, why: str, *,
         mode: str | None = None, not_reads_as: str | None = None, cli: bool = False) -> None:
    number = sum(e.category == category for e in ENTRIES) + 1
    entry = Entry(f"{category}-{number:03d}-{name}", category, target, text, mode, frozenset(allowed), why,
                  not_reads_as, cli)
    assert entry.id not in {e.id for e in ENTRIES}, entry.id
    ENTRIES.append(entry)


def _nest(opening: str, core: str, closing: str, depth: int) -> str:
    return opening * depth + core + closing * depth


# ---------------------------------------------------------------------------------------------
# execution attempts: nothing may be evaluated; unreadable, hence refused.

E = "execution"
for name, text, why in [
    ("dunder-import", f"__import__('os').system('touch {CANARY}')", "classic eval payload; a call of a non-whitelisted name"),
    ("subclasses", "().__class__.__bases__[0].__subclasses__()", "sandbox escape through object.__subclasses__"),
    ("subclasses-globals", "().__class__.__base__.__subclasses__()[137].__init__.__globals__['system']('id')",
     "reaching os.system through a class's __init__.__globals__"),
    ("lambda", "lambda: beta_t", "a lambda is code, not a formula"),
    ("lambda-call", "(lambda x: x)(beta_t)", "an immediately applied lambda (implicit product must not hide it)"),
    ("getattr", "getattr(beta_t, 'conjugate')()", "getattr and a string: attribute access by name"),
    ("fstring", "f\"{__import__('os').system('id')}\"", "an f-string evaluates its fields"),
    ("eval", "eval('beta_t')", "eval of a string"),
    ("exec", "exec('import os')", "exec of a string"),
    ("torch-globals", "torch.sqrt.__globals__", "the lab's torch. prefix followed by a dunder attribute chain"),
    ("torch-globals-eval", "torch.sqrt.__globals__['__builtins__']['eval']('1')", "dunder chain to eval through torch.sqrt"),
    ("open", "open('/etc/passwd').read()", "file access"),
    ("sympy-sympify", "sympy.sympify('beta_t')", "sympify is eval"),
    ("S-call", "S('beta_t')", "SymPy's S() sympifies a string"),
    ("symbol-call", "Symbol('beta_t')", "building SymPy objects by name"),
    ("method-call", "beta_t.subs(beta_t, 1)", "method call on a symbol object"),
    ("listcomp", "[c for c in ().__class__.__base__.__subclasses__()]", "a comprehension runs code"),
    ("genexp-sum", "sum(beta_t for _ in range(10**9))", "generator expression (and a CPU bomb if run)"),
    ("builtins-name", "__builtins__", "the builtins module by name"),
    ("import-stmt", "import os", "a statement"),
    ("ifexp", "beta_t if True else 0", "a conditional expression guesses nothing mathematical; code"),
    ("boolop", "beta_t and 1", "boolean operators are not arithmetic"),
    ("walrus", "(b := beta_t)", "an assignment expression"),
    ("keyword-arg", "sqrt(beta_t, key=1)", "keyword arguments in a call"),
    ("starred", "sqrt(*[beta_t])", "argument unpacking"),
    ("string", "'beta_t'", "a string constant is not a formula"),
    ("subscript", "beta_t[0]", "subscripting"),
    ("ellipsis", "...", "Ellipsis"),
    ("bool", "True * beta_t", "a bool is not a number here (True == 1 must not be guessed)"),
    ("matmul", "beta_t @ beta_t", "matrix product operator"),
    ("print", "print(beta_t)", "a call of a builtin"),
    ("exit", "exit()", "would end the process"),
    ("os-system", "os.system('id')", "a module attribute that is not a whitelisted function"),
    ("torch-os", f"torch.os.system('touch {CANARY}')", "a chain under an allowed module prefix"),
    ("torch-import", "torch.__import__('os')", "a dunder under an allowed module prefix"),
    ("np-load", "np.load('x.npy', allow_pickle=True)", "numpy's pickle loader"),
    ("sqrt-dunder-call", "sqrt.__call__(beta_t)", "attribute access on a whitelisted function"),
    ("module-name", "torch", "a module name used as a symbol"),
    ("raise", "raise SystemExit(0)", "would end the process if executed"),
    ("semicolon-stmt", "beta_t; import os", "a second statement after a formula"),
    ("newline-stmt", "beta_t\nimport os", "a second statement on a new line"),
    ("lambda-keyword", "lambda t: t", "the keyword lambda (lambda_t is a symbol; lambda is not)"),
    ("fullwidth-eval", "\uff45\uff56\uff41\uff4c('beta_t')", "fullwidth 'eval' becomes eval under NFKC"),
    ("fullwidth-import", "\uff3f\uff3fimport\uff3f\uff3f('os')", "fullwidth low lines: __import__ under NFKC"),
    ("mathbold-exec", "\U0001d41e\U0001d431\U0001d41e\U0001d41c('1')", "mathematical bold 'exec' becomes exec under NFKC"),
    ("cyrillic-a", "sqrt(\u0430lpha_t)*x_prev", "Cyrillic a in alpha_t: a homoglyph must not be guessed as Latin"),
    ("cyrillic-e-exp", "\u0435xp(beta_t)", "Cyrillic e in exp: a homoglyph function name"),
    ("greek-omicron-log", "l\u03bfg(beta_t)", "Greek omicron in log"),
    ("zero-width-eval", "eval\u200b('1')", "a zero-width space next to a forbidden call"),
    ("nul-import", "beta_t\x00__import__('os').system('id')", "text after a NUL must not vanish (C-string truncation) nor run"),
    ("rlo-eval", "\u202eeval('1')", "a right-to-left override in front of a call"),
]:
    _add(E, name, "posterior_variance", text, REFUSED, why, mode="plain" if "{" in text else None)

_add(E, "lambda_t-symbol", "denoising_kl", "lambda_t*(eps - eps_theta)^2 + C_t", HOLDS,
     "lambda_t is the vocabulary's KL weight (this is the target's own form); the keyword prefix must not refuse it")
for name, text, why in [
    ("tex-input", r"\input{/etc/passwd}", "TeX file inclusion"),
    ("tex-def", r"\def\x{\beta_t}\x", "a TeX macro definition"),
    ("tex-newcommand", r"\newcommand{\x}{\beta_t}\x", "a LaTeX macro definition"),
    ("tex-renewcommand", r"\renewcommand{\beta}{1}\beta_t", "redefining a symbol of the notation"),
    ("tex-csname", r"\csname beta\endcsname_t", "building a command name from text"),
    ("tex-write18", rf"\immediate\write18{{touch {CANARY}}}", "shell escape"),
    ("tex-catcode", r"\catcode`\^=11 \beta_t", "changing character codes"),
    ("tex-directlua", r"\directlua{os.execute('id')}", "LuaTeX code"),
    ("tex-shellesc", r"\usepackage{shellesc}\ShellEscape{id}", "package loading and a shell escape"),
    ("tex-verb", r"\verb|__import__('os')|", "verbatim text"),
    ("mathrm-import", r"\mathrm{__import__}('os')", "an unwrapped \\mathrm must not let Python names through"),
    ("operatorname-eval", r"\operatorname{eval}(\beta_t)", "an operator named eval"),
    ("mathrm-eval", r"\mathrm{eval}(\beta_t)", "a function named eval"),
    ("mathit-exec", r"\mathit{exec}(1)", "\\mathit text is a symbol name for SymPy: exec must not become a call"),
    ("placeholder-forgery", r"\beta_t + \mathit{Qa}", "forges the reader's placeholder name for the first symbol"),
    ("placeholder-forgery-braced", r"{\mathit{Qb}}\beta_t", "forges a placeholder exactly as the reader writes it"),
    ("subscript-digits", r"x_{12345}", "digits in a subscript must not reach sympify; no such symbol"),
    ("subscript-expr", r"\beta_{1+1}", "an expression as a subscript (SymPy prints and re-reads it)"),
    ("subscript-python", r"\alpha_{__import__('os')}", "Python code as a subscript"),
    ("text-python", r"\text{__import__('os')}", "text mode"),
    ("sqrt-index-python", r"\sqrt[__import__]{2}", "code as a root index"),
    ("tex-hex-escape", r"^^5cinput{/etc/passwd}", "TeX's ^^5c is a backslash: \\input in disguise"),
    ("href-js", r"\href{javascript:alert(1)}{\beta_t}", "a hyperlink with a script"),
    ("overline-beta", r"\overline{\beta_t}", "\\overline is the vocabulary's bar (\\overline{\\alpha}_t); beta-bar is no symbol and the bar must not be dropped"),
    ("hat-beta", r"\hat\beta_t", "an unknown decoration; dropping the hat would read beta_t"),
]:
    _add(E, name, "forward_step_variance", text, REFUSED, why, mode="latex")

for name, text, allowed, why in [
    ("mathit-digit", r"\mathit{1}\beta_t", HOLDS_OR_REFUSED,
     "an italic digit 1 times beta_t is beta_t; the digit must reach no sympify (parse is patched)"),
    ("frac-digits", r"\frac12\beta_t", NOT_HOLD, "\\frac12 (digits read by the grammar itself) is 1/2: beta_t/2 is false"),
    ("number-comma", r"\beta_t \cdot 1,000", NOT_HOLD, "1,000 is a thousands separator or a list: 1000 beta_t is false either way"),
    ("sum", r"\sum_{i=1}^{10} \beta_t", NOT_HOLD, "10 beta_t is false; \\sum is not in the notation"),
    ("integral", r"\int_0^1 \beta_t d\beta_t", NOT_HOLD, "an integral (1/2) is false and not in the notation"),
    ("binom", r"\binom{64}{32}\beta_t", NOT_HOLD, "a binomial coefficient times beta_t is false"),
    ("factorial", r"5!\beta_t", NOT_HOLD, "120 beta_t is false"),
    ("derivative", r"\frac{d}{dx}\beta_t", NOT_HOLD, "d/dx of beta_t is 0, false; the grammar re-parses the numerator raw"),
]:
    _add(E, name, "forward_step_variance", text, allowed, why, mode="latex")


# ---------------------------------------------------------------------------------------------
# resource bombs: answered (or refused) within the time limit, within 2 GiB, never "holds"
# when false.

B = "bomb"
for name, target, text, allowed, why, cli in [
    ("exp3", "posterior_variance", "exp(exp(exp(24)))*beta_t", NOT_HOLD,
     "e^(e^(e^24)) has ~1e10-digit exponent; false", True),
    ("exp4", "posterior_variance", "exp(exp(exp(exp(8*beta_t))))", NOT_HOLD, "a fourfold exponential tower; false", True),
    ("pow64-cubed", "posterior_mean", "(((alpha_t+x_t)^64)^64)^64", NOT_HOLD,
     "each exponent is within the limit of 64 but the power is (alpha_t+x_t)^262144; false", True),
    ("9^9^9", "posterior_variance", "9^9^9", NOT_HOLD, "9^(9^9) has 370 million digits; false", True),
    ("10**10**10", "posterior_variance", "10**10**10", NOT_HOLD, "10^(10^10); false", True),
    ("2-tower", "posterior_variance", "2**2**2**2**2", NOT_HOLD, "2^65536; false", False),
    ("2^64-nested", "posterior_variance", "((((2^64)^64)^64)^64)^64", NOT_HOLD, "2^(64^5) by nesting allowed exponents; false", False),
    ("2^64^64", "posterior_variance", "2^64^64", NOT_HOLD, "right-associative: 2^(64^64); false", False),
    ("beta^64^64", "forward_step_variance", "beta_t^64^64", NOT_HOLD, "beta_t^(64^64); false", False),
    ("beta-nested-pow", "forward_step_variance", "((beta_t^64)^64)^64", NOT_HOLD,
     "SymPy folds the nest into beta_t^262144, past the exponent guard; false", False),
    ("binomial-nest", "posterior_mean", "((((((beta_t+x_t)^8)^8)^8)^8)^8)", NOT_HOLD,
     "(beta_t+x_t)^32768 hidden in allowed exponents; false", False),
    ("multinomial", "posterior_mean", "(x_t+x_0+eps+alpha_t+beta_t+mu)^64", NOT_HOLD,
     "a 6-term multinomial of degree 64 (11 million terms if expanded); false", False),
    ("true-binomial", "posterior_mean", f"{PM} + (x_t+x_0)^64*(x_t-x_0)^64 - (x_t^2-x_0^2)^64", TRUE_HARD,
     "true: (a+b)^64 (a-b)^64 = (a^2-b^2)^64; proving it expands degree-128 polynomials", False),
    ("true-trinomial", "posterior_mean", f"{PM} + (x_t+x_0+eps)^64*(x_t+x_0-eps)^64 - ((x_t+x_0)^2-eps^2)^64",
     TRUE_HARD, "true, but expansion multiplies two 2145-term polynomials: must end within the limit", True),
    ("true-folded-power", "posterior_variance", f"{PV} + ((x_t+1)^64)^64 - ((x_t+1)^32)^128", TRUE_HARD,
     "true: both are (x_t+1)^4096 -- but 128 is over the exponent limit, so refusal is fine too", False),
    ("near-zero-huge-poly", "posterior_variance", f"{PV} + ((x_t+1)^64)^64 - ((x_t+1)^64)^64*(1+10^-60)", NOT_HOLD,
     "false by 1e-60 (x_t+1)^4096: nonzero, tiny relative to nothing at x_t = 0", False),
    ("true-9^9^9", "posterior_variance", f"{PV} + 9^9^9 - 9^9^9", TRUE_HARD,
     "true once both towers are read, but each is 370 million digits: refusing is fine", False),
    ("factorial-product", "posterior_variance",
     f"({PV})*" + "*".join(map(str, range(1, 301))) + "/(" + "*".join(map(str, range(1, 301))) + ")",
     TRUE_HARD, "300!/300! = 1 written out: true, ~1,600 characters", False),
    ("long-sum-false", "forward_step_variance", "+".join(["beta_t"] * 285), NOT_HOLD,
     "285 beta_t (1,994 characters) is false", False),
    ("long-sum-true", "posterior_variance", PV + "+x_t-x_t" * 244, TRUE_HARD,
     "1,994 characters of +x_t-x_t around a correct formula: true", False),
    ("long-radical-sum", "posterior_variance", "+".join(f"sqrt(alpha_t+{k})" for k in range(1, 131)), NOT_HOLD,
     "130 distinct square roots (~2,000 characters); false", False),
    ("radical-product", "posterior_variance", "*".join(f"sqrt(alpha_t+{k})" for k in range(1, 41)), NOT_HOLD,
     "40 distinct radicals multiplied; false", False),
    ("true-radical-product", "posterior_variance",
     PV + "+" + "*".join(f"sqrt(alpha_t+{k})" for k in range(1, 21)) + "-sqrt("
     + "*".join(f"(alpha_t+{k})" for k in range(1, 21)) + ")", TRUE_HARD,
     "true (every factor positive): the product of 20 roots is the root of the product", False),
    ("parens-500", "forward_step_variance", _nest("(", "beta_t", ")", 500), HOLDS_OR_REFUSED,
     "500 redundant parentheses around beta_t: true, or refused by a nesting limit", True),
    ("negation-500", "forward_step_variance", _nest("-(", "beta_t", ")", 500), HOLDS_OR_REFUSED,
     "500 nested negations (an even number) of beta_t: true, or refused as too deep", False),
    ("unary-minus-1000", "forward_step_variance", "-" * 1000 + "beta_t", HOLDS_OR_REFUSED,
     "1000 unary minus signs (even): true, or refused as too deep", False),
    ("reciprocal-300", "forward_step_variance", _nest("1/(", "beta_t", ")", 300), HOLDS_OR_REFUSED,
     "300 nested reciprocals (even) of beta_t: true, or refused as too deep", False),
    ("frac-200-even", "forward_step_variance", _nest(r"\frac1{", r"\beta_t", "}", 200), HOLDS_OR_REFUSED,
     "\\frac nested 200 deep (even) is beta_t: true, or refused as too deep", True),
    ("frac-201-odd", "forward_step_variance", _nest(r"\frac1{", r"\beta_t", "}", 201), NOT_HOLD,
     "\\frac nested 201 deep is 1/beta_t: false", False),
    ("sqrt-100-latex", "forward_step_variance", _nest(r"\sqrt{", r"\beta_t", "}", 100), NOT_HOLD,
     "beta_t^(2^-100): false", False),
    ("sqrt-100-plain", "forward_step_variance", _nest("sqrt(", "beta_t", ")", 100), NOT_HOLD,
     "beta_t^(2^-100): false; radical removal would need s^(2^100)", True),
    ("sqrt-100-of-power", "forward_step_variance", _nest("sqrt(", "beta_t^(2^100)", ")", 100), TRUE_HARD,
     "true in principle (beta_t > 0), but 2^100 is over the exponent limit: refusal is fine", False),
    ("left-300", "forward_step_variance", _nest(r"\left(", r"\beta_t", r"\right)", 300), HOLDS_OR_REFUSED,
     "300 nested \\left( \\right) around beta_t: true, or refused as too deep", False),
    ("braces-500", "forward_step_variance", _nest("{", r"\beta_t", "}", 500), HOLDS_OR_REFUSED,
     "500 nested braces around beta_t: true, or refused as too deep", False),
    ("int-60-digits", "posterior_variance", f"({PV})*123456789012345678901234567890123456789012345678901234567890",
     NOT_HOLD, "a 60-digit factor: false (or refused by the 50-digit limit)", False),
    ("int-60-ratio", "posterior_variance",
     f"({PV})*123456789012345678901234567890123456789012345678901234567890"
     "/123456789012345678901234567890123456789012345678901234567890", HOLDS_OR_REFUSED,
     "a 60-digit number over itself: true, or refused by the 50-digit limit", False),
    ("1e999999", "posterior_variance", f"{PV} + 1e999999", NOT_HOLD,
     "10^999999 (a float reading gives inf): false", True),
    ("1e999999-ratio", "posterior_variance", f"({PV})*1e999999/1e999999", HOLDS_OR_REFUSED,
     "10^999999/10^999999 = 1: true, or refused as too large (inf/inf would be nan)", False),
    ("1e-999999", "posterior_variance", f"{PV} + 1e-999999", NOT_HOLD, "10^-999999 is not 0: false", False),
    ("exponent-digits", "posterior_variance", f"{PV} + 1e+99999999999999999999", NOT_HOLD,
     "a 20-digit exponent (the digit limit must count it): 10^(10^20) is false", True),
    ("exponent-digits-negative", "posterior_variance", f"{PV} + 1e-99999999999999999999", NOT_HOLD,
     "10^-(10^20) is not 0: false", False),
    ("10**999999", "posterior_variance", f"{PV} + 10**999999", NOT_HOLD, "a million-digit power: false", False),
    ("latex-10^999999", "posterior_variance", L_PV + r" + 10^{999999}", NOT_HOLD, "a million-digit power: false", False),
    ("latex-10^10^10", "posterior_variance", L_PV + r" \cdot 10^{10^{10}}", NOT_HOLD, "a tower in LaTeX: false", False),
    ("x_t^(10^10)", "posterior_mean", "x_t^(10^10)", NOT_HOLD, "exponent 10^10: false", True),
    ("beta^(2^64)", "forward_step_variance", "beta_t^(2^64)", NOT_HOLD, "exponent 2^64: false", False),
    ("beta^(1/3^40)", "forward_step_variance", "beta_t^(1/3^40)", NOT_HOLD, "a root of index 3^40: false", False),
    ("beta^(10^-10)", "forward_step_variance", "beta_t^(10^-10)", NOT_HOLD, "a root of index 10^10: false", False),
    ("exp-30-digits", "posterior_variance", "exp(123456789012345678901234567890)*beta_t", NOT_HOLD,
     "exp of a 30-digit integer: false", False),
    ("exp-10^50", "posterior_variance", "exp(10^50)*beta_t", NOT_HOLD, "exp(10^50): false", False),
    ("exp-exp-64", "posterior_variance", "exp(exp(64))*beta_t", NOT_HOLD, "exp(6e27): false", False),
    ("exp-exp-data", "posterior_variance", f"exp(exp(x_t^2))*({PV})", NOT_HOLD,
     "exp(exp(x_t^2)) is > 1 wherever x_t != 0: false", False),
    ("exp-neg-tower", "posterior_variance", f"{PV} + exp(-exp(exp(24)))", NOT_HOLD,
     "e^(-e^(e^24)) is positive (underflows any float): false, never a pass", True),
    ("log4", "posterior_variance", "log(log(log(log(beta_t))))", NOT_HOLD, "complex-valued and false", False),
    ("abs-100", "forward_step_variance", _nest("abs(", "beta_t", ")", 100), HOLDS_OR_REFUSED,
     "|...|beta_t|...| = beta_t (positive): true, or refused as too deep", False),
    ("exp-log-60", "forward_step_variance", _nest("exp(log(", "beta_t", "))", 60), TRUE_HARD,
     "exp(log(.)) 60 times of beta_t > 0 is beta_t: true", False),
    ("harmonic-roots", "forward_step_variance", "*".join(f"beta_t^(1/{k})" for k in range(2, 65)), NOT_HOLD,
     "beta_t^(H_64 - 1): false; a common radical needs lcm(2..64) ~ 1e27", False),
    ("true-coprime-roots", "posterior_variance",
     f"{PV} + (alpha_t^(1/61) + beta_t^(1/59))^2 - alpha_t^(2/61) - 2*alpha_t^(1/61)*beta_t^(1/59) - beta_t^(2/59)",
     TRUE_HARD, "true (a binomial square) with roots of coprime index 61 and 59", False),
    ("power-repeat", "posterior_mean", "*".join(["(x_t+eps)^64"] * 30), NOT_HOLD,
     "SymPy folds the product into (x_t+eps)^1920: false", False),
    ("nested-radicals-90", "posterior_variance", f"{PV} + " + _nest("sqrt(1+", "1", ")", 90), NOT_HOLD,
     "a 90-deep nested radical is > 1: false", False),
    ("latex-root-64-nest", "forward_step_variance", r"\sqrt[64]{\sqrt[64]{\sqrt[64]{\beta_t}}}", NOT_HOLD,
     "beta_t^(1/262144): false", False),
    ("latex-power-tower", "forward_step_variance", _nest(r"\beta_t^{", r"\beta_t", "}", 50), NOT_HOLD,
     "beta_t^beta_t^... 50 high: false", False),
    ("plain-power-tower", "forward_step_variance", "^".join(["beta_t"] * 50), NOT_HOLD,
     "beta_t^beta_t^... 50 high: false", False),
    ("latex-factorial-2^64", "forward_step_variance", r"(2^{64})!\beta_t", NOT_HOLD,
     "(2^64)! has ~3.5e20 digits; false", False),
    ("latex-factorial-tower", "forward_step_variance", r"((((3!)!)!)!)\beta_t", NOT_HOLD,
     "(((3!)!)!)! = 720!! -- a factorial tower; false", False),
    ("length-100k", "forward_step_variance", "beta_t+" * 16666 + "0", NOT_HOLD,
     "100,000 characters (16,666 beta_t): false, refused by the length limit", False),
]:
    _add(B, name, target, text, allowed, why, cli=cli)


# ---------------------------------------------------------------------------------------------
# complex-valued and undefined: appended to a correct formula, they make it false (or
# undefined somewhere on the domain); some cancel exactly through complex intermediates.

C = "complex"
for name, target, base, poison, why, cli in [
    ("sqrt-1", "posterior_variance", PV, "sqrt(-1)", "+ i: complex, false", True),
    ("log-1", "posterior_mean", PM, "log(-1)", "+ i pi: complex, false", False),
    ("5sqrt-4", "eps_mean", EPS_MEAN, "5*sqrt(-4)", "+ 10 i: complex, false", False),
    ("log-neg-beta", "posterior_variance", PV, "log(-beta_t) - log(beta_t)", "= i pi: complex, false", True),
    ("pow-neg-half", "score", SCORE, "(-1)^(1/2)", "+ i: complex, false", False),
    ("cube-root-neg8", "x0_from_eps", X0, "(-8)^(1/3)", "principal cube root 1 + i sqrt(3) (2 on the real branch): false either way", False),
    ("sqrt-alpha-1", "kl_eps_weight", KLW, "sqrt(alpha_t - 1)", "imaginary on the whole domain: false", False),
    ("log-ratio-neg", "forward_jump_variance", FJV, "log(1-alpha_t) - log(alpha_t - 1)", "= -i pi: complex, false", False),
    ("inf-pow-0", "posterior_variance", PV, "(1/0)^0", "(1/0) is undefined (SymPy: zoo^0 = 1): false either way", False),
    ("0^0", "posterior_variance", PV, "0^0", "undefined or 1: false either way", False),
    ("0/0", "posterior_mean", PM, "0/0", "undefined: not a pass", False),
    ("log0", "score", SCORE, "log(0)", "undefined (-oo): not a pass", False),
    ("zoo", "posterior_variance", PV, "zoo", "SymPy's complex infinity is no symbol of the notation", False),
    ("oo", "posterior_variance", PV, "oo", "infinity: not a symbol, false", False),
    ("nan", "posterior_variance", PV, "nan", "not a number: never a pass", False),
    ("I-plus", "posterior_variance", PV, "I", "I is the identity matrix (1 per coordinate) here; as sqrt(-1) complex; false either way", False),
    ("E-plus", "posterior_variance", PV, "E", "E is no symbol (e is Euler's number): false if guessed", False),
    ("abs-x-minus-x", "posterior_mean", PM, "sqrt(x_t^2) - x_t", "|x_t| - x_t = -2 x_t for x_t < 0: false", False),
    ("half-log-square", "posterior_mean", PM, "log(x_t^2)/2 - log(x_t)", "= -i pi for x_t < 0 and undefined at 0: false", False),
    ("sqrt-abar-1", "forward_jump_mean", FJM, "sqrt(alpha_bar_t - 1)", "imaginary: false", False),
    ("log-abar-prev-1", "posterior_variance", PV, "log(alpha_bar_prev - 1)", "complex, and -oo at t = 1: false", False),
    ("sqrt-neg-var", "kl_eps_weight", KLW, "sqrt(-sigma_t^2)", "imaginary: false", False),
    ("log-neg-var", "standard_normal_kl", SNKL, "log(-sigma^2)", "complex: false", False),
    ("sqrt-neg-var1", "gaussian_kl", GKL, "sqrt(mu_1 - mu_1 - sigma_1^2)", "imaginary: false", False),
    ("neg-beta-half", "posterior_variance", PV, "(-beta_t)^(1/2)", "imaginary: false", False),
    ("neg-alpha-third", "forward_step_mean", FSM, "(-alpha_t)^(1/3)", "principal cube root of a negative: complex, false", False),
    ("quarter-root-neg", "eps_mean", EPS_MEAN, "(-x_t^2 - 1)^(1/4)", "complex everywhere: false", False),
    ("log-1-squared", "posterior_variance", PV, "log(-1)^2", "(i pi)^2 = -pi^2: real but nonzero, false", False),
    ("log-neg-e", "posterior_variance", PV, "log(-e) - 1", "= i pi: false", False),
    ("div-zero-symbolic", "posterior_variance", PV, "1/(alpha_bar_prev - alpha_bar_prev)", "1/0: undefined", False),
    ("log-base-1", "posterior_mean", PM, "log(x_t, 1)", "log base 1 divides by log(1) = 0: undefined", False),
    ("sqrt-log-beta", "posterior_variance", PV, "sqrt(log(beta_t))", "log beta_t < 0: imaginary, false", False),
    ("log-log-beta", "posterior_variance", PV, "log(log(beta_t))", "log of a negative: complex, false", False),
    ("sqrt-neg-abar-prev", "posterior_variance", PV, "sqrt(1 - alpha_bar_prev - 1)", "sqrt(-alpha_bar_prev): imaginary, false", False),
    ("abs-i", "posterior_variance", PV, "abs(sqrt(-1))", "|i| = 1: false", False),
    ("inf-minus-inf", "posterior_variance", PV, "- log(0) + log(0)", "oo - oo is undefined: not a pass", False),
    ("zero-times-inf", "posterior_variance", PV, "0*log(0)", "0 * oo is undefined: not a pass", False),
    ("zero-times-undefined-at-t1", "posterior_variance", PV, "0*(1/(alpha_bar_prev - 1))",
     "undefined at t = 1 (alpha_bar_{t-1} = 1 is in the domain); evaluating 0*x first drops a token", False),
]:
    _add(C, name, target, f"{base} + {poison}", NOT_HOLD, why, cli=cli)

for name, target, text, allowed, why in [
    ("times-0/0", "posterior_variance", f"({PV})*0/0", NOT_HOLD, "times 0/0: undefined"),
    ("times-inf^0", "posterior_variance", f"({PV})*(1/0)^0", NOT_HOLD, "times (1/0)^0: 1/0 is undefined, not 1"),
    ("cancel-undefined-at-t1", "posterior_variance", f"({PV})*(1-alpha_bar_prev)/(1-alpha_bar_prev)", NOT_HOLD,
     "0/0 at t = 1 (alpha_bar_{t-1} = 1 is in the domain) where the target is 0: DESIGN says undefined somewhere is not equal"),
    ("log-ratio-undefined-at-t1", "posterior_variance", f"({PV})*log(alpha_bar_prev)/log(alpha_bar_prev)", NOT_HOLD,
     "log(1)/log(1) = 0/0 at t = 1: undefined on the domain"),
    ("sqrt-of-square-mean", "posterior_mean", f"sqrt(({PM})^2)", NOT_HOLD, "|mu| differs from mu where mu < 0"),
    ("sqrt-of-square-score", "score", f"(({SCORE})^2)^(1/2)", NOT_HOLD, "|score| differs where eps > 0"),
    ("times-exp-i-pi", "posterior_mean", f"({PM})*exp(pi*sqrt(-1))", NOT_HOLD, "e^(i pi) = -1: the negative, false"),
    ("sqrt-square-in-place", "posterior_mean", PM.replace("*x_t", "*sqrt(x_t^2)"), NOT_HOLD,
     "sqrt(x_t^2) = |x_t| in place of x_t: false for x_t < 0"),
    ("cube-root-cube", "posterior_mean", PM.replace("*x_t", "*(x_t^3)^(1/3)"), NOT_HOLD,
     "principal (x_t^3)^(1/3) is complex for x_t < 0: false"),
    ("exp-log-x", "posterior_mean", PM.replace("*x_t", "*exp(log(x_t))"), NOT_HOLD,
     "exp(log(x_t)) is undefined at x_t = 0 (complex log for x_t < 0): undefined on the domain"),
    ("square-of-root", "posterior_mean", PM.replace("*x_t", "*sqrt(x_t)^2"), ANY,
     "(sqrt x)^2 = x for every real x (through i sqrt|x| when x < 0): true, defined everywhere"),
    ("log-exp", "posterior_mean", f"log(exp({PM}))", TRUE_HARD, "log(exp(y)) = y for real y: true"),
    ("i-minus-i", "posterior_variance", f"{PV} + sqrt(-1) - sqrt(-1)", ANY, "i - i = 0: true"),
    ("i-times-0", "posterior_variance", f"{PV} + sqrt(-1)*0", ANY, "0 i = 0: true"),
    ("log-1-minus-log-1", "posterior_variance", f"{PV} + log(-1) - log(-1)", ANY, "i pi - i pi = 0: true"),
    ("i-squared-plus-1", "posterior_variance", f"{PV} + sqrt(-1)^2 + 1", ANY, "i^2 + 1 = 0: true"),
    ("neg-beta-root-squared", "posterior_variance", f"{PV} + sqrt(-beta_t)^2 + beta_t", ANY,
     "(i sqrt(beta))^2 + beta = 0: true"),
    ("neg-beta-root-times-i", "posterior_variance", f"{PV} + sqrt(-beta_t)*sqrt(-1) + sqrt(beta_t)", ANY,
     "i sqrt(beta) i + sqrt(beta) = 0: true"),
    ("log-neg-beta-balanced", "posterior_variance", f"{PV} + log(-beta_t) - log(beta_t) - log(-1)", ANY,
     "(log beta + i pi) - log beta - i pi = 0: true"),
    ("times-exp-2-pi-i", "posterior_variance", f"({PV})*exp(2*pi*sqrt(-1))", ANY, "e^(2 pi i) = 1: true"),
    ("minus-times-exp-i-pi", "posterior_variance", f"-({PV})*exp(pi*sqrt(-1))", ANY, "-e^(i pi) = 1: true"),
    ("abs-i-minus-1", "posterior_variance", f"{PV} + abs(sqrt(-1)) - 1", ANY, "|i| - 1 = 0: true"),
    ("I-identity", "forward_step_variance", "beta_t*I", HOLDS_OR_REFUSED,
     "I is the documented identity matrix (1 per coordinate): beta_t I is the variance; reading I as sqrt(-1) would give differs"),
    ("I-squared", "posterior_variance", f"({PV})*I^2", HOLDS_OR_REFUSED,
     "I^2 = I = 1 (identity): true; reading I as sqrt(-1) would give the negative"),
    ("latex-sqrt-1", "posterior_variance", L_PV + r" + \sqrt{-1}", NOT_HOLD, "+ i in LaTeX: false"),
    ("latex-log-1", "posterior_variance", L_PV + r" + \log(-1)", NOT_HOLD, "+ i pi in LaTeX: false"),
    ("latex-sqrt-alpha-1", "kl_eps_weight", L_KLW + r" + \sqrt{\alpha_t - 1}", NOT_HOLD, "imaginary: false"),
    ("latex-i-squared", "posterior_variance", L_PV + r" + i^2 + 1", REFUSED,
     "i is no symbol of the notation (an index? the imaginary unit?): must not be guessed"),
    ("latex-log0", "score", L_SCORE + r" + \log 0", NOT_HOLD, "log 0 is undefined"),
    ("latex-0/0", "posterior_variance", L_PV + r" + \frac{0}{0}", NOT_HOLD, "0/0 is undefined"),
    ("latex-0^0", "posterior_variance", L_PV + r" + 0^0", NOT_HOLD, "undefined or 1: false either way"),
    ("latex-infty", "posterior_variance", L_PV + r" + \infty", NOT_HOLD, "infinity: false"),
    ("latex-neg-root-squared", "posterior_variance", L_PV + r" + \sqrt{-\beta_t}^2 + \beta_t", ANY,
     "(i sqrt(beta))^2 + beta = 0: true"),
    ("latex-sqrt-square-in-place", "posterior_mean", L_PM.replace(r"\mathbf{x}_t", r"\sqrt{\mathbf{x}_t^2}"), NOT_HOLD,
     "|x_t| in place of x_t: false for x_t < 0"),
    ("latex-complex-lhs", "posterior_variance", r"\tilde\beta_t = " + L_PV + r" \cdot \sqrt{-1}^2", NOT_HOLD,
     "i^2 = -1: the negative, false"),
]:
    _add(C, name, target, text, allowed, why)


# ---------------------------------------------------------------------------------------------
# dropped or rounded parts: every token counts, every number is exact.

D = "dropped"
for name, target, text, allowed, why, extra in [
    ("long-one", "posterior_variance", f"1.0000000000000000001*({PV})", NOT_HOLD,
     "1 + 1e-19 is not 1 (a float reading rounds it to 1.0)", {"cli": True}),
    ("plus-1e-400", "posterior_variance", f"{PV} + 1e-400", NOT_HOLD,
     "10^-400 is not 0 (a float reading underflows to 0.0)", {"cli": True}),
    ("hash-comment", "posterior_variance", f"{PV} # + 1", REFUSED, "'# + 1' is text: a comment must not be dropped", {"cli": True}),
    ("slash-comment", "posterior_variance", f"{PV} // comment", REFUSED, "floor division by a name, or a comment: unreadable", {}),
    ("percent", "posterior_variance", f"{PV} % 2", REFUSED, "modulo is not in the notation", {}),
    ("trailing-paren", "posterior_variance", f"{PV} )", REFUSED, "an unbalanced closing parenthesis", {}),
    ("leading-paren", "posterior_variance", f"({PV}", REFUSED, "an unclosed parenthesis", {}),
    ("semicolon", "posterior_variance", f"{PV};", HOLDS_OR_REFUSED,
     "a trailing ';' is punctuation (removed and reported) or a statement separator (refused)", {}),
    ("comma", "posterior_variance", f"{PV} , 1", REFUSED, "a tuple: two values, not one", {}),
    ("double-backslash", "posterior_variance", PV + r" \\ + 1", NOT_HOLD, "a line break then + 1: false when read, else refused", {}),
    ("trailing-plus", "posterior_variance", f"{PV} +", REFUSED, "a dangling operator", {}),
    ("second-line-1", "posterior_variance", f"({PV})\n1", NOT_HOLD,
     "a bare number on a line of its own (an equation number, a second expression) is no factor: "
     "multiplying it in is a guess", {}),
    ("juxtaposed-numbers", "posterior_variance", f"({PV})*2 3/6", NOT_HOLD, "'2 3' is 23 or 6: must not be guessed into 1", {}),
    ("thousands-space", "posterior_variance", f"({PV})*1 000/1000", NOT_HOLD, "'1 000' as 1000 would be a guess", {}),
    ("third-rounded", "posterior_variance", f"{PV} + 1/3 - 0.3333333333333333", NOT_HOLD,
     "1/3 - 0.3333333333333333 = 1/(3e16), not 0 (equal as floats)", {}),
    ("tenths-sum", "posterior_variance", f"{PV} + 0.1 + 0.2 - 0.3", HOLDS, "exactly 0 when read as decimals (5.5e-17 as floats)", {}),
    ("tenths-ratio", "posterior_variance", f"({PV})*(0.1+0.2)/0.3", HOLDS, "exactly 1 as decimals", {}),
    ("1e309-ratio", "posterior_variance", f"({PV})*1e309/1e309", HOLDS_OR_REFUSED, "exactly 1 (inf/inf as floats)", {}),
    ("1e309-cancel", "posterior_variance", f"{PV} + 1e309 - 1e309", HOLDS_OR_REFUSED, "exactly 0 (inf - inf as floats)", {}),
    ("plus-1e309", "posterior_variance", f"{PV} + 1e309", NOT_HOLD, "false", {}),
    ("1e-400-ratio", "posterior_variance", f"({PV})*1e-400/1e-400", HOLDS_OR_REFUSED, "exactly 1 (0/0 as floats)", {}),
    ("1e-400-cancel", "posterior_variance", f"{PV} + 1e-400 - 1e-400", HOLDS_OR_REFUSED, "exactly 0", {}),
    ("times-1+1e-60", "posterior_variance", f"({PV})*(1 + 1e-60)", NOT_HOLD, "1 + 1e-60 is not 1", {}),
    ("times-1+10^-30", "posterior_variance", f"({PV})*(1 + 10^-30)", NOT_HOLD,
     "a relative difference of 1e-30, below any numeric threshold: must not be a pass", {}),
    ("plus-2^-64", "posterior_variance", f"{PV} + 2^-64", NOT_HOLD, "5.4e-20 is not 0", {}),
    ("times-0.999..", "posterior_variance", f"({PV})*0.99999999999999999999999", NOT_HOLD, "1 - 1e-23 is not 1", {}),
    ("times-51-digits", "posterior_variance", f"({PV})*1.00000000000000000000000000000000000000000000000001",
     NOT_HOLD, "1 + 1e-50 (51 digits): false, or refused by the digit limit", {}),
    ("sqrt2-by-power", "posterior_variance", f"({PV})*2^0.5/sqrt(2)", HOLDS_OR_REFUSED, "2^(1/2)/sqrt(2) = 1 exactly", {}),
    ("almost-half-exponent", "posterior_variance", f"({PV})*2^0.50000000000000001/sqrt(2)", NOT_HOLD,
     "2^(1e-17) is not 1 (0.50000000000000001 rounds to 0.5 as a float)", {}),
    ("underscore-int", "posterior_variance", f"({PV})*1_0/10", HOLDS_OR_REFUSED, "1_0 is Python's 10: true, or refused", {}),
    ("hex-int", "posterior_variance", f"({PV})*0x10/16", HOLDS_OR_REFUSED, "0x10 is 16: true, or refused", {}),
    ("imaginary-literal", "posterior_variance", f"{PV} + 1j", NOT_HOLD, "+ i: false", {}),
    ("imaginary-zero", "posterior_variance", f"{PV} + 0j", HOLDS_OR_REFUSED, "0j is zero: true, or refused as complex", {}),
    ("leading-zero", "posterior_variance", f"({PV})*01", HOLDS_OR_REFUSED, "01 is 1 (a syntax error in Python 3)", {}),
    ("trailing-dot-half", "posterior_variance", f"({PV})*1.*2*.5", HOLDS, "1. and .5 are exact numbers: true", {}),
    ("eps-theta-call-plain", "denoising_kl", f"{KLW}*(eps-eps_theta(x_t))^2 + C_t", HOLDS_OR_REFUSED,
     "eps_theta(x_t) is the network applied to x_t, not eps_theta*x_t",
     {"not_reads_as": f"{KLW}*(eps-eps_theta*x_t)^2 + C_t", "mode": "plain"}),
    ("eps-theta-call2-plain", "denoising_kl", f"{KLW}*(eps-eps_theta(x_t, t))^2 + C_t", HOLDS_OR_REFUSED,
     "eps_theta(x_t, t) is the network's output: true, or refused", {"mode": "plain"}),
    ("eps-mean-bracket-dropped", "eps_mean",
     r"\frac{1}{\sqrt{\alpha_t}}\left(\mathbf{x}_t - \frac{\beta_t}{\sqrt{1-\bar\alpha_t}}\epsilon_\theta(\mathbf{x}_t, t)\right)",
     NOT_HOLD | HOLDS, "the bracket must not vanish into 1/sqrt(alpha_t); holds only by the engine's declared "
     "reading of the model output eps_theta as the noise eps where the target has no eps_theta (else false)",
     {"not_reads_as": "1/sqrt(alpha_t)", "cli": True}),
    ("eps-mean-bracket-true", "eps_mean",
     r"\frac{1}{\sqrt{\alpha_t}}\left(\mathbf{x}_t - \frac{\beta_t}{\sqrt{1-\bar\alpha_t}}\epsilon_\theta(\mathbf{x}_t, t)\right)"
     r" - \mu_\theta + " + L_EPS_MEAN, HOLDS_OR_REFUSED,
     "mu_theta - mu_theta + the eps form: true; a dropped bracket would make it differ", {}),
    ("kl-weight-with-factor", "kl_eps_weight",
     r"\frac{\beta_t^2}{2\sigma_t^2\alpha_t(1-\bar\alpha_t)}(\epsilon - \epsilon_\theta(x_t, t))^2", NOT_HOLD,
     "the weight times (eps - eps_theta)^2 is not the weight", {"cli": True}),
    ("kl-weight-with-factor-plain", "kl_eps_weight", f"{KLW}*(eps-eps_theta)^2", NOT_HOLD,
     "the weight times (eps - eps_theta)^2 is not the weight", {}),
    ("eps-theta-call-latex", "denoising_kl", r"\lambda_t(\epsilon - \epsilon_\theta(x_t))^2 + C_t", HOLDS_OR_REFUSED,
     "\\epsilon_\\theta(x_t) is the network at x_t, not a product",
     {"not_reads_as": "lambda_t*(eps - eps_theta*x_t)^2 + C_t"}),
    ("norm-bars", "denoising_kl", r"\lambda_t\|\epsilon - \epsilon_\theta(\mathbf{x}_t, t)\|^2 + C_t", HOLDS_OR_REFUSED,
     "per coordinate the squared norm is the square: true, or refused", {}),
    ("prime", "posterior_variance", r"\tilde\beta_t'", NOT_HOLD, "beta-tilde prime is another quantity", {}),
    ("prime-lhs", "posterior_variance", r"\tilde\beta_t' = " + L_PV, NOT_HOLD,
     "the left side names beta-tilde prime, not beta-tilde", {}),
    ("caret-in-exponent", "forward_step_variance", r"\beta_t^{^}", REFUSED, "an exponent that is only a caret", {}),
    ("empty-exponent", "forward_step_variance", r"\beta_t^{}", HOLDS_OR_REFUSED,
     "an empty exponent renders as nothing: beta_t, or refused as malformed", {}),
    ("frac-empty-denominator", "forward_step_variance", r"\frac{1}{}\beta_t", REFUSED, "a fraction without a denominator", {}),
    ("frac-empty-numerator", "forward_step_variance", r"\frac{}{2}", REFUSED, "a fraction without a numerator", {}),
    ("sqrt-empty", "forward_step_variance", r"\sqrt{}\beta_t", REFUSED, "a root of nothing", {}),
    ("unbalanced-open-brace", "forward_step_variance", r"\sqrt{\beta_t", REFUSED, "an unclosed brace", {}),
    ("unbalanced-close-brace", "posterior_variance", L_PV + "}", REFUSED, "an extra closing brace", {}),
    ("left-without-right", "posterior_variance", r"\left(" + L_PV, REFUSED, "\\left( without \\right)", {}),
    ("right-without-left", "posterior_variance", L_PV + r"\right)", REFUSED, "\\right) without \\left(", {}),
    ("right-dot", "forward_step_variance", r"\left(\beta_t\right.", HOLDS_OR_REFUSED,
     "\\right. is an invisible delimiter: beta_t, or refused", {}),
    ("empty-group", "forward_step_variance", r"{}\beta_t", HOLDS_OR_REFUSED, "an empty group renders as nothing", {}),
    ("empty-subscript", "forward_jump_mean", r"\sqrt{\bar\alpha_t}x_{}", NOT_HOLD,
     "x with an empty subscript is not x_0: false or refused", {}),
    ("double-subscript-latex", "forward_jump_mean", r"\sqrt{\bar\alpha_t}x_t_0", REFUSED, "a double subscript", {}),
    ("double-subscript-plain", "forward_jump_mean", "sqrt(alpha_bar_t)*x_t_0", REFUSED, "no symbol x_t_0", {}),
    ("chain-last-false", "posterior_variance", r"\tilde\beta_t = " + L_PV + r" = \beta_t", NOT_HOLD,
     "the chain's last equality is false", {}),
    ("chain-middle-false", "posterior_variance", r"\tilde\beta_t = \beta_t = " + L_PV, NOT_HOLD,
     "the chain's middle member is false", {}),
    ("chain-all-true", "posterior_variance",
     r"\tilde\beta_t = " + L_PV + r" = \frac{\beta_t(1-\bar\alpha_{t-1})}{1-\bar\alpha_t}", HOLDS_OR_REFUSED,
     "every member is equal: true, or refused (one '=' only)", {}),
    ("wrong-lhs-latex", "posterior_mean", r"\tilde\beta_t = " + L_PM, REFUSED,
     "the left side names posterior_variance: the statement beta-tilde = mu-tilde is false", {}),
    ("wrong-lhs-plain", "posterior_mean", f"beta_tilde_t = {PM}", REFUSED, "the left side names another quantity", {}),
    ("lhs-plus-one", "posterior_variance", r"\tilde\beta_t + 1 = " + L_PV, NOT_HOLD, "beta-tilde + 1 = beta-tilde is false", {}),
    ("lhs-times-two", "posterior_variance", r"2\tilde\beta_t = " + L_PV, NOT_HOLD, "2 beta-tilde = beta-tilde is false", {}),
    ("double-equals", "posterior_variance", f"{PV} == {PV}", REFUSED, "a comparison, not a formula", {}),
    ("less-than", "posterior_variance", f"{PV} < 1", REFUSED, "an inequality", {}),
    ("leq", "posterior_variance", r"\tilde\beta_t \leq \beta_t", REFUSED, "an inequality", {}),
    ("approx", "posterior_variance", r"\tilde\beta_t \approx " + L_PV, REFUSED, "an approximation is not an identity", {}),
    ("not-equal-plain", "posterior_variance", "beta_tilde_t != beta_t", REFUSED, "an inequality", {}),
    ("eqno-true", "posterior_variance", L_PV + r" \quad (11)", HOLDS_OR_REFUSED,
     "an equation number is not a factor 11: true when ignored, else refused", {"not_reads_as": f"11*{PV}"}),
    ("eqno-false", "posterior_variance", r"\frac{1-\bar\alpha_t}{1-\bar\alpha_{t-1}}\beta_t \quad (11)", NOT_HOLD,
     "the swapped (false) ratio with an equation number", {}),
    ("eqno-compensates", "posterior_variance", r"\frac{1}{11}" + L_PV + r" \quad (11)", NOT_HOLD,
     "beta-tilde/11 is false; read as a factor, the equation number would make it 'hold'", {"cli": True}),
    ("eqno-compensates-qquad", "posterior_variance", r"\frac{1}{2}" + L_PV + r" \qquad (2)", NOT_HOLD,
     "beta-tilde/2 is false whatever (2) is", {}),
    ("tag-compensates", "posterior_variance", r"\frac{1}{3}" + L_PV + r" \tag{3}", NOT_HOLD,
     "beta-tilde/3 is false; the tag is no factor", {}),
    ("big-O", "posterior_variance", L_PV + r" + O(\beta_t^2)", NOT_HOLD, "an order term is not 0", {}),
    ("dots-latex", "posterior_variance", L_PV + r" + \dots", NOT_HOLD, "'+ ...' is an unwritten remainder", {}),
    ("percent-comment-latex", "posterior_variance", L_PV + r" % + 1", REFUSED, "'% + 1' must not be dropped", {}),
    ("percent-comment-compensates", "posterior_variance", r"\frac{1}{2}" + L_PV + r" % \cdot 2", NOT_HOLD,
     "beta-tilde/2 is false, with or without the comment", {}),
    ("isolate-hidden-comment", "forward_step_mean", f"{FSM} # \u2066 + 1\u2069", REFUSED,
     "a comment hidden inside bidi isolates: must not be dropped", {}),
    ("derivative-as-fraction", "forward_step_variance", r"\frac{d}{dx}\left(x^2\beta_t\right)\frac{1}{x}", NOT_HOLD,
     "d/dx (x^2 beta_t) / x = 2 beta_t: false; read as the fraction d x^2 beta_t/(d x x) it would 'hold'", {}),
    ("unknown-command", "forward_step_variance", r"\foo\beta_t", REFUSED, "an unknown command must not be dropped", {}),
    ("misspelt-command", "forward_step_variance", r"\betaa_t", REFUSED, "a misspelt symbol must not be guessed", {}),
    ("ampersand-plus", "posterior_variance", L_PV + r" & + 1", NOT_HOLD, "an alignment mark then + 1: false", {}),
    ("latex-line-break-plus", "posterior_variance", L_PV + r" \\ + 1", NOT_HOLD, "a line break then + 1: false", {}),
]:
    _add(D, name, target, text, allowed, why, **extra)


# ---------------------------------------------------------------------------------------------
# encoding and format.

N = "encoding"
_PAD = "beta_t" + " " * 1995          # 2,001 characters
for name, target, text, allowed, why, extra in [
    ("emoji-only", "forward_step_variance", "\U0001f642", REFUSED, "an emoji", {}),
    ("emoji-after", "forward_step_variance", "beta_t \U0001f642", REFUSED, "an emoji after a symbol must not be dropped", {}),
    ("emoji-latex", "forward_step_variance", "\\beta_t \\cdot \U0001f642", REFUSED, "an emoji in LaTeX", {}),
    ("tabs", "forward_step_variance", "beta_t\t*\t2/2", HOLDS_OR_REFUSED, "tabs are whitespace", {}),
    ("tab-latex", "posterior_variance", L_PV.replace(r"}\beta", "}\t\\beta"), HOLDS_OR_REFUSED, "a tab in LaTeX", {}),
    ("newline-plain", "posterior_variance", "beta_t*(1-alpha_bar_prev)\n/(1-alpha_bar_t)", HOLDS_OR_REFUSED,
     "a formula wrapped over two lines", {}),
    ("newline-latex", "posterior_variance", r"\frac{1-\bar\alpha_{t-1}}" + "\n" + r"{1-\bar\alpha_t}\beta_t",
     HOLDS_OR_REFUSED, "LaTeX wrapped over two lines", {}),
    ("newline-false", "posterior_variance", f"{PV}\n+ 1", NOT_HOLD, "a second line '+ 1': false", {}),
    ("crlf", "posterior_variance", f"{PV}\r\n", HOLDS_OR_REFUSED, "a Windows line ending", {}),
    ("cr-middle", "forward_step_variance", "beta_t*2\r/2", HOLDS_OR_REFUSED, "a bare carriage return", {}),
    ("only-spaces", "forward_step_variance", "     ", REFUSED, "nothing to read", {"cli": True}),
    ("empty", "forward_step_variance", "", REFUSED, "nothing to read", {}),
    ("only-newlines", "forward_step_variance", "\n\n", REFUSED, "nothing to read", {}),
    ("only-nbsp", "forward_step_variance", "\u00a0", REFUSED, "nothing to read", {}),
    ("nbsp-inside", "forward_step_variance", "beta_t\u00a0*\u00a02/2", HOLDS_OR_REFUSED, "no-break spaces", {}),
    ("only-dollars", "forward_step_variance", "$$", REFUSED, "empty math", {}),
    ("empty-display", "forward_step_variance", r"\[\]", REFUSED, "empty display math", {}),
    ("only-braces", "forward_step_variance", "{}", REFUSED, "an empty group", {}),
    ("2001-padded", "forward_step_variance", _PAD, HOLDS_OR_REFUSED,
     "2,001 characters (beta_t and spaces): over the limit, or read after stripping", {}),
    ("2001-false", "forward_step_variance", "beta_t" + "+x_t-x_t" * 249 + "+ 1", NOT_HOLD,
     "2,002 characters and false", {}),
    ("2000-true", "posterior_variance", (PV + "+x_t-x_t" * 244).ljust(2000), TRUE_HARD,
     "exactly 2,000 characters (the limit), true", {}),
    ("leading-minus", "score", SCORE, HOLDS, "a formula that starts with '-' (CLI: must not look like an option)", {"cli": True}),
    ("dash-help", "forward_step_variance", "--help", REFUSED, "'--help' as a formula: no symbol help", {"cli": True}),
    ("dash-h", "forward_step_variance", "-h", REFUSED, "'-h': no symbol h", {"cli": True}),
    ("dash-only", "forward_step_variance", "-", REFUSED, "a lone minus", {}),
    ("dash-latex-flag", "forward_step_variance", "--latex", REFUSED, "'--latex' as a formula (-(-latex))", {}),
    ("dollars", "posterior_variance", f"${L_PV}$", HOLDS_OR_REFUSED, "inline math delimiters", {"cli": True}),
    ("double-dollars", "posterior_variance", f"$${L_PV}$$", HOLDS_OR_REFUSED, "display math delimiters", {}),
    ("brackets", "posterior_variance", rf"\[{L_PV}\]", HOLDS_OR_REFUSED, "\\[ \\] display math", {}),
    ("parens", "posterior_variance", rf"\({L_PV}\)", HOLDS_OR_REFUSED, "\\( \\) inline math", {}),
    ("dollars-false", "posterior_variance", rf"$\frac{{1}}{{2}}{L_PV}$", NOT_HOLD, "false inside math delimiters", {}),
    ("dollar-middle", "forward_step_variance", r"\beta_t $ + 1$", NOT_HOLD, "a '$' inside: + 1 is false", {}),
    ("dollars-split", "forward_step_variance", r"$\beta_t$ + $1$", NOT_HOLD, "beta_t + 1 is false", {}),
    ("dollars-unbalanced", "forward_step_variance", r"$$\beta_t$", HOLDS_OR_REFUSED, "unbalanced delimiters", {}),
    ("equation-env", "forward_step_variance", r"\begin{equation}\beta_t\end{equation}", HOLDS_OR_REFUSED,
     "an equation environment", {}),
    ("align-env-false-line", "posterior_variance",
     r"\begin{align}\tilde\beta_t &= " + L_PV + r" \\ &= \beta_t\end{align}", NOT_HOLD,
     "an aligned chain whose second line is false", {}),
    ("ampersand-equals", "posterior_variance", r"\tilde\beta_t &= " + L_PV, HOLDS_OR_REFUSED, "an alignment mark", {}),
    ("lone-surrogate", "forward_step_variance", "beta_t\ud800", REFUSED, "not valid Unicode (a lone surrogate)", {}),
    ("replacement-char", "forward_step_variance", "beta_t\ufffd", REFUSED, "U+FFFD from a decoding error", {}),
    ("mojibake-beta", "forward_step_variance", "\u00ce\u00b2_t", REFUSED, "UTF-8 'beta' read as Latin-1", {}),
    ("bom", "forward_step_variance", "\ufeffbeta_t", HOLDS_OR_REFUSED, "a byte-order mark", {}),
    ("greek-beta", "forward_step_variance", "\u03b2_t", HOLDS_OR_REFUSED, "the Greek letter itself", {}),
    ("unicode-sqrt", "forward_step_mean", "\u221a(alpha_t)*x_prev", HOLDS_OR_REFUSED, "the root sign", {}),
    ("superscript-two", "kl_eps_weight", "beta_t\u00b2/(2*sigma_t\u00b2*alpha_t*(1-alpha_bar_t))", HOLDS_OR_REFUSED,
     "superscript squares", {}),
    ("superscript-two-false", "forward_step_variance", "beta_t\u00b2", NOT_HOLD,
     "beta_t squared is false; dropping the superscript would 'hold'", {}),
    ("subscript-zero", "forward_jump_mean", "sqrt(alpha_bar_t)*x\u2080", HOLDS_OR_REFUSED, "a subscript digit", {}),
    ("fullwidth-digit", "forward_step_variance", "beta_t*\uff12/2", HOLDS_OR_REFUSED, "a fullwidth 2", {}),
    ("arabic-digit", "forward_step_variance", "beta_t*\u0662/2", HOLDS_OR_REFUSED, "an Arabic-Indic 2", {}),
    ("arabic-digit-false", "forward_step_variance", "beta_t*\u0662", NOT_HOLD,
     "2 beta_t is false; dropping the digit would 'hold'", {}),
    ("fullwidth-symbol", "forward_step_variance", "\uff42\uff45\uff54\uff41_t", HOLDS_OR_REFUSED,
     "fullwidth beta_t (NFKC: beta_t)", {}),
    ("math-italic-beta", "forward_step_variance", "\U0001d6fd_t", HOLDS_OR_REFUSED, "mathematical italic beta", {}),
    ("combining-acute", "forward_step_variance", "beta_t\u0301", REFUSED, "t with an accent is another symbol", {}),
    ("zero-width-inside", "forward_step_variance", "be\u200bta_t", HOLDS_OR_REFUSED, "an invisible zero-width space", {}),
    ("zwj-function", "forward_step_mean", "sq\u200drt(alpha_t)*x_prev", HOLDS_OR_REFUSED, "a zero-width joiner", {}),
    ("soft-hyphen", "forward_step_variance", "beta\u00ad_t", HOLDS_OR_REFUSED, "a soft hyphen", {}),
    ("word-joiner", "forward_step_variance", "beta_t\u2060*2/2", HOLDS_OR_REFUSED, "a word joiner", {}),
    ("variation-selector", "forward_step_variance", "beta_t\ufe0f", HOLDS_OR_REFUSED, "a variation selector", {}),
    ("nul-plus-one", "forward_step_variance", "beta_t\x00 + 1", NOT_HOLD,
     "text after a NUL must not be cut off (C-string truncation would 'hold')", {}),
    ("bell", "forward_step_variance", "beta_t\x07", REFUSED, "a control character", {}),
    ("ansi-escape", "forward_step_variance", "\x1b[2Jbeta_t", REFUSED,
     "a terminal escape (CLI: must not reach the terminal raw)", {"cli": True}),
    ("vertical-tab-plus", "forward_step_variance", "beta_t\x0b+ 1", NOT_HOLD,
     "a vertical tab then + 1: false (CLI: one error line even if echoed)", {"cli": True}),
    ("line-separator-plus", "forward_step_variance", "beta_t\u2028+1", NOT_HOLD,
     "U+2028 then + 1: false (CLI: one error line)", {"cli": True}),
    ("next-line-plus", "forward_step_variance", "beta_t\x85+1", NOT_HOLD, "U+0085 then + 1: false", {}),
    ("rlo-plus", "forward_step_variance", "beta_t \u202e+ 1", NOT_HOLD, "a right-to-left override; + 1 is false", {}),
    ("rlo-reversed", "forward_step_variance", "\u202e1 - beta_t", NOT_HOLD,
     "displayed reversed; in logical order 1 - beta_t = alpha_t: false", {}),
    ("pdf-trailing", "forward_step_variance", "beta_t\u202c", HOLDS_OR_REFUSED, "a stray pop-directional-formatting", {}),
    ("ligature-expansion", "forward_step_variance", "\ufdfa" * 50, REFUSED, "a character that NFKC expands to 18", {}),
    ("titlecase-digraph", "forward_step_variance", "\u01c5", REFUSED, "NFKC 'Dz' with caron: no symbol", {}),
    ("long-unknown-token", "forward_step_variance", "a" * 1999, REFUSED, "one 1,999-letter unknown symbol", {}),
    ("open-parens-2000", "forward_step_variance", "(" * 2000, REFUSED, "2,000 opening parentheses", {}),
]:
    _add(N, name, target, text, allowed, why, **extra)


BY_ID: dict[str, Entry] = {e.id: e for e in ENTRIES}


# =============================================================================================
# The harness shared by tests/crosscheck/commands/test_corpus_adversarial.py and bench/adversarial.py.

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
CHECK_TIMEOUT = 3.0              # check(timeout=...)
SLACK = 5.0                      # allowed overrun of the time limit
ENTRY_LIMIT = CHECK_TIMEOUT + SLACK          # parse + check, per entry
MEMORY_LIMIT = 2 * 1024 ** 3                 # RLIMIT_AS of the worker and the CLI
MEMORY_GROWTH_LIMIT_MB = 1024                # peak RSS growth per entry
VIOLATION_KINDS = ("false holds", "wrong outcome", "traceback", "timeout", "memory", "executed", "misread")


def _limit_memory() -> None:
    import resource
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


class Worker:
    """One worker subprocess; ``run(entry)`` returns its result dict, killing the worker (and
    starting a new one on the next call) when an entry overruns ``ENTRY_LIMIT`` + 1 s."""

    def __init__(self, hard_limit: float = ENTRY_LIMIT + 1.0):
        self.hard_limit = hard_limit
        self.proc: subprocess.Popen | None = None
        self.stderr = tempfile.TemporaryFile()

    def _start(self) -> None:
        env = dict(os.environ, PYTHONPATH=REPO + os.pathsep + os.environ.get("PYTHONPATH", ""))
        self.proc = subprocess.Popen([sys.executable, "-u", os.path.abspath(__file__), "--worker"], cwd=REPO,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.stderr,
                                     env=env, preexec_fn=_limit_memory)
        ready = self._read_line(120.0)
        if ready is None or json.loads(ready).get("ready") is not True:
            self.close()
            raise RuntimeError(f"the corpus worker did not start: {ready!r}; stderr: {self._stderr_tail()}")

    def _stderr_tail(self) -> str:
        self.stderr.seek(0)
        return self.stderr.read().decode("utf-8", "replace")[-2000:]

    def _read_line(self, seconds: float) -> str | None:
        assert self.proc is not None and self.proc.stdout is not None
        deadline = time.monotonic() + seconds
        line = b""
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            ready, _, _ = select.select([self.proc.stdout], [], [], left)
            if not ready:
                return None
            chunk = os.read(self.proc.stdout.fileno(), 1 << 16)
            if not chunk:
                return None
            line += chunk
            if line.endswith(b"\n"):
                return line.decode()

    def run(self, entry: Entry) -> dict:
        if self.proc is None or self.proc.poll() is not None:
            self._start()
        assert self.proc is not None and self.proc.stdin is not None
        start = time.monotonic()
        self.proc.stdin.write((json.dumps({"id": entry.id}) + "\n").encode())
        self.proc.stdin.flush()
        line = self._read_line(self.hard_limit)
        if line is not None:
            return json.loads(line)
        elapsed = time.monotonic() - start
        code = self.proc.poll()
        if code is None:
            self.proc.kill()
            self.proc.wait()
            killed = f"timeout: killed after {elapsed:.1f} s"
        elif code < 0:
            killed = f"died of signal {signal.Signals(-code).name} after {elapsed:.1f} s"
        else:
            killed = f"worker exited with status {code} after {elapsed:.1f} s: {self._stderr_tail()[-300:]}"
        self.proc = None
        return {"id": entry.id, "killed": killed, "seconds": elapsed}

    def close(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.proc = None


def outcome(result: dict) -> str | None:
    """The check's outcome: refused / differs / undecided / holds, or None (error, killed)."""
    check = result.get("check") or {}
    return check.get("outcome") if check.get("outcome") in ("refused", "differs", "undecided", "holds") else None


def violations(entry: Entry, result: dict) -> list[tuple[str, str]]:
    """(kind, detail) for everything wrong with one result."""
    found: list[tuple[str, str]] = []
    if "killed" in result:
        kind = "timeout" if result["killed"].startswith("timeout") else "memory"
        return [(kind, result["killed"])]
    if result.get("executed"):
        found.append(("executed", "; ".join(result["executed"])))
    for stage in ("parse", "check"):
        part = result.get(stage) or {}
        if part.get("outcome") == "error" and part.get("type") != "_Forbidden":   # _Forbidden: see "executed"
            kind = "memory" if part.get("type") == "MemoryError" else "traceback"
            found.append((kind, f"{stage} raised {part.get('type')}: {part.get('message')}"))
    got = outcome(result)
    if got is not None and got not in entry.allowed:
        kind = "false holds" if got == "holds" else "wrong outcome"
        allowed = "/".join(sorted(entry.allowed))
        found.append((kind, f"got {got}, allowed {allowed}; {result['check'].get('detail', '')}".rstrip("; ")))
    seconds = (result.get("parse") or {}).get("seconds", 0) + (result.get("check") or {}).get("seconds", 0)
    if seconds > ENTRY_LIMIT:
        found.append(("timeout", f"parse + check took {seconds:.1f} s > {ENTRY_LIMIT:g} s"))
    if result.get("rss_growth_mb", 0) > MEMORY_GROWTH_LIMIT_MB:
        found.append(("memory", f"peak RSS grew by {result['rss_growth_mb']:.0f} MB"))
    if (result.get("parse") or {}).get("misread"):
        found.append(("misread", f"read as {entry.not_reads_as!r}: {result['parse'].get('reads')}"))
    return found


def cli_command(entry: Entry, *, hints: bool = False) -> list[str]:
    argv = [sys.executable, "-m", "crosscheck", "check", entry.target, entry.text]
    if entry.mode == "latex":
        argv.append("--latex")
    elif entry.mode == "plain":
        argv.append("--plain")
    argv += ["--timeout", f"{CHECK_TIMEOUT:g}"] + ([] if hints else ["--no-hints"])
    return argv


# ---------------------------------------------------------------------------------------------
# The worker side (runs in the subprocess).

class _Forbidden(RuntimeError):
    pass


def _patched_execution(log: list[str]):
    """A context manager: eval/exec/compile (except AST-only compile and module imports),
    sympify of a string, parse_expr, open, os.system/popen/exec*, subprocess.Popen record a call
    in ``log`` and raise."""
    import ast
    import builtins
    import contextlib
    import io
    import subprocess as sp_module

    def from_import_machinery() -> bool:
        frame = sys._getframe(3)        # 0 this, 1 the allow test, 2 the wrapper, 3 its caller
        return frame is not None and frame.f_code.co_filename.startswith("<frozen importlib")

    def forbid(name, original, allow=None):
        def wrapper(*args, **kwargs):
            if allow is not None and allow(*args, **kwargs):
                return original(*args, **kwargs)
            log.append(f"{name}({', '.join(repr(a)[:60] for a in args)})")
            raise _Forbidden(f"{name} called while reading a formula")
        wrapper.__wrapped_original__ = original
        return wrapper

    def compile_allowed(*args, **kwargs):
        flags = kwargs.get("flags", args[3] if len(args) > 3 else 0)
        return bool(flags & ast.PyCF_ONLY_AST) or from_import_machinery()

    def not_a_string(*args, **kwargs):
        return not (args and isinstance(args[0], (str, bytes)))

    import site
    import sysconfig
    installed = {os.path.realpath(p) for p in [sys.prefix, sys.base_prefix, REPO, *site.getsitepackages(),
                                                site.getusersitepackages(), *sysconfig.get_paths().values()] if p}

    def installation_file(*args, **kwargs):
        """Reading the Python installation (importlib.metadata, zipimport) is not the user's text;
        any other path (/etc/passwd, the canary) is."""
        path = args[0] if args else kwargs.get("file")
        if isinstance(path, int):
            return False
        mode = args[1] if len(args) > 1 else kwargs.get("mode", "r")
        real = os.path.realpath(os.fspath(path))
        return "r" in mode and "+" not in mode and any(real == d or real.startswith(d + os.sep) for d in installed)

    import sympy  # noqa: F401
    import sympy.parsing.sympy_parser as sympy_parser
    original_sympify = sys.modules["sympy.core.sympify"].sympify
    original_parse_expr = sympy_parser.parse_expr
    targets: list[tuple[object, str, object]] = [
        (builtins, "eval", forbid("eval", builtins.eval)),
        (builtins, "exec", forbid("exec", builtins.exec, lambda *a, **k: from_import_machinery())),
        (builtins, "compile", forbid("compile", builtins.compile, compile_allowed)),
        (builtins, "open", forbid("open", builtins.open, installation_file)),
        (io, "open", forbid("io.open", io.open, installation_file)),
        (os, "system", forbid("os.system", os.system)),
        (os, "popen", forbid("os.popen", os.popen)),
        (sp_module, "Popen", forbid("subprocess.Popen", sp_module.Popen)),
    ]
    for name in ("execv", "execve", "execvp", "execvpe", "execl", "execlp", "spawnv", "spawnl"):
        if hasattr(os, name):
            targets.append((os, name, forbid(f"os.{name}", getattr(os, name))))
    sympify_wrapper = forbid("sympify", original_sympify, not_a_string)
    parse_expr_wrapper = forbid("parse_expr", original_parse_expr)
    for module in list(sys.modules.values()):
        module_name = getattr(module, "__name__", "") or ""
        if not (module_name.startswith("sympy") or module_name.startswith("symbolic")
                or module_name.startswith("crosscheck")):
            continue
        namespace = getattr(module, "__dict__", {})
        for attr, value in list(namespace.items()):
            if value is original_sympify:
                targets.append((module, attr, sympify_wrapper))
            elif value is original_parse_expr:
                targets.append((module, attr, parse_expr_wrapper))

    @contextlib.contextmanager
    def patched():
        saved = [(obj, attr, getattr(obj, attr)) for obj, attr, _ in targets]
        try:
            for obj, attr, replacement in targets:
                setattr(obj, attr, replacement)
            yield
        finally:
            for obj, attr, value in saved:
                setattr(obj, attr, value)
    return patched()


def _error(err: BaseException) -> dict:
    import traceback
    tail = traceback.format_exception(type(err), err, err.__traceback__)
    where = "".join(tail[-3:-1]).strip().splitlines()
    return {"outcome": "error", "type": type(err).__name__, "message": str(err)[:300],
            "where": " | ".join(line.strip() for line in where[-2:])}


def _run_one(entry: Entry) -> dict:
    import resource

    import sympy as sp

    from crosscheck.commands.check import check
    from symbolic import formula

    if os.path.exists(CANARY):
        os.unlink(CANARY)
    log: list[str] = []
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children_before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss   # the engine may fork
    result: dict = {"id": entry.id}

    start = time.perf_counter()
    try:
        with _patched_execution(log):
            parsed = formula.parse(entry.text, latex=entry.latex)
        # order="none": the default printer sorts an Add by evaluating its terms numerically,
        # which never ends on exp(-exp(exp(24))) -- the harness must not hang where the engine may not
        part = {"outcome": "read", "reads": sp.sstr(parsed.expr, order="none")[:300]}
        if entry.not_reads_as is not None:
            other = formula.parse(entry.not_reads_as, latex=False).expr
            try:
                part["misread"] = bool(sp.expand(parsed.expr - other) == 0)
            except Exception as err:  # noqa: BLE001 - a comparison failure is not a verdict
                part["misread_error"] = f"{type(err).__name__}: {err}"[:200]
    except (ValueError, TypeError) as err:
        part = {"outcome": "refused", "type": type(err).__name__, "message": str(err)[:300]}
    except BaseException as err:  # noqa: BLE001 - everything else is a finding
        part = _error(err)
    part["seconds"] = time.perf_counter() - start
    result["parse"] = part

    start = time.perf_counter()
    try:
        verdict = check(entry.target, entry.text, latex=entry.latex, timeout=CHECK_TIMEOUT, hints=False)
        part = {"outcome": verdict.status, "detail": f"read as {verdict.parsed[:160]}; {verdict.method[:120]}"}
    except (ValueError, TypeError) as err:
        part = {"outcome": "refused", "type": type(err).__name__, "message": str(err)[:300],
                "detail": f"refused: {str(err)[:160]}"}
    except BaseException as err:  # noqa: BLE001 - everything else is a finding
        part = _error(err)
    part["seconds"] = time.perf_counter() - start
    result["check"] = part

    result["executed"] = log + ([f"the canary file {CANARY} was created"] if os.path.exists(CANARY) else [])
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children_after = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    # ru_maxrss is a high-water mark (KiB): growth past the previous peak, of this process or
    # of a child the engine forked (measured against the worker's own size, which it inherits)
    child_growth = max(0, children_after - max(children_before, rss_before)) if children_after > children_before else 0
    result["rss_growth_mb"] = max(rss_after - rss_before, child_growth) / 1024
    result["maxrss_mb"] = max(rss_after, children_after) / 1024
    return result


def _worker_main() -> None:
    out = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)                      # anything the engine prints goes to stderr, not the protocol
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 1000))
    import unicodedata  # noqa: F401 - imported now, so that a reader's first use opens no file later

    from crosscheck.commands.check import check
    from symbolic import formula
    for text, latex in (("beta_t*(1-alpha_bar_prev)/(1-alpha_bar_t)", False), (L_PV, True)):
        formula.parse(text, latex=latex)
        check("posterior_variance", text, latex=latex, timeout=CHECK_TIMEOUT, hints=False)
    for probe in ("\u00e9\u200b", r"\frac{1}{2}\beta_t^{2}", "1e-400"):   # warm the error paths too
        try:
            formula.parse(probe)
        except (ValueError, TypeError):
            pass
    out.write(json.dumps({"ready": True}) + "\n")
    for line in sys.stdin:
        request = json.loads(line)
        entry = BY_ID[request["id"]]
        out.write(json.dumps(_run_one(entry), ensure_ascii=True, default=str) + "\n")


if __name__ == "__main__" and sys.argv[1:] == ["--worker"]:
    _worker_main()
