r"""Is my derivation right, and if not, which line?  ``python -m crosscheck derive FILE``.

A derivation is a display of a student's file (:mod:`.documents`): rows, each relating its right
side to what precedes it (``a &= b`` on row 1 relates b to a; ``&= c`` on row 2 relates c to b).
Every relation is decided on its own:

* between two **probabilistic lines** (densities, expectations, KL divergences, sums over t with
  symbolic T; or the single-latent model's p(x), p(z), p(x|z), q(z|x), ...) by
  :func:`symbolic.steps.relate`: exact normal forms for every T >= 1, each rule (the
  factorisation, Bayes' rule for t >= 2, the KL's definition, marginalisation) only where its side
  condition holds, and ``>=``/``<=`` only by Jensen's inequality or KL >= 0;
* between two **closed forms** (Problem 3: means, variances, Gaussian KLs) by ``check``'s
  decision (:func:`crosscheck.commands.check.decide`): exact reduction of the difference to 0 on
  the domain, the forward relation x_t = sqrt(alpha_bar_t) x_0 + sqrt(1 - alpha_bar_t) eps where
  one line uses x_0 and the next eps, or a counterexample point;
* a KL of the model's Gaussians (q(x_{t-1}|x_t,x_0) = N(mu_tilde_t, beta_tilde_t I),
  p_theta(x_{t-1}|x_t) = N(mu_theta, sigma_t^2 I)) against a closed form, by the Gaussian KL.

A row that ends in ``+ C`` (``+ \text{const}``) is equal up to a term free of the model's output
(eps_theta): the derivatives in eps_theta must agree exactly.  ``\propto`` is a positive factor
free of eps_theta, up to such a term.  A trailing ``\text{when } \sigma_t^2 = \tilde\beta_t``
is substituted into both sides of that row's relations.  Sampling only ever finds
counterexamples; *undecided* is never a pass.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field

import sympy as sp

from symbolic import domain as symbolic_domain
from symbolic import elbo as symbolic_elbo
from symbolic import formula as symbolic_formula
from symbolic import steps as symbolic_steps
from symbolic import symbols as symbolic_symbols
from symbolic.gaussian import Expect, Normal, evaluate_written
from symbolic.kl import gaussian_kl, prior_kl
from symbolic.proof import reduce_to_normal_form

from ..engine import limits, registry
from . import check as check_command
from . import documents
from .common import Parser, UsageError, check_output_file, json_text, replace_atomically, write_json

HOLDS, DIFFERS, UNDECIDED = "holds", "differs", "undecided"
DEFAULT_TIMEOUT = 120.0

# ---------------------------------------------------------------------------------------------
# Reading one side of a row.

_CONSTANT = re.compile(r"\s*([+-])\s*(?:C|C'|c|\\mathrm\s*\{\s*C\s*\}|\\text\s*\{\s*const\.?\s*\}|\\mathrm\s*\{\s*const\.?\s*\}"
                       r"|\\operatorname\s*\{\s*const\s*\}|\\text\s*\{\s*constant\s*\}|const\.?|\\textrm\s*\{\s*const\.?\s*\})\s*$")
_LABEL = re.compile(r"^\s*-?\s*(?:\\(?:mathcal|mathrm|text|operatorname|mathbf|mathit|mathsf|textrm)\s*\{\s*[A-Za-z ]+\s*\}"
                    r"|\\mathcal\s*[A-Za-z]|[A-Za-z]{1,8})"
                    r"\s*(?:_\s*(?:\{[^{}]*(?:\{[^{}]*\}[^{}]*)*\}|[A-Za-z0-9]))?\s*(?:\^\s*(?:\{[^{}]*\}|[A-Za-z0-9*]))?"
                    r"\s*(?:\((?:[^()]*)\))?\s*$")
#: The model's outputs: what "+ C" and \propto are free of.
THETA = (symbolic_symbols.eps_theta, symbolic_formula.BY_NAME["x0_hat"].symbol)


@dataclass(frozen=True)
class Line:
    """One side of a row, read."""

    text: str
    kind: str                           # "label", "probabilistic" or "closed"
    value: sp.Expr | None = None        # in the proof's symbols
    constant: bool = False              # ended in "+ C": equal up to a term free of the model's output
    notes: tuple[str, ...] = ()
    written: sp.Expr | None = None      # where the closed form is defined, as written
    label: str | None = None            # the label text, for a label
    expr: sp.Expr | None = None         # in the user's symbols (for the one-slip repairs of a closed form)


def _label_key(text: str) -> str:
    return re.sub(r"\s+|\\[,;:! ]|\\left|\\right", "", text)


def read_side(text: str, latex: bool | None, labels: dict[str, "Line"] | None = None) -> Line:
    """One side of a row as a :class:`Line`; raises FormulaError naming what cannot be read."""
    labels = labels or {}
    if _label_key(text) in labels:
        known = labels[_label_key(text)]
        return Line(text, known.kind, known.value, known.constant, (f"{text.strip()} read as its definition",),
                    known.written)
    constant = False
    body = text
    m = _CONSTANT.search(text)
    if m and m.start() > 0 and text[:m.start()].strip():
        body, constant = text[:m.start()], True
    try:
        formula = symbolic_formula.read_line(body, latex=latex)
    except symbolic_formula.FormulaError as err:
        if _LABEL.match(text) and not constant:
            return Line(text, "label", label=text.strip())
        raise symbolic_formula.FormulaError(f"{text.strip()!r}: {err}") from None
    value = _written_out(formula.value)
    kind = "probabilistic" if symbolic_steps.family(value) else "closed"
    return Line(text, kind, value, constant, formula.notes, formula.written, expr=formula.expr)


# ---------------------------------------------------------------------------------------------
# Deciding one relation.

@dataclass
class Step:
    """One relation of a row, decided."""

    row: int
    line: int
    relation: str
    status: str
    rule: str = ""
    reason: str = ""
    before: str = ""
    after: str = ""
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.status == HOLDS

    def as_json(self) -> dict:
        return {"row": self.row, "line": self.line, "relation": self.relation, "status": self.status,
                "rule": self.rule or None, "reason": self.reason or None, "before": self.before,
                "after": self.after, "notes": self.notes}


@dataclass
class Verdict:
    status: str
    rule: str = ""
    reason: str = ""
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.status == HOLDS


_GAUSSIAN_NOTE = ("q(x_{t-1}|x_t,x_0) = N(mu_tilde_t, beta_tilde_t I) and p_theta(x_{t-1}|x_t) = N(mu_theta, "
                  "sigma_t^2 I): the Gaussian KL, per coordinate")


def _written_out(value: sp.Expr) -> sp.Expr:
    """KL(N(m1, v1) || N(m2, v2)) as the Gaussian KL, N(x; m, v) as its density and
    E_{x ~ N(m, v)}[f] computed (exact): what a closed-form line writes with distributions."""
    value = value.replace(
        lambda e: isinstance(e, symbolic_elbo.KL) and all(isinstance(a, Normal) for a in e.args),
        lambda e: gaussian_kl(e.args[0].args[1], e.args[0].args[2], e.args[1].args[1], e.args[1].args[2]))
    return evaluate_written(value) if value.has(Normal, Expect) else value


def _gaussian_kls(value: sp.Expr) -> sp.Expr | None:
    """The model's Gaussian KLs written out in closed form, or None where densities remain."""
    by = symbolic_formula.BY_NAME
    out = value.replace(
        lambda e: isinstance(e, symbolic_elbo.KL) and isinstance(e.args[0], symbolic_elbo.q_post)
        and isinstance(e.args[1], symbolic_elbo.p_theta) and e.args[0].index == e.args[1].index == symbolic_elbo.t,
        lambda e: gaussian_kl(by["mu_tilde_t"].value, by["beta_tilde_t"].value, by["mu_theta"].value,
                              symbolic_symbols.sigma2_t))
    out = out.replace(lambda e: isinstance(e, symbolic_elbo.KL) and isinstance(e.args[0], symbolic_elbo.q_jump)
                      and isinstance(e.args[1], symbolic_elbo.p_prior) and e.args[0].index == e.args[1].index
                      == symbolic_elbo.T, lambda e: prior_kl())
    return None if symbolic_steps.family(out) else out


