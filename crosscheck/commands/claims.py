r"""The course material audited: every checkable statement of ``shared/seeds`` as data.

Each :class:`Claim` records where it comes from (file and section), the statement as the
source writes it, and a transcription the engine can decide.  The verdict is never stored: it
is computed by the same engine as ``check`` (exact reduction for *holds*, a confirmed
counterexample for *false*, :data:`crosscheck.commands.check.CONDITIONS` for *holds only when*), by the
catalog's proofs for the derivation steps, by evaluation on concrete schedules for statements
about a schedule, and by an index-range analysis for the lab's timestep indexing.

Kinds:

``formula``   a formula for a check target (``check TARGET FORMULA``);
``identity``  two sides in plain syntax (or SymPy builders) that the source says are equal
              (``negated``: that the source says differ);
``catalog``   a derivation step the catalog proves (``symbolic.elbo.prove_*``);
``schedule``  a statement about values on a schedule (the lab's T = 50 and DDPM's T = 1000);
``indexing``  a code snippet's tensor reads: are they in range, consistent with each other,
              and the paper timestep the snippet's ``t`` names?
``code``      what a snippet computes, run (the lab's data) or integrated to 30 digits (an estimator's
              expectation), against what its comment says.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from typing import Callable

import sympy as sp

from symbolic import elbo, formula as symbolic_formula, forward, gaussian, kl, posterior
from symbolic import symbols
from symbolic.proof import Proof

from . import check
from .common import STDOUT, Parser, check_output_file, json_text, write_json

LAB4_SHEET = "000_05736417279549ee.txt (Lab 4 assignment sheet)"
LAB4 = "001_9b62014e9fd6e4cc.txt (Lab 4 notebook)"
LAB3 = "002_c60e226d0cd28d12.txt (Lab 3 assignment sheet)"
NOTES = "003_ef815805d98d9bde.txt (notes: ELBO and diffusion)"
LECTURE = "004_8c9cf9a9587ade68.txt (Lecture 4 slides)"


@dataclass(frozen=True)
class Read:
    """One tensor read ``tensor[t + shift]`` meant to be the quantity of paper step ``t + meant``.

    ``zero_based``: the tensor has length T and index i holds paper step i + 1 (the lab's
    ``create_noise_schedule``); otherwise length T + 1 with index = paper step.
    """

    tensor: str
    shift: int
    meant: int
    zero_based: bool


@dataclass(frozen=True)
class Claim:
    id: str
    source: str
    section: str
    statement: str
    kind: str
    target: str | None = None
    formula: str | None = None
    lhs: str | Callable[[], sp.Expr] | None = None
    rhs: str | Callable[[], sp.Expr] | None = None
    negated: bool = False
    proof: Callable[[], Proof] | None = None
    evaluate: Callable[[], "Result"] | None = None
    reads: tuple[Read, ...] = ()
    t_range: tuple[int, int] | None = None      # (first, last) with T substituted; see _t_range
    note: str = ""


@dataclass
class Result:
    verdict: str                  # holds | false | holds only when ... | undecided
    detail: str
    counterexample: dict | None = None
    seconds: float = 0.0
    claim: Claim | None = field(default=None, repr=False)

    @property
    def holds(self) -> bool:
        return self.verdict == "holds"

    @property
    def category(self) -> str:
        """holds, holds only when, false or undecided."""
        return "holds only when" if self.verdict.startswith("holds only when") else self.verdict

    def as_json(self) -> dict:
        c = self.claim
        return {"id": c.id, "source": c.source, "section": c.section, "statement": c.statement,
                "kind": c.kind, "verdict": self.verdict, "category": self.category, "detail": self.detail,
                "counterexample": self.counterexample, "note": c.note, "seconds": round(self.seconds, 3)}


# ---------------------------------------------------------------------------------------------
# Deciding each kind.

def _side(side) -> sp.Expr:
    return side() if callable(side) else symbolic_formula.parse(side).value


def _values_text(found: dict, stated: str = "stated", correct: str = "correct") -> str:
    """The two sides at a counterexample; a side that is not a real number there says why."""
    value = found["formula"]
    shown = f"{value:.10g}" if value is not None else found.get("defect") or "not real"
    return f"{stated} {shown}, {correct} {found['reference']:.10g}"


def _only_for_t_ge_2(decision: check.Decision, formula: sp.Expr, reference: sp.Expr) -> Result | None:
    """Undefined at t = 1 only, and proved for t >= 2: "holds only when t >= 2"."""
    if not check.holds_for_t_ge_2(formula, reference, decision):
        return None
    return Result("holds only when t >= 2", "proved for 0 < alpha_bar_(t-1) < 1 (t >= 2); at t = 1 "
                  f"(alpha_bar_0 = 1) the expression is {decision.defect}", check.describe_point(decision.point["point"]))


def _from_decision(decision: check.Decision, formula: sp.Expr, reference: sp.Expr, *, negated=False,
                   t_min: int = 1) -> Result:
    if negated:
        if decision.status == check.DIFFERS and not decision.defect:
            point = check.describe_point(decision.point["point"])
            return Result("holds", "the two sides differ, e.g. at " + _point_text(point)
                          + f": {decision.point['formula']:.6g} vs {decision.point['reference']:.6g}", point)
        if decision.status == check.HOLDS:
            return Result("false", f"the two sides are equal ({decision.method})")
        return Result("undecided", decision.method)
    if decision.status == check.HOLDS:
        return Result("holds", f"proved by {decision.method}")
    if decision.status == check.DIFFERS:
        only = _only_for_t_ge_2(decision, formula, reference) if t_min == 1 else None
        if only is not None:
            return only
        point = check.describe_point(decision.point["point"])
        text = f"counterexample at {_point_text(point)}: {_values_text(decision.point)}"
        conditions = check.holds_when(formula, reference, t_min=t_min)
        if conditions:
            return Result("holds only when " + " or ".join(conditions), text, point)
        return Result("false", text, point)
    return Result("undecided", decision.method)


def _point_text(point: dict) -> str:
    return ", ".join(f"{k} = {v:.6g}" for k, v in point.items())


def _decide_formula(claim: Claim) -> Result:
    verdict = check.check(claim.target, claim.formula)
    target = check.BY_NAME[claim.target]
    formula, reference = _maybe_relation(symbolic_formula.parse(claim.formula).value, target.expression())
    if verdict.status == check.HOLDS:
        return Result("holds", f"proved by {verdict.method}")
    if verdict.status == check.UNDECIDED:
        return Result("undecided", verdict.method)
    found = {"formula": verdict.formula_value, "reference": verdict.target_value, "defect": verdict.defect}
    if any(h.startswith(f"it agrees with the target for {check.T_GE_2}") for h in verdict.hints):
        return Result("holds only when t >= 2", f"proved for 0 < alpha_bar_(t-1) < 1 (t >= 2); at t = 1 "
                      f"(alpha_bar_0 = 1) the formula is {verdict.defect}", verdict.point)
    text = f"counterexample at {_point_text(verdict.point)}: {_values_text(found)}"
    if verdict.difference:
        text += f"; difference {verdict.difference}"
    repairs = [h for h in verdict.hints if not h.startswith("it agrees with the target")]
    if repairs:
        text += "; " + "; ".join(repairs)
    conditions = check.holds_when(formula, reference, t_min=target.t_min)
    if conditions:
        return Result("holds only when " + " or ".join(conditions), text, verdict.point)
    return Result("false", text, verdict.point)


def _maybe_relation(formula: sp.Expr, reference: sp.Expr) -> tuple[sp.Expr, sp.Expr]:
    data = {symbols.x_0, symbols.x_t, symbols.eps}
    if (formula.free_symbols & data) != (reference.free_symbols & data) and symbols.x_t in (
            (formula.free_symbols | reference.free_symbols) & data):
        return check._forward_relation(formula), check._forward_relation(reference)
    return formula, reference


def _decide_identity(claim: Claim) -> Result:
    lhs, rhs = _side(claim.lhs), _side(claim.rhs)
    decision = check.decide(lhs, rhs, allow_relation=False)
    return _from_decision(decision, lhs, rhs, negated=claim.negated)


def _decide_catalog(claim: Claim) -> Result:
    proof = claim.proof()
    if proof.ok:
        return Result("holds", f"the catalog proves it: {proof.claim} ({proof.method})")
    parts, seen = [], set()
    for p in proof.failures():     # one line per distinct reason (symbolic T and T = 1..10 often agree)
        if p.residual in seen:
            continue
        seen.add(p.residual)
        parts.append(f"{p.status.value}: {p.claim}" + (f": {p.residual}" if p.residual else ""))
    failing = "; ".join(parts)
    return Result("false" if proof.status.value == "refuted" else "undecided", failing)


def _t_values(claim: Claim, T: int) -> list[int]:
    first, last = claim.t_range
    return list(range(first, last + T + 1)) if last <= 0 else list(range(first, last + 1))


def _decide_indexing(claim: Claim, T: int = 50) -> Result:
    """Range, consistency and labelling of ``tensor[t + shift]`` reads for every sampled t."""
    problems, shifts = [], set()
    steps = set()
    for t in _t_values(claim, T):
        for read in claim.reads:
            index = t + read.shift
            length = T if read.zero_based else T + 1
            if not 0 <= index < length:
                problems.append(f"t = {t}: {read.tensor}[{index}] is out of range for a tensor of length "
                                f"{length} (IndexError)")
                continue
            paper = index + (1 if read.zero_based else 0)
            offset = paper - (t + read.meant)
            shifts.add(offset)
            steps.add(t + offset)
    if problems:
        shifted = [f"t{s:+d}" for s in sorted(shifts) if s]
        return Result("false", problems[0] + (f" (and {len(problems) - 1} more)" if len(problems) > 1 else "")
                      + (f"; the reads in range fetch the quantities of paper step {', '.join(shifted)}, "
                         "not t" if shifted else ""), {"T": T, "t": int(problems[0].split(":")[0][4:])})
    if len(shifts) > 1:
        return Result("false", f"the reads disagree: they fetch quantities of different paper steps "
                      f"(offsets {sorted(shifts)})", {"T": T})
    offset = shifts.pop()
    missing = sorted(set(range(1, T + 1)) - steps)
    coverage = (f"; paper steps {_ranges(missing)} are never used" if missing else "")
    if offset == 0:
        return Result("holds", f"every read is in range and is the quantity of paper step t (T = {T}){coverage}")
    return Result(f"holds only when its t is read as paper step t{offset:+d}",
                  f"every read is in range and consistent, but fetches the quantities of paper step "
                  f"t{offset:+d} (the tensors are 0-based: index i holds step i + 1){coverage}", {"T": T})


def _ranges(steps: list[int]) -> str:
    if not steps:
        return ""
    return f"{steps[0]}" if len(steps) == 1 else f"{steps[0]}..{steps[-1]}" if steps == list(
        range(steps[0], steps[-1] + 1)) else ", ".join(map(str, steps))


# ---------------------------------------------------------------------------------------------
# Schedule statements (numeric: the schedule tables come from numeric/, the formulas from the
# proved symbolic expressions lambdified at float64).

def _schedules():
    from numeric import NoiseSchedule
    return {"the lab's linear T=50 (1e-4..0.02)": NoiseSchedule.linear(50, 1e-4, 0.02),
            "DDPM linear T=1000": NoiseSchedule.linear(1000),
            "cosine T=1000": NoiseSchedule.cosine(1000)}


PRIOR_KL_SMALL = 0.01   # nats per coordinate: what "approximately zero" is taken to mean


def _prior_kl_small() -> Result:
    f = sp.lambdify((symbols.alpha_bar_T, symbols.x_0), kl.prior_kl(), "math")
    good, bad = [], []
    for name, schedule in _schedules().items():
        alpha_bar_T = float(schedule.float64("alpha_bar")[schedule.T])
        value = f(alpha_bar_T, 1.0)        # unit-variance data: E[x_0^2] = 1 per coordinate
        (good if value < PRIOR_KL_SMALL else bad).append(f"{name}: alpha_bar_T = {alpha_bar_T:.3g}, "
                                                         f"KL = {value:.3g} nats/coordinate")
    detail = ("; ".join(bad + good) + f" (unit-variance data; 'approximately zero' taken as < {PRIOR_KL_SMALL} "
              "nats per coordinate)")
    if not bad:
        return Result("holds", detail)
    if not good:
        return Result("false", detail)
    return Result("holds only when alpha_bar_T is near 0 (e.g. T = 1000)", detail,
                  {"schedule": "linear T=50", "KL": float(bad[0].split("KL = ")[1].split()[0])})


def _weights_trend() -> Result:
    w0, wt = (sp.lambdify((symbols.alpha_t, symbols.alpha_bar_prev), w, "math") for w in posterior.interpolation_weights())
    schedule = _schedules()["DDPM linear T=1000"]
    alpha, alpha_bar = schedule.float64("alpha"), schedule.float64("alpha_bar")
    early = (w0(float(alpha[1]), float(alpha_bar[0])), wt(float(alpha[1]), float(alpha_bar[0])))
    T = schedule.T
    late = (w0(float(alpha[T]), float(alpha_bar[T - 1])), wt(float(alpha[T]), float(alpha_bar[T - 1])))
    # The statement: early (small t) the weight is on x_t, late (large t) on x_0.
    if early[1] > early[0] and late[0] > late[1]:
        return Result("holds", f"t = 1: w_0 = {early[0]:.3g}, w_t = {early[1]:.3g}; t = T: w_0 = {late[0]:.3g}, "
                      f"w_t = {late[1]:.3g}")
    exact = [sp.simplify(w.subs(symbols.alpha_bar_prev, 1)) for w in posterior.interpolation_weights()]
    return Result("false", f"it is the other way round: at t = 1, exactly w_0 = {exact[0]} and w_t = {exact[1]} "
                  f"(alpha_bar_0 = 1); at t = T = {T} (DDPM linear) w_0 = {late[0]:.3g} and w_t = {late[1]:.3g}. "
                  "Early steps rely on x_0, late steps on x_t", {"t": 1, "w_0": 1.0, "w_t": 0.0})


def _test_data_clusters() -> Result:
    """The notebook's create_diffusion_test_data, reproduced (layout="ring"): where do its 'clusters' lie?"""
    import torch
    from numeric.lab.lab4 import create_diffusion_test_data
    data = create_diffusion_test_data(3000, layout="ring", generator=torch.Generator().manual_seed(0), device="cpu",
                                      dtype=torch.float64)
    means = [cluster.mean(0) for cluster in data.split(1000)]
    spread = [float(cluster.norm(dim=1).mean()) for cluster in data.split(1000)]
    if all(float(m.norm()) > 1.5 for m in means):
        return Result("holds", "each third of the points is centred near radius 2")
    return Result("false", "each 'cluster' is 2(cos t, sin t) + noise over the full circle t in [0, 2 pi], so all three "
                  f"lie on one ring of radius 2 (mean radius {min(spread):.2f}-{max(spread):.2f}; cluster means "
                  f"{', '.join(f'({float(m[0]):+.2f}, {float(m[1]):+.2f})' for m in means)}, all near 0); "
                  "numeric.lab.lab4.create_diffusion_test_data builds the three clusters the comment describes",
                  {"cluster_mean_norm": max(float(m.norm()) for m in means)})


