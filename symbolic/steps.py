r"""One step of a user's own derivation between two probabilistic lines: is it right, and by what rule.

A line is a linear combination of logs of densities, expectations, KL divergences and sums over
the timestep (the diffusion ELBO, :mod:`symbolic.elbo`), or of the single-latent model's densities
p(x), p(z), p(x|z), p(z|x), p(x,z), q(z|x) (Lab 3).  :func:`relate` decides

* ``=`` by the normal forms of :mod:`symbolic.elbo` (symbolic T, every rule applied only where
  its side condition holds), independently for T = 1..10, or for the single latent by the
  product rule p(x,z) = p(x|z) p(z) = p(z|x) p(x);
* ``>=``/``<=`` when the gap is Jensen's inequality (log E_m[f] >= E_m[log f]: log is concave)
  or KL >= 0 (KL divergences, or expectations and sums of them, with a positive coefficient on
  the larger side), and refuses it otherwise.

Every proof is an exact reduction; "undecided" is never a pass.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from . import elbo
from .elbo import E, KL, Density, T, _k

EQ, GE, LE = "=", ">=", "<="
HOLDS, DIFFERS, UNDECIDED = "holds", "differs", "undecided"


# ---------------------------------------------------------------------------------------------
# The single-latent model's densities.

class Latent(sp.Function):
    """A density of the single-latent model: ``Latent(Symbol('p(x|z)'))`` (positive, real)."""

    nargs = 1

    def _eval_is_positive(self):
        return True

    def _eval_is_real(self):
        return True

    @property
    def key(self) -> str:
        return self.args[0].name

    def integrated(self) -> frozenset:
        over = self.key[2:-1].split("|")[0]
        return frozenset(v for v in over.split(",") if v == "z")

    def conditioned(self) -> frozenset:
        parts = self.key[2:-1].split("|")
        return frozenset(v for v in (parts[1].split(",") if len(parts) > 1 else []) if v == "z")

    def variables(self) -> frozenset:
        return self.integrated() | self.conditioned()

    def _sympystr(self, printer) -> str:
        return self.key

    def _latex(self, printer) -> str:
        return self.key


def latent(family: str, over: tuple[str, ...], given: tuple[str, ...] = ()) -> Latent:
    """``latent('p', ('x',), ('z',))`` is p(x|z); ``family`` is 'p' (the model) or 'q' (the encoder)."""
    key = f"{family}({','.join(over)}" + (f"|{','.join(given)}" if given else "") + ")"
    return Latent(sp.Symbol(key))


_P_X, _P_Z, _P_XZ, _P_X_Z, _P_Z_X, _Q = (latent("p", ("x",)), latent("p", ("z",)), latent("p", ("x", "z")),
                                         latent("p", ("x",), ("z",)), latent("p", ("z",), ("x",)),
                                         latent("q", ("z",), ("x",)))
#: The densities of the single-latent model the normal form knows.
KNOWN_LATENT = {_P_X, _P_Z, _P_XZ, latent("p", ("z", "x")), _P_X_Z, _P_Z_X, _Q}


def _product_rule(expr: sp.Expr) -> sp.Expr:
    """p(x,z) = p(x|z) p(z) and p(z|x) = p(x|z) p(z) / p(x): everything in p(x|z), p(z), p(x), q."""
    return expr.xreplace({_P_XZ: _P_X_Z * _P_Z, latent("p", ("z", "x")): _P_X_Z * _P_Z,
                          _P_Z_X: _P_X_Z * _P_Z / _P_X})


class Average(sp.Function):
    r""":math:`\mathbb E_{x_0, \epsilon}[f]`: an average over named variables (Ho et al.'s simplified
    loss), kept as written; two such averages over the same variables are compared pathwise."""

    nargs = 2

    def _sympystr(self, printer) -> str:
        return f"E_{{{', '.join(printer._print(v) for v in self.args[1])}}}[{printer._print(self.args[0])}]"

    def _latex(self, printer) -> str:
        names = ", ".join(printer._print(v) for v in self.args[1])
        return rf"\mathbb{{E}}_{{{names}}}\left[{printer._print(self.args[0])}\right]"


# ---------------------------------------------------------------------------------------------
# Marginal likelihood: E_m[joint / m] = evidence, the identity behind log p(x) = log E_q[p(x,z)/q(z|x)].

class Evidence(Density):
    r""":math:`p_\theta(x_0)`, the model's marginal likelihood of the data (argument 0)."""
    valid_from = 0
    _text = "p_theta(x_0)"
    _latex_form = r"p_\theta(x_0)"
    _over: tuple[int, ...] = ()

    def integrated(self):
        return frozenset()

    def text(self):
        return "p_theta(x_0)"

    def _latex(self, printer):
        return r"p_\theta(x_0)"


