"""Checks at the public boundary: every message names the argument, what was expected, what
was received, and how to fix it.  Inner functions trust their inputs."""

from __future__ import annotations

import numbers
from typing import TYPE_CHECKING

import torch

if TYPE_CHECKING:
    from .schedule import NoiseSchedule

def check_T(T: object) -> int:
    if isinstance(T, bool) or not isinstance(T, numbers.Integral):
        raise TypeError(f"`T` must be an int (number of diffusion steps), got {type(T).__name__} {T!r}")
    if T < 1:
        raise ValueError(f"`T` must be >= 1 (number of diffusion steps), got {T}; pass e.g. T=1000")
    return int(T)


def check_unit_interval(name: str, value: object) -> float:
    """A float strictly inside (0, 1)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"`{name}` must be a float, got {type(value).__name__} {value!r}")
    value = float(value)
    if not 0.0 < value < 1.0:  # also rejects nan
        raise ValueError(f"`{name}` must be in (0, 1), got {value!r}")
    return value


def check_nonnegative(name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"`{name}` must be a float, got {type(value).__name__} {value!r}")
    if not value >= 0.0 or value == float("inf"):
        raise ValueError(f"`{name}` must be finite and >= 0, got {value!r}")
    return float(value)


def check_betas(betas: object) -> torch.Tensor:
    """betas for t = 1..T as a float64 CPU tensor, each finite and inside (0, 1)."""
    if isinstance(betas, torch.Tensor):
        if not betas.is_floating_point():
            raise TypeError(f"`betas` must be a real floating tensor, got dtype {betas.dtype}")
        tensor = betas.detach().to(device="cpu", dtype=torch.float64)
    else:
        try:
            tensor = torch.as_tensor(betas, dtype=torch.float64)
        except (TypeError, ValueError, RuntimeError) as err:
            raise TypeError(
                f"`betas` must be a 1-D sequence or tensor of floats, got {type(betas).__name__}"
            ) from err
    if tensor.ndim != 1 or tensor.numel() == 0:
        raise ValueError(
            f"`betas` must be 1-D with T >= 1 entries (beta_1..beta_T), got shape {tuple(tensor.shape)}"
        )
    bad = ~(torch.isfinite(tensor) & (tensor > 0) & (tensor < 1))
    if bad.any():
        index = int(bad.nonzero()[0, 0])
        raise ValueError(
            f"`betas` must be finite and in (0, 1), got beta_{index + 1} = {tensor[index].item()!r} "
            f"(paper index t = {index + 1}); {int(bad.sum())} of {tensor.numel()} entries are invalid"
        )
    return tensor


def check_dtype(dtype: object) -> torch.dtype:
    if dtype is None:
        return torch.get_default_dtype()
    if not isinstance(dtype, torch.dtype) or not dtype.is_floating_point:
        raise TypeError(f"`dtype` must be a floating torch.dtype such as torch.float32, got {dtype!r}")
    return dtype


def check_device(device: object) -> torch.device:
    try:
        return torch.device("cpu" if device is None else device)
    except (RuntimeError, TypeError) as err:
        raise ValueError(f"`device` must name a torch device such as 'cpu' or 'cuda', got {device!r}") from err


def check_timestep(t: object, schedule: "NoiseSchedule", *, minimum: int = 1) -> torch.Tensor:
    """Paper timesteps as an int64 tensor on the schedule's device, each in [minimum, T]."""
    T = schedule.T
    if isinstance(t, torch.Tensor):
        if t.is_floating_point() or t.is_complex() or t.dtype == torch.bool:
            raise TypeError(f"`t` must be an int or an integer tensor of timesteps, got dtype {t.dtype}")
        if t.device != schedule.device:
            raise ValueError(
                f"`t` is on {t.device} but the schedule is on {schedule.device}; move it with "
                f"`t.to({str(schedule.device)!r})`"
            )
        steps = t.long()
    elif isinstance(t, numbers.Integral) and not isinstance(t, bool):
        steps = torch.tensor(int(t), device=schedule.device)
    else:
        raise TypeError(f"`t` must be an int or an integer tensor of timesteps, got {type(t).__name__} {t!r}")
    if steps.numel():
        low, high = int(steps.min()), int(steps.max())
        if low < minimum or high > T:
            bad = low if low < minimum else high
            hint = "timesteps follow the paper (1..T); t=0 is x_0 itself" if bad < 1 else (
                "the t=1 term is the decoder log p(x_0|x_1), not a KL" if bad < minimum
                else f"the schedule has T = {T} steps")
            raise ValueError(f"`t` must be in [{minimum}, {T}], got {bad}; {hint}")
    return steps