def _marginal_estimator() -> Result:
    """E_q[p(x_{0:T})] against p(x_0) for T = 1, d = 1: p(x_1) = N(0, 1), p(x_0|x_1) = N(x_1, 1),
    so p(x_0) = N(0, 2); q(x_1|x_0) = N(sqrt(1 - beta) x_0, beta).  Both integrated to 30 digits."""
    import mpmath
    mpmath.mp.dps = 30
    beta, x0 = mpmath.mpf("0.5"), mpmath.mpf(1)

    def normal(x, mean, var):
        return mpmath.exp(-(x - mean) ** 2 / (2 * var)) / mpmath.sqrt(2 * mpmath.pi * var)

    notebook = mpmath.quad(lambda x1: normal(x1, mpmath.sqrt(1 - beta) * x0, beta) * normal(x1, 0, 1)
                           * normal(x0, x1, 1), [-mpmath.inf, mpmath.inf])
    weighted = mpmath.quad(lambda x1: normal(x1, 0, 1) * normal(x0, x1, 1), [-mpmath.inf, mpmath.inf])
    exact = normal(x0, 0, 2)
    if abs(weighted - exact) > mpmath.mpf(10) ** -20:      # the importance-weighted form must hold
        return Result("undecided", f"quadrature disagrees with the closed form: {weighted} vs {exact}")
    if abs(notebook - exact) < mpmath.mpf(10) ** -20:
        return Result("holds", "E_q[p(x_{0:T})] = p(x_0) at the test point")
    return Result("false", f"T = 1, p(x_1) = N(0,1), p(x_0|x_1) = N(x_1,1), q(x_1|x_0) = N(sqrt(0.5) x_0, 0.5), x_0 = 1: "
                  f"E_q[p(x_0, x_1)] = {mpmath.nstr(notebook, 8)} but p(x_0) = {mpmath.nstr(exact, 8)}; the weight "
                  "1/q(x_{1:T}|x_0) is missing: p(x_0) = E_q[p(x_{0:T}) / q(x_{1:T}|x_0)]",
                  {"E_q[p]": float(notebook), "p(x_0)": float(exact)})


