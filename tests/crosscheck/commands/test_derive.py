"""``python -m crosscheck derive``: a student's derivation, line by line."""

import json
import os
import shutil
import subprocess
import sys

import pytest

from crosscheck.commands import cli, derive
from crosscheck.commands.derive import check_derivation, check_document

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))

PROBLEM_1 = r"""
\documentclass{article}
\begin{document}
Problem 1, the lecture's route.
\begin{align*}
\mathcal{L} &= \mathbb{E}_{q(\mathbf{x}_{1:T}|\mathbf{x}_0)} \left[ \log \frac{p_\theta(\mathbf{x}_{0:T})}{q(\mathbf{x}_{1:T}|\mathbf{x}_0)} \right] \\
&= \mathbb{E}_q\left[\log p(\mathbf{x}_T) + \sum_{t=1}^T \log \frac{p_\theta(\mathbf{x}_{t-1}|\mathbf{x}_t)}{q(\mathbf{x}_t|\mathbf{x}_{t-1})}\right] \\ % the factorisations
&= \mathbb{E}_q\left[\log p(\mathbf{x}_T) + \log \frac{p_\theta(\mathbf{x}_0|\mathbf{x}_1)}{q(\mathbf{x}_1|\mathbf{x}_0)} + \sum_{t=2}^T \log \frac{p_\theta(\mathbf{x}_{t-1}|\mathbf{x}_t)}{q(\mathbf{x}_t|\mathbf{x}_{t-1})}\right] \\
&= \mathbb{E}_q\left[\log p(\mathbf{x}_T) + \log \frac{p_\theta(\mathbf{x}_0|\mathbf{x}_1)}{q(\mathbf{x}_1|\mathbf{x}_0)} + \sum_{t=2}^T \log \frac{p_\theta(\mathbf{x}_{t-1}|\mathbf{x}_t)}{q(\mathbf{x}_{t-1}|\mathbf{x}_t,\mathbf{x}_0)} + \sum_{t=2}^T\log\frac{q(\mathbf{x}_{t-1}|\mathbf{x}_0)}{q(\mathbf{x}_t|\mathbf{x}_0)}\right] \quad \text{(Bayes, } t \geq 2) \\
&= \mathbb{E}_q\left[\log \frac{p(\mathbf{x}_T)}{q(\mathbf{x}_T|\mathbf{x}_0)} + \log p_\theta(\mathbf{x}_0|\mathbf{x}_1) + \sum_{t=2}^T \log \frac{p_\theta(\mathbf{x}_{t-1}|\mathbf{x}_t)}{q(\mathbf{x}_{t-1}|\mathbf{x}_t,\mathbf{x}_0)}\right] \\
&= \mathbb{E}_{q(\mathbf{x}_1|\mathbf{x}_0)}[\log p_\theta(\mathbf{x}_0|\mathbf{x}_1)] - D_{\mathrm{KL}}(q(\mathbf{x}_T|\mathbf{x}_0) \| p(\mathbf{x}_T)) - \sum_{t=2}^T \mathbb{E}_{q(\mathbf{x}_t|\mathbf{x}_0)} [D_{\mathrm{KL}}(q(\mathbf{x}_{t-1}|\mathbf{x}_t, \mathbf{x}_0) \| p_\theta(\mathbf{x}_{t-1}|\mathbf{x}_t))]
\end{align*}
\end{document}
"""

