r"""The symbol table a formula is read with: every name a user may write, declared once.

Three kinds of entry:

* :data:`VOCABULARY`: the symbols of the lecture's notation (``alpha_bar_t``, ``\bar\alpha_t``,
  ``ᾱ_t``).  Each is a SymPy symbol in the *user's* names with its ``value`` in the proof's
  independent symbols (:mod:`symbolic.symbols`): :math:`\beta_t = 1-\alpha_t`,
  :math:`\bar\alpha_t = \alpha_t\bar\alpha_{t-1}`, a standard deviation is the root of a
  positive variance.  ``latex`` are canonical LaTeX spellings (any decoration variant of them is
  read: ``\bar{\alpha}_t``, ``\overline{\alpha}_{t}``, ``\bar{\alpha_t}``, bold, ...), ``aliases``
  other plain names, ``stands_for`` what the symbol is read as when a target does not use it
  (the model's output :math:`\epsilon_\theta` for the noise it predicts, ``x`` for the data).
* :data:`CODE_NAMES`: names of the reference implementations (improved-diffusion, diffusers,
  denoising-diffusion-pytorch), each an *expression* in the vocabulary with a note on how it is
  read.  Those code bases index their arrays from 0: array index ``i`` is paper step ``t = i+1``,
  so ``alphas_cumprod`` at the code's current index is :math:`\bar\alpha_t` and
  ``alphas_cumprod_prev`` there is :math:`\bar\alpha_{t-1}`.
* :data:`UNICODE`: the characters of course sheets and notes (``ᾱ``, ``√``, ``²``, ``·``, ...).

The table is data only; :mod:`symbolic.formula` reads with it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sympy as sp

from . import elbo, symbols
from .kl import kl_eps_constant, kl_eps_weight
from .posterior import eps_mean, interpolation_weights, posterior_mean, posterior_variance
from .score import score


@dataclass(frozen=True)
class Name:
    """One symbol a user may write: plain name, LaTeX spellings, and its value in proof symbols."""

    name: str
    value: sp.Expr
    meaning: str
    latex: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    stands_for: str | None = None        # read as this symbol when the target does not use this one
    printed: str | None = None           # the LaTeX the export prints (None: never printed)
    symbol: sp.Symbol = field(default=None, compare=False)


def _name(name, value, meaning, latex=(), aliases=(), stands_for=None, printed=None, **assumptions) -> Name:
    assumptions = assumptions or ({"positive": True} if value.is_positive else {"real": True})
    return Name(name, value, meaning, tuple(latex), tuple(aliases), stands_for, printed,
                sp.Symbol(name, **assumptions))


_W0, _WT = interpolation_weights()

#: Every symbol a formula may use.
VOCABULARY: tuple[Name, ...] = (
    _name("alpha_t", symbols.alpha_t, "1 - beta_t", [r"\alpha_t"], ["alpha"], printed='\\alpha_{t}'),
    _name("alpha_bar_t", symbols.alpha_t * symbols.alpha_bar_prev, "alpha_t * alpha_bar_{t-1} = prod_{s<=t} alpha_s",
          [r"\bar\alpha_t"], ["alpha_cumprod_t", "alpha_bar", "abar_t"], printed='\\bar{\\alpha}_{t}'),
    _name("alpha_bar_prev", symbols.alpha_bar_prev, "alpha_bar_{t-1} (1 at t = 1)", [r"\bar\alpha_{t-1}"],
          ["alpha_bar_t_minus_1", "alpha_bar_tm1", "alpha_cumprod_t_minus_1", "alpha_cumprod_prev", "alpha_cumprod_tm1",
           "alpha_bar_{t-1}", "abar_prev"], printed='\\bar{\\alpha}_{t-1}'),
    _name("alpha_bar_T", symbols.alpha_bar_T, "alpha_bar at the last step T", [r"\bar\alpha_T"], ["alpha_bar_{T}"],
          printed='\\bar{\\alpha}_{T}'),
    _name("beta_t", 1 - symbols.alpha_t, "the variance added by step t", [r"\beta_t"], ["beta"], printed='\\beta_{t}'),
    _name("beta_tilde_t", posterior_variance(), "(1 - alpha_bar_{t-1})/(1 - alpha_bar_t) beta_t",
          [r"\tilde\beta_t"], ["beta_tilde"], nonnegative=True, real=True, printed='\\tilde{\\beta}_{t}'),   # 0 at t = 1
    _name("sigma_tilde_t", sp.sqrt(posterior_variance()), "sqrt(beta_tilde_t)", [r"\tilde\sigma_t"],
          nonnegative=True, real=True),
    _name("mu_tilde_t", posterior_mean(), "mean of q(x_{t-1}|x_t,x_0)", [r"\tilde\mu_t"], ["mu_tilde"], printed='\\tilde{\\mu}_{t}'),
    _name("mu_theta", eps_mean(symbols.eps_theta), "mean of p_theta(x_{t-1}|x_t), eps form",
          [r"\mu_\theta"], printed='\\mu_{\\theta}'),
    _name("lambda_t", kl_eps_weight(), "weight of (eps - eps_theta)^2 in the denoising KL", [r"\lambda_t"],
          positive=True, printed='\\lambda_{t}'),
    _name("C_t", kl_eps_constant(), "eps-free part of the denoising KL", ["C_t"], printed='C_{t}'),
    _name("w_0", _W0, "coefficient of x_0 in mu_tilde_t", ["w_0"], positive=True, printed='w_{0}'),
    _name("w_t", _WT, "coefficient of x_t in mu_tilde_t (0 at t = 1)", ["w_t"], nonnegative=True, real=True, printed='w_{t}'),
    _name("sigma_t", sp.sqrt(symbols.sigma2_t), "standard deviation of p_theta(x_{t-1}|x_t)", [r"\sigma_t"],
          positive=True, printed='\\sigma_{t}'),
    _name("sigma2_t", symbols.sigma2_t, "variance sigma_t^2 of p_theta(x_{t-1}|x_t)"),
    _name("x_0", symbols.x_0, "the data", ["x_0", r"x_{\mathrm{start}}"], ["x_start", "x0", "original_sample"],
          printed='x_{0}'),
    _name("x_t", symbols.x_t, "the noisy sample at step t", ["x_t"], ["xt", "x_noisy", "sample"], printed='x_{t}'),
    _name("x_prev", symbols.x_prev, "the sample at step t-1", ["x_{t-1}"], ["x_tm1", "x_t_minus_1", "x_{t-1}"],
          printed='x_{t-1}'),
    _name("eps", symbols.eps, "the noise, N(0, 1)", [r"\epsilon", r"\epsilon_t", r"\epsilon_0"],
          ["epsilon", "noise"], printed='\\epsilon'),
    _name("eps_theta", symbols.eps_theta, "the model's noise prediction eps_theta(x_t, t)",
          [r"\epsilon_\theta", r"\hat\epsilon", r"\hat\epsilon_\theta", r"\epsilon_{\theta,t}", r"z_\theta"],
          ["epsilon_theta", "model_output", "pred_noise", "predicted_noise",
           "model_eps", "eps_hat", "epsilon_pred", "eps_pred", "noise_pred"], stands_for="eps", printed='\\epsilon_{\\theta}'),
    _name("x0_hat", sp.Symbol("x0_hat", real=True), "the model's prediction of x_0", [r"\hat x_0", r"\hat x_\theta",
          r"\hat x_{0,\theta}", r"\tilde x_0"], ["x0_hat", "pred_xstart", "x_recon", "x0_pred", "x_0_hat", "x_hat_0"],
          stands_for="x_0"),
    _name("z", symbols.eps, "the noise, as some authors write it (z ~ N(0, I))", ["z", "z_t"]),
    _name("score", score(), "the score grad_{x_t} log q(x_t|x_0), written \\nabla\\log p(x_t) too",
          [], ["score", "grad_log_q"]),
    _name("Sigma_theta", symbols.sigma2_t, "the reverse-process covariance Sigma_theta = sigma_t^2 I (per coordinate)",
          [r"\Sigma_\theta"]),
    _name("logvar", sp.log(symbols.var), "log sigma^2, as VAE code writes it", [], ["log_var", "logvar"]),
    _name("logvar1", sp.log(symbols.var_1), "log sigma_1^2 (improved-diffusion's normal_kl)", [], ["logvar1"]),
    _name("logvar2", sp.log(symbols.var_2), "log sigma_2^2 (improved-diffusion's normal_kl)", [], ["logvar2"]),
    _name("mu", symbols.mu, "a mean", [r"\mu"], printed='\\mu'),
    _name("sigma", sp.sqrt(symbols.var), "a standard deviation", [r"\sigma"], positive=True, printed='\\sigma'),
    _name("var", symbols.var, "a variance"),
    _name("mu_1", symbols.mu_1, "mean of the KL's first argument", [r"\mu_1"], ["mean1"], printed='\\mu_{1}'),
    _name("mu_2", symbols.mu_2, "mean of the KL's second argument", [r"\mu_2"], ["mean2"], printed='\\mu_{2}'),
    _name("sigma_1", sp.sqrt(symbols.var_1), "standard deviation of the KL's first argument", [r"\sigma_1"],
          positive=True, printed='\\sigma_{1}'),
    _name("sigma_2", sp.sqrt(symbols.var_2), "standard deviation of the KL's second argument", [r"\sigma_2"],
          positive=True, printed='\\sigma_{2}'),
    _name("var_1", symbols.var_1, "variance of the KL's first argument"),
    _name("var_2", symbols.var_2, "variance of the KL's second argument"),
    _name("x", symbols.x, "a point", ["x"], stands_for="x_0", printed='x'),
    _name("d", symbols.d, "the data dimension", ["d"], integer=True, positive=True, printed='d'),
    _name("t", elbo.t, "the timestep", ["t"], integer=True, positive=True, printed='t'),
    _name("T", elbo.T, "the number of steps", ["T"], integer=True, positive=True, printed='T'),
    _name("pi", sp.pi, "3.14159...", [r"\pi"], positive=True),
    _name("I", sp.Integer(1), "the identity matrix (per coordinate: 1)", ["I"]),
    _name("e", sp.E, "Euler's number, exp(1)", ["e"], positive=True),
)

BY_NAME: dict[str, Name] = {n.name: n for n in VOCABULARY} | {a: n for n in VOCABULARY for a in n.aliases}

#: The single-latent model of ``elbo_gap`` (x|z ~ N(a z + b, s^2), q(z|x) = N(m, v)), read in
#: derivations only: ``check`` does not know these letters, and there ``z`` is the noise.
MODEL: tuple[Name, ...] = (
    _name("z", elbo.z, "the single latent", ["z"], printed="z"),
    _name("a", elbo.lg_a, "linear-Gaussian model: x|z ~ N(a z + b, s^2)", ["a"], printed="a"),
    _name("b", elbo.lg_b, "linear-Gaussian model offset", ["b"], printed="b"),
    _name("s", sp.sqrt(elbo.lg_s2), "linear-Gaussian observation noise (standard deviation)", ["s"], printed="s",
          positive=True),
    _name("m", elbo.lg_m, "mean of q(z|x)", ["m"], printed="m"),
    _name("v", elbo.lg_v, "variance of q(z|x)", ["v"], printed="v"),
)


@dataclass(frozen=True)
class CodeName:
    """A name of reference code: its value as a plain-syntax formula over the vocabulary."""

    name: str
    formula: str
    note: str = ""
    array: bool = True             # a per-timestep table (may be indexed or gathered at t)


_ZERO_BASED = "0-based array at the code's timestep, paper step t"

#: Names of improved-diffusion, diffusers and denoising-diffusion-pytorch.
CODE_NAMES: tuple[CodeName, ...] = (
    CodeName("betas", "beta_t"),
    CodeName("alphas", "alpha_t"),
    CodeName("alphas_cumprod", "alpha_bar_t"),
    CodeName("alphas_cumprod_prev", "alpha_bar_prev"),
    CodeName("alpha_prod_t", "alpha_bar_t", array=False),
    CodeName("alpha_prod_t_prev", "alpha_bar_prev", array=False),
    CodeName("beta_prod_t", "1 - alpha_bar_t", array=False),
    CodeName("beta_prod_t_prev", "1 - alpha_bar_prev", array=False),
    CodeName("current_alpha_t", "alpha_t", array=False),
    CodeName("current_beta_t", "beta_t", array=False),
    CodeName("sqrt_alphas_cumprod", "sqrt(alpha_bar_t)"),
    CodeName("sqrt_alphas_cumprod_prev", "sqrt(alpha_bar_prev)"),
    CodeName("sqrt_one_minus_alphas_cumprod", "sqrt(1 - alpha_bar_t)"),
    CodeName("log_one_minus_alphas_cumprod", "log(1 - alpha_bar_t)"),
    CodeName("sqrt_recip_alphas_cumprod", "1/sqrt(alpha_bar_t)"),
    CodeName("sqrt_recipm1_alphas_cumprod", "sqrt(1/alpha_bar_t - 1)"),
    CodeName("sqrt_recip_alphas", "1/sqrt(alpha_t)"),
    CodeName("posterior_variance", "beta_tilde_t"),
    CodeName("posterior_mean_coef1", "w_0"),
    CodeName("posterior_mean_coef2", "w_t"),
    CodeName("posterior_log_variance_clipped", "log(beta_tilde_t)",
             "equals log(beta_tilde_t) for t >= 2 only (the code clips it to log beta_tilde_2 at t = 1)"),
)

CODE_BY_NAME: dict[str, CodeName] = {c.name: c for c in CODE_NAMES}

#: Prefixes of code that are not part of a name (``self.alphas_cumprod``, ``torch.sqrt``).
MODULES = ("torch", "th", "np", "numpy", "math", "jnp", "F", "sp")
OBJECTS = ("self", "scheduler", "diffusion")
#: Functions reference code gathers a per-timestep table with: f(table, t, shape).
GATHERS = ("_extract_into_tensor", "extract", "_extract", "gather", "extract_into_tensor")

#: Unicode as course sheets and notes write it: character -> LaTeX.
UNICODE: dict[str, str] = {
    "α": r"\alpha", "β": r"\beta", "γ": r"\gamma", "δ": r"\delta", "ε": r"\epsilon", "ϵ": r"\epsilon",
    "θ": r"\theta", "λ": r"\lambda", "μ": r"\mu", "π": r"\pi", "σ": r"\sigma", "τ": r"\tau",
    "ᾱ": r"\bar\alpha", "∇": r"\nabla", "√": r"\sqrt", "·": r"\cdot", "⋅": r"\cdot", "×": r"\times",
    "−": "-", "–": "-", "‖": r"\|", "∑": r"\sum", "∏": r"\prod", "∞": r"\infty", "ℕ": r"\mathcal{N}",
    "𝒩": r"\mathcal{N}", "𝔼": r"\mathbb{E}", "≔": r"\coloneqq", "≜": r"\triangleq", "≡": r"\equiv",
    "≈": r"\approx", "≤": r"\leq", "≥": r"\geq", "≠": r"\neq", "∣": "|",
}
#: Combining marks after a letter: decoration.
COMBINING: dict[str, str] = {"\u0304": "bar", "\u0305": "bar", "\u0303": "tilde", "\u0302": "hat"}
SUPERSCRIPTS: dict[str, str] = {"²": "2", "³": "3", "¹": "1", "⁰": "0", "⁴": "4", "⁻": "-"}
SUBSCRIPTS: dict[str, str] = {"₀": "0", "₁": "1", "₂": "2", "₃": "3", "ₜ": "t", "ₛ": "s", "₋": "-",
                              "ₖ": "k", "ᵢ": "i", "ⱼ": "j", "ₙ": "n"}
