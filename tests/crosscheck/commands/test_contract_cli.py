"""The command line's contract under abuse (issue 18).

* Outputs: a signal or a failure at any moment leaves the previous output set whole, or the new
  set whole, never a mix, never less than before, and nothing of ours behind (no ``.crosscheck-*``).
* Signals: SIGINT, SIGTERM and SIGHUP end the run with 128 + the signal and one line on stderr,
  whenever they arrive (during ``import torch``, while computing, while writing, while moving files
  in); a forked ``check`` child never outlives its parent.
* Special files: ``--json`` writes in place to a named pipe or a character device, to standard
  output with ``-``, through a symbolic link to its target; nothing but a regular file is renamed over.
* Settings the command line accepts run to a verdict or are refused with one line before any work.

The moments are hit deterministically: a small wrapper runs ``python -m crosscheck`` with a hook
that sends the signal to the process at the N-th import, the N-th file opened for writing in a
staging directory, or the N-th ``os.replace``.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import stat
import subprocess
import sys
import textwrap
import threading
import time

import pytest

from crosscheck.commands import cli, common, latex, plots
from numeric import NoiseSchedule

ROOT = hasattr(os, "geteuid") and os.geteuid() == 0

# -- the wrapper: python -m crosscheck with a signal sent at a chosen moment ------------------------

WRAPPER = textwrap.dedent("""
    import builtins, os, runpy, signal, sys

    moment, count = sys.argv[1], int(sys.argv[3])
    numbers = [getattr(signal, name) for name in sys.argv[2].split("+")]     # SIGTERM+SIGINT: a burst
    seen = [0]

    def ours():                      # only once crosscheck's handlers are in place
        return signal.getsignal(signal.SIGTERM) not in (signal.SIG_DFL, None)

    def tick():
        if ours():
            seen[0] += 1
            if seen[0] == count:
                for number in numbers:
                    os.kill(os.getpid(), number)

    if moment == "import":
        real_import = builtins.__import__
        def patched_import(*args, **kwargs):
            tick()
            return real_import(*args, **kwargs)
        builtins.__import__ = patched_import
    elif moment == "write":
        real_open = builtins.open
        def patched_open(file, mode="r", *args, **kwargs):
            if isinstance(file, str) and ".crosscheck-" in file and any(c in mode for c in "wax"):
                tick()
            return real_open(file, mode, *args, **kwargs)
        builtins.open = patched_open
    elif moment in ("mkdtemp", "fork"):          # right after the call returns, before its result is kept
        import tempfile
        owner, name = (tempfile, "mkdtemp") if moment == "mkdtemp" else (os, "fork")
        real = getattr(owner, name)
        def patched(*args, **kwargs):
            result = real(*args, **kwargs)
            if result != 0:                      # fork: in the parent only
                tick()
            return result
        setattr(owner, name, patched)
    elif moment == "replace":
        real_replace = os.replace
        def patched_replace(*args, **kwargs):
            tick()
            return real_replace(*args, **kwargs)
        os.replace = patched_replace
    sys.argv = ["crosscheck", *sys.argv[4:]]
    runpy.run_module("crosscheck", run_name="__main__", alter_sys=True)
