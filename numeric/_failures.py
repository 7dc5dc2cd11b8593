"""How the numeric layer refuses its input, as data: one :class:`Failure` per distinct failure of a
public function, next to the checks that produce it (:mod:`numeric._validation`).

Each row carries an example call, Python source evaluated in a namespace holding ``torch``,
``math``, ``numeric``, ``crosscheck``, ``NoiseSchedule``, a schedule ``S =
NoiseSchedule.linear(10)`` (float32, cpu), data ``x = torch.zeros(4, 2)`` and a zero noise
model ``model``.  ``python -m crosscheck.devtools.contract`` runs every example and prints the
README's table with the message each one really raises; ``tests/test_contract.py`` runs them too.

Checks shared by many functions are listed once, under a group (:data:`GROUPS`) whose members all
run the same check; ``tests/numeric/test_validation.py`` calls every member.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Failure:
    """One way a public function refuses its input.

    ``function``: as the user calls it (``numeric.posterior_mean``, ``NoiseSchedule.linear``), or a
    key of :data:`GROUPS`; ``argument``: the argument(s) the message names, comma-separated
    (``result`` where no argument is at fault, and the message names the function instead);
    ``condition``: when, in words; ``exception``: ValueError or TypeError; ``example``: a call
    that fails so.
    """

    function: str
    argument: str
    condition: str
    exception: type
    example: str

    @property
    def arguments(self) -> tuple[str, ...]:
        return tuple(a.strip() for a in self.argument.split(","))


_T_FUNCTIONS = ("forward_step_mean", "forward_step_variance", "forward_step_sample", "forward_jump_mean",
                "forward_jump_variance", "forward_jump_sample", "posterior_mean", "posterior_variance",
                "posterior_log_variance", "interpolation_weights", "interpolation_weight_sum", "x0_from_eps",
                "eps_mean", "score", "score_from_eps", "kl_eps_weight", "kl_eps_constant", "denoising_kl",
                "reverse_variance")
_STATE_FUNCTIONS = ("forward_step_mean", "forward_step_sample", "forward_jump_mean", "forward_jump_sample",
                    "posterior_mean", "x0_from_eps", "eps_mean", "score", "score_from_eps")
_DATA_FUNCTIONS = _STATE_FUNCTIONS + ("prior_kl", "denoising_kl", "gaussian_log_density", "gaussian_kl",
                                      "standard_normal_kl", "discretized_gaussian_log_likelihood",
                                      "forward_trajectory", "ancestral_step", "variational_bound", "elbo_terms")
_STEPS = ("elbo_factorization", "elbo_separation", "elbo_reindexing", "elbo_bayes", "elbo_telescoping",
          "elbo_kl_form")

#: Groups of public functions that run one check the same way, by the label the table shows.
GROUPS: dict[str, tuple[str, ...]] = {
    "functions of `t`": tuple(f"numeric.{f}" for f in _T_FUNCTIONS),
    "functions of states and `t`": tuple(f"numeric.{f}" for f in _STATE_FUNCTIONS),
    "functions of tensors": tuple(f"numeric.{f}" for f in _DATA_FUNCTIONS),
    "functions with `generator`": tuple(f"numeric.{f}" for f in ("forward_trajectory", "ancestral_step",
                                                                 "ancestral_sample", "variational_bound")),
    "functions with `eps_model`": tuple(f"numeric.{f}" for f in ("ancestral_sample", "variational_bound",
                                                                 "elbo_terms")),
    "functions with `variance`": tuple(f"numeric.{f}" for f in ("reverse_variance", "ancestral_step",
                                                                "ancestral_sample", "variational_bound",
                                                                "elbo_terms")),
    "the pathwise steps": tuple(f"numeric.{f}" for f in _STEPS),
    "NoiseSchedule constructors": ("numeric.NoiseSchedule", "NoiseSchedule.linear", "NoiseSchedule.cosine",
                                   "NoiseSchedule.from_betas", "NoiseSchedule.to"),
    "every numeric function": ("numeric.*",),        # every public function's result is checked finite
}

F = Failure
_Q = "torch.quantize_per_tensor(torch.zeros(4), 0.1, 0, torch.qint8)"

#: The numeric layer's failures, grouped by function (shared checks first).
NUMERIC_FAILURES: tuple[Failure, ...] = (
    # -- shared: the schedule and the timesteps
    F("functions of `t`", "schedule", "not a NoiseSchedule (None, a number)", TypeError,
      "numeric.posterior_variance(3, None)"),
    F("functions of `t`", "schedule, t", "`t` and `schedule` passed in the wrong order", TypeError,
      "numeric.posterior_variance(S, 3)"),
    F("functions of `t`", "t", "not an int or an integer tensor (a float, a str, a bool tensor)", TypeError,
      "numeric.posterior_variance(2.5, S)"),
    F("functions of `t`", "t", "outside [1, T], ints beyond int64 included", ValueError,
      "numeric.posterior_variance(2**70, S)"),
    F("functions of `t`", "t", "t = 1 where the term starts at t = 2 (the KL terms, log beta_tilde)", ValueError,
      "numeric.kl_eps_constant(1, S, 0.1)"),
    F("functions of `t`", "t", "a tensor on another device than the schedule", ValueError,
      "numeric.posterior_variance(torch.tensor([1], device='meta'), S)"),
    F("functions of `t`", "t", "a sparse tensor", TypeError,
      "numeric.posterior_variance(torch.tensor([1, 2]).to_sparse(), S)"),
    F("functions of states and `t`", "t, x_0", "a tensor `t` whose shape is not the leading dimensions of the data",
      ValueError, "numeric.forward_jump_mean(x, torch.tensor([1, 2]), S)"),
    F("functions of states and `t`", "t, x_t", "with a tensor `t`, data tensors of different numbers of dimensions",
      ValueError, "numeric.posterior_mean(torch.zeros(1), x, torch.tensor([1, 2, 3, 4]), S)"),
    # -- shared: the tensors
    F("functions of tensors", "x_0", "not a torch.Tensor", TypeError, "numeric.forward_jump_mean([0.0], 1, S)"),
    F("functions of tensors", "x_0", "an integer or bool tensor", TypeError,
      "numeric.forward_jump_mean(torch.zeros(4, dtype=torch.int64), 1, S)"),
    F("functions of tensors", "x_0", "a complex tensor", TypeError,
      "numeric.forward_jump_mean(torch.zeros(4, dtype=torch.complex64), 1, S)"),
    F("functions of tensors", "x", "a float8 tensor (no arithmetic in torch)", TypeError,
      "numeric.gaussian_log_density(torch.zeros(4).to(torch.float8_e4m3fn), 0.0, 1.0)"),
    F("functions of tensors", "x_0", "a sparse tensor", TypeError,
      "numeric.forward_jump_mean(torch.zeros(4).to_sparse(), 1, S)"),
    F("functions of tensors", "x_0", "a quantized tensor", TypeError, f"numeric.forward_jump_mean({_Q}, 1, S)"),
    F("functions of tensors", "x", "a meta tensor (a shape without values)", ValueError,
      "numeric.gaussian_log_density(torch.zeros(4, device='meta'), 0.0, 1.0)"),
    F("functions of tensors", "x_0", "another dtype than the schedule's", TypeError,
      "numeric.forward_jump_mean(torch.zeros(4, dtype=torch.float64), 1, S)"),
    F("functions of tensors", "x_0", "on another device than the schedule", ValueError,
      "numeric.forward_jump_mean(torch.zeros(4, device='meta'), 1, S)"),
    F("functions of tensors", "x_0, x_t", "shapes that do not broadcast together", ValueError,
      "numeric.posterior_mean(torch.zeros(3), torch.zeros(4), 1, S)"),
    F("functions of tensors", "x_t", "nan or inf in an input", ValueError,
      "numeric.eps_mean(torch.tensor([0.0, math.nan]), torch.zeros(2), 3, S)"),
    F("every numeric function", "result", "finite inputs whose result overflows the dtype", ValueError,
      "numeric.x0_from_eps(torch.ones(2), torch.ones(2), 60, NoiseSchedule.from_betas([0.99] * 60))"),
    F("functions with `generator`", "generator", "not a torch.Generator (a seed such as 0)", TypeError,
      "numeric.forward_trajectory(x, S, generator=0)"),
    F("functions with `eps_model`", "eps_model", "not callable", TypeError,
      "numeric.ancestral_sample(None, S, (4, 2))"),
    F("functions with `eps_model`", "eps_model", "returns another shape than x_t", ValueError,
      "numeric.variational_bound(x, S, lambda x_t, t: x_t[:1])"),
    F("functions with `eps_model`", "eps_model", "returns nan or inf", ValueError,
      "numeric.variational_bound(x, S, lambda x_t, t: x_t / 0)"),
    F("functions with `eps_model`", "eps_model", "returns another dtype or device than x_t, or not a tensor",
      TypeError, "numeric.variational_bound(x, S, lambda x_t, t: x_t.double())"),
    F("functions with `variance`", "variance", "not 'posterior' or 'beta'", ValueError,
      "numeric.reverse_variance(2, S, 'large')"),
    F("functions with `variance`", "variance", "'posterior' with T = 1 (beta_tilde_1 = 0)", ValueError,
      "numeric.reverse_variance(1, NoiseSchedule.linear(1), 'posterior')"),
    F("the pathwise steps", "terms", "not an ELBOTerms", TypeError, "numeric.elbo_kl_form(None)"),
    # -- NoiseSchedule
    F("NoiseSchedule constructors", "dtype", "not a floating torch.dtype", TypeError,
      "NoiseSchedule.linear(10, dtype=torch.int64)"),
    F("NoiseSchedule constructors", "dtype", "a float8 dtype (no arithmetic in torch)", TypeError,
      "NoiseSchedule.linear(10, dtype=torch.float8_e4m3fn)"),
    F("NoiseSchedule constructors", "device", "not a str or torch.device", TypeError,
      "NoiseSchedule.linear(10, device=1.5)"),
    F("NoiseSchedule constructors", "device", "not a device name", ValueError,
      "NoiseSchedule.linear(10, device='gpu7')"),
    F("NoiseSchedule constructors", "device", "a device this machine or build lacks (cuda, mps, xla)", ValueError,
      "NoiseSchedule.linear(10, device='cuda:99')"),
    F("NoiseSchedule constructors", "device", "'meta' (no values)", ValueError,
      "NoiseSchedule.linear(10, device='meta')"),
    F("numeric.NoiseSchedule", "betas", "an entry not finite or outside (0, 1)", ValueError,
      "NoiseSchedule([0.1, 1.0])"),
    F("numeric.NoiseSchedule", "betas", "not 1-D, or empty", ValueError, "NoiseSchedule([])"),
    F("numeric.NoiseSchedule", "betas", "not a sequence of floats, or an integer tensor", TypeError,
      "NoiseSchedule(torch.tensor([1, 2]))"),
    F("numeric.NoiseSchedule", "betas", "more than MAX_T entries", ValueError,
      "NoiseSchedule(torch.full((NoiseSchedule.MAX_T + 1,), 0.01))"),
    F("numeric.NoiseSchedule", "betas", "a tensor that requires grad (no gradient would reach it)", ValueError,
      "NoiseSchedule(torch.full((3,), 0.1, requires_grad=True))"),
    F("numeric.NoiseSchedule", "name", "not a str", TypeError, "NoiseSchedule([0.1], name=3)"),
    F("NoiseSchedule.linear", "T", "not an int", TypeError, "NoiseSchedule.linear(2.5)"),
    F("NoiseSchedule.linear", "T", "< 1", ValueError, "NoiseSchedule.linear(0)"),
    F("NoiseSchedule.linear", "T", "> MAX_T = 1,000,000 (2**63 included)", ValueError,
      "NoiseSchedule.linear(10**9)"),
    F("NoiseSchedule.linear", "beta_end", "outside (0, 1)", ValueError, "NoiseSchedule.linear(10, beta_end=1.5)"),
    F("NoiseSchedule.linear", "beta_start", "not a number", TypeError,
      "NoiseSchedule.linear(10, beta_start='0.1')"),
    F("NoiseSchedule.cosine", "T", "> MAX_T", ValueError, "NoiseSchedule.cosine(2**63)"),
    F("NoiseSchedule.cosine", "s", "negative or not finite", ValueError, "NoiseSchedule.cosine(10, s=-1.0)"),
    F("NoiseSchedule.cosine", "s", "so large that the betas round to 0", ValueError,
      "NoiseSchedule.cosine(10, s=1e300)"),
    F("NoiseSchedule.cosine", "max_beta", "outside (0, 1)", ValueError, "NoiseSchedule.cosine(10, max_beta=0.0)"),
    F("NoiseSchedule.table", "name", "not a table of the schedule, and no `build`", ValueError,
      "S.table('nope')"),
    F("NoiseSchedule.table", "name", "not a str", TypeError, "S.table(3)"),
    F("NoiseSchedule.table", "build", "not callable", TypeError, "S.table('nope', 3)"),
    F("NoiseSchedule.float64", "name", "not a master table", ValueError, "S.float64('beta_tilde_squared')"),
    # -- the forward process
    F("numeric.forward_jump_sample", "noise", "not shaped like x_0 (a broadcast would reuse one draw)",
      ValueError, "numeric.forward_jump_sample(x, 1, S, noise=torch.zeros(1, 2))"),
    F("numeric.forward_step_sample", "noise", "not shaped like x_prev", ValueError,
      "numeric.forward_step_sample(x, 1, S, noise=torch.zeros(2))"),
    F("numeric.forward_trajectory", "noise", "not of shape (T, *x_0.shape)", ValueError,
      "numeric.forward_trajectory(x, S, noise=torch.zeros(2, 4, 2))"),
    F("numeric.forward_trajectory", "x_0", "the trajectory cannot fit in the device's memory", ValueError,
      "numeric.forward_trajectory(torch.zeros(()).expand(10**10, 10**4), S)"),
    # -- the KLs and densities
    F("numeric.kl_eps_weight", "sigma2", "not a tensor or a number", TypeError,
      "numeric.kl_eps_weight(2, S, 'big')"),
    F("numeric.kl_eps_weight", "sigma2", "not positive (beta_tilde_1 = 0 at t = 1)", ValueError,
      "numeric.kl_eps_weight(1, S, numeric.posterior_variance(1, S))"),
    F("numeric.kl_eps_weight", "t, sigma2", "shapes that do not broadcast together", ValueError,
      "numeric.kl_eps_weight(torch.tensor([2, 3]), S, torch.full((3,), 0.1))"),
    F("numeric.kl_eps_constant", "sigma2", "another dtype than the schedule's", TypeError,
      "numeric.kl_eps_constant(2, S, torch.tensor(0.1, dtype=torch.float64))"),
    F("numeric.denoising_kl", "sigma2", "not a tensor or a number", TypeError,
      "numeric.denoising_kl(x, x, 3, S, 'big')"),
    F("numeric.denoising_kl", "eps, eps_theta", "shapes that do not broadcast together", ValueError,
      "numeric.denoising_kl(torch.zeros(3), torch.zeros(4), 3, S, 0.1)"),
    F("numeric.gaussian_kl", "mean_1, var_1, mean_2, var_2", "numbers only, no tensor", TypeError,
      "numeric.gaussian_kl(0.0, 1.0, 0.0, 1.0)"),
    F("numeric.gaussian_kl", "var_1", "not positive", ValueError, "numeric.gaussian_kl(x, 0.0, x, 1.0)"),
    F("numeric.gaussian_kl", "mean_2", "another dtype than the first tensor argument", TypeError,
      "numeric.gaussian_kl(torch.zeros(2), 1.0, torch.zeros(2, dtype=torch.float64), 1.0)"),
    F("numeric.standard_normal_kl", "var", "not a tensor or a number", TypeError,
      "numeric.standard_normal_kl(x, '1')"),
    F("numeric.gaussian_log_density", "var", "not positive", ValueError, "numeric.gaussian_log_density(x, 0.0, -1.0)"),
    F("numeric.discretized_gaussian_log_likelihood", "delta", "another dtype than x_0", TypeError,
      "numeric.discretized_gaussian_log_likelihood(x, x.double(), 0.0)"),
    F("numeric.discretized_gaussian_log_likelihood", "log_sigma2", "not a tensor or a number", TypeError,
      "numeric.discretized_gaussian_log_likelihood(x, x, 'small')"),
    # -- sampling
    F("numeric.ancestral_step", "t", "not an int", TypeError, "numeric.ancestral_step(x, x, 2.0, S)"),
    F("numeric.ancestral_step", "eps_theta", "not shaped like x_t", ValueError,
      "numeric.ancestral_step(x, torch.zeros(4, 1), 2, S)"),
    F("numeric.ancestral_step", "noise", "not shaped like x_t", ValueError,
      "numeric.ancestral_step(x, x, 2, S, noise=torch.zeros(2))"),
    F("numeric.ancestral_sample", "shape", "not a tuple (an int)", TypeError, "numeric.ancestral_sample(model, S, 5)"),
    F("numeric.ancestral_sample", "shape", "fewer than 2 dimensions, or an entry < 1", ValueError,
      "numeric.ancestral_sample(model, S, (4,))"),
    F("numeric.ancestral_sample", "shape", "the samples cannot fit in the device's memory", ValueError,
      "numeric.ancestral_sample(model, S, (10**14, 2))"),
    F("numeric.ancestral_sample", "x_T", "not of shape `shape`", ValueError,
      "numeric.ancestral_sample(model, S, (4, 2), x_T=torch.zeros(3, 2))"),
    # -- the bound
    F("numeric.variational_bound", "x_0", "not (B, *data) with a data dimension", ValueError,
      "numeric.variational_bound(torch.zeros(4), S, model)"),
    F("numeric.variational_bound", "x_0", "one timestep's working tensors cannot fit in the device's memory",
      ValueError, "numeric.variational_bound(torch.zeros(()).expand(10**8, 10**6), S, model)"),
    F("numeric.variational_bound", "decoder", "not 'gaussian' or 'discretized'", ValueError,
      "numeric.variational_bound(x, S, model, decoder='logistic')"),
    F("numeric.variational_bound", "decoder", "'discretized' with data outside [-1, 1]", ValueError,
      "numeric.variational_bound(x + 2, S, model, decoder='discretized')"),
    F("numeric.variational_bound", "units", "not 'nats' or 'bits'", ValueError,
      "numeric.variational_bound(x, S, model, units='bpd')"),
    F("numeric.variational_bound", "memory_budget", "not an int", TypeError,
      "numeric.variational_bound(x, S, model, memory_budget=1e9)"),
    F("numeric.variational_bound", "memory_budget", "< 1", ValueError,
      "numeric.variational_bound(x, S, model, memory_budget=0)"),
    F("numeric.variational_bound", "max_rows", "not a positive int", ValueError,
      "numeric.variational_bound(x, S, model, max_rows=0)"),
    F("numeric.variational_bound", "noise", "not of shape (T, *x_0.shape)", ValueError,
      "numeric.variational_bound(x, S, model, noise=torch.zeros(3, 4, 2))"),
    F("numeric.elbo_terms", "trajectory", "not (T+1, B, *data)", ValueError,
      "numeric.elbo_terms(torch.zeros(3, 4, 1), S, model)"),
    F("numeric.elbo_terms", "trajectory", "its working tensors cannot fit in the device's memory", ValueError,
      "numeric.elbo_terms(torch.zeros(()).expand(11, 10**7, 10**6), S, model)"),
)
