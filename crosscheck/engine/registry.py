r"""The registry: every quantity declared once (DESIGN.md, "The registry").

A :class:`Quantity` is one identity of the derivation: its statement and reference, its proof,
the parts compared point by point, the numeric functions it covers, its independent checks.  A
:class:`Part` is one expression: its symbolic function and its numeric function carry the part's
name in the quantity's module (``symbolic.posterior.posterior_mean`` and
``numeric.posterior.posterior_mean``), so the registry cannot pair differently named twins.  Each
part is also a ``check`` target, with the statement ``check`` prints and reads back and the
spellings a left side may give it.

Everything else is derived from here: the catalog run (``python -m crosscheck``), ``check``'s
targets, the LaTeX export's names, the mutation targets and the list of numeric formula
functions; none of them keeps a list of its own.  Importing this module imports the symbolic
layer, never torch: numeric functions and checks are named here and resolved by the engine when
a catalog run needs them (:mod:`crosscheck.engine.run`).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, replace
from typing import Callable

import sympy as sp

from symbolic import formula
from symbolic.proof import Proof

from .binding import symbolic_value


@dataclass(frozen=True)
class Part:
    r"""One quantity compared at random points and checked by ``check``.

    ``statement`` is an equation ``name = expression`` that ``check`` prints and reads back;
    ``lhs`` are other names a left side may give it (any typographic variant of them is read:
    bold, braces, decorations, arguments); ``aliases`` are other target names ``check`` accepts
    for it; ``display`` names the symbols (of :mod:`symbolic.notation`) the LaTeX export writes
    on its left side, summed; ``remark`` is what the statement does not say.
    """

    name: str
    statement: str
    lhs: tuple[str, ...] = ()
    function: str | None = None      # the twins' name when it is not the part's (a tuple result)
    select: int | None = None        # which item of a tuple result
    t_min: int = 1
    forbid: tuple[str, ...] = ()     # symbols the formula may not use (the quantity's own unknowns)
    remark: str = ""
    pair: tuple[str, str] | None = None     # (mean part, variance part) of a normal distribution
    additive: bool = False           # a sum over coordinates (a log density, a KL): Σ_j read per coordinate
    display: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    # Denominators at their true value in the error scale (evaluate.magnitude): for a quantity
    # whose own conditioning is a small denominator, like the score's 1/(1 - alpha_bar_t).
    exact_denominators: bool = False
    identity: str = ""               # the quantity's name (filled in by Quantity)
    module: str = ""                 # the module of both twins (filled in by Quantity)

    @property
    def function_name(self) -> str:
        return self.function or self.name

    def symbolic_function(self) -> Callable:
        return getattr(importlib.import_module(f"symbolic.{self.module}"), self.function_name)

    def expression(self) -> sp.Expr:
        """The proved symbolic expression, in the proof's independent symbols."""
        value = symbolic_value(self.symbolic_function())
        return value if self.select is None else value[self.select]

    def numeric_function(self) -> Callable:
        """The numeric twin (imports torch)."""
        return getattr(importlib.import_module(f"numeric.{self.module}"), self.function_name)

    def accepts(self, keys) -> bool:
        keys = {keys} if isinstance(keys, str) else set(keys)
        return bool(keys & self.lhs_keys())

    def lhs_keys(self) -> frozenset:
        return _lhs_keys(self)


_LHS_KEYS: dict[str, frozenset] = {}


def _lhs_keys(part: Part) -> frozenset:
    if part.name not in _LHS_KEYS:
        spellings = (part.name, part.statement.split(" = ")[0]) + part.lhs
        _LHS_KEYS[part.name] = frozenset(formula.lhs_key(s) for s in spellings)
    return _LHS_KEYS[part.name]