# ---------------------------------------------------------------------------------------------
# The claims.

def _bayes_lhs() -> sp.Expr:
    return gaussian.gaussian_log_density(symbols.x_prev, posterior.posterior_mean(), posterior.posterior_variance())


def _bayes_rhs() -> sp.Expr:
    return (gaussian.gaussian_log_density(symbols.x_t, forward.forward_step_mean(symbols.x_prev), forward.forward_step_variance())
            + gaussian.gaussian_log_density(symbols.x_prev, forward.forward_jump_mean(symbols.x_0, symbols.alpha_bar_prev),
                                      forward.forward_jump_variance(symbols.alpha_bar_prev))
            - gaussian.gaussian_log_density(symbols.x_t, forward.forward_jump_mean(symbols.x_0), forward.forward_jump_variance()))


def _elbo_reconstruction_minus_kl() -> sp.Expr:
    reconstruction = gaussian.expectation(gaussian.gaussian_log_density(symbols.x, elbo.lg_a * elbo.z + elbo.lg_b, elbo.lg_s2),
                                    elbo.z, elbo.lg_m, elbo.lg_v)
    return reconstruction - kl.gaussian_kl(elbo.lg_m, elbo.lg_v, 0, 1)


def _log_evidence_minus_prior_kl() -> sp.Expr:
    return elbo.linear_gaussian_log_evidence() - kl.gaussian_kl(elbo.lg_m, elbo.lg_v, 0, 1)


