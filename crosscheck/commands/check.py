r"""Is my formula right?  ``python -m crosscheck check TARGET FORMULA`` and its engine.

A formula is compared with a catalog quantity (:data:`TARGETS`).  The verdict is

* **holds** only when ``formula - target`` reduces to exactly 0
  (:func:`symbolic.proof.reduce_to_normal_form`), after writing both in the independent symbols
  with :math:`\beta_t = 1-\alpha_t` and :math:`\bar\alpha_t = \alpha_t\bar\alpha_{t-1}` (and, where
  the formula uses other data symbols than the target, the forward relation
  :math:`x_t = \sqrt{\bar\alpha_t}x_0 + \sqrt{1-\bar\alpha_t}\epsilon`), **and** the formula is
  proved real and defined on the whole domain of the target (:mod:`symbolic.domain`: every log
  argument > 0, every root's base >= 0, every denominator != 0);
* **differs** with a point inside the domain (0 < alpha_t < 1, 0 < alpha_bar_{t-1} <= 1, < 1 for
  targets of t >= 2, variances > 0, data any real) where the two values differ, confirmed at 60
  and 100 significant digits, or where the formula is not real or not defined (confirmed
  exactly: "log of a negative number" at that point);
* **undecided** when neither happens, or the time or memory limit runs out.  Never a pass.

Random points only ever produce counterexamples.  The decision runs in a forked child process
with a hard wall-clock and memory limit (:mod:`crosscheck.engine.limits`).  The module imports no
torch, so a cold ``check`` answers in well under 2 s.
"""

from __future__ import annotations

import math
import random
import time
from dataclasses import dataclass, field
from typing import Callable, Mapping

import sympy as sp

from symbolic import domain as D
from symbolic import forward as SF, gaussian as SG, kl as SK, posterior as SP, score as SS
from symbolic import formula as F
from symbolic import symbols as S
from symbolic.proof import reduce_to_normal_form

from ..engine import limits
from ..engine.limits import CheckTimeout, time_limit

HOLDS, DIFFERS, UNDECIDED = "holds", "differs", "undecided"
DEFAULT_TIMEOUT = 30.0


@dataclass(frozen=True)
class Target:
    """A catalog quantity a formula can be checked against.

    ``statement`` is an equation ``name = expression`` that ``check`` reads back as printed;
    ``lhs`` are the other names a left side may give it (any typographic variant of them is read:
    bold, braces, decorations, arguments); ``remark`` is what the statement does not say.
    """

    name: str
    expression: Callable[[], sp.Expr]
    statement: str
    identity: str
    lhs: tuple[str, ...] = ()
    forbid: tuple[str, ...] = ()
    t_min: int = 1
    remark: str = ""
    pair: tuple[str, str] | None = None     # (mean target, variance target) of a normal distribution
    additive: bool = False                   # a sum over coordinates (a log density, a KL): Σ_j may be read per coordinate

    def accepts(self, keys) -> bool:
        keys = {keys} if isinstance(keys, str) else set(keys)
        return bool(keys & self.lhs_keys())

    def lhs_keys(self) -> set[str]:
        return _lhs_keys(self)


_LHS_KEYS: dict[str, frozenset] = {}


def _lhs_keys(chosen: "Target") -> frozenset:
    if chosen.name not in _LHS_KEYS:
        spellings = (chosen.name, chosen.statement.split(" = ")[0]) + chosen.lhs
        _LHS_KEYS[chosen.name] = frozenset(F.lhs_key(s) for s in spellings)
    return _LHS_KEYS[chosen.name]


_KL = ("KL", "D_KL", r"D_{KL}", r"D_{\mathrm{KL}}", r"\mathrm{KL}", r"\operatorname{KL}")
_KL_QP = tuple(f"{k}(q(x_{{t-1}}|x_t,x_0)||p_theta(x_{{t-1}}|x_t))" for k in ("KL", "D_KL")) + (
    r"D_{\mathrm{KL}}(q(x_{t-1}|x_t,x_0)\|p_\theta(x_{t-1}|x_t))",
    r"D_{KL}(q(x_{t-1}|x_t,x_0)\|p_\theta(x_{t-1}|x_t))", r"L_{t-1}", r"\mathcal{L}_{t-1}", "L_t")
_FORWARD_JUMP = ("q(x_t|x_0)", r"q(\mathbf{x}_t|\mathbf{x}_0)", r"q(x_t \mid x_0)")
_FORWARD_STEP = ("q(x_t|x_{t-1})", r"q(x_t \mid x_{t-1})")
_POSTERIOR = ("q(x_{t-1}|x_t,x_0)", r"q(x_{t-1} \mid x_t, x_0)")

