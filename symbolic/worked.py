r"""The closed-form parts of the homework, worked line by line in the lecture's notation.

Each derivation is a :class:`~symbolic.elbo.Step` (the one type of a chain of proved lines)
whose lines are real SymPy expressions written in the display symbols of
:mod:`symbolic.notation` (:math:`\bar\alpha_t`, :math:`\beta_t`, :math:`\tilde\mu_t`, ...), kept
unevaluated where a line shows an intermediate form.  :func:`prove_worked` proves every line
equal to the next by exact reduction (display symbols replaced by what they stand for, the
written forms :class:`~symbolic.gaussian.Normal` and :class:`~symbolic.gaussian.Expect`
evaluated by moments), and proves the first derived line and the last line equal to the
catalog's expressions, so the write-up cannot drift from what ``python -m crosscheck`` verifies.
"""

from __future__ import annotations

from functools import lru_cache

import sympy as sp

from . import elbo, notation, symbols
from .elbo import Step
from .gaussian import Expect, Normal, evaluate_written, gaussian_log_density
from .kl import gaussian_kl, gaussian_kl_from_definition, kl_eps_weight, prior_kl
from .posterior import bayes_log_quotient, eps_mean, posterior_mean, posterior_variance, x0_from_eps
from .proof import Proof, all_of, prove_equal

_AB, _ABP, _A, _B = notation.ALPHA_BAR_T, symbols.alpha_bar_prev, symbols.alpha_t, notation.BETA_T
_BT, _MT, _ST = notation.BETA_TILDE_T, notation.MU_TILDE_T, notation.SIGMA_T
_x0, _xt, _xp, _e, _et = symbols.x_0, symbols.x_t, symbols.x_prev, symbols.eps, symbols.eps_theta


def _add(*terms):
    return sp.Add(*terms, evaluate=False)


def _mul(*factors):
    return sp.Mul(*factors, evaluate=False)


def _div(numerator, denominator):
    """numerator/denominator as one flat fraction (no fraction inside a fraction), unevaluated."""
    n1, d1 = sp.fraction(numerator, exact=True)
    n2, d2 = sp.fraction(denominator, exact=True)
    top = n1 if d2 == 1 else _mul(n1, d2)
    bottom = n2 if d1 == 1 else _mul(d1, n2)
    if bottom == 1:
        return top
    inverse = sp.Pow(bottom, -1, evaluate=False)
    return inverse if top == 1 else _mul(top, inverse)


def _half(expr):
    return _mul(sp.Rational(1, 2), expr)


def evaluate(expr: sp.Expr) -> sp.Expr:
    """Display symbols to proof symbols, Gaussian densities and expectations computed exactly."""
    return evaluate_written(notation.from_display(expr))


def prove_worked(w: Step) -> Proof:
    """Every transition, and the links of the first derived and the last line to the catalog's expressions."""
    def read(expr):
        return evaluate(expr).subs(w.given) if w.given else evaluate(expr)

    steps = [
        prove_equal(read(a), read(b), f"{w.name}: {note}", method="exact reduction of the two lines")
        for (a, b), note in zip(w.equations(), w.notes)
    ]
    if w.start is not None:
        steps.append(prove_equal(read(w.derived[0]), w.start.subs(w.given),
                                 f"{w.name}: the first line is the catalog's expression"))
    if w.end is not None:
        steps.append(prove_equal(read(w.lines[-1]), w.end.subs(w.given),
                                 f"{w.name}: the last line is the catalog's expression"))
    return all_of(w.name, steps, method="each line proved equal to the next, exactly")


def _log_normal(x, m, v):
    return sp.log(Normal(x, m, v))


