"""Independent checks: torch.distributions as an oracle, sampling tests, schedule precision.

Each check takes a :class:`~crosscheck.engine.types.Context` and returns a
:class:`~crosscheck.engine.types.CheckResult`.
"""

from __future__ import annotations

import math
from functools import lru_cache
from typing import Callable

import mpmath
import torch
from torch.distributions import Normal, kl_divergence

import numeric
from numeric import NoiseSchedule

from .evaluate import Refusal, pointwise
from .points import Group, betas_key, exact_schedule
from .tolerances import KL_CONSTANT_RTOL, ORACLE_ROUNDINGS, ORACLE_TOL, SCHEDULE_RTOL, Z_LIMIT
from .types import CheckResult, Context

#: The schedule symbols of a check at timestep t: the values at t and t - 1 (alpha_bar_t among them).
AT_T = ("alpha_t", "alpha_bar_prev")


def _pairs_per_point(pair: tuple[torch.Tensor, ...], n: int) -> list[tuple[float, ...]]:
    return list(zip(*(x.detach().to(device="cpu", dtype=torch.float64).expand(n).tolist() for x in pair)))


def _agree(name: str, ctx: Context, pairs: Callable[[Group], tuple[torch.Tensor, ...]],
           t_min: int = 1, against: str = "torch.distributions", reads: tuple[str, ...] = ()) -> CheckResult:
    """max |ours - theirs| / scale over all points, against ORACLE_TOL.

    ``pairs`` gives (ours, theirs) or (ours, theirs, sensitivity), the last the value's movement
    per relative rounding of its arguments (:func:`_log_density_sensitivity`): the scale is
    max(1, |theirs|) + ORACLE_ROUNDINGS * eps * sensitivity / ORACLE_TOL, i.e. the tolerance plus
    a few roundings of the dtype where the value is ill-conditioned.  The error is absolute below
    1, so a value below the dtype's normal range needs no floor.  At a point where a schedule value
    of the symbols ``reads`` is outside the dtype's normal range, a side that refuses (raises) or
    returns inf/nan has met the dtype's limit: the point is counted, not compared; anywhere else
    that is an infinite error.
    """
    tol = ORACLE_TOL[ctx.dtype]
    share = ORACLE_ROUNDINGS * torch.finfo(ctx.dtype).eps / tol
    worst, compared, outside, skipped = 0.0, 0, 0, 0
    for group in ctx.groups(t_min):
        flags = group.outside_range(reads).tolist()
        outside += sum(flags)
        for values, flagged in zip(pointwise(pairs, group, _pairs_per_point), flags):
            if isinstance(values, Refusal):
                error = math.inf
            else:
                ours, theirs, *sensitivity = values
                allowance = share * sum(sensitivity)
                allowance = allowance if math.isfinite(allowance) else 0.0    # an infinite one would hide anything
                error = abs(ours - theirs) / (max(1.0, abs(theirs)) + allowance)
            if not math.isfinite(error) and flagged:
                skipped += 1
                continue
            compared += 1
            worst = max(worst, error if math.isfinite(error) else math.inf)   # max(0.0, nan) would be 0.0
    worst = worst if compared else math.nan                                   # nothing compared is no pass
    ok = worst <= tol
    dtype = str(ctx.dtype).removeprefix("torch.")
    note = ""
    if outside:
        note = f" ({outside} points outside {dtype}'s normal range" + (
            f", {skipped} of them not compared: {dtype} cannot hold the result)" if skipped else ")")
    return CheckResult(name, "oracle", ok, f"vs {against}: max err {worst:.1e} {'<=' if ok else '>'} {tol:.0e}{note}",
                       {"max_err": worst, "tolerance": tol, "against": against, "points": compared,
                        "outside_normal_range": outside, "not_compared": skipped})


def _log_density_sensitivity(x: torch.Tensor, mean: torch.Tensor, var: torch.Tensor) -> torch.Tensor:
    """How far log N(x; mean, var) moves per relative rounding of its arguments (float64):
    |x - m|(|x| + |m|)/v from x and m, whose difference is squared, and (x - m)^2/(2v) + 1/2 from v."""
    x, mean, var = x.double(), mean.double(), var.double()
    gap = x - mean
    return gap.abs() * (x.abs() + mean.abs()) / var + gap**2 / (2 * var) + 0.5


