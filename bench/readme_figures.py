"""Measure every figure README.md quotes, in one run, and write them into it.

    python bench/readme_figures.py                          # the default figures (about 7 min, 2 cores)
    python bench/readme_figures.py --write README.md        # ... and put them into the README
    python bench/readme_figures.py --group mutation tests   # the long ones: every mutant, the test suites
    python bench/readme_figures.py --only check_cold        # one measurement (see --list)
    python bench/readme_figures.py --check README.md        # markers against figures; measures nothing

Prints one line per figure, ``name: value  (command)``.  In the README a figure stands between
``<!-- fig:NAME -->`` and ``<!-- /fig -->``; ``--write`` replaces what is between them (the
markers stay, so the script can be run again at any time).  Every marker must name a figure of
this script and every figure must have a marker: ``--check`` and ``--write`` exit 1 otherwise,
before measuring anything.  ``--write`` writes nothing when a measurement fails, and reads the
file again at the end, so it may be edited while the figures are measured.  ``--only`` leaves
the stamps (below) as they are.

Figures come in groups.  ``default`` runs the bench/ scripts that take seconds to a few minutes
(the mutation figure is a spread sample); ``mutation`` runs every mutant (about 10 min or more);
``tests`` times the default and the ``slow`` pytest suites.  Figures of a group that was not run
keep their text; each group has a stamp figure ``measured_<group>`` with the date, the machine
and the command of its last run, which the README prints beside the figures.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from typing import Callable

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GROUPS = ("default", "mutation", "tests")
MARKER = re.compile(r"<!-- fig:([a-z0-9_]+) -->(.*?)<!-- /fig -->", re.S)
MUTATION_SAMPLE = 100                       # mutants in the default group's spread sample
TIMEOUT = 1800                              # seconds per command before the measurement fails


class MeasurementError(RuntimeError):
    """A command failed or printed something the parser does not recognise."""


@dataclass(frozen=True)
class Measurement:
    """One command (or a few) whose output gives the figures ``names``.

    ``shown`` is the command as the README and the printout name it; ``measure`` runs it and
    returns ``{name: value}`` for exactly ``names``.
    """

    key: str
    group: str
    shown: str
    names: tuple[str, ...]
    measure: Callable[[], dict[str, str]]


# ---- running commands and reading their output ----------------------------------------------

def run(argv: list[str], expect: tuple[int, ...] = (0,), cwd: str = ROOT) -> str:
    """Run ``argv`` (``python`` is this interpreter) and return its stdout; fail on another exit code."""
    argv = [sys.executable if argv[0] == "python" else argv[0], *argv[1:]]
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=TIMEOUT)
    if proc.returncode not in expect:
        tail = (proc.stdout + proc.stderr)[-1500:]
        raise MeasurementError(f"`{' '.join(argv[1:])}` exited {proc.returncode} (expected {expect}):\n{tail}")
    return proc.stdout


def grab(pattern: str, text: str, group: int | str = 1) -> str:
    """The ``group`` of the first match of ``pattern`` in ``text``; a clear error when it is missing."""
    match = re.search(pattern, text, re.M)
    if match is None:
        raise MeasurementError(f"output has no match for {pattern!r}; the script's output changed?\n{text[-1500:]}")
    return match.group(group)


def median_of(times: str) -> str:
    """``"9.8, 10.1, 9.5"`` -> ``"9.8 s (median of 3, 9.5-10.1)"``."""
    values = [float(v) for v in times.split(",")]
    return f"{statistics.median(values):.1f} s (median of {len(values)}, {min(values):.1f}-{max(values):.1f})"


def transcript(*sessions: tuple[str, list[str]]) -> str:
    """A fenced block of ``$ command`` lines, each followed by (trimmed) output."""
    body = "\n\n".join("$ " + command + "\n" + "\n".join(lines) for command, lines in sessions)
    return "\n```\n" + body + "\n```\n"


def trim(text: str, keep: Callable[[int, str], bool]) -> list[str]:
    """The lines for which ``keep(index, line)`` holds; each gap becomes one ``...`` line."""
    lines, out = text.rstrip("\n").splitlines(), []
    for i, line in enumerate(lines):
        if keep(i, line):
            out.append(line)
        elif not out or out[-1] != "...":
            out.append("...")
    return out


def in_temp_dir(argv: list[str], expect: tuple[int, ...] = (0,)) -> str:
    """Run ``argv`` in a fresh temporary directory, so relative ``--out`` paths print as written."""
    with tempfile.TemporaryDirectory() as cwd:
        return run(argv, expect, cwd=cwd)


# ---- the measurements -----------------------------------------------------------------------

VERIFY_SHOWN = ("gaussian_log_density", "posterior", "forward_jump", "score", "elbo_bayes")


def verify() -> dict[str, str]:
    with tempfile.TemporaryDirectory() as tmp:
        report = os.path.join(tmp, "report.json")
        out = run(["python", "-m", "crosscheck", "--json", report])
        with open(report, encoding="utf-8") as handle:
            results = json.load(handle)["results"]
    listing = run(["python", "-m", "crosscheck", "list"])
    statements = dict(re.findall(r"^(\w+) +(\S.*)$", listing, re.M))
    rows = ["| name | statement | status (float64, CPU) |", "|---|---|---|"]
    for result in results:
        numeric = result.get("numeric") or {}
        error = f", numeric error {numeric['max_scaled_err']:.1e}" if numeric.get("max_scaled_err") is not None else ""
        proof = "no proof (a construction)" if result["symbolic"] == "n.a." else result["symbolic"]
        status = ("holds" if result["ok"] else "**fails**") + f": {proof}{error}"
        statement = statements.get(result["name"], "").replace("|", "\\|")
        rows.append(f"| `{result['name']}` | {statement} | {status} |")
    lines = trim(out, lambda i, line: i == 0 or line.split()[1:2] and line.split()[1] in VERIFY_SHOWN
                 or line.startswith(tuple("0123456789")))
    return {"verify_output": transcript(("python -m crosscheck", lines)),
            "identities": grab(r"^(\d+ of \d+) identities hold", out),
            "verify_in_process_s": grab(r"identities hold \(([\d.]+ s)\)", out),
            "catalog_table": "\n" + "\n".join(rows) + "\n"}


def verify_only() -> dict[str, str]:
    command = "python -m crosscheck --only posterior eps_mean"
    return {"only_output": transcript((command, trim(run(command.split()), lambda i, line: True)))}


def cli_cold() -> dict[str, str]:
    out = run(["python", "bench/cli_cold.py", "--runs", "3"])
    return {"verify_cold_s": median_of(grab(r"\(cold, cpu\): ([\d., ]+) s;", out))}


CHECKS = (
    ("posterior_variance", "'(1-alpha_bar_prev)/(1-alpha_bar_t)*beta_t'", 0),
    ("posterior_variance", "'(1-alpha_bar_t)/(1-alpha_bar_prev)*beta_t'", 1),
    ("posterior_variance", r"'\tilde\beta_t = \frac{1-\bar\alpha_{t-1}}{1-\bar\alpha_t}\beta_t'", 0),
)


def derive_example() -> dict[str, str]:
    command = "python -m crosscheck derive bench/derive_example.tex --end eps_mean"
    out = run(command.split(), expect=(1,))
    with open(os.path.join(ROOT, "bench", "derive_example.tex"), encoding="utf-8") as handle:
        source = handle.read()
    return {"derive_output": transcript(("cat bench/derive_example.tex", source.rstrip("\n").splitlines()),
                                        (command, out.rstrip("\n").splitlines()))}


def check_examples() -> dict[str, str]:
    sessions = []
    for target, quoted, expected in CHECKS:
        out = run(["python", "-m", "crosscheck", "check", target, quoted.strip("'")], expect=(expected,))
        sessions.append((f"python -m crosscheck check {target} {quoted}", out.rstrip("\n").splitlines()))
    return {"check_output": transcript(*sessions)}


def derive_cold() -> dict[str, str]:
    out = run(["python", "bench/derive_cold.py", "--runs", "5"])
    return {"derive_cold_holds_s": median_of(grab(r"^derive \(ten rows, holds\), cold: ([\d., ]+) s;", out)),
            "derive_cold_slip_s": median_of(grab(r"^derive \(ten rows, slip in row 7\), cold: ([\d., ]+) s;", out))}


def check_cold() -> dict[str, str]:
    out = run(["python", "bench/check_cold.py", "--runs", "5"])
    return {"check_cold_holds_s": median_of(grab(r"^check \(holds, LaTeX\), cold: ([\d., ]+) s;", out)),
            "check_cold_differs_s": median_of(grab(r"^check \(differs \+ hints, plain\), cold: ([\d., ]+) s;", out))}


def corpus_published() -> dict[str, str]:
    out = run(["python", "bench/corpus_published.py"])
    read, total, rate = (grab(r"^parse rate: (\d+)/(\d+) = ([\d.]+%)", out, g) for g in (1, 2, 3))
    return {"published_read": f"{read} of {total} ({rate})",
            "published_sources": grab(r"published formulas from (\d+) sources", out),
            "published_right": grab(r"^accuracy among read: (\d+/\d+)", out).replace("/", " of "),
            "published_false_holds": grab(r"^false holds: (\d+)", out),
            "published_median_ms": grab(r"time per formula .*?median (\d+ ms)", out)}


def adversarial() -> dict[str, str]:
    out = run(["python", "bench/adversarial.py"], expect=(0, 1))
    return {"adversarial_entries": grab(r"^(\d+) entries in", out),
            "adversarial_total_s": grab(r"^\d+ entries in ([\d.]+ s)", out),
            "adversarial_max_s": grab(r"max time ([\d.]+ s)", out),
            "adversarial_violations": grab(r"^violations: (\d+)", out)}


def schedule_precision() -> dict[str, str]:
    out = run(["python", "bench/schedule_precision.py"])
    worst = re.findall(r"worst: ours (\S+) \(target 3e-7\), naive (\S+)", out)
    if len(worst) != 2:
        raise MeasurementError(f"expected a linear and a cosine 'worst:' line:\n{out[-1500:]}")
    (ours_linear, naive_linear), (ours_cosine, naive_cosine) = worst
    return {"schedule_float32_error": f"{ours_linear} linear, {ours_cosine} cosine",
            "schedule_naive_error": f"{naive_linear} linear, {naive_cosine} cosine"}


def variational_bound() -> dict[str, str]:
    out = run(["python", "bench/variational_bound.py"])
    speedups = re.findall(r"speed-up: ([\d.]+x)", out)
    agreements = re.findall(r"agreement: max \|vectorized - loop\| per term = (\S+) bits/dim", out)
    if len(speedups) != 2 or len(agreements) != 2:
        raise MeasurementError(f"expected two models (the lab's MLP, then the affine one):\n{out[-1500:]}")
    return {"bound_speedup_mlp": speedups[0], "bound_speedup_affine": speedups[1],
            "bound_agreement": max(agreements, key=float)}


def latex_speed() -> dict[str, str]:
    out = run(["python", "bench/latex_export.py", "--runs", "1"])
    return {"latex_pdf_s": grab(r"cold, cpu\): total ([\d.]+ s)", out),
            "latex_pdflatex_s": grab(r"pdflatex x2 on the same document: ([\d.]+ s)", out)}


def latex_example() -> dict[str, str]:
    command = "python -m crosscheck latex --out homework --pdf --T 50"
    return {"latex_output": transcript((command, trim(in_temp_dir(command.split()), lambda i, line: True)))}


def plots_example() -> dict[str, str]:
    command = "python -m crosscheck plots --out figures --T 50"
    out = in_temp_dir(command.split())
    return {"plots_output": transcript((command, trim(out, lambda i, line: i < 3 or ".png" in line)))}


def claims_example() -> dict[str, str]:
    out = run(["python", "-m", "crosscheck", "claims"])
    lines = out.rstrip("\n").splitlines()
    first_false = next(i for i, line in enumerate(lines) if line.startswith("  false"))
    entry_end = next(i for i in range(first_false + 1, len(lines)) if not lines[i].startswith(" " * 10))
    shown = trim(out, lambda i, line: i == len(lines) - 1 or first_false <= i < entry_end)
    return {"claims_output": transcript(("python -m crosscheck claims", shown)),
            "claims_summary": grab(r"^(\d+ claims: .*)$", out)}


def train_example() -> dict[str, str]:
    command = "python -m crosscheck train --out run"
    out = in_temp_dir(command.split())
    return {"train_output": transcript((command, out.rstrip("\n").splitlines())),
            "train_seconds": grab(r"^trained \d+ steps in ([\d.]+ s)", out),
            "train_steps_per_s": grab(r"([\d,]+) steps/s", out)}


def mutation_summary(out: str) -> str:
    """The bench/mutation.py summary as one sentence."""
    total, killed, equivalent, survived = (grab(r"^(\d+) mutants: (\d+) killed .*?, (\d+) equivalent, "
                                                r"(\d+) survived unexplained", out, g) for g in (1, 2, 3, 4))
    rate, seconds = (grab(r"^kill rate \(killed / non-equivalent\): (\S+ = [\d.]+%); (\d+ s)", out, g) for g in (1, 2))
    return (f"{killed} of {total} killed, {equivalent} equivalent, {survived} survived: "
            f"kill rate {rate} of the non-equivalent mutants ({seconds})")


def mutation_sample() -> dict[str, str]:
    out = run(["python", "bench/mutation.py", "--sample", str(MUTATION_SAMPLE)], expect=(0, 1))
    return {"mutants_total": grab(r"^(\d+) mutants generated", out), "mutation_sample": mutation_summary(out)}


def mutation_full() -> dict[str, str]:
    return {"mutation_full": mutation_summary(run(["python", "bench/mutation.py"], expect=(0, 1)))}


def pytest_time(argv: list[str]) -> str:
    out = run(argv)
    summary = grab(r"^=*\s*(\d+ passed.*?) in ([\d.]+)s", out, 0)
    seconds = float(grab(r" in ([\d.]+)s", summary))
    counts = grab(r"(\d+ passed.*?) in ", summary)
    return f"{seconds / 60:.1f} min ({counts})"


def test_suites() -> dict[str, str]:
    return {"pytest_default": pytest_time(["python", "-m", "pytest", "-q"]),
            "pytest_slow": pytest_time(["python", "-m", "pytest", "-q", "-m", "slow"])}


MEASUREMENTS = (
    Measurement("verify", "default", "python -m crosscheck --json FILE; python -m crosscheck list",
                ("verify_output", "identities", "verify_in_process_s", "catalog_table"), verify),
    Measurement("verify_only", "default", "python -m crosscheck --only posterior eps_mean", ("only_output",),
                verify_only),
    Measurement("cli_cold", "default", "python bench/cli_cold.py --runs 3", ("verify_cold_s",), cli_cold),
    Measurement("check_examples", "default", "python -m crosscheck check posterior_variance ... (3 formulas)",
                ("check_output",), check_examples),
    Measurement("check_cold", "default", "python bench/check_cold.py --runs 5",
                ("check_cold_holds_s", "check_cold_differs_s"), check_cold),
    Measurement("derive_example", "default", "python -m crosscheck derive bench/derive_example.tex --end eps_mean",
                ("derive_output",), derive_example),
    Measurement("derive_cold", "default", "python bench/derive_cold.py --runs 5",
                ("derive_cold_holds_s", "derive_cold_slip_s"), derive_cold),
    Measurement("corpus_published", "default", "python bench/corpus_published.py",
                ("published_read", "published_sources", "published_right", "published_false_holds",
                 "published_median_ms"), corpus_published),
    Measurement("adversarial", "default", "python bench/adversarial.py",
                ("adversarial_entries", "adversarial_total_s", "adversarial_max_s", "adversarial_violations"),
                adversarial),
    Measurement("schedule_precision", "default", "python bench/schedule_precision.py",
                ("schedule_float32_error", "schedule_naive_error"), schedule_precision),
    Measurement("variational_bound", "default", "python bench/variational_bound.py",
                ("bound_speedup_mlp", "bound_speedup_affine", "bound_agreement"), variational_bound),
    Measurement("latex_speed", "default", "python bench/latex_export.py --runs 1",
                ("latex_pdf_s", "latex_pdflatex_s"), latex_speed),
    Measurement("latex_example", "default", "python -m crosscheck latex --out homework --pdf --T 50",
                ("latex_output",), latex_example),
    Measurement("plots_example", "default", "python -m crosscheck plots --out figures --T 50",
                ("plots_output",), plots_example),
    Measurement("claims_example", "default", "python -m crosscheck claims",
                ("claims_output", "claims_summary"), claims_example),
    Measurement("train_example", "default", "python -m crosscheck train --out run",
                ("train_output", "train_seconds", "train_steps_per_s"), train_example),
    Measurement("mutation_sample", "default", f"python bench/mutation.py --sample {MUTATION_SAMPLE}",
                ("mutants_total", "mutation_sample"), mutation_sample),
    Measurement("mutation_full", "mutation", "python bench/mutation.py", ("mutation_full",), mutation_full),
    Measurement("test_suites", "tests", "python -m pytest -q; python -m pytest -q -m slow",
                ("pytest_default", "pytest_slow"), test_suites),
)


def stamp_name(group: str) -> str:
    return f"measured_{group}"


def all_names() -> set[str]:
    return {name for m in MEASUREMENTS for name in m.names} | {stamp_name(g) for g in GROUPS}


# ---- the README's markers -------------------------------------------------------------------

def marker_problems(text: str) -> list[str]:
    """What does not match between the README's markers and this script's figures (empty: all do)."""
    found = {name for name, _ in MARKER.findall(text)}
    problems = [f"marker <!-- fig:{name} --> has no measurement in bench/readme_figures.py"
                for name in sorted(found - all_names())]
    problems += [f"figure {name!r} has no marker <!-- fig:{name} -->...<!-- /fig --> in the README"
                 for name in sorted(all_names() - found)]
    problems += [f"placeholder {p} is left in the README" for p in sorted(set(re.findall(r"\{\{FIG:\w+\}\}", text)))]
    return problems


def read_checked(path: str) -> str | None:
    """The file's text, or None (with the problems on stderr) when its markers and the figures differ."""
    with open(path, encoding="utf-8") as handle:
        text = handle.read()
    problems = marker_problems(text)
    if problems:
        print("\n".join(problems), file=sys.stderr)
        return None
    return text