PROBLEM_3A = r"""\begin{align}
\tilde{\mu}_t(\mathbf{x}_t, \mathbf{x}_0) &= \frac{\sqrt{\bar{\alpha}_{t-1}}\beta_t}{1-\bar{\alpha}_t}\mathbf{x}_0 + \frac{\sqrt{\alpha_t}(1-\bar{\alpha}_{t-1})}{1-\bar{\alpha}_t}\mathbf{x}_t \\
&= \frac{\sqrt{\bar{\alpha}_{t-1}}\beta_t}{1-\bar{\alpha}_t}\cdot\frac{1}{\sqrt{\bar\alpha_t}}\left(\mathbf{x}_t - \sqrt{1-\bar\alpha_t}\epsilon\right) + \frac{\sqrt{\alpha_t}(1-\bar{\alpha}_{t-1})}{1-\bar{\alpha}_t}\mathbf{x}_t \\
&= \frac{\beta_t + \alpha_t(1-\bar\alpha_{t-1})}{\sqrt{\alpha_t}(1-\bar\alpha_t)}\mathbf{x}_t - \frac{\beta_t}{\sqrt{\alpha_t}\sqrt{1-\bar\alpha_t}}\epsilon \\
&= \frac{1}{\sqrt{\alpha_t}}\left(\mathbf{x}_t - \frac{\beta_t}{\sqrt{1-\bar\alpha_t}}\epsilon\right)
\end{align}"""

PROBLEM_3B = r"""\begin{align*}
D_{\mathrm{KL}}(q(\mathbf{x}_{t-1}|\mathbf{x}_t,\mathbf{x}_0)\,\|\,p_\theta(\mathbf{x}_{t-1}|\mathbf{x}_t))
&= \frac{1}{2}\left(\log\frac{\sigma_t^2}{\tilde\beta_t} + \frac{\tilde\beta_t + (\tilde{\mu}_t - \mu_\theta)^2}{\sigma_t^2} - 1\right) \\
&= \frac{1}{2\sigma_t^2}(\tilde{\mu}_t - \mu_\theta)^2 + C \\
&= \frac{\beta_t^2}{2\sigma_t^2\alpha_t(1-\bar\alpha_t)}(\epsilon - \epsilon_\theta)^2 + C \\
&= \frac{\beta_t^2}{2\tilde\beta_t\alpha_t(1-\bar\alpha_t)}(\epsilon - \epsilon_\theta)^2 \quad\text{when } \sigma_t^2 = \tilde\beta_t
\end{align*}"""

LAB_3 = r"""$$
\begin{aligned}
\log p(\mathbf{x}) &= \log \mathbb{E}_{q(\mathbf{z}|\mathbf{x})}\left[\frac{p(\mathbf{x},\mathbf{z})}{q(\mathbf{z}|\mathbf{x})}\right] \\
&\overset{\text{Jensen}}{\geq} \mathbb{E}_{q(\mathbf{z}|\mathbf{x})}\left[\log\frac{p(\mathbf{x},\mathbf{z})}{q(\mathbf{z}|\mathbf{x})}\right] \\
&= \mathbb{E}_{q(\mathbf{z}|\mathbf{x})}[\log p(\mathbf{x}|\mathbf{z})] - D_{KL}(q(\mathbf{z}|\mathbf{x}) \| p(\mathbf{z}))
\end{aligned}
$$"""


def run_cli(*args, stdin=None):
    return subprocess.run([sys.executable, "-m", "crosscheck", "derive", *args], capture_output=True, text=True,
                          cwd=ROOT, input=stdin, timeout=300)


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


# -- the homework, correct --------------------------------------------------------------------------

@pytest.mark.parametrize("text, start, end", [
    (PROBLEM_1, "elbo", "three_forces"), (PROBLEM_3A, "posterior_mean", "eps_mean"), (PROBLEM_3B, None, None),
    (LAB_3, "latent_log_evidence", "latent_elbo"),
], ids=["problem-1", "problem-3a", "problem-3b", "lab-3"])
def test_the_homework_derivations_hold_from_start_to_end(text, start, end):
    report = check_document(text, kind="tex", start=start, end=end)
    assert report.ok, report.text()
    (result,) = report.results
    assert result.first_wrong is None and all(s.rule for s in result.steps)


