r"""The ELBO derivation as a chain of proven steps (Ho et al. 2020, App. A; the lecture's Homework 1).

Each step is an equation ``lhs = rhs`` (with real intermediate lines) whose lhs is the previous
step's rhs.  The chain starts from the definition

.. math::
    \mathcal L = \mathbb E_{q(x_{1:T}|x_0)}\big[\log p_\theta(x_{0:T}) - \log q(x_{1:T}|x_0)\big]

and ends at the three-forces form (reconstruction, prior matching, denoising).

Densities are opaque positive functions of the timestep (``q_step(t)`` is q(x_t|x_{t-1}),
``q_post(t)`` is q(x_{t-1}|x_t,x_0), ...), so the proofs hold for every Markov forward process
and every reverse model, not only Gaussian ones.  A proof for symbolic T:

1. expectations are unwrapped to one integrand under q(x_{1:T}|x_0), after checking that each
   expectation's subscript integrates every variable its term depends on (marginalisation, and
   the chain rule q(x_{t-1}, x_t|x_0) = q(x_t|x_0) q(x_{t-1}|x_t,x_0) for the KL terms);
2. logs of products become sums; every ``Sum`` is shifted to a canonical index and its boundary
   terms peeled off to the canonical limits k = 2..T (Karr's convention: an identity of such
   normal forms holds for every T, and every sum of a statement is checked to be an ordinary,
   possibly empty, sum for all T >= 1);
3. the step's rule (the model's factorisation, Bayes' rule for t >= 2) is applied where its side
   condition holds, and nowhere else;
4. lhs - rhs must vanish: it is a linear combination of independent atoms, so a non-zero
   remainder names the offending terms.

Independently, each step is checked by expanding the sums for concrete T = 1..10.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from functools import lru_cache

import sympy as sp

from . import symbols
from .gaussian import expectation, gaussian_log_density
from .kl import gaussian_kl, variance_ratio_lemma, variance_ratio_term
from .proof import Proof, Status, all_of, prove_equal, prove_true

t = sp.Symbol("t", integer=True, positive=True)
T = sp.Symbol("T", integer=True, positive=True)
_k = sp.Symbol("k", integer=True)  # the canonical summation index

#: Concrete horizons of the independent cross-check.
CONCRETE_T = tuple(range(1, 11))


def _index_text(index: sp.Expr) -> str:
    return sp.sstr(index).replace(" ", "")


def _x(index: sp.Expr) -> str:
    text = _index_text(index)
    return f"x_{text}" if len(text) == 1 else f"x_{{{text}}}"


def _x_latex(index: sp.Expr) -> str:
    return f"x_{{{sp.latex(index)}}}"


class Density(sp.Function):
    """A positive density of the derivation, indexed by one timestep argument."""

    nargs = 1
    valid_from = 1            # smallest timestep at which the density exists
    _text = "?"
    _latex_form = "?"
    # The latent variables, as offsets k of x_{index + k}: what the density is over, what it is given.
    _over: tuple[int, ...] = (0,)
    _given: tuple[int, ...] = ()

    def _eval_is_positive(self):
        return True

    def _eval_is_real(self):
        return True

    @property
    def index(self) -> sp.Expr:
        return self.args[0]

    def integrated(self) -> frozenset:
        """Latent variables x_k the density is a distribution over."""
        return _latent(*(self.index + k for k in self._over))

    def conditioned(self) -> frozenset:
        """Latent variables it conditions on (x_0 is data, never latent)."""
        return _latent(*(self.index + k for k in self._given))

    def variables(self) -> frozenset:
        return self.integrated() | self.conditioned()

    def text(self) -> str:
        i = self.index
        return self._text.format(t=_x(i), prev=_x(i - 1), T=_x(i))

    def _latex(self, printer) -> str:
        i = self.index
        return self._latex_form.format(t=_x_latex(i), prev=_x_latex(i - 1))

    def _sympystr(self, printer) -> str:
        return self.text()


def _latent(*indices: sp.Expr) -> frozenset:
    return frozenset(sp.expand(i) for i in indices if sp.expand(i) != 0)


class p_theta(Density):
    r""":math:`p_\theta(x_{t-1}|x_t)`, the learned reverse step (t = 1 is the decoder p_θ(x_0|x_1))."""
    _text = "p_theta({prev}|{t})"
    _latex_form = r"p_\theta({prev}|{t})"
    _over, _given = (-1,), (0,)


class q_step(Density):
    r""":math:`q(x_t|x_{t-1})`, one forward step."""
    _text = "q({t}|{prev})"
    _latex_form = r"q({t}|{prev})"
    _over, _given = (0,), (-1,)


class q_jump(Density):
    r""":math:`q(x_t|x_0)`, the forward marginal."""
    _text = "q({t}|x_0)"
    _latex_form = r"q({t}|x_0)"


class q_post(Density):
    r""":math:`q(x_{t-1}|x_t,x_0)`, the forward posterior (exists for t >= 2)."""
    valid_from = 2
    _text = "q({prev}|{t},x_0)"
    _latex_form = r"q({prev}|{t},x_0)"
    _over, _given = (-1,), (0,)


class q_pair(Density):
    r""":math:`q(x_{t-1}, x_t|x_0) = q(x_t|x_0)\,q(x_{t-1}|x_t,x_0)`, two consecutive steps (t >= 2)."""
    valid_from = 2
    _text = "q({prev},{t}|x_0)"
    _latex_form = r"q({prev},{t}|x_0)"
    _over, _given = (-1, 0), ()


class p_prior(Density):
    r""":math:`p(x_T) = \mathcal N(0, I)`, the prior of the reverse process (argument T)."""
    _text = "p({t})"
    _latex_form = r"p({t})"


class _Joint(Density):
    """A joint density over the whole trajectory x_{1:T} (argument T)."""

    def integrated(self):
        return frozenset({sp.Symbol("x_{1:T}")})

    def conditioned(self):
        return frozenset()

    def text(self):
        return self._text.format(n=_index_text(self.index))

    def _latex(self, printer):
        return self._latex_form.format(n=sp.latex(self.index))


class p_joint(_Joint):
    r""":math:`p_\theta(x_{0:T})`, the generative model's joint (argument T)."""
    _text = "p_theta(x_{{0:{n}}})"
    _latex_form = r"p_\theta(x_{{0:{n}}})"


