"""check: verdicts on correct and wrong formulas, the CLI contract, pytest assertions, claims."""

import json
import os
import subprocess
import sys

import pytest
import sympy as sp

from crosscheck import check as C
from crosscheck.cli import main

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# (target, formula, expected verdict, a word the hints must contain or None)
FORMULAS = [
    # correct, in several algebraic forms
    ("posterior_mean", "sqrt(alpha_bar_prev) beta_t/(1-alpha_bar_t) x_0 + sqrt(alpha_t)(1-alpha_bar_prev)/(1-alpha_bar_t) x_t", "holds", None),
    ("posterior_mean", r"\frac{\sqrt{\bar\alpha_{t-1}}\beta_t x_0 + \sqrt{\alpha_t}(1-\bar\alpha_{t-1}) x_t}{1-\bar\alpha_t}", "holds", None),
    ("posterior_mean", "(sqrt(alpha_bar_prev)*(1-alpha_t)*x_0 + sqrt(alpha_t)*(1-alpha_bar_prev)*x_t)/(1-alpha_t*alpha_bar_prev)", "holds", None),
    ("posterior_mean", r"\tilde\mu_t = \frac{1}{\sqrt{\alpha_t}}\left(x_t - \frac{\beta_t}{\sqrt{1-\bar\alpha_t}}\epsilon\right)", "holds", None),
    ("posterior_variance", "(1-alpha_bar_prev)/(1-alpha_bar_t)*beta_t", "holds", None),
    ("posterior_variance", r"\tilde\beta_t = \frac{(1-\overline{\alpha}_{t-1})(1-\alpha_t)}{1-\bar{\alpha}_t}", "holds", None),
    ("posterior_variance", "beta_t - beta_t**2*alpha_bar_prev/(1-alpha_bar_t)", "holds", None),  # expanded
    ("eps_mean", "x_t/sqrt(alpha_t) - beta_t*eps/(sqrt(alpha_t)*sqrt(1-alpha_bar_t))", "holds", None),
    ("eps_mean", r"\frac{1}{\sqrt{\alpha_t}}\left(x_t - \frac{1-\alpha_t}{\sqrt{1-\bar\alpha_t}}\varepsilon\right)", "holds", None),
    ("x0_from_eps", r"\frac{1}{\sqrt{\bar\alpha_t}}(x_t - \sqrt{1-\bar\alpha_t}\epsilon_t)", "holds", None),
    ("forward_jump_mean", "torch.sqrt(alpha_cumprod_t) * x_0", "holds", None),
    ("forward_jump_variance", "1 - alpha_t*alpha_bar_prev", "holds", None),
    ("forward_step_mean", "sqrt(1-beta_t) x_prev", "holds", None),
    ("gaussian_kl", "log(sigma_2/sigma_1) + (sigma_1^2 + (mu_1-mu_2)^2)/(2 sigma_2^2) - 1/2", "holds", None),
    ("gaussian_kl", r"\frac12\left(\log\frac{\sigma_2^2}{\sigma_1^2} + \frac{\sigma_1^2 + (\mu_1-\mu_2)^2}{\sigma_2^2} - 1\right)", "holds", None),
    ("standard_normal_kl", "(mu^2 + sigma^2 - 1 - log(sigma^2))/2", "holds", None),
    ("kl_eps_weight", r"\frac{\beta_t^2}{2\sigma_t^2\alpha_t(1-\bar\alpha_t)}", "holds", None),
    ("prior_kl", "(alpha_bar_T x_0^2 - alpha_bar_T - log(1-alpha_bar_T))/2", "holds", None),
    ("score", "-eps/sqrt(1-alpha_bar_t)", "holds", None),
    ("score", "-(x_t - sqrt(alpha_bar_t) x_0)/(1-alpha_bar_t)", "holds", None),
    ("interpolation_weight_sum", "1 - (1-sqrt(alpha_bar_prev))*(1-sqrt(alpha_t))/(1+sqrt(alpha_bar_t))", "holds", None),
    ("kl_eps_constant", "(log(sigma_t^2/beta_tilde_t) + beta_tilde_t/sigma_t^2 - 1)/2", "holds", None),
    ("gaussian_log_density", "-0.5*(log(2*pi) + log(sigma^2) + (x-mu)^2/sigma^2)", "holds", None),
    # wrong: the typical slips
    ("posterior_mean", "sqrt(alpha_bar_t) beta_t/(1-alpha_bar_t) x_0 + sqrt(alpha_t)(1-alpha_bar_prev)/(1-alpha_bar_t) x_t", "differs", "alpha_bar_prev in place of alpha_bar_t"),
    ("posterior_variance", "(1-alpha_bar_t)/(1-alpha_bar_prev)*beta_t", "differs", "swapped"),
    ("eps_mean", "(x_t - beta_t/(1-alpha_bar_t) eps)/sqrt(alpha_t)", "differs", "sqrt(1 - alpha_bar_t)"),  # dropped sqrt
    ("x0_from_eps", "(x_t - (1-alpha_bar_t) eps)/sqrt(alpha_bar_t)", "differs", "sqrt"),  # dropped sqrt
    ("gaussian_kl", "log(sigma_1/sigma_2) + (sigma_2^2 + (mu_1-mu_2)^2)/(2 sigma_1^2) - 1/2", "differs", "swapped back"),
    ("prior_kl", "(alpha_bar_T x_0^2 + alpha_bar_T - log(1-alpha_bar_T))/2", "differs", None),  # wrong sign
    ("score", "eps/sqrt(1-alpha_bar_t)", "differs", "opposite sign"),
    ("standard_normal_kl", "mu^2 + sigma^2 - 1 - log(sigma^2)", "differs", "factor 1/2"),  # missing 1/2
    ("forward_jump_variance", "sqrt(1 - alpha_bar_t)", "differs", "without the square root"),  # std for variance
    ("forward_jump_mean", "alpha_bar_t x_0", "differs", "sqrt(alpha_bar_t)"),
    ("kl_eps_weight", r"\frac{\beta_t}{2\sigma_t^2\alpha_t(1-\bar\alpha_t)}", "differs", "beta_t^2"),
    ("kl_eps_weight", r"\frac{\beta_t^2}{2\sigma_t\alpha_t(1-\bar\alpha_t)}", "differs", "sigma_t^2"),  # std for variance
    ("interpolation_weight_sum", "w_0 + w_t = 1", "differs", "t = 1"),
    ("denoising_kl", "lambda_t (eps - eps_theta)^2", "differs", "beta_tilde_t"),
    ("posterior_mean", "sqrt(alpha_bar_prev) beta_t/(1-alpha_bar_t) x_0 - sqrt(alpha_t)(1-alpha_bar_prev)/(1-alpha_bar_t) x_t", "differs", None),
]