def test_rules_are_named_in_the_students_terms():
    (result,) = check_document(PROBLEM_1, kind="tex").results
    rules = [s.rule for s in result.steps]
    assert "factorisations" in rules[0] and "Bayes" in rules[2] and "telescoping" in rules[3]
    assert "KL's definition" in rules[4]
    (a,) = check_document(PROBLEM_3A, kind="tex").results
    assert "x_t = sqrt(alpha_bar_t) x_0 + sqrt(1 - alpha_bar_t) eps" in a.steps[1].rule
    (b,) = check_document(PROBLEM_3B, kind="tex").results
    assert "Gaussian KL" in b.steps[0].rule and "up to a constant" in b.steps[1].rule
    assert "exactly equal to row 1" in b.steps[-1].rule          # C vanishes when sigma_t^2 = beta_tilde_t
    (lab,) = check_document(LAB_3, kind="tex").results
    assert "Jensen" in lab.steps[1].rule


# -- the homework, broken on purpose: the exact first wrong row --------------------------------------

def broken(text, old, new):
    assert old in text, old
    return text.replace(old, new, 1)


@pytest.mark.parametrize("text, first_wrong, reason", [
    # the t = 1 term log p_theta(x_0|x_1) dropped when the sum is split
    (broken(PROBLEM_1, r"\log \frac{p_\theta(\mathbf{x}_0|\mathbf{x}_1)}{q(\mathbf{x}_1|\mathbf{x}_0)} + \sum_{t=2}^T \log \frac{p_\theta(\mathbf{x}_{t-1}|\mathbf{x}_t)}{q(\mathbf{x}_t|",
            r"\log \frac{1}{q(\mathbf{x}_1|\mathbf{x}_0)} + \sum_{t=2}^T \log \frac{p_\theta(\mathbf{x}_{t-1}|\mathbf{x}_t)}{q(\mathbf{x}_t|"),
     3, "was dropped"),
    # Bayes' rule used from t = 1
    (broken(PROBLEM_1, r"{q(\mathbf{x}_{t-1}|\mathbf{x}_t,\mathbf{x}_0)} + \sum_{t=2}^T\log",
            r"{q(\mathbf{x}_{t-1}|\mathbf{x}_t,\mathbf{x}_0)} + \sum_{t=1}^T\log"), 4, "does not exist"),
    # the expectation of the reconstruction term over x_T
    (broken(PROBLEM_1, r"\mathbb{E}_{q(\mathbf{x}_1|\mathbf{x}_0)}[\log p_\theta", r"\mathbb{E}_{q(\mathbf{x}_T|\mathbf{x}_0)}[\log p_\theta"),
     6, "subscript integrates x_T only"),
    # a KL with its arguments swapped
    (broken(PROBLEM_1, r"D_{\mathrm{KL}}(q(\mathbf{x}_{t-1}|\mathbf{x}_t, \mathbf{x}_0) \| p_\theta(\mathbf{x}_{t-1}|\mathbf{x}_t))",
            r"D_{\mathrm{KL}}(p_\theta(\mathbf{x}_{t-1}|\mathbf{x}_t) \| q(\mathbf{x}_{t-1}|\mathbf{x}_t, \mathbf{x}_0))"),
     6, "arguments swapped"),
    # a sign
    (broken(PROBLEM_1, r"- D_{\mathrm{KL}}(q(\mathbf{x}_T", r"+ D_{\mathrm{KL}}(q(\mathbf{x}_T"), 6, "the terms that do not cancel"),
    # alpha_bar_t for alpha_bar_{t-1}
    (broken(PROBLEM_3A, r"\frac{\beta_t + \alpha_t(1-\bar\alpha_{t-1})}", r"\frac{\beta_t + \alpha_t(1-\bar\alpha_t)}"),
     3, "counterexample"),
    # a dropped square root
    (broken(PROBLEM_3A, r"\frac{\beta_t}{\sqrt{1-\bar\alpha_t}}\epsilon\right)", r"\frac{\beta_t}{1-\bar\alpha_t}\epsilon\right)"),
     4, "counterexample"),
    # the MSE claimed under the wrong variance
    (broken(PROBLEM_3B, r"\text{when } \sigma_t^2 = \tilde\beta_t", r"\text{when } \sigma_t^2 = \beta_t"), 4, "eps_theta"),
    # the constant dropped without the condition that makes it vanish
    (broken(PROBLEM_3B, r"{2\tilde\beta_t\alpha_t(1-\bar\alpha_t)}(\epsilon - \epsilon_\theta)^2 \quad\text{when } \sigma_t^2 = \tilde\beta_t",
            r"{2\sigma_t^2\alpha_t(1-\bar\alpha_t)}(\epsilon - \epsilon_\theta)^2"), 4, "only up to a term"),
    # Jensen's inequality in the wrong direction
    (broken(LAB_3, r"\overset{\text{Jensen}}{\geq}", r"\leq"), 2, "other way round"),
], ids=["dropped-boundary-term", "bayes-at-t-1", "wrong-subscript", "kl-swapped", "sign", "alpha-bar-t-for-t-1",
        "dropped-sqrt", "mse-wrong-variance", "constant-dropped", "jensen-reversed"])
