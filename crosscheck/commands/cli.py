"""Command line: ``python -m crosscheck`` verifies the catalog; ``list`` shows it; the other
commands are dispatched by name (:data:`COMMANDS`), ``train`` to its own module.

Exit codes: 0 everything holds; 1 something does not hold or is undecided; 2 bad usage or
input (one line on stderr, no traceback).
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import os
import signal
import sys
import time

from .common import (RECEIVED, STDOUT, Interrupted, Parser, UsageError, deferred, report_interrupt, add_device_option, add_dtype_option, add_schedule_options,
                    add_seed_option, check_output_file, int_in, json_text, resolve_device, schedule_from_args,
                    write_json)


def _parser() -> Parser:
    p = Parser(prog="python -m crosscheck", formatter_class=argparse.RawDescriptionHelpFormatter,
               description="Verify the DDPM ELBO identities: exact SymPy proofs cross-checked against the\n"
                           "torch implementations.",
               epilog="commands (python -m crosscheck COMMAND --help shows each one's options):\n"
                      + "\n".join(f"  {name:<7} {summary}" for name, (summary, _) in COMMANDS.items()))
    p.add_argument("--only", nargs="+", metavar="NAME", help="check only these catalog names")
    add_device_option(p)
    add_dtype_option(p)
    add_schedule_options(p, betas=False)
    add_seed_option(p)
    p.add_argument("--points", type=int_in(10, 1_000_000), default=1000, metavar="N",
                   help="random points per compared quantity (default 1000)")
    p.add_argument("--thorough", action="store_true", help="10x points and sampling trajectories; pathwise ELBO checks on 10,000 "
                        "trajectories at T = 1000 too; exact-likelihood check at T = 1000")
    p.add_argument("--json", metavar="FILE", help="write the JSON report to FILE (- for standard output; the "
                                                  "report lines then go to standard error)")
    return p


def _list_parser() -> Parser:
    return Parser(prog="python -m crosscheck list",
                  description="The catalog: every identity's name and statement, and the parts `check` accepts "
                              "as targets.  Takes no arguments.")


def _list() -> int:
    from ..engine.registry import REGISTRY
    width = max(len(q.name) for q in REGISTRY)
    for identity in REGISTRY:
        print(f"{identity.name:<{width}}  {identity.statement}")
        parts = ", ".join(p.name for p in identity.parts)
        if parts:
            print(f"{'':<{width}}  parts: {parts}")
    return 0


def _line(result) -> str:
    status = "PASS" if result.ok else "FAIL"
    text = f"{status}  {result.name:<22} symbolic: {result.symbolic:<9}"
    if result.numeric:
        worst = max(result.numeric, key=lambda r: r.max_scaled_err / r.tolerance)
        points = sum(r.points for r in result.numeric)
        text += f" numeric: err {worst.max_scaled_err:.1e} {'<=' if worst.ok else '>'} {worst.tolerance:.0e} ({points} pts)"
    for check in result.checks:
        text += f"  | {check.summary}"
    for note in result.notes:            # points the working dtype cannot hold, and how they were judged
        text += f"  | {note}"
    return text + f"  [{result.seconds:.2f} s]"


def _explain(result) -> list[str]:
    lines = []
    if result.proof is not None and not result.proof.ok:
        for step in result.proof.failures():
            lines.append(f"      {step.status.value}: {step.claim}")
            if step.counterexample:
                lines.append(f"        counterexample: {step.counterexample}")
            if step.residual:
                lines.append(f"        residual: {step.residual}")
    for part in result.numeric:
        if not part.ok:
            lines.append(f"      {part.name}: error {part.max_scaled_err:.3e} > {part.tolerance:.0e} at "
                         f"{part.counterexample}")
    for check in result.checks:
        if not check.ok:
            lines.append(f"      {check.name}: {check.summary}")
    return lines


def run(args: argparse.Namespace) -> int:
    from ..engine import registry
    unknown = [n for n in args.only or [] if n not in registry.BY_NAME]
    if unknown:
        hint = registry.suggestion(unknown[0], registry.BY_NAME)
        if unknown[0] in registry.PARTS:
            hint = f" ({unknown[0]} is a part of {registry.PARTS[unknown[0]].identity}; --only takes entry names)"
        raise UsageError(f"unknown name {unknown[0]!r} for --only{hint}; known: {', '.join(registry.BY_NAME)}")
    if args.json is not None:
        check_output_file("--json", args.json)

    with deferred():
        import torch
    from ..engine.types import Context

    device = resolve_device(args.device)
    dtype = getattr(torch, args.dtype)
    schedule = schedule_from_args(args).to(dtype=dtype, device=device)
    scale = 10 if args.thorough else 1
    ctx = Context(schedule, dtype, device, seed=args.seed, points=args.points * scale,
                  samples=2000 * scale, trajectories=10_000 * scale // (5 if args.thorough else 1),
                  trajectories_long=1_000 * scale, thorough=args.thorough)

    with contextlib.redirect_stdout(sys.stderr if args.json == STDOUT else sys.stdout):
        results, seconds = _verify(registry, ctx, args, schedule, device)
    ok = all(r.ok for r in results)
    if args.json is not None:
        report = {"ok": ok, "config": {"device": str(device), "dtype": args.dtype,
                                       "schedule": args.schedule, "T": args.T, "seed": args.seed,
                                       "points": ctx.points, "samples": ctx.samples},
                  "seconds": round(seconds, 3), "results": [r.as_json() for r in results]}
        write_json(args.json, json_text(report, indent=2, default=str) + "\n")
    return 0 if ok else 1


def _verify(registry, ctx, args, schedule, device) -> tuple[list, float]:
    """Run the chosen entries, printing a line each; the results and the seconds taken."""
    from ..engine.run import run_quantity
    start = time.perf_counter()
    print(f"crosscheck: {schedule.name} T={args.T}, {args.dtype} on {device}, seed {args.seed}")
    results = []
    for identity in registry.REGISTRY:
        if args.only and identity.name not in args.only:
            continue
        result = run_quantity(identity, ctx)
        results.append(result)
        print(_line(result), flush=True)
        for line in _explain(result):
            print(line)
    seconds = time.perf_counter() - start
    holding = sum(r.ok for r in results)
    ok = holding == len(results)
    print(f"{holding} of {len(results)} identities hold ({seconds:.1f} s)"
          + ("" if ok else f"; failing: {', '.join(r.name for r in results if not r.ok)}"))
    return results, seconds


def _list_command(argv: list[str]) -> int:
    _, extra = _list_parser().parse_known_args(argv)
    if extra:
        raise UsageError(f"`list` takes no arguments, got {' '.join(extra)!r}")
    return _list()


#: name: (what it does, the module whose ``main(argv)`` runs it on the words after its name).  The
#: module is imported only when its command runs: ``check`` never pays for torch or matplotlib.
COMMANDS = {
    "list": ("the catalog: every identity and its parts", None),
    "plots": ("figures of the schedule and the three forces, as PNG and PDF", "plots"),
    "latex": ("the verified derivation as LaTeX (and PDF) for the homework", "latex"),
    "check": ("is FORMULA the catalog's TARGET? an exact proof or a counterexample", "check"),
    "derive": ("check a derivation line by line: the first wrong row, and why", "derive"),
    "claims": ("audit the course material bundled with crosscheck", "claims"),
    "train": ("train Lab 4's eps-prediction MLP and measure it", "train"),
}


def _command(name: str):
    module = COMMANDS[name][1]
    if module is None:
        return _list_command
    with deferred():          # torch's import runs C++ callbacks a signal must not unwind through
        return importlib.import_module(f"{__package__}.{module}").main


def one_line(message: str) -> str:
    """``message`` on one line: a newline or carriage return a user typed into an argument is
    shown escaped, as ``\\n``."""
    return message.replace("\r", "\\r").replace("\n", "\\n")


def _dispatch(argv: list[str]) -> int:
    if argv and argv[0] in COMMANDS:
        return _command(argv[0])(argv[1:])
    if argv and not argv[0].startswith("-"):
        raise UsageError(f"unknown command {argv[0]!r}; commands: {', '.join(COMMANDS)} "
                         "(or options only to verify)")
    return run(_parser().parse_args(argv))


def _silence_stdout() -> None:
    """Standard output is gone (a closed pipe, a full disk): point it at the null device, so the
    interpreter's final flush cannot fail a second time."""
    with contextlib.suppress(OSError, ValueError):
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def main(argv: list[str] | None = None) -> int:
    """Run the command line ``argv`` (default ``sys.argv[1:]``); returns the exit status.

    0 everything holds, 1 something does not, 2 bad usage or input, 128 + N ended by signal N
    (130 Ctrl-C, 143 SIGTERM, 129 SIGHUP: with :func:`~.common.install_signal_handlers`, as
    ``python -m crosscheck`` does).  Every error is one line on standard error.
    """
    argv = sys.argv[1:] if argv is None else argv
    try:
        if sys.stdout is None:       # started with standard output closed (>&-)
            raise UsageError("standard output is closed; run with it open, or redirect it to a file or /dev/null")
        try:
            code = _dispatch(argv)
        except SystemExit as done:   # --help: argparse has printed it; the flush below may still fail
            code = done.code if isinstance(done.code, int) else (0 if done.code is None else 2)
        sys.stdout.flush()
        return code
    except UsageError as err:
        if RECEIVED:             # raised while a signal unwound the run: the signal is the news
            return report_interrupt(RECEIVED[0])
        print(f"crosscheck: error: {one_line(str(err))}", file=sys.stderr)
        return 2
    except KeyboardInterrupt as stop:
        return report_interrupt(stop.number if isinstance(stop, Interrupted) else signal.SIGINT)
    except BrokenPipeError:      # output piped into `head`: stop quietly
        _silence_stdout()
        return 1
    except Exception as err:
        if RECEIVED:             # a library's own cleanup failed while a signal unwound it
            return report_interrupt(RECEIVED[0])
        if not (isinstance(err, OSError) and _is_stdout_error(err)):
            raise
        _silence_stdout()
        print(f"crosscheck: error: cannot write to standard output: {err.strerror or err}", file=sys.stderr)
        return 2


def _is_stdout_error(err: OSError) -> bool:
    """Did ``err`` come from writing standard output (the only OSError no command turns into a
    usage error itself)?"""
    import errno
    return err.errno in (errno.ENOSPC, errno.EIO, errno.EPIPE, errno.EBADF, errno.EDQUOT, errno.EFBIG)


if __name__ == "__main__":
    sys.exit(main())
