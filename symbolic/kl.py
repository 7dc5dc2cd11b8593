"""KL divergences of the derivation, derived from the definition KL = E_q[log q - log p]."""

from __future__ import annotations

import sympy as sp

from . import symbols
from .forward import forward_jump_mean, forward_jump_variance
from .gaussian import gaussian_raw_moment, expectation, gaussian_log_density
from .posterior import eps_mean, posterior_variance
from .proof import Proof, all_of, prove_equal, prove_true


def gaussian_kl_from_definition(mean_1, var_1, mean_2, var_2) -> sp.Expr:
    r"""KL(N(m1, v1) || N(m2, v2)) as E_{x~N(m1,v1)}[log N(x;m1,v1) - log N(x;m2,v2)].

    The integrand is a quadratic in x; its expectation is taken by substituting the moments
    E[x] = m1, E[x^2] = v1 + m1^2 (no closed form is assumed).
    """
    x = sp.Dummy("x", real=True)
    m1, m2 = sp.Dummy("m1", real=True), sp.Dummy("m2", real=True)
    v1, v2 = sp.Dummy("v1", positive=True), sp.Dummy("v2", positive=True)
    # Opaque means and variances first; the caller's expressions are substituted last (fast).
    log_ratio = gaussian_log_density(x, m1, v1) - gaussian_log_density(x, m2, v2)
    derived = expectation(log_ratio, x, m1, v1)
    return derived.xreplace({m1: mean_1, v1: var_1, m2: mean_2, v2: var_2})


def gaussian_kl(mean_1, var_1, mean_2, var_2) -> sp.Expr:
    r"""Closed form of the KL divergence between scalar Gaussians.

    .. math::
        \mathrm{KL}(\mathcal N(m_1, v_1)\,\|\,\mathcal N(m_2, v_2))
        = \tfrac12\Big(\log\frac{v_2}{v_1} + \frac{v_1 + (m_1-m_2)^2}{v_2} - 1\Big)
    """
    return (sp.log(var_2 / var_1) + (var_1 + (mean_1 - mean_2) ** 2) / var_2 - 1) / 2


def standard_normal_kl(mean, var) -> sp.Expr:
    r""":math:`\mathrm{KL}(\mathcal N(\mu, \sigma^2) \| \mathcal N(0, 1)) = \tfrac12(\mu^2 + \sigma^2 - 1 - \log\sigma^2)`."""
    return (mean**2 + var - 1 - sp.log(var)) / 2


def _sum_over_index(summand: sp.Expr, i: sp.Symbol, d: sp.Symbol) -> sp.Expr:
    """Sum_{i=1}^d of ``summand`` by linearity: i-free terms times d, one Sum per other monomial."""
    total = sp.S.Zero
    for term in sp.Add.make_args(sp.expand(summand)):
        constant, dependent = term.as_independent(i, as_Add=False)
        total += constant * (d if dependent == 1 else sp.Sum(dependent, (i, 1, d)))
    return total


