"""check: verdicts on correct and wrong formulas, the domain, hints, limits, the CLI contract."""

import json
import os
import subprocess
import sys

import pytest
import sympy as sp

from crosscheck.commands import check
from crosscheck.commands.cli import main
from symbolic import symbols

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))

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
    ("posterior_mean", "sqrt(alpha_bar_prev) beta_t/(1-alpha_bar_t) x_0 - sqrt(alpha_t)(1-alpha_bar_prev)/(1-alpha_bar_t) x_t", "differs", "opposite sign on the term"),
    # related radicals: sqrt(1/alpha_bar_t - 1) = sqrt(1 - alpha_bar_t)/sqrt(alpha_bar_t)
    ("x0_from_eps", r"\frac{1}{\sqrt{\bar\alpha_t}}x_t - \sqrt{\frac{1}{\bar\alpha_t}-1}\,\epsilon", "holds", None),
    ("eps_mean", "x_t/sqrt(alpha_t) - sqrt(1/alpha_t - 1) sqrt(1-alpha_t)/sqrt(1-alpha_bar_t) eps", "holds", None),
    # a slip inside one term of a sum: its sign, a missing factor
    ("eps_mean", "(x_t + beta_t/sqrt(1-alpha_bar_t) eps)/sqrt(alpha_t)", "differs", "opposite sign on the term"),
    ("posterior_mean", "beta_t/(1-alpha_bar_t) x_0 + sqrt(alpha_t)(1-alpha_bar_prev)/(1-alpha_bar_t) x_t", "differs", "a factor sqrt(alpha_bar_prev) on the term"),
    ("posterior_mean", "sqrt(alpha_bar_prev) beta_t/(1-alpha_bar_t) x_0 + (1-alpha_bar_prev)/(1-alpha_bar_t) x_t", "differs", "a factor sqrt(alpha_t) on the term"),
]


@pytest.mark.parametrize("target, formula, expected, hint", FORMULAS, ids=[f"{t}-{i}" for i, (t, *_ ) in enumerate(FORMULAS)])
def test_formula_verdicts(target, formula, expected, hint):
    verdict = check.check(target, formula)
    assert verdict.status == expected, verdict.report()
    if expected == "differs":
        assert verdict.point and verdict.target_value != pytest.approx(verdict.formula_value, rel=1e-9)
    if hint:
        assert any(hint in h for h in verdict.hints), verdict.hints


def test_at_least_thirty_formulas_with_both_verdicts():
    assert len(FORMULAS) >= 30
    assert {f[2] for f in FORMULAS} == {"holds", "differs"}


def test_counterexample_values_are_the_two_sides():
    from symbolic import formula as symbolic_formula
    verdict = check.check("posterior_variance", "(1-alpha_bar_t)/(1-alpha_bar_prev)*beta_t")
    point = verdict.point
    a, r = sp.Rational(str(point["alpha_t"])), sp.Rational(str(point["alpha_bar_prev"]))
    subs = {sp.Symbol("alpha_t", positive=True): a, sp.Symbol("alpha_bar_prev", positive=True): r}
    assert float(symbolic_formula.parse("(1-alpha_bar_prev)/(1-alpha_bar_t)*beta_t").value.subs(subs)) == pytest.approx(verdict.target_value)
    assert 0 < point["alpha_t"] < 1 and 0 < point["alpha_bar_prev"] < 1


def test_holds_is_never_decided_by_sampling(monkeypatch):
    # A formula that agrees at every sampled point but is wrong must not pass: with the
    # counterexample search disabled, the exact reduction alone decides -> undecided.
    monkeypatch.setattr(check, "find_point", lambda *a, **k: None)
    verdict = check.check("posterior_variance", "beta_t*(1-alpha_bar_prev)/(1-alpha_bar_t) + 10**(-40)*x_t", hints=False)
    assert verdict.status == "undecided" and not verdict.ok


# ---- real and defined on the whole domain -------------------------------------------------------

_BETA_TILDE = "beta_t*(1-alpha_bar_prev)/(1-alpha_bar_t)"


