"""Figures for the homework: schedule quantities and the three forces (matplotlib, Agg backend).

Every curve is computed by the numeric layer (the functions the catalog verifies); nothing is
re-derived here.  ``python -m crosscheck plots --out DIR`` writes each figure as PNG and PDF.
"""

from __future__ import annotations

import os
from typing import Callable

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import torch  # noqa: E402

import numeric  # noqa: E402
from numeric import NoiseSchedule  # noqa: E402

from ..engine.elbo_checks import AffineEpsModel, expected_bound  # noqa: E402
from .common import write_files  # noqa: E402
from .common import Parser, UsageError, add_out_option, add_schedule_options, check_output_directory, schedule_from_args


def _title(schedule: NoiseSchedule, what: str) -> str:
    return f"{what}\n{schedule.name}, T = {schedule.T}"


def _steps(schedule: NoiseSchedule, start: int = 1) -> torch.Tensor:
    return torch.arange(start, schedule.T + 1)


def interpolation_weights(schedule: NoiseSchedule):
    """w_0, w_t (the coefficients of x_0 and x_t in the posterior mean), their sum, and how far
    the sum falls short of 1 (the lecture says it is 1; it is only at t = 1)."""
    t = _steps(schedule)
    w_0, w_t = numeric.interpolation_weights(t, schedule)
    total = numeric.interpolation_weight_sum(t, schedule)
    fig, (left, right) = plt.subplots(1, 2, figsize=(10.4, 4.0))
    left.plot(t, w_0, label=r"$w_0$ (coefficient of $x_0$)")
    left.plot(t, w_t, label=r"$w_t$ (coefficient of $x_t$)")
    left.plot(t, total, "k--", label=r"$w_0 + w_t$")
    left.axhline(1.0, color="0.7", lw=0.8)
    left.set_xlabel("timestep $t$")
    left.set_ylabel("weight (dimensionless)")
    left.set_title(r"weights of $x_0$ and $x_t$ in $\tilde\mu_t$")
    left.legend()
    if schedule.T >= 2:
        right.semilogy(t[1:], 1 - total[1:], "k")
    right.set_xlabel("timestep $t$")
    right.set_ylabel(r"$1 - (w_0 + w_t)$ (dimensionless)")
    right.set_title(r"the sum is $< 1$ for every $t \geq 2$")
    fig.suptitle(f"Interpolation weights; {schedule.name}, T = {schedule.T}")
    fig.tight_layout()
    return fig


def variances(schedule: NoiseSchedule):
    """The posterior variance beta_tilde_t against the forward variance beta_t."""
    t = _steps(schedule)
    fig, ax = plt.subplots(figsize=(6.4, 4.0))
    ax.semilogy(t, numeric.forward_step_variance(t, schedule), label=r"$\beta_t$")
    ax.semilogy(t[1:], numeric.posterior_variance(t[1:], schedule), label=r"$\tilde\beta_t$ ($t \geq 2$; $\tilde\beta_1 = 0$)")
    ax.set_xlabel("timestep $t$")
    ax.set_ylabel("variance (data units$^2$)")
    ax.set_title(_title(schedule, r"Forward variance $\beta_t$ and posterior variance $\tilde\beta_t$"))
    ax.legend()
    return fig


def signal_to_noise(schedule: NoiseSchedule):
    """alpha_bar_t and SNR_t = alpha_bar_t / (1 - alpha_bar_t)."""
    t = _steps(schedule)
    alpha_bar = schedule.alpha_bar[1:]
    snr = alpha_bar / schedule.one_minus_alpha_bar[1:]
    fig, (left, right) = plt.subplots(1, 2, figsize=(9.6, 4.0))
    left.plot(t, alpha_bar)
    left.set_xlabel("timestep $t$")
    left.set_ylabel(r"$\bar\alpha_t$ (signal fraction, dimensionless)")
    left.set_title(r"$\bar\alpha_t$")
    right.semilogy(t, snr)
    right.set_xlabel("timestep $t$")
    right.set_ylabel(r"SNR$_t = \bar\alpha_t / (1-\bar\alpha_t)$ (dimensionless)")
    right.set_title("signal-to-noise ratio")
    fig.suptitle(f"{schedule.name}, T = {schedule.T}")
    fig.tight_layout()
    return fig


