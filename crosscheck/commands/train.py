"""``python -m crosscheck train``: train Lab 4's eps-prediction MLP and measure it.

Reports L_simple, the variational bound in bits/dim before and after, the held-out noise MSE
and ancestral samples against the data; writes ``DIR/train.png`` and ``DIR/checkpoint.pt``.
Exit 0 when every check of the run passes, 1 when one fails, 2 on bad usage.
"""

from __future__ import annotations

import os
import sys
import time

from .common import (Parser, UsageError, add_device_option, add_out_option, add_schedule_options, add_seed_option,
                     check_output_directory, int_in, resolve_device, schedule_from_args, write_files)


def parser() -> Parser:
    """The ``train`` command's options."""
    p = Parser(prog="python -m crosscheck train",
               description="Train Lab 4's eps-prediction MLP on the lab's three-cluster data and measure it: "
                           "L_simple, the variational bound in bits/dim before and after, held-out noise MSE, "
                           "ancestral samples against the data.  Writes DIR/train.png and DIR/checkpoint.pt.")
    add_out_option(p, "train.png and checkpoint.pt", default="crosscheck-train")
    p.add_argument("--steps", type=int_in(1, 1_000_000), default=10_000, metavar="N", help="Adam steps (default 10000)")
    add_schedule_options(p, steps=(2, 10_000), default_T=50)
    add_device_option(p)
    add_seed_option(p)
    p.add_argument("--batch-size", type=int_in(1, 1_000_000), default=256, metavar="N",
                   help="points per step (default 256)")
    return p


class ProgressBar:
    """A progress bar on stderr: redrawn in place on a terminal, ten lines otherwise."""

    def __init__(self, stream=None, width: int = 30):
        self.stream = stream or sys.stderr
        self.width = width
        self.tty = hasattr(self.stream, "isatty") and self.stream.isatty()
        self.start = None
        self.last = -1

    def __call__(self, step: int, steps: int, loss: float) -> None:
        if self.start is None:            # the clock starts at the first step, after the setup
            self.start = time.perf_counter()
        tenth = 10 * step // steps
        if self.tty and step != steps and step % max(1, steps // 200):
            return
        if not self.tty and (tenth == self.last and step != steps):
            return
        self.last = tenth
        done = self.width * step // steps
        elapsed = time.perf_counter() - self.start
        rate = f"  {(step - 1) / elapsed:,.0f} steps/s" if elapsed > 0 else ""
        line = f"train [{'#' * done}{'.' * (self.width - done)}] {step}/{steps} steps  loss {loss:.4f}{rate}"
        if self.tty:
            self.stream.write("\r" + line + ("\n" if step == steps else ""))
        else:
            self.stream.write(line + "\n")
        self.stream.flush()


#: The files ``train`` writes into ``--out``.
OUTPUTS = ("train.png", "checkpoint.pt")


def _check_float32(schedule) -> None:
    """Training runs in float32: every alpha_bar_t must stay above zero there (x_0 is recovered
    from x_t through 1/sqrt(alpha_bar_t)); else a usage error, before any step is taken."""
    import torch
    alpha_bar_T = schedule.float64("alpha_bar")[-1]
    if alpha_bar_T.to(torch.float32).item() == 0.0:
        raise UsageError(f"--T/--beta-start/--beta-end: alpha_bar_T = {alpha_bar_T.item():.3g} is 0 in float32, which "
                         f"training uses (its smallest number is {torch.finfo(torch.float32).smallest_normal * 2**-23:.3g}); "
                         "use fewer steps or smaller betas")


def main(argv: list[str]) -> int:
    """Run ``train`` with the command line ``argv`` (after the word ``train``)."""
    args = parser().parse_args(argv)
    check_output_directory("--out", args.out, OUTPUTS)
    schedule = schedule_from_args(args)
    device = resolve_device(args.device)
    import torch
    _check_float32(schedule)
    from numeric.lab.train import checkpoint, train_demo, training_figure

    print(f"crosscheck train: Lab 4 MLP (3 -> 64 -> 64 -> 2, eps-prediction) on the lab's three-cluster data, "
          f"{schedule.name} T={schedule.T} (alpha_bar_T = {schedule.float64('alpha_bar')[-1].item():.3g}), "
          f"{args.steps} steps, batch {args.batch_size}, seed {args.seed}, {device}", flush=True)
    result = train_demo(steps=args.steps, schedule=schedule, device=device, seed=args.seed,
                        batch_size=args.batch_size, progress=ProgressBar())
    before, after = result.bound_before, result.bound_after
    print(f"trained {args.steps} steps in {result.seconds:.1f} s: {result.steps_per_second:,.0f} steps/s")
    marks = [round(i * (len(result.losses) - 1) / 10) for i in range(11)]
    print("L_simple (batch loss at 0%, 10%, ..., 100%): " + " ".join(f"{result.losses[i]:.3f}" for i in marks))
    print(f"held-out noise-prediction MSE ({result.config['n_heldout']} points, fixed t and eps): "
          f"{result.mse_before:.4f} -> {result.mse_after:.4f}")
    print(f"variational bound, bits/dim (held-out, same noise; numeric.variational_bound): "
          f"{before.total.mean().item():.4f} -> {after.total.mean().item():.4f}")
    for name in ("prior", "reconstruction"):
        print(f"  {name:<15} {getattr(before, name).mean().item():9.4f} -> {getattr(after, name).mean().item():9.4f}")
    print(f"  {'denoising sum':<15} {before.denoising.sum(1).mean().item():9.4f} -> "
          f"{after.denoising.sum(1).mean().item():9.4f}")
    counts = "/".join(str(c) for c in result.cluster_counts)
    print(f"samples ({result.config['n_samples']}, ancestral, Algorithm 2): mean distance to the nearest data point "
          f"{result.distance_samples:.4f} (N(0, I) noise {result.distance_noise:.4f}, held-out data "
          f"{result.distance_heldout:.4f}); {100 * result.near_cluster_fraction:.1f}% within 3 std of a cluster "
          f"centre (per cluster {counts})")
    checks = result.checks()
    for name, ok, detail in checks:
        print(f"{'PASS' if ok else 'FAIL'}  {name}: {detail}")
    figure = training_figure(result)

    def write(staging: str) -> None:
        figure.savefig(os.path.join(staging, "train.png"), dpi=120, format="png")
        torch.save(checkpoint(result), os.path.join(staging, "checkpoint.pt"))
    try:
        write_files(args.out, write)
    except OSError as err:
        raise UsageError(f"--out {args.out!r}: {err.strerror or err}") from None
    print(f"wrote {os.path.join(args.out, 'train.png')}, {os.path.join(args.out, 'checkpoint.pt')}")
    return 0 if all(ok for _, ok, _ in checks) else 1
