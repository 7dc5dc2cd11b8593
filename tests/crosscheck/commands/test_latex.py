"""python -m crosscheck latex: fragments, the document, its round trip, pdflatex, bad input."""

from __future__ import annotations

import os
import shutil
import stat

import pytest
import torch

from crosscheck.commands import cli
from crosscheck.commands import latex
from numeric import NoiseSchedule

HAVE_PDFLATEX = shutil.which("pdflatex") is not None
# CI installs pdflatex and sets this, so that the compile test cannot silently skip there.
REQUIRE_PDFLATEX = os.environ.get("CROSSCHECK_REQUIRE_PDFLATEX") == "1"
LAB = NoiseSchedule.linear(50, 1e-4, 0.02, dtype=torch.float64)


@pytest.fixture(scope="module")
def export():
    return latex.build(LAB, figures=())


def test_every_fragment_is_built(export):
    assert set(export.fragments) == set(latex.FRAGMENTS)
    assert export.ok
    from crosscheck.engine.registry import BY_NAME
    for name, fragment in export.fragments.items():
        if name not in BY_NAME or BY_NAME[name].parts or BY_NAME[name].kind == "derivation":
            assert r"\begin{align}" in fragment or name == "elbo_gap", name
        if name != "schedule":
            assert r"\textbf{verified}" in fragment and "symbolic: proved" in fragment, name
    bayes = export.fragments["elbo_bayes"]
    assert r"t \geq  2" in bayes and "Markov property" in bayes           # side conditions, in words
    assert "float64, cpu" in bayes and "max rel err" in bayes            # numeric status with dtype/device


def test_every_exported_formula_round_trips(export):
    assert len(export.formulas) > 60
    failures = [f.where for f in export.formulas if not latex.round_trip(f).ok]
    assert failures == []


def test_round_trip_fails_on_a_wrong_formula(export):
    formula = next(f for f in export.formulas if f.where.startswith("posterior: posterior_mean"))
    assert latex.round_trip(formula).ok
    rows = (formula.rows[0].replace(r"\bar{\alpha}_{t-1}", r"\bar{\alpha}_{t}", 1),) + formula.rows[1:]
    assert not latex.round_trip(latex.Formula(formula.where, formula.expr, rows, formula.display)).ok


def test_document_is_organised_as_the_homework(export):
    doc = export.document
    order = [doc.index(s) for s in ("Homework Problem 1", "Part A", "Part B", "Part C", "Part D",
                                    "Problem 2 Part B", "Homework Problem 3", "completed square",
                                    "Foundations")]
    assert order == sorted(order)
    assert r"\documentclass" in doc and r"\usepackage{amsmath,amssymb}" in doc
    assert "graphicx" not in doc                     # no figures asked for: amsmath/amssymb only
    assert "0.603" in doc and r"\emph{not} approximately zero" in doc   # the lab's alpha_bar_T


def test_prior_value_agrees_and_depends_on_the_schedule():
    lab = latex.prior_values(LAB)
    assert abs(lab["alpha_bar_T"] - 0.6027) < 1e-3 and not lab["negligible"]
    assert all(v["rel_err"] < 1e-12 for v in lab["at"].values())
    cosine = latex.prior_values(NoiseSchedule.cosine(1000, dtype=torch.float64))
    assert cosine["negligible"] and cosine["at"]["x_0^2 = 1"]["numeric"] < 1e-3


def test_math_text_sets_formulas_as_math_and_escapes_the_rest():
    out = latex.math_text("for t >= 2, q(x_t|x_{t-1}) = q(x_t|x_{t-1}, x_0) (Markov property); 50% of x_0")
    assert r"$t \geq  2$" in out and r"q(x_t|x_{t-1}, x_0)" in out
    assert r"50\%" in out
    outside = "".join(part for i, part in enumerate(out.split("$")) if i % 2 == 0)
    assert "_" not in outside.replace(r"\_", "") and "|" not in outside


def test_latex_problems_reads_errors_overfull_boxes_and_undefined_references():
    log = ("! Undefined control sequence.\n"
           "Overfull \\hbox (46.1pt too wide) in paragraph at lines 1--2\n"
           "Overfull \\hbox (0.5pt too wide) in paragraph at lines 3--4\n"
           "LaTeX Warning: Reference `eq:x' on page 1 undefined on input line 5.\n")
    problems = latex.latex_problems(log)
    assert len(problems) == 3 and not any("0.5pt" in p for p in problems)