TARGETS: tuple[Target, ...] = (
    Target("gaussian_log_density", lambda: SG.gaussian_log_density(S.x, S.mu, S.var),
           "log N(x; mu, sigma^2) = -(x - mu)^2/(2 sigma^2) - log(2 pi sigma^2)/2", "gaussian_log_density",
           ("log_normal", r"\log\mathcal{N}", r"\log p", "log p", r"\log\mathcal{N}(x;\mu,\sigma^2)", "log p(x)",
            r"\log p(x)", r"\log\mathcal{N}(x|\mu,\sigma^2)"), additive=True),
    Target("gaussian_kl", lambda: SK.gaussian_kl(S.mu_1, S.var_1, S.mu_2, S.var_2),
           "KL(N(mu_1, sigma_1^2) || N(mu_2, sigma_2^2)) = log(sigma_2/sigma_1) + (sigma_1^2 + (mu_1 - mu_2)^2)"
           "/(2 sigma_2^2) - 1/2", "gaussian_kl",
           _KL + (r"D_{\mathrm{KL}}(\mathcal{N}(\mu_1,\sigma_1^2)\|\mathcal{N}(\mu_2,\sigma_2^2))",
                  r"D_{KL}(\mathcal{N}(\mu_1,\sigma_1^2)\|\mathcal{N}(\mu_2,\sigma_2^2))", "KL(p||q)",
                  r"D_{KL}(p\|q)", r"D_{\mathrm{KL}}(p\|q)"), additive=True),
    Target("standard_normal_kl", lambda: SK.standard_normal_kl(S.mu, S.var),
           "KL(N(mu, sigma^2) || N(0, 1)) = (mu^2 + sigma^2 - 1 - log(sigma^2))/2", "standard_normal_kl",
           _KL + (r"D_{\mathrm{KL}}(\mathcal{N}(\mu,\sigma^2)\|\mathcal{N}(0,1))",
                  r"D_{KL}(\mathcal{N}(\mu,\sigma^2)\|\mathcal{N}(0,I))", r"-D_{KL}", r"D_{KL}(q(z|x)\|p(z))",
                  r"D_{KL}(q_\phi(z|x)\|p_\theta(z))", r"D_{KL}(q_{\phi}(\mathbf{z}|\mathbf{x}^{(i)})||p_{\theta}(\mathbf{z}))"), additive=True),
    Target("forward_step_mean", lambda: SF.forward_step_mean(S.x_prev),
           "E[x_t|x_{t-1}] = sqrt(alpha_t) x_{t-1}", "forward_step", _FORWARD_STEP,
           remark="the mean of q(x_t|x_{t-1})", pair=("forward_step_mean", "forward_step_variance")),
    Target("forward_step_variance", SF.forward_step_variance, "Var[x_t|x_{t-1}] = beta_t",
           "forward_step", _FORWARD_STEP, remark="the variance of q(x_t|x_{t-1})",
           pair=("forward_step_mean", "forward_step_variance")),
    Target("forward_jump_mean", lambda: SF.forward_jump_mean(S.x_0),
           "E[x_t|x_0] = sqrt(alpha_bar_t) x_0", "forward_jump", _FORWARD_JUMP,
           remark="the mean of q(x_t|x_0)", pair=("forward_jump_mean", "forward_jump_variance")),
    Target("forward_jump_variance", SF.forward_jump_variance, "Var[x_t|x_0] = 1 - alpha_bar_t",
           "forward_jump", _FORWARD_JUMP, remark="the variance of q(x_t|x_0)",
           pair=("forward_jump_mean", "forward_jump_variance")),
    Target("forward_sample", lambda: SF.forward_jump_mean(S.x_0) + sp.sqrt(SF.forward_jump_variance()) * S.eps,
           "x_t = sqrt(alpha_bar_t) x_0 + sqrt(1 - alpha_bar_t) eps", "forward_jump", ("x_t", "x_noisy", "sample"),
           forbid=("x_t",), remark="a sample of q(x_t|x_0) by the reparameterisation"),
    Target("posterior_mean", SP.posterior_mean,
           "mu_tilde_t = sqrt(alpha_bar_{t-1}) beta_t/(1 - alpha_bar_t) x_0 + sqrt(alpha_t)(1 - alpha_bar_{t-1})"
           "/(1 - alpha_bar_t) x_t", "posterior",
           ("mu_tilde_t", r"\tilde\mu_t", r"\tilde\mu", r"\mu_q", r"\tilde{\boldsymbol{\mu}}_t", "posterior_mean",
            "E[x_{t-1}|x_t,x_0]", r"\mu_q(x_t,x_0)") + _POSTERIOR,
           pair=("posterior_mean", "posterior_variance")),
    Target("posterior_variance", SP.posterior_variance,
           "beta_tilde_t = (1 - alpha_bar_{t-1})/(1 - alpha_bar_t) beta_t", "posterior",
           ("beta_tilde_t", r"\tilde\beta_t", "sigma_tilde_t^2", r"\tilde\sigma_t^2", r"\sigma_q^2", r"\sigma_q^2(t)",
            "posterior_variance", r"\tilde\beta", "Var[x_{t-1}|x_t,x_0]", r"\boldsymbol{\Sigma}_q(t)",
            r"\Sigma_q(t)") + _POSTERIOR,
           pair=("posterior_mean", "posterior_variance")),
    Target("posterior_log_variance", lambda: sp.log(SP.posterior_variance()),
           "log(beta_tilde_t) = log((1 - alpha_bar_{t-1})/(1 - alpha_bar_t) beta_t)", "posterior",
           (r"\log\tilde\beta_t", "posterior_log_variance_clipped", "posterior_log_variance"), t_min=2,
           remark="t >= 2; -inf at t = 1"),
    Target("x0_from_eps", SP.x0_from_eps, "x_0 = (x_t - sqrt(1 - alpha_bar_t) eps)/sqrt(alpha_bar_t)",
           "x0_from_eps", ("x_0", r"\hat x_0", r"\hat{x}_0", r"\hat{\mathbf{x}}_0", r"\hat x_\theta",
                           r"\hat{\mathbf{x}}_\theta", r"\tilde x_0", "x_start", "pred_xstart", "pred_original_sample",
                           "x0_pred", "x_recon", "x_0_hat", "x0_hat", r"\hat{x}_0(x_t)", r"\mathbf{x}_0"),
           forbid=("x_0",)),
    Target("eps_mean", SP.eps_mean, "mu_tilde_t = (x_t - beta_t/sqrt(1 - alpha_bar_t) eps)/sqrt(alpha_t)",
           "eps_mean", ("mu_tilde_t", r"\tilde\mu_t", "mu_theta", r"\mu_\theta", r"\mu_q", r"\tilde\mu",
                        r"\boldsymbol{\mu}_\theta", r"\tilde{\boldsymbol{\mu}}_t", "model_mean", "pred_prev_sample_mean",
                        "posterior_mean"), forbid=("x_0",)),
    Target("kl_eps_weight", SK.kl_eps_weight,
           "lambda_t = beta_t^2/(2 sigma_t^2 alpha_t (1 - alpha_bar_t))",
           "kl_eps_weight", ("lambda_t", r"\lambda_t", r"\gamma_t"), remark="the weight of (eps - eps_theta)^2"),
    Target("kl_eps_constant", SK.kl_eps_constant,
           "C_t = (log(sigma_t^2/beta_tilde_t) + beta_tilde_t/sigma_t^2 - 1)/2", "kl_eps_weight", ("C_t",),
           t_min=2, additive=True),
    Target("denoising_kl", SK.denoising_kl,
           "KL(q(x_{t-1}|x_t,x_0) || p_theta(x_{t-1}|x_t)) = lambda_t (eps - eps_theta)^2 + C_t",
           "kl_eps_weight", _KL + _KL_QP, t_min=2, remark="per coordinate", additive=True),
    Target("prior_kl", SK.prior_kl,
           "KL(q(x_T|x_0) || N(0, 1)) = (alpha_bar_T x_0^2 - alpha_bar_T - log(1 - alpha_bar_T))/2",
           "prior_kl", _KL + ("L_T", r"\mathcal{L}_T", r"D_{KL}(q(x_T|x_0)\|p(x_T))",
                              r"D_{\mathrm{KL}}(q(x_T|x_0)\|p(x_T))"), remark="per coordinate", additive=True),
    Target("score", SS.score_from_eps, "grad_{x_t} log q(x_t|x_0) = -eps/sqrt(1 - alpha_bar_t)", "score",
           ("s", r"\nabla\log q", "score", r"\nabla_{x_t}\log q(x_t|x_0)", r"\nabla_{x_t}\log q(x_t)",
            r"\nabla_{x_t}\log p(x_t)", r"\nabla\log p(x_t)", r"\nabla_x\log p(x)", r"\nabla_{x_t}\log q_t(x_t)",
            r"\nabla_{x_t}\log p_t(x_t)", r"\nabla_{x_t}\log q(x_t|x_0)", r"\nabla\log q(x_t|x_0)",
            r"\nabla_{x_t}\log q(x_t\mid x_0)")),
    Target("interpolation_w0", lambda: SP.interpolation_weights()[0],
           "w_0 = sqrt(alpha_bar_{t-1}) beta_t/(1 - alpha_bar_t)", "interpolation_weights",
           ("w_0", "posterior_mean_coef1")),
    Target("interpolation_wt", lambda: SP.interpolation_weights()[1],
           "w_t = sqrt(alpha_t)(1 - alpha_bar_{t-1})/(1 - alpha_bar_t)", "interpolation_weights",
           ("w_t", "posterior_mean_coef2")),
    Target("interpolation_weight_sum", SP.interpolation_weight_sum,
           "w_0 + w_t = 1 - (1 - sqrt(alpha_bar_{t-1}))(1 - sqrt(alpha_t))/(1 + sqrt(alpha_bar_t))",
           "interpolation_weights", ("w_0 + w_t", "w_t + w_0")),
)