class q_joint(_Joint):
    r""":math:`q(x_{1:T}|x_0)`, the forward process's joint (argument T)."""
    _text = "q(x_{{1:{n}}}|x_0)"
    _latex_form = r"q(x_{{1:{n}}}|x_0)"


class E(sp.Function):
    r""":math:`\mathbb E_{m}[\,\cdot\,]`: expectation of ``args[0]`` under the density ``args[1]``."""
    nargs = 2

    def _latex(self, printer):
        return rf"\mathbb{{E}}_{{{printer._print(self.args[1])}}}\left[{printer._print(self.args[0])}\right]"

    def _sympystr(self, printer):
        return f"E_{printer._print(self.args[1])}[{printer._print(self.args[0])}]"


class KL(sp.Function):
    r""":math:`D_{\mathrm{KL}}(q\,\|\,p)` between two densities of the same variables."""
    nargs = 2

    def _latex(self, printer):
        q, p = (printer._print(a) for a in self.args)
        return rf"D_{{\mathrm{{KL}}}}\left({q}\,\middle\|\,{p}\right)"

    def _sympystr(self, printer):
        return f"KL({printer._print(self.args[0])} || {printer._print(self.args[1])})"


def ELBO_DEFINITION() -> sp.Expr:
    r""":math:`\mathbb E_{q(x_{1:T}|x_0)}[\log p_\theta(x_{0:T}) - \log q(x_{1:T}|x_0)]`."""
    return E(sp.log(p_joint(T)) - sp.log(q_joint(T)), q_joint(T))


def _full(integrand: sp.Expr) -> sp.Expr:
    return E(integrand, q_joint(T))


def _log(density: Density) -> sp.Expr:
    return sp.log(density)


def _sum(body: sp.Expr, low, high=T) -> sp.Sum:
    return sp.Sum(body, (t, low, high))


# ---------------------------------------------------------------------------------------------
# Rules.  Each takes an expression and rewrites the densities where the rule's side condition
# holds; the canonical summation index k runs over 2..T, so a rule valid for t >= 2 applies to it.

def _identify(expr: sp.Expr) -> sp.Expr:
    """q(x_1|x_0) is both the first forward step and the t = 1 marginal (alpha_bar_1 = alpha_1); a pair
    of consecutive steps is the chain rule q(x_{t-1}, x_t|x_0) = q(x_t|x_0) q(x_{t-1}|x_t,x_0)."""
    expr = expr.replace(lambda e: isinstance(e, q_pair), lambda e: q_jump(e.index) * q_post(e.index))
    return expr.replace(lambda e: isinstance(e, q_step) and e.index == 1, lambda e: q_jump(1))


def _factorization(expr: sp.Expr) -> sp.Expr:
    """The model's definitions: p_theta(x_{0:T}) = p(x_T) prod_t p_theta(x_{t-1}|x_t) and
    q(x_{1:T}|x_0) = prod_t q(x_t|x_{t-1}) (both Markov chains)."""
    s = sp.Dummy("s", integer=True)
    return expr.replace(
        lambda e: isinstance(e, p_joint), lambda e: p_prior(e.index) * sp.Product(p_theta(s), (s, 1, e.index))
    ).replace(lambda e: isinstance(e, q_joint), lambda e: sp.Product(q_step(s), (s, 1, e.index)))


