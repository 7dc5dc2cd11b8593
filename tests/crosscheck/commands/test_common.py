"""The commands' shared plumbing: atomic writing (umask, rollback, signals), the device and the
schedule from the command line, and the shared options every parser takes."""

import os
import signal
import stat
import subprocess
import sys
import textwrap

import pytest
import torch

from crosscheck.commands import cli, common, latex, plots, train
from numeric import NoiseSchedule


@pytest.fixture
def umask():
    """Set the process umask for one test; the old one is restored after."""
    old = os.umask(0o022)
    yield os.umask
    os.umask(old)


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


# -- atomic writing ------------------------------------------------------------------------------

@pytest.mark.parametrize("mask", [0o022, 0o002, 0o077])
def test_written_files_take_the_umask_like_open(mask, tmp_path, umask):
    umask(mask)
    common.write_atomically(str(tmp_path / "new.json"), "{}\n")
    (tmp_path / "old.json").write_text("old\n")
    common.write_atomically(str(tmp_path / "old.json"), "{}\n")
    common.write_files(str(tmp_path / "out" / "deep"), lambda staging: open(os.path.join(staging, "a.tex"), "w").close())
    for path in (tmp_path / "new.json", tmp_path / "old.json", tmp_path / "out" / "deep" / "a.tex"):
        assert _mode(path) == 0o666 & ~mask, f"{path.name}: {oct(_mode(path))}"
    assert sorted(os.listdir(tmp_path)) == ["new.json", "old.json", "out"]


def test_the_json_report_takes_the_umask(tmp_path, umask, capsys):
    umask(0o022)
    report = tmp_path / "r.json"
    assert cli.main(["--only", "score", "--points", "10", "--json", str(report)]) == 0
    assert _mode(report) == 0o644 and os.listdir(tmp_path) == ["r.json"]


def test_a_file_is_replaced_in_one_step_by_a_file_beside_it(tmp_path, monkeypatch):
    target = tmp_path / "report.json"
    target.write_text("old\n")
    replaced = []
    real_replace = os.replace

    def spy(source, destination):
        replaced.append((os.path.dirname(os.path.dirname(source)), os.path.basename(source), str(destination)))
        real_replace(source, destination)
    monkeypatch.setattr(os, "replace", spy)
    common.write_atomically(str(target), "new\n")
    assert target.read_text() == "new\n"
    (staging, name, destination), = replaced
    assert os.path.dirname(staging) == str(tmp_path) and name == "report.json" and destination == str(target)


def test_a_failed_move_puts_every_previous_file_back(tmp_path, monkeypatch):
    """Three files replace three old ones; the second move fails: the first is put back."""
    for name in ("a.txt", "b.txt", "c.txt"):
        (tmp_path / name).write_text(f"old {name}\n")
    (tmp_path / "mine.txt").write_text("keep me\n")
    real_replace, calls = os.replace, []

    def fail_second(source, destination):
        calls.append(destination)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        real_replace(source, destination)
    monkeypatch.setattr(os, "replace", fail_second)

    def write(staging):
        for name in ("a.txt", "b.txt", "c.txt", "new.txt"):
            with open(os.path.join(staging, name), "w") as handle:
                handle.write(f"new {name}\n")
    with pytest.raises(OSError, match="No space left"):
        common.write_files(str(tmp_path), write)
    monkeypatch.undo()
    assert sorted(os.listdir(tmp_path)) == ["a.txt", "b.txt", "c.txt", "mine.txt"]
    for name in ("a.txt", "b.txt", "c.txt"):
        assert (tmp_path / name).read_text() == f"old {name}\n"


def test_plots_put_the_previous_figures_back_when_a_move_fails(tmp_path, monkeypatch):
    out = tmp_path / "figs"
    out.mkdir()
    (out / "interpolation_weights.pdf").write_text("the previous figure")
    real_replace, calls = os.replace, []

    def fail_late(source, destination):
        calls.append(destination)
        if len(calls) == 4:
            raise KeyboardInterrupt
        real_replace(source, destination)
    monkeypatch.setattr(os, "replace", fail_late)
    with pytest.raises(KeyboardInterrupt):
        plots.write_plots(NoiseSchedule.linear(10), str(out))
    monkeypatch.undo()
    assert os.listdir(out) == ["interpolation_weights.pdf"]
    assert (out / "interpolation_weights.pdf").read_text() == "the previous figure"


def test_a_failed_write_removes_the_directories_it_created(tmp_path):
    def fail(staging):
        os.makedirs(os.path.join(staging, "steps"))
        open(os.path.join(staging, "steps", "x.tex"), "w").close()
        raise RuntimeError("broken")
    with pytest.raises(RuntimeError):
        common.write_files(str(tmp_path / "a" / "b"), fail)
    assert os.listdir(tmp_path) == []


SIGNALLED = textwrap.dedent("""
    import os, signal, sys
    from crosscheck.commands.common import replace_atomically

    def write(tmp):
        with open(tmp, "w") as handle:
            handle.write('{"ok": tr')
        os.kill(os.getpid(), getattr(signal, sys.argv[2]))
        handle.write("never reached")

    replace_atomically(sys.argv[1], write)
""")