BY_NAME: dict[str, Target] = {t.name: t for t in TARGETS}


def target(name: str) -> Target:
    if not isinstance(name, str):
        raise TypeError(f"target must be a catalog name (str), got {type(name).__name__}")
    if name not in BY_NAME:
        import difflib
        close = difflib.get_close_matches(name, BY_NAME, n=2)
        hint = f" (did you mean {', '.join(close)}?)" if close else ""
        raise ValueError(f"unknown target {name!r}{hint}; targets: {', '.join(BY_NAME)}")
    return BY_NAME[name]


# ---------------------------------------------------------------------------------------------
# The domain and counterexamples.

_SCHEDULE = (S.alpha_t, S.alpha_bar_prev, S.alpha_bar_T)
_VARIANCES = (S.var, S.var_1, S.var_2)
_DATA = (S.x_0, S.x_t, S.eps)


def _sample(symbol: sp.Symbol, rng: random.Random) -> float:
    if symbol in _SCHEDULE:
        return round(rng.uniform(0.05, 0.95), 3)
    if symbol.is_integer:
        return rng.randint(1, 6)
    if symbol is S.sigma2_t:
        return round(10 ** rng.uniform(-2, 0), 4)
    if symbol.is_positive:
        return round(10 ** rng.uniform(-1, 1), 3)
    return round(rng.uniform(-3, 3), 3)


def _evaluator(expr: sp.Expr, symbols: list[sp.Symbol]):
    """``expr`` at a point, by mpmath at a given precision: a number (maybe complex) or None."""
    import mpmath
    try:
        f = sp.lambdify(symbols, expr, modules="mpmath")
    except (NameError, TypeError, SyntaxError, KeyError):
        return None

    def evaluate(point: Mapping[sp.Symbol, float], digits: int):
        with mpmath.workdps(digits):
            try:
                return f(*(mpmath.mpf(str(point[s])) for s in symbols))
            except (ZeroDivisionError, ValueError, OverflowError, TypeError, NameError):
                return None
    return evaluate


def _is_real(value) -> bool:
    import mpmath
    try:
        return value is not None and not isinstance(value, (mpmath.mpc, complex)) and bool(mpmath.isfinite(value))
    except (TypeError, ValueError):
        return False


def _not_real(formula: sp.Expr, point: Mapping[sp.Symbol, float], low, high, scale) -> str | None:
    """Why ``formula`` is no real number at ``point`` (exact where it can be told), or None."""
    import mpmath
    defect = D.defect_at(formula, {s: sp.Rational(str(v)) for s, v in point.items()})
    if defect is not None:
        return defect.text()
    if isinstance(low, mpmath.mpc) and isinstance(high, mpmath.mpc):
        imaginary = high.imag
        if abs(imaginary) > 1e-20 * scale and abs(low.imag - imaginary) < 1e-40 * scale:
            return f"not real: imaginary part {float(imaginary):.6g}"
    return None


def find_point(formula: sp.Expr, reference: sp.Expr, *, samples: int = 24, seed: int = 0,
               fixed: Mapping[sp.Symbol, float] | None = None) -> dict | None:
    """A point of the domain where ``formula`` and ``reference`` clearly differ, or None.

    Confirmed at 60 and 100 digits: the difference must be stable and larger than 1e-20 of
    the values' scale, so rounding can never make a counterexample.  A point where the target
    is real and the formula is not (complex, or undefined: confirmed exactly) is a
    counterexample too, of another kind: ``"formula"`` is then None and ``"defect"`` says why.
    """
    symbols = sorted((formula.free_symbols | reference.free_symbols), key=lambda s: s.name)
    evaluate_formula, evaluate_reference = _evaluator(formula, symbols), _evaluator(reference, symbols)
    if evaluate_formula is None or evaluate_reference is None:
        return None
    rng = random.Random(seed)
    for _ in range(samples):
        point = D.timesteps_in_order({s: (fixed[s] if fixed and s in fixed else _sample(s, rng)) for s in symbols})
        r_low, r_high = evaluate_reference(point, 60), evaluate_reference(point, 100)
        if not (_is_real(r_low) and _is_real(r_high)):
            continue
        f_low, f_high = evaluate_formula(point, 60), evaluate_formula(point, 100)
        if not (_is_real(f_low) and _is_real(f_high)):
            defect = _not_real(formula, point, f_low, f_high, max(1, abs(r_high)))
            if defect is not None:
                return {"point": point, "formula": None, "reference": float(r_high), "defect": defect}
            continue
        difference = f_high - r_high
        scale = max(1, abs(f_high), abs(r_high))
        if abs(difference) > 1e-20 * scale and abs((f_low - r_low) - difference) < 1e-40 * scale:
            return {"point": point, "formula": float(f_high), "reference": float(r_high)}
    return None


# ---------------------------------------------------------------------------------------------
# Deciding equality.

@dataclass
class Decision:
    status: str
    method: str
    point: dict | None = None           # {"point": {symbol: value}, "formula": v, "reference": v[, "defect": why]}
    residual: sp.Expr | None = None
    relation: bool = False
    defect: str | None = None           # the formula is not real/defined at ``point`` (why)

    @property
    def ok(self) -> bool:
        return self.status == HOLDS


FORWARD_RELATION = "x_t = sqrt(alpha_bar_t) x_0 + sqrt(1 - alpha_bar_t) eps"


def _forward_relation(expr: sp.Expr) -> sp.Expr:
    return expr.xreplace({S.x_t: SF.forward_jump_mean(S.x_0) + sp.sqrt(SF.forward_jump_variance()) * S.eps})