def _bayes_applies(index: sp.Expr) -> bool:
    if index == _k:
        return True                         # the canonical sums run over k >= 2
    if index.is_Integer:
        return index >= 2
    shift = sp.expand(index - T)
    return shift.is_Integer and shift >= 1  # T + j >= 2 for every T >= 1 iff j >= 1


def _bayes(expr: sp.Expr) -> sp.Expr:
    """For t >= 2: q(x_t|x_{t-1}) = q(x_t|x_{t-1},x_0) = q(x_{t-1}|x_t,x_0) q(x_t|x_0) / q(x_{t-1}|x_0)."""
    return expr.replace(
        lambda e: isinstance(e, q_step) and _bayes_applies(e.index),
        lambda e: q_post(e.index) * q_jump(e.index) / q_jump(e.index - 1),
    )


RULES = {
    "factorization": _factorization,
    "bayes": _bayes,
}


# ---------------------------------------------------------------------------------------------
# Normal form of a pathwise expression (a linear combination of log-densities and their sums).

class NotNormalisable(Exception):
    """A term outside the class the normal form handles (the proof is then undecided)."""


def _partial(density_class, upto: sp.Expr) -> sp.Expr:
    """G(n) = sum_{k=2}^{n} log D(k) in canonical form, for n an integer or T + integer."""
    base = sp.Sum(sp.log(density_class(_k)), (_k, 2, T))
    if upto.is_Integer:
        n = int(upto)
        if n >= 2:
            return sp.Add(*[sp.log(density_class(m)) for m in range(2, n + 1)])
        return -sp.Add(*[sp.log(density_class(m)) for m in range(n + 1, 2)])  # Karr; 0 at n = 1
    shift = sp.expand(upto - T)
    if not shift.is_Integer:
        raise NotNormalisable(f"summation limit {upto} is neither an integer nor T + integer")
    j = int(shift)
    if j >= 0:
        return base + sp.Add(*[sp.log(density_class(T + m)) for m in range(1, j + 1)])
    return base - sp.Add(*[sp.log(density_class(T + m)) for m in range(j + 1, 1)])


def _canonical_sum(total: sp.Sum) -> sp.Expr:
    if len(total.limits) != 1:
        raise NotNormalisable(f"nested sum {total}")
    index, low, high = total.limits[0]
    out = sp.S.Zero
    for term in sp.Add.make_args(sp.expand(total.function)):
        coeff, atom = term.as_independent(index, as_Add=False)
        if atom == 1:
            out += coeff * (high - low + 1)
            continue
        if not (isinstance(atom, sp.log) and isinstance(atom.args[0], Density)):
            raise NotNormalisable(f"summand {term} is not a multiple of a log-density")
        density = atom.args[0]
        shift = sp.expand(density.index - index)
        if not shift.is_Integer or coeff.has(index):
            raise NotNormalisable(f"summand {term}: the index must appear as {index} + integer")
        kind = type(density)
        out += coeff * (_partial(kind, high + shift) - _partial(kind, low + shift - 1))
    return out


def _prepare(expr: sp.Expr) -> sp.Expr:
    # log of a product of positive factors = sum of logs (also inside Product -> Sum).
    return sp.expand(sp.expand_log(expr, force=True))


def normal_form(expr: sp.Expr, rules: tuple[str, ...] = ()) -> sp.Expr:
    """Canonical form: sums over k = 2..T, boundary terms explicit, the rules applied."""
    expr = _identify(_prepare(expr))
    for _ in range(8):
        out = sp.S.Zero
        for term in sp.Add.make_args(expr):
            coeff, atom = term.as_independent(sp.Sum, as_Add=False)
            out += coeff * _canonical_sum(atom) if isinstance(atom, sp.Sum) else term
        for rule in rules:
            out = RULES[rule](out)
        out = _identify(_prepare(out))
        if out == expr:
            return out
        expr = out
    raise NotNormalisable("the rules did not reach a fixed point")


def _expand_sums(expr: sp.Expr) -> sp.Expr:
    """Sums and products with integer limits written out term by term, with the ordinary
    convention (no terms when the upper limit is below the lower one), not Karr's."""
    def expand(e):
        (index, low, high), = e.limits
        terms = [e.function.subs(index, i) for i in range(int(low), int(high) + 1)]
        return sp.Add(*terms) if isinstance(e, sp.Sum) else sp.Mul(*terms)
    return expr.replace(lambda e: isinstance(e, (sp.Sum, sp.Product)), expand)


def _concrete(expr: sp.Expr, n: int, rules: tuple[str, ...]) -> sp.Expr:
    """Every sum expanded for T = n, the rules applied to explicit terms: no index algebra."""
    expr = expr.subs(T, n)
    if "factorization" in rules:
        expr = _factorization(expr)
    expr = _identify(_prepare(_expand_sums(expr)))
    if "bayes" in rules:
        expr = expr.replace(lambda e: isinstance(e, q_step) and e.index.is_Integer and e.index >= 2,
                            lambda e: q_post(e.index) * q_jump(e.index) / q_jump(e.index - 1))
    return _identify(_prepare(expr))