@pytest.mark.parametrize("target, formula, reason", [
    # as written: the root or log of a negative number is named (SymPy's I is what it evaluates to)
    ("posterior_variance", _BETA_TILDE + " + sqrt(-1)", "square root of a negative number, in sqrt(-1)"),
    ("posterior_variance", _BETA_TILDE + " + log(-1)", "log of a negative number, in log(-1)"),
    ("posterior_variance", _BETA_TILDE + " + 5*sqrt(-4)", "square root of a negative number, in sqrt(-4)"),
    ("posterior_variance", _BETA_TILDE + " + log(-beta_t) - log(beta_t)", "log of a negative number"),
    ("score", "-eps/sqrt(1-alpha_bar_t) + log(x_t^2)/2 - log(x_t)", "log of a negative number"),
    ("gaussian_kl", "log(sigma_2/sigma_1) + (sigma_1^2 + (mu_1-mu_2)^2)/(2 sigma_2^2) - 1/2 + sqrt(mu_1 - mu_2)"
                    " - sqrt(2 mu_1 - 2 mu_2)/sqrt(2)", "square root of a negative number"),
])
def test_a_formula_not_real_on_the_whole_domain_never_holds(target, formula, reason):
    # Regression: these held (exit 0): the reduction split logs and roots as if every argument
    # were positive and called a purely imaginary remainder 0.
    verdict = check.check(target, formula, hints=False)
    assert verdict.status == "differs" and not verdict.ok, verdict.report()
    if reason:
        assert verdict.defect and reason in verdict.method and verdict.formula_value is None, verdict.report()
        assert "your formula = not real" in verdict.report()


def test_the_point_where_the_formula_is_not_real_is_shown():
    verdict = check.check("score", "-eps/sqrt(1-alpha_bar_t) + log(x_t^2)/2 - log(x_t)", hints=False)
    assert "not real at x_t = -" in verdict.method and verdict.point["x_t"] < 0
    assert verdict.as_json()["defect"].startswith("not real: log of a negative number")


@pytest.mark.parametrize("bad", [sp.zoo, sp.nan, sp.oo, -sp.oo, sp.I, sp.zoo * symbols.x_t])
def test_undefined_values_never_hold(bad):
    reference = check.BY_NAME["posterior_variance"].expression()
    for formula in (bad, reference + bad):
        decision = check.decide(formula, reference)
        assert decision.status == "differs" and decision.defect, (formula, decision)


def test_undefined_only_at_t1_differs_with_the_t_ge_2_hint():
    verdict = check.check("posterior_variance", "(beta_t - beta_t*alpha_bar_prev)*(2-2*alpha_bar_prev)/"
                                            "(2*(1-alpha_bar_t)*(1-alpha_bar_prev))")
    assert verdict.status == "differs" and "division by zero" in verdict.method, verdict.report()
    assert verdict.point["alpha_bar_prev"] == 1
    assert any("for t >= 2" in h for h in verdict.hints), verdict.hints
    # the same formula as a target of t >= 2 only (its log) holds
    assert check.check("posterior_log_variance", "log((beta_t - beta_t*alpha_bar_prev)*(2-2*alpha_bar_prev)/"
                                             "(2*(1-alpha_bar_t)*(1-alpha_bar_prev)))").ok


def test_parts_dropped_by_evaluation_count_when_the_written_tree_is_given():
    # SymPy evaluates 0*(1/(alpha_bar_prev - 1)) to 0 and log(a)/log(a) to 1; the formula as
    # written (unevaluated, ``Formula.written``) is still undefined at t = 1.
    from symbolic import formula as symbolic_formula
    b, r, abar, x = (symbolic_formula.user_symbol(n) for n in ("beta_t", "alpha_bar_prev", "alpha_bar_t", "x_t"))
    variance = check.BY_NAME["posterior_variance"].expression()
    with sp.evaluate(False):
        tilde = b * (1 - r) / (1 - abar)
        written = [tilde + 0 * (1 / (r - 1)), tilde * ((1 - r) / (1 - r)), tilde * (sp.log(r) / sp.log(r))]
    for expr in written:
        value = symbolic_formula.to_proof_symbols(expr)
        assert check.decide(value, variance).ok                 # the evaluated expression alone
        decision = check.decide(value, variance, written=expr)
        assert decision.status == "differs" and decision.defect, decision
        assert decision.point["point"][symbols.alpha_bar_prev] == 1
    with sp.evaluate(False):
        mean = sp.sqrt(r) * b / (1 - abar) * symbolic_formula.user_symbol("x_0") + sp.sqrt(symbolic_formula.user_symbol("alpha_t")) * (1 - r) / (
            1 - abar) * sp.exp(sp.log(x))
    decision = check.decide(symbolic_formula.to_proof_symbols(mean), check.BY_NAME["posterior_mean"].expression(), written=mean)
    assert decision.status == "differs" and "log of" in decision.defect, decision


