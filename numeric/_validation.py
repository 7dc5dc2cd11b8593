"""Checks at the public boundary, in one module: every message names the argument, what was
expected, what was received, and how to fix it.  Public functions call these once and then an
unchecked core; cores and the loops inside the library trust their inputs."""

from __future__ import annotations

import functools
import inspect
import numbers

import torch

from ._tables import VARIANCES
from ._types import EpsModel, ScheduleLike


# -- numbers ---------------------------------------------------------------------------------------

def _require_integral(name: str, value: object, expected: str = "an int") -> None:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"`{name}` must be {expected}, got {type(value).__name__} {value!r}")


def _require_real(name: str, value: object, expected: str = "a float") -> None:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"`{name}` must be {expected}, got {type(value).__name__} {value!r}")


def check_T(T: object) -> int:
    _require_integral("T", T, "an int (number of diffusion steps)")
    if T < 1:
        raise ValueError(f"`T` must be >= 1 (number of diffusion steps), got {T}; pass e.g. T=1000")
    return int(T)


def check_count(name: str, value: object, minimum: int = 1) -> int:
    """A whole number >= ``minimum`` (a size, a number of samples or of epochs)."""
    _require_integral(name, value)
    if value < minimum:
        raise ValueError(f"`{name}` must be >= {minimum}, got {value}")
    return int(value)


def check_unit_interval(name: str, value: object) -> float:
    """A float strictly inside (0, 1)."""
    _require_real(name, value)
    value = float(value)
    if not 0.0 < value < 1.0:  # also rejects nan
        raise ValueError(f"`{name}` must be in (0, 1), got {value!r}")
    return value


def check_nonnegative(name: str, value: object) -> float:
    _require_real(name, value)
    if not value >= 0.0 or value == float("inf"):
        raise ValueError(f"`{name}` must be finite and >= 0, got {value!r}")
    return float(value)


def check_positive_float(name: str, value: object) -> float:
    _require_real(name, value, "a number")
    if not 0 < float(value) < float("inf"):
        raise ValueError(f"`{name}` must be finite and > 0, got {value!r}")
    return float(value)


def check_choice(name: str, value: object, choices: tuple[str, ...]) -> str:
    if not isinstance(value, str) or value not in choices:
        raise ValueError(f"`{name}` must be one of {', '.join(repr(c) for c in choices)}, got {value!r}")
    return value


# -- schedules -------------------------------------------------------------------------------------

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
    """The device as the tensors made on it report it: ``'cuda'`` is ``cuda:0`` (the current device),
    ``'cpu:0'`` is ``cpu``, so that comparing a tensor's device with the schedule's is exact; a device
    this build of torch cannot use is refused here, by name."""
    try:
        named = torch.device("cpu" if device is None else device)
    except (RuntimeError, TypeError) as err:
        raise ValueError(f"`device` must name a torch device such as 'cpu' or 'cuda', got {device!r}") from err
    try:
        return torch.empty(0, device=named).device
    except (RuntimeError, AssertionError, NotImplementedError) as err:
        raise ValueError(f"`device` {device!r} is not available here ({str(err).splitlines()[0]}); "
                         "use device='cpu', or a device torch.cuda.is_available() reports") from err


def check_variance(variance: object, schedule: ScheduleLike) -> str:
    """The name of a fixed reverse variance, usable with this schedule."""
    check_choice("variance", variance, VARIANCES)
    if variance == "posterior" and schedule.T < 2:
        raise ValueError("`variance='posterior'` needs T >= 2: sigma_1^2 is taken as beta_tilde_2 "
                         "(beta_tilde_1 = 0); with T = 1 use `variance='beta'`")
    return variance


# -- timesteps -------------------------------------------------------------------------------------

def check_timestep(t: object, schedule: ScheduleLike, *, minimum: int = 1) -> torch.Tensor:
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


def check_state_timestep(t: object, schedule: ScheduleLike) -> int:
    """A paper timestep of a *state* x_t: an int in [0, T] (0 is x_0 itself)."""
    if isinstance(t, torch.Tensor) and t.numel() == 1 and not t.is_floating_point():
        t = int(t)
    _require_integral("t", t, f"an int timestep in [0, {schedule.T}]")
    if not 0 <= t <= schedule.T:
        raise ValueError(f"`t` must be in [0, {schedule.T}] (paper timesteps; 0 is x_0 itself, "
                         f"{schedule.T} is x_T), got {t}")
    return int(t)


# -- tensors ---------------------------------------------------------------------------------------