def _shown_point(found: dict) -> str:
    point = check_command.describe_point(found["point"])
    where = ", ".join(f"{k} = {v:.6g}" for k, v in point.items())
    if found.get("defect"):
        return f"at {where} this line is {found['defect']}"
    return (f"at {where} the line before is {found['reference']:.12g} and this line "
            f"{found['formula']:.12g}")


def _decide_equal(before: sp.Expr, after: sp.Expr, written, t_min: int, user: sp.Expr | None = None) -> Verdict:
    try:
        decision = check_command.decide(after, before, t_min=t_min, written=written)
    except (TypeError, ValueError, ZeroDivisionError) as err:
        return Verdict(UNDECIDED, reason=f"the decision stopped ({type(err).__name__}: {err}); this is not a pass")
    via = "; using x_t = sqrt(alpha_bar_t) x_0 + sqrt(1 - alpha_bar_t) eps (x_0 written through eps)" \
        if decision.relation else ""
    if decision.status == check_command.HOLDS:
        return Verdict(HOLDS, "algebra: the difference reduces exactly to 0" + via
                       + ("" if t_min == 1 else ", for t >= 2"))
    if decision.status == check_command.DIFFERS:
        reason = f"{decision.method}: {_shown_point(decision.point)}"
        if user is not None:                 # a usual slip that explains it, proved
            reference = check_command._forward_relation(before) if decision.relation else before
            hints = check_command.diagnose(user, reference, limit=1, seconds=5.0, t_min=t_min,
                                           relation=decision.relation)
            reason = "; ".join(hints + [reason])
        return Verdict(DIFFERS, reason=reason)
    return Verdict(UNDECIDED, reason=decision.method)


def _derivatives_equal(before: sp.Expr, after: sp.Expr, written, t_min: int, what: str) -> Verdict:
    """Equal up to a term free of the model's output: the eps_theta-derivatives agree exactly."""
    present = [s for s in THETA if before.has(s) or after.has(s)]
    if not present:
        return Verdict(HOLDS, f"{what}: both lines are free of the model's output, so they differ by a term "
                              "free of it")
    before, after, tied = _tied(before, after)
    for symbol in present:
        judged = _decide_equal(sp.diff(before, symbol), sp.diff(after, symbol), None, t_min)
        if tied and judged.status == HOLDS:
            judged.rule += "; using x_t = sqrt(alpha_bar_t) x_0 + sqrt(1 - alpha_bar_t) eps"
        if not judged.status == HOLDS:
            if judged.status == DIFFERS:
                judged.reason = (f"the two lines differ by a term that depends on {symbol.name}, so not only by a "
                                 f"constant: their derivatives in {symbol.name} differ ({judged.reason})")
            return judged
    return Verdict(HOLDS, f"{what}: the derivatives in {', '.join(s.name for s in present)} agree exactly, so the "
                          "lines differ by a term free of the model's output")


def _tied(before: sp.Expr, after: sp.Expr) -> tuple[sp.Expr, sp.Expr, bool]:
    """Both lines with x_t = sqrt(alpha_bar_t) x_0 + sqrt(1 - alpha_bar_t) eps where one uses data symbols
    the other does not (as :func:`check.decide` ties them)."""
    data = (symbolic_symbols.x_0, symbolic_symbols.x_t, symbolic_symbols.eps)
    used_b = before.free_symbols & set(data)
    used_a = after.free_symbols & set(data)
    if used_a != used_b and symbolic_symbols.x_t in (used_a | used_b):
        return check_command._forward_relation(before), check_command._forward_relation(after), True
    return before, after, False