def prove_gaussian_kl() -> Proof:
    m1, v1, m2, v2 = symbols.mu_1, symbols.var_1, symbols.mu_2, symbols.var_2
    scalar = prove_equal(
        gaussian_kl_from_definition(m1, v1, m2, v2), gaussian_kl(m1, v1, m2, v2),
        "scalar: E_q[log q - log p] = (log(v2/v1) + (v1 + (m1-m2)^2)/v2 - 1)/2",
        method="moment substitution, then exact reduction",
    )
    # Diagonal, d = 3: the joint log-ratio's expectation, coordinate by coordinate.
    means_1 = sp.symbols("a1:4", real=True)
    means_2 = sp.symbols("b1:4", real=True)
    vars_1 = sp.symbols("v1:4", positive=True)
    vars_2 = sp.symbols("w1:4", positive=True)
    xs = sp.symbols("x1:4", real=True)
    log_ratio = sp.Add(*[
        gaussian_log_density(x, a, v) - gaussian_log_density(x, b, w)
        for x, a, b, v, w in zip(xs, means_1, means_2, vars_1, vars_2)
    ])
    derived = log_ratio
    for x, a, v in zip(xs, means_1, vars_1):  # independent coordinates: one at a time
        derived = expectation(derived, x, a, v)
    diagonal = prove_equal(
        derived,
        sp.Add(*[gaussian_kl(*p) for p in zip(means_1, vars_1, means_2, vars_2)]),
        "diagonal, d=3: the KL is the sum of the coordinate KLs",
        method="moment substitution per coordinate, then exact reduction",
    )
    # Isotropic, symbolic d: sum the scalar closed form over coordinates by linearity.
    i = sp.Symbol("i", integer=True, positive=True)
    a, b = sp.IndexedBase("m_1", real=True), sp.IndexedBase("m_2", real=True)
    isotropic = prove_equal(
        _sum_over_index(gaussian_kl(a[i], v1, b[i], v2), i, symbols.d),
        (
            symbols.d * sp.log(v2 / v1) + symbols.d * v1 / v2
            + _sum_over_index((a[i] - b[i]) ** 2, i, symbols.d) / v2 - symbols.d
        ) / 2,
        "isotropic, symbolic d: (d log(v2/v1) + d v1/v2 + ||m1-m2||^2/v2 - d)/2",
        method="linearity of the sum over coordinates, then exact reduction",
    )
    # The moment substitution itself: E[x^k] of N(m, v) against the moment generating function.
    s = sp.Symbol("s", real=True)
    mgf = sp.exp(m1 * s + v1 * s**2 / 2)
    moments = all_of("raw moments", [
        prove_equal(gaussian_raw_moment(k, m1, v1), sp.diff(mgf, s, k).subs(s, 0),
                    f"E[x^{k}] for x ~ N(m, v) is the {k}-th derivative of exp(m s + v s^2/2) at s = 0")
        for k in range(5)])
    return all_of("gaussian_kl", [moments, scalar, diagonal, isotropic])


def prove_standard_normal_kl() -> Proof:
    derived = gaussian_kl_from_definition(symbols.mu, symbols.sigma**2, 0, 1)
    return prove_equal(
        derived, standard_normal_kl(symbols.mu, symbols.sigma**2),
        "KL(N(mu, sigma^2) || N(0, 1)) = (mu^2 + sigma^2 - 1 - log sigma^2)/2",
        method="the derived Gaussian KL at m2 = 0, v2 = 1, then exact reduction",
    )


def kl_eps_weight() -> sp.Expr:
    r"""The weight :math:`\lambda_t` of :math:`\|\epsilon-\epsilon_\theta\|^2` in the denoising KL (Ho et al. 2020, eq. 12).

    .. math::
        \lambda_t = \frac{\beta_t^2}{2\sigma_t^2\,\alpha_t\,(1-\bar\alpha_t)}
    """
    return symbols.beta_t**2 / (2 * symbols.sigma2_t * symbols.alpha_t * (1 - symbols.alpha_bar_t))


def kl_eps_constant() -> sp.Expr:
    r"""The eps-free part of the denoising KL (per coordinate), zero iff :math:`\sigma_t^2 = \tilde\beta_t`.

    .. math::
        C_t = \tfrac12\Big(\log\frac{\sigma_t^2}{\tilde\beta_t} + \frac{\tilde\beta_t}{\sigma_t^2} - 1\Big)
    """
    beta_tilde = posterior_variance()
    return (sp.log(symbols.sigma2_t / beta_tilde) + beta_tilde / symbols.sigma2_t - 1) / 2


def denoising_kl() -> sp.Expr:
    """KL(q(x_{t-1}|x_t,x_0) || p_theta(x_{t-1}|x_t)) per coordinate, from the definition, with
    both means in their eps form and p_theta = N(mu_theta, sigma_t^2)."""
    return gaussian_kl_from_definition(
        eps_mean(symbols.eps), posterior_variance(), eps_mean(symbols.eps_theta), symbols.sigma2_t
    )


def variance_ratio_term(rho: sp.Expr) -> sp.Expr:
    r"""The part of a Gaussian KL that compares the variances, as a function of their ratio.

    .. math::
        g(\rho) = \tfrac12(\rho - 1 - \log\rho), \qquad \rho = v_1 / v_2,

    so that :math:`\mathrm{KL}(\mathcal N(m_1, v_1)\,\|\,\mathcal N(m_2, v_2)) = (m_1-m_2)^2/(2v_2) + g(v_1/v_2)`.
    """
    return (rho - 1 - sp.log(rho)) / 2


