"""Ancestral sampling (Algorithm 2) by its moments, on a model whose reverse process is exact."""

import collections
import importlib
import inspect
import math
import sys

import pytest
import torch

from numeric import NoiseSchedule, ancestral_sample, ancestral_step, eps_mean, reverse_variance


def test_ancestral_step_draws_from_the_reverse_model_mean_and_variance(dtype, device):
    s = NoiseSchedule.linear(50, dtype=dtype, device=device)
    t, n = 20, 200_000
    x_t = torch.full((n, 1), 0.7, dtype=dtype, device=device)
    eps_theta = torch.full_like(x_t, -0.3)
    g = torch.Generator(device=device).manual_seed(0)
    draws = ancestral_step(x_t, eps_theta, t, s, generator=g).double()
    mean = eps_mean(x_t[:1], eps_theta[:1], t, s).double().item()
    var = reverse_variance(t, s).double().item()
    assert abs(draws.mean().item() - mean) / math.sqrt(var / n) < 4
    z_var = (draws.var().item() - var) / (var * math.sqrt(2 / n))
    assert abs(z_var) < 4
    # the check can fail: beta_t is a different variance (beta_t / beta_tilde_t = 1.05 at t = 20)
    wrong = reverse_variance(t, s, "beta").double().item()
    assert abs((draws.var().item() - wrong) / (wrong * math.sqrt(2 / n))) > 4


def test_ancestral_step_at_t1_adds_no_noise():
    s = NoiseSchedule.linear(10, dtype=torch.float64)
    x = torch.randn(5, 2, dtype=torch.float64)
    eps = torch.randn_like(x)
    assert torch.equal(ancestral_step(x, eps, 1, s), eps_mean(x, eps, 1, s))


def test_ancestral_sample_is_exact_for_gaussian_data():
    """x_0 ~ N(0, 1): every marginal is N(0, 1), E[eps|x_t] = sqrt(1 - ab_t) x_t, and the true
    reverse step is N(sqrt(alpha_t) x_t, beta_t), so variance='beta' samples exactly; the last,
    noiseless step leaves x_0 = sqrt(alpha_1) x_1, of variance alpha_1."""
    s = NoiseSchedule.linear(40, 1e-3, 0.2, dtype=torch.float64)

    def eps_model(x_t, t):
        return s.one_minus_alpha_bar[t].sqrt()[:, None] * x_t

    n = 100_000
    g = torch.Generator().manual_seed(1)
    x_0 = ancestral_sample(eps_model, s, (n, 1), variance="beta", generator=g)
    var = s.alpha[1].item()
    assert abs(x_0.mean().item()) / math.sqrt(var / n) < 4
    assert abs((x_0.var().item() - var) / (var * math.sqrt(2 / n))) < 4
    # the same check catches the other variance (beta_tilde_t is not this model's reverse variance)
    other = ancestral_sample(eps_model, s, (n, 1), variance="posterior", generator=g)
    assert abs((other.var().item() - var) / (var * math.sqrt(2 / n))) > 4


def test_ancestral_sample_and_step_bad_input():
    s = NoiseSchedule.linear(10)
    with pytest.raises(TypeError, match="eps_model"):
        ancestral_sample(None, s, (4, 2))
    with pytest.raises(ValueError, match="shape"):
        ancestral_sample(lambda x, t: x, s, (4,))
    with pytest.raises(ValueError, match="variance"):
        ancestral_sample(lambda x, t: x, s, (4, 2), variance="large")
    with pytest.raises(ValueError, match="non-finite"):
        ancestral_sample(lambda x, t: x / 0, s, (4, 2))
    with pytest.raises(TypeError, match="int paper timestep"):
        ancestral_step(torch.zeros(2, 1), torch.zeros(2, 1), 2.0, s)
    with pytest.raises(ValueError, match=r"\[1, 10\]"):
        ancestral_step(torch.zeros(2, 1), torch.zeros(2, 1), 11, s)


# -- validate once -------------------------------------------------------------------------------

@pytest.fixture
def check_calls(monkeypatch):
    """Counts, by name, the calls of numeric._validation's checks from every numeric module, and of
    the ``@finite`` result check (``_non_finite``, which synchronises with the device)."""
    from numeric import _validation
    counts = collections.Counter()
    for name, original in vars(_validation).items():
        if not inspect.isfunction(original) or original.__module__ != _validation.__name__ or name == "finite":
            continue

        def counted(*args, _name=name, _original=original, **kwargs):
            counts[_name] += 1
            return _original(*args, **kwargs)
        for module in [m for key, m in sys.modules.items() if key == "numeric" or key.startswith("numeric.")]:
            if getattr(module, name, None) is original:
                monkeypatch.setattr(module, name, counted)
    return counts


#: The model's answers: each step's eps_theta is new input, checked once per step.
MODEL_CHECKS = {"call_model", "check_model_output"}


def input_checks(counts) -> dict:
    return {name: n for name, n in counts.items() if name not in MODEL_CHECKS}


def sample_counts(counts, T):
    counts.clear()
    s = NoiseSchedule.linear(T, dtype=torch.float64)
    ancestral_sample(lambda x_t, t: 0.1 * x_t, s, (3, 2), generator=torch.Generator().manual_seed(0))
    return dict(counts)


def test_ancestral_sample_validates_its_inputs_once_whatever_t(check_calls):
    short, long = sample_counts(check_calls, 5), sample_counts(check_calls, 60)
    assert input_checks(short) == input_checks(long)
    assert input_checks(long)["_non_finite"] == 1                     # one result check, at the end
    assert long["call_model"] == long["check_model_output"] == 60     # the model's answer at each step


def test_the_count_sees_a_loop_that_calls_the_public_step(check_calls, monkeypatch):
    sampling = importlib.import_module("numeric.sampling")

    def loop_calling_the_public_step(eps_model, schedule, shape, *, variance, generator, x_T):   # as it was
        x = torch.randn(shape, generator=generator, dtype=schedule.dtype)
        for t in range(schedule.T, 0, -1):
            x = ancestral_step(x, eps_model(x, torch.full(shape[:1], t)), t, schedule, variance=variance,
                               generator=generator)
        return x
    monkeypatch.setattr(sampling, "_ancestral_sample", loop_calling_the_public_step)
    short, long = sample_counts(check_calls, 5), sample_counts(check_calls, 60)
    assert input_checks(long)["check_timestep"] - input_checks(short)["check_timestep"] == 55
    assert input_checks(long)["_non_finite"] > input_checks(short)["_non_finite"]