def _joint_of(measure: sp.Expr):
    """The joint density whose ratio to ``measure`` integrates to the evidence, with that evidence."""
    if isinstance(measure, elbo.q_joint):
        return elbo.p_joint(measure.index), Evidence(0)
    if measure == _Q:
        return _P_XZ, _P_X
    if measure == _P_Z:
        return _P_XZ, _P_X
    return None, None


def _marginalise(expr: sp.Expr) -> tuple[sp.Expr, bool]:
    """Every E_m[f] with f m = the joint replaced by the evidence (int p(x, z) dz = p(x))."""
    used = []

    def rewrite(e):
        body, measure = e.args
        joint, evidence = _joint_of(measure)
        if joint is None:
            return e
        ratio = sp.expand(_product_rule(elbo._factorization(sp.powsimp(body * measure / joint))))
        if ratio == 1:
            used.append(True)
            return evidence
        return e
    out = expr.replace(lambda e: isinstance(e, E) and not e.args[0].has(sp.log), rewrite)
    return out, bool(used)


# ---------------------------------------------------------------------------------------------
# Deciding equality.

@dataclass
class Judgement:
    """The verdict on one step: ``status``, the ``rule`` it used (holds), or the ``reason`` (not)."""

    status: str
    rule: str = ""
    reason: str = ""
    first_T: int | None = None          # the smallest horizon where the step fails, when one does

    @property
    def ok(self) -> bool:
        return self.status == HOLDS


def family(expr: sp.Expr) -> str | None:
    """'diffusion', 'latent', or None for a line with no density (closed-form algebra)."""
    has_latent = expr.has(Latent)
    has_diffusion = any(isinstance(a, Density) for a in expr.atoms(sp.Function))
    if has_latent and has_diffusion:
        raise ValueError("the line mixes the single-latent model (x, z) with the diffusion chain (x_0..x_T)")
    return "latent" if has_latent else ("diffusion" if has_diffusion or expr.has(E, KL) else None)


def _latent_integrand(expr: sp.Expr, problems: list[str], inside: bool = False) -> sp.Expr:
    """``expr`` = E_{q(z|x)}[integrand] for the single latent (expectations and KLs unwrapped)."""
    total = sp.S.Zero
    for term in sp.Add.make_args(sp.expand(expr)):
        coeff, atom = term.as_independent(E, KL, Latent, as_Add=False)
        if isinstance(atom, KL):
            q, p = atom.args
            if q != _Q:
                problems.append(f"{sp.sstr(atom)}: only a KL from q(z|x) is read in this model")
            total += coeff * (sp.log(q) - sp.log(p))
        elif isinstance(atom, E):
            body, measure = atom.args
            if measure != _Q and body.has(Latent) and any(d.variables() for d in body.atoms(Latent)):
                if measure == _P_Z and not any(d == _Q for d in body.atoms(Latent)):
                    problems.append(f"{sp.sstr(atom)}: an expectation under p(z) is not combined with those "
                                    f"under q(z|x)")
                else:
                    problems.append(f"{sp.sstr(atom)}: expectations are read under q(z|x)")
            total += coeff * _latent_integrand(body, problems, inside=True)
        else:
            if not inside and any(d.variables() for d in term.atoms(Latent)):
                problems.append(f"{sp.sstr(term)} depends on z but stands outside any expectation")
            total += term
    return total