def _compile(tmp_path, document: str) -> str:
    (tmp_path / "derivation.tex").write_text(document)
    return latex.compile_pdf(str(tmp_path))


@pytest.mark.skipif(not HAVE_PDFLATEX and not REQUIRE_PDFLATEX, reason="pdflatex not installed")
def test_document_compiles_cleanly(tmp_path, export):
    assert HAVE_PDFLATEX, "CROSSCHECK_REQUIRE_PDFLATEX=1 but pdflatex is not installed"
    log = _compile(tmp_path, export.document)
    assert (tmp_path / "derivation.pdf").stat().st_size > 10_000
    assert latex.latex_problems(log) == []
    # the same check catches an equation that leaves the page and an undefined reference
    wide = export.document.replace(r"\end{document}", r"\begin{align} " + "x + " * 120 + r"x \end{align}"
                                   + r"see \eqref{eq:nowhere}. \end{document}")
    problems = latex.latex_problems(_compile(tmp_path, wide))
    assert any("Overfull" in p for p in problems) and any("undefined" in p for p in problems)


@pytest.mark.skipif(not HAVE_PDFLATEX and not REQUIRE_PDFLATEX, reason="pdflatex not installed")
def test_cli_pdf_with_figures(tmp_path, capsys):
    out = tmp_path / "hw"
    assert cli.main(["latex", "--out", str(out), "--pdf", "--plots", "--T", "50"]) == 0
    assert (out / "derivation.pdf").exists() and (out / "figures" / "three_forces.pdf").exists()
    assert r"\includegraphics" in (out / "derivation.tex").read_text()
    assert sorted(os.listdir(out)) == ["derivation.pdf", "derivation.tex", "figures", "steps"]
    assert "5 figures included" in capsys.readouterr().out


def test_cli_writes_fragments_for_chosen_steps(tmp_path):
    out = tmp_path / "frag"
    assert cli.main(["latex", "--out", str(out), "--step", "elbo_bayes", "eps_mean_derivation"]) == 0
    assert sorted(os.listdir(out / "steps")) == ["elbo_bayes.tex", "eps_mean_derivation.tex"]
    assert not (out / "derivation.tex").exists()


@pytest.mark.parametrize("argv, message", [
    (["--step", "elbo_bayse"], "unknown name 'elbo_bayse'"),
    (["--T", "0"], "--T"),
    (["--schedule", "cosine", "--beta-start", "0.1"], "linear schedule only"),
    (["--step", "elbo_bayes", "--pdf"], "fragments only"),
])
def test_cli_bad_input_exits_2_with_one_line(tmp_path, capsys, argv, message):
    out = tmp_path / "x"
    assert cli.main(["latex", "--out", str(out), *argv]) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert not out.exists()


def test_cli_out_is_a_file_or_unwritable(tmp_path, capsys):
    afile = tmp_path / "file"
    afile.write_text("x")
    assert cli.main(["latex", "--out", str(afile)]) == 2
    assert "is a file" in capsys.readouterr().err
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(stat.S_IRUSR | stat.S_IXUSR)
    try:
        if os.access(locked, os.W_OK):
            pytest.skip("running as a user who can write anywhere (root)")
        assert cli.main(["latex", "--out", str(locked / "hw")]) == 2
        assert "not writable" in capsys.readouterr().err
    finally:
        locked.chmod(stat.S_IRWXU)


def test_cli_pdf_without_pdflatex_says_how_to_install(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    assert cli.main(["latex", "--out", str(tmp_path / "hw"), "--pdf"]) == 2
    err = capsys.readouterr().err
    assert "apt-get install texlive-latex-base" in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "hw").exists()


@pytest.mark.skipif(not HAVE_PDFLATEX and not REQUIRE_PDFLATEX, reason="pdflatex not installed")
def test_cli_pdflatex_failure_exits_2_and_leaves_nothing(tmp_path, capsys, monkeypatch):
    out = tmp_path / "hw"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    real_build = latex.build

    def broken(*args, **kwargs):
        export = real_build(*args, **kwargs)
        export.document = export.document.replace(r"\end{document}", r"\undefinedmacro \end{document}")
        return export

    monkeypatch.setattr(latex, "build", broken)
    assert cli.main(["latex", "--out", str(out), "--pdf"]) == 2
    err = capsys.readouterr().err
    assert "pdflatex failed" in err and "Undefined control sequence" in err
    assert sorted(os.listdir(out)) == ["notes.txt"]          # nothing half-written, nothing left
