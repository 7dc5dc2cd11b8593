r"""The schedule-derived tables, in one place: each builder maps the float64 master tables ``m``
of a :class:`~numeric.schedule.NoiseSchedule` (``beta``, ``alpha``, ``log_alpha``,
``log_alpha_bar``, ``alpha_bar``, ``one_minus_alpha_bar``, length T+1) to a derived table of the
same length, in float64 and with stable forms.  ``schedule.table(name, builder)`` builds a table
once and casts it to the working dtype and device; the formula modules read the tables from here.

Paper indexing: index t holds the value at timestep t; where a table is undefined at t = 0
(0/0), index 0 is set to 0 and never read (every public function refuses t = 0).
"""

from __future__ import annotations

import functools

import torch

from ._types import Tables


# -- the forward process (numeric/forward.py, numeric/score.py) -----------------------------------

def sqrt_alpha(m: Tables) -> torch.Tensor:
    return torch.sqrt(m["alpha"])


def sqrt_beta(m: Tables) -> torch.Tensor:
    return torch.sqrt(m["beta"])


def sqrt_alpha_bar(m: Tables) -> torch.Tensor:
    return torch.exp(0.5 * m["log_alpha_bar"])


def sqrt_one_minus_alpha_bar(m: Tables) -> torch.Tensor:
    return torch.sqrt(m["one_minus_alpha_bar"])


# -- the posterior and the eps parameterisation (numeric/posterior.py) ----------------------------

def _previous(m, name):
    """table[t-1] at index t (index 0 repeats index 0; it is never read)."""
    return torch.cat([m[name][:1], m[name][:-1]])


def beta_tilde(m: Tables) -> torch.Tensor:
    # beta_t (1 - alpha_bar_{t-1}) / (1 - alpha_bar_t); index 0 set to 0 (0/0 otherwise).  The
    # ratio (<= 1) first: beta_t (1 - alpha_bar_{t-1}) underflows for betas near 1e-300 although
    # beta_tilde_t does not.
    table = m["beta"] * (_previous(m, "one_minus_alpha_bar") / m["one_minus_alpha_bar"])
    table[0] = 0.0
    return table


def log_beta_tilde(m: Tables) -> torch.Tensor:
    # log beta_t + log(1 - alpha_bar_{t-1}) - log(1 - alpha_bar_t); -inf at t = 1 (beta_tilde_1 = 0).
    table = torch.log(m["beta"]) + torch.log(_previous(m, "one_minus_alpha_bar")) - torch.log(
        m["one_minus_alpha_bar"])
    table[0] = 0.0
    return table


def coef_x0(m: Tables) -> torch.Tensor:
    table = torch.exp(0.5 * _previous(m, "log_alpha_bar")) * m["beta"] / m["one_minus_alpha_bar"]
    table[0] = 0.0
    return table


def coef_xt(m: Tables) -> torch.Tensor:
    table = torch.sqrt(m["alpha"]) * _previous(m, "one_minus_alpha_bar") / m["one_minus_alpha_bar"]
    table[0] = 0.0
    return table


def recip_sqrt_alpha_bar(m: Tables) -> torch.Tensor:
    return torch.exp(-0.5 * m["log_alpha_bar"])


def sqrt_recip_alpha_bar_minus_one(m: Tables) -> torch.Tensor:
    # sqrt(1/alpha_bar - 1) = sqrt(expm1(-log alpha_bar)): no cancellation near alpha_bar = 1.
    return torch.sqrt(torch.expm1(-m["log_alpha_bar"]))


def recip_sqrt_alpha(m: Tables) -> torch.Tensor:
    return torch.exp(-0.5 * m["log_alpha"])


def eps_coef(m: Tables) -> torch.Tensor:
    table = m["beta"] / (torch.sqrt(m["alpha"]) * torch.sqrt(m["one_minus_alpha_bar"]))
    table[0] = 0.0
    return table


# -- the KLs (numeric/kl.py) ------------------------------------------------------------------------

#: Below this r - 1 the variance term takes log r itself: x = r - 1 rounds near -1 (its absolute error
#: is 1e-16 of 1), which log1p(x) would turn into a relative error of 1e-16/r.
LOG_RATIO_BELOW = -0.5
#: Below this |r - 1| the variance term r - 1 - log r is summed as a series (:func:`excess_ratio_term`);
#: at the threshold log1p's cancellation costs 2/|r - 1| = 40 roundings (4e-15 in float64).
RATIO_SERIES_BELOW = 0.05
#: 1/(2k + 3), k = 0..4: the series of atanh(u)/u - 1 over u^2, truncated where its next term is
#: below 1e-18 of the result (|u| < 0.026 under :data:`RATIO_SERIES_BELOW`).
RATIO_SERIES = (1 / 3, 1 / 5, 1 / 7, 1 / 9, 1 / 11)


def ratio_term(ratio: torch.Tensor) -> torch.Tensor:
    """r - 1 - log r for r > 0, elementwise (the variance part of every Gaussian KL here).  Near
    r = 1, log1p(r - 1) keeps the absolute accuracy of the small result; far from 1, log r itself
    (log1p(r - 1) would amplify the rounding of r - 1 by 1/r when r is small).  Where r - 1 is
    known more accurately than ``ratio - 1`` (a difference of variances), :func:`excess_ratio_term`
    keeps the relative accuracy as well."""
    x = ratio - 1
    log_ratio = torch.where(x.abs() < 0.5, torch.log1p(x), torch.log(ratio))
    return x - log_ratio


