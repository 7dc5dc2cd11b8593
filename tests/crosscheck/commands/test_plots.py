"""`python -m crosscheck plots`: every figure as PNG and PDF, labelled, atomic, bad input exit 2."""

import os
import subprocess
import sys

import pytest

from crosscheck.commands import cli, plots
from numeric import NoiseSchedule


def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "crosscheck", *args], capture_output=True, text=True)


def test_plots_writes_every_figure_as_png_and_pdf(tmp_path):
    out = tmp_path / "figs"
    proc = run_cli("plots", "--out", str(out), "--T", "50", "--beta-start", "1e-4", "--beta-end", "0.02")
    assert proc.returncode == 0, proc.stderr
    names = sorted(os.listdir(out))
    assert names == sorted(f"{n}.{e}" for n in plots.FIGURES for e in ("png", "pdf"))
    for name in names:
        head = (out / name).read_bytes()[:8]
        assert head.startswith(b"\x89PNG") if name.endswith("png") else head.startswith(b"%PDF")
    assert "linear(0.0001..0.02) T=50: wrote 10 files" in proc.stdout


@pytest.mark.parametrize("name", list(plots.FIGURES))
def test_every_figure_names_its_schedule_and_labels_its_axes(name):
    schedule = NoiseSchedule.cosine(40)
    fig = plots.FIGURES[name](schedule)
    try:
        titles = [fig._suptitle.get_text()] if fig._suptitle else []
        titles += [ax.get_title() for ax in fig.axes]
        assert any("cosine" in t and "T = 40" in t for t in titles)
        for ax in fig.axes:
            assert ax.get_xlabel() and ax.get_ylabel()
    finally:
        plots.plt.close(fig)


def test_a_failing_figure_leaves_no_partial_files(tmp_path, monkeypatch):
    out = tmp_path / "existing"
    out.mkdir()
    (out / "mine.txt").write_text("keep me")

    def broken(schedule):
        raise RuntimeError("figure failed")
    monkeypatch.setitem(plots.FIGURES, "variances", broken)
    with pytest.raises(RuntimeError):
        plots.write_plots(NoiseSchedule.linear(20), str(out))
    assert os.listdir(out) == ["mine.txt"]
    fresh = tmp_path / "fresh"
    with pytest.raises(RuntimeError):
        plots.write_plots(NoiseSchedule.linear(20), str(fresh))
    assert not fresh.exists()


@pytest.mark.parametrize("argv, message", [
    (["plots"], "the following arguments are required: --out"),
    (["plots", "--out", "README.md"], "--out 'README.md' is a file; give a directory"),
    (["plots", "--out", "x", "--beta-start", "2"], "--beta-start: it must be in (0, 1), got 2.0"),
    (["plots", "--out", "x", "--beta-end", "abc"], "argument --beta-end: invalid float value: 'abc'"),
    (["plots", "--out", "x", "--schedule", "cosine", "--beta-end", "0.1"],
     "--beta-start/--beta-end apply to the linear schedule only"),
    (["plots", "--out", "x", "--T", "0"], "argument --T: must be in [1, 100000], got 0"),
])
def test_bad_plots_input_is_one_line_and_exit_2(argv, message, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))))
    assert cli.main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err
    assert not os.path.exists("x")