def _three_forces_as_written(low: int) -> Proof:
    """The sheet's three-forces ELBO as it is written: the denoising KLs under no expectation.

    Each KL(q(x_{t-1}|x_t,x_0) || p_theta(x_{t-1}|x_t)) is a function of x_t, a random variable,
    while the ELBO is a number (given x_0): the equation needs E_{q(x_t|x_0)} around each KL.
    Compared with the three-forces form the catalog proves equal to the ELBO (``elbo_kl_form``),
    by the same unwrapping of expectations, which names what is missing.  ``low``: the first t of
    the sum (where the sheet writes no limits, the most favourable reading, t = 2).
    """
    t, T = elbo.t, elbo.T
    written = (elbo.E(sp.log(elbo.p_theta(1)), elbo.q_jump(1)) - elbo.KL(elbo.q_jump(T), elbo.p_prior(T))
               - sp.Sum(elbo.KL(elbo.q_post(t), elbo.p_theta(t)), (t, low, T)))
    return elbo.prove_lines(elbo.step("elbo_kl_form").rhs, written, claim=f"ELBO = {sp.sstr(written)}")


_THREE_FORCES_FIXED = ("the corrected reading, ELBO = E_q(x_1|x_0)[log p_theta(x_0|x_1)] - KL(q(x_T|x_0)||p(x_T)) - "
                       "Σ_{t=2}^T E_q(x_t|x_0)[KL(q(x_{t-1}|x_t,x_0)||p_theta(x_{t-1}|x_t))] (Ho et al. eq. 5), "
                       "is proved: the catalog's elbo_kl_form")

_BAYES = "log q(x_{t-1}|x_t,x_0) = log q(x_t|x_{t-1}) + log q(x_{t-1}|x_0) - log q(x_t|x_0), Gaussian densities"
_LG = ("decided in the linear-Gaussian model z ~ N(0,1), x|z ~ N(a z + b, s^2), q(z|x) = N(m, v); "
       "a false statement needs only this one model")
_ZERO_BASED = "create_noise_schedule: tensors of length T, index i = paper step i + 1"

