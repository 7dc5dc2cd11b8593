"""Independent checks that need a test of their own: the relative-precision check of C_t."""

import pytest
import torch

import numeric
from crosscheck.engine import oracles
from crosscheck.engine.types import Context
from numeric import NoiseSchedule


def _ctx(schedule):
    return Context(schedule.to(dtype=torch.float64), torch.float64, torch.device("cpu"))


@pytest.mark.parametrize("schedule", [NoiseSchedule.linear(20, 0.9, 0.999), NoiseSchedule.linear(1000),
                                      NoiseSchedule.cosine(1000), NoiseSchedule.linear(1)], ids=str)
def test_kl_constant_holds_at_relative_precision(schedule):
    result = oracles.kl_constant_relative(_ctx(schedule))
    assert result.ok, result.summary


def _ratio_first(t, schedule, sigma2):
    """The form before issue 18: rho = beta_tilde/sigma2 first, then rho - 1 - log rho."""
    rho = numeric.posterior_variance(t, schedule) / sigma2
    return 0.5 * (rho - 1 - torch.log(rho))


@pytest.mark.parametrize("schedule", [NoiseSchedule.linear(20, 0.9, 0.999), NoiseSchedule.linear(1000)], ids=str)
def test_kl_constant_check_catches_a_ratio_formed_first(schedule, monkeypatch):
    """Right to the magnitude-scaled comparison, wrong in every digit where C_t is tiny: caught."""
    monkeypatch.setattr(numeric, "kl_eps_constant", _ratio_first)
    result = oracles.kl_constant_relative(_ctx(schedule))
    assert not result.ok, result.summary


def test_kl_constant_check_catches_a_relative_slip_of_1e_9(monkeypatch):
    real = numeric.kl_eps_constant
    monkeypatch.setattr(numeric, "kl_eps_constant", lambda t, s, v: real(t, s, v) * (1 + 1e-9))
    assert not oracles.kl_constant_relative(_ctx(NoiseSchedule.linear(50))).ok


def test_kl_constant_check_catches_a_wrong_gap_near_beta_tilde(monkeypatch):
    """The branch near sigma_t^2 = beta_tilde_t (a mutant that survived the catalog run): caught."""
    import numeric.kl as kl

    def added_gap(t, schedule, sigma2):
        beta_tilde = kl.gather(schedule.table("beta_tilde", kl._tables.beta_tilde), t)
        gap = sigma2 + beta_tilde                      # the mutant: + for -
        return 0.5 * kl.excess_ratio_term(beta_tilde / sigma2, -gap / sigma2)
    monkeypatch.setattr(kl, "_kl_eps_constant", added_gap)
    assert not oracles.kl_constant_relative(_ctx(NoiseSchedule.linear(1000))).ok