def three_forces(schedule: NoiseSchedule):
    """The expected terms of the bound (nats per coordinate) for an affine eps-model near the
    optimum for data N(0, 0.5^2), averaged over 256 data points: each denoising KL against t,
    and the three forces side by side."""
    model = AffineEpsModel(schedule.to(dtype=torch.float64, device="cpu"), seed=0)
    x_0 = 0.5 * torch.randn(256, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    variance = "posterior" if schedule.T >= 2 else "beta"
    terms = expected_bound(x_0, schedule.to(dtype=torch.float64, device="cpu"), model, variance)
    denoising = terms["denoising"].mean(0)
    forces = {"reconstruction\n$-E\\log p_\\theta(x_0|x_1)$": terms["reconstruction"].mean().item(),
              "prior matching\n$D_{KL}(q(x_T|x_0)\\|p(x_T))$": terms["prior"].mean().item(),
              "denoising\n$\\sum_{t\\geq 2} E\\,D_{KL}$": denoising.sum().item()}
    fig, (left, right) = plt.subplots(1, 2, figsize=(10.4, 4.0))
    if schedule.T >= 2:
        left.semilogy(_steps(schedule, 2), denoising)
    left.set_xlabel("timestep $t$")
    left.set_ylabel("nats per coordinate")
    left.set_title(r"denoising $E\,D_{KL}(q(x_{t-1}|x_t,x_0)\|p_\theta(x_{t-1}|x_t))$")
    bars = right.bar(range(3), list(forces.values()), color=["C1", "C2", "C0"])
    right.bar_label(bars, fmt="%.3g")
    right.axhline(0, color="0.5", lw=0.8)
    right.set_xticks(range(3), list(forces), fontsize="small")
    right.set_xlabel("term of the bound")
    right.set_ylabel("term of $-$ELBO (nats per coordinate)")
    right.set_title("the three forces (a continuous decoder's nll can be < 0)")
    fig.suptitle(f"The three forces for an affine $\\epsilon$-model, data $\\mathcal{{N}}(0, 0.5^2)$; "
                 f"{schedule.name}, T = {schedule.T}")
    fig.tight_layout()
    return fig


def kl_weight(schedule: NoiseSchedule):
    """lambda_t, the weight of ||eps - eps_theta||^2, for sigma_t^2 = beta_tilde_t and beta_t."""
    fig, ax = plt.subplots(figsize=(6.4, 4.0))
    t = _steps(schedule, 2)
    if schedule.T >= 2:
        for variance, label in (("posterior", r"$\sigma_t^2 = \tilde\beta_t$"), ("beta", r"$\sigma_t^2 = \beta_t$")):
            ax.semilogy(t, numeric.kl_eps_weight(t, schedule, numeric.reverse_variance(t, schedule, variance)), label=label)
    ax.set_xlabel("timestep $t$")
    ax.set_ylabel(r"$\lambda_t = \beta_t^2 / (2\sigma_t^2\alpha_t(1-\bar\alpha_t))$ (1/data units$^2$)")
    ax.set_title(_title(schedule, r"Weight $\lambda_t$ of $\|\epsilon-\epsilon_\theta\|^2$ in the denoising KL"))
    ax.legend()
    return fig


FIGURES: dict[str, Callable[[NoiseSchedule], "plt.Figure"]] = {
    "interpolation_weights": interpolation_weights,
    "variances": variances,
    "signal_to_noise": signal_to_noise,
    "three_forces": three_forces,
    "kl_weight": kl_weight,
}


def draw_figures(schedule: NoiseSchedule, directory: str) -> None:
    """Every figure as ``directory/<name>.png`` and ``.pdf`` (float64 on the CPU, whatever the
    schedule's dtype and device)."""
    schedule = schedule.to(dtype=torch.float64, device="cpu")
    for name, build in FIGURES.items():
        fig = build(schedule)
        try:
            for ext in ("png", "pdf"):
                fig.savefig(os.path.join(directory, f"{name}.{ext}"), dpi=150, bbox_inches="tight")
        finally:
            plt.close(fig)


#: The files :func:`draw_figures` writes, relative to its directory.
FIGURE_FILES = tuple(f"{name}.{ext}" for name in FIGURES for ext in ("png", "pdf"))


def write_plots(schedule: NoiseSchedule, out: str) -> list[str]:
    """:func:`draw_figures` into ``out``, all moved in at once when all are drawn
    (:func:`~crosscheck.commands.common.write_files`): a failure leaves the previous figures."""
    return write_files(out, lambda staging: draw_figures(schedule, staging))


def unplottable(schedule: NoiseSchedule, err: ValueError) -> UsageError:
    """A schedule whose quantities leave the float64 range (betas of 1e-300, say) cannot be
    drawn: the numeric function's own message, as a usage error naming the schedule options."""
    first = str(err).split("; ")[0]
    return UsageError(f"--T/--beta-start/--beta-end: the {schedule.name} schedule with T = {schedule.T} cannot be "
                      f"plotted: {first}; choose betas further from 0 and 1, or fewer steps")


# -- the command ----------------------------------------------------------------------------------

def parser() -> Parser:
    """The ``plots`` command's options."""
    p = Parser(prog="python -m crosscheck plots",
               description="Figures of the schedule and the three forces, as PNG and PDF.")
    add_out_option(p, "the figures")
    add_schedule_options(p)
    return p


def main(argv: list[str]) -> int:
    """``python -m crosscheck plots``."""
    args = parser().parse_args(argv)
    check_output_directory("--out", args.out, FIGURE_FILES)
    schedule = schedule_from_args(args)
    try:
        written = write_plots(schedule, args.out)
    except ValueError as err:
        raise unplottable(schedule, err) from None
    except OSError as err:
        raise UsageError(f"--out {args.out!r}: {err.strerror or err}") from None
    print(f"crosscheck plots: {schedule.name} T={schedule.T}: wrote {len(written)} files to {args.out}")
    for path in written:
        print(f"  {path}")
    return 0
