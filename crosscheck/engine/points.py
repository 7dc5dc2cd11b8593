"""Random points of the valid domain, grouped by schedule (random schedules included).

Every value is drawn in float64, cast to the working dtype for the numeric side, and the
reference sees the float64 value of the *cast* input: the comparison measures the function's
error, not the rounding of its inputs.  Schedule values given to the reference are the float64
masters of the schedule tables.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import mpmath
import torch

from numeric import NoiseSchedule

_DATA = ("x", "x_0", "x_t", "x_prev", "eps", "eps_theta", "mu", "mu_1", "mu_2")
_VARIANCES = ("var", "var_1", "var_2")


@dataclass
class Group:
    """Points sharing one schedule: ``t`` (int64), tensors in the working dtype, and the
    float64 values of every symbol for the reference."""

    schedule: NoiseSchedule
    t: torch.Tensor
    tensors: dict[str, torch.Tensor]
    values: dict[str, torch.Tensor]
    # 50-digit values of the schedule symbols (alpha_t, alpha_bar_prev, alpha_bar_T) from the
    # float64 betas: 1 - alpha_t and 1 - alpha_bar_{t-1} keep every digit even when beta ~ 1e-12.
    exact: dict[str, list] = field(default_factory=dict)

    def __getitem__(self, name: str) -> torch.Tensor:
        return self.tensors[name]

    def __len__(self) -> int:
        return self.t.numel()


def random_schedules(generator: torch.Generator, count: int) -> list[NoiseSchedule]:
    """Linear, cosine and arbitrary-beta schedules with random T and ranges."""
    def uniform(low, high):
        return low + (high - low) * torch.rand((), generator=generator, dtype=torch.float64).item()

    def randint(low, high):
        return int(torch.randint(low, high + 1, (), generator=generator))

    schedules = []
    for i in range(count):
        kind = i % 3
        if kind == 0:
            start = 10 ** uniform(-5, -3)
            schedules.append(NoiseSchedule.linear(randint(1, 2000), start, 10 ** uniform(-2.5, -0.7)))
        elif kind == 1:
            schedules.append(NoiseSchedule.cosine(randint(1, 2000), s=uniform(0.0, 0.02)))
        else:
            T = randint(1, 300)
            betas = 10 ** (-5 + 4.5 * torch.rand(T, generator=generator, dtype=torch.float64))
            schedules.append(NoiseSchedule.from_betas(betas, name="random"))
    return schedules


def draw(main: NoiseSchedule, n: int, *, dtype: torch.dtype, device: torch.device, seed: int,
         t_min: int = 1, n_random_schedules: int = 6) -> list[Group]:
    """About ``n`` points: half on ``main``, the rest spread over random schedules."""
    generator = torch.Generator().manual_seed(seed)
    schedules = [main] + random_schedules(generator, n_random_schedules)
    schedules = [s for s in schedules if s.T >= t_min]
    sizes = [n // 2] + [-(-(n - n // 2) // max(1, len(schedules) - 1))] * (len(schedules) - 1)
    groups = []
    for schedule, size in zip(schedules, sizes):
        t = torch.randint(t_min, schedule.T + 1, (size,), generator=generator)
        raw = {name: 2.0 * torch.randn(size, generator=generator, dtype=torch.float64) for name in _DATA}
        for name in _VARIANCES:   # 1e-6 .. 1e6: variance ratios over 24 decades
            raw[name] = 10 ** (12 * torch.rand(size, generator=generator, dtype=torch.float64) - 6)
        raw["sigma"] = raw["var"].sqrt()
        beta_t = schedule.float64("beta")[t]
        # sigma_t^2 between beta_t/10 and 3 beta_t: spans beta_tilde_t <= sigma_t^2 <= beta_t and beyond.
        raw["sigma2_t"] = beta_t * 10 ** (1.5 * torch.rand(size, generator=generator, dtype=torch.float64) - 1)
        groups.append(make_group(schedule, t, raw, dtype=dtype, device=device))
    return groups


def make_group(schedule: NoiseSchedule, t: torch.Tensor, raw: dict[str, torch.Tensor], *,
               dtype: torch.dtype, device) -> Group:
    """Points at timesteps ``t`` (int64, (n,)) with float64 values ``raw`` (each (n,)): the
    tensors cast to the working dtype/device, and the float64 value of every symbol (inputs
    after the cast, schedule values from the float64 masters) for the reference."""
    tensors = {k: val.to(dtype=dtype, device=device) for k, val in raw.items()}
    values = {k: val.to(dtype=torch.float64, device="cpu") for k, val in tensors.items()}
    values["alpha_t"] = schedule.float64("alpha")[t]
    values["alpha_bar_prev"] = schedule.float64("alpha_bar")[t - 1]
    values["alpha_bar_T"] = schedule.float64("alpha_bar")[schedule.T].expand(t.numel())
    alpha, alpha_bar = exact_schedule(schedule)
    steps = t.tolist()
    exact = {"alpha_t": [alpha[i] for i in steps], "alpha_bar_prev": [alpha_bar[i - 1] for i in steps],
             "alpha_bar_T": [alpha_bar[schedule.T]] * len(steps)}
    return Group(schedule.to(dtype=dtype, device=device), t.to(device), tensors, values, exact)


_EXACT: dict = {}


def exact_schedule(schedule: NoiseSchedule) -> tuple[list, list]:
    """alpha_t = 1 - beta_t and alpha_bar_t = prod_{s<=t} alpha_s at 50 digits, index t = 0..T,
    taking the float64 betas as exact (cached by the betas)."""
    betas = schedule.float64("beta")
    key = (betas.numel(), hash(betas.numpy().tobytes()))
    if key not in _EXACT:
        if len(_EXACT) > 64:
            _EXACT.clear()
        smallest = float(betas[1:].min()) if betas.numel() > 1 else 1.0
        with mpmath.workdps(50 + max(0, -int(mpmath.floor(mpmath.log10(smallest))))):   # 1 - beta keeps beta's digits
            alpha = [1 - mpmath.mpf(b) for b in betas.tolist()]
            alpha_bar = [mpmath.mpf(1)]
            for a in alpha[1:]:
                alpha_bar.append(alpha_bar[-1] * a)
        _EXACT[key] = (alpha, alpha_bar)
    return _EXACT[key]