def _proportional(before: sp.Expr, after: sp.Expr, t_min: int) -> Verdict:
    before, after, _ = _tied(before, after)
    present = [s for s in THETA if before.has(s) or after.has(s)]
    if not present:
        return Verdict(UNDECIDED, reason="\\propto is read as a positive factor free of the model's output; "
                                         "neither line depends on it")
    symbol = present[0]
    slope_before, slope_after = sp.diff(before, symbol), sp.diff(after, symbol)
    if reduce_to_normal_form(slope_after) == 0:
        return Verdict(DIFFERS, reason=f"this line does not depend on {symbol.name}, the line before does")
    factor = sp.cancel(sp.together(slope_before / slope_after))
    if reduce_to_normal_form(sp.diff(factor, symbol)) != 0 or any(factor.has(s) for s in present):
        return Verdict(DIFFERS, reason=f"the ratio of the two lines' dependence on {symbol.name} is "
                                       f"{sp.sstr(factor)}, not a factor free of it")
    if not symbolic_domain.is_positive(factor, symbolic_domain.Domain(t_min)):
        return Verdict(UNDECIDED, reason=f"the factor {sp.sstr(factor)} is not proved positive")
    judged = _derivatives_equal(before, factor * after, None, t_min, "proportional")
    if judged.status == HOLDS:
        return Verdict(HOLDS, f"proportional: the line before is {sp.sstr(factor)} times this one, up to a term "
                              "free of the model's output")
    return judged


def _domain_start(expr: sp.Expr, t_min: int) -> int:
    """2 where ``expr`` is not proved defined at t = 1 but is for t >= 2 (a log of beta_tilde_t, a KL of
    q(x_{t-1}|x_t,x_0)): the line is about t >= 2, and so is the step."""
    if t_min >= 2 or symbolic_domain.definedness(expr, symbolic_domain.Domain(1), search=False).ok:
        return t_min
    return 2 if symbolic_domain.definedness(expr, symbolic_domain.Domain(2), search=False).ok else t_min


def _averaged(a: sp.Expr, b: sp.Expr) -> tuple[sp.Expr, sp.Expr, bool] | None:
    """Two averages E_{x_0, eps}[f], E_{x_0, eps}[g] over the same variables as their integrands (equal
    integrands give equal averages), or None when only one line is an average."""
    def split(e):
        coeff, rest = e.as_independent(symbolic_steps.Average, as_Add=False)
        return (coeff, rest) if isinstance(rest, symbolic_steps.Average) else (None, None)
    if not (a.has(symbolic_steps.Average) or b.has(symbolic_steps.Average)):
        return a, b, False
    (ca, ea), (cb, eb) = split(a), split(b)
    if ea is None or eb is None or ea.args[1] != eb.args[1]:
        return None
    return ca * ea.args[0], cb * eb.args[0], True


def _closed(before: Line, after: Line, relation: str, substitution: dict, t_min: int, hints: bool = True) -> Verdict:
    a, b = before.value.xreplace(substitution), after.value.xreplace(substitution)
    averaged = _averaged(a, b)
    if averaged is None:
        return Verdict(UNDECIDED, reason="one line is an average E_{..}[..] and the other is not, or they average "
                                         "over different variables; not decided")
    a, b, pathwise = averaged
    if pathwise:
        verdict = _closed(Line(before.text, "closed", a, before.constant), Line(after.text, "closed", b, after.constant,
                          expr=None), relation, {}, t_min)
        if verdict.status == HOLDS:
            verdict.rule = "the integrands of the two averages are equal: " + verdict.rule
        elif verdict.status == DIFFERS:
            verdict = Verdict(UNDECIDED, reason="the integrands of the two averages differ pointwise, but their "
                                                f"averages may still agree; not decided ({verdict.reason})")
        return verdict
    t_min = _domain_start(a, t_min)
    if relation == documents.EQ and not (before.constant or after.constant):
        judged = _decide_equal(a, b, after.written, t_min, None if substitution or not hints else after.expr)
        if judged.status == DIFFERS and t_min == 1 and "not defined" in judged.reason:
            later = _decide_equal(a, b, after.written, 2)
            if later.status == HOLDS:
                later.notes.append("at t = 1 (alpha_bar_{t-1} = 1, beta_tilde_1 = 0) the line is not defined; "
                                   "the step holds for t >= 2")
                return later
        return judged
    if relation == documents.EQ:
        return _derivatives_equal(a, b, after.written, t_min, "up to a constant (+ C)")
    if relation == documents.PROPTO:
        return _proportional(a, b, t_min)
    return Verdict(UNDECIDED, reason=f"the relation {relation} between closed forms is not decided; "
                                     "derive decides =, and \\propto (a positive factor)")


def _substitution(condition: str | None, latex: bool | None) -> tuple[dict, list[str], int]:
    """A row's condition as a substitution (sigma_t^2 = beta_tilde_t), notes, and the smallest t."""
    if not condition:
        return {}, [], 1
    if re.fullmatch(r"\s*t\s*(?:\\geq?|\\geqslant|>=|≥)\s*2\s*|\s*t\s*>\s*1\s*", condition):
        return {}, [f"condition {condition.strip()}: the step is checked for t >= 2"], 2
    try:
        parsed = symbolic_formula.parse(condition, latex=latex)
    except symbolic_formula.FormulaError:
        return {}, [f"the condition {condition.strip()!r} is not read; the step is checked without it"], 1
    if len(parsed.sides) != 2 or parsed.sides[0].expr is None or parsed.sides[1].expr is None:
        return {}, [f"the condition {condition.strip()!r} is not read; the step is checked without it"], 1
    left = symbolic_formula.to_proof_symbols(parsed.sides[0].expr)
    right = symbolic_formula.to_proof_symbols(parsed.sides[1].expr)
    if not isinstance(left, sp.Symbol):
        return {}, [f"the condition {condition.strip()!r} does not give one symbol; the step is checked without it"], 1
    return {left: right}, [f"under the condition {condition.strip()}"], 1