def _complete(point: Mapping[sp.Symbol, sp.Expr], reference: sp.Expr, relation: bool) -> dict:
    """``point`` extended to the reference's symbols: x_0, x_t, eps tied by the forward relation
    when it is in use, any other missing symbol at a sampled value."""
    point = dict(point)
    rng = random.Random(0)
    for symbol in sorted(reference.free_symbols - set(point) - set(_DATA), key=lambda s: s.name):
        point[symbol] = sp.Rational(str(_sample(symbol, rng)))
    missing = [s for s in _DATA if s in reference.free_symbols and s not in point]
    if not missing:
        return point
    if not relation:
        return point | {s: sp.Rational(str(_sample(s, rng))) for s in missing}
    for symbol in _DATA:
        if symbol not in point and sum(s in point for s in _DATA) < 2:
            point[symbol] = sp.Integer(0) if symbol is not S.eps else sp.Rational(1, 2)
    a, c = sp.sqrt(S.alpha_t * S.alpha_bar_prev), sp.sqrt(1 - S.alpha_t * S.alpha_bar_prev)
    solved = {S.x_t: a * S.x_0 + c * S.eps, S.x_0: (S.x_t - c * S.eps) / a, S.eps: (S.x_t - a * S.x_0) / c}
    for symbol in _DATA:
        if symbol not in point:
            point[symbol] = solved[symbol].xreplace(point)
    return point


def _defect_decision(defect: D.Defect, formula: sp.Expr, reference: sp.Expr, relation: bool, via: str) -> Decision:
    """The formula is not real or not defined at a point of the domain: a counterexample."""
    point = _complete(defect.point, reference, relation)
    value = sp.N((_forward_relation(reference) if relation else reference).xreplace(point), 30)
    shown = {s: float(sp.N(v, 30)) for s, v in point.items()}
    kind = "not defined" if defect.undefined else "not real"
    at = sorted(((s, v) for s, v in defect.point.items() if s in defect.node.free_symbols), key=lambda i: i[0].name)
    where = " at " + ", ".join(f"{s.name} = {float(sp.N(v, 12)):.6g}" for s, v in at) if at else ""
    return Decision(DIFFERS, f"your formula is {kind}{where} ({defect.reason}, in {sp.sstr(defect.node)}){via}",
                    {"point": shown, "formula": None, "reference": float(value), "defect": defect.text()},
                    relation=relation, defect=defect.text())


def _constant_difference(residual: sp.Expr, formula: sp.Expr, reference: sp.Expr, via: str,
                         relation: bool) -> Decision:
    """An exact refutation: (formula - target) reduces to a nonzero constant."""
    rng = random.Random(0)
    symbols = sorted(formula.free_symbols | reference.free_symbols, key=lambda s: s.name)
    point = D.timesteps_in_order({s: _sample(s, rng) for s in symbols})
    exact = {s: sp.Rational(str(v)) for s, v in point.items()}
    values = [sp.N(e.xreplace(exact), 50) for e in (formula, reference)]
    return Decision(DIFFERS, f"exact reduction: formula - target = {sp.sstr(residual)}, a nonzero constant{via}",
                    {"point": point, "formula": float(sp.re(values[0])), "reference": float(sp.re(values[1]))},
                    residual, relation)


def written_conditions(written: sp.Expr | None) -> tuple[D.Condition, ...]:
    """The real-and-defined conditions of a formula as the user wrote it (an unevaluated tree in
    the user's symbols), in the proof's symbols: what evaluation drops (0*(1/(1 - alpha_bar_prev)),
    log(a)/log(a), exp(log(x_t))) must hold all the same."""
    if written is None:
        return ()
    return tuple(D.Condition(c.kind, F.to_proof_symbols(c.argument), c.node) for c in D.conditions(written))


def decide(formula: sp.Expr, reference: sp.Expr, *, allow_relation: bool = True, samples: int = 24,
           seed: int = 0, t_min: int = 1, written: sp.Expr | None = None) -> Decision:
    """Exact proof that ``formula == reference`` on the domain, or a counterexample, or undecided.

    The domain is that of the target (``t_min = 2``: alpha_bar_{t-1} < 1, else t = 1 is in it).
    *holds* needs both an exact reduction of the difference to 0 and a proof that the formula is
    real and defined on the whole domain (:func:`symbolic.domain.definedness`; with ``written``,
    the formula as written before evaluation, its conditions too); a point where it is not is a
    counterexample.
    """
    formula, reference = sp.sympify(formula), sp.sympify(reference)
    data_f = formula.free_symbols & set(_DATA)
    data_r = reference.free_symbols & set(_DATA)
    use_relation = allow_relation and data_f != data_r and S.x_t in (data_f | data_r)
    via = f", using {FORWARD_RELATION}" if use_relation else ""
    domain = D.Domain(t_min)
    extra = written_conditions(written)
    defined = D.definedness(formula, domain, seed=seed, search=False, extra=extra)
    as_written = formula
    if use_relation:
        formula, reference = _forward_relation(formula), _forward_relation(reference)
    # A counterexample where both are real first: it says more than where the formula is undefined.
    point = find_point(formula, reference, samples=samples, seed=seed)
    if point is not None and not point.get("defect"):
        return _point_decision(point, via, use_relation)
    if not defined.ok:          # where the formula as written is not real or not defined
        defined = D.definedness(as_written, domain, seed=seed, extra=extra)
        if defined.status == D.REFUTED:
            return _defect_decision(defined.defect, as_written, reference, use_relation, via)
    if point is not None:
        return _point_decision(point, via, use_relation)
    residual = reduce_to_normal_form(formula - reference)
    if residual == 0 and defined.ok:
        return Decision(HOLDS, f"exact reduction of (formula - target) to 0{via}, and your formula is real and "
                        "defined on the whole domain", relation=use_relation)
    if residual == 0:
        return Decision(UNDECIDED, f"(formula - target) reduces to 0{via} where your formula is defined, but it is "
                        f"{defined.text()}; this is not a pass", None, None, use_relation)
    if defined.ok and residual.is_number:
        return _constant_difference(residual, formula, reference, via, use_relation)
    point = find_point(formula, reference, samples=400, seed=seed + 1)
    if point is not None:
        decision = _point_decision(point, via, use_relation)
        decision.residual = residual
        return decision
    unproved = "" if defined.ok else f"; your formula is {defined.text()}"
    return Decision(UNDECIDED, "no exact reduction to 0 and no counterexample in 400 points"
                    f"{via}{unproved}; this is not a pass", None, residual, use_relation)


def _point_decision(point: dict, via: str, relation: bool) -> Decision:
    if point.get("defect"):
        return Decision(DIFFERS, f"your formula is {point['defect']}{via}", point, relation=relation,
                        defect=point["defect"])
    return Decision(DIFFERS, f"counterexample found by evaluation at 100 digits{via}", point, relation=relation)


# ---------------------------------------------------------------------------------------------
# Explaining a difference.

