r"""The training demonstration behind ``python -m crosscheck train``.

Trains Lab 4's ε-prediction MLP (:class:`~numeric.lab.lab4.SimpleDiffusionTraining`) on the
lab's three-cluster data with :math:`L_{\text{simple}}`, and measures what training changed,
always with the verified functions of ``numeric/``:

* the variational bound in bits/dim on held-out points (``numeric.variational_bound``, the
  same noise before and after),
* the noise-prediction MSE on held-out points (fixed t and ε),
* ancestral samples (``numeric.ancestral_sample``, Algorithm 2) against the data: the mean
  distance from a sample to its nearest data point, next to the same for N(0, I) noise and for
  held-out data (the floor).

Every draw comes from generators seeded by ``seed`` (data and batches on the CPU, so runs agree
across devices up to floating point), so a run is deterministic on a given machine.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Callable

import torch

from .._validation import check_count, check_device, check_positive_float
from ..elbo import VariationalBound, _variational_bound
from ..forward import _forward_jump_sample
from ..sampling import _ancestral_sample
from ..schedule import NoiseSchedule
from ._common import new_figure
from .lab4 import CLUSTER_RADIUS, CLUSTER_STD, SimpleDiffusionTraining, create_diffusion_test_data

Progress = Callable[[int, int, float], None]


@dataclass
class TrainResult:
    """What a training run measured (losses per step; bounds in bits/dim; distances in data units)."""

    schedule: NoiseSchedule
    trainer: SimpleDiffusionTraining
    config: dict
    losses: list = field(default_factory=list)
    seconds: float = 0.0
    bound_before: VariationalBound | None = None
    bound_after: VariationalBound | None = None
    mse_before: float = math.nan
    mse_after: float = math.nan
    samples: torch.Tensor | None = None
    heldout: torch.Tensor | None = None
    train_data: torch.Tensor | None = None
    distance_samples: float = math.nan
    distance_noise: float = math.nan
    distance_heldout: float = math.nan
    near_cluster_fraction: float = math.nan
    cluster_counts: tuple = ()

    @property
    def steps_per_second(self) -> float:
        return len(self.losses) / self.seconds if self.seconds > 0 else math.inf

    def checks(self) -> list[tuple[str, bool, str]]:
        """(name, ok, detail) of what training must achieve; ``train`` exits 1 if one fails."""
        window = max(1, min(500, len(self.losses) // 10))
        first = sum(self.losses[:window]) / window
        last = sum(self.losses[-window:]) / window
        before, after = self.bound_before.total.mean().item(), self.bound_after.total.mean().item()
        return [
            ("loss falls", last < first, f"L_simple {first:.4f} (first {window} steps) -> {last:.4f} (last {window})"),
            ("held-out noise MSE falls", self.mse_after < self.mse_before,
             f"{self.mse_before:.4f} -> {self.mse_after:.4f}"),
            ("variational bound improves", after < before, f"{before:.4f} -> {after:.4f} bits/dim"),
            ("samples closer to the data than noise", self.distance_samples < self.distance_noise,
             f"mean nearest-data distance {self.distance_samples:.4f} (N(0, I) noise: {self.distance_noise:.4f}, "
             f"held-out data: {self.distance_heldout:.4f})"),
        ]


def _noise_mse(trainer: SimpleDiffusionTraining, x_0: torch.Tensor, t: torch.Tensor, eps: torch.Tensor) -> float:
    with torch.no_grad():
        x_t = _forward_jump_sample(x_0, t, trainer.schedule, eps)
        return (trainer.predict_noise(x_t, t) - eps).square().mean().item()


def _bound(trainer: SimpleDiffusionTraining, x_0: torch.Tensor, seed: int) -> VariationalBound:
    generator = torch.Generator(device=x_0.device).manual_seed(seed)
    with torch.no_grad():
        return _variational_bound(x_0, trainer.schedule, trainer.predict_noise, units="bits", generator=generator)


def _nearest_distance(points: torch.Tensor, data: torch.Tensor) -> float:
    return torch.cdist(points.double(), data.double()).min(1).values.mean().item()


def train_demo(*, steps: int = 10_000, schedule: NoiseSchedule | None = None, T: int = 50, device="cpu",
               seed: int = 0, batch_size: int = 256, lr: float = 1e-3, n_train: int = 3000,
               n_heldout: int = 600, n_samples: int = 1000, progress: Progress | None = None) -> TrainResult:
    """Train the lab's MLP for ``steps`` Adam steps and measure the result (see the module docstring).

    Args:
        schedule: default the lab's ``linear(1e-4, 0.02)`` with ``T`` steps; cast to float32 on ``device``.
        progress: called as ``progress(step, steps, loss)`` after every step.
    """
    steps = check_count("steps", steps)
    batch_size = check_count("batch_size", batch_size)
    lr = check_positive_float("lr", lr)
    for name, value in (("n_train", n_train), ("n_heldout", n_heldout), ("n_samples", n_samples)):
        check_count(name, value, 3)
    device = check_device(device)
    if schedule is None:
        schedule = NoiseSchedule.linear(T)
    schedule = schedule.to(dtype=torch.float32, device=device)
    if schedule.T < 2:
        raise ValueError("`T` must be >= 2 for the bound's posterior variance (sigma_1^2 = beta_tilde_2)")
    cpu = torch.Generator().manual_seed(seed)
    train_data = create_diffusion_test_data(n_train, generator=cpu, device=device, dtype=torch.float32)
    heldout = create_diffusion_test_data(n_heldout, generator=cpu, device=device, dtype=torch.float32)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        trainer = SimpleDiffusionTraining(schedule, data_dim=2)
    probe_t = torch.randint(1, schedule.T + 1, (n_heldout,), generator=cpu).to(device)
    probe_eps = torch.randn(heldout.shape, generator=cpu).to(device)
    result = TrainResult(schedule, trainer, dict(steps=steps, T=schedule.T, schedule=schedule.name, device=str(device),
                                                 seed=seed, batch_size=batch_size, lr=lr, n_train=n_train,
                                                 n_heldout=n_heldout, n_samples=n_samples),
                         heldout=heldout, train_data=train_data)
    result.bound_before = _bound(trainer, heldout, seed + 1)
    result.mse_before = _noise_mse(trainer, heldout, probe_t, probe_eps)

    optimizer = torch.optim.Adam(trainer.noise_network.parameters(), lr=lr)
    start = time.perf_counter()
    for step in range(1, steps + 1):
        batch = train_data[torch.randint(0, n_train, (batch_size,), generator=cpu).to(device)]
        loss = trainer.simple_diffusion_loss(batch, generator=cpu)["loss"]
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        value = loss.item()
        result.losses.append(value)
        if progress is not None:
            progress(step, steps, value)
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    result.seconds = time.perf_counter() - start

    result.bound_after = _bound(trainer, heldout, seed + 1)
    result.mse_after = _noise_mse(trainer, heldout, probe_t, probe_eps)
    sampler = torch.Generator(device=device).manual_seed(seed + 2)
    with torch.no_grad():
        result.samples = _ancestral_sample(trainer.predict_noise, schedule, (n_samples, 2), generator=sampler)
    noise = torch.randn((n_samples, 2), generator=cpu).to(device)
    result.distance_samples = _nearest_distance(result.samples, train_data)
    result.distance_noise = _nearest_distance(noise, train_data)
    result.distance_heldout = _nearest_distance(heldout, train_data)
    angles = torch.arange(3, dtype=torch.float64) * 2 * math.pi / 3
    centres = CLUSTER_RADIUS * torch.stack([torch.cos(angles), torch.sin(angles)], 1).to(device)
    nearest = torch.cdist(result.samples.double(), centres).min(1)
    result.near_cluster_fraction = (nearest.values < 3 * CLUSTER_STD).double().mean().item()
    result.cluster_counts = tuple(torch.bincount(nearest.indices, minlength=3).tolist())
    return result


def training_figure(result: TrainResult):
    """Loss curve, data against samples, and the per-timestep bound before and after."""
    figure, (loss_ax, data_ax, bound_ax) = new_figure(1, 3, figsize=(16, 4.8))
    losses = torch.tensor(result.losses)
    loss_ax.plot(losses, color="0.75", linewidth=0.6, label="per step")
    window = max(1, len(losses) // 50)
    if len(losses) >= window:
        smooth = losses.unfold(0, window, 1).mean(1)
        loss_ax.plot(torch.arange(window - 1, len(losses)), smooth, "b", label=f"mean of {window}")
    loss_ax.set_xlabel("step")
    loss_ax.set_ylabel(r"$L_{\mathrm{simple}} = \|\epsilon - \epsilon_\theta(x_t, t)\|^2$ (mean)")
    loss_ax.set_title("training loss")
    loss_ax.legend()
    heldout, samples = result.heldout.cpu(), result.samples.cpu()
    data_ax.scatter(heldout[:, 0], heldout[:, 1], s=6, alpha=0.5, label="data (held out)")
    data_ax.scatter(samples[:, 0], samples[:, 1], s=6, alpha=0.5, label="samples (Algorithm 2)")
    data_ax.set_aspect("equal")
    data_ax.set_title(f"data vs samples: nearest-data distance {result.distance_samples:.3f}\n"
                      f"(noise {result.distance_noise:.3f}, held-out data {result.distance_heldout:.3f})")
    data_ax.legend(loc="upper right", fontsize=8)
    t = torch.arange(2, result.schedule.T + 1)
    bound_ax.semilogy(t, result.bound_before.denoising.mean(0).cpu(), "r", label="before training")
    bound_ax.semilogy(t, result.bound_after.denoising.mean(0).cpu(), "g", label="after training")
    bound_ax.set_xlabel("timestep t")
    bound_ax.set_ylabel("KL term of the bound (bits/dim)")
    before, after = result.bound_before.total.mean().item(), result.bound_after.total.mean().item()
    bound_ax.set_title(f"denoising terms; bound {before:.3f} -> {after:.3f} bits/dim")
    bound_ax.legend()
    figure.suptitle(f"Lab 4 MLP, {result.schedule.name}, T = {result.schedule.T}, {len(result.losses)} steps, "
                    f"seed {result.config['seed']}")
    figure.tight_layout()
    return figure


def checkpoint(result: TrainResult) -> dict:
    """What ``train`` saves: the network's weights and everything needed to rebuild and judge it."""
    return {
        "model_state_dict": {k: t.detach().cpu() for k, t in result.trainer.noise_network.state_dict().items()},
        "architecture": "numeric.lab.lab4.SimpleDiffusionTraining(noise_schedule, data_dim=2).noise_network",
        "betas": result.schedule.float64("beta")[1:].clone(),
        "config": dict(result.config),
        "losses": list(result.losses),
        "bound_bits_per_dim": {"before": result.bound_before.total.mean().item(),
                               "after": result.bound_after.total.mean().item()},
        "torch_version": torch.__version__,
    }