def check_data(name: str, x: object, schedule: ScheduleLike | None = None,
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


def check_states(schedule: ScheduleLike, t: object, **tensors: object) -> tuple:
    """Each tensor argument (by name; None passes as None) on the schedule's dtype and device, then
    the paper timesteps ``t``: ``x_0, x_t, t = check_states(schedule, t, x_0=x_0, x_t=x_t)``."""
    checked = tuple(None if x is None else check_data(name, x, schedule) for name, x in tensors.items())
    return (*checked, check_timestep(t, schedule))


def as_tensor_like(name: str, value: object, like: torch.Tensor) -> torch.Tensor:
    """A tensor argument (or Python number) checked against ``like``'s dtype and device."""
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        return torch.as_tensor(float(value), dtype=like.dtype, device=like.device)
    return check_data(name, value, like=like)


def check_finite(name: str, x: torch.Tensor, hint: str = "") -> torch.Tensor:
    if not bool(torch.isfinite(x).all()):
        raise ValueError(f"`{name}` contains nan or inf{hint}")
    return x


def check_positive(name: str, value: torch.Tensor, hint: str = "") -> torch.Tensor:
    if not bool((value > 0).all()):
        bad = value[~(value > 0)].flatten()[0].item()
        raise ValueError(f"`{name}` must be positive (a variance), got {bad!r}{hint}")
    return value


def check_shape(name: str, x: torch.Tensor, expected: tuple[int, ...], meaning: str) -> torch.Tensor:
    if tuple(x.shape) != tuple(expected):
        raise ValueError(f"`{name}` must have shape {tuple(expected)} ({meaning}), got {tuple(x.shape)}")
    return x


def check_points(name: str, x: object, schedule: ScheduleLike | None = None, dim: int | None = None) -> torch.Tensor:
    """A (B, d) floating tensor (a batch of points), finite, on the schedule's dtype and device."""
    x = check_data(name, x, schedule)
    if x.ndim != 2 or x.shape[0] == 0:
        raise ValueError(f"`{name}` must have shape (batch, dim) with batch >= 1, got {tuple(x.shape)}; "
                         f"for one point use `{name}[None]` or `test_data[0:1]`")
    if dim is not None and x.shape[1] != dim:
        raise ValueError(f"`{name}` must have {dim} columns (data_dim), got shape {tuple(x.shape)}")
    return check_finite(name, x)


def check_trajectory(trajectory: object, schedule: ScheduleLike, eps_model: object, variance: object) -> torch.Tensor:
    """The inputs of the pathwise ELBO terms: forward trajectories x_{0:T} of shape (T+1, B, *data) on the
    schedule's dtype and device, finite; a callable ``eps_model``; a reverse variance for the schedule."""
    trajectory = check_data("trajectory", trajectory, schedule)
    T = schedule.T
    if trajectory.ndim < 3 or trajectory.shape[0] != T + 1:
        raise ValueError(f"`trajectory` must have shape (T+1, B, *data) = ({T + 1}, B, ...) holding "
                         f"x_0..x_T, with at least one data dimension, got {tuple(trajectory.shape)}")
    check_eps_model(eps_model)
    check_variance(variance, schedule)
    return check_finite("trajectory", trajectory)


# -- the noise-prediction model --------------------------------------------------------------------

def check_eps_model(eps_model: object) -> EpsModel:
    if not callable(eps_model):
        raise TypeError(f"`eps_model` must be callable as eps_model(x_t, t), got {type(eps_model).__name__}")
    return eps_model


def check_model_output(eps_theta: object, like: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    """``eps_model``'s answer for ``like`` at timesteps ``t`` (one per row): shaped like it, its
    dtype and device, finite."""
    if not isinstance(eps_theta, torch.Tensor):
        raise TypeError(f"`eps_model` must return a torch.Tensor, got {type(eps_theta).__name__}")
    if eps_theta.shape != like.shape:
        raise ValueError(f"`eps_model` returned shape {tuple(eps_theta.shape)} for x_t of shape "
                         f"{tuple(like.shape)}; it must return eps_theta(x_t, t) shaped like x_t")
    if eps_theta.dtype != like.dtype or eps_theta.device != like.device:
        raise TypeError(f"`eps_model` returned {eps_theta.dtype} on {eps_theta.device} for x_t of "
                        f"{like.dtype} on {like.device}; return the dtype and device of x_t")
    finite_rows = torch.isfinite(eps_theta).flatten(1).all(1)
    if not bool(finite_rows.all()):
        bad = int(t[~finite_rows][0])
        raise ValueError(f"`eps_model` returned non-finite values (nan or inf) at t = {bad}; "
                         f"check the model and its input scaling")
    return eps_theta


def call_model(eps_model: EpsModel, x_t: torch.Tensor, steps: torch.Tensor) -> torch.Tensor:
    """eps_model on a (n, B, *data) block: one call with the n*B rows and paper timesteps, its
    answer checked (the model is user code: each answer is new input)."""
    n, batch = x_t.shape[:2]
    flat_x = x_t.reshape(n * batch, *x_t.shape[2:])
    flat_t = steps.repeat_interleave(batch)
    return check_model_output(eps_model(flat_x, flat_t), flat_x, flat_t).reshape(x_t.shape)


# -- results ---------------------------------------------------------------------------------------

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
    """Decorator for public functions: the result is finite, or a ValueError says why (never a
    silent nan/inf).  Cores are not decorated: the check synchronises with the device."""
    signature = inspect.signature(function)

    @functools.wraps(function)
    def checked(*args, **kwargs):
        result = function(*args, **kwargs)
        if _non_finite(result):
            bound = signature.bind(*args, **kwargs)
            check_finite_result(function.__name__, result, dict(bound.arguments))
        return result
    return checked