@lru_cache(maxsize=None)
def worked() -> tuple[Step, ...]:
    """The homework's closed-form derivations, in the order the write-up shows them."""
    one_m_ab, one_m_abp = _add(1, -_AB), _add(1, -_ABP)
    w_0 = _div(_mul(sp.sqrt(_ABP), _B), one_m_ab)
    w_t = _div(_mul(sp.sqrt(_A), one_m_abp), one_m_ab)
    x0_eps = _div(_add(_xt, -_mul(sp.sqrt(one_m_ab), _e)), sp.sqrt(_AB))
    given_eps = {symbols.x_0: x0_from_eps()}
    mu_theta = notation.MU_THETA

    eps_mean_lines = (
        _add(_mul(w_0, _x0), _mul(w_t, _xt)),
        _add(_mul(w_0, x0_eps), _mul(w_t, _xt)),
        _add(_mul(_add(_div(w_0, sp.sqrt(_AB)), w_t), _xt),
             -_mul(_div(_mul(sp.sqrt(_ABP), _B, sp.sqrt(one_m_ab)), _mul(one_m_ab, sp.sqrt(_AB))), _e)),
        _add(_mul(_div(_add(_B, _mul(_A, one_m_abp)), _mul(sp.sqrt(_A), one_m_ab)), _xt),
             -_mul(_div(_B, _mul(sp.sqrt(_A), sp.sqrt(one_m_ab))), _e)),
        _add(_div(_xt, sp.sqrt(_A)), -_mul(_div(_B, _mul(sp.sqrt(_A), sp.sqrt(one_m_ab))), _e)),
        _mul(_div(1, sp.sqrt(_A)), _add(_xt, -_mul(_div(_B, sp.sqrt(one_m_ab)), _e))),
    )

    quotient = (_log_normal(_xt, _mul(sp.sqrt(_A), _xp), _B)
                + _log_normal(_xp, _mul(sp.sqrt(_ABP), _x0), one_m_abp)
                - _log_normal(_xt, _mul(sp.sqrt(_AB), _x0), one_m_ab))
    two_pi = 2 * sp.pi
    log_terms = (-_half(sp.log(_mul(two_pi, _B))), -_half(sp.log(_mul(two_pi, one_m_abp))),
                 _half(sp.log(_mul(two_pi, one_m_ab))))
    expanded = _add(
        -_div(_add(_xt, -_mul(sp.sqrt(_A), _xp)) ** 2, _mul(2, _B)),
        -_div(_add(_xp, -_mul(sp.sqrt(_ABP), _x0)) ** 2, _mul(2, one_m_abp)),
        _div(_add(_xt, -_mul(sp.sqrt(_AB), _x0)) ** 2, _mul(2, one_m_ab)),
        *log_terms,
    )
    precision = _add(_div(_A, _B), _div(1, one_m_abp))
    linear = _add(_div(_mul(sp.sqrt(_A), _xt), _B), _div(_mul(sp.sqrt(_ABP), _x0), one_m_abp))
    constant = _add(-_div(_xt**2, _mul(2, _B)), -_div(_mul(_ABP, _x0**2), _mul(2, one_m_abp)),
                    _div(_add(_xt, -_mul(sp.sqrt(_AB), _x0)) ** 2, _mul(2, one_m_ab)), *log_terms)
    collected = _add(-_mul(sp.Rational(1, 2), precision, _xp**2), _mul(linear, _xp), constant)
    completed = _add(-_div(_add(_xp, -_MT) ** 2, _mul(2, _BT)), -_half(sp.log(_mul(two_pi, _BT))))

    x, m1, m2, s1, s2 = symbols.x, symbols.mu_1, symbols.mu_2, notation.SIGMA_1, notation.SIGMA_2
    kl_def = Expect(_log_normal(x, m1, s1**2) - _log_normal(x, m2, s2**2), x, m1, s1**2)
    kl_log = Expect(_add(-_div(_add(x, -m1) ** 2, _mul(2, s1**2)), _div(_add(x, -m2) ** 2, _mul(2, s2**2)),
                         _half(sp.log(_div(s2**2, s1**2)))), x, m1, s1**2)
    kl_linear = _add(-_div(Expect(_add(x, -m1) ** 2, x, m1, s1**2), _mul(2, s1**2)),
                     _div(Expect(_add(x, -m2) ** 2, x, m1, s1**2), _mul(2, s2**2)),
                     _half(sp.log(_div(s2**2, s1**2))))
    kl_moments = _add(-_div(s1**2, _mul(2, s1**2)), _div(_add(s1**2, _add(m1, -m2) ** 2), _mul(2, s2**2)),
                      _half(sp.log(_div(s2**2, s1**2))))
    kl_closed = _half(_add(sp.log(_div(s2**2, s1**2)), _div(_add(s1**2, _add(m1, -m2) ** 2), s2**2), -1))

    def kl_of(mean_1, var_1, mean_2, var_2):
        gap = mean_1 if mean_2 == 0 else _add(mean_1, -mean_2)
        return _half(_add(sp.log(_div(var_2, var_1)), _div(_add(var_1, sp.Pow(gap, 2, evaluate=False)), var_2), -1))

    eps_form = _mul(_div(1, sp.sqrt(_A)), _add(_xt, -_mul(_div(_B, sp.sqrt(one_m_ab)), _e)))
    eps_form_theta = _mul(_div(1, sp.sqrt(_A)), _add(_xt, -_mul(_div(_B, sp.sqrt(one_m_ab)), _et)))
    difference = _div(_mul(_B, _add(_et, -_e)), _mul(sp.sqrt(_A), sp.sqrt(one_m_ab)))
    weight = _div(_B**2, _mul(2, _ST**2, _A, one_m_ab))
    c_t = _half(_add(sp.log(_div(_ST**2, _BT)), _div(_BT, _ST**2), -1))
    at_beta_tilde = {symbols.sigma2_t: posterior_variance()}

    ab_T = symbols.alpha_bar_T
    a, b, s, m, v, z = elbo.lg_a, elbo.lg_b, notation.S_LG, elbo.lg_m, elbo.lg_v, elbo.z
    post_mean, post_var = (notation.to_display(e) for e in elbo.linear_gaussian_true_posterior())

    return (
        Step("eps_mean_derivation", r"Problem 3 Part A: the $\epsilon$-form of $\tilde\mu_t$",
             (_MT, *eps_mean_lines),
             ("the posterior mean, Ho et al. eq. 7",
              "substitute $x_0 = (x_t - \\sqrt{1-\\bar\\alpha_t}\\,\\epsilon)/\\sqrt{\\bar\\alpha_t}$",
              "collect the coefficients of $x_t$ and $\\epsilon$",
              "$\\sqrt{\\bar\\alpha_t} = \\sqrt{\\alpha_t}\\sqrt{\\bar\\alpha_{t-1}}$ and "
              "$1-\\bar\\alpha_t = \\sqrt{1-\\bar\\alpha_t}^{\\,2}$",
              "$\\beta_t + \\alpha_t(1-\\bar\\alpha_{t-1}) = 1 - \\alpha_t\\bar\\alpha_{t-1} = 1-\\bar\\alpha_t$",
              "factor out $1/\\sqrt{\\alpha_t}$"),
             ("$x_t = \\sqrt{\\bar\\alpha_t}\\,x_0 + \\sqrt{1-\\bar\\alpha_t}\\,\\epsilon$",),
             named=True, given=given_eps, start=posterior_mean(), end=eps_mean()),
        Step("posterior_completed_square",
             r"The tractable reverse distribution: Bayes' rule and the completed square",
             (quotient, expanded, collected, completed),
             ("the three Gaussian log-densities written out",
              "collect powers of $x_{t-1}$ (the last group is free of $x_{t-1}$)",
              "complete the square: the coefficient of $x_{t-1}^2$ is $-1/(2\\tilde\\beta_t)$, that of "
              "$x_{t-1}$ is $\\tilde\\mu_t/\\tilde\\beta_t$, and what is left is the normaliser of "
              "$\\mathcal N(\\tilde\\mu_t, \\tilde\\beta_t)$"),
             ("$t \\geq 2$, so that $\\bar\\alpha_{t-1} < 1$", "Markov property of the forward chain"),
             label=sp.log(elbo.q_post(elbo.t)), start=bayes_log_quotient(),
             end=gaussian_log_density(symbols.x_prev, posterior_mean(), posterior_variance())),
        Step("posterior_variance_derivation", r"The variance $\tilde\beta_t$ from the $x_{t-1}^2$ coefficient",
             (1 / _BT, precision, _div(_add(_mul(_A, one_m_abp), _B), _mul(_B, one_m_abp)),
              _div(one_m_ab, _mul(_B, one_m_abp))),
             ("$-2\\times$ the coefficient of $x_{t-1}^2$", "common denominator",
              "$\\alpha_t(1-\\bar\\alpha_{t-1}) + \\beta_t = 1 - \\bar\\alpha_t$"),
             ("$t \\geq 2$",),
             named=True, end=1 / posterior_variance()),
        Step("posterior_mean_derivation", r"The mean $\tilde\mu_t$ from the $x_{t-1}$ coefficient",
             (_MT, _mul(_BT, linear),
              _mul(_div(_mul(_B, one_m_abp), one_m_ab), linear),
              _add(_mul(w_0, _x0), _mul(w_t, _xt))),
             ("$\\tilde\\beta_t\\times$ the coefficient of $x_{t-1}$",
              "$\\tilde\\beta_t = (1-\\bar\\alpha_{t-1})\\beta_t/(1-\\bar\\alpha_t)$",
              "multiply out"),
             ("$t \\geq 2$",),
             named=True, end=posterior_mean()),
        Step("gaussian_kl_derivation", r"The Gaussian KL divergence from its definition",
             (kl_def, kl_log, kl_linear, kl_moments, kl_closed),
             ("the log-densities written out; the $\\log 2\\pi$ terms cancel",
              "linearity of the expectation",
              "moments of $x \\sim \\mathcal N(\\mu_1, \\sigma_1^2)$: $\\mathbb E(x-\\mu_1)^2 = \\sigma_1^2$, "
              "$\\mathbb E(x-\\mu_2)^2 = \\sigma_1^2 + (\\mu_1-\\mu_2)^2$",
              "collect"),
             ("$\\sigma_1, \\sigma_2 > 0$",),
             start=gaussian_kl_from_definition(symbols.mu_1, symbols.var_1, symbols.mu_2, symbols.var_2),
             end=gaussian_kl(symbols.mu_1, symbols.var_1, symbols.mu_2, symbols.var_2)),
        Step("kl_eps_derivation",
             r"Problem 3 Part B: the denoising KL in terms of means and variances, then of $\epsilon$",
             (Expect(_log_normal(_xp, _MT, _BT) - _log_normal(_xp, mu_theta, _ST**2), _xp, _MT, _BT),
              kl_of(_MT, _BT, mu_theta, _ST**2),
              kl_of(eps_form, _BT, eps_form_theta, _ST**2),
              kl_of(difference, _BT, 0, _ST**2),
              _add(_mul(weight, _add(_e, -_et) ** 2), c_t),
              _add(_mul(notation.LAMBDA_T, _add(_e, -_et) ** 2), notation.C_T)),
             ("the Gaussian KL (derived above), per coordinate",
              "$\\tilde\\mu_t$ and $\\mu_\\theta$ in their $\\epsilon$-forms (Part A)",
              "$\\tilde\\mu_t - \\mu_\\theta = \\beta_t(\\epsilon_\\theta - \\epsilon)/"
              "(\\sqrt{\\alpha_t}\\sqrt{1-\\bar\\alpha_t})$",
              "split off the $\\epsilon$-free part",
              "name the weight $\\lambda_t$ and the constant $C_t$"),
             ("$p_\\theta(x_{t-1}|x_t) = \\mathcal N(\\mu_\\theta, \\sigma_t^2)$ with "
              "$\\mu_\\theta = (x_t - \\beta_t\\epsilon_\\theta/\\sqrt{1-\\bar\\alpha_t})/\\sqrt{\\alpha_t}$",
              "$x_t = \\sqrt{\\bar\\alpha_t}\\,x_0 + \\sqrt{1-\\bar\\alpha_t}\\,\\epsilon$",
              "vectors: sum over the $d$ coordinates, $(\\epsilon-\\epsilon_\\theta)^2 \\to "
              "\\|\\epsilon-\\epsilon_\\theta\\|^2$"),
             label=elbo.KL(elbo.q_post(elbo.t), elbo.p_theta(elbo.t)), given=given_eps,
             end=kl_eps_weight() * (symbols.eps - symbols.eps_theta) ** 2 + notation.BY_NAME["C_t"].value),
        Step("kl_eps_mse", r"Problem 3 Part B: with $\sigma_t^2 = \tilde\beta_t$ the KL is a weighted MSE",
             (_add(_mul(notation.LAMBDA_T, _add(_e, -_et) ** 2), notation.C_T),
              _mul(_div(_B**2, _mul(2, _BT, _A, one_m_ab)), _add(_e, -_et) ** 2),
              _mul(_div(_B, _mul(2, _A, one_m_abp)), _add(_e, -_et) ** 2)),
             ("at $\\sigma_t^2 = \\tilde\\beta_t$: $C_t = \\frac12(\\log 1 + 1 - 1) = 0$",
              "$\\tilde\\beta_t = (1-\\bar\\alpha_{t-1})\\beta_t/(1-\\bar\\alpha_t)$"),
             ("$\\sigma_t^2 = \\tilde\\beta_t$ (DDPM's posterior variance)", "$t \\geq 2$"),
             label=elbo.KL(elbo.q_post(elbo.t), elbo.p_theta(elbo.t)), given=at_beta_tilde,
             end=kl_eps_weight() * (symbols.eps - symbols.eps_theta) ** 2),
        Step("prior_kl_derivation", r"Problem 2 Part B: the prior-matching term",
             (kl_of(_mul(sp.sqrt(ab_T), _x0), _add(1, -ab_T), 0, 1),
              _half(_add(_mul(ab_T, _x0**2), -ab_T, -sp.log(_add(1, -ab_T))))),
             ("the Gaussian KL with $\\mu_1 = \\sqrt{\\bar\\alpha_T}x_0$, $\\sigma_1^2 = 1-\\bar\\alpha_T$, "
              "$\\mu_2 = 0$, $\\sigma_2^2 = 1$, per coordinate",),
             ("$q(x_T|x_0) = \\mathcal N(\\sqrt{\\bar\\alpha_T}x_0, 1-\\bar\\alpha_T)$, $p(x_T) = \\mathcal N(0, 1)$",),
             label=elbo.KL(elbo.q_jump(elbo.T), elbo.p_prior(elbo.T)), end=prior_kl()),
        Step("elbo_gap_derivation", r"Foundations: the single-latent ELBO and its gap (linear-Gaussian model)",
             (Expect(_log_normal(symbols.x, _add(_mul(a, z), b), s**2) + _log_normal(z, 0, 1)
                     - _log_normal(z, m, v), z, m, v),
              notation.to_display(elbo.linear_gaussian_elbo()),
              _add(notation.to_display(elbo.linear_gaussian_log_evidence()),
                   -kl_of(m, v, post_mean, post_var)),
              _add(_log_normal(symbols.x, b, _add(a**2, s**2)), -kl_of(m, v, post_mean, post_var))),
             ("moments of $z \\sim q(z|x) = \\mathcal N(m, v)$",
              "regroup: the evidence minus the KL to the true posterior",
              "$\\log p(x) = \\log\\mathcal N(x;\\, b, a^2+s^2)$"),
             ("$p(z) = \\mathcal N(0,1)$, $p(x|z) = \\mathcal N(az+b, s^2)$, $q(z|x) = \\mathcal N(m, v)$",
              "true posterior $p(z|x) = \\mathcal N(a(x-b)/(a^2+s^2),\\, s^2/(a^2+s^2))$"),
             end=elbo.linear_gaussian_log_evidence() - elbo.linear_gaussian_gap()),
    )


WORKED_NAMES = tuple(w.name for w in worked())


def worked_derivation(name: str) -> Step:
    for w in worked():
        if w.name == name:
            return w
    raise ValueError(f"unknown worked derivation {name!r}; known: {', '.join(WORKED_NAMES)}")