def _latent_residual(lhs: sp.Expr, rhs: sp.Expr) -> tuple[sp.Expr, list[str]]:
    problems: list[str] = []
    difference = _latent_integrand(lhs, problems) - _latent_integrand(rhs, problems)
    residual = sp.expand(sp.expand_log(_product_rule(difference), force=True))
    return residual, problems


def _describe_residual(residual: sp.Expr) -> str:
    """The terms of (previous line - this line) that do not cancel, in words."""
    dropped, added = [], []
    for term in sp.Add.make_args(residual):
        coeff, atom = term.as_independent(sp.log, sp.Sum, Density, Latent, as_Add=False)
        shown = _shown(atom)
        if coeff == 1:
            dropped.append(shown)
        elif coeff == -1:
            added.append(shown)
        elif coeff.is_number and coeff.is_positive:
            dropped.append(f"{sp.sstr(coeff)} {shown}")
        elif coeff.is_number and coeff.is_negative:
            added.append(f"{sp.sstr(-coeff)} {shown}")
        else:
            dropped.append(sp.sstr(term))
    parts = []
    if dropped:
        parts.append(f"{' + '.join(dropped)} {'was' if len(dropped) == 1 else 'were'} dropped")
    if added:
        parts.append(f"{' + '.join(added)} {'appears' if len(added) == 1 else 'appear'} from nowhere")
    return "; ".join(parts) + " (the terms that do not cancel)"


def _shown(atom: sp.Expr) -> str:
    if isinstance(atom, sp.Sum):
        (index, low, high), = atom.limits
        body = atom.function.xreplace({index: elbo.t})
        return f"sum_{{t={sp.sstr(low)}}}^{{{sp.sstr(high)}}} {sp.sstr(body)}"
    return sp.sstr(atom).replace(sp.sstr(_k), "t")


_RULE_NAMES = {
    "factorization": "the factorisations of p_theta(x_{0:T}) and q(x_{1:T}|x_0)",
    "bayes": "Bayes' rule q(x_t|x_{t-1}) = q(x_{t-1}|x_t,x_0) q(x_t|x_0)/q(x_{t-1}|x_0), for t >= 2",
}


def _rules_seen(before: sp.Expr, after: sp.Expr, rules: tuple[str, ...]) -> list[str]:
    """The rules a proved step used, named from what changed between the two lines."""
    seen = [_RULE_NAMES[r] for r in rules]

    def kinds(e, cls):
        return {type(d) for d in e.atoms(sp.Function) if isinstance(d, cls)}
    if before.has(KL) != after.has(KL) or len(before.atoms(KL)) != len(after.atoms(KL)):
        seen.append("a KL's definition E_q[log q - log p] = KL(q || p)")
    def measures(e):
        return {m for m in (a.args[1] for a in e.atoms(E))}
    if measures(before) != measures(after) and measures(before) | measures(after) != {elbo.q_joint(T)}:
        seen.append("marginalisation: each expectation over the variables its term depends on")

    def limits(e):
        return {sp.sstr(s.limits[0][1:]) for s in e.atoms(sp.Sum)}

    def offsets(e):
        """Each density kind summed over, with the offsets of its index from the summation index."""
        found: dict = {}
        for total in e.atoms(sp.Sum):
            for d in total.function.atoms(sp.Function):
                if isinstance(d, Density):
                    found.setdefault(type(d), set()).add(sp.expand(d.index - total.limits[0][0]))
        return found
    both = bool(before.atoms(sp.Sum)) and bool(after.atoms(sp.Sum))
    shifted = [k for k in set(offsets(before)) & set(offsets(after)) if offsets(before)[k] != offsets(after)[k]]
    if both and shifted:
        seen.append("an index shift (t -> t - 1) with its limits")
    elif both and limits(before) != limits(after):
        seen.append("a boundary term split off a sum (or merged into it)")
    if any(isinstance(a, sp.log) and isinstance(a.args[0], (sp.Mul, sp.Pow, sp.Product)) for a in
           before.atoms(sp.log) | after.atoms(sp.log)):
        seen.append("log of a product or quotient = sum of logs")
    if before.has(elbo.q_jump) and after.has(elbo.q_jump) and \
            sum(1 for s in before.atoms(sp.Sum) if s.function.has(elbo.q_jump)) > \
            sum(1 for s in after.atoms(sp.Sum) if s.function.has(elbo.q_jump)):
        seen.append("telescoping sum")
    return seen or ["rearranging terms (linearity)"]