@dataclass(frozen=True)
class Quantity:
    """One identity: proved in ``symbolic.<module>`` by ``prove_<name>``, computed in
    ``numeric.<module>``.

    ``functions`` are the numeric functions (names in :mod:`numeric`) the entry covers, beyond its
    parts'; ``checks`` the independent checks, ``"module.function"`` in :mod:`crosscheck.engine`
    or ``("module.factory", argument)``; ``derivation`` the symbolic functions the proof derives
    the statement with (``"module.function"`` in :mod:`symbolic`; mutation testing mutates them);
    ``worked`` the worked derivations (:mod:`symbolic.worked`) that state the same formulas.
    An empty ``statement`` is the statement of the only part.
    """

    name: str
    statement: str
    reference: str
    module: str
    parts: tuple[Part, ...] = ()
    functions: tuple[str, ...] = ()
    checks: tuple[str | tuple[str, str], ...] = ()
    derivation: tuple[str, ...] = ()
    worked: tuple[str, ...] = ()
    kind: str = "closed-form"
    proved: bool = True              # False: no symbolic proof (a precision check)

    def __post_init__(self):
        object.__setattr__(self, "parts", tuple(replace(p, identity=self.name, module=self.module)
                                                for p in self.parts))
        if not self.statement:          # a one-part quantity states what its part states
            if len(self.parts) != 1:
                raise ValueError(f"registry entry {self.name!r}: give a statement (it has {len(self.parts)} parts)")
            object.__setattr__(self, "statement", self.parts[0].statement)

    def prove(self) -> Proof | None:
        """Run the exact proof (None for an entry without one)."""
        if not self.proved:
            return None
        return getattr(importlib.import_module(f"symbolic.{self.module}"), f"prove_{self.name}")()

    def numeric_functions(self) -> tuple[str, ...]:
        """Every numeric function the entry covers: its parts' twins and ``functions``."""
        names = [p.function_name for p in self.parts] + list(self.functions)
        return tuple(dict.fromkeys(names))


# -- spellings check accepts on a left side -------------------------------------------------------

_KL = ("KL", "D_KL", r"D_{KL}", r"D_{\mathrm{KL}}", r"\mathrm{KL}", r"\operatorname{KL}")
_KL_QP = tuple(f"{k}(q(x_{{t-1}}|x_t,x_0)||p_theta(x_{{t-1}}|x_t))" for k in ("KL", "D_KL")) + (
    r"D_{\mathrm{KL}}(q(x_{t-1}|x_t,x_0)\|p_\theta(x_{t-1}|x_t))",
    r"D_{KL}(q(x_{t-1}|x_t,x_0)\|p_\theta(x_{t-1}|x_t))", r"L_{t-1}", r"\mathcal{L}_{t-1}", "L_t")
_FORWARD_JUMP = ("q(x_t|x_0)", r"q(\mathbf{x}_t|\mathbf{x}_0)", r"q(x_t \mid x_0)")
_FORWARD_STEP = ("q(x_t|x_{t-1})", r"q(x_t \mid x_{t-1})")
_POSTERIOR = ("q(x_{t-1}|x_t,x_0)", r"q(x_{t-1} \mid x_t, x_0)")
_SCORE = ("s", r"\nabla\log q", "score", r"\nabla_{x_t}\log q(x_t|x_0)", r"\nabla_{x_t}\log q(x_t)",
          r"\nabla_{x_t}\log p(x_t)", r"\nabla\log p(x_t)", r"\nabla_x\log p(x)", r"\nabla_{x_t}\log q_t(x_t)",
          r"\nabla_{x_t}\log p_t(x_t)", r"\nabla\log q(x_t|x_0)", r"\nabla_{x_t}\log q(x_t\mid x_0)")

# -- the registry ----------------------------------------------------------------------------------