def test_each_kind_of_slip_is_caught_at_its_row(text, first_wrong, reason):
    report = check_document(text, kind="tex")
    (result,) = report.results
    assert not report.ok and result.first_wrong == first_wrong, report.text()
    wrong = next(s for s in result.steps if s.row == first_wrong)
    assert wrong.status == "differs" and reason in wrong.reason, wrong.reason
    assert all(s.ok for s in result.steps if s.row < first_wrong)


def test_a_step_after_the_slip_that_follows_from_the_last_good_line_says_so():
    text = broken(PROBLEM_3A, r"\frac{\beta_t + \alpha_t(1-\bar\alpha_{t-1})}", r"\frac{\beta_t + \alpha_t(1-\bar\alpha_t)}")
    (result,) = check_document(text, kind="tex").results
    assert any("follows from row 2" in n for n in result.steps[-1].notes)


def test_the_ends_catch_a_correct_derivation_of_something_else():
    report = check_document(PROBLEM_3A, kind="tex", start="posterior_mean", end="posterior_variance")
    assert not report.ok and all(s.ok for s in report.results[0].steps)
    assert report.results[0].ends[-1].status == "differs"
    assert "does not end at posterior_variance" in report.results[0].ends[-1].reason
    # every line of Problem 1 equals the ELBO in value: the end is a form, term by term
    stopped = PROBLEM_1.split(r" \\" + "\n&= \\mathbb{E}_{q(")[0] + "\n\\end{align*}"
    report = check_document(stopped, kind="tex", end="three_forces")
    assert not report.ok and "not yet written in its form" in report.results[0].ends[-1].reason
    # mu_tilde_t(x_t, x_0) is the eps form's value, not the eps form
    first_row = PROBLEM_3A.split(r" \\")[0] + "\n\\end{align}"
    report = check_document(first_row, kind="tex", end="eps_mean")
    assert not report.ok and report.results[0].ends[-1].status == "differs"


def test_an_end_may_be_a_formula():
    assert check_document(PROBLEM_3A, kind="tex",
                          end=r"\frac{1}{\sqrt{\alpha_t}}\left(x_t - \frac{1-\alpha_t}{\sqrt{1-\bar\alpha_t}}\epsilon\right)").ok
    assert not check_document(PROBLEM_3A, kind="tex", end=r"\frac{1}{\sqrt{\alpha_t}} x_t").ok


# -- the API ------------------------------------------------------------------------------------------

def test_check_derivation_takes_rows_or_a_block():
    rows = [r"\tilde\beta_t &= \frac{1-\bar\alpha_{t-1}}{1-\bar\alpha_t}\beta_t",
            r"&= \frac{(1-\bar\alpha_{t-1})(1-\alpha_t)}{1-\alpha_t\bar\alpha_{t-1}}"]
    assert check_derivation(rows).ok
    assert check_derivation(" \\\\\n".join(rows)).ok
    wrong = check_derivation(rows + [r"&= 1 - \bar\alpha_{t-1}"])
    assert not wrong.ok and wrong.first_wrong == 3
    assert check_derivation("beta_tilde_t\n= (1 - alpha_bar_prev)/(1 - alpha_bar_t)*beta_t", latex=False).ok


