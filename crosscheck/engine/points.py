"""Random points of the valid domain, grouped by schedule (random schedules included).

Every value is drawn in float64, cast to the working dtype for the numeric side, and the
reference sees the float64 value of the *cast* input: the comparison measures the function's
error, not the rounding of its inputs.  Schedule values given to the reference are the float64
masters of the schedule tables.

The dtype's range.  A schedule may reach values the working dtype cannot hold as normal numbers
(alpha_bar_t = 1e-88 at T = 20,000 is 0 in float32; beta_t = 1e-300 is 0 in float32).  Each point
records which of the schedule values it reads lie outside the dtype's normal range
(:meth:`Group.outside_range`); the drawn data (``sigma2_t`` included) always lie inside it, and
half the points on the user's schedule are drawn at timesteps whose values lie inside it, so the
schedule is compared at relative precision wherever the dtype can do so.
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
    # Per point (bool, (n,), CPU), keyed by the schedule symbols a statement is written in: whether
    # a schedule value they stand for (SCHEDULE_VALUES) is neither 0 nor a normal number of the dtype.
    outside: dict[tuple[str, ...], torch.Tensor] = field(default_factory=dict)

    def __getitem__(self, name: str) -> torch.Tensor:
        return self.tensors[name]

    def __len__(self) -> int:
        return self.t.numel()

    def outside_range(self, names) -> torch.Tensor:
        """Per point (bool, (n,), CPU): whether a schedule value read by a statement in the
        symbols ``names`` lies outside the working dtype's normal range."""
        names = set(names)
        flags = torch.zeros(len(self), dtype=torch.bool)
        for symbols, outside in self.outside.items():
            if set(symbols) <= names:
                flags |= outside
        return flags

    def take(self, index) -> "Group":
        """The points at ``index`` (a slice, or an int64 or bool tensor over the points)."""
        if isinstance(index, torch.Tensor) and index.dtype == torch.bool:
            index = index.nonzero().flatten()
        rows = range(len(self))[index] if isinstance(index, slice) else index.tolist()
        cpu = torch.as_tensor(list(rows), dtype=torch.long)
        on_device = cpu.to(self.t.device)
        return Group(self.schedule, self.t[on_device] if self.t.ndim else self.t,
                     {k: v[on_device] if v.ndim else v for k, v in self.tensors.items()},
                     {k: v[cpu] if v.ndim else v for k, v in self.values.items()},
                     {k: [v[i] for i in rows] for k, v in self.exact.items()},
                     {k: v[cpu] for k, v in self.outside.items()})


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
        if schedule is main:
            t = _within_range(t, main, dtype, t_min, seed)
        raw = {name: 2.0 * torch.randn(size, generator=generator, dtype=torch.float64) for name in _DATA}
        for name in _VARIANCES:   # 1e-6 .. 1e6: variance ratios over 24 decades
            raw[name] = 10 ** (12 * torch.rand(size, generator=generator, dtype=torch.float64) - 6)
        raw["sigma"] = raw["var"].sqrt()
        beta_t = schedule.float64("beta")[t]
        # sigma_t^2 between beta_t/10 and 3 beta_t: spans beta_tilde_t <= sigma_t^2 <= beta_t and beyond;
        # kept a normal number of the dtype (beta_t = 1e-300 is 0 in float32, and a variance is > 0).
        sigma2_t = beta_t * 10 ** (1.5 * torch.rand(size, generator=generator, dtype=torch.float64) - 1)
        raw["sigma2_t"] = sigma2_t.clamp(min=torch.finfo(dtype).tiny)
        groups.append(make_group(schedule, t, raw, dtype=dtype, device=device))
    return groups


_STEPS: dict = {}