""")


def run_wrapped(moment: str, name: str, count: int, argv: list[str], timeout: float = 300):
    return subprocess.run([sys.executable, "-c", WRAPPER, moment, name, str(count), *argv],
                          capture_output=True, text=True, timeout=timeout)


def state(directory) -> dict[str, int]:
    """Every file below ``directory``: its inode (a file moved in is a new inode)."""
    out = {}
    for folder, _, names in os.walk(directory):
        for name in names:
            path = os.path.join(folder, name)
            out[os.path.relpath(path, directory)] = os.lstat(path).st_ino
    return out


def debris(directory) -> list[str]:
    return [os.path.join(folder, name) for folder, dirs, names in os.walk(directory)
            for name in dirs + names if name.startswith(".crosscheck-")]


def assert_whole(before: dict[str, int], after: dict[str, int]):
    """The old set (every inode unchanged) or a whole new set (same names, every inode new)."""
    assert sorted(after) == sorted(before), f"files lost or added: {set(before) ^ set(after)}"
    unchanged = [n for n in before if before[n] == after[n]]
    assert len(unchanged) in (0, len(before)), f"a mix of old and new files; unchanged: {unchanged}"


def assert_one_signal_line(proc, number):
    """One line for the signal that ended the run.  For a burst (``"SIGTERM+SIGINT"``) any one of
    them: signals pending together are handled in the order of their numbers, not of arrival."""
    numbers = [getattr(signal, n) for n in number.split("+")] if isinstance(number, str) else [number]
    assert "Traceback" not in proc.stderr, proc.stderr
    if proc.returncode in (0, 1):          # the moment was never reached: a full run
        return "finished"
    assert proc.returncode - 128 in numbers, (proc.returncode, proc.stderr)
    number = proc.returncode - 128
    expected = "crosscheck: interrupted" if number == signal.SIGINT else \
        f"crosscheck: stopped by {signal.Signals(number).name}"
    last = proc.stderr.strip().splitlines()[-1]
    assert last == expected, proc.stderr
    assert proc.stderr.count("crosscheck:") == 1, proc.stderr
    return "interrupted"


COMMANDS = {
    "plots": lambda out: ["plots", "--out", str(out), "--T", "20"],
    "latex": lambda out: ["latex", "--out", str(out), "--T", "20", "--plots"],
    "verify": lambda out: ["--only", "score", "--points", "10", "--json", str(out / "report.json")],
    "claims": lambda out: ["claims", "--json", str(out / "claims.json")],
    "train": lambda out: ["train", "--out", str(out), "--steps", "20", "--batch-size", "16", "--T", "10"],
}


class _Outputs(dict):
    """A good output of each command, made the first time a test asks for it."""

    def __init__(self, factory):
        super().__init__()
        self.factory = factory

    def __missing__(self, name):
        out = self.factory.mktemp(f"good-{name}")
        proc = subprocess.run([sys.executable, "-m", "crosscheck", *COMMANDS[name](out)], capture_output=True,
                              text=True)
        assert proc.returncode in (0, 1) and "Traceback" not in proc.stderr, proc.stderr
        self[name] = out
        return out


@pytest.fixture(scope="module")
def previous_outputs(tmp_path_factory):
    return _Outputs(tmp_path_factory)


def _copy(source, target):
    import shutil
    shutil.copytree(source, target)
    return target


MOMENTS = [("import", 30), ("import", 2500), ("write", 1), ("write", 3), ("replace", 2)]
SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"]
#: Each command at each moment, the signals taking turns (latex, whose work takes ~30 s here, at
#: three moments: early in the imports, mid-write, mid-move).
SLOW_CASES = [(command, moment, count, SIGNALS[i % len(SIGNALS)])
              for i, (command, (moment, count)) in enumerate(
                  (c, m) for c in COMMANDS for m in MOMENTS
                  if c != "latex" or m in (("import", 30), ("write", 3), ("replace", 2)))]


def _signal_case(command, moment, count, name, previous_outputs, tmp_path):
    out = _copy(previous_outputs[command], tmp_path / "out")
    before = state(out)
    proc = run_wrapped(moment, name, count, COMMANDS[command](out))
    outcome = assert_one_signal_line(proc, getattr(signal, name))
    assert debris(tmp_path) == []
    after = state(out)
    assert_whole(before, after)
    if outcome == "interrupted" and moment == "write":
        assert after == before, "interrupted while writing the staging files, yet files changed"
    for path in (out / "report.json", out / "claims.json"):
        if path.exists():
            json.loads(path.read_text())          # whole, old or new
    return outcome


@pytest.mark.parametrize("command,moment,count", [("verify", "import", 400), ("verify", "write", 1),
                                                   ("verify", "replace", 1), ("plots", "replace", 3)])
def test_sigterm_at_each_moment_leaves_a_whole_output_and_one_line(command, moment, count, previous_outputs,
                                                                   tmp_path):
    outcome = _signal_case(command, moment, count, "SIGTERM", previous_outputs, tmp_path)
    assert outcome == "interrupted"


@pytest.mark.slow
@pytest.mark.parametrize("command,moment,count,name", SLOW_CASES)
def test_every_moment_of_every_command(command, moment, count, name, previous_outputs, tmp_path):
    _signal_case(command, moment, count, name, previous_outputs, tmp_path)


def test_a_signal_during_import_torch_is_130_and_one_line(tmp_path):
    proc = run_wrapped("import", "SIGINT", 200, ["--only", "score", "--points", "10"])
    assert assert_one_signal_line(proc, signal.SIGINT) == "interrupted"
    assert proc.stdout == ""


def test_a_signal_in_a_library_cleanup_is_still_one_line(tmp_path):
    """matplotlib's PDF writer raises its own error while the signal unwinds it: still one line."""
    script = textwrap.dedent("""
        import os, runpy, signal, sys
        import crosscheck.commands.plots as plots
        real = plots.draw_figures
        def draw(schedule, directory):
            try:
                os.kill(os.getpid(), signal.SIGTERM)
            finally:
                raise ValueError("a library's cleanup failed")
        plots.draw_figures = draw
        sys.argv = ["crosscheck", "plots", "--out", sys.argv[1], "--T", "10"]
        runpy.run_module("crosscheck", run_name="__main__", alter_sys=True)
    """)
    proc = subprocess.run([sys.executable, "-c", script, str(tmp_path / "figs")], capture_output=True, text=True)
    assert proc.returncode == 143 and proc.stderr == "crosscheck: stopped by SIGTERM\n", proc.stderr
    assert os.listdir(tmp_path) == []