@pytest.mark.parametrize("target, formula, expected, hint", FORMULAS, ids=[f"{t}-{i}" for i, (t, *_ ) in enumerate(FORMULAS)])
def test_formula_verdicts(target, formula, expected, hint):
    verdict = C.check(target, formula)
    assert verdict.status == expected, verdict.report()
    if expected == "differs":
        assert verdict.point and verdict.target_value != pytest.approx(verdict.formula_value, rel=1e-9)
    if hint:
        assert any(hint in h for h in verdict.hints), verdict.hints


def test_at_least_thirty_formulas_with_both_verdicts():
    assert len(FORMULAS) >= 30
    assert {f[2] for f in FORMULAS} == {"holds", "differs"}


def test_counterexample_values_are_the_two_sides():
    from symbolic import formula as F
    verdict = C.check("posterior_variance", "(1-alpha_bar_t)/(1-alpha_bar_prev)*beta_t")
    point = verdict.point
    a, r = sp.Rational(str(point["alpha_t"])), sp.Rational(str(point["alpha_bar_prev"]))
    subs = {sp.Symbol("alpha_t", positive=True): a, sp.Symbol("alpha_bar_prev", positive=True): r}
    assert float(F.parse("(1-alpha_bar_prev)/(1-alpha_bar_t)*beta_t").value.subs(subs)) == pytest.approx(verdict.target_value)
    assert 0 < point["alpha_t"] < 1 and 0 < point["alpha_bar_prev"] < 1


def test_holds_is_never_decided_by_sampling(monkeypatch):
    # A formula that agrees at every sampled point but is wrong must not pass: with the
    # counterexample search disabled, the exact reduction alone decides -> undecided.
    monkeypatch.setattr(C, "find_point", lambda *a, **k: None)
    verdict = C.check("posterior_variance", "beta_t*(1-alpha_bar_prev)/(1-alpha_bar_t) + 10**(-40)*x_t", hints=False)
    assert verdict.status == "undecided" and not verdict.ok


def test_timeout_gives_undecided():
    verdict = C.check("denoising_kl", "lambda_t (eps - eps_theta)^2 + C_t", timeout=1e-4, hints=False)
    assert verdict.status in ("undecided", "holds")
    if verdict.status == "undecided":
        assert "time limit" in verdict.method and not verdict.ok