# ---------------------------------------------------------------------------------------------
# Expectations: unwrap to one integrand under q(x_{1:T}|x_0), checking every subscript.

def _densities(expr: sp.Expr) -> list[Density]:
    return [a for a in expr.atoms(sp.Function) if isinstance(a, Density)]


def _depends_on(expr: sp.Expr) -> frozenset:
    return frozenset().union(*[d.variables() for d in _densities(expr)]) if _densities(expr) else frozenset()


def _names(variables) -> str:
    return ", ".join(sorted(_x(v) for v in variables))


def _text(expr: sp.Expr) -> str:
    return sp.sstr(expr)


def _unwrap_term(atom: sp.Expr, problems: list[str]) -> sp.Expr:
    """``atom`` = E_full[returned integrand]; subscript violations are appended to ``problems``."""
    if isinstance(atom, sp.Sum):
        return sp.Sum(_unwrap(atom.function, problems), *atom.limits)   # E is linear
    if isinstance(atom, KL):
        q, p = atom.args
        if q.conditioned():
            problems.append(f"{_text(atom)} depends on {_names(q.conditioned())}: it needs an outer "
                            f"expectation over q({_names(q.conditioned())}|x_0)")
        _check_kl_support(atom, q.integrated() | q.conditioned(), problems)
        return sp.log(q) - sp.log(p)
    if isinstance(atom, E):
        body, measure = atom.args
        if isinstance(measure, q_joint):
            # a KL inside the full expectation: E_q[KL(q(x_{t-1}|x_t,x_0) || p)] = E_q[log q - log p]
            # (the chain rule of q); the full measure integrates whatever the KL's arguments depend on
            def unwrap_kl(kl):
                _check_kl_support(kl, kl.args[1].variables(), problems)
                return sp.log(kl.args[0]) - sp.log(kl.args[1])
            return body.replace(lambda e: isinstance(e, KL), unwrap_kl)
        if measure.conditioned():
            problems.append(f"{_text(atom)}: {_text(measure)} depends on {_names(measure.conditioned())}, so the "
                            f"expectation needs an outer one over {_names(measure.conditioned())}")
        return _under(body, measure.integrated(), atom, problems)
    if _depends_on(atom):
        problems.append(f"{_text(atom)} is random (it depends on {_names(_depends_on(atom))}) but "
                        f"stands outside any expectation")
    return atom


def _under(body: sp.Expr, integrated: frozenset, atom: sp.Expr, problems: list[str]) -> sp.Expr:
    """The integrand of ``body`` under an expectation that integrates ``integrated``: KLs written
    out, inner expectations flattened by the chain rule (E_{q(x_t|x_0)}[E_{q(x_{t-1}|x_t,x_0)}[f]] =
    E_{q(x_{t-1},x_t|x_0)}[f]), every term checked to depend only on integrated variables."""
    total = sp.S.Zero
    for term in sp.Add.make_args(sp.expand(body)):
        coeff, inner = term.as_independent(E, KL, as_Add=False)
        if isinstance(inner, KL):
            q, p = inner.args
            if not q.conditioned() <= integrated:
                problems.append(f"{_text(atom)}: the KL's first argument {_text(q)} conditions on "
                                f"{_names(q.conditioned()) or 'x_0 only'}, so the outer expectation must "
                                f"be over q({_names(q.conditioned())}|x_0), not over {_names(integrated)} only")
            # chain rule: q(x_{t-1}, x_t|x_0) = q(x_t|x_0) q(x_{t-1}|x_t, x_0)
            _check_kl_support(inner, integrated | q.integrated(), problems)
            total += coeff * (sp.log(q) - sp.log(p))
        elif isinstance(inner, E):
            g, m2 = inner.args
            if isinstance(m2, q_joint) or not m2.conditioned() <= integrated:
                problems.append(f"{_text(atom)}: the inner expectation over {_text(m2)} conditions on "
                                f"{_names(m2.conditioned()) or 'the whole chain'}, which the outer one does not "
                                f"integrate ({_names(integrated)})")
            total += coeff * _under(g, integrated | m2.integrated(), inner, problems)
        else:
            missing = _depends_on(term) - integrated
            if missing:
                problems.append(f"{_text(atom)}: the subscript integrates {_names(integrated)} only, but "
                                f"the term depends on {_names(missing)}")
            total += term
    return total


def _check_kl_support(kl: KL, available: frozenset, problems: list[str]) -> None:
    q, p = kl.args
    if q.integrated() != p.integrated():
        problems.append(f"{_text(kl)}: the two densities are over different variables "
                        f"({_names(q.integrated())} vs {_names(p.integrated())})")
    missing = p.variables() - available
    if missing:
        problems.append(f"{_text(kl)}: {_text(p)} depends on {_names(missing)}, which the expectation "
                        f"does not integrate")