def check_data(name: str, x: object, schedule: "NoiseSchedule | None" = None,
               like: torch.Tensor | None = None) -> torch.Tensor:
    """A floating tensor on the schedule's (or ``like``'s) device and dtype."""
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"`{name}` must be a torch.Tensor, got {type(x).__name__}")
    if not x.is_floating_point():
        raise TypeError(
            f"`{name}` must be a floating tensor, got dtype {x.dtype}; convert with `{name}.float()`"
        )
    ref_dtype = schedule.dtype if schedule is not None else (like.dtype if like is not None else None)
    ref_device = schedule.device if schedule is not None else (like.device if like is not None else None)
    owner = "the schedule" if schedule is not None else "the other arguments"
    if ref_dtype is not None and x.dtype != ref_dtype:
        raise TypeError(
            f"`{name}` has dtype {x.dtype} but {owner} uses {ref_dtype}; build the schedule with "
            f"`dtype={x.dtype}` or convert with `{name}.to({ref_dtype})`"
        )
    if ref_device is not None and x.device != ref_device:
        raise ValueError(
            f"`{name}` is on {x.device} but {owner} is on {ref_device}; move one of them with `.to(...)`"
        )
    return x


def as_tensor_like(name: str, value: object, like: torch.Tensor) -> torch.Tensor:
    """A tensor argument (or Python number) checked against ``like``'s dtype and device."""
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        return torch.as_tensor(float(value), dtype=like.dtype, device=like.device)
    return check_data(name, value, like=like)


def check_positive(name: str, value: torch.Tensor, hint: str = "") -> torch.Tensor:
    if not bool((value > 0).all()):
        bad = value[~(value > 0)].flatten()[0].item()
        raise ValueError(f"`{name}` must be positive (a variance), got {bad!r}{hint}")
    return value


def check_shape(name: str, x: torch.Tensor, expected: tuple[int, ...], meaning: str) -> torch.Tensor:
    if tuple(x.shape) != tuple(expected):
        raise ValueError(f"`{name}` must have shape {tuple(expected)} ({meaning}), got {tuple(x.shape)}")
    return x


def check_choice(name: str, value: object, choices: tuple[str, ...]) -> str:
    if not isinstance(value, str) or value not in choices:
        raise ValueError(f"`{name}` must be one of {', '.join(repr(c) for c in choices)}, got {value!r}")
    return value


def _non_finite(value) -> bool:
    if isinstance(value, torch.Tensor):
        return value.is_floating_point() and not bool(torch.isfinite(value).all())
    if isinstance(value, (tuple, list)):
        return any(_non_finite(v) for v in value)
    if hasattr(value, "__dataclass_fields__"):
        return any(_non_finite(getattr(value, f)) for f in value.__dataclass_fields__)
    return False


def _first_bad_step(result, t) -> int:
    """The timestep of the first non-finite element (t indexes the leading dimensions)."""
    if not isinstance(t, torch.Tensor) or t.ndim == 0:
        return int(t)
    tensor = next((r for r in (result if isinstance(result, tuple) else (result,)) if _non_finite(r)), None)
    if isinstance(tensor, torch.Tensor) and tensor.shape[:t.ndim] == t.shape:
        bad = ~torch.isfinite(tensor).reshape(*t.shape, -1).all(-1)
        return int(t[bad][0])
    return int(t.flatten()[0])


def check_finite_result(function: str, result, arguments: dict) -> None:
    """Raise instead of returning nan or inf: name the non-finite input, or else the overflow."""
    if not _non_finite(result):
        return
    for name, value in arguments.items():
        if isinstance(value, torch.Tensor) and _non_finite(value):
            kind = "nan" if bool(torch.isnan(value).any()) else "inf"
            raise ValueError(f"`{name}` contains {kind}; `{function}` needs finite inputs")
    schedule, t = arguments.get("schedule"), arguments.get("t")
    where = ""
    if schedule is not None and hasattr(schedule, "float64"):
        alpha_bar = schedule.float64("alpha_bar")
        step = schedule.T if t is None else _first_bad_step(result, t)
        where = (f" at t = {step} (alpha_bar_t = {alpha_bar[step].item():.3g}, beta_t = "
                 f"{schedule.float64('beta')[step].item():.3g})")
    dtype = next((v.dtype for v in arguments.values() if isinstance(v, torch.Tensor) and v.is_floating_point()),
                 getattr(schedule, "dtype", None))
    raise ValueError(
        f"`{function}` overflows {dtype}{where}: the inputs are finite but the result is not; "
        f"use dtype=torch.float64, or a schedule whose alpha_bar_t and 1 - alpha_bar_t stay representable "
        f"(fewer steps, betas further from 0 and 1), or inputs of moderate size")


def finite(function):
    """Decorator: the function's result is finite, or a ValueError says why (never a silent nan/inf)."""
    import functools
    import inspect

    signature = inspect.signature(function)

    @functools.wraps(function)
    def checked(*args, **kwargs):
        result = function(*args, **kwargs)
        if _non_finite(result):
            bound = signature.bind(*args, **kwargs)
            check_finite_result(function.__name__, result, dict(bound.arguments))
        return result
    return checked