def substitute(text: str, figures: dict[str, str]) -> str:
    """``text`` with the value between each measured figure's markers replaced."""
    def replace(match: re.Match) -> str:
        name = match.group(1)
        return f"<!-- fig:{name} -->{figures.get(name, match.group(2))}<!-- /fig -->"
    return MARKER.sub(replace, text)


def stamp(group: str, load_at_start: float) -> str:
    """When, where and by which command a group was measured, with the machine's load around it."""
    command = "python bench/readme_figures.py" + ("" if group == "default" else f" --group {group}")
    return (f"{datetime.date.today().isoformat()}, {os.cpu_count()} CPU cores ({platform.machine()}), "
            f"load average {load_at_start:.1f} at the start and {os.getloadavg()[0]:.1f} at the end, by `{command}`")


# ---- command line ---------------------------------------------------------------------------

def chosen(args: argparse.Namespace) -> list[Measurement]:
    if args.only:
        return [m for m in MEASUREMENTS if m.key in args.only]
    return [m for m in MEASUREMENTS if m.group in args.group]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--group", nargs="+", choices=GROUPS, default=["default"],
                        help="which groups of figures to measure (default: default)")
    parser.add_argument("--only", nargs="+", choices=[m.key for m in MEASUREMENTS], metavar="KEY",
                        help="measure only these (see --list); overrides --group")
    parser.add_argument("--write", metavar="README", help="substitute the measured figures into this file")
    parser.add_argument("--check", metavar="README", help="only compare the file's markers with the figures")
    parser.add_argument("--list", action="store_true", help="list the measurements, their groups and figures")
    args = parser.parse_args(argv)

    if args.list:
        for m in MEASUREMENTS:
            print(f"{m.key:<20} {m.group:<9} {', '.join(m.names)}  ({m.shown})")
        return 0
    target = args.check or args.write
    if target:
        if read_checked(target) is None:
            return 1
        if args.check:
            print(f"{target}: every marker has a measurement and every figure a marker ({len(all_names())})")
            return 0

    figures: dict[str, str] = {}
    failures: list[str] = []
    groups = sorted({m.group for m in chosen(args)})
    load_at_start = os.getloadavg()[0]
    for m in chosen(args):
        try:
            values = m.measure()
        except (MeasurementError, subprocess.TimeoutExpired) as err:
            failures.append(f"{m.key} ({m.shown}): {err}")
            print(f"FAILED {m.key}: {err}", file=sys.stderr, flush=True)
            continue
        if set(values) != set(m.names):
            raise RuntimeError(f"{m.key} returned {sorted(values)}, declared {sorted(m.names)}")
        figures.update(values)
        for name in m.names:
            value = values[name]
            if "\n" in value:       # a transcript or a table: its first line that says something
                lines = [line for line in value.splitlines() if line.strip() and not line.startswith("```")]
                value = f"{lines[0]} ... ({len(lines)} lines)"
            print(f"{name}: {value}  ({m.shown})", flush=True)
    if failures:
        print(f"{len(failures)} measurement(s) failed; nothing written", file=sys.stderr)
        return 1
    if not args.only:
        for group in groups:
            figures[stamp_name(group)] = stamp(group, load_at_start)
            print(f"{stamp_name(group)}: {figures[stamp_name(group)]}")
    if args.write:
        text = read_checked(args.write)         # read again: it may have been edited meanwhile
        if text is None:
            return 1
        partial = f"{args.write}.tmp"
        with open(partial, "w", encoding="utf-8") as handle:
            handle.write(substitute(text, figures))
        os.replace(partial, args.write)
        print(f"wrote {len(figures)} figures into {args.write}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
