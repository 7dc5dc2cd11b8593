r"""The variational bound (the three forces) on tensors, vectorized over t, and the pathwise
value of every step of the derivation (symbolic/elbo.py) on sampled trajectories.

Sign convention: :class:`VariationalBound` holds *losses* (Ho et al. 2020, eq. 5), so its
``total`` is :math:`-\mathcal L \ge -\log p_\theta(x_0)`:

.. math::
    L = \underbrace{D_{\mathrm{KL}}(q(x_T|x_0)\|p(x_T))}_{\texttt{prior}}
      + \sum_{t=2}^T \underbrace{D_{\mathrm{KL}}(q(x_{t-1}|x_t,x_0)\|p_\theta(x_{t-1}|x_t))}_{\texttt{denoising}[:, t-2]}
      \underbrace{- \log p_\theta(x_0|x_1)}_{\texttt{reconstruction}}

The pathwise functions (``elbo_factorization`` ... ``elbo_kl_form``) return the ELBO itself,
:math:`\mathcal L` (log-likelihood orientation), as the derivation writes it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from . import _tables
from ._tables import SIGMA2
from ._types import EpsModel
from ._validation import (_shown, as_tensor_like, call_model, check_broadcast, check_choice, check_data,
                          check_eps_model, check_finite, check_generator, check_memory, check_schedule, check_shape,
                          check_timestep, check_trajectory, check_variance, finite, _instance_error)
from .gaussian import _gaussian_log_density
from .kl import _gaussian_kl, _prior_kl
from .posterior import _eps_mean, _posterior_mean
from .schedule import NoiseSchedule, gather

#: The fixed reverse variances (``variance=``), the decoders and the units the bound accepts.
VARIANCES = _tables.VARIANCES
DECODERS = ("gaussian", "discretized")
UNITS = ("nats", "bits")

#: Tensors of the size of one timestep's batch (B x data) alive at once in the vectorized bound
#: (x_t, noise, eps_theta, their difference and its square, plus slack), for the memory budget.
_WORKING_COPIES = 6
#: Tensors of the trajectory's size alive at once in elbo_terms (eps_theta, mu_theta, the posterior
#: mean, and the temporaries of the log-densities), for its memory check.
_TERMS_COPIES = 8
_LOG_2PI = math.log(2 * math.pi)
_BIN = 1.0 / 255.0          # half the width of one of the 256 bins of [-1, 1]


# -- the reverse variance sigma_t^2 ------------------------------------------------------------

def _sigma2_tables(schedule: NoiseSchedule, variance: str) -> tuple[torch.Tensor, torch.Tensor]:
    build, build_log = SIGMA2[variance]
    return schedule.table(f"sigma2_{variance}", build), schedule.table(f"log_sigma2_{variance}", build_log)


@finite
def reverse_variance(t, schedule: NoiseSchedule, variance: str = "posterior") -> torch.Tensor:
    r"""The variance :math:`\sigma_t^2` of :math:`p_\theta(x_{t-1}|x_t)`, fixed as in Ho et al. 2020.

    ``"posterior"``: :math:`\sigma_t^2 = \tilde\beta_t` for t >= 2 and, since
    :math:`\tilde\beta_1 = 0`, :math:`\sigma_1^2 = \tilde\beta_2` at t = 1 (the convention of
    improved-diffusion's ``posterior_log_variance_clipped`` and the original DDPM code).
    ``"beta"``: :math:`\sigma_t^2 = \beta_t` for every t, the paper's definition (the reference
    code's "fixedlarge" also takes :math:`\tilde\beta_2` at t = 1; we do not).
    """
    t = check_timestep(t, schedule)
    check_variance(variance, schedule)
    return _reverse_variance(t, schedule, variance)


def _reverse_variance(t, schedule: NoiseSchedule, variance: str) -> torch.Tensor:
    return gather(_sigma2_tables(schedule, variance)[0], t)


# -- the decoders ------------------------------------------------------------------------------

def _log1mexp(x: torch.Tensor) -> torch.Tensor:
    """log(1 - exp(x)) for x <= 0 (Maechler 2012: two branches, each accurate where it is used)."""
    return torch.where(x > -math.log(2), torch.log(-torch.expm1(x)), torch.log1p(-torch.exp(x)))


def _log_normal_interval(low: torch.Tensor, high: torch.Tensor) -> torch.Tensor:
    """log(Phi(high) - Phi(low)) for low < high, from log Phi in the lower tail (reflected above 0)."""
    flip = low > 0
    low, high = torch.where(flip, -high, low), torch.where(flip, -low, high)
    log_high = torch.special.log_ndtr(high)
    return log_high + _log1mexp(torch.special.log_ndtr(low) - log_high)


@finite
def discretized_gaussian_log_likelihood(x_0: torch.Tensor, delta: torch.Tensor, log_sigma2: torch.Tensor) -> torch.Tensor:
    r"""log P(x_0) under DDPM's discretized decoder, elementwise, for data in [-1, 1].

    The 256 bins have width 2/255 and centres at the data values; the edge bins are open:
    :math:`P(x_0) = \Phi(\frac{x_0 + 1/255 - \mu}{\sigma}) - \Phi(\frac{x_0 - 1/255 - \mu}{\sigma})`,
    with :math:`\Phi(-\infty)` below for :math:`x_0 < -0.999` and :math:`\Phi(+\infty)` above for
    :math:`x_0 > 0.999` (Ho et al. 2020, eq. 13).

    Both reference implementations (DDPM's ``discretized_gaussian_log_likelihood``, copied by
    improved-diffusion) use the tanh approximation of Phi and floor the probabilities at 1e-12
    (log = -27.6).  We use the exact Phi through ``torch.special.log_ndtr`` and a stable log of
    the difference, so no floor is needed: far tails give their true (very negative) log.

    Args:
        x_0: data in [-1, 1]. delta: :math:`x_0 - \mu` (passed as a difference so that it keeps
        its digits). log_sigma2: :math:`\log\sigma^2`, a tensor or a number; all three broadcast.
    """
    x_0 = check_finite("x_0", check_data("x_0", x_0))     # x_0 only picks the bin: nan would pass unseen
    delta = check_data("delta", delta, like=x_0, like_name="x_0")
    log_sigma2 = as_tensor_like("log_sigma2", log_sigma2, x_0, "x_0")
    check_broadcast({"x_0": x_0, "delta": delta, "log_sigma2": log_sigma2})
    return _discretized_gaussian_log_likelihood(x_0, delta, log_sigma2)


#: Half-precision dtypes have no log_ndtr on the CPU: the decoder computes in float32 and casts back.
_WIDER = {torch.float16: torch.float32, torch.bfloat16: torch.float32}


def _discretized_gaussian_log_likelihood(x_0: torch.Tensor, delta: torch.Tensor,
                                         log_sigma2: torch.Tensor) -> torch.Tensor:
    dtype = x_0.dtype
    x_0, delta, log_sigma2 = (v.to(_WIDER.get(dtype, dtype)) for v in (x_0, delta, log_sigma2))
    inv_sigma = torch.exp(-0.5 * log_sigma2)
    low = (delta - _BIN) * inv_sigma
    high = (delta + _BIN) * inv_sigma
    lower_edge = torch.special.log_ndtr(high)          # P(x <= x_0 + 1/255)
    upper_edge = torch.special.log_ndtr(-low)          # P(x >= x_0 - 1/255)
    interior = _log_normal_interval(low, high)
    return torch.where(x_0 < -0.999, lower_edge, torch.where(x_0 > 0.999, upper_edge, interior)).to(dtype)


def _decoder_nll(x_0, delta, sigma2, log_sigma2, decoder):
    """-log p_theta(x_0|x_1) per coordinate, from delta = x_0 - mu_theta(x_1, 1)."""
    if decoder == "gaussian":
        return 0.5 * (delta**2 / sigma2 + log_sigma2 + _LOG_2PI)
    return -_discretized_gaussian_log_likelihood(x_0, delta, log_sigma2)


# -- the vectorized bound ----------------------------------------------------------------------

@dataclass(frozen=True)
class VariationalBound:
    """The terms of the bound, summed over data dimensions, in ``units`` (see module docstring)."""

    prior: torch.Tensor            # (B,)  KL(q(x_T|x_0) || p(x_T))
    reconstruction: torch.Tensor   # (B,)  -log p_theta(x_0|x_1)
    denoising: torch.Tensor        # (B, T-1) KL_t for t = 2..T ascending
    total: torch.Tensor            # (B,)  prior + reconstruction + sum of denoising = -ELBO
    units: str


def _chunk_size(x_0: torch.Tensor, T: int, memory_budget: int, max_rows: int) -> int:
    """Timesteps per chunk: the working tensors fit ``memory_budget`` and one model call sees at
    most ``max_rows`` rows (the model's activations grow with its batch; the budget cannot see them)."""
    per_step = x_0.numel() * x_0.element_size() * _WORKING_COPIES
    return max(1, min(T, memory_budget // max(per_step, 1), max_rows // x_0.shape[0]))


def _validate_bound_inputs(x_0, schedule, eps_model, noise, variance, decoder, units, memory_budget, max_rows,
                           generator):
    x_0 = check_data("x_0", x_0, check_schedule(schedule))
    if x_0.ndim < 2 or x_0.shape[0] == 0:
        raise ValueError(f"`x_0` must have shape (B, *data) with B >= 1 and at least one data dimension, "
                         f"got {tuple(x_0.shape)}; for scalar data pass `x_0[:, None]`")
    check_eps_model(eps_model)
    check_variance(variance, schedule)
    check_choice("decoder", decoder, DECODERS)
    check_choice("units", units, UNITS)
    if isinstance(memory_budget, bool) or not isinstance(memory_budget, int):
        raise TypeError(f"`memory_budget` must be a positive int number of bytes, got {_shown(memory_budget)}")
    if memory_budget < 1:
        raise ValueError(f"`memory_budget` must be a positive number of bytes, got {memory_budget!r}")
    if isinstance(max_rows, bool) or not isinstance(max_rows, int):
        raise TypeError(f"`max_rows` must be a positive int (rows per eps_model call), got {_shown(max_rows)}")
    if max_rows < 1:
        raise ValueError(f"`max_rows` must be a positive int (rows per eps_model call), got {max_rows!r}")
    check_generator(generator, x_0.device)
    per_step = x_0.numel() * x_0.element_size() * _WORKING_COPIES
    check_memory("x_0", f"of shape {tuple(x_0.shape)}", per_step, x_0.device,
                 f"{_WORKING_COPIES} working tensors of its size for one timestep",
                 "pass fewer points per call")
    chunk = _chunk_size(x_0, schedule.T, memory_budget, max_rows)
    check_memory("memory_budget", f"= {memory_budget}", chunk * per_step, x_0.device,
                 f"{chunk} timesteps at once with max_rows = {max_rows}", "lower memory_budget")
    check_finite("x_0", x_0)
    if decoder == "discretized" and bool((x_0.abs() > 1).any()):
        worst = x_0.abs().max().item()
        raise ValueError(f"`decoder='discretized'` needs data in [-1, 1] (256 bins of width 2/255), "
                         f"got |x_0| up to {worst:.4g}; rescale images with x / 127.5 - 1")
    if noise is not None:
        check_data("noise", noise, schedule)
        check_shape("noise", noise, (schedule.T, *x_0.shape), "the eps used at t = 1..T")
    return x_0


@finite
def variational_bound(x_0: torch.Tensor, schedule: NoiseSchedule, eps_model: EpsModel,
                      noise: torch.Tensor | None = None, *, variance: str = "posterior",
                      decoder: str = "gaussian", units: str = "nats", memory_budget: int = 2**30,
                      max_rows: int = 2**16, generator: torch.Generator | None = None) -> VariationalBound:
    r"""The three forces of the variational bound, every t at once (no Python loop over t).

    For each t, :math:`x_t = \sqrt{\bar\alpha_t}x_0 + \sqrt{1-\bar\alpha_t}\,\epsilon_t` and
    the denoising KL is evaluated in its :math:`\epsilon` form (proved as ``kl_eps_weight``):

    .. math::
        D_{\mathrm{KL}}(q(x_{t-1}|x_t,x_0)\|p_\theta(x_{t-1}|x_t))
        = \lambda_t\|\epsilon_t - \epsilon_\theta(x_t, t)\|^2 + d\,C_t

    Timesteps are processed in chunks so that the working tensors stay under ``memory_budget``
    bytes and each ``eps_model`` call sees at most ``max_rows`` rows (chunks of whole timesteps,
    at least one): the model's own activations grow with its batch, and only ``max_rows``
    bounds them.  Lower it for a large network.

    Args:
        x_0: data, shape (B, *data); in [-1, 1] for ``decoder="discretized"``.
        eps_model: ``eps_model(x_t, t) -> eps_theta``; x_t of shape (N, *data) and ``t`` an int64
            tensor (N,) of paper timesteps 1..T.
        noise: the :math:`\epsilon_t` for t = 1..T, shape (T, B, *data); drawn (with
            ``generator``) chunk by chunk when None.
        variance: :math:`\sigma_t^2` = ``"posterior"`` (:math:`\tilde\beta_t`) or ``"beta"``
            (:math:`\beta_t`); see :func:`reverse_variance` for t = 1.
        decoder: ``"gaussian"`` (continuous density) or ``"discretized"`` (DDPM's 256 bins).
        units: ``"nats"``, or ``"bits"`` = nats / (ln 2 * number of data dimensions).
    Returns:
        :class:`VariationalBound` with ``prior`` (B,), ``reconstruction`` (B,), ``denoising``
        (B, T-1) for t = 2..T, ``total`` (B,).
    """
    x_0 = _validate_bound_inputs(x_0, schedule, eps_model, noise, variance, decoder, units, memory_budget,
                                 max_rows, generator)
    return _variational_bound(x_0, schedule, eps_model, noise, variance=variance, decoder=decoder, units=units,
                              memory_budget=memory_budget, max_rows=max_rows, generator=generator)


def _variational_bound(x_0: torch.Tensor, schedule: NoiseSchedule, eps_model: EpsModel,
                       noise: torch.Tensor | None = None, *, variance: str = "posterior",
                       decoder: str = "gaussian", units: str = "nats", memory_budget: int = 2**30,
                       max_rows: int = 2**16, generator: torch.Generator | None = None) -> VariationalBound:
    """The core of :func:`variational_bound` (the model's answers are still checked: see ``call_model``)."""
    T, batch, dims = schedule.T, x_0.shape[0], x_0[0].numel()
    sigma2, log_sigma2 = _sigma2_tables(schedule, variance)
    lam = schedule.table(f"elbo_lambda_{variance}", _tables.eps_weight(variance))
    constant = schedule.table(f"elbo_kl_constant_{variance}", _tables.kl_constant(variance))
    sqrt_alpha_bar = schedule.table("sqrt_alpha_bar", _tables.sqrt_alpha_bar)
    sqrt_one_minus = schedule.table("sqrt_one_minus_alpha_bar", _tables.sqrt_one_minus_alpha_bar)
    # x_0 - mu_theta(x_1, 1) = sqrt(beta_1/alpha_1) (eps_theta - eps): no cancellation of x_1 - x_0.
    decoder_scale = (schedule.float64("beta")[1] / schedule.float64("alpha")[1]).sqrt().item()

    terms = torch.empty((T, batch), dtype=x_0.dtype, device=x_0.device)
    reconstruction = None
    chunk = _chunk_size(x_0, T, memory_budget, max_rows)
    for start in range(1, T + 1, chunk):           # chunks of timesteps, vectorized within
        stop = min(T, start + chunk - 1)
        steps = torch.arange(start, stop + 1, device=x_0.device)
        if noise is None:
            eps = torch.randn((stop - start + 1, *x_0.shape), generator=generator, dtype=x_0.dtype,
                              device=x_0.device)
        else:
            eps = noise[start - 1:stop]
        x_t = gather(sqrt_alpha_bar, steps, eps) * x_0 + gather(sqrt_one_minus, steps, eps) * eps
        eps_theta = call_model(eps_model, x_t, steps)
        squared = (eps - eps_theta).square().flatten(2).sum(2)                    # (n, B)
        terms[start - 1:stop] = lam[steps, None] * squared + dims * constant[steps, None]
        if start == 1:
            delta = decoder_scale * (eps_theta[0] - eps[0])
            reconstruction = _decoder_nll(x_0, delta, sigma2[1], log_sigma2[1], decoder).flatten(1).sum(1)
    prior = _prior_kl(x_0, schedule).flatten(1).sum(1)
    denoising = terms[1:].T
    scale = 1.0 if units == "nats" else 1.0 / (math.log(2) * dims)
    prior, reconstruction, denoising = prior * scale, reconstruction * scale, denoising * scale
    return VariationalBound(prior, reconstruction, denoising,
                            prior + reconstruction + denoising.sum(1), units)


# -- pathwise values of the derivation's steps -------------------------------------------------

@dataclass(frozen=True)
class ELBOTerms:
    r"""Every log-density of the derivation on trajectories :math:`x_{0:T}`, summed over data
    dimensions; row i of a (T, B) tensor is timestep t = i + 1 (``log_q_post`` starts at t = 2).
    """

    log_prior: torch.Tensor     # (B,)     log p(x_T)
    log_p_theta: torch.Tensor   # (T, B)   log p_theta(x_{t-1}|x_t), t = 1..T (t = 1: decoder)
    log_q_step: torch.Tensor    # (T, B)   log q(x_t|x_{t-1})
    log_q_jump: torch.Tensor    # (T, B)   log q(x_t|x_0)
    log_q_post: torch.Tensor    # (T-1, B) log q(x_{t-1}|x_t,x_0), t = 2..T
    prior_kl: torch.Tensor      # (B,)     KL(q(x_T|x_0) || p(x_T))
    denoising_kl: torch.Tensor  # (T-1, B) KL(q(x_{t-1}|x_t,x_0) || p_theta(x_{t-1}|x_t)) at x_t


_TERMS_FIX = "pass the result of numeric.elbo_terms(trajectory, schedule, eps_model)"


def _sum_data(x: torch.Tensor) -> torch.Tensor:
    return x.flatten(2).sum(2)


@finite
def elbo_terms(trajectory: torch.Tensor, schedule: NoiseSchedule, eps_model: EpsModel, *,
               variance: str = "posterior") -> ELBOTerms:
    r"""The log-densities of the derivation on forward trajectories (Gaussian decoder).

    Args:
        trajectory: :math:`x_{0:T}`, shape (T+1, B, *data), e.g. from ``forward_trajectory``.
        eps_model: as in :func:`variational_bound`; the reverse model is
            :math:`p_\theta(x_{t-1}|x_t) = \mathcal N(\mu_\theta(x_t, t), \sigma_t^2)` with
            :math:`\mu_\theta` the eps-form mean (``eps_mean``) and ``variance`` as there.
    """
    trajectory = check_trajectory(trajectory, schedule, eps_model, variance, copies=_TERMS_COPIES)
    return _elbo_terms(trajectory, schedule, eps_model, variance=variance)


def _elbo_terms(trajectory: torch.Tensor, schedule: NoiseSchedule, eps_model: EpsModel, *,
                variance: str = "posterior") -> ELBOTerms:
    """The core of :func:`elbo_terms` (the model's answers are still checked: see ``call_model``)."""
    T = schedule.T
    x_0, x_prev, x_t = trajectory[0], trajectory[:-1], trajectory[1:]
    steps = torch.arange(1, T + 1, device=trajectory.device)
    sigma2 = _sigma2_tables(schedule, variance)[0]
    eps_theta = call_model(eps_model, x_t, steps)
    mu_theta = _eps_mean(x_t, eps_theta, steps, schedule)
    log_p_theta = _sum_data(_gaussian_log_density(x_prev, mu_theta, gather(sigma2, steps, x_t)))
    log_q_step = _sum_data(_gaussian_log_density(
        x_t, gather(schedule.table("sqrt_alpha", _tables.sqrt_alpha), steps, x_t) * x_prev,
        gather(schedule.beta, steps, x_t)))
    log_q_jump = _sum_data(_gaussian_log_density(
        x_t, gather(schedule.table("sqrt_alpha_bar", _tables.sqrt_alpha_bar), steps, x_t) * x_0,
        gather(schedule.one_minus_alpha_bar, steps, x_t)))
    later = steps[1:]
    mu_tilde = _posterior_mean(x_0.expand_as(x_t[1:]), x_t[1:], later, schedule)
    beta_tilde = gather(schedule.table("beta_tilde", _tables.beta_tilde), later, x_t[1:])
    log_q_post = _sum_data(_gaussian_log_density(x_prev[1:], mu_tilde, beta_tilde))
    denoising_kl = _sum_data(_gaussian_kl(mu_tilde, beta_tilde, mu_theta[1:], gather(sigma2, later, x_t[1:])))
    log_prior = _gaussian_log_density(trajectory[T], 0.0, trajectory.new_ones(())).flatten(1).sum(1)
    return ELBOTerms(log_prior, log_p_theta, log_q_step, log_q_jump, log_q_post,
                     _prior_kl(x_0, schedule).flatten(1).sum(1), denoising_kl)


@finite
def elbo_factorization(terms: ELBOTerms) -> torch.Tensor:
    r""":math:`\log p(x_T) + \sum_{t=1}^T \log p_\theta(x_{t-1}|x_t) - \sum_{t=1}^T \log q(x_t|x_{t-1})`."""
    if not isinstance(terms, ELBOTerms):     # one isinstance: the lab calls the steps with its own terms
        raise _instance_error("terms", terms, ELBOTerms, _TERMS_FIX)
    return terms.log_prior + terms.log_p_theta.sum(0) - terms.log_q_step.sum(0)


@finite
def elbo_separation(terms: ELBOTerms) -> torch.Tensor:
    r""":math:`\log p(x_T) + \log p_\theta(x_0|x_1) + \sum_{t=2}^T \log p_\theta(x_{t-1}|x_t) - \sum_{t=1}^T \log q(x_t|x_{t-1})`."""
    if not isinstance(terms, ELBOTerms):     # one isinstance: the lab calls the steps with its own terms
        raise _instance_error("terms", terms, ELBOTerms, _TERMS_FIX)
    return terms.log_prior + terms.log_p_theta[0] + terms.log_p_theta[1:].sum(0) - terms.log_q_step.sum(0)


@finite
def elbo_reindexing(terms: ELBOTerms) -> torch.Tensor:
    r""":math:`\log p(x_T) + \log p_\theta(x_0|x_1) - \log q(x_1|x_0) + \sum_{t=2}^T [\log p_\theta(x_{t-1}|x_t) - \log q(x_t|x_{t-1})]`."""
    if not isinstance(terms, ELBOTerms):     # one isinstance: the lab calls the steps with its own terms
        raise _instance_error("terms", terms, ELBOTerms, _TERMS_FIX)
    return (terms.log_prior + terms.log_p_theta[0] - terms.log_q_step[0]
            + (terms.log_p_theta[1:] - terms.log_q_step[1:]).sum(0))


@finite
def elbo_bayes(terms: ELBOTerms) -> torch.Tensor:
    r"""The reindexed form with :math:`\log q(x_t|x_{t-1}) = \log q(x_{t-1}|x_t,x_0) + \log q(x_t|x_0) - \log q(x_{t-1}|x_0)` for t >= 2."""
    if not isinstance(terms, ELBOTerms):     # one isinstance: the lab calls the steps with its own terms
        raise _instance_error("terms", terms, ELBOTerms, _TERMS_FIX)
    return (terms.log_prior + terms.log_p_theta[0] - terms.log_q_step[0]
            + (terms.log_p_theta[1:] - terms.log_q_post - terms.log_q_jump[1:] + terms.log_q_jump[:-1]).sum(0))


@finite
def elbo_telescoping(terms: ELBOTerms) -> torch.Tensor:
    r""":math:`\log p_\theta(x_0|x_1) + \log p(x_T) - \log q(x_T|x_0) + \sum_{t=2}^T [\log p_\theta(x_{t-1}|x_t) - \log q(x_{t-1}|x_t,x_0)]`."""
    if not isinstance(terms, ELBOTerms):     # one isinstance: the lab calls the steps with its own terms
        raise _instance_error("terms", terms, ELBOTerms, _TERMS_FIX)
    return (terms.log_p_theta[0] + terms.log_prior - terms.log_q_jump[-1]
            + (terms.log_p_theta[1:] - terms.log_q_post).sum(0))


@finite
def elbo_kl_form(terms: ELBOTerms) -> torch.Tensor:
    r"""The three forces at the trajectory's x_1 and x_t (equal to the others in expectation only):

    .. math::
        \log p_\theta(x_0|x_1) - D_{\mathrm{KL}}(q(x_T|x_0)\|p(x_T))
        - \sum_{t=2}^T D_{\mathrm{KL}}(q(x_{t-1}|x_t,x_0)\|p_\theta(x_{t-1}|x_t))
    """
    if not isinstance(terms, ELBOTerms):     # one isinstance: the lab calls the steps with its own terms
        raise _instance_error("terms", terms, ELBOTerms, _TERMS_FIX)
    return terms.log_p_theta[0] - terms.prior_kl - terms.denoising_kl.sum(0)


#: The pathwise step functions, in the order of the derivation.
STEPS = {f.__name__: f for f in (elbo_factorization, elbo_separation, elbo_reindexing, elbo_bayes,
                                 elbo_telescoping, elbo_kl_form)}