def _unwrap(expr: sp.Expr, problems: list[str]) -> sp.Expr:
    total = sp.S.Zero
    for term in sp.Add.make_args(sp.expand(expr)):
        coeff, atom = term.as_independent(E, KL, sp.Sum, Density, as_Add=False)
        total += coeff * _unwrap_term(atom, problems)
    return total


def integrand(expr: sp.Expr) -> tuple[sp.Expr, list[str]]:
    """The integrand g with ``expr`` = E_{q(x_{1:T}|x_0)}[g], and the subscript problems found."""
    problems: list[str] = []
    return _unwrap(expr, problems), problems


# ---------------------------------------------------------------------------------------------
# Domain: every density inside its range, every sum an ordinary sum for every T >= 1.

def domain_problems(expr: sp.Expr) -> list[str]:
    problems = []
    for total in expr.atoms(sp.Sum):
        index, low, high = total.limits[0]
        first = next((n for n in range(1, 30) if (high - low).subs(T, n) >= -1), None)
        if (high - low).subs(T, 1) < -1:
            problems.append(f"{_text(total)}: at T = 1 the limits run backwards ({low} > {high} + 1), "
                            f"so the sum is not an ordinary (empty) sum for every T >= 1")
        for density in _densities(total.function):
            shift = sp.expand(density.index - index)
            if not shift.is_Integer or first is None:
                continue
            nonempty = next((n for n in range(1, 30) if (high - low).subs(T, n) >= 0), None)
            if nonempty is not None and (low + shift).subs(T, nonempty) < density.valid_from:
                at = density.func(low + shift)
                problems.append(f"{_text(total)} includes {_text(at)} (its t = {low} term), which "
                                f"does not exist: {_text(density.func(t))} is defined for t >= "
                                f"{density.valid_from}")
            if sp.expand(high + shift - T).is_positive:
                problems.append(f"{_text(total)} includes {_text(density.func(high + shift))}, beyond "
                                f"the last step T")
    summed = set().union(*[s.function.atoms(sp.Function) for s in expr.atoms(sp.Sum)]) if expr.atoms(sp.Sum) else set()
    for density in _densities(expr):
        if density in summed:
            continue
        index = density.index
        if index.is_Integer and index < density.valid_from:
            problems.append(f"{_text(density)} does not exist: {_text(density.func(t))} is defined "
                            f"for t >= {density.valid_from}")
        elif sp.expand(index - T).is_positive:
            problems.append(f"{_text(density)} is beyond the last step T")
    return problems


# ---------------------------------------------------------------------------------------------
# Steps and their proofs.

@dataclass(frozen=True)
class Step:
    """A chain of proved lines, ``lines[0] = lines[1] = ... = lines[-1]``, one note per transition.

    The one type of both derivations: the ELBO chain of this module (:func:`derivation`, proved by
    :func:`prove_step` for symbolic T) and the closed-form derivations of :mod:`symbolic.worked`
    (proved by :func:`symbolic.worked.prove_worked`, exact reduction after evaluating the written
    Gaussian forms), which the LaTeX export prints.
    """

    name: str
    title: str
    lines: tuple[sp.Expr, ...]
    notes: tuple[str, ...]                  # one justification per transition, len(lines) - 1
    conditions: tuple[str, ...] = ()
    rule: str = ""                          # what the whole step applies, in words (the ELBO steps)
    rules: tuple[str, ...] = ()             # rewrite rules of RULES its proof may apply (the ELBO steps)
    named: bool = False                     # lines[0] names what is derived (printed on the left)
    label: sp.Expr | None = None            # else what the lines are (printed on the left, not proved)
    given: dict = field(default_factory=dict)   # proof-symbol substitutions every line is read under
    start: sp.Expr | None = None            # the catalog expression the first derived line must equal
    end: sp.Expr | None = None              # the catalog expression lines[-1] must equal

    @property
    def lhs(self) -> sp.Expr:
        return self.lines[0]

    @property
    def rhs(self) -> sp.Expr:
        return self.lines[-1]

    @property
    def derived(self) -> tuple[sp.Expr, ...]:
        """The lines after the name of what is derived (all of them when the first is no name)."""
        return self.lines[1:] if self.named else self.lines

    def equations(self) -> list[tuple[sp.Expr, sp.Expr]]:
        """The transitions, each proved: ``(lines[i], lines[i + 1])``."""
        return list(zip(self.lines, self.lines[1:]))


def _pathwise_difference(lhs: sp.Expr, rhs: sp.Expr) -> tuple[sp.Expr, list[str]]:
    left, problems_left = integrand(lhs)
    right, problems_right = integrand(rhs)
    return left - right, problems_left + problems_right


