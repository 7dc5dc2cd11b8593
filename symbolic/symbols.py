"""The symbol table: one SymPy symbol per quantity of the DDPM derivation.

Independent symbols carry the assumptions that make the algebra exact (``positive=True``
lets SymPy write sqrt(a*b) = sqrt(a)*sqrt(b)).  Dependent quantities are *expressions* in the
independent ones, so every identity is stated over a single set of free symbols:

.. math::
    \\beta_t = 1 - \\alpha_t, \\qquad \\bar\\alpha_t = \\alpha_t \\bar\\alpha_{t-1}.

Domain: 0 < alpha_t < 1 and 0 < alpha_bar_prev <= 1 (alpha_bar_prev = 1 exactly at t = 1),
data and noise real, variances positive.
"""

from __future__ import annotations

import sympy as sp

# Schedule: the independent pair (alpha_t, alpha_bar_prev) at one timestep t.
alpha_t = sp.Symbol("alpha_t", positive=True)
alpha_bar_prev = sp.Symbol("alpha_bar_prev", positive=True)
beta_t = 1 - alpha_t
alpha_bar_t = alpha_t * alpha_bar_prev
# At the last step the prior term sees only alpha_bar_T.
alpha_bar_T = sp.Symbol("alpha_bar_T", positive=True)

# Data, noise and the model's noise prediction (one coordinate; vectors are sums over coordinates).
x = sp.Symbol("x", real=True)
x_0 = sp.Symbol("x_0", real=True)
x_t = sp.Symbol("x_t", real=True)
x_prev = sp.Symbol("x_prev", real=True)
eps = sp.Symbol("eps", real=True)
eps_theta = sp.Symbol("eps_theta", real=True)

# Generic Gaussian parameters: means real, variances positive.
mu = sp.Symbol("mu", real=True)
mu_1 = sp.Symbol("mu_1", real=True)
mu_2 = sp.Symbol("mu_2", real=True)
var = sp.Symbol("var", positive=True)
var_1 = sp.Symbol("var_1", positive=True)
var_2 = sp.Symbol("var_2", positive=True)
sigma = sp.Symbol("sigma", positive=True)
# sigma2_t is the reverse-process variance sigma_t^2 of p_theta(x_{t-1} | x_t).
sigma2_t = sp.Symbol("sigma2_t", positive=True)

# Dimension of the data for the vector forms.
d = sp.Symbol("d", integer=True, positive=True)

#: Symbols a crosscheck sample must provide values for, by name.
BY_NAME: dict[str, sp.Symbol] = {
    s.name: s
    for s in (
        alpha_t, alpha_bar_prev, alpha_bar_T, x, x_0, x_t, x_prev, eps, eps_theta,
        mu, mu_1, mu_2, var, var_1, var_2, sigma, sigma2_t,
    )
}
