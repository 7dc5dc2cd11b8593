"""The pytest assertions: assert_equivalent on formulas, assert_matches on torch functions (the
numeric layer, the lab classes, wrong and naive code), and the README's example."""

import os
import subprocess
import sys

import pytest
import sympy as sp
import torch

import numeric
from crosscheck import assert_matches
from numeric.lab.lab4 import NoisePredictionReparameterization, ThreeForcesAnalysis, TractableReverseDistribution

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))

# ---- pytest assertions -------------------------------------------------------------------------

def test_assert_equivalent():
    from crosscheck import assert_equivalent
    assert_equivalent(r"\frac{1-\bar\alpha_{t-1}}{1-\bar\alpha_t}\beta_t", "posterior_variance")
    with pytest.raises(AssertionError, match="differs: posterior_variance"):
        assert_equivalent("(1-alpha_bar_t)/(1-alpha_bar_prev)*beta_t", "posterior_variance")


def test_assert_matches_numeric_layer_both_dtypes():
    import torch
    import numeric
    from crosscheck import assert_matches
    for dtype in (torch.float64, torch.float32):
        for function, target in ((numeric.posterior_mean, "posterior_mean"), (numeric.eps_mean, "eps_mean"),
                                 (numeric.score, "score"), (numeric.kl_eps_weight, "kl_eps_weight"),
                                 (numeric.gaussian_kl, "gaussian_kl"), (numeric.posterior_variance, "posterior_variance")):
            assert assert_matches(function, target, dtype=dtype, points=200).ok


def test_assert_matches_catches_wrong_and_naive_code():
    import torch
    from crosscheck import assert_matches

    def right(x_0, x_t, alpha_t, alpha_bar_t, alpha_bar_prev, beta_t):
        return (alpha_bar_prev.sqrt() * beta_t * x_0 + alpha_t.sqrt() * (1 - alpha_bar_prev) * x_t) / (1 - alpha_bar_t)

    def wrong(x_0, x_t, alpha_t, alpha_bar_t, alpha_bar_prev, beta_t):   # alpha_bar_t for alpha_bar_{t-1}
        return (alpha_bar_t.sqrt() * beta_t * x_0 + alpha_t.sqrt() * (1 - alpha_bar_prev) * x_t) / (1 - alpha_bar_t)

    assert_matches(right, "posterior_mean", points=200)
    with pytest.raises(AssertionError, match="wrong does not compute posterior_mean"):
        assert_matches(wrong, "posterior_mean", points=200)
    # float32 1 - alpha_bar_t computed naively loses digits at small t: caught, as documented
    with pytest.raises(AssertionError, match="float32"):
        assert_matches(right, "posterior_mean", dtype=torch.float32, points=200)
    with pytest.raises(TypeError, match="`function` has parameters assert_matches cannot supply: .*'gamma'"):
        assert_matches(lambda gamma: gamma, "posterior_mean")
    with pytest.raises(ValueError, match="`target` names an unknown target 'posterior_meen'"):
        assert_matches(right, "posterior_meen")


def test_negative_magnitude_cannot_hide_an_error():
    # Regression: a magnitude with a negative sign (the score's -1/(1-alpha_bar_t)) made the
    # scaled error negative, so that comparison could never fail.
    import torch
    from crosscheck.engine.evaluate import compare
    from crosscheck.engine.points import draw
    from numeric import NoiseSchedule
    groups = draw(NoiseSchedule.linear(100), 50, dtype=torch.float64, device=torch.device("cpu"), seed=0)
    x = sp.Symbol("x_0", real=True)
    assert not compare("neg", -x, lambda g: -g["x_0"] * 1.001, groups, torch.float64).ok
    assert compare("neg", -x, lambda g: -g["x_0"], groups, torch.float64).ok


def test_readme_example_runs(tmp_path):
    text = open(os.path.join(ROOT, "README.md")).read()
    start = text.index("<!-- example: assertions -->")
    block = text[start:].split("```python\n", 1)[1].split("```", 1)[0]
    path = tmp_path / "test_readme_example.py"
    path.write_text(block)
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(path)],
                          capture_output=True, text=True, cwd=tmp_path, env={**os.environ, "PYTHONPATH": ROOT},
                          timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "passed" in proc.stdout and "failed" not in proc.stdout


# ---- the lab classes compute the registered quantities -----------------------------------------

DTYPES = [torch.float64, torch.float32]