def _equal_for_symbolic_T(lhs, rhs, rules, claim) -> Proof:
    start = time.perf_counter()
    difference, problems = _pathwise_difference(lhs, rhs)
    problems = problems + domain_problems(lhs) + domain_problems(rhs)
    method = ("unwrap expectations, canonical sums over k = 2..T"
              + (f", rules: {', '.join(rules)}" if rules else "") + "; valid for every T >= 1")
    if problems:
        return Proof(claim, Status.REFUTED, method, time.perf_counter() - start,
                     residual="; ".join(problems))
    try:
        residual = normal_form(difference, rules)
    except NotNormalisable as err:
        return Proof(claim, Status.UNDECIDED, method, time.perf_counter() - start, residual=str(err))
    if residual == 0:
        return Proof(claim, Status.PROVED, method, time.perf_counter() - start)
    return Proof(claim, Status.REFUTED, method, time.perf_counter() - start,
                 residual=f"lhs - rhs = {_text(residual)}")


def _equal_for_concrete_T(lhs, rhs, rules, claim) -> Proof:
    start = time.perf_counter()
    difference, problems = _pathwise_difference(lhs, rhs)
    failures = []
    for n in CONCRETE_T:
        residual = _concrete(difference, n, rules)
        if residual != 0:
            failures.append(f"T = {n}: lhs - rhs = {_text(residual)}")
    method = f"sums expanded term by term for T = {CONCRETE_T[0]}..{CONCRETE_T[-1]}"
    if failures or problems:
        return Proof(claim, Status.REFUTED, method, time.perf_counter() - start,
                     counterexample={"T": float(failures[0].split()[2].rstrip(":"))} if failures else None,
                     residual="; ".join((problems + failures)[:3]))
    return Proof(claim, Status.PROVED, method, time.perf_counter() - start)


def prove_lines(lhs: sp.Expr, rhs: sp.Expr, rules: tuple[str, ...] = (), claim: str | None = None) -> Proof:
    """``lhs = rhs`` as ELBO expressions: proved for symbolic T, and independently for T = 1..10."""
    claim = claim or f"{_text(lhs)} = {_text(rhs)}"
    return all_of(claim, [
        _equal_for_symbolic_T(lhs, rhs, rules, f"{claim} (symbolic T)"),
        _equal_for_concrete_T(lhs, rhs, rules, f"{claim} (T = 1..10)"),
    ])


def prove_step(step: Step) -> Proof:
    """Every transition of the step's lines, each for symbolic T and for T = 1..10."""
    transitions = [
        prove_lines(a, b, step.rules, f"{step.name}, line {i + 1} -> {i + 2}: {_text(a)} = {_text(b)}")
        for i, (a, b) in enumerate(step.equations())
    ]
    return all_of(step.name, transitions, method=step.rule)