def judge(before: Line, relation: str, after: Line, condition: str | None = None,
          latex: bool | None = None, hints: bool = True) -> Verdict:
    """The verdict on ``before relation after`` (two read sides of a derivation)."""
    if relation in (documents.APPROX, documents.GT, documents.LT, "!="):
        return Verdict(UNDECIDED, reason={documents.APPROX: "an approximation (≈, ~) is not a checked step",
                                          documents.GT: "a strict inequality is not decided",
                                          documents.LT: "a strict inequality is not decided",
                                          "!=": "≠ is not a checked step"}[relation])
    substitution, notes, t_min = _substitution(condition, latex)
    if before.kind == "probabilistic" and after.kind == "probabilistic":
        if before.constant or after.constant or relation == documents.PROPTO:
            return Verdict(UNDECIDED, reason="+ C and \\propto are read between closed forms only", notes=notes)
        judged = symbolic_steps.relate(before.value, after.value, relation)
        verdict = Verdict(judged.status, judged.rule, judged.reason, notes)
        if judged.status == DIFFERS and after.value.has(symbolic_elbo.KL):
            swapped = _swapped_kl(before.value, after.value, relation)
            if swapped:
                verdict.reason = swapped + "; " + verdict.reason
        return verdict
    if before.kind != after.kind:
        closed_before = before if before.kind == "closed" else _as_closed(before)
        closed_after = after if after.kind == "closed" else _as_closed(after)
        if closed_before is None or closed_after is None:
            return Verdict(UNDECIDED, reason="a line with densities or expectations is compared with a closed form; "
                                             "only the KL of the model's Gaussians is written out", notes=notes)
        verdict = _closed(closed_before, closed_after, relation, substitution, t_min, hints)
        if verdict.status == HOLDS:
            verdict.rule = f"{_GAUSSIAN_NOTE}; {verdict.rule}"
        verdict.notes = notes + verdict.notes
        return verdict
    verdict = _closed(before, after, relation, substitution, t_min, hints)
    verdict.notes = notes + verdict.notes
    return verdict


def _exactly(anchor: tuple[Line, int], line: Line, row: documents.Row, latex, up_to: Verdict) -> Verdict:
    """A line without "+ C" after one with it claims equality exactly: with the last line known exactly."""
    exact = judge(anchor[0], documents.EQ, line, row.condition, latex, hints=False)
    if exact.status == HOLDS:
        exact.rule = f"exactly equal to row {anchor[1]} (the line before holds only up to + C): {exact.rule}"
        return exact
    if up_to.status == HOLDS:
        return Verdict(DIFFERS, reason=f"equal to the line before only up to a term free of the model's output, but "
                                       f"this line has no + C, and it is not exactly row {anchor[1]}: {exact.reason}",
                       notes=exact.notes)
    return up_to


def _as_closed(line: Line) -> Line | None:
    value = _gaussian_kls(line.value)
    return None if value is None else Line(line.text, "closed", value, line.constant, line.notes, None)


def _swapped_kl(before: sp.Expr, after: sp.Expr, relation: str) -> str | None:
    """'KL(p || q) has its arguments swapped' when swapping one KL's arguments makes the step hold."""
    for kl in sorted(after.atoms(symbolic_elbo.KL), key=sp.default_sort_key):
        repaired = after.xreplace({kl: symbolic_elbo.KL(kl.args[1], kl.args[0])})
        if symbolic_steps.relate(before, repaired, relation).ok:
            return (f"{sp.sstr(kl)} has its arguments swapped: the step holds with "
                    f"KL({sp.sstr(kl.args[1])} || {sp.sstr(kl.args[0])}) (KL is not symmetric)")
    return None


# ---------------------------------------------------------------------------------------------
# Where a derivation must begin and end.

def _ends() -> dict[str, tuple[sp.Expr, str]]:
    lp = symbolic_steps.latent
    return {
        "elbo": (symbolic_elbo.ELBO_DEFINITION(), "the ELBO's definition E_q[log p_theta(x_{0:T}) - log q(x_{1:T}|x_0)]"),
        "three_forces": (symbolic_elbo.derivation()[-1].rhs, "the three-forces form (reconstruction, prior "
                                                             "matching, denoising)"),
        "log_evidence": (sp.log(symbolic_steps.Evidence(0)), "log p_theta(x_0)"),
        "latent_elbo": (symbolic_elbo.E(sp.log(lp("p", ("x",), ("z",))), lp("q", ("z",), ("x",)))
                        - symbolic_elbo.KL(lp("q", ("z",), ("x",)), lp("p", ("z",))),
                        "the single-latent ELBO E_q[log p(x|z)] - KL(q(z|x) || p(z))"),
        "latent_log_evidence": (sp.log(lp("p", ("x",))), "log p(x)"),
    }


END_NAMES = ("elbo", "three_forces", "log_evidence", "latent_elbo", "latent_log_evidence")