def representable_steps(schedule: NoiseSchedule, dtype: torch.dtype) -> torch.Tensor:
    """Per timestep t = 0..T (bool): whether beta_t, alpha_t, alpha_bar_t, 1 - alpha_bar_t and
    alpha_bar_{t-1}, 1 - alpha_bar_{t-1} are normal numbers of ``dtype`` (1 - alpha_bar_0 = 0 is
    exact).  From the float64 masters: a value they hold as 0 or subnormal is outside float64's
    range.  Cached by the betas (comparing 100,000 subnormal numbers takes a tenth of a second)."""
    key = (betas_key(schedule), dtype)
    if key not in _STEPS:
        if len(_STEPS) > 64:
            _STEPS.clear()
        finfo = torch.finfo(dtype)

        def normal(values, zero_ok=False):
            inside = (values >= finfo.tiny) & (values <= finfo.max)
            return inside | (values == 0) if zero_ok else inside

        beta, alpha = schedule.float64("beta"), schedule.float64("alpha")
        alpha_bar, one_minus = schedule.float64("alpha_bar"), schedule.float64("one_minus_alpha_bar")
        here = normal(beta) & normal(alpha) & normal(alpha_bar) & normal(one_minus, zero_ok=True)
        here[0] = True                              # t = 0 is x_0 itself: no schedule value
        _STEPS[key] = here & torch.cat([here[:1], here[:-1]])
    return _STEPS[key]


def _usable_steps(schedule: NoiseSchedule, dtype: torch.dtype, t_min: int) -> torch.Tensor:
    """The timesteps t >= t_min whose schedule values are normal numbers of ``dtype`` (cached)."""
    key = (betas_key(schedule), dtype, t_min)
    if key not in _STEPS:
        _STEPS[key] = representable_steps(schedule, dtype)[t_min:].nonzero().flatten() + t_min
    return _STEPS[key]


def _within_range(t: torch.Tensor, schedule: NoiseSchedule, dtype: torch.dtype, t_min: int,
                  seed: int) -> torch.Tensor:
    """``t`` with every second point moved to a timestep whose schedule values are normal numbers
    of ``dtype``, when some timesteps' are not (T = 100,000 in float32: alpha_bar_t underflows
    from t ~ 9,000 on).  The points that stay show the rest of the schedule, compared at the
    dtype's absolute resolution (:func:`crosscheck.engine.evaluate.compare`).  Its own generator
    leaves the other draws as they were."""
    usable = _usable_steps(schedule, dtype, t_min)
    if usable.numel() in (0, schedule.T - t_min + 1):
        return t
    generator = torch.Generator().manual_seed(seed + 1)
    moved = t.clone()
    picks = torch.randint(0, usable.numel(), (len(t[::2]),), generator=generator)
    moved[::2] = usable[picks]
    return moved


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
    finfo = torch.finfo(dtype)
    tiny, huge = mpmath.mpf(finfo.tiny), mpmath.mpf(finfo.max)

    def outside_of_dtype(value) -> bool:           # neither 0 nor a normal number of the dtype
        return value != 0 and not tiny <= abs(value) <= huge

    outside = {symbols: torch.tensor([outside_of_dtype(v) or outside_of_dtype(1 - v)
                                      for v in (read(alpha, alpha_bar, i, schedule.T) for i in steps)],
                                     dtype=torch.bool)
               for symbols, read in SCHEDULE_VALUES.items()}
    return Group(schedule.to(dtype=dtype, device=device), t.to(device), tensors, values, exact, outside)


#: The schedule value a statement reads, by the symbols it is written in, from the exact tables
#: (alpha, alpha_bar), t and T; it reads its complement too (beta_t = 1 - alpha_t, 1 - alpha_bar_t).
#: A statement in alpha_t and alpha_bar_prev reads alpha_bar_t = alpha_t alpha_bar_{t-1} as well.
SCHEDULE_VALUES = {
    ("alpha_t",): lambda alpha, alpha_bar, t, T: alpha[t],
    ("alpha_bar_prev",): lambda alpha, alpha_bar, t, T: alpha_bar[t - 1],
    ("alpha_t", "alpha_bar_prev"): lambda alpha, alpha_bar, t, T: alpha_bar[t],
    ("alpha_bar_T",): lambda alpha, alpha_bar, t, T: alpha_bar[T],
}

_EXACT: dict = {}


def exact_schedule(schedule: NoiseSchedule) -> tuple[list, list]:
    """alpha_t = 1 - beta_t and alpha_bar_t = prod_{s<=t} alpha_s at 50 digits, index t = 0..T,
    taking the float64 betas as exact (cached by the betas)."""
    betas = schedule.float64("beta")
    key = betas_key(schedule)
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


def betas_key(schedule: NoiseSchedule) -> tuple[int, int]:
    """A cache key for a schedule's float64 betas."""
    betas = schedule.float64("beta")
    return betas.numel(), hash(betas.numpy().tobytes())