def excess_ratio_term(ratio: torch.Tensor, excess: torch.Tensor) -> torch.Tensor:
    """r - 1 - log r for r > 0, elementwise, from r and x = r - 1 formed without cancellation (from
    a difference of variances: x = (v_1 - v_2)/v_2), to the relative accuracy of x.

    Near r = 1, with u = x/(2 + x) (so that log r = 2 atanh u and x = 2u/(1 - u)):
    x - log1p(x) = 2u^2/(1 - u) - 2u^3 (1/3 + u^2/5 + u^4/7 + ...), terms of one sign for u > 0 and
    dominated by the first for u < 0, so nothing cancels (x - log1p(x) would lose 2/|x| roundings).
    Further out log1p(x) (x is accurate: no cancellation in x - log1p(x) beyond 40 roundings), and
    below :data:`LOG_RATIO_BELOW` log r itself, as :func:`ratio_term`.  About four times
    the work of :func:`ratio_term`: the KL constants use it, not the per-sample KLs."""
    x = excess
    u = x / (2 + x)
    v = u * u
    tail = functools.reduce(lambda total, coefficient: total * v + coefficient, reversed(RATIO_SERIES))
    near = 2 * v / (1 - u) - 2 * u * v * tail
    log_ratio = torch.where(x < LOG_RATIO_BELOW, torch.log(ratio), torch.log1p(x))
    return torch.where(x.abs() < RATIO_SERIES_BELOW, near, x - log_ratio)


def beta_minus_beta_tilde(m: Tables) -> torch.Tensor:
    # beta_t - beta_tilde_t = beta_t (alpha_bar_{t-1} - alpha_bar_t)/(1 - alpha_bar_t)
    #                       = beta_t^2 alpha_bar_{t-1}/(1 - alpha_bar_t) = beta_t sqrt(alpha_bar_{t-1}) coef_x0_t:
    # a product, no cancellation, where beta_t - beta_tilde_t itself loses every digit once
    # alpha_bar_{t-1} << 1; 0 at t = 0 (beta_0 = 0), as coef_x0.
    return m["beta"] * torch.exp(0.5 * _previous(m, "log_alpha_bar")) * coef_x0(m)


def lambda_numerator(m: Tables) -> torch.Tensor:
    # beta_t^2 / (alpha_t (1 - alpha_bar_t)); index 0 unused.  As beta_t times the ratio
    # beta_t / (1 - alpha_bar_t) <= 1: beta_t^2 underflows for betas below 1e-162.
    table = m["beta"] * (m["beta"] / m["one_minus_alpha_bar"]) / m["alpha"]
    table[0] = 0.0
    return table


def prior_kl_offset(m: Tables) -> torch.Tensor:
    # (-alpha_bar - log(1 - alpha_bar)) / 2 = (1/2) sum_{k>=2} alpha_bar^k / k.  The two terms
    # cancel to O(alpha_bar^2) when alpha_bar_T is small (4e-5 linear, 2e-9 cosine, T=1000), so
    # below 0.1 the series is summed (30 terms: truncation < 0.1^31); above, no cancellation.
    a = m["alpha_bar"]
    series = sum(a**k / k for k in range(2, 32))
    direct = -a - torch.log(m["one_minus_alpha_bar"])
    return 0.5 * torch.where(a < 0.1, series, direct)


# -- the fixed reverse variance sigma_t^2 and the bound's weights (numeric/elbo.py) ---------------

def sigma2_posterior(m: Tables) -> torch.Tensor:
    # beta_tilde_t, and at t = 1 (beta_tilde_1 = 0) beta_tilde_2, as improved-diffusion's
    # posterior_log_variance_clipped and the original DDPM code do.
    table = beta_tilde(m).clone()
    table[1] = table[2]
    return table


def log_sigma2_posterior(m: Tables) -> torch.Tensor:
    table = log_beta_tilde(m).clone()
    table[1] = table[2]
    return table


def sigma2_beta(m: Tables) -> torch.Tensor:
    return m["beta"]


def log_sigma2_beta(m: Tables) -> torch.Tensor:
    table = torch.log(m["beta"])
    table[0] = 0.0
    return table


#: The fixed reverse variances by name: (builder of sigma_t^2, builder of log sigma_t^2).
SIGMA2 = {"posterior": (sigma2_posterior, log_sigma2_posterior), "beta": (sigma2_beta, log_sigma2_beta)}
VARIANCES = tuple(SIGMA2)


def eps_weight(variance: str):
    """The builder of lambda_t = beta_t^2 / (2 sigma_t^2 alpha_t (1 - alpha_bar_t)) for a fixed variance."""
    def build(m):
        table = lambda_numerator(m) / (2 * SIGMA2[variance][0](m))
        table[0] = 0.0
        return table
    return build


def kl_constant(variance: str):
    """The builder of C_t = (beta_tilde_t/sigma_t^2 - 1 - log(beta_tilde_t/sigma_t^2)) / 2 for t >= 2
    (0 at t = 0, 1) for a fixed variance; beta_tilde_t/sigma_t^2 - 1 is formed from sigma_t^2 - beta_tilde_t,
    which is beta_t - beta_tilde_t (:func:`beta_minus_beta_tilde`) for sigma_t^2 = beta_t and 0 for beta_tilde_t."""
    def build(m):
        sigma2 = SIGMA2[variance][0](m)[2:]
        gap = beta_minus_beta_tilde(m)[2:] if variance == "beta" else sigma2 - beta_tilde(m)[2:]
        table = 0.5 * excess_ratio_term(beta_tilde(m)[2:] / sigma2, -gap / sigma2)
        return torch.cat([torch.zeros(2, dtype=table.dtype), table])
    return build