@pytest.mark.parametrize("name", ["SIGTERM", "SIGHUP"])
def test_a_signal_mid_write_leaves_the_old_file_and_no_debris(name, tmp_path):
    target = tmp_path / "report.json"
    target.write_text("old report\n")
    proc = subprocess.run([sys.executable, "-c", SIGNALLED, str(target), name], capture_output=True, text=True)
    assert proc.returncode == -getattr(signal, name), proc.stderr      # still ended by the signal
    assert target.read_text() == "old report\n"
    assert os.listdir(tmp_path) == ["report.json"]


def test_a_handler_of_the_callers_own_is_left_alone(tmp_path):
    seen = []
    previous = signal.signal(signal.SIGTERM, lambda number, frame: seen.append(number))
    try:
        def write(tmp):
            os.kill(os.getpid(), signal.SIGTERM)
            with open(tmp, "w") as handle:
                handle.write("new\n")
        common.replace_atomically(str(tmp_path / "r.json"), write)
        assert seen == [signal.SIGTERM] and (tmp_path / "r.json").read_text() == "new\n"
        assert signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL
    finally:
        signal.signal(signal.SIGTERM, previous)


# -- device and schedule -------------------------------------------------------------------------

def test_resolve_device(monkeypatch):
    assert common.resolve_device("cpu") == torch.device("cpu")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert common.resolve_device("auto") == torch.device("cpu")
    with pytest.raises(common.UsageError, match=r"^--device cuda: no CUDA device is available here; "
                                                r"use --device cpu or auto$"):
        common.resolve_device("cuda")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert common.resolve_device("auto") == torch.device("cuda") == common.resolve_device("cuda")


@pytest.mark.parametrize("argv", [["--only", "score"], ["latex", "--out", "@"], ["train", "--out", "@", "--steps", "1"]])
def test_every_command_refuses_cuda_without_a_device_with_one_line(argv, monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    argv = [str(tmp_path / "out") if a == "@" else a for a in argv]
    assert cli.main([*argv, "--device", "cuda"]) == 2
    err = capsys.readouterr().err
    assert err == "crosscheck: error: --device cuda: no CUDA device is available here; use --device cpu or auto\n"
    assert os.listdir(tmp_path) == []


def test_schedule_from_args():
    parser = common.Parser()
    common.add_schedule_options(parser)
    linear = common.schedule_from_args(parser.parse_args(["--T", "20", "--beta-end", "0.05"]))
    assert linear.name == "linear(0.0001..0.05)" and linear.T == 20
    assert common.schedule_from_args(parser.parse_args(["--schedule", "cosine", "--T", "7"])).name == "cosine(s=0.008)"
    with pytest.raises(common.UsageError, match=r"^--beta-start: it must be in \(0, 1\), got 2.0$"):
        common.schedule_from_args(parser.parse_args(["--beta-start", "2"]))
    with pytest.raises(common.UsageError, match="apply to the linear schedule only"):
        common.schedule_from_args(parser.parse_args(["--schedule", "cosine", "--beta-start", "0.1"]))
    without_betas = common.Parser()
    common.add_schedule_options(without_betas, betas=False)
    assert common.schedule_from_args(without_betas.parse_args([])).name == "linear(0.0001..0.02)"


PARSERS = {"verify": cli._parser, "plots": plots.parser, "latex": latex.parser, "train": train.parser}


@pytest.mark.parametrize("name", PARSERS)
def test_every_parser_takes_the_shared_options_the_same_way(name):
    parser = PARSERS[name]()
    flags = {flag: action for action in parser._actions for flag in action.option_strings}
    shared = {"verify": ["--schedule", "--T", "--device", "--dtype", "--seed"],
              "plots": ["--out", "--schedule", "--T", "--beta-start", "--beta-end"],
              "latex": ["--out", "--schedule", "--T", "--beta-start", "--beta-end", "--device", "--dtype"],
              "train": ["--out", "--schedule", "--T", "--beta-start", "--beta-end", "--device", "--seed"]}[name]
    for flag in shared:
        assert flag in flags, flag
    assert flags["--schedule"].choices == ["linear", "cosine"] and flags["--schedule"].default == "linear"
    if "--device" in flags:
        assert flags["--device"].choices == ["auto", "cpu", "cuda"] and flags["--device"].default == "auto"
    if "--dtype" in flags:
        assert flags["--dtype"].choices == ["float64", "float32"] and flags["--dtype"].default == "float64"
    with pytest.raises(common.UsageError, match=r"^argument --T: must be an integer, got 'x'$"):
        parser.parse_args([*(["--out", "d"] if "--out" in flags else []), "--T", "x"])
    if "--seed" in flags:
        with pytest.raises(common.UsageError, match=r"^argument --seed: must be in \[0, 2147483647\], got -1$"):
            parser.parse_args(["--seed", "-1"])


@pytest.mark.parametrize("name", ["plots", "latex", "check", "claims", "train"])
def test_each_command_is_its_own_module_and_cli_dispatches_to_it(name):
    import importlib
    module = importlib.import_module(f"crosscheck.commands.{name}")
    assert cli._command(name) is module.main
    assert not hasattr(cli, f"_{name}") and not hasattr(cli, f"_{name}_parser")
