"""The catalog: every identity once, pairing its symbolic proof with its numeric functions.

Single source of truth (DESIGN.md).  Each entry names the proof, the parts compared point by
point (symbolic expression vs numeric function), the numeric functions it covers, the
independent checks (torch.distributions oracles, sampling), and its reference.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import sympy as sp
import torch

import numeric as N
from symbolic import elbo as SE, forward as SF, gaussian as SG, kl as SK, posterior as SP, score as SS
from symbolic import symbols as S
from symbolic.proof import Proof

from . import elbo_checks, oracles
from .points import Group


@dataclass(frozen=True)
class Part:
    """One quantity compared at random points: a proved expression and a numeric function."""

    name: str
    symbolic: Callable[[], sp.Expr]
    numeric: Callable[[Group], torch.Tensor]
    t_min: int = 1
    # Denominators at their true value in the error scale (evaluate.magnitude): for a quantity
    # whose own conditioning is a small denominator, like the score's 1/(1 - alpha_bar_t).
    exact_denominators: bool = False


@dataclass(frozen=True)
class Identity:
    name: str
    statement: str
    reference: str
    prove: Callable[[], Proof] | None
    parts: tuple[Part, ...]
    functions: tuple[Callable, ...]
    checks: tuple[Callable, ...] = field(default_factory=tuple)
    kind: str = "closed-form"


CATALOG: tuple[Identity, ...] = (
    Identity(
        "gaussian_log_density",
        "log N(x; m, v) = -(x-m)^2/(2v) - log(2 pi v)/2 (scalar and diagonal)",
        "definition of the normal density",
        SG.prove_gaussian_log_density,
        (Part("gaussian_log_density", lambda: SG.gaussian_log_density(S.x, S.mu, S.var),
              lambda g: N.gaussian_log_density(g["x"], g["mu"], g["var"])),),
        (N.gaussian_log_density,),
        (oracles.normal_log_prob,),
    ),
    Identity(
        "gaussian_kl",
        "KL(N(m1,v1)||N(m2,v2)) = (log(v2/v1) + (v1+(m1-m2)^2)/v2 - 1)/2, derived from E_q[log q - log p]",
        "Kullback & Leibler 1951; torch/distributions/kl.py _kl_normal_normal",
        SK.prove_gaussian_kl,
        (Part("gaussian_kl", lambda: SK.gaussian_kl_from_definition(S.mu_1, S.var_1, S.mu_2, S.var_2),
              lambda g: N.gaussian_kl(g["mu_1"], g["var_1"], g["mu_2"], g["var_2"])),),
        (N.gaussian_kl,),
        (oracles.normal_kl,),
    ),
    Identity(
        "standard_normal_kl",
        "KL(N(mu, sigma^2)||N(0,1)) = (mu^2 + sigma^2 - 1 - log sigma^2)/2",
        "Kingma & Welling 2014, appendix B",
        SK.prove_standard_normal_kl,
        (Part("standard_normal_kl", lambda: SK.gaussian_kl_from_definition(S.mu, S.var, 0, 1),
              lambda g: N.standard_normal_kl(g["mu"], g["var"])),),
        (N.standard_normal_kl,),
        (oracles.standard_normal_kl,),
    ),
    Identity(
        "forward_step",
        "q(x_t|x_{t-1}) = N(sqrt(alpha_t) x_{t-1}, beta_t)",
        "Ho et al. 2020, eq. 2",
        SF.prove_forward_step,
        (Part("forward_step_mean", lambda: SF.forward_step_mean(S.x_prev),
              lambda g: N.forward_step_mean(g["x_prev"], g.t, g.schedule)),
         Part("forward_step_variance", SF.forward_step_variance,
              lambda g: N.forward_step_variance(g.t, g.schedule)),
         Part("forward_step_sample",
              lambda: SF.forward_step_mean(S.x_prev) + sp.sqrt(SF.forward_step_variance()) * S.eps,
              lambda g: N.forward_step_sample(g["x_prev"], g.t, g.schedule, noise=g["eps"]))),
        (N.forward_step_mean, N.forward_step_variance, N.forward_step_sample),
    ),
    Identity(
        "forward_jump",
        "q(x_t|x_0) = N(sqrt(alpha_bar_t) x_0, 1 - alpha_bar_t), by composing forward steps",
        "Ho et al. 2020, eq. 4",
        SF.prove_forward_jump,
        (Part("forward_jump_mean", lambda: SF.forward_jump_mean(S.x_0),
              lambda g: N.forward_jump_mean(g["x_0"], g.t, g.schedule)),
         Part("forward_jump_variance", SF.forward_jump_variance,
              lambda g: N.forward_jump_variance(g.t, g.schedule)),
         Part("forward_jump_sample",
              lambda: SF.forward_jump_mean(S.x_0) + sp.sqrt(SF.forward_jump_variance()) * S.eps,
              lambda g: N.forward_jump_sample(g["x_0"], g.t, g.schedule, noise=g["eps"]))),
        (N.forward_jump_mean, N.forward_jump_variance, N.forward_jump_sample),
        (oracles.sequential_vs_jump,),
    ),
    Identity(
        "posterior",
        "q(x_{t-1}|x_t,x_0) = N(mu_tilde_t, beta_tilde_t) by Bayes-rule completion of the square",
        "Ho et al. 2020, eqs. 6-7",
        SP.prove_posterior,
        (Part("posterior_mean", SP.posterior_mean,
              lambda g: N.posterior_mean(g["x_0"], g["x_t"], g.t, g.schedule)),
         Part("posterior_variance", SP.posterior_variance,
              lambda g: N.posterior_variance(g.t, g.schedule)),
         Part("posterior_log_variance", lambda: sp.log(SP.posterior_variance()),
              lambda g: N.posterior_log_variance(g.t, g.schedule), t_min=2)),
        (N.posterior_mean, N.posterior_variance, N.posterior_log_variance),
        (oracles.bayes_quotient,),
    ),
    Identity(
        "x0_from_eps",
        "x_0 = (x_t - sqrt(1 - alpha_bar_t) eps)/sqrt(alpha_bar_t)",
        "Ho et al. 2020, eq. 4 solved for x_0",
        SP.prove_x0_from_eps,
        (Part("x0_from_eps", SP.x0_from_eps,
              lambda g: N.x0_from_eps(g["x_t"], g["eps"], g.t, g.schedule)),),
        (N.x0_from_eps,),
    ),
    Identity(
        "eps_mean",
        "mu_tilde_t = (x_t - beta_t/sqrt(1 - alpha_bar_t) eps)/sqrt(alpha_t)",
        "Ho et al. 2020, eq. 11",
        SP.prove_eps_mean,
        (Part("eps_mean", lambda: SP.posterior_mean().subs(S.x_0, SP.x0_from_eps()),
              lambda g: N.eps_mean(g["x_t"], g["eps"], g.t, g.schedule)),),
        (N.eps_mean,),
    ),
    Identity(
        "kl_eps_weight",
        "KL(q(x_{t-1}|x_t,x_0)||p_theta) = beta_t^2/(2 sigma_t^2 alpha_t (1-alpha_bar_t)) ||eps-eps_theta||^2 "
        "+ C_t, C_t free of eps and 0 iff sigma_t^2 = beta_tilde_t",
        "Ho et al. 2020, eq. 12",
        SK.prove_kl_eps_weight,
        (Part("kl_eps_weight", SK.kl_eps_weight,
              lambda g: N.kl_eps_weight(g.t, g.schedule, g["sigma2_t"])),
         Part("kl_eps_constant", SK.kl_eps_constant,
              lambda g: N.kl_eps_constant(g.t, g.schedule, g["sigma2_t"]), t_min=2),
         Part("denoising_kl", SK.denoising_kl,
              lambda g: N.kl_eps_weight(g.t, g.schedule, g["sigma2_t"]) * (g["eps"] - g["eps_theta"]) ** 2
              + N.kl_eps_constant(g.t, g.schedule, g["sigma2_t"]), t_min=2)),
        (N.kl_eps_weight, N.kl_eps_constant),
        (oracles.denoising_kl,),
    ),
    Identity(
        "prior_kl",
        "KL(q(x_T|x_0)||N(0,I)) = (alpha_bar_T ||x_0||^2 - d alpha_bar_T - d log(1-alpha_bar_T))/2 -> 0 "
        "as alpha_bar_T -> 0",
        "Ho et al. 2020, eq. 5 (L_T)",
        SK.prove_prior_kl,
        (Part("prior_kl", SK.prior_kl, lambda g: N.prior_kl(g["x_0"], g.schedule)),),
        (N.prior_kl,),
        (oracles.prior_kl,),
    ),
    Identity(
        "score",
        "grad_{x_t} log q(x_t|x_0) = -eps/sqrt(1 - alpha_bar_t)",
        "Song et al. 2021; Ho et al. 2020, eq. 4",
        SS.prove_score,
        (Part("score", SS.score, lambda g: N.score(g["x_t"], g["x_0"], g.t, g.schedule),
              exact_denominators=True),
         Part("score_from_eps", SS.score_from_eps, lambda g: N.score_from_eps(g["eps"], g.t, g.schedule))),
        (N.score, N.score_from_eps),
        (oracles.score_autograd,),
    ),
    Identity(
        "interpolation_weights",
        "w_0 + w_t = 1 - (1-sqrt(alpha_bar_{t-1}))(1-sqrt(alpha_t))/(1+sqrt(alpha_bar_t)): 1 only at t = 1",
        "Ho et al. 2020, eq. 7; the lecture's 'weights sum to 1' is false for t >= 2",
        SP.prove_interpolation_weights,
        (Part("interpolation_w0", lambda: SP.interpolation_weights()[0],
              lambda g: N.interpolation_weights(g.t, g.schedule)[0]),
         Part("interpolation_wt", lambda: SP.interpolation_weights()[1],
              lambda g: N.interpolation_weights(g.t, g.schedule)[1]),
         Part("interpolation_weight_sum", SP.interpolation_weight_sum,
              lambda g: N.interpolation_weight_sum(g.t, g.schedule))),
        (N.interpolation_weights, N.interpolation_weight_sum),
    ),
    # -- the ELBO derivation (symbolic/elbo.py), one entry per step, in order ---------------
    Identity(
        "elbo_factorization",
        "E_q[log p_theta(x_0:T) - log q(x_1:T|x_0)] = E_q[log p(x_T) + sum_{t=1}^T log p_theta(x_{t-1}|x_t) "
        "- sum_{t=1}^T log q(x_t|x_{t-1})]",
        "Ho et al. 2020, eq. 3 and App. A; lecture Homework 1",
        SE.prove_elbo_factorization, (),
        (N.elbo_factorization, N.elbo_terms, N.forward_trajectory),
        (elbo_checks.pathwise_check("elbo_factorization"),),
        kind="derivation",
    ),
    Identity(
        "elbo_separation",
        "split log p_theta(x_0|x_1) off the reverse sum (Homework 1 Part A)",
        "Ho et al. 2020, App. A; lecture Homework 1 Part A",
        SE.prove_elbo_separation, (), (N.elbo_separation,),
        (elbo_checks.pathwise_check("elbo_separation"),),
        kind="derivation",
    ),
    Identity(
        "elbo_reindexing",
        "both sums onto t = 2..T: the lecture's route (split off q(x_T|x_{T-1}), shift), then the "
        "pairing Bayes needs (split off q(x_1|x_0))",
        "lecture Homework 1 Part B; Luo 2022, eqs. 34-45",
        SE.prove_elbo_reindexing, (), (N.elbo_reindexing,),
        (elbo_checks.pathwise_check("elbo_reindexing"),),
        kind="derivation",
    ),
    Identity(
        "elbo_bayes",
        "for t >= 2, q(x_t|x_{t-1}) = q(x_{t-1}|x_t,x_0) q(x_t|x_0)/q(x_{t-1}|x_0) (Markov property), "
        "refused at t = 1",
        "Ho et al. 2020, App. A; lecture Homework 1 Part C",
        SE.prove_elbo_bayes, (), (N.elbo_bayes,),
        (elbo_checks.pathwise_check("elbo_bayes"),),
        kind="derivation",
    ),
    Identity(
        "elbo_telescoping",
        "sum_{t=2}^T [log q(x_{t-1}|x_0) - log q(x_t|x_0)] = log q(x_1|x_0) - log q(x_T|x_0)",
        "Ho et al. 2020, App. A",
        SE.prove_elbo_telescoping, (), (N.elbo_telescoping,),
        (elbo_checks.pathwise_check("elbo_telescoping"),),
        kind="derivation",
    ),
    Identity(
        "elbo_kl_form",
        "ELBO = E_q(x_1|x_0)[log p_theta(x_0|x_1)] - KL(q(x_T|x_0)||p(x_T)) "
        "- sum_{t=2}^T E_q(x_t|x_0)[KL(q(x_{t-1}|x_t,x_0)||p_theta(x_{t-1}|x_t))], subscripts verified",
        "Ho et al. 2020, eq. 5; lecture Homework 1 Part D",
        SE.prove_elbo_kl_form, (),
        (N.elbo_kl_form, N.variational_bound, N.reverse_variance, N.discretized_gaussian_log_likelihood),
        (elbo_checks.statistical_check, elbo_checks.exact_likelihood_check,
         elbo_checks.term_by_term_check, elbo_checks.discretized_decoder_check),
        kind="derivation",
    ),
    Identity(
        "elbo_gap",
        "single latent: log p(x) = E_q[log p(x,z) - log q(z|x)] + KL(q(z|x)||p(z|x)), hence ELBO <= log p(x)",
        "Kingma & Welling 2014, eq. 1; the lecture's foundations (seeds 002-003)",
        SE.prove_elbo_gap, (), (),
        (elbo_checks.elbo_gap_check,),
        kind="derivation",
    ),
    Identity(
        "schedule",
        "alpha_bar_t = prod_{s<=t}(1 - beta_s) and the tables built from it, within 3e-7 (float32) "
        "of a 50-digit reference",
        "stable forms: log alpha_bar = cumsum(log1p(-beta)), 1 - alpha_bar = -expm1(log alpha_bar)",
        None,
        (),
        (N.NoiseSchedule,),
        (oracles.schedule_precision, oracles.schedule_definitions),
        kind="precision",
    ),
)

BY_NAME = {identity.name: identity for identity in CATALOG}
PARTS = {part.name: (identity, part) for identity in CATALOG for part in identity.parts}
