"""Checks of the ELBO chain on tensors: pathwise, statistical, and against an exact likelihood.

The reverse model is affine in x_t, eps_theta(x_t, t) = a_t x_t + b_t, so that (per
coordinate) p_theta(x_{0:T}) is a joint Gaussian: log p_theta(x_0), the expected ELBO and
KL(q(x_{1:T}|x_0) || p_theta(x_{1:T}|x_0)) are then all closed form, the last two computed
independently (three forces vs dense T x T linear algebra).
"""

from __future__ import annotations

import math
from functools import lru_cache

import torch

import numeric
from numeric import NoiseSchedule, elbo as numeric_elbo

from .tolerances import DECODER_TOL, EXACT_LIKELIHOOD_TOL, PATHWISE_RTOL, Z_LIMIT
from .types import CheckResult, Context

PATHWISE_STEPS = ("elbo_factorization", "elbo_separation", "elbo_reindexing", "elbo_bayes",
                  "elbo_telescoping")


class AffineEpsModel:
    r"""eps_theta(x_t, t) = a_t x_t + b_t, near the optimum for data N(0, s^2) but not at it.

    The optimal affine predictor for such data is
    :math:`E[\epsilon|x_t] = \sqrt{1-\bar\alpha_t}\,x_t/(\bar\alpha_t s^2 + 1-\bar\alpha_t)`;
    a_t perturbs it by up to 10%, b_t is a small offset, so the bound has a real gap.
    """

    def __init__(self, schedule: NoiseSchedule, seed: int = 0, data_std: float = 0.5):
        g = torch.Generator().manual_seed(seed)
        ab, omab = schedule.float64("alpha_bar"), schedule.float64("one_minus_alpha_bar")
        optimal = omab.sqrt() / (ab * data_std**2 + omab)
        self.a64 = optimal * (1 + 0.1 * (2 * torch.rand(schedule.T + 1, generator=g, dtype=torch.float64) - 1))
        self.b64 = 0.05 * torch.randn(schedule.T + 1, generator=g, dtype=torch.float64)
        self.a = self.a64.to(schedule.dtype).to(schedule.device)
        self.b = self.b64.to(schedule.dtype).to(schedule.device)

    def __call__(self, x_t: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        shape = (-1,) + (1,) * (x_t.ndim - 1)
        return self.a[t].reshape(shape) * x_t + self.b[t].reshape(shape)


def expected_bound(x_0: torch.Tensor, schedule: NoiseSchedule, model: AffineEpsModel,
                   variance: str) -> dict[str, torch.Tensor]:
    """E over the forward noise of each of the three forces (losses, nats), float64, x_0 (B,).

    With x_t = sqrt(ab) x_0 + sqrt(1-ab) eps and eps_theta = a x_t + b:
    eps - eps_theta = (1 - a sqrt(1-ab)) eps - (a sqrt(ab) x_0 + b), so
    E||eps - eps_theta||^2 = (1 - a sqrt(1-ab))^2 + (a sqrt(ab) x_0 + b)^2.
    """
    s = schedule.to(dtype=torch.float64, device="cpu")
    t = torch.arange(1, s.T + 1)
    ab, omab = s.float64("alpha_bar")[t], s.float64("one_minus_alpha_bar")[t]
    a, b = model.a64[t], model.b64[t]
    x = x_0.double().cpu()[:, None]
    mse = (1 - a * omab.sqrt()) ** 2 + (a * ab.sqrt() * x + b) ** 2          # (B, T)
    sigma2_1 = numeric.elbo.reverse_variance(1, s, variance)
    # decoder: x_0 - mu_theta(x_1, 1) = sqrt(beta_1/alpha_1)(eps_theta - eps)
    delta2 = s.float64("beta")[1] / s.float64("alpha")[1] * mse[:, 0]
    reconstruction = 0.5 * (delta2 / sigma2_1 + torch.log(sigma2_1) + math.log(2 * math.pi))
    later = t[1:]
    denoising = (numeric.kl_eps_weight(later, s, numeric.elbo.reverse_variance(later, s, variance)) * mse[:, 1:]
                 + numeric.kl_eps_constant(later, s, numeric.elbo.reverse_variance(later, s, variance)))
    prior = numeric.prior_kl(x[:, 0], s)
    return {"prior": prior, "reconstruction": reconstruction, "denoising": denoising,
            "total": prior + reconstruction + denoising.sum(1)}


def _reverse_joint(schedule: NoiseSchedule, model: AffineEpsModel, variance: str):
    """Mean offset and noise loading of x_{0:T} = M z + m under p_theta (float64, (T+1) dims)."""
    s = schedule.to(dtype=torch.float64, device="cpu")
    T = s.T
    t = torch.arange(1, T + 1)
    # mu_theta = r x_t - e eps_theta = (r - e a) x_t - e b   (eps_mean with eps = a x_t + b)
    r = numeric.eps_mean(torch.ones(T, dtype=torch.float64), torch.zeros(T, dtype=torch.float64), t, s)
    e = -numeric.eps_mean(torch.zeros(T, dtype=torch.float64), torch.ones(T, dtype=torch.float64), t, s)
    slope, offset = r - e * model.a64[t], -e * model.b64[t]
    sigma = numeric.elbo.reverse_variance(t, s, variance).sqrt()
    loading = torch.zeros(T + 1, T + 1, dtype=torch.float64)
    mean = torch.zeros(T + 1, dtype=torch.float64)
    loading[T, T] = 1.0                                   # x_T = z_T
    for i in range(T, 0, -1):                             # x_{t-1} = A_t x_t + c_t + sigma_t z_{t-1}
        loading[i - 1] = slope[i - 1] * loading[i]
        loading[i - 1, i - 1] = sigma[i - 1]
        mean[i - 1] = slope[i - 1] * mean[i] + offset[i - 1]
    return mean, loading @ loading.T


def exact_gap(x_0: torch.Tensor, schedule: NoiseSchedule, model: AffineEpsModel, variance: str):
    """(log p_theta(x_0), KL(q(x_{1:T}|x_0) || p_theta(x_{1:T}|x_0))) per point, by dense algebra."""
    s = schedule.to(dtype=torch.float64, device="cpu")
    T = s.T
    x = x_0.double().cpu()
    mean, cov = _reverse_joint(schedule, model, variance)
    log_evidence = -0.5 * ((x - mean[0]) ** 2 / cov[0, 0] + torch.log(cov[0, 0]) + math.log(2 * math.pi))
    gain = cov[1:, 0] / cov[0, 0]
    p_mean = mean[1:] + gain * (x[:, None] - mean[0])                        # (B, T)
    p_cov = cov[1:, 1:] - torch.outer(cov[1:, 0], cov[1:, 0]) / cov[0, 0]
    ab = s.float64("alpha_bar")[1:]
    q_mean = ab.sqrt() * x[:, None]
    i = torch.arange(T)
    low, high = torch.minimum(i[:, None], i[None, :]), torch.maximum(i[:, None], i[None, :])
    q_cov = (ab[high] / ab[low]).sqrt() * (1 - ab[low])                         # Cov(x_s, x_t), s <= t
    p_chol = torch.linalg.cholesky(p_cov)
    q_chol = torch.linalg.cholesky(q_cov)
    solved = torch.linalg.solve_triangular(p_chol, q_chol, upper=False)
    trace = solved.square().sum()
    diff = torch.linalg.solve_triangular(p_chol, (p_mean - q_mean).T, upper=False)
    log_det = 2 * (torch.log(p_chol.diagonal()).sum() - torch.log(q_chol.diagonal()).sum())
    kl = 0.5 * (trace + diff.square().sum(0) - T + log_det)
    return log_evidence, kl


def _data(ctx: Context, n: int, seed_offset: int) -> torch.Tensor:
    g = torch.Generator(device="cpu").manual_seed(ctx.seed + seed_offset)
    return (0.5 * torch.randn(n, 1, generator=g, dtype=torch.float64)).clamp(-1, 1)


@lru_cache(maxsize=4)
def _pathwise(ctx: Context) -> dict:
    """Every step's value on the same trajectories; T = 50 and 1000, linear and cosine."""
    out = {name: 0.0 for name in PATHWISE_STEPS}
    configs = {}
    for T in (50, 1000):
        count = ctx.trajectories if T == 50 else ctx.trajectories_long
        for build in (NoiseSchedule.linear, NoiseSchedule.cosine):
            s = build(T, dtype=ctx.dtype, device=ctx.device)
            model = AffineEpsModel(s, ctx.seed)
            g = torch.Generator(device=ctx.device).manual_seed(ctx.seed + T)
            x_0 = _data(ctx, count, T).to(dtype=ctx.dtype, device=ctx.device)
            trajectory = numeric.forward_trajectory(x_0, s, generator=g)
            terms = numeric_elbo.elbo_terms(trajectory, s, model)
            values = {name: numeric_elbo.STEPS[name](terms) for name in PATHWISE_STEPS}
            # scale: the sum of |log-density| over every term of the trajectory
            magnitude = (terms.log_prior.abs() + terms.log_p_theta.abs().sum(0) + terms.log_q_step.abs().sum(0)
                         + terms.log_q_jump.abs().sum(0) + terms.log_q_post.abs().sum(0))
            reference = values["elbo_factorization"]
            for name in PATHWISE_STEPS[1:]:
                err = ((values[name] - reference).abs() / magnitude).max().item()
                out[name] = max(out[name], err if math.isfinite(err) else math.inf)
            configs[f"{s.name} T={T}"] = count
    return {"errors": out, "configs": configs}


def pathwise_check(name: str):
    def check(ctx: Context) -> CheckResult:
        result = _pathwise(ctx)
        tol = PATHWISE_RTOL[ctx.dtype]
        if name == "elbo_factorization":
            err = max(result["errors"].values())
            what = "every step vs the factorised ELBO"
        else:
            err = result["errors"][name]
            what = "vs the factorised ELBO"
        ok = err <= tol
        return CheckResult(
            f"pathwise {name}", "pathwise", ok,
            f"pathwise {what}: max rel err {err:.1e} {'<=' if ok else '>'} {tol:.0e} "
            f"({ctx.trajectories} trajectories at T=50, {ctx.trajectories_long} at T=1000, linear+cosine)",
            {"max_rel_err": err, "tolerance": tol, "trajectories": result["configs"]})
    check.__name__ = f"pathwise_{name}"
    return check


def statistical_check(ctx: Context) -> CheckResult:
    """E[pathwise ELBO] (Monte Carlo over sequential trajectories) and E[variational_bound]
    (Monte Carlo over the vectorized bound's noise) against the exact three-forces value."""
    T = 50
    s = ctx.schedule_with(T)
    model = AffineEpsModel(s, ctx.seed)
    x_0 = torch.tensor([[-0.8], [0.1], [0.6]], dtype=torch.float64)
    n = ctx.trajectories
    exact = expected_bound(x_0[:, 0], s, model, "posterior")["total"]
    g = torch.Generator(device=ctx.device).manual_seed(ctx.seed + 7)
    worst, details = 0.0, {}
    for i, point in enumerate(x_0):
        batch = point.expand(n, 1).to(dtype=ctx.dtype, device=ctx.device)
        trajectory = numeric.forward_trajectory(batch, s, generator=g)
        pathwise = -numeric_elbo.elbo_factorization(numeric_elbo.elbo_terms(trajectory, s, model)).double()
        bound = numeric_elbo.variational_bound(batch, s, model, generator=g).total.double()
        for label, sample in (("pathwise ELBO", pathwise), ("variational_bound", bound)):
            z = ((sample.mean() - exact[i]) / (sample.std() / math.sqrt(n))).item()
            details.setdefault(label, []).append(round(z, 2))
            worst = max(worst, abs(z) if math.isfinite(z) else math.inf)
    ok = worst <= Z_LIMIT
    return CheckResult(
        "Monte Carlo ELBO vs the closed-form three forces", "sampling", ok,
        f"E[ELBO] vs three forces ({n} samples x 3 points, {s.name} T={T}): max |z| {worst:.2f} "
        f"{'<=' if ok else '>'} {Z_LIMIT:g}",
        {"max_abs_z": worst, "z_limit": Z_LIMIT, "z": details, "samples": n})


def exact_likelihood_check(ctx: Context) -> CheckResult:
    """log p_theta(x_0) - ELBO = KL(q(x_{1:T}|x_0) || p_theta(x_{1:T}|x_0)) >= 0, exactly."""
    worst, gaps, details = 0.0, [], {}
    for T in (50, 1000) if ctx.thorough else (50,):
        for variance in numeric_elbo.VARIANCES:
            s = ctx.schedule_with(T).to(dtype=torch.float64, device="cpu")
            model = AffineEpsModel(s, ctx.seed + 1)
            x_0 = _data(ctx, 16, 3)[:, 0]
            elbo = -expected_bound(x_0, s, model, variance)["total"]
            log_evidence, kl = exact_gap(x_0, s, model, variance)
            gap = log_evidence - elbo
            err = ((gap - kl).abs() / (1 + kl.abs())).max().item()
            worst = max(worst, err if math.isfinite(err) else math.inf)
            gaps.append(gap.min().item())
            details[f"T={T} {variance}"] = {"max_err": err, "min_gap": gap.min().item(),
                                           "mean_gap": gap.mean().item()}
    tol = EXACT_LIKELIHOOD_TOL
    ok = worst <= tol and min(gaps) >= 0
    return CheckResult(
        "exact likelihood of a linear-Gaussian reverse model", "exact", ok,
        f"log p(x_0) - ELBO = KL(q || p_theta(x_1:T|x_0)): max err {worst:.1e} "
        f"{'<=' if worst <= tol else '>'} {tol:.0e}, min gap {min(gaps):.3g} {'>=' if min(gaps) >= 0 else '<'} 0",
        {"max_err": worst, "tolerance": tol, "per_config": details})


def _mp_discretized(x: float, mean: float, std: float):
    import mpmath
    with mpmath.workdps(50):
        x, mean, std = mpmath.mpf(x), mpmath.mpf(mean), mpmath.mpf(std)
        a = -mpmath.inf if x < -0.999 else (x - mpmath.mpf(1) / 255 - mean) / std
        b = mpmath.inf if x > 0.999 else (x + mpmath.mpf(1) / 255 - mean) / std
        if a > 0:        # upper tail: P = Phi(-a) - Phi(-b), no 1 - 1 cancellation
            a, b = -b, -a
        return float(mpmath.log(mpmath.ncdf(b) - mpmath.ncdf(a)))


def discretized_decoder_check(ctx: Context) -> CheckResult:
    """The discretized decoder's log-probabilities against 50-digit mpmath (edges and tails)."""
    g = torch.Generator().manual_seed(ctx.seed)
    n = 120
    grid = torch.linspace(-1, 1, 256, dtype=torch.float64)
    x = grid[torch.randint(0, 256, (n,), generator=g)]
    # the edge bins at delta = 0 too, where their open edge matters most
    std = 10 ** (-3 + 3 * torch.rand(n, generator=g, dtype=torch.float64))
    delta = std * 8 * torch.randn(n, generator=g, dtype=torch.float64)   # tails included
    x[:8] = torch.tensor([-1.0, 1.0, 0.0, 1.0 - 2 / 255, -1.0, 1.0, -1.0, 1.0])
    delta[4:8] = 0.0
    std[4:8] = torch.tensor([1e-2, 1e-2, 1.0, 1.0], dtype=torch.float64)
    got = numeric_elbo.discretized_gaussian_log_likelihood(
        x.to(ctx.dtype), delta.to(ctx.dtype), torch.log(std**2).to(ctx.dtype)).double()
    x32, d32, s32 = (v.to(ctx.dtype).double() for v in (x, delta, std))
    reference = torch.tensor([_mp_discretized(a, a - d, b) for a, d, b in zip(x32.tolist(), d32.tolist(), s32.tolist())],
                             dtype=torch.float64)
    err = ((got - reference).abs() / reference.abs().clamp(min=1)).max().item()
    tol = DECODER_TOL[ctx.dtype]
    ok = err <= tol
    return CheckResult(
        "discretized decoder vs 50-digit mpmath", "oracle", ok,
        f"discretized decoder vs mpmath: max err {err:.1e} {'<=' if ok else '>'} {tol:.0e} ({n} points)",
        {"max_err": err, "tolerance": tol, "points": n})


def elbo_gap_check(ctx: Context) -> CheckResult:
    """Single latent, linear-Gaussian: MC ELBO vs log p(x) - KL(q || p(z|x)), torch.distributions."""
    from torch.distributions import Normal, kl_divergence
    g = torch.Generator().manual_seed(ctx.seed)
    a, b, s2, x = 1.3, -0.2, 0.5, 0.7
    m, v = 0.1, 0.4
    post_mean, post_var = a * (x - b) / (a * a + s2), s2 / (a * a + s2)
    q = Normal(torch.tensor(m, dtype=torch.float64), math.sqrt(v))
    closed = (Normal(torch.tensor(b, dtype=torch.float64), math.sqrt(a * a + s2)).log_prob(torch.tensor(x, dtype=torch.float64))
              - kl_divergence(q, Normal(torch.tensor(post_mean, dtype=torch.float64), math.sqrt(post_var))))
    n = ctx.trajectories * 4
    z = m + math.sqrt(v) * torch.randn(n, generator=g, dtype=torch.float64)
    sample = (Normal(a * z + b, math.sqrt(s2)).log_prob(torch.tensor(x, dtype=torch.float64))
              + Normal(0.0, 1.0).log_prob(z) - q.log_prob(z))
    score = ((sample.mean() - closed) / (sample.std() / math.sqrt(n))).item()
    ok = abs(score) <= Z_LIMIT and closed.item() <= Normal(b, math.sqrt(a * a + s2)).log_prob(torch.tensor(x)).item()
    return CheckResult(
        "single-latent ELBO = log p(x) - KL", "sampling", ok,
        f"MC ELBO vs log p(x) - KL(q||p(z|x)) ({n} samples): |z| {abs(score):.2f} "
        f"{'<=' if abs(score) <= Z_LIMIT else '>'} {Z_LIMIT:g}",
        {"z": score, "z_limit": Z_LIMIT, "samples": n})


# -- the vectorized and pathwise code against the catalog's closed forms, one t at a time ---------

def _term_by_term_reference(x_0, eps, trajectory, s64, model64, variance, decoder):
    """float64 references computed one timestep at a time from the catalog's closed forms."""
    T, batch = s64.T, x_0.shape[0]

    def steps(t):
        return torch.full((batch,), t, dtype=torch.long)

    sigma2 = lambda t: numeric.elbo.reverse_variance(t, s64, variance)  # noqa: E731
    prior = numeric.prior_kl(x_0, s64).sum(-1)
    denoising, log_p, log_q, kls = [], [], [], []
    reconstruction = None
    for t in range(1, T + 1):
        # the bound: x_t from the jump with eps_t
        x_t = numeric.forward_jump_sample(x_0, t, s64, noise=eps[t - 1])
        mu_theta = numeric.eps_mean(x_t, model64(x_t, steps(t)), t, s64)
        if t == 1:
            if decoder == "gaussian":
                reconstruction = -numeric.gaussian_log_density(x_0, mu_theta, sigma2(1)).sum(-1)
            else:
                reconstruction = -numeric_elbo.discretized_gaussian_log_likelihood(
                    x_0, x_0 - mu_theta, torch.log(sigma2(1))).sum(-1)
        else:
            denoising.append(numeric.gaussian_kl(numeric.posterior_mean(x_0, x_t, t, s64), numeric.posterior_variance(t, s64),
                                           mu_theta, sigma2(t)).sum(-1))
        # the pathwise terms on the trajectory
        x_t, x_prev = trajectory[t], trajectory[t - 1]
        mu_theta = numeric.eps_mean(x_t, model64(x_t, steps(t)), t, s64)
        log_p.append(numeric.gaussian_log_density(x_prev, mu_theta, sigma2(t)).sum(-1))
        log_q.append(numeric.gaussian_log_density(x_t, numeric.forward_step_mean(x_prev, t, s64),
                                            numeric.forward_step_variance(t, s64)).sum(-1))
        if t >= 2:
            kls.append(numeric.gaussian_kl(numeric.posterior_mean(trajectory[0], x_t, t, s64), numeric.posterior_variance(t, s64),
                                     mu_theta, sigma2(t)).sum(-1))
    log_prior = numeric.gaussian_log_density(trajectory[T], 0.0, 1.0).sum(-1)
    denoising = torch.stack(denoising, 1) if denoising else torch.zeros(batch, 0, dtype=torch.float64)
    kl_sum = torch.stack(kls).sum(0) if kls else torch.zeros(batch, dtype=torch.float64)
    return {
        "prior": prior, "reconstruction": reconstruction, "denoising": denoising,
        "total": prior + reconstruction + denoising.sum(1),
        "bound scale": prior.abs() + reconstruction.abs() + denoising.abs().sum(1),
        "elbo_factorization": log_prior + sum(log_p) - sum(log_q),
        "elbo_kl_form": log_p[0] - numeric.prior_kl(trajectory[0], s64).sum(-1) - kl_sum,
        "path scale": log_prior.abs() + sum(v.abs() for v in log_p) + sum(v.abs() for v in log_q) + kl_sum.abs(),
    }


def term_by_term_check(ctx: Context) -> CheckResult:
    r"""The vectorized bound and the pathwise ELBO code against the same quantities computed one
    timestep at a time from the catalog's closed forms (each verified point by point):

    * ``forward_trajectory(x_0, noise)`` = T calls of ``forward_step_sample``;
    * ``elbo_factorization(elbo_terms(...))`` = log p(x_T) + sum log p_theta - sum log q, and
      ``elbo_kl_form`` = decoder - prior KL - sum of ``gaussian_kl`` of the posterior and p_theta;
    * ``variational_bound(x_0, noise=eps)``: prior, reconstruction, each denoising KL and the total,
      at x_t = ``forward_jump_sample(x_0, t, eps_t)``; both variances, both decoders, nats and
      bits, in one chunk and in chunks of two timesteps;
    * ``reverse_variance``: beta_t ("beta"), beta_tilde_t for t >= 2 and beta_tilde_2 at t = 1
      ("posterior").
    """
    T, batch, dims = 20, 16, 3
    worst, parts = 0.0, {}

    def record(name, got, reference, scale):
        nonlocal worst
        err = ((got.double().cpu() - reference) .abs() / (1 + scale)).max().item()
        err = err if math.isfinite(err) else math.inf
        parts[name] = max(parts.get(name, 0.0), err)
        worst = max(worst, err)

    g = torch.Generator().manual_seed(ctx.seed + 11)
    levels = torch.randint(0, 256, (batch, dims), generator=g)
    x_0 = (levels.double() / 127.5 - 1).to(dtype=ctx.dtype, device=ctx.device)     # on the 256-level grid
    for build in (NoiseSchedule.linear, NoiseSchedule.cosine):
        s = build(T, dtype=ctx.dtype, device=ctx.device)
        s64 = s.to(dtype=torch.float64, device="cpu")
        model, model64 = AffineEpsModel(s, ctx.seed), AffineEpsModel(s64, ctx.seed)
        eps = torch.randn((T, batch, dims), generator=g, dtype=torch.float64).to(dtype=ctx.dtype, device=ctx.device)
        trajectory = numeric.forward_trajectory(x_0, s, noise=eps)
        x64, eps64, traj64 = (v.double().cpu() for v in (x_0, eps, trajectory))
        reference_trajectory = [x64]
        for t in range(1, T + 1):
            reference_trajectory.append(numeric.forward_step_sample(reference_trajectory[-1], t, s64, noise=eps64[t - 1]))
        reference_trajectory = torch.stack(reference_trajectory)
        record("forward_trajectory", trajectory, reference_trajectory, reference_trajectory.abs())
        t = torch.arange(1, T + 1)
        record("reverse_variance beta", numeric.elbo.reverse_variance(t, s64, "beta"), numeric.forward_step_variance(t, s64),
               torch.zeros(T))
        posterior = numeric.posterior_variance(t.clamp(min=2), s64)
        record("reverse_variance posterior", numeric.elbo.reverse_variance(t, s64, "posterior"), posterior, torch.zeros(T))
        for variance in numeric_elbo.VARIANCES:
            for decoder in numeric_elbo.DECODERS:
                reference = _term_by_term_reference(x64, eps64, traj64, s64, model64, variance, decoder)
                if decoder == "gaussian":
                    terms = numeric_elbo.elbo_terms(trajectory, s, model, variance=variance)
                    for step in ("elbo_factorization", "elbo_kl_form"):
                        record(step, numeric_elbo.STEPS[step](terms), reference[step], reference["path scale"])
                for units, max_rows in (("nats", 2**16), ("bits", batch)):      # one chunk; one per t
                    bound = numeric_elbo.variational_bound(x_0, s, model, noise=eps, variance=variance, decoder=decoder,
                                                 units=units, max_rows=max_rows)
                    factor = 1.0 if units == "nats" else 1.0 / (math.log(2) * dims)
                    for name in ("prior", "reconstruction", "total"):
                        record(f"variational_bound {name}", getattr(bound, name), factor * reference[name],
                               factor * reference["bound scale"])
                    record("variational_bound denoising", bound.denoising, factor * reference["denoising"],
                           factor * reference["bound scale"][:, None])
        single = numeric_elbo.variational_bound(x_0[:1], s, model, noise=eps[:, :1])       # a batch of one
        reference = _term_by_term_reference(x64[:1], eps64[:, :1], traj64[:, :1], s64, model64, "posterior", "gaussian")
        record("variational_bound total", single.total, reference["total"], reference["bound scale"])
    tol = PATHWISE_RTOL[ctx.dtype]
    ok = worst <= tol
    return CheckResult(
        "vectorized and pathwise code vs closed forms one t at a time", "exact", ok,
        f"bound, pathwise steps, trajectories vs the closed forms one t at a time: max rel err {worst:.1e} "
        f"{'<=' if ok else '>'} {tol:.0e} (T={T}, linear+cosine, 2 variances x 2 decoders, nats/bits, 1 and 20 chunks, batch 16 and 1)",
        {"max_rel_err": worst, "tolerance": tol, "per_part": parts})