def _kl_sensitivity(mean_1, var_1, mean_2, var_2) -> torch.Tensor:
    """How far KL(N(m1, v1) || N(m2, v2)) moves per relative rounding of its arguments (float64)."""
    eps = torch.finfo(mean_1.dtype).eps
    mean_1, var_1, mean_2, var_2 = (a.double() for a in (mean_1, var_1, mean_2, var_2))
    size = mean_1.abs() + mean_2.abs()
    # the gap as computed may have cancelled to nothing: the true one is up to eps * size away
    gap = (mean_1 - mean_2).abs() + eps * size
    return (gap * size / var_2 + gap**2 / (2 * var_2) + var_1 / var_2
            + 0.5 * torch.log(var_2 / var_1).abs() + 0.5)


def torch_normal_log_prob(ctx: Context) -> CheckResult:
    return _agree("Normal.log_prob", ctx, lambda g: (
        numeric.gaussian_log_density(g["x"], g["mu"], g["var"]),
        Normal(g["mu"], g["var"].sqrt()).log_prob(g["x"])))


def torch_normal_kl(ctx: Context) -> CheckResult:
    return _agree("kl_divergence(Normal, Normal)", ctx, lambda g: (
        numeric.gaussian_kl(g["mu_1"], g["var_1"], g["mu_2"], g["var_2"]),
        kl_divergence(Normal(g["mu_1"], g["var_1"].sqrt()), Normal(g["mu_2"], g["var_2"].sqrt()))))


def torch_standard_normal_kl(ctx: Context) -> CheckResult:
    return _agree("kl_divergence(Normal, N(0,1))", ctx, lambda g: (
        numeric.standard_normal_kl(g["mu"], g["var"]),
        kl_divergence(Normal(g["mu"], g["var"].sqrt()),
                      Normal(torch.zeros_like(g["mu"]), torch.ones_like(g["mu"])))))


def _trajectory(g: Group) -> tuple[torch.Tensor, torch.Tensor]:
    """(x_{t-1}, x_t) drawn from the forward process given x_0, so log-densities are O(1)."""
    s = g.schedule
    t = g.t
    x_prev = s.alpha_bar[t - 1].sqrt() * g["x_0"] + s.one_minus_alpha_bar[t - 1].sqrt() * g["eps"]
    x_t = numeric.forward_step_sample(x_prev, t, s, noise=g["eps_theta"])
    return x_prev, x_t


def bayes_quotient(ctx: Context) -> CheckResult:
    """log q(x_t|x_{t-1}) + log q(x_{t-1}|x_0) - log q(x_t|x_0) = log N(x_{t-1}; mu_tilde, beta_tilde)."""
    def pairs(g: Group):
        s, t, x_0 = g.schedule, g.t, g["x_0"]
        x_prev, x_t = _trajectory(g)
        densities = ((x_t, s.alpha[t].sqrt() * x_prev, s.beta[t]),                             # q(x_t|x_{t-1})
                     (x_prev, s.alpha_bar[t - 1].sqrt() * x_0, s.one_minus_alpha_bar[t - 1]),  # q(x_{t-1}|x_0)
                     (x_t, s.alpha_bar[t].sqrt() * x_0, s.one_minus_alpha_bar[t]),             # q(x_t|x_0)
                     (x_prev, numeric.posterior_mean(x_0, x_t, t, s), numeric.posterior_variance(t, s)))
        step, marginal_prev, marginal, posterior = (Normal(m, v.sqrt()).log_prob(x) for x, m, v in densities)
        sensitivity = sum(_log_density_sensitivity(*d) for d in densities)
        return posterior, step + marginal_prev - marginal, sensitivity
    return _agree("Bayes quotient of Normal.log_prob", ctx, pairs, t_min=2, reads=AT_T)


def torch_denoising_kl(ctx: Context) -> CheckResult:
    def pairs(g: Group):
        s, t, x_t, sigma2 = g.schedule, g.t, g["x_t"], g["sigma2_t"]
        ours = (numeric.kl_eps_weight(t, s, sigma2) * (g["eps"] - g["eps_theta"]) ** 2
                + numeric.kl_eps_constant(t, s, sigma2))
        mean_1, var_1 = numeric.eps_mean(x_t, g["eps"], t, s), numeric.posterior_variance(t, s)
        mean_2 = numeric.eps_mean(x_t, g["eps_theta"], t, s)
        theirs = kl_divergence(Normal(mean_1, var_1.sqrt()), Normal(mean_2, sigma2.sqrt()))
        return ours, theirs, _kl_sensitivity(mean_1, var_1, mean_2, sigma2)
    return _agree("kl_divergence of the eps-form Normals", ctx, pairs, t_min=2, reads=AT_T)