def end_line(argument: str, spec: str, latex: bool | None) -> Line:
    """``--start``/``--end``: a name of :data:`END_NAMES`, a catalog target, or a formula."""
    if not isinstance(spec, str) or not spec.strip():
        raise ValueError(f"`{argument}` must be a name ({', '.join(END_NAMES)}, or a catalog target) or a "
                         f"formula, got {spec!r}")
    ends = _ends()
    name = spec.strip()
    sign = -1 if name.startswith("-") and name[1:].strip() in ends else 1     # -elbo: Ho et al.'s loss L
    name = name[1:].strip() if sign == -1 else name
    if name in ends:
        value, _ = ends[name]
        return Line(spec, "probabilistic", sign * value)
    if re.fullmatch(r"[a-z][a-z0-9_]*", spec.strip()):
        try:
            part = registry.part(spec.strip())
        except ValueError:
            raise ValueError(f"`{argument}` {spec!r} is no name derive knows; names: {', '.join(END_NAMES)}, "
                             "or a catalog target (check --list), or give a formula") from None
        return Line(spec, "closed", part.expression())
    try:
        return read_side(spec, latex)
    except symbolic_formula.FormulaError as err:
        raise ValueError(f"`{argument}` cannot be read: {err}") from None


def _ends_at(last: Line, end: Line) -> Verdict:
    """Whether the derivation's last line is ``end``: a closed form equal to it in the same variables
    (no forward relation: mu_tilde_t(x_t, x_0) does not end at the eps form); a probabilistic line
    equal to it with every KL divergence of the end written as one (every line of Problem 1 equals
    the ELBO in value: the three-forces form is the one with its KLs)."""
    if end.kind == "closed" and last.kind == "closed":
        decision = check_command.decide(last.value, end.value, allow_relation=False,
                                        t_min=_domain_start(end.value, 1))
        if decision.status == check_command.HOLDS:
            return Verdict(HOLDS, "the last line is the end, in the same variables")
        if decision.status == check_command.DIFFERS:
            return Verdict(DIFFERS, reason=f"the last line is not it (in its variables): {_shown_point(decision.point)}")
        return Verdict(UNDECIDED, reason=decision.method)
    same = judge(last, documents.EQ, end)
    if not same.ok or end.kind != "probabilistic":
        return same
    missing = sorted(end.value.atoms(symbolic_elbo.KL) - last.value.atoms(symbolic_elbo.KL), key=sp.default_sort_key)
    if not missing:
        return Verdict(HOLDS, "the last line is the end in value, its KL divergences written as such")
    return Verdict(DIFFERS, reason="the last line equals it in value but is not yet written in its form: "
                                   f"{'; '.join(sp.sstr(k) for k in missing)} not written as a KL divergence")


# ---------------------------------------------------------------------------------------------
# A whole derivation.

@dataclass
class Result:
    """A derivation, decided step by step."""

    kind: str
    line: int
    rows: int
    steps: list[Step] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    ends: list[Step] = field(default_factory=list)    # the --start and --end checks (row 0 / last row)
    incomplete: str | None = None                      # why the decision did not finish (never ok then)

    @property
    def first_wrong(self) -> int | None:
        wrong = [s.row for s in self.steps if not s.ok]
        return min(wrong) if wrong else None

    @property
    def ok(self) -> bool:
        return bool(self.steps) and all(s.ok for s in self.steps) and all(s.ok for s in self.ends) and \
            self.incomplete is None

    def as_json(self) -> dict:
        return {"ok": self.ok, "first_wrong": self.first_wrong, "kind": self.kind, "line": self.line,
                "rows": self.rows, "steps": [s.as_json() for s in self.steps],
                "ends": [s.as_json() for s in self.ends], "notes": self.notes, "incomplete": self.incomplete}


def _short(text: str, width: int = 70) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[:width - 3] + "..."


def _decide_derivation(derivation: documents.Derivation, latex: bool | None, start: Line | None, end: Line | None,
                       labels: dict, emit) -> None:
    """Decide every relation of ``derivation``, sending the :class:`Result` by ``emit`` as it grows."""
    result = Result(derivation.kind, derivation.line, len(derivation.rows))
    previous: Line | None = None
    first: tuple[Line, documents.Row] | None = None
    last: tuple[Line, documents.Row] | None = None
    anchor: tuple[Line, int] | None = None       # the last line known exactly (no "+ C")
    good: tuple[Line, int, bool] | None = None   # the last line reached by holding steps (row; all '=')
    for row in derivation.rows:
        for part in row.parts:
            try:
                line = read_side(part.text, latex, labels)
            except ValueError as err:          # FormulaError, or a line that mixes two models
                raise documents.DocumentError(f"line {row.line}, row {row.number}: cannot read {err}") from None
            if part.relation is None:
                if previous is not None and line.kind != "label":
                    result.notes.append(f"row {row.number} starts again from its own left side "
                                        f"{_short(part.text, 40)!r}")
                previous = line
                if line.kind != "label":
                    anchor = anchor if line.constant else (line, row.number)
                    good = good if good is not None and result.steps and not result.steps[-1].ok else (line, row.number, True)
                if line.kind != "label" and first is None:
                    first = (line, row)
                if line.kind != "label":
                    last = (line, row)
                continue
            if line.kind == "label" or (previous is not None and previous.kind == "label"):
                if line.kind == "label" and previous is not None and previous.kind != "label":
                    labels[_label_key(line.text)] = previous
                    result.notes.append(f"row {row.number}: {line.text.strip()} names the line before (not a step)")
                    continue
                if previous is not None and previous.kind == "label" and line.kind != "label":
                    labels[_label_key(previous.text)] = line
                    result.notes.append(f"row {row.number}: {previous.text.strip()} names the line after it "
                                        "(a definition, not a step)")
                previous = line
                if line.kind != "label":
                    first = first or (line, row)
                    last = (line, row)
                continue
            if previous is None:
                previous = line
                continue
            # one-slip repairs (seconds each) for the first wrong step only: the rest follow from it
            verdict = judge(previous, part.relation, line, row.condition, latex, hints=result.first_wrong is None)
            if previous.constant and not line.constant and part.relation == documents.EQ and \
                    anchor is not None and line.kind == "closed":
                verdict = _exactly(anchor, line, row, latex, verdict)
            if verdict.status != HOLDS and good is not None and good[0] is not previous:
                later = judge(good[0], part.relation if good[2] else documents.EQ, line, row.condition, latex,
                              hints=False)
                if later.status == HOLDS:
                    verdict.notes.append(f"it follows from row {good[1]} all the same (the slip does not carry on)")
            step = Step(row.number, row.line, part.relation, verdict.status, verdict.rule, verdict.reason,
                        _short(previous.text), _short(part.text),
                        list(line.notes) + verdict.notes)
            result.steps.append(step)
            emit(result)
            if step.ok and (good is None or good[0] is previous):
                good = (line, row.number, part.relation == documents.EQ and (good is None or good[2]))
            if not line.constant:
                anchor = (line, row.number)
            previous = line
            first = first or (line, row)
            last = (line, row)
    if start is not None and first is not None:
        verdict = judge(start, documents.EQ, first[0])
        result.ends.append(Step(0, first[1].line, "start", verdict.status, verdict.rule,
                                verdict.reason and f"the derivation does not start at {start.text.strip()}: "
                                + verdict.reason, _short(start.text), _short(first[0].text)))
    if end is not None and last is not None:
        verdict = _ends_at(last[0], end)
        result.ends.append(Step(last[1].number, last[1].line, "end", verdict.status, verdict.rule,
                                verdict.reason and f"the derivation does not end at {end.text.strip()}: "
                                + verdict.reason, _short(last[0].text), _short(end.text)))
    if not result.steps:
        result.notes.append("no step to check: the display only names or defines")
    emit(result)