def describe_point(point: Mapping[sp.Symbol, float]) -> dict[str, float]:
    """The point in the user's names, with the derived schedule values."""
    shown: dict[str, float] = {}
    values = {s.name: v for s, v in point.items()}
    if "alpha_t" in values:
        shown["alpha_t"] = values["alpha_t"]
        shown["beta_t"] = float(sp.Rational(str(1 - sp.Rational(str(values["alpha_t"])))))
    if "alpha_bar_prev" in values:
        shown["alpha_bar_prev"] = values["alpha_bar_prev"]
        if "alpha_t" in values:
            shown["alpha_bar_t"] = float(sp.Rational(str(values["alpha_t"])) * sp.Rational(str(values["alpha_bar_prev"])))
    standard = {"sigma2_t": "sigma_t", "var": "sigma", "var_1": "sigma_1", "var_2": "sigma_2"}
    for name, value in sorted(values.items()):
        if name in shown or name in ("alpha_t", "alpha_bar_prev"):
            continue
        if name in standard:
            shown[standard[name]] = float(sp.sqrt(sp.Rational(str(value))))
            shown[f"{standard[name]}^2"] = value
        else:
            shown[name] = value
    return shown


def simplified_difference(difference: sp.Expr, seconds: float = 5.0) -> str:
    """``difference`` factored, in the lecture's symbols (alpha_bar_t, beta_t, sigma_t^2)."""
    from symbolic.notation import to_display
    try:
        with time_limit(seconds):
            pretty = sp.factor(sp.together(difference))
            pretty = pretty.replace(lambda e: isinstance(e, sp.log), lambda e: sp.log(sp.factor(e.args[0])))
    except CheckTimeout:
        pretty = difference
    return sp.sstr(to_display(pretty))


#: Conditions under which a false statement may still hold (reported, never a pass).
CONDITIONS: tuple[tuple[str, dict], ...] = (
    ("t = 1 (alpha_bar_{t-1} = 1)", {S.alpha_bar_prev: sp.Integer(1)}),
    ("sigma_t^2 = beta_tilde_t", {S.sigma2_t: SP.posterior_variance()}),
    ("sigma_t^2 = beta_t", {S.sigma2_t: 1 - S.alpha_t}),
)


def holds_when(formula: sp.Expr, reference: sp.Expr, conditions=CONDITIONS, *, t_min: int = 1) -> list[str]:
    """The conditions (of ``conditions``) under which ``formula == reference`` is proved.

    A condition under which the target itself vanishes is no reason: every multiple of the
    target agrees with it there (11 times beta_tilde_t is 0 at t = 1, as beta_tilde_t is).
    """
    found = []
    for text, substitution in conditions:
        if not any(s in (formula.free_symbols | reference.free_symbols) for s in substitution):
            continue
        if t_min > 1 and S.alpha_bar_prev in substitution:
            continue                     # t = 1 is not in the target's domain
        f, r = formula.xreplace(substitution), reference.xreplace(substitution)
        if r.has(sp.zoo, sp.nan, sp.oo, -sp.oo) or find_point(r, sp.S.Zero, samples=3) is None:
            continue                     # the target is 0 (or undefined) there, at least numerically
        if decide(f, r, samples=6, t_min=t_min).ok:
            found.append(text)
    return found


T_GE_2 = "t >= 2 (alpha_bar_{t-1} < 1); at t = 1 (alpha_bar_{t-1} = 1) your formula is not defined"


def holds_for_t_ge_2(formula: sp.Expr, reference: sp.Expr, decision: Decision) -> bool:
    """The decision failed only because the formula is undefined at t = 1, and it holds for t >= 2."""
    point = (decision.point or {}).get("point", {})
    if not decision.defect or point.get(S.alpha_bar_prev) != 1:
        return False
    return decide(formula, reference, t_min=2).ok


def _occurrences(expr: sp.Expr, old: sp.Expr) -> int:
    if expr == old:
        return 1
    return sum(_occurrences(a, old) for a in expr.args)


def _replace_occurrence(expr: sp.Expr, old: sp.Expr, new: sp.Expr, index: int) -> sp.Expr:
    """``expr`` with only the ``index``-th occurrence (pre-order) of ``old`` replaced."""
    seen = [0]

    def walk(e):
        if e == old:
            seen[0] += 1
            return new if seen[0] - 1 == index else e
        return e.func(*[walk(a) for a in e.args]) if e.args else e
    return walk(expr)


def _substitutions(expr: sp.Expr, old: sp.Symbol, new: sp.Expr, text: str) -> list[tuple[str, sp.Expr]]:
    """Replace ``old`` everywhere, and (when it occurs several times) at one place at a time."""
    count = _occurrences(expr, old)
    out = [(f"{text}", expr.xreplace({old: new}))]
    if 1 < count <= 6:
        for i in range(count):
            repaired = _replace_occurrence(expr, old, new, i)
            out.append((f"{text} at one place: {sp.sstr(repaired)}", repaired))
    return out


def _repairs(expr: sp.Expr) -> list[tuple[str, sp.Expr]]:
    """Typical slips, undone: each candidate is (what it would take, the repaired expression)."""
    sym = {n.name: n.symbol for n in F.VOCABULARY}
    present = {s.name for s in expr.free_symbols}
    out: list[tuple[str, sp.Expr]] = []
    pairs = [("alpha_bar_t", "alpha_bar_prev"), ("alpha_t", "alpha_bar_t"), ("beta_t", "beta_tilde_t"),
             ("alpha_t", "beta_t"), ("eps", "eps_theta"), ("x_0", "x_t")]
    for a, b in pairs:
        if a in present:
            out += _substitutions(expr, sym[a], sym[b], f"{b} in place of {a}")
        if b in present:
            out += _substitutions(expr, sym[b], sym[a], f"{a} in place of {b}")
        if a in present and b in present:
            out.append((f"{a} and {b} swapped", expr.xreplace({sym[a]: sym[b], sym[b]: sym[a]})))
    if {"mu_1", "mu_2"} <= present or {"sigma_1", "sigma_2"} <= present:
        swap = {sym["mu_1"]: sym["mu_2"], sym["mu_2"]: sym["mu_1"], sym["sigma_1"]: sym["sigma_2"],
                sym["sigma_2"]: sym["sigma_1"]}
        out.append(("the KL's two arguments swapped back (KL is not symmetric)", expr.xreplace(swap)))
    for root in sorted(expr.atoms(sp.Pow), key=sp.default_sort_key):
        if root.exp in (sp.Rational(1, 2), sp.Rational(-1, 2)):
            out.append((f"{root.base} without the square root around it",
                        expr.xreplace({root: root.base ** (2 * root.exp)})))
    for name in ("alpha_t", "alpha_bar_t", "alpha_bar_prev", "beta_t", "alpha_bar_T"):
        if name in present:
            out += _substitutions(expr, sym[name], sp.sqrt(sym[name]), f"sqrt({name}) in place of {name}")
            out += _substitutions(expr, sym[name], sym[name] ** 2, f"{name}^2 in place of {name}")
    for add in sorted({a for a in expr.atoms(sp.Add) if a.free_symbols}, key=sp.default_sort_key)[:6]:
        out.append((f"sqrt({add}) in place of {add}", expr.xreplace({add: sp.sqrt(add)})))
    for name in ("sigma_t", "sigma_1", "sigma_2", "sigma"):
        if name in present:
            out += _substitutions(expr, sym[name], sym[name] ** 2, f"{name}^2 (a variance) in place of {name}")
            out += _substitutions(expr, sym[name], sp.sqrt(sym[name]),
                                  f"{name} (a standard deviation) in place of {name}^2")
    out += [("the opposite sign", -expr), ("a factor 1/2 (the formula is twice the target)", expr / 2),
            ("a factor 2 (the formula is half the target)", 2 * expr),
            ("squared (a standard deviation where a variance belongs)", expr ** 2),
            ("its square root (a variance where a standard deviation belongs)", sp.sqrt(expr))]
    return out


