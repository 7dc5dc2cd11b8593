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
    with pytest.raises(TypeError, match="cannot supply parameter 'gamma'"):
        assert_matches(lambda gamma: gamma, "posterior_mean")
    with pytest.raises(ValueError, match="unknown target"):
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
    for rtol in (-1, float("nan"), float("inf"), 1e9, "1e-3", True):
        with pytest.raises(ValueError, match="rtol must be a number in"):
            assert_matches(numeric.posterior_variance, "posterior_variance", rtol=rtol)
    with pytest.raises(ValueError, match="points must be an int"):
        assert_matches(numeric.posterior_variance, "posterior_variance", points=10**12)


def test_assert_matches_reads_the_x_t_form_target_for_a_function_of_eps():
    def score_of_eps(eps, alpha_bar_t):
        return -eps / torch.sqrt(1 - alpha_bar_t)
    assert_matches(score_of_eps, "score")
    with pytest.raises(AssertionError, match="does not compute score"):
        assert_matches(lambda eps, alpha_bar_t: -eps / (1 - alpha_bar_t), "score")