@pytest.mark.parametrize("call, error, message", [
    (lambda: check_derivation(3), TypeError, "`lines` must be a str or a list of str"),
    (lambda: check_derivation("a = b", timeout=-1), ValueError, "`timeout` must be in"),
    (lambda: check_document("a = b", kind="docx"), ValueError, "`kind` must be"),
    (lambda: check_document(b"a = b"), TypeError, "`text` must be a str"),
    (lambda: check_document("no math here", kind="tex"), ValueError, "`text` holds no derivation"),
    (lambda: check_document(PROBLEM_3A, kind="tex", end="frobnicate"), ValueError, "`end` 'frobnicate' is no name"),
    (lambda: check_derivation(r"a &= \frobnicate{b}"), ValueError, "`lines`: line 1, row 1: cannot read"),
    (lambda: check_derivation(["x_t = 1", "= 2"], latex="yes"), TypeError, "`latex` must be"),
])
def test_bad_calls_are_named(call, error, message):
    with pytest.raises(error, match=message.replace("(", r"\(").replace("[", r"\[")):
        call()


def test_usable_as_a_pytest_assertion_in_a_notebook():
    result = check_derivation(PROBLEM_3A)
    assert result.ok and result.as_json()["first_wrong"] is None


def test_a_time_limit_leaves_the_rest_undecided_never_passed(monkeypatch):
    slow = derive.judge

    def sleepy(*args, **kwargs):
        import time
        time.sleep(0.6)
        return slow(*args, **kwargs)
    monkeypatch.setattr(derive, "judge", sleepy)
    report = check_document(PROBLEM_3A, kind="tex", timeout=1.0)
    assert not report.ok
    statuses = [s.status for s in report.results[0].steps]
    assert "undecided" in statuses and len(statuses) == 4
    assert all("time limit" in s.reason for s in report.results[0].steps if s.status == "undecided")


# -- the command ---------------------------------------------------------------------------------------

def test_cli_holds_exit_0_and_prints_one_line_per_step(tmp_path, capsys):
    path = write(tmp_path, "hw.tex", PROBLEM_1)
    assert cli.main(["derive", path, "--start", "elbo", "--end", "three_forces"]) == 0
    out = capsys.readouterr().out
    assert out.count("  row ") == 5 and "holds from start to end (5 steps)" in out
    assert "1 of 1 derivations hold" in out


def test_cli_a_wrong_row_is_exit_1_and_named(tmp_path, capsys):
    path = write(tmp_path, "hw.tex", broken(PROBLEM_3A, r"(1-\bar\alpha_{t-1})}{\sqrt{\alpha_t}(1-\bar\alpha_t)}",
                                            r"(1-\bar\alpha_t)}{\sqrt{\alpha_t}(1-\bar\alpha_t)}"))
    assert cli.main(["derive", path]) == 1
    out = capsys.readouterr().out
    assert "first wrong row: 3 (line 4)" in out and "differs" in out