@pytest.mark.parametrize("target, formula, message", [
    ("posterior_meen", "x_t", "unknown target 'posterior_meen' .*did you mean posterior_mean"),
    ("posterior_mean", "alpha_bar_tt", "unknown symbol 'alpha_bar_tt'"),
    ("posterior_mean", r"\tilde\beta_t = x_t", "names posterior_variance"),
    ("posterior_mean", "y_t = x_t", "does not name posterior_mean"),
    ("x0_from_eps", "x_0", "only names x0_from_eps"),
    ("eps_mean", "x_0 + x_t", "your formula uses x_0"),
])
def test_bad_input_raises(target, formula, message):
    with pytest.raises(ValueError, match=message):
        C.check(target, formula)


def test_type_errors():
    with pytest.raises(TypeError, match="formula must be"):
        C.check("posterior_mean", 3)
    with pytest.raises(TypeError, match="target must be"):
        C.check(3, "x_t")


def test_sympy_expression_is_accepted():
    a, r = sp.symbols("alpha_t alpha_bar_prev", positive=True)
    assert C.check("posterior_variance", (1 - r) / (1 - a * r) * (1 - a)).ok
    with pytest.raises(ValueError, match="unknown symbol 'y'"):
        C.check("posterior_variance", sp.Symbol("y"))


def test_targets_are_the_catalogs_expressions():
    from crosscheck.catalog import PARTS
    from symbolic.proof import reduce_to_normal_form
    for target in C.TARGETS:
        if target.name in PARTS:
            _, part = PARTS[target.name]
            difference = target.expression() - part.symbolic()
            if target.name == "score":   # the catalog compares the x_t-form; the target is the eps-form
                difference = C._forward_relation(difference)
            assert reduce_to_normal_form(difference) == 0, target.name


# ---- command line ------------------------------------------------------------------------------

def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "crosscheck", *args], capture_output=True, text=True, cwd=ROOT,
                          env={**os.environ, "PYTHONPATH": ROOT}, timeout=120)