def _factor_candidates() -> list[sp.Expr]:
    """Factors a single term of a sum typically lacks or has too much (in the user's symbols)."""
    sym = {n.name: n.symbol for n in F.VOCABULARY}
    out: list[sp.Expr] = [sp.Integer(-1), sp.Integer(2), sp.Rational(1, 2), sp.Integer(-2), -sp.Rational(1, 2)]
    quantities = [sym[n] for n in ("alpha_t", "alpha_bar_t", "alpha_bar_prev", "beta_t", "sigma_t", "beta_tilde_t")]
    quantities += [1 - sym["alpha_bar_t"], 1 - sym["alpha_bar_prev"]]
    for q in quantities:
        out += [q, 1 / q, sp.sqrt(q), 1 / sp.sqrt(q)]
    return out


def _term_repairs(expr: sp.Expr, reference: sp.Expr) -> list[tuple[str, sp.Expr]]:
    """One term of a sum with the wrong sign or a missing (or extra) factor.

    For a formula P * (t_1 + ... + t_n), the factor k that term t_i needs is
    1 + (target - formula)/(P t_i); it is matched numerically against typical factors (a sign,
    2, 1/2, a schedule quantity or its square root, their inverses), and only a match is
    returned (to be proved by :func:`decide`).
    """
    sums = [expr] if isinstance(expr, sp.Add) else [a for a in sp.Mul.make_args(expr) if isinstance(a, sp.Add)]
    sums = [s for s in sums if 2 <= len(s.args) <= 8][:3]
    if not sums:
        return []
    candidates = _factor_candidates()
    value = F.to_proof_symbols(expr)
    needed: list[tuple[sp.Expr, sp.Expr, sp.Expr]] = []
    for total in sums:
        rest = sp.S.One if total == expr else expr / total
        for term in total.args:
            needed.append((total, term, 1 + (reference - value) / F.to_proof_symbols(rest * term)))
    exprs = [k for _, _, k in needed] + [F.to_proof_symbols(c) for c in candidates]
    symbols = sorted(set().union(*(e.free_symbols for e in exprs)), key=lambda s: s.name)
    evaluate = _evaluator(sp.Tuple(*exprs), symbols)
    if evaluate is None:
        return []
    rng = random.Random(7)
    samples = []
    for _ in range(3):
        values = evaluate(D.timesteps_in_order({s: _sample(s, rng) for s in symbols}), 30)
        if values is None or not all(_is_real(v) for v in values):
            return []
        samples.append(values)
    out = []
    for i, (total, term, _) in enumerate(needed):
        for j, factor in enumerate(candidates):
            column = len(needed) + j
            if all(abs(v[i] - v[column]) <= 1e-15 * max(1, abs(v[column])) for v in samples):
                repaired = expr.xreplace({total: sp.Add(*[factor * a if a == term else a for a in total.args])})
                out.append((_term_text(term, factor), repaired))
                break
    return out


def _term_text(term: sp.Expr, factor: sp.Expr) -> str:
    shown = sp.sstr(term)
    if factor == -1:
        return f"the opposite sign on the term {shown} (a sign slip in one term)"
    if factor.is_number:
        return f"the term {shown} multiplied by {factor}"
    base, exponent = factor.as_base_exp()
    if exponent.is_negative:
        return f"the term {shown} divided by {sp.sstr(1 / factor)} (an extra factor)"
    return f"a factor {sp.sstr(factor)} on the term {shown} (a missing factor)"


def _restates(expr: sp.Expr, repaired: sp.Expr, reference: sp.Expr) -> bool:
    """A repair that only restates the answer: it brings in a symbol whose value is the target
    itself, or it replaces the whole of the user's formula (a lone symbol) by another."""
    brought = repaired.free_symbols - expr.free_symbols
    if any(F.to_proof_symbols(s) == reference for s in brought):
        return True
    core = expr.as_coeff_Mul()[1]
    return isinstance(core, sp.Symbol) and core not in repaired.free_symbols


def diagnose(expr: sp.Expr, reference: sp.Expr, *, limit: int = 2, seconds: float = 10.0,
             t_min: int = 1) -> list[str]:
    """Up to ``limit`` one-slip repairs of ``expr`` (user symbols) that are *proved* to give the target."""
    hints: list[str] = []
    try:
        with time_limit(seconds):
            for text, candidate in _repairs(expr) + _term_repairs(expr, reference):
                if _restates(expr, candidate, reference):
                    continue
                value = F.to_proof_symbols(candidate)
                if find_point(value, reference, samples=4) is not None:
                    continue
                if decide(value, reference, samples=4, t_min=t_min).ok:
                    hints.append(f"it holds with {text}")
                    if len(hints) >= limit:
                        break
    except CheckTimeout:
        pass
    return hints


def _finite(value):
    """A JSON-safe number: non-finite floats as the strings "inf", "-inf", "nan"."""
    if isinstance(value, float) and not math.isfinite(value):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
    return value


def _decide_and_explain(chosen: "Target", parsed: F.Formula, reference: sp.Expr, start: float, hints: bool,
                        emit: Callable[[tuple], None]) -> None:
    """The verdict, sent by ``emit`` as soon as it is known and again as hints are found.

    Even printing the formula is done here, under the limits: SymPy orders the terms of a sum by
    evaluating its numbers, and exp(-exp(exp(24))) takes minutes to evaluate.
    """
    shown = sp.sstr(parsed.expr)
    emit(("shown", shown))
    value = parsed.value
    # the formula as written, before evaluation, where the reader keeps it (see written_conditions)
    written = getattr(parsed, "written", None)
    decision = decide(value, reference, t_min=chosen.t_min, written=written)
    verdict = Verdict(chosen.name, parsed.text, decision.status, decision.method,
                      time.perf_counter() - start, parsed=shown)
    if decision.status == DIFFERS:
        found = decision.point
        verdict.point = describe_point(found["point"])
        verdict.formula_value, verdict.target_value = found["formula"], found["reference"]
        verdict.defect = found.get("defect")
        if verdict.defect is None:
            f, r = (_forward_relation(value), _forward_relation(reference)) if decision.relation else (value, reference)
            verdict.difference = simplified_difference(f - r)
    elif decision.status == UNDECIDED and decision.residual is not None:
        verdict.difference = sp.sstr(decision.residual)
    emit(("verdict", verdict))
    if not hints or verdict.status != DIFFERS:
        return
    verdict.hints = diagnose(parsed.expr, reference, t_min=chosen.t_min)
    emit(("verdict", verdict))
    if verdict.hints:        # a proved repair is the explanation; a condition would only follow from it
        return
    try:
        with time_limit(10.0):
            if holds_for_t_ge_2(value, reference, decision):
                verdict.hints.append(f"it agrees with the target for {T_GE_2}")
            else:
                verdict.hints += [f"it agrees with the target only when {c}"
                                  for c in holds_when(value, reference, t_min=chosen.t_min)]
    except CheckTimeout:
        pass
    emit(("verdict", verdict))