@dataclass
class Report:
    """Every derivation of a file, decided."""

    source: str
    results: list[Result]
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return bool(self.results) and all(r.ok for r in self.results)

    def as_json(self) -> dict:
        return {"ok": self.ok, "source": self.source, "seconds": round(self.seconds, 3),
                "derivations": [r.as_json() for r in self.results]}

    def text(self) -> str:
        out = []
        for i, result in enumerate(self.results, 1):
            out.append(f"{self.source}: derivation {i} ({result.kind} at line {result.line}, {result.rows} rows)")
            for note in result.notes:
                out.append(f"  note: {note}")
            for step in result.ends[:1] if result.ends and result.ends[0].relation == "start" else []:
                out.append(f"  start   {step.status:<9} {step.rule or step.reason}")
            shown: set[str] = set()         # a reading note once per derivation (JSON keeps each step's)
            for step in result.steps:
                relation = {"=": "=", ">=": "≥", "<=": "≤", "propto": "∝"}.get(step.relation, step.relation)
                out.append(f"  row {step.row:<3} {step.status:<9} {relation} {step.after}")
                out.append(f"          {'by' if step.ok else 'why'}: {step.rule if step.ok else step.reason}")
                for note in step.notes:
                    if note not in shown:
                        out.append(f"          read: {note}")
                    shown.add(note)
            for step in [s for s in result.ends if s.relation == "end"]:
                out.append(f"  end     {step.status:<9} {step.rule or step.reason}")
            if result.incomplete:
                out.append(f"  not finished: {result.incomplete}; this is not a pass")
            if result.ok:
                out.append(f"  holds from start to end ({len(result.steps)} step{'' if len(result.steps) == 1 else 's'})")
            elif result.first_wrong is not None:
                wrong = next(s for s in result.steps if s.row == result.first_wrong)
                out.append(f"  first wrong row: {result.first_wrong} (line {wrong.line})")
            elif not result.steps:
                out.append("  nothing checked")
            else:
                out.append("  the steps hold, but the ends do not match")
        holding = sum(r.ok for r in self.results)
        out.append(f"{holding} of {len(self.results)} derivations hold ({self.seconds:.1f} s)")
        return "\n".join(out)


def _check_args(timeout, memory_mib) -> tuple[float | None, int | None]:
    return check_command.check_timeout(timeout), check_command.check_memory_mib(memory_mib)


def check_document(text: str, *, kind: str = "tex", latex: bool | None = None, start: str | None = None,
                   end: str | None = None, source: str = "<derivation>", timeout: float | None = DEFAULT_TIMEOUT,
                   memory_mib: int | None = limits.MEMORY_MIB) -> Report:
    """Decide every derivation in ``text`` (a file's content, ``kind`` 'tex', 'md' or 'plain').

    Raises ValueError naming the place for input that cannot be read.  ``timeout`` and
    ``memory_mib`` bound the whole decision; steps left when either runs out are *undecided*.
    """
    if not isinstance(text, str):
        raise TypeError(f"`text` must be a str, got {type(text).__name__}")
    if kind not in ("tex", "md", "plain"):
        raise ValueError(f"`kind` must be 'tex', 'md' or 'plain', got {kind!r}")
    check_command._check_flag("latex", latex, none=True)
    timeout, memory_mib = _check_args(timeout, memory_mib)
    began = time.perf_counter()
    try:
        found = documents.derivations(text, kind)
    except documents.DocumentError as err:
        raise documents.DocumentError(f"`text`: {err}") from None
    if not found:
        raise documents.DocumentError("`text` holds no derivation: a derivation is a display (align, equation, "
                                      "$$...$$, \\[...\\]) or, in plain text, lines with at least one relation (=, >=)")
    start_line = end_line("start", start, latex) if start is not None else None
    end_of = end_line("end", end, latex) if end is not None else None
    outcome = limits.run(lambda emit: _decide_all(found, latex, start_line, end_of, emit), seconds=timeout,
                         memory_mib=memory_mib)
    value = outcome.value
    if isinstance(value, documents.DocumentError):
        raise documents.DocumentError(f"`text`: {value}")
    results = list(value or [])
    if outcome.status == limits.DONE and len(results) != len(found):
        outcome = limits.Outcome(limits.ERROR, value, "the decision ended early")
    if outcome.status != limits.DONE:
        reason = {limits.TIME: f"the time limit of {timeout:g} s ran out",
                  limits.MEMORY: f"the memory limit of {memory_mib} MiB ran out",
                  limits.ERROR: f"the decision stopped ({outcome.detail})"}.get(outcome.status, "no answer")
        _fill_undecided(found, results, reason)
        for result in results:
            result.incomplete = reason
    return Report(source, results, time.perf_counter() - began)


