"""The engine's own types: what a check run is given (:class:`Context`) and what an independent
check returns (:class:`CheckResult`)."""

from __future__ import annotations

from dataclasses import dataclass, field

import torch

from numeric import NoiseSchedule

from .points import Group, draw


@dataclass(frozen=True)
class Context:
    """The settings of one run: the user's schedule in the working dtype and device, the seed,
    and how many points, samples and trajectories the checks draw."""

    schedule: NoiseSchedule      # the user's schedule, in the working dtype/device
    dtype: torch.dtype
    device: torch.device
    seed: int = 0
    points: int = 1000
    samples: int = 2000          # trajectories per sampling check (--thorough: 10x)
    trajectories: int = 10_000   # pathwise checks at T = 50, and Monte Carlo ELBO samples
    trajectories_long: int = 1_000  # pathwise checks at T = 1000 (--thorough: 10,000)
    thorough: bool = False

    def groups(self, t_min: int = 1) -> list[Group]:
        """Random valid points, half on the schedule and half on random schedules."""
        return draw(self.schedule, self.points, dtype=self.dtype, device=self.device,
                    seed=self.seed, t_min=t_min)

    def schedule_with(self, T: int) -> NoiseSchedule:
        """A schedule of the run's kind (cosine or linear) with ``T`` steps, in its dtype and device."""
        build = NoiseSchedule.cosine if self.schedule.name.startswith("cosine") else NoiseSchedule.linear
        return build(T, dtype=self.dtype, device=self.device)


@dataclass
class CheckResult:
    """The outcome of one independent check (an oracle, a sampling test, a precision check)."""

    name: str
    kind: str                    # "oracle" | "sampling" | "precision" | "exact"
    ok: bool
    summary: str
    details: dict = field(default_factory=dict)

    def as_json(self) -> dict:
        return {"name": self.name, "kind": self.kind, "ok": self.ok, "summary": self.summary,
                "details": self.details}
