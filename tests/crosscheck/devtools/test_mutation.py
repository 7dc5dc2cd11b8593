"""Mutation testing (crosscheck/devtools/mutation.py): the verifier catches wrong math.

CI runs a spread sample of the mutants, each in its own process; ``python bench/mutation.py``
runs all of them (the README's figure).  A sampled mutant must be killed: the documented
equivalents (mutation.EQUIVALENT) are left out of the sample, and two of them are run to show
that they do survive.
"""

import pytest
import torch

import numeric
from crosscheck.devtools import mutation
from crosscheck.engine.registry import REGISTRY


@pytest.fixture(scope="module")
def mutants():
    return mutation.all_mutants()


@pytest.fixture(scope="module")
def by_id(mutants):
    return {m.id: m for m in mutants}


def test_every_operator_mutates_both_layers_and_every_formula(mutants):
    for layer in ("numeric", "symbolic"):
        assert {m.operator for m in mutants if m.layer == layer} == set(mutation.OPERATORS), layer
    mutated = {m.qualname for m in mutants}
    assert {name for q in REGISTRY for name in q.numeric_functions() if name != 'NoiseSchedule'} <= mutated
    assert len({m.id for m in mutants}) == len(mutants)          # ids are unique
    assert len(mutants) > 900


def test_the_equivalent_list_names_existing_mutants_with_a_reason(by_id):
    assert set(mutation.EQUIVALENT) <= set(by_id), set(mutation.EQUIVALENT) - set(by_id)
    assert all(len(reason) > 30 for reason in mutation.EQUIVALENT.values())


def test_a_mutant_is_applied_and_then_undone(by_id):
    mutant = by_id["numeric.score:_score_from_eps:sign:-eps->eps"]     # the core score_from_eps calls
    s = numeric.NoiseSchedule.linear(10, dtype=torch.float64)
    eps = torch.tensor([0.5, -1.0], dtype=torch.float64)
    right = numeric.score_from_eps(eps, 3, s)
    core = mutation.resolve(mutant.module, mutant.qualname)
    code = core.__code__
    with mutation.applied(mutant):
        assert torch.equal(numeric.score_from_eps(eps, 3, s), -right)     # every reference sees the mutant
    assert core.__code__ is code
    assert torch.equal(numeric.score_from_eps(eps, 3, s), right)


def test_a_symbolic_mutant_reaches_the_proof(by_id):
    from symbolic import posterior
    mutant = by_id["symbolic.posterior:posterior_variance:bar-shift:symbols.alpha_bar_prev->symbols.alpha_bar_t"]
    assert posterior.prove_posterior().ok
    with mutation.applied(mutant):
        assert not posterior.prove_posterior().ok
    assert posterior.prove_posterior().ok


# Mutants that survived the first full run, and the check added to kill each.
KILLED_BY_NEW_CHECKS = [
    ("numeric.elbo:_variational_bound:mul-div:lam[steps, None] * squared->lam[steps, None] / squared",
     "check vectorized and pathwise code vs closed forms one t at a time"),
    ("numeric.forward:_forward_trajectory:mul-div:sqrt_alpha[t] * trajectory[t - 1]->sqrt_alpha[t] / trajectory[t - 1]",
     "check vectorized and pathwise code vs closed forms one t at a time"),
    ("numeric._tables:sigma2_beta:sqrt-add:m['beta']->torch.sqrt(m['beta'])",
     "check vectorized and pathwise code vs closed forms one t at a time"),
    ("numeric.elbo:_decoder_nll:sign:-_discretized_gaussian_log_likelihood(x_0, delta, log_sigma2)"
     "->_discretized_gaussian_log_likelihood(x_0, delta, log_sigma2)",
     "check vectorized and pathwise code vs closed forms one t at a time"),
    ("numeric.elbo:elbo_kl_form:add-sub:terms.log_p_theta[0] - terms.prior_kl->terms.log_p_theta[0] + terms.prior_kl",
     "check vectorized and pathwise code vs closed forms one t at a time"),
    ("numeric.schedule:NoiseSchedule.cosine:add-sub:a + b->a - b", "check schedule constructors vs their definitions"),
    ("numeric.schedule:NoiseSchedule.log_alpha_bar:sign:self.table('log_alpha_bar')->-self.table('log_alpha_bar')",
     "check schedule tables vs 50-digit product"),
    ("symbolic.gaussian:gaussian_density:sign:sp.exp(-(x - mean) ** 2 / (2 * var)) / sp.sqrt(2 * sp.pi * var)"
     "->-(sp.exp(-(x - mean) ** 2 / (2 * var)) / sp.sqrt(2 * sp.pi * var))", "proof refuted"),
    ("symbolic.gaussian:gaussian_raw_moment:mul-div:sp.binomial(k, j) * mean ** (k - j) * var ** (j // 2) * "
     "sp.factorial2(j - 1)->sp.binomial(k, j) * mean ** (k - j) * var ** (j // 2) / sp.factorial2(j - 1)",
     "proof refuted"),
]


@pytest.mark.slow
@pytest.mark.parametrize("mutant_id, how", KILLED_BY_NEW_CHECKS, ids=[i.split(":")[1] for i, _ in KILLED_BY_NEW_CHECKS])
def test_former_survivors_are_killed_by_the_checks_added_for_them(mutant_id, how, by_id):
    outcome = mutation.run_mutant(by_id[mutant_id], timeout=120)
    assert outcome.killed and outcome.how.startswith(how), outcome.how


@pytest.mark.slow
def test_documented_equivalents_do_survive(by_id):
    chosen = sorted(mutation.EQUIVALENT)[:: max(1, len(mutation.EQUIVALENT) // 2)][:2]
    for outcome in mutation.run_many([by_id[i] for i in chosen], jobs=2, timeout=120):
        assert not outcome.killed, (outcome.mutant.id, outcome.how)


@pytest.mark.slow
def test_a_spread_sample_of_mutants_is_killed(mutants):
    """200 mutants over every (layer, operator) stratum, each run as `python -m crosscheck`
    runs (default schedule, points and checks) in its own process."""
    candidates = [m for m in mutants if m.id not in mutation.EQUIVALENT]
    chosen = mutation.sample(candidates, 200, seed=2026)
    assert {(m.layer, m.operator) for m in chosen} == {(m.layer, m.operator) for m in candidates}
    outcomes = mutation.run_many(chosen, jobs=2, timeout=120)
    survivors = [(o.mutant.id, o.mutant.line) for o in outcomes if not o.killed]
    assert survivors == []
    killed, relevant, rate = mutation.kill_rate(outcomes)
    assert (killed, relevant, rate) == (200, 200, 1.0)


@pytest.mark.slow
def test_a_value_cached_before_the_mutant_does_not_hide_it(by_id):
    """The T = 3000 stress error of the schedule is cached (computed once per process); a parent
    that verified before forking holds the unmutated value.  This mutant of the compensated sum
    computes the right sum with plain rounding, caught only by that stress schedule: it survived a
    sample run whose parent had the value cached, until every mutant clears the cache."""
    from crosscheck.engine import oracles
    oracles._long_schedule_error()
    mutant = by_id["numeric.schedule:_compensated_cumsum:add-sub:total + value->total - value"]
    (outcome,) = mutation.run_many([mutant], jobs=1, timeout=120)
    assert outcome.killed and outcome.how == "check schedule tables vs 50-digit product", outcome.how