def _decide_all(found, latex, start, end, emit) -> None:
    done: list[Result] = []
    labels: dict = {}
    try:
        for i, derivation in enumerate(found):
            current: list[Result] = []

            def send(result: Result, current=current) -> None:
                current[:] = [result]
                emit(done + [result])
            # the file's derivations together go from --start (the first's first line) to --end (the
            # last's last line): a problem written as several displays, each going on from the last
            _decide_derivation(derivation, latex, start if i == 0 else None, end if i == len(found) - 1 else None,
                               labels, send)
            done.append(current[0])
    except documents.DocumentError as err:
        emit(err)


def _fill_undecided(found, results: list[Result], reason: str) -> None:
    """Steps not reached before a limit ran out: undecided, with the reason."""
    for i, derivation in enumerate(found):
        if i >= len(results):
            results.append(Result(derivation.kind, derivation.line, len(derivation.rows)))
        result = results[i]
        decided = {(s.row, s.relation, s.after) for s in result.steps}
        count = 0
        for row in derivation.rows:
            for part in row.parts:
                if part.relation is None:
                    continue
                count += 1
                if count <= len(result.steps):
                    continue
                if (row.number, part.relation, _short(part.text)) not in decided:
                    result.steps.append(Step(row.number, row.line, part.relation, UNDECIDED,
                                             reason=f"not decided: {reason}; this is not a pass",
                                             after=_short(part.text)))


def check_derivation(lines, *, latex: bool | None = None, start: str | None = None, end: str | None = None,
                     timeout: float | None = DEFAULT_TIMEOUT, memory_mib: int | None = limits.MEMORY_MIB) -> Result:
    r"""Decide one derivation: ``lines`` is a list of rows (``'\mathcal L &= ...'``, ``'&= ...'``) or one
    string (an ``align`` environment, a ``$$`` block, or rows separated by newlines or ``\\``).

    Returns the :class:`Result` (``.ok``, ``.first_wrong``, ``.steps``); raises ValueError or
    TypeError for input that cannot be read.  Usable in pytest: ``assert check_derivation(rows).ok``.
    """
    if isinstance(lines, str):
        text = lines
    elif isinstance(lines, (list, tuple)) and all(isinstance(x, str) for x in lines):
        text = " \\\\\n".join(lines)
    else:
        raise TypeError(f"`lines` must be a str or a list of str, got {type(lines).__name__}")
    if not documents._DISPLAY.search(text):
        if "\\\\" in text:
            text = "\\begin{align*}" + text + "\\end{align*}"
        elif latex is not False and ("\\" in text):
            text = "\\begin{align*}" + " \\\\\n".join(text.splitlines()) + "\\end{align*}"
    kind = "tex" if documents._DISPLAY.search(text) else "plain"
    try:
        report = check_document(text, kind=kind, latex=latex, start=start, end=end, timeout=timeout,
                                memory_mib=memory_mib)
    except ValueError as err:
        raise type(err)(str(err).replace("`text`", "`lines`")) from None
    if len(report.results) != 1:
        raise ValueError(f"`lines` holds {len(report.results)} derivations; pass one (or use check_document)")
    return report.results[0]


# ---------------------------------------------------------------------------------------------
# The annotated copy for a TA.

def annotate(report: Report, found: list[documents.Derivation]) -> str:
    """A LaTeX document: each derivation as written, a mark beside each row, the reason under a wrong one."""
    body = []
    for result, derivation in zip(report.results, found):
        body.append(f"\\section*{{Derivation {report.results.index(result) + 1} "
                    f"(line {derivation.line}): {'holds' if result.ok else 'first wrong row ' + str(result.first_wrong)}}}")
        body.append("\\begin{align*}")
        by_row: dict[int, list[Step]] = {}
        for step in result.steps:
            by_row.setdefault(step.row, []).append(step)
        rows = []
        for row in derivation.rows:
            steps = by_row.get(row.number, [])
            mark = ("\\checkmark" if steps and all(s.ok for s in steps) else
                    "\\boldsymbol{\\times}" if any(s.status == DIFFERS for s in steps) else
                    "\\text{?}" if steps else "")
            source = re.sub(r"\\(?:label|tag\*?)\s*\{[^{}]*\}|\\(?:nonumber|notag)\b", "", row.source)
            if "&" not in source:
                source = "&" + source if source.lstrip().startswith(("=", "\\geq", "\\leq", "\\ge", "\\le")) else source
            rows.append(f"{source} && {mark}")
            for step in steps:
                if not step.ok:
                    rows.append(f"&\\text{{\\footnotesize row {row.number}: {_tex_text(step.reason)}}}")
        body.append(" \\\\\n".join(rows))
        body.append("\\end{align*}")
    return ("\\documentclass{article}\n\\usepackage{amsmath,amssymb}\n"
            "\\begin{document}\n" + "\n".join(body) + "\n\\end{document}\n")


def _tex_text(text: str) -> str:
    text = _short(text, 110)
    for a, b in (("\\", "\\textbackslash{}"), ("_", "\\_"), ("^", "\\^{}"), ("&", "\\&"), ("%", "\\%"),
                 ("#", "\\#"), ("{", "\\{"), ("}", "\\}"), ("$", "\\$"), ("~", "\\~{}"),
                 ("|", "$|$"), ("<", "$<$"), (">", "$>$")):
        text = text.replace(a, b) if a != "{" and a != "}" else text
    return text.replace("{", "\\{").replace("}", "\\}").replace("\\textbackslash\\{\\}", "\\textbackslash{}")