def kl_constant_relative(ctx: Context) -> CheckResult:
    """C_t at sigma_t^2 = beta_t (the DDPM choice), every t >= 2 (sampled beyond T = 4096), in
    float64 on the context's device, against its 60-digit value at *relative* precision.

    C_t = (x - log(1 + x))/2 with x = beta_tilde_t/beta_t - 1 = -beta_t alpha_bar_{t-1}/(1 - alpha_bar_t):
    tiny where alpha_bar_{t-1} is (late steps, large betas), and then lost entirely by a ratio
    formed before subtracting 1; the magnitude-scaled comparison cannot see that."""
    s = ctx.schedule.to(dtype=torch.float64)
    steps = [t for t in checked_steps(s.T) if t >= 2]
    if not steps:
        return CheckResult("kl_eps_constant at sigma_t^2 = beta_t, relative", "precision", True,
                           "T = 1: no t >= 2", {"max_rel_err": 0.0, "tolerance": KL_CONSTANT_RTOL})
    t = torch.tensor(steps, device=s.device)
    ours = numeric.kl_eps_constant(t, s, s.beta[t]).cpu().tolist()
    alpha, alpha_bar = exact_schedule(s)
    worst, where, tiny = 0.0, None, mpmath.mpf(torch.finfo(torch.float64).tiny)
    # and near sigma_t^2 = beta_tilde_t (2^-10 above it), where the other branch forms the gap; the
    # beta_tilde table's own rounding (SCHEDULE_RTOL) limits that one to ~1e-9 relative
    near = numeric.posterior_variance(t, s) * (1 + 2.0 ** -10)
    ours_near = numeric.kl_eps_constant(t, s, near).cpu().tolist()
    with mpmath.workdps(60):
        for step, got, sigma2 in zip(steps, ours_near, near.cpu().tolist()):
            beta = 1 - alpha[step]
            beta_tilde = beta * (1 - alpha_bar[step - 1]) / (1 - alpha_bar[step])
            x = (beta_tilde - mpmath.mpf(sigma2)) / mpmath.mpf(sigma2)
            exact = (x - mpmath.log1p(x)) / 2
            error = float(abs(mpmath.mpf(got) - exact) / max(exact, tiny)) * KL_CONSTANT_RTOL / 1e-8
            if not error <= worst:
                worst, where = error, {"t": step, "sigma2": "beta_tilde (1 + 2^-10)", "numeric": got,
                                       "reference": float(exact)}
        for step, got in zip(steps, ours):
            beta = 1 - alpha[step]
            x = -beta * alpha_bar[step - 1] / (1 - alpha_bar[step])
            # (x - log1p(x))/2 cancels to x^2/4: below |x| = 1e-20 its series, to 1e-40 relative
            exact = x * x / 4 - x**3 / 6 if abs(x) < 1e-20 else (x - mpmath.log1p(x)) / 2
            # below float64's normal range the correctly rounded value is all one can ask for
            error = float(abs(mpmath.mpf(got) - exact) / max(exact, tiny))
            if not error <= worst:
                worst, where = error, {"t": step, "numeric": got, "reference": float(exact)}
    ok = worst <= KL_CONSTANT_RTOL
    return CheckResult("kl_eps_constant at sigma_t^2 = beta_t, relative", "precision", ok,
                       f"C_t at sigma_t^2 = beta_t and near beta_tilde_t (float64, {len(steps)} timesteps): max rel err {worst:.1e} "
                       f"{'<=' if ok else '>'} {KL_CONSTANT_RTOL:.0e}",
                       {"max_rel_err": worst, "tolerance": KL_CONSTANT_RTOL, "worst": where})


def torch_prior_kl(ctx: Context) -> CheckResult:
    def pairs(g: Group):
        s, T = g.schedule, g.schedule.T
        q = Normal(s.alpha_bar[T].sqrt() * g["x_0"], s.one_minus_alpha_bar[T].sqrt())
        return numeric.prior_kl(g["x_0"], s), kl_divergence(q, Normal(torch.zeros_like(g["x_0"]), 1.0))
    return _agree("kl_divergence(q(x_T|x_0), N(0,1))", ctx, pairs, reads=("alpha_bar_T",))