def test_neither_proved_nor_refuted_defined_is_undecided(monkeypatch):
    from symbolic import domain as symbolic_domain
    monkeypatch.setattr(symbolic_domain, "_proved", lambda condition, domain: False)    # a prover that proves nothing
    verdict = check.check("gaussian_kl", "log(sigma_2/sigma_1) + (sigma_1^2 + (mu_1-mu_2)^2)/(2 sigma_2^2) - 1/2")
    assert verdict.status == "undecided" and "not proved real and defined" in verdict.method, verdict.report()


def test_every_target_is_proved_real_and_defined_on_its_domain():
    from symbolic import domain as symbolic_domain
    for target in check.TARGETS:
        assert symbolic_domain.definedness(target.expression(), symbolic_domain.Domain(target.t_min)).ok, target.name


def test_find_point_reports_a_point_where_only_the_formula_is_complex():
    # Regression: such points were skipped, as if nothing were wrong there.
    found = check.find_point(sp.log(symbols.x_t), sp.log(symbols.x_t**2) / 2)
    assert found and found["formula"] is None and "log of a negative number" in found["defect"]
    assert found["point"][symbols.x_t] < 0


# ---- hints -------------------------------------------------------------------------------------

@pytest.mark.parametrize("target, formula, absent", [
    ("posterior_variance", r"\frac{1-\bar\alpha_t}{1-\bar\alpha_t}\beta_t", "beta_tilde_t"),   # restates the answer
    ("forward_step_variance", "alpha_t", "in place of alpha_t"),                        # replaces the whole formula
    ("posterior_variance", "11*" + _BETA_TILDE, "t = 1"),        # 11 * target agrees at t = 1 only as 0 = 0
    ("posterior_mean", "11*(sqrt(alpha_bar_prev) beta_t/(1-alpha_bar_t) x_0 + sqrt(alpha_t)(1-alpha_bar_prev)/"
                       "(1-alpha_bar_t) x_t)", "t = 1"),
])
def test_no_hint_that_only_restates_the_answer(target, formula, absent):
    verdict = check.check(target, formula)
    assert verdict.status == "differs" and not any(absent in h for h in verdict.hints), verdict.hints


@pytest.mark.skipif(not hasattr(os, "fork"), reason="the hard limits need fork")
def test_time_and_memory_limits_hold_and_give_undecided(monkeypatch):
    # Regression: one long C-level step (a huge power, exp(exp(exp(24))) at 100 digits) ignored
    # --timeout and took GBs; the decision now runs in a child process killed at the deadline.
    import time
    monkeypatch.setattr(check, "decide", lambda *a, **k: 7 ** (10 ** 8))
    start = time.monotonic()
    verdict = check.check("posterior_variance", _BETA_TILDE, timeout=1)
    assert time.monotonic() - start < 3 and verdict.status == "undecided"
    assert "no decision within the time limit of 1 s" in verdict.method, verdict.method
    monkeypatch.setattr(check, "decide", lambda *a, **k: [bytearray(2**26) for _ in range(64)])
    verdict = check.check("posterior_variance", _BETA_TILDE, timeout=20, memory_mib=128)
    assert verdict.status == "undecided" and "memory limit of 128 MiB" in verdict.method, verdict.method


def test_timeout_gives_undecided():
    verdict = check.check("denoising_kl", "lambda_t (eps - eps_theta)^2 + C_t", timeout=1e-4, hints=False)
    assert verdict.status in ("undecided", "holds")
    if verdict.status == "undecided":
        assert "time limit" in verdict.method and not verdict.ok


@pytest.mark.parametrize("target, formula, message", [
    ("posterior_meen", "x_t", "unknown target 'posterior_meen' .*did you mean posterior_mean"),
    ("posterior_mean", "alpha_bar_tt", "unknown symbol 'alpha_bar_tt'"),
    ("posterior_mean", r"\tilde\beta_t = x_t", "names posterior_variance"),
    ("posterior_mean", "beta_tilde_t = x_t", "names posterior_variance"),
    ("x0_from_eps", "x_0", "only names x0_from_eps"),
    ("eps_mean", "x_0 + x_t", "your formula uses x_0"),
])
def test_bad_input_raises(target, formula, message):
    with pytest.raises(ValueError, match=message):
        check.check(target, formula)


def test_type_errors():
    with pytest.raises(TypeError, match="`formula` must be a str"):
        check.check("posterior_mean", 3)
    with pytest.raises(TypeError, match="`target_name` must be a catalog name"):
        check.check(3, "x_t")


def test_sympy_expression_is_accepted():
    a, r = sp.symbols("alpha_t alpha_bar_prev", positive=True)
    assert check.check("posterior_variance", (1 - r) / (1 - a * r) * (1 - a)).ok
    with pytest.raises(ValueError, match="unknown symbol 'y'"):
        check.check("posterior_variance", sp.Symbol("y"))