# ---------------------------------------------------------------------------------------------
# The command.

def parser() -> Parser:
    p = Parser(prog="python -m crosscheck derive",
               usage="python -m crosscheck derive FILE [--latex|--plain] [--start X] [--end Y]\n"
                     "                                   [--json [FILE]] [--annotate OUT.pdf|OUT.tex] [--timeout S]",
               description="Check a derivation line by line: every display of FILE (.tex: align, equation, "
                           "$$, \\[; .md: $$ blocks; plain text: one row per line; - for standard input), one "
                           "verdict per step (holds, differs, undecided) with the rule it used or what is "
                           "wrong, and the first wrong row.  Exit 0 when every step holds (and the ends match), "
                           "1 otherwise, 2 when the input cannot be read.")
    p.add_argument("file", help="the file (.tex, .md, or plain text), or - for standard input")
    syntax = p.add_mutually_exclusive_group()
    syntax.add_argument("--latex", action="store_true", help="read every row as LaTeX")
    syntax.add_argument("--plain", action="store_true", help="read the file as plain rows in plain syntax")
    p.add_argument("--start", metavar="X", help="where the derivation must begin: " + ", ".join(END_NAMES)
                   + ", a catalog target, or a formula")
    p.add_argument("--end", metavar="Y", help="where it must end (same forms as --start)")
    p.add_argument("--json", nargs="?", const="-", metavar="FILE", help="the verdicts as JSON, to FILE or (no "
                   "FILE) to standard output")
    p.add_argument("--annotate", metavar="OUT", help="write the derivations with a mark beside each row and the "
                   "reason under a wrong one, as OUT.tex or OUT.pdf (pdflatex)")
    p.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT, metavar="S",
                   help=f"seconds for the whole file before the remaining steps are undecided ({DEFAULT_TIMEOUT:g})")
    return p


MAX_FILE_BYTES = 4 * documents.MAX_CHARACTERS


def _read_input(path: str) -> tuple[str, str]:
    """The text of FILE (or standard input) and the name to report it by."""
    if path == "-":
        data = sys.stdin.buffer.read(MAX_FILE_BYTES + 1) if sys.stdin is not None else b""
        name = "<stdin>"
    else:
        if os.path.isdir(path):
            raise UsageError(f"FILE {path!r} is a directory; give a .tex, .md or text file")
        try:
            with open(path, "rb") as handle:
                data = handle.read(MAX_FILE_BYTES + 1)
        except OSError as err:
            raise UsageError(f"FILE {path!r}: {err.strerror or err}") from None
        name = path
    if len(data) > MAX_FILE_BYTES:
        raise UsageError(f"FILE {name!r} is larger than {MAX_FILE_BYTES:,} bytes; a derivation file is a few pages")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise UsageError(f"FILE {name!r} is not UTF-8 text (byte {err.start}); save it as UTF-8") from None
    return text, name


def _write_annotation(path: str, tex: str) -> None:
    if path.lower().endswith(".tex"):
        replace_atomically(path, lambda tmp: open(tmp, "w", encoding="utf-8").write(tex))
        return
    exe = shutil.which("pdflatex")
    if exe is None:
        raise UsageError("--annotate OUT.pdf needs pdflatex (apt-get install texlive-latex-base); "
                         "or write OUT.tex")

    def write(tmp: str) -> None:
        with tempfile.TemporaryDirectory() as work:
            with open(os.path.join(work, "annotated.tex"), "w", encoding="utf-8") as handle:
                handle.write(tex)
            try:
                run = subprocess.run([exe, "-interaction=nonstopmode", "-halt-on-error", "-no-shell-escape",
                                      "annotated.tex"], cwd=work, capture_output=True, timeout=120,
                                     stdin=subprocess.DEVNULL)
            except subprocess.TimeoutExpired:
                raise UsageError("pdflatex did not finish within 120 s") from None
            if run.returncode != 0:
                log = run.stdout.decode("utf-8", "replace")
                first = next((l for l in log.splitlines() if l.startswith("!")), "see the log")
                raise UsageError(f"pdflatex failed on the annotated derivation: {first.lstrip('! ')}; "
                                 "write OUT.tex to see it")
            shutil.copyfile(os.path.join(work, "annotated.pdf"), tmp)
    replace_atomically(path, write)


def main(argv: list[str]) -> int:
    """``python -m crosscheck derive``."""
    args = parser().parse_args(argv)
    if not (0 < args.timeout <= check_command.MAX_TIMEOUT):
        raise UsageError(f"--timeout must be in (0, {check_command.MAX_TIMEOUT:g}] seconds, got {args.timeout:g}")
    if args.json not in (None, "-"):
        check_output_file("--json", args.json)
    if args.annotate is not None:
        if not args.annotate.lower().endswith((".tex", ".pdf")):
            raise UsageError(f"--annotate must name a .tex or .pdf file, got {args.annotate!r}")
        check_output_file("--annotate", args.annotate)
    text, name = _read_input(args.file)
    kind = "plain" if args.plain else documents.kind_of(name, text)
    latex = True if args.latex else (False if args.plain else None)
    try:
        report = check_document(text, kind=kind, latex=latex, start=args.start, end=args.end, source=name,
                                timeout=args.timeout)
    except (ValueError, TypeError) as err:
        message = str(err).replace("`start`", "--start").replace("`end`", "--end").replace("`text`: ", "") \
            .replace("`text` ", "it ")
        raise UsageError(f"{name}: {message}".replace("\n", " ")) from None
    if args.json == "-":
        print(json_text(report.as_json(), indent=2))
    else:
        print(report.text())
        if args.json is not None:
            write_json(args.json, json_text(report.as_json(), indent=2) + "\n")
    if args.annotate is not None:
        _write_annotation(args.annotate, annotate(report, documents.derivations(text, kind)))
    return 0 if report.ok else 1
