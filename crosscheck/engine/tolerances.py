"""Numeric tolerances, one table per dtype: the single place they are set.

Errors are measured against a 50-digit mpmath evaluation of the proved symbolic expression
and scaled by the *magnitude* of the expression at that point: the same expression with every
sum replaced by the sum of the absolute values of its terms.  That is the scale rounding
errors live on (a sum that cancels to ~0 still carries the rounding of its large terms), so
one relative tolerance serves quantities of every size.
"""

from __future__ import annotations

import torch

#: Max |numeric - reference| / magnitude, per working dtype.
RTOL = {
    # ~20 roundings of 1.1e-16, and log(alpha_bar_t) from a compensated sum (one rounding of
    # |log alpha_bar_t|, which 1/sqrt(alpha_bar_t) turns into a relative error); the reference
    # takes the schedule exactly from the float64 betas.  Measured worst case 4e-15 (catalog
    # run), 1e-14 fuzzed over T <= 10,000.
    torch.float64: 1e-11,
    # Each float32 table is a correctly rounded cast (6e-8) of its float64 value; a formula
    # combines up to ~6 of them plus a few float32 operations; measured worst case ~1e-6.
    torch.float32: 5e-6,
}

#: Max |ours - independent implementation| / max(1, |independent|), per dtype.  The oracles
#: (torch.distributions) compute in the working dtype with their own cancellations.
ORACLE_TOL = {torch.float64: 1e-10, torch.float32: 1e-4}

#: Where the compared value is ill-conditioned, an oracle also allows this many roundings of the
#: dtype (its eps) times the value's sensitivity to a relative rounding of its arguments: a
#: log-density log N(x; m, v) with v = 5e-5 moves by |x - m|(|x| + |m|)/v ~ 1e3 roundings when m
#: is rounded, so two correct float32 computations of the Bayes quotient differ by 3e-4 (seen at
#: seeds 0-11); measured need 0.23 roundings, while a variance off by 1e-3 still fails.
ORACLE_ROUNDINGS = 4

#: kl_eps_constant at sigma_t^2 = beta_t, *relative* to its own value (a small difference a user
#: compares between variance choices), float64: rho - 1 formed from beta_t - beta_tilde_t =
#: beta_t^2 alpha_bar_{t-1}/(1 - alpha_bar_t) as a product; measured worst 1.3e-14 (issue 18),
#: where forming rho = beta_tilde/beta first lost every digit of values near 1e-35.
KL_CONSTANT_RTOL = 1e-12

#: Schedule tables (alpha_bar, 1 - alpha_bar, beta_tilde, log beta_tilde, posterior
#: coefficients) against a 50-digit product of the float64 betas, max relative error.
SCHEDULE_RTOL = {
    torch.float64: 1e-12,  # cumsum of log1p over T = 1000 terms
    torch.float32: 3e-7,   # one correctly rounded cast from float64 (issue #2's figure)
}

#: Statistical checks pass within this many standard errors (seeded, so deterministic).
Z_LIMIT = 4.0

#: Pathwise derivation steps (issue #3): max |step - factorised ELBO| / (sum of |log-density|
#: over the trajectory's terms).  The steps only regroup the same log-densities, or replace
#: log q(x_t|x_{t-1}) by three other log-densities (Bayes), so the error is a few roundings of
#: the terms; measured worst ~4e-16 (float64).
PATHWISE_RTOL = {torch.float64: 1e-10, torch.float32: 1e-5}

#: The exact-likelihood check (float64 throughout, whatever the working dtype): the gap
#: log p(x_0) - ELBO against the closed-form KL of the linear-Gaussian reverse model, both
#: sums of T ~ 1 terms and a T x T Cholesky; max |gap - KL| / (1 + |KL|).
EXACT_LIKELIHOOD_TOL = 1e-8

#: The discretized decoder's log-probabilities against 50-digit mpmath, max error relative to
#: max(1, |reference|): the edge bins and far tails go through log(ndtr) and erfc in the working dtype.
DECODER_TOL = {torch.float64: 1e-9, torch.float32: 1e-4}