def _limited_verdict(chosen: "Target", parsed: F.Formula, reference: sp.Expr, *, timeout: float | None,
                     memory_mib: int | None, hints: bool, start: float) -> Verdict:
    """:func:`_decide_and_explain` within the time and memory limits (:mod:`crosscheck.engine.limits`);
    running out of either is *undecided*, with the reason."""
    # ``timeout`` is what is left of the caller's limit, which started at ``start``
    limit = None if timeout is None else float(f"{timeout + time.perf_counter() - start:.2g}")
    outcome = limits.run(lambda emit: _decide_and_explain(chosen, parsed, reference, start, hints, emit),
                         seconds=timeout, memory_mib=memory_mib)
    kind, value = outcome.value or ("shown", parsed.text)
    if kind == "verdict":
        verdict = value
    else:
        reason = {limits.TIME: f"no decision within the time limit of {limit:g} s" if timeout else "",
                  limits.MEMORY: f"no decision within the memory limit of {memory_mib} MiB",
                  limits.ERROR: "the decision stopped",
                  limits.DONE: "the decision ended without an answer"}[outcome.status]
        detail = f" ({outcome.detail})" if outcome.detail else ""
        verdict = Verdict(chosen.name, parsed.text, UNDECIDED, f"{reason}{detail}; this is not a pass", 0.0,
                          parsed=value)
    verdict.seconds = time.perf_counter() - start
    return verdict


# ---------------------------------------------------------------------------------------------
# check()

@dataclass
class Verdict:
    """The answer to "is FORMULA the catalog's TARGET?"."""

    target: str
    formula: str
    status: str
    method: str
    seconds: float
    point: dict[str, float] | None = None
    target_value: float | None = None
    formula_value: float | None = None
    difference: str | None = None
    hints: list[str] = field(default_factory=list)
    parsed: str = ""
    defect: str | None = None          # differs because the formula is not real/defined at ``point``
    notes: list[str] = field(default_factory=list)      # how the formula was read, beyond its symbols
    checked: list[dict] = field(default_factory=list)   # each side decided: side, target, status

    @property
    def ok(self) -> bool:
        return self.status == HOLDS

    def as_json(self) -> dict:
        return {"target": self.target, "formula": self.formula, "parsed": self.parsed, "status": self.status,
                "ok": self.ok, "method": self.method, "seconds": round(self.seconds, 3),
                "counterexample": None if self.point is None else {k: _finite(v) for k, v in self.point.items()},
                "target_value": _finite(self.target_value), "formula_value": _finite(self.formula_value),
                "defect": self.defect, "difference": self.difference, "hints": self.hints,
                "notes": self.notes, "checked": self.checked}

    def report(self) -> str:
        statement = BY_NAME[self.target].statement
        lines = [f"{self.status}: {self.target}  ({statement})", f"  your formula: {self.parsed}"]
        lines += [f"  read: {n}" for n in self.notes]
        if len(self.checked) > 1 or (self.checked and self.checked[0]["side"] != "the formula"):
            lines += [f"  checked {c['side']} against {c['target']}: {c['status']}" for c in self.checked]
        if self.status == HOLDS:
            lines.append(f"  proved by {self.method} ({self.seconds:.2f} s)")
        elif self.status == DIFFERS:
            where = ", ".join(f"{k} = {v:.6g}" for k, v in (self.point or {}).items())
            if self.defect:
                shown = "not defined" if self.defect.startswith("not defined") else "not real"
            else:
                shown = f"{self.formula_value:.12g}"
            lines += [f"  {self.method}:", f"    at {where}",
                      f"    {self.target} = {self.target_value:.12g}, your formula = {shown}"]
            if self.difference:
                lines.append(f"  difference (formula - target) = {self.difference}")
        else:
            lines.append(f"  {self.method} ({self.seconds:.2f} s)")
            if self.difference:
                lines.append(f"  remainder after reduction: {self.difference}")
        lines += [f"  hint: {h}" for h in self.hints]
        return "\n".join(lines)


def _names_of(side: F.Side) -> list[str]:
    """The targets a side names (by its left-side key), in catalog order."""
    return [t.name for t in TARGETS if t.accepts(side.keys)]


def _validate_lhs(chosen: Target, key) -> None:
    """Refuse a left side that names another quantity than ``chosen`` (or nothing known)."""
    if key is None or chosen.accepts(key):
        return
    keys = {key} if isinstance(key, str) else set(key)
    shown = sorted(keys, key=len)[-1]
    others = [t.name for t in TARGETS if t is not chosen and t.accepts(keys)]
    if others:
        raise F.FormulaError(f"the left side {shown!r} names {others[0]}, not {chosen.name}; check it with "
                             f"`check {others[0]} ...`, or give only the right side")
    accepted = ", ".join(sorted(chosen.lhs_keys()))
    raise F.FormulaError(f"the left side {shown!r} does not name {chosen.name}; accepted left sides: "
                         f"{accepted} (or give only the right side)")


@dataclass(frozen=True)
class Statement:
    """One side of the user's formula to decide against one target."""

    target: Target
    formula: F.Formula
    label: str                  # which side, in words, for the report


def _stand_ins(expr: sp.Expr, reference: sp.Expr) -> tuple[sp.Expr, list[str], dict]:
    """Symbols read as the quantity they stand for when the target does not use them: the model's
    output eps_theta as the noise eps it predicts, x as the data x_0."""
    notes, replacement = [], {}
    used = expr.free_symbols
    for entry in F.VOCABULARY:
        if entry.stands_for is None or entry.symbol not in used:
            continue
        other = F.BY_NAME[entry.stands_for]
        own = F.to_proof_symbols(entry.symbol).free_symbols
        if own & reference.free_symbols or other.symbol in used:
            continue
        if F.to_proof_symbols(other.symbol).free_symbols & reference.free_symbols or entry.stands_for == "eps":
            replacement[entry.symbol] = other.symbol
            notes.append(f"{entry.name} read as {other.name}: {chosen_reason(entry.name)}")
    return (expr.xreplace(replacement) if replacement else expr), notes, replacement


