"""Numeric layer (torch only): the DDPM formulas on CPU or CUDA tensors, paper indexing.

Never imports sympy.  Every public formula function carries its catalog name.
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

#: Every public formula function; each must appear in crosscheck's catalog (a test checks).
FORMULAS = (
    gaussian_log_density, gaussian_kl, standard_normal_kl,
    forward_step_mean, forward_step_variance, forward_step_sample,
    forward_jump_mean, forward_jump_variance, forward_jump_sample,
    posterior_mean, posterior_variance, posterior_log_variance,
    interpolation_weights, interpolation_weight_sum, x0_from_eps, eps_mean,
    kl_eps_weight, kl_eps_constant, prior_kl, score, score_from_eps,
    forward_trajectory, reverse_variance, variational_bound, discretized_gaussian_log_likelihood,
    elbo_terms, elbo_factorization, elbo_separation, elbo_reindexing, elbo_bayes, elbo_telescoping,
    elbo_kl_form,
)