# ---- command line ------------------------------------------------------------------------------

def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "crosscheck", *args], capture_output=True, text=True, cwd=ROOT,
                          env={**os.environ, "PYTHONPATH": ROOT}, timeout=120)


def test_cli_holds_exit_0_and_imports_no_torch():
    code = ("import sys; from crosscheck.commands.cli import main; rc = main(['check', 'posterior_variance', "
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


def test_cli_json_is_standard_json(capsys):
    # Regression: a value too large for a float was written as the non-standard token Infinity.
    def refuse(token):
        raise ValueError(f"non-standard JSON: {token}")
    assert main(["check", "--json", "prior_kl", "exp(exp(7))*x_0"]) == 1
    report = json.loads(capsys.readouterr().out, parse_constant=refuse)
    assert report["status"] == "differs" and report["formula_value"] == "inf"
    from crosscheck.commands.common import json_text
    assert json.loads(json_text({"a": float("nan"), "b": [float("-inf"), 1.5]}), parse_constant=refuse) == {
        "a": "nan", "b": ["-inf", 1.5]}


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


# ---- check()'s keywords: each refused by name, before any work (README, "How the API fails") ------

@pytest.mark.parametrize("kwargs, error, match", [
    ({"timeout": -1}, ValueError, r"^`timeout` must be in \(0, 3600\] seconds, got -1; pass e.g. timeout=30, or None "
                                  r"for no limit$"),
    ({"timeout": 0}, ValueError, r"^`timeout` must be in \(0, 3600\] seconds, got 0;"),
    ({"timeout": float("nan")}, ValueError, r"got nan;"),
    ({"timeout": float("inf")}, ValueError, r"got inf;"),
    ({"timeout": 10**400}, ValueError, r"^`timeout` must be in \(0, 3600\] seconds, got 1000"),
    ({"timeout": 3601}, ValueError, r"got 3601;"),
    ({"timeout": True}, TypeError,
     r"^`timeout` must be a number of seconds or None, got bool True; pass e.g. timeout=30$"),
    ({"timeout": "5"}, TypeError, r"^`timeout` must be a number of seconds or None, got str '5'"),
    ({"memory_mib": -5}, ValueError, r"^`memory_mib` must be in \[64, 1048576\] MiB, got -5; pass e.g. memory_mib=\d+, "
                                     r"or None for no limit$"),
    ({"memory_mib": 2.5}, TypeError, r"^`memory_mib` must be an int number of MiB or None, got float 2.5$"),
    ({"memory_mib": True}, TypeError, r"^`memory_mib` must be an int"),
    ({"hints": "no"}, TypeError, r"^`hints` must be True or False, got str 'no'$"),
    ({"hints": None}, TypeError, r"^`hints` must be True or False, got NoneType None$"),
    ({"latex": "no"}, TypeError, r"^`latex` must be True, False or None, got str 'no'$"),
])
def test_check_refuses_each_keyword_by_name(kwargs, error, match):
    with pytest.raises(error, match=match):
        check.check("posterior_variance", _BETA_TILDE, **kwargs)


@pytest.mark.parametrize("target, formula, error, match", [
    (3, "x_t", TypeError, r"^`target_name` must be a catalog name \(a str such as 'posterior_mean'\), got int 3; "
                          r"`python -m crosscheck check --list` lists them$"),
    (None, "x_t", TypeError, r"^`target_name` must be a catalog name"),
    ("posterior_meen", "x_t", ValueError, r"^`target_name` names an unknown target 'posterior_meen'"),
    ("posterior_mean", 3, TypeError, r"^`formula` must be a str \(plain or LaTeX\) or a SymPy expression, got int 3; "),
    ("posterior_mean", None, TypeError, r"^`formula` must be a str"),
    ("posterior_mean", "alpha_bar_tt", ValueError, r"^`formula` cannot be read: unknown symbol 'alpha_bar_tt'"),
    ("posterior_mean", r"\tilde\beta_t = x_t", ValueError,
     r"^`formula` cannot be checked against posterior_mean: the left side .* names posterior_variance"),
    ("eps_mean", "x_0 + x_t", ValueError, r"^`formula` cannot be checked against eps_mean: eps_mean expresses x_0"),
])
def test_check_names_the_target_and_the_formula_it_refuses(target, formula, error, match):
    with pytest.raises(error, match=match):
        check.check(target, formula)


def test_check_with_no_time_limit_still_decides():
    assert check.check("posterior_variance", _BETA_TILDE, timeout=None, hints=False).ok