@lru_cache(maxsize=None)
def derivation() -> tuple[Step, ...]:
    """The chain from the ELBO's definition to the three-forces form."""
    lp, lq, lj, lpost = (lambda i: _log(p_theta(i))), (lambda i: _log(q_step(i))), \
        (lambda i: _log(q_jump(i))), (lambda i: _log(q_post(i)))
    prior = _log(p_prior(T))
    decoder = lp(1)

    factorized = _full(prior + _sum(lp(t), 1) - _sum(lq(t), 1))
    separated = _full(prior + decoder + _sum(lp(t), 2) - _sum(lq(t), 1))
    lecture_route = _full(prior + decoder + _sum(lp(t), 2) - lq(T) - _sum(lq(t), 1, T - 1))
    shifted = _full(prior + decoder + _sum(lp(t), 2) - lq(T) - _sum(lq(t - 1), 2))
    aligned = _full(prior + decoder - lq(1) + _sum(lp(t) - lq(t), 2))
    bayes = _full(prior + decoder - lq(1) + _sum(lp(t) - lpost(t) - lj(t) + lj(t - 1), 2))
    split = _full(prior + decoder - lq(1) + _sum(lp(t) - lpost(t), 2) + _sum(lj(t - 1) - lj(t), 2))
    telescoped = _full(prior + decoder - lq(1) + _sum(lp(t) - lpost(t), 2) + lj(1) - lj(T))
    cancelled = _full(decoder + prior - lj(T) + _sum(lp(t) - lpost(t), 2))
    three_forces = (E(decoder, q_jump(1)) - KL(q_jump(T), p_prior(T))
                    - _sum(E(KL(q_post(t), p_theta(t)), q_jump(t)), 2))

    return (
        Step("elbo_factorization", "Substitute the factorisations",
             (ELBO_DEFINITION(), factorized),
             ("substitute the factorisations, log of products = sum of logs",),
             ("Markov property of both chains", "all densities positive"),
             rule="p_theta(x_{0:T}) = p(x_T) prod_{t=1}^T p_theta(x_{t-1}|x_t) and q(x_{1:T}|x_0) = "
                  "prod_{t=1}^T q(x_t|x_{t-1}) (both Markov chains); the log of a product of positive "
                  "factors is the sum of their logs",
             rules=("factorization",)),
        Step("elbo_separation", "Separate the t = 1 reverse term",
             (factorized, separated),
             ("sum_{t=1}^T a_t = a_1 + sum_{t=2}^T a_t",),
             ("T >= 1",),
             rule="split the t = 1 term log p_theta(x_0|x_1) off the reverse sum: it is the decoder, a "
                  "likelihood of the data x_0 rather than a comparison of two distributions over latents"),
        Step("elbo_reindexing", "Bring both sums onto t = 2..T",
             (separated, lecture_route, shifted, aligned),
             ("split off the t = T forward term",
              "shift the index: sum_{t=1}^{T-1} f(t) = sum_{t=2}^{T} f(t-1)",
              "regroup: the forward sum with its t = 1 term split off, paired with the reverse sum"),
             ("T >= 1",),
             rule="the lecture's route: split log q(x_T|x_{T-1}) off the forward sum and shift the index "
                  "of the rest (t -> t - 1); that pairs p_theta(x_{t-1}|x_t) with q(x_{t-1}|x_{t-2}), "
                  "the mismatch of Part C. Bayes' rule needs q(x_t|x_{t-1}) beside p_theta(x_{t-1}|x_t): "
                  "undo the shift and split off the t = 1 forward term q(x_1|x_0) instead"),
        Step("elbo_bayes", "Bayes' rule on q(x_t|x_{t-1}) for t >= 2",
             (aligned, bayes),
             ("Bayes' rule inside the sum over t = 2..T, log of a quotient",),
             ("t >= 2", "Markov property"),
             rule="Markov property q(x_t|x_{t-1}) = q(x_t|x_{t-1}, x_0), then Bayes' rule "
                  "q(x_t|x_{t-1}, x_0) = q(x_{t-1}|x_t, x_0) q(x_t|x_0) / q(x_{t-1}|x_0); applied only "
                  "for t >= 2 (at t = 1, q(x_0|x_1, x_0) is a point mass)",
             rules=("bayes",)),
        Step("elbo_telescoping", "Telescope the marginals",
             (bayes, split, telescoped, cancelled),
             ("split the sum", "telescoping sum", "log q(x_1|x_0) cancels"),
             ("T >= 1",),
             rule="sum_{t=2}^T [log q(x_{t-1}|x_0) - log q(x_t|x_0)] = log q(x_1|x_0) - log q(x_T|x_0); "
                  "the log q(x_1|x_0) then cancels the forward term split off in the reindexing"),
        Step("elbo_kl_form", "Expectations of log-ratios become KL divergences",
             (cancelled, three_forces),
             ("reconstruction, prior matching and denoising terms",),
             ("t >= 2 in the sum", "marginalisation", "chain rule of q"),
             rule="each term depends only on the variables its expectation integrates (marginalise the "
                  "rest); E_{q(x_{t-1},x_t|x_0)} = E_{q(x_t|x_0)} E_{q(x_{t-1}|x_t,x_0)} (chain rule); "
                  "E_q[log q - log p] = KL(q || p)"),
    )


STEP_NAMES = tuple(s.name for s in derivation())


def step(name: str) -> Step:
    for s in derivation():
        if s.name == name:
            return s
    raise ValueError(f"unknown derivation step {name!r}; steps: {', '.join(STEP_NAMES)}")


def prove_chain_link(name: str) -> Proof:
    """The step's lhs is exactly the previous step's rhs (or the ELBO definition for the first)."""
    steps = derivation()
    i = STEP_NAMES.index(name)
    previous = ELBO_DEFINITION() if i == 0 else steps[i - 1].rhs
    return prove_true(steps[i].lhs == previous,
                      f"{name} starts where {'the definition' if i == 0 else STEP_NAMES[i - 1]} ends",
                      "structural equality of the expressions")


def prove_derivation_step(name: str) -> Proof:
    """The step's lines, for symbolic T and for T = 1..10, and its link to the previous step."""
    return all_of(name, [prove_chain_link(name), prove_step(step(name))], method=step(name).rule)


def prove_elbo_factorization() -> Proof:
    return prove_derivation_step("elbo_factorization")


def prove_elbo_separation() -> Proof:
    return prove_derivation_step("elbo_separation")


def prove_elbo_reindexing() -> Proof:
    return prove_derivation_step("elbo_reindexing")


def prove_elbo_bayes() -> Proof:
    return prove_derivation_step("elbo_bayes")


def prove_elbo_telescoping() -> Proof:
    return prove_derivation_step("elbo_telescoping")


def prove_elbo_kl_form() -> Proof:
    return prove_derivation_step("elbo_kl_form")


# ---------------------------------------------------------------------------------------------
# Single latent variable (the lecture's foundations, seeds 002-003): the ELBO and its gap.