REGISTRY: tuple[Quantity, ...] = (
    Quantity(
        "gaussian_log_density",
        "log N(x; m, v) = -(x-m)^2/(2v) - log(2 pi v)/2 (scalar and diagonal)",
        "definition of the normal density", "gaussian",
        (Part("gaussian_log_density", "log N(x; mu, sigma^2) = -(x - mu)^2/(2 sigma^2) - log(2 pi sigma^2)/2",
              ("log_normal", r"\log\mathcal{N}", r"\log p", "log p", r"\log\mathcal{N}(x;\mu,\sigma^2)", "log p(x)",
               r"\log p(x)", r"\log\mathcal{N}(x|\mu,\sigma^2)"), additive=True),),
        checks=("oracles.torch_normal_log_prob",),
        derivation=("gaussian.gaussian_density",),
    ),
    Quantity(
        "gaussian_kl",
        "KL(N(m1,v1)||N(m2,v2)) = (log(v2/v1) + (v1+(m1-m2)^2)/v2 - 1)/2, derived from E_q[log q - log p]",
        "Kullback & Leibler 1951; torch/distributions/kl.py _kl_normal_normal", "kl",
        (Part("gaussian_kl",
              "KL(N(mu_1, sigma_1^2) || N(mu_2, sigma_2^2)) = log(sigma_2/sigma_1) + (sigma_1^2 + (mu_1 - mu_2)^2)"
              "/(2 sigma_2^2) - 1/2",
              _KL + (r"D_{\mathrm{KL}}(\mathcal{N}(\mu_1,\sigma_1^2)\|\mathcal{N}(\mu_2,\sigma_2^2))",
                     r"D_{KL}(\mathcal{N}(\mu_1,\sigma_1^2)\|\mathcal{N}(\mu_2,\sigma_2^2))", "KL(p||q)",
                     r"D_{KL}(p\|q)", r"D_{\mathrm{KL}}(p\|q)"), additive=True),),
        checks=("oracles.torch_normal_kl",),
        derivation=("kl.gaussian_kl_from_definition", "gaussian.gaussian_raw_moment", "gaussian.expectation"),
        worked=("gaussian_kl_derivation",),
    ),
    Quantity(
        "standard_normal_kl",
        "KL(N(mu, sigma^2)||N(0,1)) = (mu^2 + sigma^2 - 1 - log sigma^2)/2",
        "Kingma & Welling 2014, appendix B", "kl",
        (Part("standard_normal_kl", "KL(N(mu, sigma^2) || N(0, 1)) = (mu^2 + sigma^2 - 1 - log(sigma^2))/2",
              _KL + (r"D_{\mathrm{KL}}(\mathcal{N}(\mu,\sigma^2)\|\mathcal{N}(0,1))",
                     r"D_{KL}(\mathcal{N}(\mu,\sigma^2)\|\mathcal{N}(0,I))", r"-D_{KL}", r"D_{KL}(q(z|x)\|p(z))",
                     r"D_{KL}(q_\phi(z|x)\|p_\theta(z))",
                     r"D_{KL}(q_{\phi}(\mathbf{z}|\mathbf{x}^{(i)})||p_{\theta}(\mathbf{z}))"), additive=True),),
        checks=("oracles.torch_standard_normal_kl",),
    ),
    Quantity(
        "forward_step",
        "q(x_t|x_{t-1}) = N(sqrt(alpha_t) x_{t-1}, beta_t)",
        "Ho et al. 2020, eq. 2", "forward",
        (Part("forward_step_mean", "E[x_t|x_{t-1}] = sqrt(alpha_t) x_{t-1}", _FORWARD_STEP,
              remark="the mean of q(x_t|x_{t-1})", pair=("forward_step_mean", "forward_step_variance")),
         Part("forward_step_variance", "Var[x_t|x_{t-1}] = beta_t", _FORWARD_STEP,
              remark="the variance of q(x_t|x_{t-1})", pair=("forward_step_mean", "forward_step_variance")),
         Part("forward_step_sample", "x_t = sqrt(alpha_t) x_{t-1} + sqrt(beta_t) eps", ("x_t",), forbid=("x_t",),
              remark="a sample of q(x_t|x_{t-1}) by the reparameterisation")),
    ),
    Quantity(
        "forward_jump",
        "q(x_t|x_0) = N(sqrt(alpha_bar_t) x_0, 1 - alpha_bar_t), by composing forward steps",
        "Ho et al. 2020, eq. 4", "forward",
        (Part("forward_jump_mean", "E[x_t|x_0] = sqrt(alpha_bar_t) x_0", _FORWARD_JUMP,
              remark="the mean of q(x_t|x_0)", pair=("forward_jump_mean", "forward_jump_variance")),
         Part("forward_jump_variance", "Var[x_t|x_0] = 1 - alpha_bar_t", _FORWARD_JUMP,
              remark="the variance of q(x_t|x_0)", pair=("forward_jump_mean", "forward_jump_variance")),
         Part("forward_jump_sample", "x_t = sqrt(alpha_bar_t) x_0 + sqrt(1 - alpha_bar_t) eps",
              ("x_t", "x_noisy", "sample"), forbid=("x_t",), aliases=("forward_sample",),
              remark="a sample of q(x_t|x_0) by the reparameterisation")),
        checks=("oracles.sequential_vs_jump",),
        derivation=("forward.composed_moments", "forward.complete_the_square",
                    "forward.marginal_log_density_by_integration"),
    ),
    Quantity(
        "posterior",
        "q(x_{t-1}|x_t,x_0) = N(mu_tilde_t, beta_tilde_t) by Bayes-rule completion of the square",
        "Ho et al. 2020, eqs. 6-7", "posterior",
        (Part("posterior_mean",
              "mu_tilde_t = sqrt(alpha_bar_{t-1}) beta_t/(1 - alpha_bar_t) x_0 + sqrt(alpha_t)(1 - alpha_bar_{t-1})"
              "/(1 - alpha_bar_t) x_t",
              ("mu_tilde_t", r"\tilde\mu_t", r"\tilde\mu", r"\mu_q", r"\tilde{\boldsymbol{\mu}}_t", "posterior_mean",
               "E[x_{t-1}|x_t,x_0]", r"\mu_q(x_t,x_0)") + _POSTERIOR,
              pair=("posterior_mean", "posterior_variance"), display=("mu_tilde_t",)),
         Part("posterior_variance", "beta_tilde_t = (1 - alpha_bar_{t-1})/(1 - alpha_bar_t) beta_t",
              ("beta_tilde_t", r"\tilde\beta_t", "sigma_tilde_t^2", r"\tilde\sigma_t^2", r"\sigma_q^2", r"\sigma_q^2(t)",
               "posterior_variance", r"\tilde\beta", "Var[x_{t-1}|x_t,x_0]", r"\boldsymbol{\Sigma}_q(t)",
               r"\Sigma_q(t)") + _POSTERIOR,
              pair=("posterior_mean", "posterior_variance"), display=("beta_tilde_t",)),
         Part("posterior_log_variance", "log(beta_tilde_t) = log((1 - alpha_bar_{t-1})/(1 - alpha_bar_t) beta_t)",
              (r"\log\tilde\beta_t", "posterior_log_variance_clipped", "posterior_log_variance"), t_min=2,
              remark="t >= 2; -inf at t = 1")),
        checks=("oracles.bayes_quotient",),
        derivation=("posterior.bayes_log_quotient", "posterior.derived_posterior"),
        worked=("posterior_completed_square", "posterior_variance_derivation", "posterior_mean_derivation"),
    ),
    Quantity(
        "x0_from_eps", "",
        "Ho et al. 2020, eq. 4 solved for x_0", "posterior",
        (Part("x0_from_eps", "x_0 = (x_t - sqrt(1 - alpha_bar_t) eps)/sqrt(alpha_bar_t)",
              ("x_0", r"\hat x_0", r"\hat{x}_0", r"\hat{\mathbf{x}}_0", r"\hat x_\theta", r"\hat{\mathbf{x}}_\theta",
               r"\tilde x_0", "x_start", "pred_xstart", "pred_original_sample", "x0_pred", "x_recon", "x_0_hat",
               "x0_hat", r"\hat{x}_0(x_t)", r"\mathbf{x}_0"),
              forbid=("x_0",), display=("x_0",)),),
    ),
    Quantity(
        "eps_mean", "",
        "Ho et al. 2020, eq. 11", "posterior",
        (Part("eps_mean", "mu_tilde_t = (x_t - beta_t/sqrt(1 - alpha_bar_t) eps)/sqrt(alpha_t)",
              ("mu_tilde_t", r"\tilde\mu_t", "mu_theta", r"\mu_\theta", r"\mu_q", r"\tilde\mu",
               r"\boldsymbol{\mu}_\theta", r"\tilde{\boldsymbol{\mu}}_t", "model_mean", "pred_prev_sample_mean",
               "posterior_mean"), forbid=("x_0",), display=("mu_tilde_t",)),),
        worked=("eps_mean_derivation",),
    ),
    Quantity(
        "kl_eps_weight",
        "KL(q(x_{t-1}|x_t,x_0)||p_theta) = beta_t^2/(2 sigma_t^2 alpha_t (1-alpha_bar_t)) ||eps-eps_theta||^2 "
        "+ C_t, C_t free of eps and 0 iff sigma_t^2 = beta_tilde_t",
        "Ho et al. 2020, eq. 12", "kl",
        (Part("kl_eps_weight", "lambda_t = beta_t^2/(2 sigma_t^2 alpha_t (1 - alpha_bar_t))",
              ("lambda_t", r"\lambda_t", r"\gamma_t"), remark="the weight of (eps - eps_theta)^2",
              display=("lambda_t",)),
         Part("kl_eps_constant", "C_t = (log(sigma_t^2/beta_tilde_t) + beta_tilde_t/sigma_t^2 - 1)/2", ("C_t",),
              t_min=2, additive=True, display=("C_t",)),
         Part("denoising_kl",
              "KL(q(x_{t-1}|x_t,x_0) || p_theta(x_{t-1}|x_t)) = lambda_t (eps - eps_theta)^2 + C_t",
              _KL + _KL_QP, t_min=2, remark="per coordinate", additive=True)),
        checks=("oracles.torch_denoising_kl", "oracles.kl_constant_relative"),
        worked=("kl_eps_derivation", "kl_eps_mse"),
    ),
    Quantity(
        "prior_kl",
        "KL(q(x_T|x_0)||N(0,I)) = (alpha_bar_T ||x_0||^2 - d alpha_bar_T - d log(1-alpha_bar_T))/2 -> 0 "
        "as alpha_bar_T -> 0",
        "Ho et al. 2020, eq. 5 (L_T)", "kl",
        (Part("prior_kl", "KL(q(x_T|x_0) || N(0, 1)) = (alpha_bar_T x_0^2 - alpha_bar_T - log(1 - alpha_bar_T))/2",
              _KL + ("L_T", r"\mathcal{L}_T", r"D_{KL}(q(x_T|x_0)\|p(x_T))", r"D_{\mathrm{KL}}(q(x_T|x_0)\|p(x_T))"),
              remark="per coordinate", additive=True),),
        checks=("oracles.torch_prior_kl",),
        worked=("prior_kl_derivation",),
    ),
    Quantity(
        "score",
        "grad_{x_t} log q(x_t|x_0) = -eps/sqrt(1 - alpha_bar_t)",
        "Song et al. 2021; Ho et al. 2020, eq. 4", "score",
        (Part("score", "grad_{x_t} log q(x_t|x_0) = -(x_t - sqrt(alpha_bar_t) x_0)/(1 - alpha_bar_t)", _SCORE,
              exact_denominators=True),
         Part("score_from_eps", "grad_{x_t} log q(x_t|x_0) = -eps/sqrt(1 - alpha_bar_t)", _SCORE,
              remark="at x_t = sqrt(alpha_bar_t) x_0 + sqrt(1 - alpha_bar_t) eps")),
        checks=("oracles.score_autograd",),
    ),
    Quantity(
        "interpolation_weights",
        "w_0 + w_t = 1 - (1-sqrt(alpha_bar_{t-1}))(1-sqrt(alpha_t))/(1+sqrt(alpha_bar_t)): 1 only at t = 1",
        "Ho et al. 2020, eq. 7; the lecture's 'weights sum to 1' is false for t >= 2", "posterior",
        (Part("interpolation_w0", "w_0 = sqrt(alpha_bar_{t-1}) beta_t/(1 - alpha_bar_t)",
              ("w_0", "posterior_mean_coef1"), function="interpolation_weights", select=0, display=("w_0",)),
         Part("interpolation_wt", "w_t = sqrt(alpha_t)(1 - alpha_bar_{t-1})/(1 - alpha_bar_t)",
              ("w_t", "posterior_mean_coef2"), function="interpolation_weights", select=1, display=("w_t",)),
         Part("interpolation_weight_sum",
              "w_0 + w_t = 1 - (1 - sqrt(alpha_bar_{t-1}))(1 - sqrt(alpha_t))/(1 + sqrt(alpha_bar_t))",
              ("w_0 + w_t", "w_t + w_0"), display=("w_0", "w_t"))),
    ),
    # -- the ELBO derivation (symbolic/elbo.py), one entry per step, in order -----------------------
    Quantity(
        "elbo_factorization",
        "E_q[log p_theta(x_0:T) - log q(x_1:T|x_0)] = E_q[log p(x_T) + sum_{t=1}^T log p_theta(x_{t-1}|x_t) "
        "- sum_{t=1}^T log q(x_t|x_{t-1})]",
        "Ho et al. 2020, eq. 3 and App. A; lecture Homework 1", "elbo",
        functions=("elbo_factorization", "elbo_terms", "forward_trajectory"),
        checks=(("elbo_checks.pathwise_check", "elbo_factorization"),),
        derivation=("elbo.ELBO_DEFINITION", "elbo.derivation"),
        kind="derivation",
    ),
    Quantity(
        "elbo_separation",
        "split log p_theta(x_0|x_1) off the reverse sum (Homework 1 Part A)",
        "Ho et al. 2020, App. A; lecture Homework 1 Part A", "elbo",
        functions=("elbo_separation",),
        checks=(("elbo_checks.pathwise_check", "elbo_separation"),),
        kind="derivation",
    ),
    Quantity(
        "elbo_reindexing",
        "both sums onto t = 2..T: the lecture's route (split off q(x_T|x_{T-1}), shift), then the "
        "pairing Bayes needs (split off q(x_1|x_0))",
        "lecture Homework 1 Part B; Luo 2022, eqs. 34-45", "elbo",
        functions=("elbo_reindexing",),
        checks=(("elbo_checks.pathwise_check", "elbo_reindexing"),),
        kind="derivation",
    ),
    Quantity(
        "elbo_bayes",
        "for t >= 2, q(x_t|x_{t-1}) = q(x_{t-1}|x_t,x_0) q(x_t|x_0)/q(x_{t-1}|x_0) (Markov property), "
        "refused at t = 1",
        "Ho et al. 2020, App. A; lecture Homework 1 Part C", "elbo",
        functions=("elbo_bayes",),
        checks=(("elbo_checks.pathwise_check", "elbo_bayes"),),
        kind="derivation",
    ),
    Quantity(
        "elbo_telescoping",
        "sum_{t=2}^T [log q(x_{t-1}|x_0) - log q(x_t|x_0)] = log q(x_1|x_0) - log q(x_T|x_0)",
        "Ho et al. 2020, App. A", "elbo",
        functions=("elbo_telescoping",),
        checks=(("elbo_checks.pathwise_check", "elbo_telescoping"),),
        kind="derivation",
    ),
    Quantity(
        "elbo_kl_form",
        "ELBO = E_q(x_1|x_0)[log p_theta(x_0|x_1)] - KL(q(x_T|x_0)||p(x_T)) "
        "- sum_{t=2}^T E_q(x_t|x_0)[KL(q(x_{t-1}|x_t,x_0)||p_theta(x_{t-1}|x_t))], subscripts verified",
        "Ho et al. 2020, eq. 5; lecture Homework 1 Part D", "elbo",
        functions=("elbo_kl_form", "variational_bound", "reverse_variance", "discretized_gaussian_log_likelihood"),
        checks=("elbo_checks.statistical_check", "elbo_checks.exact_likelihood_check",
                "elbo_checks.term_by_term_check", "elbo_checks.discretized_decoder_check"),
        kind="derivation",
    ),
    Quantity(
        "elbo_gap",
        "single latent: log p(x) = E_q[log p(x,z) - log q(z|x)] + KL(q(z|x)||p(z|x)), hence ELBO <= log p(x)",
        "Kingma & Welling 2014, eq. 1; the lecture's foundations (seeds 002-003)", "elbo",
        checks=("elbo_checks.elbo_gap_check",),
        derivation=("elbo.linear_gaussian_log_evidence", "elbo.linear_gaussian_true_posterior",
                    "elbo.linear_gaussian_elbo", "elbo.linear_gaussian_gap"),
        worked=("elbo_gap_derivation",),
        kind="derivation",
    ),
    Quantity(
        "schedule",
        "alpha_bar_t = prod_{s<=t}(1 - beta_s) and the tables built from it, within 3e-7 (float32) "
        "of a 50-digit reference",
        "stable forms: log alpha_bar = cumsum(log1p(-beta)), 1 - alpha_bar = -expm1(log alpha_bar)", "schedule",
        functions=("NoiseSchedule",),
        checks=("oracles.schedule_precision", "oracles.schedule_definitions"),
        kind="precision", proved=False,
    ),
)