def equal(lhs: sp.Expr, rhs: sp.Expr) -> Judgement:
    """Whether ``lhs = rhs`` (two probabilistic lines), and the rule that makes it so."""
    integrals = (lhs.atoms(sp.Integral) | rhs.atoms(sp.Integral))
    if integrals:
        shown = "; ".join(sp.sstr(i) for i in sorted(integrals, key=sp.default_sort_key))
        return Judgement(UNDECIDED, reason=f"{shown} is neither a marginal (the joint density integrated: "
                                           "int p(x,z) dz = p(x)) nor an expectation (a density over the variable "
                                           "times the integrand); it is not decided")
    lhs_m, marg_l = _marginalise(lhs)
    rhs_m, marg_r = _marginalise(rhs)
    extra = ["the marginal likelihood: E_q[p(joint)/q] = p(evidence)"] if (marg_l or marg_r) else []
    kind = family(lhs_m) or family(rhs_m)
    if family(lhs_m) and family(rhs_m) and family(lhs_m) != family(rhs_m):
        return Judgement(DIFFERS, reason="the two lines are about different models (x, z vs x_0..x_T)")
    if not lhs_m.has(E, KL) and not rhs_m.has(E, KL):
        return _pointwise(lhs_m, rhs_m, kind)
    if kind == "latent":
        residual, problems = _latent_residual(lhs_m, rhs_m)
        if problems:
            return Judgement(DIFFERS, reason="; ".join(problems))
        if residual == 0:
            changed = ["the product rule p(x,z) = p(x|z) p(z) = p(z|x) p(x)"] if \
                (lhs_m.has(_P_XZ) or rhs_m.has(_P_XZ) or lhs_m.has(_P_Z_X) or rhs_m.has(_P_Z_X)) else []
            if lhs_m.has(KL) != rhs_m.has(KL):
                changed.append("a KL's definition E_q[log q - log p] = KL(q || p)")
            return Judgement(HOLDS, rule="; ".join(extra + changed) or "rearranging terms (linearity)")
        if residual.has(E):
            return Judgement(UNDECIDED, reason=f"an expectation that is not under q(z|x) remains: {sp.sstr(residual)}")
        return Judgement(DIFFERS, reason=_describe_residual(residual))
    last = None
    for rules in ((), ("factorization",), ("bayes",), ("factorization", "bayes")):
        proof = elbo.prove_lines(lhs_m, rhs_m, rules)
        if proof.ok:
            return Judgement(HOLDS, rule="; ".join(extra + _rules_seen(lhs_m, rhs_m, rules)))
        last = last or proof
        if proof.failures() and "does not exist" in " ".join(str(f.residual) for f in proof.failures()):
            break
    return _explain(lhs_m, rhs_m, last)


def _bayes_everywhere(expr: sp.Expr) -> sp.Expr:
    """Bayes' rule on every forward step q(x_t|x_{t-1}) whose index is not 1 (a free t: for t >= 2)."""
    return expr.replace(lambda e: isinstance(e, elbo.q_step) and e.index != 1,
                        lambda e: elbo.q_post(e.index) * elbo.q_jump(e.index) / elbo.q_jump(e.index - 1))