z = sp.Symbol("z", real=True)
# Linear-Gaussian model: z ~ N(0, 1), x | z ~ N(a z + b, s2); variational q(z|x) = N(m, v).
lg_a = sp.Symbol("a", real=True)
lg_b = sp.Symbol("b", real=True)
lg_s2 = sp.Symbol("s2", positive=True)
lg_m = sp.Symbol("m", real=True)
lg_v = sp.Symbol("v", positive=True)


def linear_gaussian_log_evidence() -> sp.Expr:
    """log p(x) = log N(x; b, a^2 + s2), the marginal of the linear-Gaussian model."""
    return gaussian_log_density(symbols.x, lg_b, lg_a**2 + lg_s2)


def linear_gaussian_true_posterior() -> tuple[sp.Expr, sp.Expr]:
    """Mean and variance of p(z|x) = N(a (x - b)/(a^2 + s2), s2/(a^2 + s2))."""
    return lg_a * (symbols.x - lg_b) / (lg_a**2 + lg_s2), lg_s2 / (lg_a**2 + lg_s2)


def linear_gaussian_elbo() -> sp.Expr:
    """E_{q(z|x)}[log p(x|z) + log p(z) - log q(z|x)] by moment substitution (exact)."""
    log_ratio = (gaussian_log_density(symbols.x, lg_a * z + lg_b, lg_s2) + gaussian_log_density(z, 0, 1)
                 - gaussian_log_density(z, lg_m, lg_v))
    return expectation(log_ratio, z, lg_m, lg_v)


def linear_gaussian_gap() -> sp.Expr:
    """KL(q(z|x) || p(z|x)) for the linear-Gaussian model, from the closed-form Gaussian KL."""
    mean, var = linear_gaussian_true_posterior()
    return gaussian_kl(lg_m, lg_v, mean, var)


def prove_elbo_gap() -> Proof:
    """log p(x) = ELBO + KL(q(z|x) || p(z|x)), for any model, and exactly in a linear-Gaussian one."""
    joint, q, posterior, evidence = (sp.Function(n, positive=True) for n in ("p_xz", "q", "p_z_given_x", "p_x"))
    ez = lambda f: sp.Integral(q(z) * f, z)   # E_{q(z|x)}[f]   # noqa: E731

    def reduce(expr: sp.Expr) -> sp.Expr:
        # linearity of the integral, product rule p(x,z) = p(z|x) p(x), z-free factors out,
        # and the normalisation int q(z|x) dz = 1.
        expr = sp.expand(sp.expand_log(expr.replace(joint, lambda _: posterior(z) * evidence(symbols.x)), force=True))
        expr = expr.replace(lambda e: isinstance(e, sp.Integral), lambda e: sp.Add(*[
            (lambda c, f: c * (1 if f == q(z) else sp.Integral(f, z)))(*term.as_independent(z, as_Add=False))
            for term in sp.Add.make_args(sp.expand(e.function))]))
        return sp.expand(expr)

    elbo = ez(sp.log(joint(z)) - sp.log(q(z)))
    kl = ez(sp.log(q(z)) - sp.log(posterior(z)))
    general = reduce(elbo + kl) - reduce(sp.log(evidence(symbols.x)))
    m, v = lg_m, lg_v
    mean, var = linear_gaussian_true_posterior()
    return all_of("elbo_gap", [
        prove_true(general == 0, "log p(x) = E_q[log p(x,z) - log q(z|x)] + KL(q(z|x) || p(z|x))",
                   "KL = E_q[log q - log p(z|x)], linearity, p(x,z) = p(z|x) p(x), "
                   "log p(x) is free of z and int q(z|x) dz = 1"),
        prove_equal(gaussian_log_density(symbols.x, lg_a * z + lg_b, lg_s2) + gaussian_log_density(z, 0, 1)
                    - linear_gaussian_log_evidence(), gaussian_log_density(z, mean, var),
                    "linear-Gaussian: Bayes' rule p(x|z) p(z) / p(x) = N(z; a(x-b)/(a^2+s2), s2/(a^2+s2))"),
        prove_equal(linear_gaussian_log_evidence(), linear_gaussian_elbo() + linear_gaussian_gap(),
                    "linear-Gaussian: log p(x) = ELBO + KL(q(z|x) || p(z|x)) for every q = N(m, v)",
                    method="ELBO by moment substitution, closed-form KL, exact reduction"),
        prove_equal(linear_gaussian_gap(),
                    (m - mean) ** 2 / (2 * var) + variance_ratio_term(v / var),
                    "gap = (m - mu_post)^2/(2 v_post) + (rho - 1 - log rho)/2, rho = v/v_post"),
        variance_ratio_lemma("hence ELBO <= log p(x), with equality iff q(z|x) = p(z|x)",
                             "both terms of the gap are >= 0: a square over a positive variance, and "),
    ])