@pytest.mark.parametrize("dtype", DTYPES, ids=["float64", "float32"])
def test_lab_methods_compute_the_catalog_quantities(dtype):
    assert_matches(lambda x_t, x_0, t, schedule: TractableReverseDistribution(schedule).optimal_reverse_mean(x_t, x_0, t),
                   "posterior_mean", dtype=dtype, points=400)
    assert_matches(lambda t, schedule: TractableReverseDistribution(schedule).optimal_reverse_variance(t),
                   "posterior_variance", dtype=dtype, points=400)
    assert_matches(lambda x_t, eps, t, schedule: NoisePredictionReparameterization(schedule).solve_for_x0(x_t, eps, t),
                   "x0_from_eps", dtype=dtype, points=400)
    assert_matches(lambda x_t, eps, t, schedule:
                   NoisePredictionReparameterization(schedule).reparameterize_optimal_mean(x_t, eps, t),
                   "eps_mean", dtype=dtype, points=400)
    assert_matches(lambda x_0, schedule: ThreeForcesAnalysis(schedule).compute_prior_matching_term(x_0[:, None]),
                   "prior_kl", dtype=dtype, points=400)


def test_the_notebooks_zero_based_reads_are_caught_by_the_same_assertion():
    """Reading the lab's 0-based tensors at t (the quick reference's alpha_cumprod[t]) is step t+1."""
    def zero_based_variance(t, schedule):
        d = {"betas": schedule.beta[1:], "alphas_cumprod": schedule.alpha_bar[1:]}
        t = t.clamp(max=schedule.T - 1)                       # avoid the IndexError at t = T
        return (1 - d["alphas_cumprod"][t - 1]) / (1 - d["alphas_cumprod"][t]) * d["betas"][t]

    with pytest.raises(AssertionError):
        assert_matches(zero_based_variance, "posterior_variance", points=200)


def test_assert_matches_refuses_a_complex_result_and_a_meaningless_rtol():
    def complex_variance(t, schedule):      # the right value + 5j: the imaginary part must not be dropped
        return numeric.posterior_variance(t, schedule) + 5j
    with pytest.raises(TypeError, match="returned a torch.complex128 tensor"):
        assert_matches(complex_variance, "posterior_variance")
    for rtol in (-1, 0, 0.5, 1, float("nan"), float("inf"), 1e9):
        with pytest.raises(ValueError, match=r"`rtol` must be a number in \(0, 0.001\] \(an error relative to the "
                                             r"magnitude of the terms\), got"):
            assert_matches(numeric.posterior_variance, "posterior_variance", rtol=rtol)
    for rtol in ("1e-3", True):
        with pytest.raises(TypeError, match=r"`rtol` must be a number in \(0, 0.001\] .* or None"):
            assert_matches(numeric.posterior_variance, "posterior_variance", rtol=rtol)
    with pytest.raises(ValueError, match=r"`points` must be an int in \[10, 1000000\], got 1000000000000"):
        assert_matches(numeric.posterior_variance, "posterior_variance", points=10**12)


def test_assert_matches_reads_the_x_t_form_target_for_a_function_of_eps():
    def score_of_eps(eps, alpha_bar_t):
        return -eps / torch.sqrt(1 - alpha_bar_t)
    assert_matches(score_of_eps, "score")
    with pytest.raises(AssertionError, match="does not compute score"):
        assert_matches(lambda eps, alpha_bar_t: -eps / (1 - alpha_bar_t), "score")


# ---- bad input: every keyword refused by name (README, "How the API fails") ----------------------

_PV = (numeric.posterior_variance, "posterior_variance")


@pytest.mark.parametrize("kwargs, error, match", [
    ({"device": "gpu7"}, ValueError, r"^`device` must name a torch device such as 'cpu' or 'cuda', got 'gpu7'$"),
    ({"device": "cuda:99"}, ValueError, r"^`device` 'cuda:99' is not available here; "),
    ({"device": 3.5}, TypeError, r"^`device` must be a str or torch.device"),
    ({"dtype": "float64"}, TypeError, r"^`dtype` must be torch.float64 or torch.float32, got str 'float64'$"),
    ({"dtype": torch.float16}, ValueError, r"^`dtype` must be torch.float64 or torch.float32 \(the dtypes the registry "
                                           r"has a tolerance for\), got torch.float16$"),
    ({"dtype": torch.float8_e4m3fn}, ValueError, r"got torch.float8_e4m3fn$"),
    ({"schedule": "quadratic"}, ValueError, r"^`schedule` must be a numeric.NoiseSchedule or one of 'linear', 'cosine' "
                                            r"\(T = 1000\), got 'quadratic'$"),
    ({"schedule": 1000}, TypeError, r"^`schedule` must be a numeric.NoiseSchedule or one of 'linear', 'cosine' "
                                    r"\(T = 1000\), got int 1000; pass e.g. NoiseSchedule.cosine\(1000\)$"),
    ({"points": 1e3}, TypeError, r"^`points` must be an int in \[10, 1000000\], got float 1000.0$"),
    ({"points": True}, TypeError, r"^`points` must be an int"),
    ({"points": 10**9}, ValueError, r"^`points` must be an int in \[10, 1000000\], got 1000000000$"),
    ({"points": 9}, ValueError, r"^`points` must be an int in \[10, 1000000\], got 9$"),
    ({"seed": "a"}, TypeError, r"^`seed` must be an int in \[0, 9223372036854775806\], got str 'a'$"),
    ({"seed": -1}, ValueError, r"^`seed` must be an int in \[0, 9223372036854775806\], got -1$"),
    ({"seed": 2**63}, ValueError, r"^`seed` must be an int in \[0, 9223372036854775806\], got 9223372036854775808$"),
    ({"rtol": float("inf")}, ValueError, r"^`rtol` must be a number in \(0, 0.001\] \(an error relative to the "
                                         r"magnitude of the terms\), got inf; above it a function returning 0 can "
                                         r"pass; leave it None for the registry's tolerance of the dtype$"),
    ({"rtol": float("nan")}, ValueError, r"got nan"),
    ({"rtol": 0}, ValueError, r"got 0;"),
    ({"rtol": 0.5}, ValueError, r"got 0.5;"),
    ({"rtol": [1e-3]}, TypeError, r"^`rtol` must be a number in \(0, 0.001\] \(an error relative to the magnitude "
                                  r"of the terms\) or None, got list"),
])
def test_assert_matches_refuses_each_keyword_by_name(kwargs, error, match):
    with pytest.raises(error, match=match):
        assert_matches(*_PV, **kwargs)