CLAIMS: tuple[Claim, ...] = (
    # -- Lab 4 assignment sheet -------------------------------------------------------------
    Claim("lab4-sheet-step1-reverse", LAB4_SHEET, "Key Mathematical Insights > Step 1 - Strategic Separation",
          "log p(x0:T) = log p(xT) + log p(x0|x1) + Σ log p(x_{t-1}|x_t)", "catalog",
          proof=elbo.prove_elbo_separation, note="the sum runs over t = 2..T (not written in the source)"),
    Claim("lab4-sheet-step1-forward", LAB4_SHEET, "Key Mathematical Insights > Step 1 - Strategic Separation",
          "log q(x1:T|x0) = Σ log q(x_t|x_{t-1})", "catalog", proof=elbo.prove_elbo_factorization),
    Claim("lab4-sheet-step3-bayes", LAB4_SHEET, "Key Mathematical Insights > Step 3 - Bayes Rule Magic",
          "q(x_{t-1}|x_t, x0) = q(x_t|x_{t-1}) q(x_{t-1}|x0) / q(x_t|x0)", "identity",
          lhs=_bayes_lhs, rhs=_bayes_rhs, note=_BAYES),
    Claim("lab4-sheet-step4-three-forces", LAB4_SHEET, "Key Mathematical Insights > Step 4 - Three Forces",
          "ELBO = E[log p(x0|x1)] - KL(q(xT|x0)||p(xT)) - Σ KL(q(x_{t-1}|x_t,x0)||p_θ(x_{t-1}|x_t))", "catalog",
          proof=lambda: _three_forces_as_written(2),
          note="decided as written: no expectation over x_t around the KLs, and no limits on the sum (read as "
               "t = 2..T, the only reading that could hold); " + _THREE_FORCES_FIXED),
    Claim("lab4-sheet-interpolation", LAB4_SHEET, "Key Mathematical Insights > The Optimal Interpolation Formula",
          "μ̃_t(x_t, x0) = (√ᾱ_{t-1} β_t)/(1-ᾱ_t) * x0 + (√α_t (1-ᾱ_{t-1}))/(1-ᾱ_t) * x_t", "formula",
          target="posterior_mean",
          formula="sqrt(alpha_bar_prev) beta_t/(1-alpha_bar_t) x_0 + sqrt(alpha_t)(1-alpha_bar_prev)/(1-alpha_bar_t) x_t"),
    Claim("lab4-sheet-noise-prediction", LAB4_SHEET, "Key Mathematical Insights > The Noise Prediction Breakthrough",
          "μ̃_t(x_t, ε) = (1/√α_t) * (x_t - (1-α_t)/√(1-ᾱ_t) * ε)", "formula", target="eps_mean",
          formula="1/sqrt(alpha_t) (x_t - (1-alpha_t)/sqrt(1-alpha_bar_t) eps)"),
    Claim("lab4-sheet-ref-jump-mean", LAB4_SHEET, "Mathematical Reference > Forward Process Jump",
          "q(x_t | x_0) = N(x_t; √ᾱ_t x_0, (1-ᾱ_t)I): the mean", "formula", target="forward_jump_mean",
          formula=r"\sqrt{\bar\alpha_t} x_0"),
    Claim("lab4-sheet-ref-jump-variance", LAB4_SHEET, "Mathematical Reference > Forward Process Jump",
          "q(x_t | x_0) = N(x_t; √ᾱ_t x_0, (1-ᾱ_t)I): the variance", "formula", target="forward_jump_variance",
          formula=r"(1-\bar\alpha_t)\mathbf{I}"),
    Claim("lab4-sheet-ref-reverse-mean", LAB4_SHEET, "Mathematical Reference > Optimal Reverse Mean",
          "μ̃_t = (√ᾱ_{t-1} β_t x_0 + √α_t (1-ᾱ_{t-1}) x_t) / (1-ᾱ_t)", "formula", target="posterior_mean",
          formula=r"\frac{\sqrt{\bar\alpha_{t-1}}\beta_t x_0 + \sqrt{\alpha_t}(1-\bar\alpha_{t-1}) x_t}{1-\bar\alpha_t}"),
    Claim("lab4-sheet-ref-reverse-variance", LAB4_SHEET, "Mathematical Reference > Optimal Reverse Variance",
          "σ̃²_t = (1-ᾱ_{t-1})/(1-ᾱ_t) * β_t", "formula", target="posterior_variance",
          formula=r"\tilde\sigma^2_t = \frac{1-\bar\alpha_{t-1}}{1-\bar\alpha_t} \beta_t"),
    Claim("lab4-sheet-ref-jump-sample", LAB4_SHEET, "Mathematical Reference > Noise Reparameterization",
          "x_t = √ᾱ_t x_0 + √(1-ᾱ_t) ε", "catalog", proof=forward.prove_forward_jump,
          note="a sample of q(x_t|x_0) = N(sqrt(alpha_bar_t) x_0, 1 - alpha_bar_t), composed from the steps"),
    Claim("lab4-sheet-ref-eps-mean", LAB4_SHEET, "Mathematical Reference > Noise Reparameterization",
          "μ̃_t = (x_t - √(1-ᾱ_t) ε) / √α_t - (1-α_t)/√α_t√(1-ᾱ_t) ε", "formula", target="eps_mean",
          formula="(x_t - sqrt(1-alpha_bar_t) eps)/sqrt(alpha_t) - (1-alpha_t)/(sqrt(alpha_t) sqrt(1-alpha_bar_t)) eps",
          note="read with the last fraction as (1-α_t)/(√α_t √(1-ᾱ_t)); the other reading, "
               "(1-α_t)/√α_t · √(1-ᾱ_t), is false too"),
    Claim("lab4-sheet-ref-three-forces", LAB4_SHEET, "Mathematical Reference > Three Forces ELBO",
          "ELBO = E[log p(x_0|x_1)] - KL(q(x_T|x_0)||p(x_T)) - Σ_{t=2}^T KL(q(x_{t-1}|x_t,x_0)||p_θ(x_{t-1}|x_t))",
          "catalog", proof=lambda: _three_forces_as_written(2),
          note="decided as written: no expectation over x_t around the KLs; " + _THREE_FORCES_FIXED),
    # -- Lab 4 notebook ----------------------------------------------------------------------
    Claim("lab4-test-data-clusters", LAB4, "Part 1 > create_diffusion_test_data",
          "Create a more complex distribution - mixture of Gaussians ... Three clusters in a triangle formation",
          "code", evaluate=_test_data_clusters, note="the code run as written (numeric.lab.lab4, layout='ring')"),
    Claim("lab4-marginal-estimator", LAB4, "Task 2.1 > SequentialLikelihoodDemo.marginal_likelihood_approximation",
          "p(x_0) = ∫ p(x_{0:T}) dx_{1:T} ≈ (1/K) Σ p(x_{0:T}^{(k)}) where x_{1:T}^{(k)} ~ q(x_{1:T}|x_0)", "code",
          evaluate=_marginal_estimator, note="decided on a one-step linear-Gaussian model by 30-digit quadrature"),
    Claim("lab4-weights-insight", LAB4, "Task 3.2 > demonstrate_interpolation_weights (printed insights)",
          "Early timesteps: Trust noisy observation more (small corruption); Late timesteps: Trust clean target "
          "more (heavy corruption)", "schedule", evaluate=_weights_trend),
    Claim("lab4-forward-step", LAB4, "Task 2.1 > SequentialLikelihoodDemo.forward_step",
          "q(x_t | x_{t-1}) = N(x_t; √α_t x_{t-1}, β_t I): the mean", "formula", target="forward_step_mean",
          formula=r"\sqrt{\alpha_t} x_{t-1}"),
    Claim("lab4-marginal-loop-indexing", LAB4, "Task 2.1 > SequentialLikelihoodDemo.marginal_likelihood_approximation",
          "for t in range(T, 0, -1): trajectory[t], trajectory[t-1], reverse_model[t-1]", "indexing",
          reads=(Read("trajectory", 0, 0, False), Read("trajectory", -1, -1, False),
                 Read("reverse_model", -1, 0, True)), t_range=(1, 0),
          note="trajectory = [x_0, ..., x_T] (length T+1); reverse_model has T entries, entry t-1 for step t"),
    Claim("lab4-weights-sum", LAB4, "Task 3.2 > TractableReverseDistribution.optimal_reverse_mean",
          "Verify coefficients sum to 1 (weighted average); 'Weights always sum to 1 (perfect interpolation)'",
          "formula", target="interpolation_weight_sum", formula="1"),
    Claim("lab4-weights-plot-indexing", LAB4, "Task 3.2 > demonstrate_interpolation_weights",
          "timesteps = torch.arange(1, T); alphas[t], alphas_cumprod[t], alphas_cumprod[t-1], betas[t], "
          "plotted against 'Timestep t'", "indexing",
          reads=(Read("alphas", 0, 0, True), Read("alphas_cumprod", 0, 0, True),
                 Read("alphas_cumprod", -1, -1, True), Read("betas", 0, 0, True)), t_range=(1, -1),
          note=_ZERO_BASED),
    Claim("lab4-solve-x0", LAB4, "Task 4.1 > NoisePredictionReparameterization.solve_for_x0",
          "x_0 = (x_t - √(1-ᾱ_t) * ε) / √ᾱ_t", "formula", target="x0_from_eps",
          formula="(x_t - sqrt(1-alpha_bar_t) eps)/sqrt(alpha_bar_t)"),
    Claim("lab4-prior-near-zero", LAB4, "Task 5.1 > ThreeForcesAnalysis.compute_prior_matching_term",
          "Should be ≈ 0 for well-designed noise schedules! ... Beautiful insight: Should be ≈ 0 by design!",
          "schedule", evaluate=_prior_kl_small, note="the lab runs T = 50 (noise_schedule = create_noise_schedule(T=50))"),
    Claim("lab4-denoising-is-mse", LAB4, "Task 4.2 > demonstrate_elbo_to_practice_connection",
          "Σ KL(q(x_{t-1}|x_t,x_0) || p_θ(x_{t-1}|x_t)) → ||ε - ε_θ(x_t,t)||² (noise prediction)", "formula",
          target="denoising_kl", formula="lambda_t (eps - eps_theta)^2",
          note="read as: each KL is the noise-prediction MSE times an eps-free weight lambda_t"),
    Claim("lab4-quickref-jump", LAB4, "Quick Reference > Forward Process Direct Jump",
          "mean = torch.sqrt(alpha_cumprod_t) * x_0", "formula", target="forward_jump_mean",
          formula="torch.sqrt(alpha_cumprod_t) * x_0"),
    Claim("lab4-quickref-jump-variance", LAB4, "Quick Reference > Forward Process Direct Jump",
          "variance = 1 - alpha_cumprod_t", "formula", target="forward_jump_variance", formula="1 - alpha_cumprod_t"),
    Claim("lab4-quickref-weight-x0", LAB4, "Quick Reference > Optimal Reverse Mean",
          "weight_x0 = (torch.sqrt(alpha_cumprod_t_minus_1) * beta_t) / (1 - alpha_cumprod_t)", "formula",
          target="interpolation_w0", formula="(torch.sqrt(alpha_cumprod_t_minus_1) * beta_t) / (1 - alpha_cumprod_t)"),
    Claim("lab4-quickref-weight-xt", LAB4, "Quick Reference > Optimal Reverse Mean",
          "weight_xt = (torch.sqrt(alpha_t) * (1 - alpha_cumprod_t_minus_1)) / (1 - alpha_cumprod_t)", "formula",
          target="interpolation_wt",
          formula="(torch.sqrt(alpha_t) * (1 - alpha_cumprod_t_minus_1)) / (1 - alpha_cumprod_t)"),
    Claim("lab4-quickref-eps-mean", LAB4, "Quick Reference > Noise Reparameterization",
          "coeff = (1 - alpha_t) / torch.sqrt(1 - alpha_cumprod_t); optimal_mean = (x_t - coeff * epsilon) / "
          "torch.sqrt(alpha_t)", "formula", target="eps_mean",
          formula="(x_t - (1 - alpha_t) / torch.sqrt(1 - alpha_cumprod_t) * epsilon) / torch.sqrt(alpha_t)"),
    Claim("lab4-quickref-variance", LAB4, "Quick Reference > Optimal Reverse Variance",
          "optimal_variance = ((1 - alpha_cumprod_t_minus_1) / (1 - alpha_cumprod_t)) * beta_t", "formula",
          target="posterior_variance", formula="((1 - alpha_cumprod_t_minus_1) / (1 - alpha_cumprod_t)) * beta_t"),
    Claim("lab4-quickref-loss-indexing", LAB4, "Quick Reference > Simple Training Loss",
          "t = torch.randint(1, T+1, (batch_size,)); x_t = torch.sqrt(alpha_cumprod[t]) * x_0 + "
          "torch.sqrt(1 - alpha_cumprod[t]) * epsilon", "indexing",
          reads=(Read("alpha_cumprod", 0, 0, True),), t_range=(1, 0), note=_ZERO_BASED),
    Claim("lab4-debug-tip-indexing", LAB4, "Common Implementation Issues > Index Confusion",
          "Python indexing: alphas[t] corresponds to timestep t (1-indexed mathematically); noise schedule "
          "tensors: shape (T,)", "indexing", reads=(Read("alphas", 0, 0, True),), t_range=(1, 0),
          note="t = 1..T indexing a tensor of shape (T,)"),
    # -- Lab 3 assignment sheet --------------------------------------------------------------
    Claim("lab3-gaussian-log-likelihood", LAB3, "Mathematical Reference > Gaussian Log-Likelihood",
          "log p(x|z) = -0.5 * [log(2π) + log(σ²) + (x-μ)²/σ²]", "formula", target="gaussian_log_density",
          formula="-0.5*(log(2*pi) + log(sigma^2) + (x-mu)^2/sigma^2)"),
    Claim("lab3-gaussian-kl", LAB3, "Mathematical Reference > KL Divergence (Gaussians)",
          "KL(N(μ₁,σ₁²) || N(μ₂,σ₂²)) = log(σ₂/σ₁) + (σ₁² + (μ₁-μ₂)²)/(2σ₂²) - 0.5", "formula", target="gaussian_kl",
          formula="log(sigma_2/sigma_1) + (sigma_1^2 + (mu_1-mu_2)^2)/(2 sigma_2^2) - 0.5"),
    Claim("lab3-standard-normal-kl", LAB3, "Mathematical Reference > KL to Standard Normal",
          "KL(N(μ,σ²) || N(0,I)) = 0.5 * Σ[μ² + σ² - 1 - log(σ²)]", "formula", target="standard_normal_kl",
          formula="0.5*(mu^2 + sigma^2 - 1 - log(sigma^2))", note="per coordinate (the Σ runs over coordinates)"),
    Claim("lab3-reparameterization", LAB3, "Mathematical Reference > Reparameterization",
          "z = μ + σ * ε, where ε ~ N(0,I) and σ = exp(0.5 * logvar)", "identity",
          lhs="exp(0.5*log(var))", rhs="sqrt(var)", note="logvar = log σ², so σ = exp(logvar/2)"),
    Claim("lab3-kl-asymmetry", LAB3, "Key Mathematical Insights > KL Divergence Asymmetry",
          "KL(p||q) ≠ KL(q||p)", "identity", lhs="kl_normal(mu_1, var_1, mu_2, var_2)",
          rhs="kl_normal(mu_2, var_2, mu_1, var_1)", negated=True, note="shown for Gaussians p, q"),
    Claim("lab3-elbo-bound", LAB3, "Mathematical Reference > ELBO",
          "log p(x) ≥ E_q[log p(x|z)] - KL(q(z|x) || p(z))", "catalog", proof=elbo.prove_elbo_gap,
          note="log p(x) - ELBO = KL(q(z|x) || p(z|x)) >= 0"),
    # -- Notes ------------------------------------------------------------------------------------
    Claim("notes-elbo-gap", NOTES, "Part 1: ELBO > Complete ELBO Derivation, Step 4",
          "log p(x) = ELBO + KL(q(z|x) || p(z|x))", "catalog", proof=elbo.prove_elbo_gap),
    Claim("notes-elbo-reconstruction-kl", NOTES, "Part 1: ELBO > Formula",
          "ELBO = E_q(z|x)[log p(x|z)] - KL(q(z|x) || p(z))", "identity",
          lhs=elbo.linear_gaussian_elbo, rhs=_elbo_reconstruction_minus_kl, note=_LG),
    Claim("notes-three-ways-3", NOTES, "Part 1: ELBO > Three Ways to Write ELBO, 3.",
          "ELBO = log p(x) - KL(q(z|x) || p(z))", "identity",
          lhs=elbo.linear_gaussian_elbo, rhs=_log_evidence_minus_prior_kl,
          note=_LG + "; the correct form is log p(x) - KL(q(z|x) || p(z|x))"),
    Claim("notes-forward-step", NOTES, "Part 2 > Full ELBO Decomposition, Step 1",
          "q(x_t|x_{t-1}) = N(x_t; √(1-β_t)x_{t-1}, β_t I): the mean", "formula", target="forward_step_mean",
          formula="sqrt(1-beta_t) x_prev"),
    Claim("notes-posterior-mean", NOTES, "Part 2 > Full ELBO Decomposition, Step 4",
          "μ̃_t = (√ᾱ_{t-1} β_t)/(1-ᾱ_t) x_0 + (√α_t(1-ᾱ_{t-1}))/(1-ᾱ_t) x_t", "formula", target="posterior_mean",
          formula="sqrt(alpha_bar_prev) beta_t/(1-alpha_bar_t) x_0 + sqrt(alpha_t)(1-alpha_bar_prev)/(1-alpha_bar_t) x_t"),
    Claim("notes-posterior-variance", NOTES, "Part 2 > Full ELBO Decomposition, Step 4",
          "β̃_t = (1-ᾱ_{t-1})/(1-ᾱ_t) β_t", "formula", target="posterior_variance",
          formula="(1-alpha_bar_prev)/(1-alpha_bar_t) beta_t"),
    Claim("notes-x0", NOTES, "Part 2 > Full ELBO Decomposition, Step 6",
          "x_0 = (x_t - √(1-ᾱ_t) ε) / √ᾱ_t", "formula", target="x0_from_eps",
          formula="(x_t - sqrt(1-alpha_bar_t) eps)/sqrt(alpha_bar_t)"),
    Claim("notes-denoising-proportional", NOTES, "Part 2 > Full ELBO Decomposition, Step 6",
          "L_{t-1} ∝ ||ε - ε_θ(x_t, t)||²", "formula", target="denoising_kl", formula="lambda_t (eps - eps_theta)^2",
          note="∝ read as: equal to the MSE times the eps-free weight lambda_t"),
    Claim("notes-score", NOTES, "Part 2 > Why This Works",
          "∇_x log p(x_t) ≈ -ε_θ(x_t,t) / √(1-ᾱ_t)", "formula", target="score", formula="-eps/sqrt(1-alpha_bar_t)",
          note="exact for the score of q(x_t|x_0) with the true eps; eps_theta approximates it"),
    Claim("notes-sampler-mean", NOTES, "Part 2 > Training Code (Simplified), sample()",
          "mean = (1 / torch.sqrt(alpha)) * (x - (beta / torch.sqrt(1 - alpha_bar)) * epsilon_pred)", "formula",
          target="eps_mean", formula="(1/sqrt(alpha_t)) (x_t - (beta_t/sqrt(1-alpha_bar_t)) eps)"),
    Claim("notes-code-indexing", NOTES, "Part 2 > Training Code (Simplified)",
          "t = torch.randint(0, T); alpha_bar[t]; sampling: for t in reversed(range(T)): alpha[t], alpha_bar[t], "
          "beta[t]; noise added except at t = 0", "indexing",
          reads=(Read("alpha", 0, 0, True), Read("alpha_bar", 0, 0, True), Read("beta", 0, 0, True)),
          t_range=(0, -1), note="the sampler's 'no noise at t = 0' fixes the arrays as 0-based, length T"),
    # -- Lecture ----------------------------------------------------------------------------------
    Claim("lecture-factorization", LECTURE, "Telescoping the Logarithm, eqs. (1)-(2)",
          "L = E_q[log p(x_T) + Σ_{t=1}^T log p_θ(x_{t-1}|x_t) - Σ_{t=1}^T log q(x_t|x_{t-1})]", "catalog",
          proof=elbo.prove_elbo_factorization),
    Claim("lecture-separation", LECTURE, "Homework Problem 1, Part B, eqs. (3)-(4)",
          "L = E[log p(x_T)] + E[log p_θ(x_0|x_1)] + E[Σ_{t=2}^T log p_θ(x_{t-1}|x_t) - Σ_{t=1}^T log q(x_t|x_{t-1})]",
          "catalog", proof=elbo.prove_elbo_separation),
    Claim("lecture-reindexing", LECTURE, "Homework Problem 1, Part B",
          "split off log q(x_T|x_{T-1}), reindex the forward sum: both sums run from t = 2 to T", "catalog",
          proof=elbo.prove_elbo_reindexing),
    Claim("lecture-bayes", LECTURE, "Homework Problem 1, Part C",
          "q(x_{t-1}|x_t, x_0) = q(x_t|x_{t-1}) q(x_{t-1}|x_0) / q(x_t|x_0)", "identity",
          lhs=_bayes_lhs, rhs=_bayes_rhs, note=_BAYES),
    Claim("lecture-kl-form", LECTURE, "Homework Problem 1, Part D, eqs. (5)-(7); The ELBO Decomposition, (8)-(10)",
          "L = E_q(x_1|x_0)[log p_θ(x_0|x_1)] - D_KL(q(x_T|x_0) || p(x_T)) - Σ_{t=2}^T E_q(x_t|x_0)"
          "[D_KL(q(x_{t-1}|x_t,x_0) || p_θ(x_{t-1}|x_t))]", "catalog", proof=elbo.prove_elbo_kl_form),
    Claim("lecture-prior-near-zero", LECTURE, "Force 2: Prior Matching; Homework Problem 2, Part B",
          "This is approximately zero by design!", "schedule", evaluate=_prior_kl_small),
    Claim("lecture-posterior-mean", LECTURE, "The remarkable property..., eq. (11)",
          r"\tilde\mu_t = \frac{\sqrt{\bar\alpha_{t-1}}\beta_t}{1-\bar\alpha_t} x_0 + "
          r"\frac{\sqrt{\alpha_t}(1-\bar\alpha_{t-1})}{1-\bar\alpha_t} x_t", "formula", target="posterior_mean",
          formula=r"\tilde{\boldsymbol{\mu}}_t(\mathbf{x}_t, \mathbf{x}_0) = \frac{\sqrt{\bar{\alpha}_{t-1}}\beta_t}"
                  r"{1 - \bar{\alpha}_t}\mathbf{x}_0 + \frac{\sqrt{\alpha_t}(1 - \bar{\alpha}_{t-1})}"
                  r"{1 - \bar{\alpha}_t}\mathbf{x}_t"),
    Claim("lecture-posterior-variance", LECTURE, "The remarkable property..., eq. (12)",
          r"\tilde\sigma_t^2 = \frac{1-\bar\alpha_{t-1}}{1-\bar\alpha_t}\beta_t", "formula", target="posterior_variance",
          formula=r"\tilde{\sigma}_t^2 = \frac{1 - \bar{\alpha}_{t-1}}{1 - \bar{\alpha}_t}\beta_t"),
    Claim("lecture-weights-trend", LECTURE, "Why this is amazing; Understanding the Optimal Mean",
          "As t increases the formula relies more heavily on the clean target x_0 and less on x_t; early "
          "timesteps: high weight on x_t, late timesteps: high weight on x_0", "schedule", evaluate=_weights_trend),
    Claim("lecture-weights-sum", LECTURE, "Understanding the Optimal Mean",
          "Always sums to 1: Perfect weighted average!", "formula", target="interpolation_weight_sum",
          formula="w_0 + w_t = 1"),
    Claim("lecture-x0", LECTURE, "Recall the forward jump formula",
          r"\mathbf{x}_0 = \frac{1}{\sqrt{\bar{\alpha}_t}} (\mathbf{x}_t - \sqrt{1 - \bar{\alpha}_t} \epsilon_t)",
          "formula", target="x0_from_eps",
          formula=r"\frac{1}{\sqrt{\bar{\alpha}_t}} (\mathbf{x}_t - \sqrt{1 - \bar{\alpha}_t} \epsilon_t)"),
    Claim("lecture-eps-mean", LECTURE, "Substituting into optimal mean; Homework Problem 3, Part A",
          r"\tilde\mu_t(x_t, \epsilon_t) = \frac{1}{\sqrt{\alpha_t}}(x_t - \frac{1-\alpha_t}{\sqrt{1-\bar\alpha_t}}\epsilon_t)",
          "formula", target="eps_mean",
          formula=r"\frac{1}{\sqrt{\alpha_t}} \left( \mathbf{x}_t - \frac{1 - \alpha_t}{\sqrt{1 - \bar{\alpha}_t}} "
                  r"\epsilon_t \right)"),
    Claim("lecture-kl-mse-same-variance", LECTURE, "Homework Problem 3, Part B",
          "Show how this [KL] reduces to MSE when both distributions are Gaussian with the same variance", "formula",
          target="denoising_kl", formula="lambda_t (eps - eps_theta)^2",
          note="'the same variance': sigma_t^2 of p_theta equal to beta_tilde_t of q"),
    Claim("lecture-forward-step", LECTURE, "Homework Problem 1 (generative model and forward process)",
          "q(x_{1:T}|x_0) = Π_{t=1}^T q(x_t|x_{t-1})", "catalog", proof=elbo.prove_elbo_factorization),
)