def test_cli_holds_exit_0_and_imports_no_torch():
    code = ("import sys; from crosscheck.cli import main; rc = main(['check', 'posterior_variance', "
            "r'\\tilde\\beta_t = \\frac{1-\\bar\\alpha_{t-1}}{1-\\bar\\alpha_t}\\beta_t']); "
            "assert 'torch' not in sys.modules, 'check imported torch'; sys.exit(rc)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                          env={**os.environ, "PYTHONPATH": ROOT}, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("holds: posterior_variance")


def test_cli_differs_exit_1_with_counterexample(capsys):
    assert main(["check", "posterior_variance", "(1-alpha_bar_t)/(1-alpha_bar_prev)*beta_t"]) == 1
    out = capsys.readouterr().out
    assert out.startswith("differs:") and "at alpha_t = " in out and "difference (formula - target)" in out


def test_cli_formula_starting_with_minus(capsys):
    assert main(["check", "score", "-eps/sqrt(1-alpha_bar_t)"]) == 0


def test_cli_json(capsys):
    assert main(["check", "--json", "forward_jump_variance", "1-alpha_bar_t^2"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["status"] == "differs" and report["ok"] is False and report["counterexample"]


@pytest.mark.parametrize("args, message", [
    (["check", "posterior_mean", "__import__('os').system('touch PWNED')"], "unknown symbol '__import__'"),
    (["check", "posterior_mean", "x_t.__class__"], "attribute access"),
    (["check", "posterior_mean", "lambda: 0"], "lambda"),
    (["check", "posterior_mean", "x" * 100_000], "limit is 2,000"),
    (["check", "nope", "x_t"], "unknown target"),
    (["check", "posterior_mean"], "needs TARGET and FORMULA"),
    (["check", "posterior_mean", "x_t", "--timeout", "-1"], "--timeout"),
    (["check", "posterior_mean", "sqrt(x_t"], "unbalanced"),
])
def test_cli_bad_input_exit_2_one_line(args, message, tmp_path):
    proc = subprocess.run([sys.executable, "-m", "crosscheck", *args], capture_output=True, text=True,
                          cwd=tmp_path, env={**os.environ, "PYTHONPATH": ROOT}, timeout=120)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1 and "Traceback" not in proc.stderr
    assert message in proc.stderr
    assert not os.path.exists(tmp_path / "PWNED") and proc.stdout == ""


def test_cli_list(capsys):
    assert main(["check", "--list"]) == 0
    out = capsys.readouterr().out
    assert "posterior_mean" in out and r"\bar\alpha_{t-1}" in out


# ---- pytest assertions -------------------------------------------------------------------------

def test_assert_equivalent():
    from crosscheck import assert_equivalent
    assert_equivalent(r"\frac{1-\bar\alpha_{t-1}}{1-\bar\alpha_t}\beta_t", "posterior_variance")
    with pytest.raises(AssertionError, match="differs: posterior_variance"):
        assert_equivalent("(1-alpha_bar_t)/(1-alpha_bar_prev)*beta_t", "posterior_variance")


def test_assert_matches_numeric_layer_both_dtypes():
    import torch
    import numeric as N
    from crosscheck import assert_matches
    for dtype in (torch.float64, torch.float32):
        for function, target in ((N.posterior_mean, "posterior_mean"), (N.eps_mean, "eps_mean"),
                                 (N.score, "score"), (N.kl_eps_weight, "kl_eps_weight"),
                                 (N.gaussian_kl, "gaussian_kl"), (N.posterior_variance, "posterior_variance")):
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
    from crosscheck.evaluate import compare
    from crosscheck.points import draw
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


# ---- claims ------------------------------------------------------------------------------------

EXPECTED_CLAIMS = {
    "lab4-sheet-ref-eps-mean": "false",
    "lab4-weights-sum": "holds only when t = 1 (alpha_bar_{t-1} = 1)",
    "lecture-weights-sum": "holds only when t = 1 (alpha_bar_{t-1} = 1)",
    "lecture-weights-trend": "false",
    "lab4-quickref-loss-indexing": "false",
    "lab4-debug-tip-indexing": "false",
    "lab4-weights-plot-indexing": "holds only when its t is read as paper step t+1",
    "notes-code-indexing": "holds only when its t is read as paper step t+1",
    "lab4-marginal-loop-indexing": "holds",
    "notes-three-ways-3": "false",
    "notes-elbo-reconstruction-kl": "holds",
    "lab4-sheet-step3-bayes": "holds only when t >= 2",
    "lecture-bayes": "holds only when t >= 2",
    "lab4-prior-near-zero": "holds only when alpha_bar_T is near 0 (e.g. T = 1000)",
    "lecture-kl-mse-same-variance": "holds only when sigma_t^2 = beta_tilde_t",
    "notes-denoising-proportional": "holds only when sigma_t^2 = beta_tilde_t",
    "lab3-kl-asymmetry": "holds",
    "lab3-gaussian-kl": "holds",
    "lecture-posterior-mean": "holds",
    "lecture-kl-form": "holds",
    "lab4-sheet-ref-reverse-variance": "holds",
    "lab4-test-data-clusters": "false",
    "lab4-marginal-estimator": "false",
    "lab4-weights-insight": "false",
}


SEED_FILES = {"000_05736417279549ee.txt", "001_9b62014e9fd6e4cc.txt", "002_c60e226d0cd28d12.txt",
              "003_ef815805d98d9bde.txt", "004_8c9cf9a9587ade68.txt"}


@pytest.fixture(scope="module")
def audit():
    from crosscheck.claims import audit
    return {r.claim.id: r for r in audit()}


def test_claims_verdicts(audit):
    for claim_id, verdict in EXPECTED_CLAIMS.items():
        assert audit[claim_id].verdict == verdict, (claim_id, audit[claim_id].detail)


def test_every_claim_has_a_source_and_a_decided_verdict(audit):
    for result in audit.values():
        c = result.claim
        assert c.source.split()[0] in SEED_FILES, c.source
        assert c.section and c.statement and result.verdict != "undecided", c.id
        if not result.holds:
            assert result.detail


def test_claims_engine_catches_a_broken_transcription():
    from dataclasses import replace
    from crosscheck.claims import BY_ID, audit_claim
    broken = replace(BY_ID["lab3-gaussian-kl"], formula="log(sigma_1/sigma_2) + (sigma_1^2 + (mu_1-mu_2)^2)/(2 sigma_2^2) - 0.5")
    assert audit_claim(broken).verdict == "false"
    from crosscheck.claims import Read
    original = BY_ID["lab4-marginal-loop-indexing"]
    shifted = replace(original, reads=(Read("trajectory", 1, 0, False),) + original.reads[1:])  # x_{t+1} for x_t
    assert audit_claim(shifted).verdict == "false"


def test_cli_claims_json(tmp_path, capsys):
    out = tmp_path / "claims.json"
    assert main(["claims", "--json", str(out)]) == 0
    report = json.loads(out.read_text())
    assert report["summary"]["false"] >= 5 and len(report["claims"]) >= 40
    assert all({"source", "section", "statement", "verdict"} <= set(c) for c in report["claims"])