def chosen_reason(name: str) -> str:
    return {"eps_theta": "the model's output stands for the noise it predicts, and this target is written "
                         "with the noise",
            "x": "the data, written without its index",
            "x0_hat": "the model's prediction stands for the data it predicts"}.get(name, "")


def _statements(chosen: Target, parsed: F.Formula) -> tuple[list[Statement], list[str]]:
    """The sides of ``parsed`` to decide, each against its target; names of the target are skipped."""
    notes: list[str] = []
    if not parsed.relations:
        sides = [(parsed.sides[0] if parsed.sides else F.Side(parsed.text, "", parsed.expr), "the formula")]
    else:
        sides = [(side, f"side {i + 1} ({side.text})") for i, side in enumerate(parsed.sides)]
    out: list[Statement] = []
    named = False
    for index, (side, label) in enumerate(sides):
        if chosen.accepts(side.keys) and (parsed.relations or isinstance(side.expr, sp.Symbol)):
            named = True
            continue
        if parsed.relations and index == 0 and len(sides) > 1 and _is_label(side):
            # 'sigma_t^2 = ...', 'KLD = ...', 'mu_t = ...': the name being defined, not a statement
            notes.append(f"side 1 ({side.text}) read as the name being defined; not checked")
            continue
        if parsed.relations and side.expr is None and side.normal is None:
            if side.error and not side.error.startswith("unknown"):
                raise F.FormulaError(side.error)      # not a name at all: say what could not be read
            _validate_lhs(chosen, side.keys)
        if side.error:
            raise F.FormulaError(side.error)
        if side.normal is not None:
            if chosen.pair is None:
                raise F.FormulaError(f"{side.text!r} is a normal distribution; {chosen.name} is not the mean or "
                                     "variance of one (targets that are: " + ", ".join(
                                         t.name for t in TARGETS if t.pair) + ")")
            _, mean, variance = side.normal
            for part, expr in zip(chosen.pair, (mean, variance)):
                which = "mean" if part == chosen.pair[0] else "variance"
                out.append(Statement(BY_NAME[part], F.Formula(sp.sstr(expr), parsed.latex, expr, written=side.written),
                                     f"the {which} of N(...) (side {parsed.sides.index(side) + 1})"))
            continue
        others = [n for n in _names_of(side) if n != chosen.name] if parsed.relations else []
        if others and not chosen.accepts(side.keys) and isinstance(side.expr, sp.Symbol):
            _validate_lhs(chosen, side.keys)
        if side.per_coordinate and not chosen.additive:
            raise F.FormulaError(f"{side.text!r} sums over the coordinates (Σ_j, ‖v‖², sum()); {chosen.name} is a "
                                 "value per coordinate, not a sum: give it without the sum or norm")
        out.append(Statement(chosen, F.Formula(side.text, parsed.latex, side.expr, written=side.written), label))
    if not out:
        what = "names" if named else "gives"
        raise F.FormulaError(f"the formula only {what} {chosen.name}; give its expression "
                             f"(e.g. {chosen.statement})")
    return out, notes


def _is_label(side: F.Side) -> bool:
    """A first side that only names what is being defined: one name alone that the reader does
    not know and that names no catalog quantity (KLD, model_mean, mu_t in code or in a blog).  A
    symbol of the table (sigma_t^2, mu) is never a label: it means something, and is checked."""
    return side.single_name and side.expr is None and not _names_of(side)


def parse_formula(formula, *, latex: bool | None = None) -> F.Formula:
    if isinstance(formula, str):
        return F.parse(formula, latex=latex)
    if isinstance(formula, sp.Basic):
        return F.from_sympy(formula)
    raise TypeError(f"formula must be a str (plain or LaTeX) or a SymPy expression, "
                    f"got {type(formula).__name__}")


def check(target_name: str, formula, *, latex: bool | None = None,
          timeout: float | None = DEFAULT_TIMEOUT, hints: bool = True,
          memory_mib: int | None = limits.MEMORY_MIB) -> Verdict:
    """Decide whether ``formula`` equals the catalog quantity ``target_name`` on the domain.

    ``formula`` may be an expression, an equation ``name = expression`` or a chain
    ``a = b = c``: every side that is not a name of the target is decided, and the verdict holds
    only when every one does.  Raises ValueError/TypeError for bad input (unknown target or
    symbol, unreadable formula, a left side naming another quantity); returns a
    :class:`Verdict` otherwise.
    """
    start = time.perf_counter()
    chosen = target(target_name)
    parsed = parse_formula(formula, latex=latex)
    statements, notes = _statements(chosen, parsed)
    notes = list(parsed.notes) + notes
    verdicts: list[Verdict] = []
    for statement in statements:
        reference = statement.target.expression()
        expr, stand_in_notes, replacement = _stand_ins(statement.formula.expr, reference)
        notes += [n for n in stand_in_notes if n not in notes]
        written = statement.formula.written
        single = F.Formula(parsed.text, parsed.latex, expr,
                           written=None if written is None else written.xreplace(replacement))
        remaining = None if timeout is None else max(timeout - (time.perf_counter() - start), 0.01)
        verdict = _check_expression(statement.target, single, timeout=remaining, hints=hints, start=start,
                                    memory_mib=memory_mib)
        verdict.checked = [{"side": statement.label, "target": statement.target.name, "status": verdict.status}]
        verdicts.append(verdict)
        if verdict.status != HOLDS:
            break
    verdict = next((v for v in verdicts if v.status != HOLDS), verdicts[-1])
    verdict.target = chosen.name
    verdict.checked = [c for v in verdicts for c in v.checked]
    verdict.notes = notes
    if len(statements) > 1 or parsed.relations:
        # order="none": printing never sorts terms by evaluating them (exp(-exp(exp(24))) would hang)
        verdict.parsed = "; ".join(f"{s.label.split(' (')[0]}: {sp.sstr(s.formula.expr, order='none')}"
                                   for s in statements[:len(verdicts)])
    verdict.seconds = time.perf_counter() - start
    return verdict


def _check_expression(chosen: Target, parsed: F.Formula, *, timeout: float | None, hints: bool,
                      start: float, memory_mib: int | None = limits.MEMORY_MIB) -> Verdict:
    """The verdict on one expression (``parsed.expr``, in the user's symbols) against ``chosen``."""
    used = set(parsed.names) & set(chosen.forbid)
    if used:
        raise F.FormulaError(f"{chosen.name} expresses {', '.join(sorted(used))} through the other symbols "
                             f"({chosen.statement}); your formula uses {', '.join(sorted(used))}")
    reference = chosen.expression()
    return _limited_verdict(chosen, parsed, reference, timeout=timeout, memory_mib=memory_mib, hints=hints,
                            start=start)