def test_a_swallowed_signal_still_ends_the_run_with_its_status(tmp_path):
    script = textwrap.dedent("""
        import os, runpy, signal, sys
        import crosscheck.commands.cli as cli
        real = cli.run
        def run(args):
            try:
                os.kill(os.getpid(), signal.SIGHUP)
            except BaseException:
                pass                       # a library that catches everything
            return real(args)
        cli.run = run
        sys.argv = ["crosscheck", "--only", "score", "--points", "10"]
        runpy.run_module("crosscheck", run_name="__main__", alter_sys=True)
    """)
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert proc.returncode == 129 and proc.stderr == "crosscheck: stopped by SIGHUP\n", proc.stderr


def test_sigterm_to_check_kills_its_forked_child(tmp_path):
    """The child that decides a formula is killed when the parent is stopped mid-decision."""
    pid_file = tmp_path / "child.pid"
    script = textwrap.dedent("""
        import os, runpy, sys, time
        from crosscheck.engine import limits
        real_child, pid_file = limits._child, sys.argv[1]
        def child(work, *args):
            def slow(emit):
                with open(pid_file, "w") as handle:
                    handle.write(str(os.getpid()))
                time.sleep(60)
                work(emit)
            real_child(slow, *args)
        limits._child = child
        sys.argv = ["crosscheck", "check", "posterior_variance", "beta_t"]
        runpy.run_module("crosscheck", run_name="__main__", alter_sys=True)
    """)
    proc = subprocess.Popen([sys.executable, "-c", script, str(pid_file)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not (pid_file.exists() and pid_file.read_text()) and time.monotonic() < deadline:
        time.sleep(0.05)
    child = int(pid_file.read_text())
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 143 and err == "crosscheck: stopped by SIGTERM\n", err
    with pytest.raises(ProcessLookupError):
        os.kill(child, 0)


# -- injected failures at each move ---------------------------------------------------------------

FIGURE_COUNT = len(plots.FIGURE_FILES)


@pytest.fixture(scope="module")
def old_figures(tmp_path_factory):
    out = tmp_path_factory.mktemp("old-figures")
    plots.write_plots(NoiseSchedule.linear(10), str(out))
    return out


@pytest.mark.parametrize("failure", [KeyboardInterrupt, lambda: OSError(28, "No space left on device")])
@pytest.mark.parametrize("at", range(1, FIGURE_COUNT + 1))
def test_a_failure_at_each_move_leaves_the_previous_figures(at, failure, old_figures, tmp_path, monkeypatch):
    """A new set of figures (copies of drawn ones: the move is what is tested) over the old set,
    with a failure injected at each move in turn."""
    out = _copy(old_figures, tmp_path / "figs")
    before = {name: (out / name).read_bytes() for name in os.listdir(out)}
    real_replace, calls = os.replace, []

    def fail_at(source, destination):
        calls.append(destination)
        if len(calls) == at:
            raise failure()
        real_replace(source, destination)

    def write(staging):
        for name in plots.FIGURE_FILES:
            with open(os.path.join(staging, name), "wb") as handle:
                handle.write(b"new " + name.encode())
    monkeypatch.setattr(os, "replace", fail_at)
    with pytest.raises((KeyboardInterrupt, OSError)):
        common.write_files(str(out), write)
    monkeypatch.undo()
    assert len(calls) >= at
    assert {name: (out / name).read_bytes() for name in os.listdir(out)} == before
    assert debris(tmp_path) == []


def _export(tag: str) -> latex.Export:
    fragments = {name: f"% {tag} {name}\n" for name in ("elbo_separation", "posterior")}
    return latex.Export(fragments=fragments, document=f"% {tag} document\n", formulas=[], ok=True)


@pytest.mark.parametrize("at", [1, 6, 12, 13])
def test_latex_with_plots_is_one_set_under_a_failure_at_any_move(at, old_figures, tmp_path, monkeypatch):
    """Document, fragments and figures (13 files) go in as one set: a failure at any move,
    figure or fragment, leaves every old file."""
    def draw(directory):           # the drawn figures, copied: the move is what is tested
        for name in plots.FIGURE_FILES:
            with open(os.path.join(directory, name), "wb") as handle:
                handle.write((old_figures / name).read_bytes() + b"new")
    out = tmp_path / "tex"
    latex.write_export(_export("old"), str(out), draw=draw)
    before = {path: (out / path).read_bytes() for path in state(out)}
    assert len(before) == 13
    real_replace, calls = os.replace, []

    def fail_at(source, destination):
        calls.append(destination)
        if len(calls) == at:
            raise KeyboardInterrupt
        real_replace(source, destination)
    monkeypatch.setattr(os, "replace", fail_at)
    with pytest.raises(KeyboardInterrupt):
        latex.write_export(_export("new"), str(out), draw=draw)
    monkeypatch.undo()
    assert {path: (out / path).read_bytes() for path in state(out)} == before and debris(tmp_path) == []


@pytest.mark.slow
def test_latex_plots_moves_figures_and_document_in_one_step(tmp_path, monkeypatch, capsys):
    """One write_files call carries the figures and the document together."""
    calls = []
    real = latex.write_files

    def spy(directory, write):
        calls.append(directory)
        return real(directory, write)
    monkeypatch.setattr(latex, "write_files", spy)
    assert cli.main(["latex", "--out", str(tmp_path / "tex"), "--T", "10", "--plots"]) == 0
    assert calls == [str(tmp_path / "tex")]
    assert (tmp_path / "tex" / "figures" / "variances.pdf").exists()


# -- special files -------------------------------------------------------------------------------

def _verify(json_target, capsys=None):
    return cli.main(["--only", "score", "--points", "10", "--json", str(json_target)])


def test_json_to_a_named_pipe_is_written_in_place(tmp_path, capsys):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received = []
    reader = threading.Thread(target=lambda: received.append(open(fifo).read()))
    reader.start()
    assert _verify(fifo) == 0
    reader.join(timeout=30)
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert json.loads(received[0])["ok"] is True
    assert os.listdir(tmp_path) == ["pipe"]


@pytest.mark.skipif(not ROOT, reason="making a device node needs root")
@pytest.mark.parametrize("command", [["--only", "score", "--points", "10"],
                                     pytest.param(["claims"], marks=pytest.mark.slow)])
def test_json_to_a_character_device_is_written_in_place_not_replaced(command, tmp_path, capsys):
    null = tmp_path / "null"
    os.mknod(null, 0o666 | stat.S_IFCHR, os.makedev(1, 3))       # the null device, under tmp_path
    made = os.lstat(null)
    for argv in ([*command, "--json", str(null)],):
        assert cli.main(argv) == 0
        now = os.lstat(null)
        assert stat.S_ISCHR(now.st_mode) and (now.st_mode, now.st_ino, now.st_rdev) == (made.st_mode, made.st_ino,
                                                                                          made.st_rdev)
    assert os.listdir(tmp_path) == ["null"]


@pytest.mark.skipif(not ROOT, reason="making a device node needs root")
def test_json_to_a_block_device_is_refused(tmp_path, capsys):
    block = tmp_path / "disk"
    os.mknod(block, 0o600 | stat.S_IFBLK, os.makedev(250, 250))      # a number no driver has
    assert _verify(block) == 2
    assert "is a block device" in capsys.readouterr().err
    assert stat.S_ISBLK(os.lstat(block).st_mode)


def test_json_to_a_socket_is_refused(tmp_path, capsys):
    path = tmp_path / "sock"
    server = socket.socket(socket.AF_UNIX)
    try:
        server.bind(str(path))
        assert _verify(path) == 2
        err = capsys.readouterr().err
        assert "is a socket" in err and err.count("\n") == 1
        assert stat.S_ISSOCK(os.lstat(path).st_mode)
    finally:
        server.close()


def test_json_dash_is_standard_output_and_the_report_lines_go_to_stderr(capsys):
    assert cli.main(["--only", "score", "--points", "10", "--json", "-"]) == 0
    out, err = capsys.readouterr()
    assert json.loads(out)["ok"] is True
    assert "1 of 1 identities hold" in err


def test_json_through_a_symlink_replaces_its_target_and_keeps_the_link(tmp_path, capsys):
    target = tmp_path / "reports" / "r.json"
    target.parent.mkdir()
    target.write_text("old\n")
    os.chmod(target, 0o640)
    link = tmp_path / "latest.json"
    link.symlink_to(target)
    assert _verify(link) == 0
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert json.loads(target.read_text())["ok"] is True
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o640            # the replaced file's mode is kept
    dangling = tmp_path / "new.json"
    dangling.symlink_to(tmp_path / "reports" / "fresh.json")
    assert _verify(dangling) == 0
    assert dangling.is_symlink() and json.loads((tmp_path / "reports" / "fresh.json").read_text())["ok"]
    assert debris(tmp_path) == []


@pytest.mark.parametrize("make", ["symlink", "fifo", "directory"])
def test_a_directory_output_never_renames_over_anything_but_a_regular_file(make, tmp_path, capsys):
    out = tmp_path / "run"
    out.mkdir()
    occupied = out / "train.png"
    elsewhere = tmp_path / "precious.png"
    elsewhere.write_text("keep")
    {"symlink": lambda: occupied.symlink_to(elsewhere), "fifo": lambda: os.mkfifo(occupied),
     "directory": occupied.mkdir}[make]()
    assert cli.main(["train", "--out", str(out), "--steps", "1"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "train.png" in err and "move it away" in err
    assert elsewhere.read_text() == "keep" and os.path.lexists(occupied)
    assert sorted(os.listdir(out)) == ["train.png"]


def test_the_move_refuses_a_non_regular_target_the_up_front_check_did_not_see(tmp_path):
    """Defence in depth: a symlink appearing after the check is still not renamed over."""
    (tmp_path / "precious").write_text("keep")
    (tmp_path / "a.txt").symlink_to(tmp_path / "precious")

    def write(staging):
        for name in ("a.txt", "b.txt"):
            with open(os.path.join(staging, name), "w") as handle:
                handle.write("new")
    with pytest.raises(common.UsageError, match="a symbolic link"):
        common.write_files(str(tmp_path), write)
    assert (tmp_path / "a.txt").is_symlink() and (tmp_path / "precious").read_text() == "keep"
    assert sorted(os.listdir(tmp_path)) == ["a.txt", "precious"]


# -- bad output names: refused before any work, nothing created ------------------------------------

LONG = "n" * 300


@pytest.mark.parametrize("argv,message", [
    (["train", "--out", "", "--steps", "1"], "--out needs a directory name"),
    (["plots", "--out", "   "], "--out needs a directory name"),
    (["plots", "--out", f"deep/{LONG}/x"], "File name too long"),
    (["train", "--out", LONG, "--steps", "1"], "File name too long"),
    (["latex", "--out", "@loop/x"], "Too many levels of symbolic links"),
    (["plots", "--out", "@file/x"], "Not a directory"),
    (["--json", ""], "--json needs a file name"),
    (["claims", "--json", ""], "--json needs a file name"),
    (["--json", f"{LONG}.json"], "File name too long"),
    (["--json", "@loop"], "Too many levels of symbolic links"),
])
def test_unusable_output_names_are_refused_before_any_work(argv, message, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    os.symlink("loop2", "loop1")
    os.symlink("loop1", "loop2")
    (tmp_path / "file").write_text("x")
    argv = [a.replace("@loop", "loop1").replace("@file", "file") for a in argv]
    before = sorted(os.listdir(tmp_path))
    started = time.perf_counter()
    assert cli.main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err, err
    assert sorted(os.listdir(tmp_path)) == before
    assert time.perf_counter() - started < 30          # refused up front, not after a training run


# -- settings the command line accepts: a verdict or one line, never a traceback -------------------

@pytest.mark.parametrize("argv,codes", [
    (["plots", "--out", "@out", "--beta-start", "5e-324", "--beta-end", "5e-324"], {2}),
    (["plots", "--out", "@out", "--T", "10", "--beta-start", "1e-300", "--beta-end", "1e-300"], {2}),
    (["plots", "--out", "@out", "--T", "10", "--beta-start", "1.2e-16", "--beta-end", "1.2e-16"], {0}),
    (["latex", "--out", "@out", "--T", "10", "--plots", "--beta-start", "1e-17"], {2}),
    (["train", "--out", "@out", "--steps", "1", "--T", "2000", "--beta-start", "0.01", "--beta-end", "0.5"], {2}),
    (["check", "posterior_variance", "beta_t\n+ 0"], {1}),
    (["--only", "score\nposterior"], {2}),
    (["latex", "--out", "@out", "--step", "bad\nname"], {2}),
    (["plots", "--out", "@out\nx", "--T", "5"], {0}),
])
def test_accepted_extreme_settings_end_in_a_verdict_or_one_line(argv, codes, tmp_path, capsys):
    argv = [a.replace("@out", str(tmp_path / "out")) for a in argv]
    code = cli.main(argv)
    err = capsys.readouterr().err
    assert code in codes, err
    if code == 2:
        assert err.count("\n") == 1 and err.startswith("crosscheck: error: "), err


@pytest.mark.slow
@pytest.mark.parametrize("argv", [
    ["--T", "75000", "--only", "prior_kl"],
    ["--dtype", "float32", "--T", "20000", "--only", "prior_kl"],
    ["latex", "--out", "@out", "--T", "100000", "--beta-start", "0.9", "--beta-end", "0.99"],
])
def test_the_settings_that_crashed_run_to_a_verdict(argv, tmp_path):
    argv = [a.replace("@out", str(tmp_path / "out")) for a in argv]
    proc = subprocess.run([sys.executable, "-m", "crosscheck", *argv], capture_output=True, text=True, timeout=600)
    assert proc.returncode in (0, 1) and "Traceback" not in proc.stderr, proc.stderr[-2000:]


# -- standard output that cannot be written ----------------------------------------------------------

@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
@pytest.mark.parametrize("argv", [["list"], ["--only", "score", "--points", "10"], ["check", "posterior_variance", "beta_t"]])
def test_a_full_standard_output_is_one_line_and_exit_2(argv):
    with open("/dev/full", "w") as full:
        proc = subprocess.run([sys.executable, "-m", "crosscheck", *argv], stdout=full, stderr=subprocess.PIPE,
                              text=True)
    assert proc.returncode == 2
    assert proc.stderr == "crosscheck: error: cannot write to standard output: No space left on device\n", proc.stderr


def test_a_closed_pipe_ends_quietly():
    proc = subprocess.run(f"{sys.executable} -m crosscheck list | head -1", shell=True, capture_output=True,
                          text=True)
    assert proc.stdout.count("\n") == 1 and proc.stderr == ""


@pytest.mark.skipif(not os.path.exists("/dev/stdout"), reason="needs /dev/stdout")
def test_json_to_dev_stdout_redirected_to_a_file_appends_to_it(tmp_path):
    """``--json /dev/stdout > out.txt`` resolves to out.txt itself: written as standard output,
    after the report lines, not renamed over the file the lines went to."""
    out = tmp_path / "out.txt"
    with open(out, "w") as handle:
        proc = subprocess.run([sys.executable, "-m", "crosscheck", "--only", "score", "--points", "10", "--json",
                               "/dev/stdout"], stdout=handle, stderr=subprocess.PIPE, text=True)
    assert proc.returncode == 0, proc.stderr
    text = out.read_text()
    lines, report = text.split("\n{", 1)
    assert "1 of 1 identities hold" in lines and json.loads("{" + report)["ok"] is True
    assert os.listdir(tmp_path) == ["out.txt"]


@pytest.mark.parametrize("argv,message", [
    (["check", "nope", "x_t"], "crosscheck: error: TARGET names an unknown target 'nope'"),
    (["check", "posterior_mean", "x_t +"], "crosscheck: error: FORMULA cannot be read"),
])
def test_check_names_the_command_lines_arguments_not_the_apis(argv, message, capsys):
    assert cli.main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith(message) and err.count("\n") == 1 and "`" not in err.split(";")[0], err


@pytest.mark.parametrize("burst", ["SIGTERM+SIGINT", "SIGINT+SIGINT+SIGHUP"])
@pytest.mark.parametrize("moment,count", [("import", 300), ("write", 1), ("replace", 1)])
def test_a_burst_of_signals_is_still_one_line_and_one_of_their_statuses(burst, moment, count, previous_outputs,
                                                                         tmp_path):
    out = _copy(previous_outputs["verify"], tmp_path / "out")
    before = state(out)
    proc = run_wrapped(moment, burst, count, COMMANDS["verify"](out))
    assert assert_one_signal_line(proc, burst) == "interrupted"
    assert_whole(before, state(out))
    assert debris(tmp_path) == []


def test_a_signal_right_after_the_staging_directory_is_made_leaves_no_debris(previous_outputs, tmp_path):
    out = _copy(previous_outputs["verify"], tmp_path / "out")
    before = state(out)
    proc = run_wrapped("mkdtemp", "SIGTERM", 1, COMMANDS["verify"](out))
    assert assert_one_signal_line(proc, "SIGTERM") == "interrupted"
    assert debris(tmp_path) == [] and state(out) == before


def test_a_signal_right_after_the_fork_kills_the_check_child(tmp_path):
    """The narrowest window: the parent is signalled as os.fork returns, before it keeps the pid."""
    marker = tmp_path / "child-ran"
    script = WRAPPER.replace("runpy.run_module", f"""
from crosscheck.engine import limits
real_child = limits._child
def child(work, *args):
    def mark(emit):
        import time
        open({str(marker)!r}, "w").write(str(os.getpid()))
        time.sleep(30)
    real_child(mark, *args)
limits._child = child
runpy.run_module""")
    proc = subprocess.run([sys.executable, "-c", script, "fork", "SIGTERM", "1", "check", "posterior_variance",
                           "beta_t"], capture_output=True, text=True, timeout=120)
    assert assert_one_signal_line(proc, "SIGTERM") == "interrupted"
    time.sleep(0.5)
    if marker.exists():                      # the child got as far as its work: it must be gone
        with pytest.raises(ProcessLookupError):
            os.kill(int(marker.read_text()), 0)


def test_closed_standard_output_is_one_line_and_exit_2():
    proc = subprocess.run(f"{sys.executable} -m crosscheck list >&-", shell=True, capture_output=True, text=True)
    assert proc.returncode == 2 and proc.stderr == ("crosscheck: error: standard output is closed; run with it "
                                                    "open, or redirect it to a file or /dev/null\n"), proc.stderr


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
@pytest.mark.parametrize("argv", [["--help"], ["plots", "--help"], ["check", "--help"]])
def test_help_to_a_full_standard_output_is_one_line_and_exit_2(argv):
    with open("/dev/full", "w") as full:
        proc = subprocess.run([sys.executable, "-m", "crosscheck", *argv], stdout=full, stderr=subprocess.PIPE,
                              text=True)
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1 and "No space left" in proc.stderr, proc.stderr


def test_an_output_path_too_long_once_staged_is_refused_up_front(tmp_path, capsys):
    deep = tmp_path
    while len(os.fsencode(str(deep))) < 4096 - 60:
        deep = deep / ("d" * 200)
    deep = tmp_path / os.path.relpath(deep, tmp_path)[:4096 - 40 - len(str(tmp_path))]
    assert cli.main(["--only", "score", "--points", "10", "--json", str(deep / "r.json")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "too long" in err and "1 of 1" not in err, err