def score_autograd(ctx: Context) -> CheckResult:
    def pairs(g: Group):
        s, t = g.schedule, g.t
        x_t = g["x_t"].detach().clone().requires_grad_(True)
        log_q = Normal(s.alpha_bar[t].sqrt() * g["x_0"], s.one_minus_alpha_bar[t].sqrt()).log_prob(x_t)
        (grad,) = torch.autograd.grad(log_q.sum(), x_t)
        return numeric.score(x_t.detach(), g["x_0"], t, s), grad
    return _agree("autograd of Normal.log_prob", ctx, pairs, against="torch.autograd", reads=AT_T)


def _z_scores(a: torch.Tensor, b: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Two-sample z-scores of the means and of the variances, per coordinate (float64)."""
    a, b = a.double(), b.double()
    n_a, n_b = a.shape[0], b.shape[0]
    z_mean = (a.mean(0) - b.mean(0)) / (a.var(0) / n_a + b.var(0) / n_b).sqrt()
    # Standard error of a sample variance: sqrt((m4 - s^4) / n), with the sample 4th moment.
    def var_se2(x, n):
        centred = x - x.mean(0)
        return ((centred**4).mean(0) - x.var(0) ** 2) / n
    z_var = (a.var(0) - b.var(0)) / (var_se2(a, n_a) + var_se2(b, n_b)).sqrt()
    return z_mean, z_var


def sequential_vs_jump(ctx: Context) -> CheckResult:
    """x_t from t sequential forward steps vs x_t from the direct jump: equal in law."""
    generator = torch.Generator(device=ctx.device).manual_seed(ctx.seed)
    details, worst = {}, 0.0
    x_0 = torch.tensor([-1.0, 0.0, 0.5, 2.0], dtype=ctx.dtype, device=ctx.device)
    for T in (50, 1000):
        s = ctx.schedule_with(T)
        checkpoints = sorted({1, T // 10, T // 2, T})
        x = x_0.expand(ctx.samples, -1).clone()
        zs = {}
        for t in range(1, T + 1):
            noise = torch.randn(x.shape, generator=generator, dtype=ctx.dtype, device=ctx.device)
            x = numeric.forward_step_sample(x, t, s, noise=noise)
            if t in checkpoints:
                noise = torch.randn(x.shape, generator=generator, dtype=ctx.dtype, device=ctx.device)
                jump = numeric.forward_jump_sample(x_0.expand_as(x), t, s, noise=noise)
                z_mean, z_var = _z_scores(x, jump)
                zs[t] = {"mean": [round(z, 2) for z in z_mean.tolist()],
                         "variance": [round(z, 2) for z in z_var.tolist()]}
                worst = max(worst, z_mean.abs().max().item(), z_var.abs().max().item())
        details[f"T={T}"] = zs
    worst = worst if math.isfinite(worst) else math.inf
    ok = worst <= Z_LIMIT
    return CheckResult(
        "sequential steps vs direct jump", "sampling", ok,
        f"{ctx.samples} trajectories, T=50 and 1000: max |z| {worst:.2f} {'<=' if ok else '>'} {Z_LIMIT:g}",
        {"max_abs_z": worst, "z_limit": Z_LIMIT, "samples": ctx.samples, "z": details})


#: Timesteps the schedule tables are checked at: every one up to this T; beyond, every t up to
#: 1024 and 3072 more spread evenly to T (a 50-digit check of all 100,000 would take 20 s).
ALL_STEPS_UP_TO = 4096


def checked_steps(T: int) -> list[int]:
    """The timesteps 0..T whose tables :func:`schedule_errors` checks (see :data:`ALL_STEPS_UP_TO`)."""
    if T <= ALL_STEPS_UP_TO:
        return list(range(T + 1))
    spread = torch.linspace(1025, T, 3072, dtype=torch.float64).round().long().tolist()
    return sorted(set(range(1025)) | set(spread))


_REFERENCE_TABLES: dict = {}


def _reference_tables(schedule: NoiseSchedule, steps: list[int]) -> dict[str, torch.Tensor]:
    """alpha_bar, 1 - alpha_bar, log alpha_bar, beta_tilde, log beta_tilde and the posterior
    coefficients at 50 digits from the float64 betas (taken as exact), at the timesteps ``steps``,
    each correctly rounded to float64 (nan where a table is undefined): the rounding, 1e-16 of the
    value or 5e-324 below float64's range, is far inside every tolerance.  alpha_bar comes from
    :func:`points.exact_schedule`, at the digits that keep 1 - beta exact; 1 - x of such an mpf is
    exact before it is rounded.  The last few are cached (the check and its naive-cumprod
    comparison share them)."""
    key = (betas_key(schedule), tuple(steps))
    if key not in _REFERENCE_TABLES:
        if len(_REFERENCE_TABLES) > 8:
            _REFERENCE_TABLES.clear()
        _REFERENCE_TABLES[key] = _compute_reference_tables(schedule, steps)
    return _REFERENCE_TABLES[key]


def _compute_reference_tables(schedule: NoiseSchedule, steps: list[int]) -> dict[str, torch.Tensor]:
    alpha, alpha_bar = exact_schedule(schedule)
    names = ("alpha_bar", "one_minus_alpha_bar", "log_alpha_bar", "beta_tilde", "log_beta_tilde", "coef_x0", "coef_xt")
    tables: dict[str, list] = {name: [] for name in names}
    with mpmath.workdps(50):
        for t in steps:
            one_minus = 1 - alpha_bar[t]
            tables["alpha_bar"].append(alpha_bar[t])
            tables["one_minus_alpha_bar"].append(one_minus)
            tables["log_alpha_bar"].append(mpmath.log(alpha_bar[t]))
            if t < 2:
                for name in names[3:]:
                    tables[name].append(math.nan)
                continue
            beta, previous = 1 - alpha[t], 1 - alpha_bar[t - 1]
            tables["beta_tilde"].append(beta * previous / one_minus)
            tables["log_beta_tilde"].append(mpmath.log(tables["beta_tilde"][-1]))
            tables["coef_x0"].append(mpmath.sqrt(alpha_bar[t - 1]) * beta / one_minus)
            tables["coef_xt"].append(mpmath.sqrt(alpha[t]) * previous / one_minus)
    return {name: torch.tensor([float(v) for v in values], dtype=torch.float64) for name, values in tables.items()}


def schedule_errors(schedule: NoiseSchedule, tables: dict[str, torch.Tensor] | None = None) -> dict[str, float]:
    """Max relative error of each table against the 50-digit reference, over the timesteps
    :func:`checked_steps` gives.  A value below the table dtype's normal range is compared at
    its absolute resolution (the error is divided by max(|reference|, tiny)): alpha_bar_t =
    1e-88 is 0 in float32, its correctly rounded value."""
    steps = checked_steps(schedule.T)
    reference = _reference_tables(schedule, steps)
    if tables is None:
        t = torch.arange(2, schedule.T + 1, device=schedule.device)
        tables = {"alpha_bar": schedule.alpha_bar, "one_minus_alpha_bar": schedule.one_minus_alpha_bar,
                  "log_alpha_bar": schedule.log_alpha_bar}
        if schedule.T >= 2:
            w_0, w_t = numeric.interpolation_weights(t, schedule)
            pad = torch.zeros(2, dtype=schedule.dtype, device=schedule.device)
            tables |= {"beta_tilde": torch.cat([pad, numeric.posterior_variance(t, schedule)]),
                       "log_beta_tilde": torch.cat([pad, numeric.posterior_log_variance(t, schedule)]),
                       "coef_x0": torch.cat([pad, w_0]), "coef_xt": torch.cat([pad, w_t])}
    errors = {}
    for name, values in tables.items():
        ref = reference[name]
        got = values.detach().to(device="cpu", dtype=torch.float64)[steps]
        error = (got - ref).abs() / ref.abs().clamp(min=torch.finfo(values.dtype).tiny)
        error = torch.where(got.isfinite(), error, math.inf)[~ref.isnan()]    # nan counts as inf
        errors[name] = error.max().item() if error.numel() else 0.0
    return errors


def naive_float32_errors(schedule: NoiseSchedule) -> dict[str, float]:
    """The same errors for alpha_bar from a float32 cumprod, as reference code computes it."""
    betas = schedule.float64("beta")[1:].to(torch.float32)
    alpha_bar = torch.cat([torch.ones(1), torch.cumprod(1 - betas, 0)])
    return schedule_errors(schedule, {"alpha_bar": alpha_bar, "one_minus_alpha_bar": 1 - alpha_bar})


@lru_cache(maxsize=1)
def _long_schedule_error() -> float:
    """T = 3000 steps of beta = 0.125 in float64 (alpha_bar_T = 1e-174), where log alpha_bar must
    be summed with compensation to keep 1e-12 (the same for every run: computed once)."""
    return max(schedule_errors(NoiseSchedule.linear(3000, 0.125, 0.125, dtype=torch.float64)).values())


def schedule_precision(ctx: Context) -> CheckResult:
    errors = schedule_errors(ctx.schedule)
    worst = max(errors.values())
    tol = SCHEDULE_RTOL[ctx.dtype]
    stress_worst = _long_schedule_error()
    stress_tol = SCHEDULE_RTOL[torch.float64]
    ok = worst <= tol and stress_worst <= stress_tol
    naive = max(naive_float32_errors(ctx.schedule).values())
    steps = checked_steps(ctx.schedule.T)
    where = "" if len(steps) == ctx.schedule.T + 1 else f" at {len(steps)} of its {ctx.schedule.T + 1} timesteps"
    return CheckResult(
        "schedule tables vs 50-digit product", "precision", ok,
        f"{ctx.schedule.name} T={ctx.schedule.T} {str(ctx.dtype).removeprefix('torch.')}: "
        f"max rel err {worst:.1e}{where} {'<=' if worst <= tol else '>'} {tol:.0e} (naive float32 cumprod: {naive:.1e}); "
        f"T=3000 beta=0.125 float64: {stress_worst:.1e} {'<=' if stress_worst <= stress_tol else '>'} {stress_tol:.0e}",
        {"max_rel_err": worst, "tolerance": tol, "per_table": errors, "naive_float32_cumprod": naive,
         "long_schedule_max_rel_err": stress_worst, "timesteps_checked": len(steps)})


def _mp_linear(T: int, start: float, end: float) -> list:
    if T == 1:
        return [mpmath.mpf(start)]
    return [mpmath.mpf(start) + (mpmath.mpf(end) - mpmath.mpf(start)) * i / (T - 1) for i in range(T)]


def _mp_cosine(T: int, s: float, max_beta: float) -> list:
    """Nichol & Dhariwal 2021, eq. 17: beta_t = min(1 - f(t)/f(t-1), max_beta) at 50 digits."""
    s = mpmath.mpf(s)
    f = [mpmath.cos((mpmath.mpf(t) / T + s) / (1 + s) * mpmath.pi / 2) ** 2 for t in range(T + 1)]
    return [min(1 - f[t] / f[t - 1], mpmath.mpf(max_beta)) for t in range(1, T + 1)]


def schedule_definitions(ctx: Context) -> CheckResult:
    """The linear and cosine constructors against their definitions, evaluated at 50 digits."""
    worst, details = 0.0, {}
    with mpmath.workdps(50):
        for T in (1, 7, 1000):
            for name, built, reference in (
                    ("linear", NoiseSchedule.linear(T, 1e-4, 0.02), _mp_linear(T, 1e-4, 0.02)),
                    ("cosine", NoiseSchedule.cosine(T), _mp_cosine(T, 0.008, 0.999)),
                    ("cosine s=0.05", NoiseSchedule.cosine(T, s=0.05, max_beta=0.5), _mp_cosine(T, 0.05, 0.5))):
                got = built.float64("beta")[1:].tolist()
                if len(got) != len(reference):
                    err = math.inf
                else:
                    err = max(float(abs((mpmath.mpf(g) - r) / r)) for g, r in zip(got, reference))
                details[f"{name} T={T}"] = err
                worst = max(worst, err)
    tol = SCHEDULE_RTOL[torch.float64]
    ok = worst <= tol
    return CheckResult(
        "schedule constructors vs their definitions", "precision", ok,
        f"linear and cosine betas (T = 1, 7, 1000) vs their definitions at 50 digits: max rel err {worst:.1e} "
        f"{'<=' if ok else '>'} {tol:.0e}", {"max_rel_err": worst, "tolerance": tol, "per_schedule": details})