#: Public numeric functions that are no formula of their own, with what verifies them.
TOOLS: dict[str, str] = {
    "ancestral_step": "one step of Algorithm 2 (Ho et al. 2020) over the registered eps_mean; "
                      "tests/numeric/test_sampling.py",
    "ancestral_sample": "the loop of Algorithm 2 over ancestral_step; tests/numeric/test_sampling.py",
}

BY_NAME: dict[str, Quantity] = {q.name: q for q in REGISTRY}
#: Every part by name: the targets of ``check`` and the quantities compared point by point.
PARTS: dict[str, Part] = {p.name: p for q in REGISTRY for p in q.parts}
#: Other target names ``check`` accepts for a part.
ALIASES: dict[str, str] = {alias: p.name for p in PARTS.values() for alias in p.aliases}


def part(name: str) -> Part:
    """The part (a ``check`` target) called ``name`` or one of its aliases; a ValueError naming the
    known ones otherwise."""
    if not isinstance(name, str):
        raise TypeError(f"target must be a catalog name (str), got {type(name).__name__}")
    name = ALIASES.get(name, name)
    if name not in PARTS:
        raise ValueError(f"unknown target {name!r}{suggestion(name, list(PARTS) + list(ALIASES))}; "
                         f"targets: {', '.join(PARTS)}")
    return PARTS[name]


