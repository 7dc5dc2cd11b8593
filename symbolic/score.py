"""The score of the forward marginal, nabla_{x_t} log q(x_t | x_0)."""

from __future__ import annotations

import sympy as sp

from . import symbols
from .forward import forward_jump_mean, forward_jump_variance
from .gaussian import gaussian_log_density
from .proof import Proof, prove_equal


def score() -> sp.Expr:
    r"""The score of the forward marginal, differentiated symbolically (Song et al. 2021).

    .. math::
        \nabla_{x_t} \log q(x_t | x_0) = -\frac{x_t - \sqrt{\bar\alpha_t}\,x_0}{1-\bar\alpha_t}
    """
    return sp.diff(
        gaussian_log_density(symbols.x_t, forward_jump_mean(symbols.x_0), forward_jump_variance()), symbols.x_t
    )


def score_from_eps() -> sp.Expr:
    r"""The score in terms of the noise (Song et al. 2021; Ho et al. 2020 eq. 4).

    .. math::
        \nabla_{x_t} \log q(x_t | x_0) = -\frac{\epsilon}{\sqrt{1-\bar\alpha_t}}
        \quad\text{at}\quad x_t = \sqrt{\bar\alpha_t} x_0 + \sqrt{1-\bar\alpha_t}\,\epsilon
    """
    return -symbols.eps / sp.sqrt(1 - symbols.alpha_bar_t)


def prove_score() -> Proof:
    x_t = forward_jump_mean(symbols.x_0) + sp.sqrt(forward_jump_variance()) * symbols.eps
    return prove_equal(
        score().subs(symbols.x_t, x_t), score_from_eps(),
        "d/dx_t log N(x_t; sqrt(alpha_bar_t) x_0, 1-alpha_bar_t) = -eps/sqrt(1-alpha_bar_t)",
        method="symbolic derivative, substitution of x_t(x_0, eps), exact reduction",
    )