def _pointwise(lhs: sp.Expr, rhs: sp.Expr, kind: str | None) -> Judgement:
    """Two lines without expectations: an identity of densities (or of their logs) for every value of
    the variables, e.g. Bayes' rule on its own row."""
    if not lhs.has(sp.log) and not rhs.has(sp.log):
        lhs, rhs = sp.log(lhs), sp.log(rhs)          # densities are positive: equal iff their logs are
    difference = lhs - rhs
    if kind == "latent":
        residual = sp.expand(sp.expand_log(_product_rule(difference), force=True))
        if residual == 0:
            return Judgement(HOLDS, rule="the product rule p(x,z) = p(x|z) p(z) = p(z|x) p(x) (Bayes' rule), "
                                         "for every x and z")
        return Judgement(DIFFERS, reason=_describe_residual(residual))
    try:
        plain = elbo.normal_form(difference)
        if plain == 0:
            return Judgement(HOLDS, rule="logs of products and quotients, for every value of the variables")
        if elbo.normal_form(elbo._factorization(difference), ("factorization",)) == 0:
            return Judgement(HOLDS, rule=_RULE_NAMES["factorization"] + " (the definitions of the two chains)")
        residual = elbo.normal_form(_bayes_everywhere(elbo._factorization(difference)), ("factorization", "bayes"))
    except elbo.NotNormalisable as err:
        return Judgement(UNDECIDED, reason=f"the normal form does not apply: {err}")
    if residual == 0:
        return Judgement(HOLDS, rule="Bayes' rule q(x_t|x_{t-1}) = q(x_{t-1}|x_t,x_0) q(x_t|x_0)/q(x_{t-1}|x_0) "
                                     "(for t >= 2, where q(x_{t-1}|x_t,x_0) exists) and the factorisations")
    problems = elbo.domain_problems(lhs) + elbo.domain_problems(rhs)
    return Judgement(DIFFERS, reason="; ".join(problems + [_describe_residual(residual)]))


def _explain(lhs: sp.Expr, rhs: sp.Expr, proof) -> Judgement:
    """Why a diffusion step fails: subscript or domain problems, the terms that do not cancel, the
    smallest T where the expanded sums differ."""
    failures = proof.failures()
    symbolic = next((f for f in failures if "symbolic T" in f.claim), None)
    concrete = next((f for f in failures if "T = 1..10" in f.claim), None)
    first_T = int(concrete.counterexample["T"]) if concrete is not None and concrete.counterexample else None
    if symbolic is not None and symbolic.status.value == "undecided" if hasattr(symbolic.status, "value") else False:
        return Judgement(UNDECIDED, reason=f"the normal form does not apply: {symbolic.residual}")
    residual = (symbolic or concrete).residual or ""
    if residual.startswith("lhs - rhs = "):
        difference, _ = elbo._pathwise_difference(lhs, rhs)
        try:
            normal = elbo.normal_form(difference, ("factorization", "bayes"))
            residual = _describe_residual(normal)
        except elbo.NotNormalisable:
            pass
    at_T = f"; the expanded sums first differ at T = {first_T}" if first_T is not None else ""
    if symbolic is None and concrete is not None:
        return Judgement(DIFFERS, reason=f"true as a formal identity but not for every T: {concrete.residual}",
                         first_T=first_T)
    return Judgement(DIFFERS, reason=residual.replace("_k", "_t") + at_T, first_T=first_T)


# ---------------------------------------------------------------------------------------------
# Inequalities.

def _terms(expr: sp.Expr) -> list[sp.Expr]:
    return list(sp.Add.make_args(sp.expand(expr, log=False, mul=True, multinomial=False, power_exp=False,
                                           power_base=False, deep=False)))


def _nonnegative_term(term: sp.Expr) -> bool:
    """A positive constant times KL(..), E_m[KL(..)] or a sum of such: >= 0 (KL >= 0)."""
    coeff, atom = term.as_independent(KL, E, sp.Sum, as_Add=False)
    if not (coeff.is_number and coeff.is_positive):
        return False
    if isinstance(atom, sp.Sum):
        return _nonnegative_term(atom.function)
    if isinstance(atom, E):
        return _nonnegative_term(atom.args[0])
    return isinstance(atom, KL)