def suggestion(name: str, known) -> str:
    """`` (did you mean a, b?)`` for the known names closest to a misspelt ``name``, or ``""``."""
    import difflib
    close = difflib.get_close_matches(name, list(known), n=2)
    return f" (did you mean {', '.join(close)}?)" if close else ""


def derivation_functions() -> dict[str, tuple[str, ...]]:
    """Symbolic module -> the functions mutation testing mutates: every part's expression and
    every function a proof derives one with."""
    found: dict[str, list[str]] = {}
    for quantity in REGISTRY:
        for p in quantity.parts:
            found.setdefault(f"symbolic.{quantity.module}", []).append(p.function_name)
        for qualified in quantity.derivation:
            module, name = qualified.rsplit(".", 1)
            found.setdefault(f"symbolic.{module}", []).append(name)
    return {module: tuple(dict.fromkeys(names)) for module, names in found.items()}



# -- coverage: what is declared elsewhere must be here ------------------------------------------------

def unregistered_numeric(namespace) -> list[str]:
    """Public functions and classes of ``namespace`` (the :mod:`numeric` package) that no registry
    entry covers and that are not listed in :data:`TOOLS`."""
    covered = {name for q in REGISTRY for name in q.numeric_functions()} | set(TOOLS)
    public = [name for name, value in vars(namespace).items()
              if not name.startswith("_") and callable(value) and not isinstance(value, type(formula))
              and getattr(value, "__module__", "").startswith(namespace.__name__)]
    results = {"ELBOTerms", "VariationalBound"}     # result types of covered functions
    return sorted(name for name in public if name not in covered | results)


def unregistered_proofs(modules) -> list[str]:
    """``prove_<name>()`` functions (proofs of a statement: no required argument) of the given
    symbolic modules with no registry entry ``name`` in that module."""
    import inspect
    found = []
    for module in modules:
        for name, value in vars(module).items():
            if (name.startswith("prove_") and getattr(value, "__module__", None) == module.__name__
                    and all(p.default is not p.empty for p in inspect.signature(value).parameters.values())):
                quantity = BY_NAME.get(name[len("prove_"):])
                if quantity is None or f"symbolic.{quantity.module}" != module.__name__:
                    found.append(f"{module.__name__}.{name}")
    return sorted(found)
