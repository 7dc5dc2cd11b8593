r"""The schedule-derived tables, in one place: each builder maps the float64 master tables ``m``
of a :class:`~numeric.schedule.NoiseSchedule` (``beta``, ``alpha``, ``log_alpha``,
``log_alpha_bar``, ``alpha_bar``, ``one_minus_alpha_bar``, length T+1) to a derived table of the
same length, in float64 and with stable forms.  ``schedule.table(name, builder)`` builds a table
once and casts it to the working dtype and device; the formula modules read the tables from here.

Paper indexing: index t holds the value at timestep t; where a table is undefined at t = 0
(0/0), index 0 is set to 0 and never read (every public function refuses t = 0).
"""

from __future__ import annotations

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
    # beta_t (1 - alpha_bar_{t-1}) / (1 - alpha_bar_t); index 0 set to 0 (0/0 otherwise).
    table = m["beta"] * _previous(m, "one_minus_alpha_bar") / m["one_minus_alpha_bar"]
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

def ratio_term(ratio: torch.Tensor) -> torch.Tensor:
    """r - 1 - log r for r > 0, elementwise (the variance part of every Gaussian KL here).  Near
    r = 1, log1p(r - 1) keeps the absolute accuracy of the small result; far from 1, log r itself
    (log1p(r - 1) would amplify the rounding of r - 1 by 1/r when r is small)."""
    x = ratio - 1
    log_ratio = torch.where(x.abs() < 0.5, torch.log1p(x), torch.log(ratio))
    return x - log_ratio


def lambda_numerator(m: Tables) -> torch.Tensor:
    # beta_t^2 / (alpha_t (1 - alpha_bar_t)); index 0 unused.
    table = m["beta"] ** 2 / (m["alpha"] * m["one_minus_alpha_bar"])
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
    (0 at t = 0, 1) for a fixed variance."""
    def build(m):
        table = 0.5 * ratio_term(beta_tilde(m)[2:] / SIGMA2[variance][0](m)[2:])
        return torch.cat([torch.zeros(2, dtype=table.dtype), table])
    return build