@pytest.mark.parametrize("function, target, error, match", [
    (3, "posterior_variance", TypeError, r"^`function` must be callable \(the torch function to check\), got int 3$"),
    (numeric.posterior_variance, 3, TypeError, r"^`target` must be a catalog name \(a str such as 'posterior_mean'\), "
                                               r"got int 3"),
    (numeric.posterior_variance, "posterior_varience", ValueError,
     r"^`target` names an unknown target 'posterior_varience' \(did you mean posterior_variance"),
    (lambda t: 1.0, "posterior_variance", TypeError, r"^`function` \(<lambda>\) returned float; assert_matches needs a "
                                                    r"torch.Tensor$"),
])
def test_assert_matches_refuses_its_function_and_target_by_name(function, target, error, match):
    with pytest.raises(error, match=match):
        assert_matches(function, target)


def test_assert_matches_takes_a_schedule_by_name():
    assert assert_matches(*_PV, schedule="cosine", points=50).ok
    assert assert_matches(*_PV, schedule="linear", points=50).ok
    assert assert_matches(*_PV, schedule=numeric.NoiseSchedule.cosine(200), points=50).ok
    import numpy as np
    assert assert_matches(*_PV, points=np.int64(50), seed=np.int64(3)).ok       # numpy ints are ints


@pytest.mark.parametrize("target", ["denoising_kl", "kl_eps_constant", "posterior_variance"])
def test_a_function_returning_zero_fails_at_the_largest_rtol(target):
    """rtol is bounded by MAX_RTOL: an infinite one let a function returning 0 pass, and so did 0.5
    (the error is relative to the magnitude of the terms: a zero is within 0.0055 of denoising_kl)."""
    from crosscheck.commands.assertions import MAX_RTOL

    def zero(t, eps, eps_theta, alpha_t, alpha_bar_prev, sigma2_t):
        return torch.zeros(t.shape, dtype=torch.float64)
    with pytest.raises(AssertionError, match=f"does not compute {target}"):
        assert_matches(zero, target, rtol=MAX_RTOL, points=200)
    assert assert_matches(*_PV, rtol=MAX_RTOL, points=50).ok


@pytest.mark.parametrize("formula, target, kwargs, error, match", [
    ("beta_t", "posterior_varience", {}, ValueError, r"^`target` names an unknown target 'posterior_varience'"),
    ("beta_t", 3, {}, TypeError, r"^`target` must be a catalog name"),
    ("beta_t +* 2", "posterior_variance", {}, ValueError, r"^`formula` cannot be read: "),
    (3, "posterior_variance", {}, TypeError,
     r"^`formula` must be a str \(plain or LaTeX\) or a SymPy expression, got int 3"),
    ("beta_t", "posterior_variance", {"timeout": -1}, ValueError,
     r"^`timeout` must be in \(0, 3600\] seconds, got -1; pass e.g. timeout=30, or None for no limit$"),
    ("beta_t", "posterior_variance", {"timeout": float("inf")}, ValueError, r"^`timeout` must be in \(0, 3600\]"),
    ("beta_t", "posterior_variance", {"timeout": "60"}, TypeError, r"^`timeout` must be a number of seconds or None"),
    ("beta_t", "posterior_variance", {"latex": 3}, TypeError, r"^`latex` must be True, False or None, got int 3$"),
])
def test_assert_equivalent_refuses_bad_input_by_name(formula, target, kwargs, error, match):
    from crosscheck import assert_equivalent
    with pytest.raises(error, match=match):
        assert_equivalent(formula, target, **kwargs)