BY_ID = {c.id: c for c in CLAIMS}


def audit_claim(claim: Claim) -> Result:
    start = time.perf_counter()
    decide = {"formula": _decide_formula, "identity": _decide_identity, "catalog": _decide_catalog,
              "indexing": _decide_indexing, "schedule": lambda c: c.evaluate(),
              "code": lambda c: c.evaluate()}[claim.kind]
    result = decide(claim)
    result.claim, result.seconds = claim, time.perf_counter() - start
    return result


def audit(claims: tuple[Claim, ...] = CLAIMS) -> list[Result]:
    return [audit_claim(c) for c in claims]


# -- the command ----------------------------------------------------------------------------------

def parser() -> Parser:
    """The ``claims`` command's options."""
    p = Parser(prog="python -m crosscheck claims",
               description="Audit the course material bundled with crosscheck (the Lab 3 and Lab 4 assignment "
                           "sheets, the Lab 4 notebook, the ELBO notes and the Lecture 4 slides, transcribed in "
                           "crosscheck.commands.claims): every checkable statement with its source and a verdict "
                           "(holds, false, holds only when ...). Exit 0 when the audit ran; false statements are "
                           "findings, not errors.")
    p.add_argument("--json", nargs="?", const="-", metavar="FILE",
                   help="the list as JSON, to FILE or (no FILE) to stdout")
    return p


def main(argv: list[str]) -> int:
    """``python -m crosscheck claims``."""
    args = parser().parse_args(argv)
    if args.json is not None:
        check_output_file("--json", args.json)
    results = audit()
    if args.json is not None:
        report = {"claims": [r.as_json() for r in results],
                  "summary": {v: sum(r.category == v for r in results)
                              for v in ("holds", "holds only when", "false", "undecided")}}
        text = json_text(report, indent=2, ensure_ascii=False) + "\n"
        write_json(args.json, text)
        if args.json == STDOUT:
            return 0
    width = max(len(r.verdict) for r in results)
    source = None
    for r in results:
        if r.claim.source != source:
            source = r.claim.source
            print(f"\n{source}")
        print(f"  {r.verdict:<{width}}  {r.claim.id}: {r.claim.statement}")
        print(f"  {'':<{width}}    [{r.claim.section}]")
        if not r.holds:
            print(f"  {'':<{width}}    {r.detail}")
    counts: dict[str, int] = {}
    for r in results:
        counts[r.category] = counts.get(r.category, 0) + 1
    print(f"\n{len(results)} claims: " + ", ".join(f"{n} {k}" for k, n in counts.items())
          + (f"; JSON written to {args.json}" if args.json is not None else ""))
    return 0