def _evidence_as_expectation(atom: sp.Expr) -> sp.Expr | None:
    """log p_theta(x_0) = log E_q[p_theta(x_{0:T})/q(x_{1:T}|x_0)], log p(x) = log E_q[p(x,z)/q(z|x)]."""
    if atom == sp.log(Evidence(0)):
        return sp.log(E(elbo.p_joint(T) / elbo.q_joint(T), elbo.q_joint(T)))
    if atom == sp.log(_P_X):
        return sp.log(E(_P_XZ / _Q, _Q))
    return None


def _jensen(expr: sp.Expr) -> tuple[sp.Expr, bool]:
    """Every log E_m[f] with a positive coefficient replaced by E_m[log f] (the smaller value); the
    log-evidence is first written as such an expectation (the marginal likelihood)."""
    out, used = [], False
    for term in _terms(expr):
        coeff, atom = term.as_independent(sp.log, as_Add=False)
        if coeff.is_number and coeff.is_positive and _evidence_as_expectation(atom) is not None:
            atom = _evidence_as_expectation(atom)
        if isinstance(atom, sp.log) and isinstance(atom.args[0], E) and coeff.is_number and coeff.is_positive:
            body, measure = atom.args[0].args
            out.append(coeff * E(sp.log(body), measure))
            used = True
        else:
            out.append(term)
    return sp.Add(*out), used


def at_least(big: sp.Expr, small: sp.Expr) -> Judgement:
    """Whether ``big >= small``: by equality, Jensen's inequality or KL >= 0; refused otherwise."""
    same = equal(big, small)
    if same.ok:
        return Judgement(HOLDS, rule=f"equality ({same.rule})")
    lowered, used = _jensen(big)
    if used:
        judged = equal(lowered, small)
        if judged.ok:
            return Judgement(HOLDS, rule="Jensen's inequality: log E_q[f] >= E_q[log f] (log is concave)"
                             + (f"; then {judged.rule}" if judged.rule != "rearranging terms (linearity)" else ""))
    # big - small = (KL terms with a positive coefficient) + (what must vanish)
    nonnegative = [t for t in _terms(big - small) if _nonnegative_term(t)]
    if nonnegative:
        judged = equal(big - sp.Add(*nonnegative), small)
        if judged.ok:
            return Judgement(HOLDS, rule="KL >= 0: the larger side is the smaller one plus KL divergences"
                             + (f"; {judged.rule}" if judged.rule != "rearranging terms (linearity)" else ""))
    if used or nonnegative:
        return Judgement(DIFFERS, reason="neither Jensen's inequality (log E_q[f] >= E_q[log f]) nor KL >= 0 "
                         f"gives this inequality; as an equation: {same.reason}")
    reversed_ = _jensen(small)[1] or any(_nonnegative_term(t) for t in _terms(small))
    hint = "; it holds the other way round (Jensen's or KL >= 0 points to the other side)" if reversed_ else ""
    return Judgement(DIFFERS, reason="the inequality follows neither from Jensen's inequality nor from KL >= 0"
                     + hint + (f"; as an equation: {same.reason}" if same.reason else ""))


def relate(lhs: sp.Expr, rhs: sp.Expr, relation: str) -> Judgement:
    """Judge ``lhs relation rhs`` for two probabilistic lines (relation '=', '>=' or '<=')."""
    if relation == EQ:
        return equal(lhs, rhs)
    if relation == GE:
        return at_least(lhs, rhs)
    if relation == LE:
        return at_least(rhs, lhs)
    raise ValueError(f"unknown relation {relation!r}")


__all__ = ["Latent", "latent", "Evidence", "Average", "Judgement", "relate", "equal", "at_least", "family",
           "KNOWN_LATENT", "EQ", "GE", "LE", "HOLDS", "DIFFERS", "UNDECIDED", "T"]
