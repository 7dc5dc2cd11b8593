"""Numeric layer (torch only): the DDPM formulas on CPU or CUDA tensors, paper indexing.

Never imports sympy.  Every public formula function carries its registry name, the same name as its
symbolic twin (``crosscheck/engine/registry.py`` lists them; a test checks that none is missing).
"""

from .forward import (
    forward_jump_mean as forward_jump_mean,
    forward_jump_sample as forward_jump_sample,
    forward_jump_variance as forward_jump_variance,
    forward_step_mean as forward_step_mean,
    forward_step_sample as forward_step_sample,
    forward_step_variance as forward_step_variance,
    forward_trajectory as forward_trajectory,
)
from . import elbo as elbo
from .elbo import (
    ELBOTerms as ELBOTerms,
    VariationalBound as VariationalBound,
    discretized_gaussian_log_likelihood as discretized_gaussian_log_likelihood,
    elbo_bayes as elbo_bayes,
    elbo_factorization as elbo_factorization,
    elbo_kl_form as elbo_kl_form,
    elbo_reindexing as elbo_reindexing,
    elbo_separation as elbo_separation,
    elbo_telescoping as elbo_telescoping,
    elbo_terms as elbo_terms,
    reverse_variance as reverse_variance,
    variational_bound as variational_bound,
)
from .gaussian import gaussian_log_density as gaussian_log_density
from .kl import (
    denoising_kl as denoising_kl,
    gaussian_kl as gaussian_kl,
    kl_eps_constant as kl_eps_constant,
    kl_eps_weight as kl_eps_weight,
    prior_kl as prior_kl,
    standard_normal_kl as standard_normal_kl,
)
from .posterior import (
    eps_mean as eps_mean,
    interpolation_weight_sum as interpolation_weight_sum,
    interpolation_weights as interpolation_weights,
    posterior_log_variance as posterior_log_variance,
    posterior_mean as posterior_mean,
    posterior_variance as posterior_variance,
    x0_from_eps as x0_from_eps,
)
from .sampling import ancestral_sample as ancestral_sample, ancestral_step as ancestral_step
from .schedule import NoiseSchedule as NoiseSchedule
from .score import score as score, score_from_eps as score_from_eps

__all__ = [
    "ELBOTerms",
    "NoiseSchedule",
    "VariationalBound",
    "ancestral_sample",
    "ancestral_step",
    "denoising_kl",
    "discretized_gaussian_log_likelihood",
    "elbo",
    "elbo_bayes",
    "elbo_factorization",
    "elbo_kl_form",
    "elbo_reindexing",
    "elbo_separation",
    "elbo_telescoping",
    "elbo_terms",
    "eps_mean",
    "forward_jump_mean",
    "forward_jump_sample",
    "forward_jump_variance",
    "forward_step_mean",
    "forward_step_sample",
    "forward_step_variance",
    "forward_trajectory",
    "gaussian_kl",
    "gaussian_log_density",
    "interpolation_weight_sum",
    "interpolation_weights",
    "kl_eps_constant",
    "kl_eps_weight",
    "posterior_log_variance",
    "posterior_mean",
    "posterior_variance",
    "prior_kl",
    "reverse_variance",
    "score",
    "score_from_eps",
    "standard_normal_kl",
    "variational_bound",
    "x0_from_eps",
]