def test_cli_json_to_stdout_and_to_a_file(tmp_path, capsys):
    path = write(tmp_path, "hw.tex", PROBLEM_3A + "\n" + broken(PROBLEM_3A, "\\right)\n\\end{align}", "+ 1\\right)\n\\end{align}"))
    assert cli.main(["derive", path, "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] is False and [d["ok"] for d in report["derivations"]] == [True, False]
    assert report["derivations"][1]["first_wrong"] == 4
    step = report["derivations"][1]["steps"][3]
    assert set(step) >= {"row", "status", "rule", "reason"} and step["status"] == "differs"
    out = tmp_path / "report.json"
    assert cli.main(["derive", path, "--json", str(out)]) == 1
    assert json.loads(out.read_text())["derivations"][0]["ok"] is True


def test_cli_reads_markdown_plain_text_and_standard_input(tmp_path):
    md = write(tmp_path, "lab3.md", "# Lab 3\n\n" + LAB_3 + "\n")
    assert run_cli(md).returncode == 0
    plain = write(tmp_path, "steps.txt", "log p(x) >= E_q(z|x)[log p(x|z)] - KL(q(z|x) || p(z))\n")
    proc = run_cli(plain)
    assert proc.returncode == 0 and "Jensen" in proc.stdout
    proc = run_cli("-", "--start", "elbo", "--end", "three_forces", stdin=PROBLEM_1)
    assert proc.returncode == 0, proc.stdout + proc.stderr and "<stdin>" in proc.stdout
    proc = run_cli("-", "--plain", stdin="beta_tilde_t\n= beta_t\n")
    assert proc.returncode == 1 and "first wrong row: 2" in proc.stdout


@pytest.mark.parametrize("make, message", [
    (lambda p: [str(p / "missing.tex")], "No such file"),
    (lambda p: [str(p)], "is a directory"),
    (lambda p: [write(p, "bin.tex", "") if False else str(_binary(p))], "not UTF-8"),
    (lambda p: [write(p, "prose.tex", "only words")], "holds no derivation"),
    (lambda p: [write(p, "bad.tex", "\\begin{align}\na &= b \\\\\n &= \\frobnicate{c}\n\\end{align}")],
     "line 3, row 2: cannot read"),
    (lambda p: [write(p, "ok.tex", PROBLEM_3A), "--end", "frobnicate"], "--end 'frobnicate' is no name"),
    (lambda p: [write(p, "ok.tex", PROBLEM_3A), "--timeout", "0"], "--timeout must be in"),
    (lambda p: [write(p, "ok.tex", PROBLEM_3A), "--annotate", str(p / "out.docx")], "--annotate must name a .tex"),
    (lambda p: [write(p, "ok.tex", PROBLEM_3A), "--latex", "--plain"], "not allowed with"),
])
def test_cli_input_that_cannot_be_read_is_one_line_and_exit_2(tmp_path, make, message):
    proc = run_cli(*make(tmp_path))
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert proc.stderr.count("\n") == 1 and message in proc.stderr and "Traceback" not in proc.stderr


def _binary(tmp_path):
    path = tmp_path / "latin1.tex"
    path.write_bytes("$$ \\alpha = é $$".encode("latin-1"))
    return path


def test_annotate_writes_the_derivation_with_a_mark_per_row_and_the_reason(tmp_path, capsys):
    path = write(tmp_path, "hw.tex", broken(PROBLEM_3A, r"\frac{\beta_t + \alpha_t(1-\bar\alpha_{t-1})}",
                                            r"\frac{\beta_t + \alpha_t(1-\bar\alpha_t)}"))
    out = tmp_path / "marked.tex"
    assert cli.main(["derive", path, "--annotate", str(out)]) == 1
    tex = out.read_text()
    assert tex.count("\\checkmark") == 2 and tex.count("\\boldsymbol{\\times}") == 2
    assert "row 3: it holds with alpha" in tex and "\\begin{document}" in tex


@pytest.mark.skipif(shutil.which("pdflatex") is None and not os.environ.get("CROSSCHECK_REQUIRE_PDFLATEX"),
                    reason="pdflatex is not installed")
def test_annotate_compiles_a_pdf_a_ta_can_hand_back(tmp_path, capsys):
    path = write(tmp_path, "hw.tex", PROBLEM_1 + broken(PROBLEM_3A, r"\sqrt{1-\bar\alpha_t}}\epsilon\right)",
                                                        r"1-\bar\alpha_t}\epsilon\right)"))
    out = tmp_path / "marked.pdf"
    assert cli.main(["derive", path, "--annotate", str(out)]) == 1
    assert out.read_bytes().startswith(b"%PDF")


def test_the_command_imports_no_torch():
    code = ("import sys; from crosscheck.commands import cli; cli.main(['derive', '-']); "
            "assert 'torch' not in sys.modules, 'torch imported'")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, input="a = a\n",
                          timeout=120)
    assert proc.returncode == 0, proc.stderr


def test_a_decision_that_stops_is_never_a_pass(monkeypatch):
    def broken_end(last, end):
        raise RuntimeError("a bug in the engine")
    monkeypatch.setattr(derive, "_ends_at", broken_end)
    report = check_document(PROBLEM_3A, kind="tex", end="eps_mean")
    assert not report.ok and report.results[0].incomplete
    assert "not finished" in report.text()


# -- the notation students write (from the corpus helper's probes) ----------------------------------

@pytest.mark.parametrize("rows", [
    # Lab 3 with the VAE's names and the short E_q
    [r"\log p_\theta(x) &\geq \mathbb{E}_q[\log p_\theta(x|z)] - D_{KL}(q_\phi(z|x)\|p(z))"],
    # the integrals of the marginal likelihood
    [r"\log p(x) &= \log\int p(x,z)\,dz", r"&= \log\int q(z|x)\frac{p(x,z)}{q(z|x)}\,\mathrm{d}z",
     r"&\geq \mathbb{E}_{q(z|x)}\left[\log\frac{p(x,z)}{q(z|x)}\right]"],
    [r"\log p_\theta(\mathbf{x}_0) &= \log\int p_\theta(\mathbf{x}_{0:T})\,d\mathbf{x}_{1:T}",
     r"&= \log\mathbb{E}_{q(\mathbf{x}_{1:T}|\mathbf{x}_0)}\left[\frac{p_\theta(\mathbf{x}_{0:T})}{q(\mathbf{x}_{1:T}|\mathbf{x}_0)}\right]"],
    # Bayes' rule on its own row, in both models
    [r"p(z|x) &= \frac{p(x|z)\,p(z)}{p(x)}"],
    [r"q(\mathbf{x}_{t-1}|\mathbf{x}_t,\mathbf{x}_0) &= \frac{q(\mathbf{x}_t|\mathbf{x}_{t-1})\,q(\mathbf{x}_{t-1}|\mathbf{x}_0)}{q(\mathbf{x}_t|\mathbf{x}_0)}"],
    [r"q(\mathbf{x}_t|\mathbf{x}_{t-1}) &= q(\mathbf{x}_t|\mathbf{x}_{t-1},\mathbf{x}_0)"],
    # Ho et al. eq. 20: the product inside the log without brackets
    [r"\mathbb{E}_q\left[\sum_{t>1}\log\frac{p_\theta(x_{t-1}|x_t)}{q(x_t|x_{t-1})}\right] &= \mathbb{E}_q\left[\sum_{t>1}\log\frac{p_\theta(x_{t-1}|x_t)}{q(x_{t-1}|x_t,x_0)}\cdot\frac{q(x_{t-1}|x_0)}{q(x_t|x_0)}\right]"],
    # nested expectations and the joint of two steps (the chain rule of q)
    [r"\mathbb{E}_{q(x_{1:T}|x_0)}\left[\log\frac{p_\theta(x_{t-1}|x_t)}{q(x_{t-1}|x_t,x_0)}\right] &= \mathbb{E}_{q(x_t|x_0)}\left[\mathbb{E}_{q(x_{t-1}|x_t,x_0)}\left[\log\frac{p_\theta(x_{t-1}|x_t)}{q(x_{t-1}|x_t,x_0)}\right]\right]",
     r"&= \mathbb{E}_{q(x_{t-1},x_t|x_0)}\left[\log\frac{p_\theta(x_{t-1}|x_t)}{q(x_{t-1}|x_t,x_0)}\right]",
     r"&= -\mathbb{E}_{q(x_t|x_0)}\left[D_{KL}(q(x_{t-1}|x_t,x_0)\|p_\theta(x_{t-1}|x_t))\right]"],
    # a product of densities from t = 2, the KL of two normals, \propto through eps, conditions
    [r"\log\prod_{t=2}^T q(x_t|x_{t-1}) &= \log\prod_{t=2}^T \frac{q(x_{t-1}|x_t,x_0)\,q(x_t|x_0)}{q(x_{t-1}|x_0)}"],
    [r"D_{KL}(q(x_{t-1}|x_t,x_0)\|p_\theta(x_{t-1}|x_t)) &= D_{KL}(\mathcal{N}(\tilde\mu_t,\tilde\beta_t)\|\mathcal{N}(\mu_\theta,\sigma_t^2))",
     r"&= \frac{\beta_t^2}{2\sigma_t^2\alpha_t(1-\bar\alpha_t)}(\epsilon-\epsilon_\theta)^2 + C",
     r"&\propto (\epsilon-\epsilon_\theta)^2 + C",
     r"&= \frac{\beta_t^2}{2\tilde\beta_t\alpha_t(1-\bar\alpha_t)}(\epsilon-\epsilon_\theta)^2, \quad\text{when } \sigma_t^2 = \tilde\beta_t"],
    [r"\frac{\tilde\beta_t + (\tilde\mu_t-\mu_\theta)^2}{2\sigma_t^2} + \frac{1}{2}\log\frac{\sigma_t^2}{\tilde\beta_t} - \frac12 &= \frac{(\tilde\mu_t-\mu_\theta)^2}{2\tilde\beta_t} \qquad (\sigma_t^2=\tilde\beta_t)"],
    # Ho's simplified loss: an average over x_0 and eps, compared pathwise
    [r"\mathbb{E}_{\mathbf{x}_0,\boldsymbol\epsilon}\left[\frac{\beta_t^2}{2\sigma_t^2\alpha_t(1-\bar\alpha_t)}\|\boldsymbol\epsilon-\boldsymbol\epsilon_\theta\|^2\right] &= \mathbb{E}_{\mathbf{x}_0,\boldsymbol\epsilon}\left[\lambda_t\|\boldsymbol\epsilon-\boldsymbol\epsilon_\theta\|^2\right]"],
], ids=["lab3-vae-names", "lab3-integrals", "p1-integral", "bayes-row-latent", "bayes-row-diffusion", "markov-row",
        "ho-eq20", "nested-expectations", "product-from-2", "3b-propto-and-comma", "3b-parenthesised-condition",
        "ho-simple-loss"])
def test_student_notation_is_read_and_holds(rows):
    result = check_derivation(rows)
    assert result.ok, [(s.row, s.status, s.reason) for s in result.steps]


@pytest.mark.parametrize("rows, first_wrong", [
    ([r"p(z|x) &= \frac{p(x|z)\,p(x)}{p(z)}"], 1),
    ([r"q(\mathbf{x}_{t-1}|\mathbf{x}_t,\mathbf{x}_0) &= \frac{q(\mathbf{x}_t|\mathbf{x}_{t-1})\,q(\mathbf{x}_t|\mathbf{x}_0)}{q(\mathbf{x}_{t-1}|\mathbf{x}_0)}"], 1),
    ([r"\log p(x) &= \log\int p(x|z)\,dz"], 1),
    ([r"\mathbb{E}_{q(x_t|x_0)}\left[\mathbb{E}_{q(x_{t-1}|x_t,x_0)}[\log p_\theta(x_{t-2}|x_{t-1})]\right] &= 0"], 1),
    ([r"D_{KL}(q(x_{t-1}|x_t,x_0)\|p_\theta(x_{t-1}|x_t)) &\propto (\epsilon-\epsilon_\theta)^2 + C",
      r"&= \frac{\beta_t^2}{2\sigma_t^2\alpha_t(1-\bar\alpha_t)}(\epsilon-\epsilon_\theta)^2 + C"], 2),
    # the d-dimensional KL with its constant terms written once: wrong for d > 1
    ([r"D_{KL}(q(x_{t-1}|x_t,x_0)\|p_\theta(x_{t-1}|x_t)) &= \frac12\left(\log\frac{\sigma_t^2}{\tilde\beta_t} + \frac{\tilde\beta_t}{\sigma_t^2} - 1\right) + \frac{\|\tilde\mu_t-\mu_\theta\|^2}{2\sigma_t^2}"], 1),
], ids=["bayes-row-latent-swapped", "bayes-row-diffusion-swapped", "integral-of-the-likelihood", "nested-wrong-variable",
        "propto-then-wrong-weight", "kl-without-the-dimension"])
def test_student_notation_slips_are_caught(rows, first_wrong):
    result = check_derivation(rows)
    assert not result.ok and result.first_wrong == first_wrong, [(s.row, s.status, s.reason) for s in result.steps]