def variance_ratio_lemma(claim: str, reason: str = "") -> Proof:
    r"""The lemma behind "a KL is zero iff the variances agree": on :math:`\rho > 0`,
    :math:`f(\rho) = \rho - 1 - \log\rho \ge 0` with its only zero at :math:`\rho = 1`.

    Proved from :func:`variance_ratio_term` (:math:`f = 2g`): :math:`f(1) = 0`, :math:`f'(\rho) =
    1 - 1/\rho` vanishes only at 1 and :math:`f'' = 1/\rho^2 > 0` (strictly convex).  ``claim`` is
    what the caller concludes from it; ``reason`` leads the method text.
    """
    rho = sp.Symbol("rho", positive=True)
    f = 2 * variance_ratio_term(rho)
    holds = (sp.solve(sp.diff(f, rho), rho) == [1] and f.subs(rho, 1) == 0
             and bool(sp.diff(f, rho, 2).is_positive))
    return prove_true(holds, claim,
                      reason + "f(rho) = rho - 1 - log rho: f(1) = 0, f'(rho) = 0 only at rho = 1, "
                      "f'' = 1/rho^2 > 0 (strictly convex, so 1 is its only zero)")


def prove_kl_eps_weight() -> Proof:
    constant = kl_eps_constant()
    return all_of("kl_eps_weight", [
        prove_equal(
            denoising_kl(), kl_eps_weight() * (symbols.eps - symbols.eps_theta) ** 2 + constant,
            "KL(q || p_theta) = beta_t^2/(2 sigma_t^2 alpha_t (1-alpha_bar_t)) (eps-eps_theta)^2 + C_t",
            method="derived Gaussian KL of the eps-form means, exact reduction",
        ),
        prove_true(not constant.has(symbols.eps, symbols.eps_theta), "C_t is free of eps and eps_theta",
                   "free symbols of C_t"),
        prove_equal(constant, variance_ratio_term(posterior_variance() / symbols.sigma2_t),
                    "C_t = (rho - 1 - log rho)/2 with rho = beta_tilde_t/sigma_t^2"),
        variance_ratio_lemma("C_t = 0 iff sigma_t^2 = beta_tilde_t"),
    ])


def prior_kl() -> sp.Expr:
    r"""KL(q(x_T|x_0) || N(0, 1)) per coordinate (sum over coordinates for d dimensions).

    .. math::
        \tfrac12\big(\bar\alpha_T x_0^2 - \bar\alpha_T - \log(1-\bar\alpha_T)\big)
    """
    return (symbols.alpha_bar_T * symbols.x_0**2 - symbols.alpha_bar_T - sp.log(1 - symbols.alpha_bar_T)) / 2


def prove_prior_kl() -> Proof:
    mean_T = forward_jump_mean(symbols.x_0, symbols.alpha_bar_T)
    var_T = forward_jump_variance(symbols.alpha_bar_T)
    i = sp.Symbol("i", integer=True, positive=True)
    x0 = sp.IndexedBase("x_0", real=True)
    per_coordinate = prior_kl().subs(symbols.x_0, x0[i])
    limit = sp.limit(prior_kl(), symbols.alpha_bar_T, 0, "+")
    return all_of("prior_kl", [
        prove_equal(gaussian_kl_from_definition(mean_T, var_T, 0, 1), prior_kl(),
                    "KL(N(sqrt(alpha_bar_T) x_0, 1-alpha_bar_T) || N(0,1)) per coordinate",
                    method="derived Gaussian KL, exact reduction"),
        prove_equal(
            _sum_over_index(per_coordinate, i, symbols.d),
            (symbols.alpha_bar_T * _sum_over_index(x0[i] ** 2, i, symbols.d) - symbols.d * symbols.alpha_bar_T
             - symbols.d * sp.log(1 - symbols.alpha_bar_T)) / 2,
            "d dimensions: (alpha_bar_T ||x_0||^2 - d alpha_bar_T - d log(1-alpha_bar_T))/2",
            method="linearity of the sum over coordinates, exact reduction"),
        prove_true(limit == 0, "prior KL -> 0 as alpha_bar_T -> 0+", f"sympy.limit = {limit}"),
    ])
