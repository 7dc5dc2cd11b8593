"""Checks at the public boundary, in one module: every message names the argument, what was
expected, what was received, and how to fix it.  Public functions call these once and then an
unchecked core; cores and the loops inside the library trust their inputs.

The failure modes these checks produce are listed as data, one row per distinct failure with an
example call, in :mod:`numeric._failures`; ``python -m crosscheck.devtools.contract`` runs the
examples and prints the README's table.

Limits, each named here once:

* :data:`MAX_T`: the largest number of diffusion steps of a schedule;
* :func:`memory_limit`: the most bytes a public function may set out to allocate from a
  user-given shape or count (the device's whole memory: a request beyond it can never succeed,
  so it is refused up front with both sizes instead of reaching the allocator);
* :data:`INT64_MAX`: the largest timestep, size or seed torch can hold.
"""

from __future__ import annotations

import functools
import inspect
import math
import numbers
import os
from typing import Mapping

import torch

from ._tables import VARIANCES
from ._types import EpsModel, ScheduleLike

#: The largest number of diffusion steps: the schedule keeps about 20 float64 tables of T + 1
#: entries and builds log(alpha_bar) by a compensated sum in Python (about 1 s per million
#: steps); 1000 times the T = 1000 of Ho et al. (2020) and 250 times improved-diffusion's 4000.
MAX_T = 1_000_000

#: The largest integer a torch int64 tensor holds (timesteps, sizes, seeds).
INT64_MAX = 2**63 - 1

#: The working dtypes torch computes in on CPU and CUDA.  The float8 types are storage formats
#: without arithmetic (no comparison, no log on CPU), so they are refused by name.
DTYPES = (torch.float64, torch.float32, torch.float16, torch.bfloat16)

#: The float64 tables every schedule has (:class:`numeric.NoiseSchedule`); the others are built on demand.
MASTER_TABLES = ("beta", "alpha", "log_alpha", "log_alpha_bar", "alpha_bar", "one_minus_alpha_bar")

_INTEGER_DTYPES = {torch.int8, torch.int16, torch.int32, torch.int64, torch.uint8}


def _repr(value: object, limit: int = 60) -> str:
    """``repr(value)`` on one line, cut to ``limit`` characters (a tensor by its shape and dtype)."""
    if isinstance(value, torch.Tensor):
        return f"a tensor of shape {tuple(value.shape)} and dtype {value.dtype}"
    text = " ".join(repr(value).split())
    return text if len(text) <= limit else text[:limit - 3] + "..."


def _shown(value: object, limit: int = 60) -> str:
    """``type value`` for a message (a tensor by its shape and dtype)."""
    if isinstance(value, torch.Tensor):
        return _repr(value)
    return f"{type(value).__name__} {_repr(value, limit)}"


def _bytes(n: int) -> str:
    """A byte count in decimal units (1.0 GB = 10**9 bytes)."""
    for unit, size in (("PB", 10**15), ("TB", 10**12), ("GB", 10**9), ("MB", 10**6), ("kB", 10**3)):
        if n >= size:
            return f"{n / size:.1f} {unit}"
    return f"{n} bytes"


# -- numbers ---------------------------------------------------------------------------------------

def _require_integral(name: str, value: object, expected: str = "an int") -> None:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"`{name}` must be {expected}, got {_shown(value)}")


def _require_real(name: str, value: object, expected: str = "a float") -> None:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"`{name}` must be {expected}, got {_shown(value)}")


def _as_float(name: str, value: numbers.Real, expected: str) -> float:
    """``float(value)``; an int too large for a float is refused with the range, not an OverflowError."""
    try:
        return float(value)
    except OverflowError:
        raise ValueError(f"`{name}` must be {expected}, got {_shown(value)}, which no float can hold") from None


def check_T(T: object) -> int:
    _require_integral("T", T, "an int (number of diffusion steps)")
    if T < 1:
        raise ValueError(f"`T` must be >= 1 (number of diffusion steps), got {T}; pass e.g. T=1000")
    if T > MAX_T:
        raise ValueError(f"`T` must be in [1, {MAX_T}] (MAX_T, the most diffusion steps a schedule holds), "
                         f"got {T}; use fewer steps (Ho et al. 2020 use T = 1000)")
    return int(T)


def check_count(name: str, value: object, minimum: int = 1, maximum: int = INT64_MAX) -> int:
    """A whole number in [minimum, maximum] (a size, a number of samples or of epochs)."""
    _require_integral(name, value)
    if value < minimum:
        raise ValueError(f"`{name}` must be >= {minimum}, got {value}")
    if value > maximum:
        raise ValueError(f"`{name}` must be in [{minimum}, {maximum}], got {value}; pass a smaller number")
    return int(value)


def check_sample_count(name: str, value: object, bytes_each: int, device: object, what: str,
                       minimum: int = 1) -> int:
    """A number of samples (:func:`check_count`) whose ``bytes_each`` bytes apiece fit in the memory
    of ``device`` (:func:`check_memory`)."""
    value = check_count(name, value, minimum)
    check_memory(name, f"= {value}", value * bytes_each, torch.device(device), what,
                 f"pass a smaller {name}")
    return value


def check_unit_interval(name: str, value: object) -> float:
    """A float strictly inside (0, 1)."""
    _require_real(name, value)
    value = _as_float(name, value, "in (0, 1)")
    if not 0.0 < value < 1.0:  # also rejects nan
        raise ValueError(f"`{name}` must be in (0, 1), got {value!r}")
    return value


def check_nonnegative(name: str, value: object) -> float:
    _require_real(name, value)
    value = _as_float(name, value, "finite and >= 0")
    if not value >= 0.0 or value == float("inf"):
        raise ValueError(f"`{name}` must be finite and >= 0, got {value!r}")
    return value


def check_positive_float(name: str, value: object) -> float:
    _require_real(name, value, "a number")
    if not 0 < _as_float(name, value, "finite and > 0") < float("inf"):
        raise ValueError(f"`{name}` must be finite and > 0, got {value!r}")
    return float(value)


def check_choice(name: str, value: object, choices: tuple[str, ...]) -> str:
    if not isinstance(value, str) or value not in choices:
        raise ValueError(f"`{name}` must be one of {', '.join(repr(c) for c in choices)}, got {_repr(value)}")
    return value


def _instance_error(name: str, value: object, cls: type, fix: str) -> TypeError:
    """The error for ``value`` that is not a ``cls`` (a result type of the library, such as
    ELBOTerms); the caller tests ``isinstance`` itself (one test, cheap enough for the library's
    own calls: it does not count as validating)."""
    return TypeError(f"`{name}` must be a numeric.{cls.__name__}, got {_shown(value)}; {fix}")


# -- dtypes and devices ----------------------------------------------------------------------------

def check_dtype(dtype: object) -> torch.dtype:
    if dtype is None:
        return torch.get_default_dtype()
    if not isinstance(dtype, torch.dtype) or not dtype.is_floating_point:
        raise TypeError(f"`dtype` must be a floating torch.dtype such as torch.float32, got {_repr(dtype)}; "
                        "pass torch.float32 or torch.float64")
    if dtype not in DTYPES:
        raise TypeError(f"`dtype` must be one of {', '.join(map(str, DTYPES))}, got {dtype}; float8 types "
                        "are storage formats without arithmetic in torch: compute in torch.float16 or "
                        "torch.float32 and cast the result")
    return dtype


def _device_reason(named: torch.device, err: Exception) -> str:
    if named.type == "cuda":
        if not torch.cuda.is_available():
            return "torch.cuda.is_available() is False"
        return f"this machine has {torch.cuda.device_count()} CUDA device(s)"
    return str(err).splitlines()[0].split(". ")[0] if str(err) else type(err).__name__


def check_device(device: object) -> torch.device:
    """The device as the tensors made on it report it: ``'cuda'`` is ``cuda:0`` (the current device),
    ``'cpu:0'`` is ``cpu``, so that comparing a tensor's device with the schedule's is exact; a device
    this build of torch cannot use is refused here, by name, and so is ``meta`` (it holds no values)."""
    if isinstance(device, bool) or not isinstance(device, (str, torch.device, int, type(None))):
        raise TypeError(f"`device` must be a str or torch.device such as 'cpu' or 'cuda', got {_shown(device)}")
    try:
        named = torch.device("cpu" if device is None else device)
    except (RuntimeError, TypeError, ValueError) as err:
        raise ValueError(f"`device` must name a torch device such as 'cpu' or 'cuda', got {device!r}") from err
    if named.type == "meta":
        raise ValueError(f"`device` must hold values, got {device!r}; a meta tensor has a shape but no values, "
                         "so no formula can be evaluated on it: use device='cpu' or 'cuda'")
    try:
        return torch.empty(0, device=named).device
    except (RuntimeError, AssertionError, NotImplementedError, ValueError) as err:
        raise ValueError(f"`device` {device!r} is not available here; {_device_reason(named, err)}; "
                         "use device='cpu', or a device torch.cuda.is_available() reports") from err


#: The memory limit where the machine's cannot be read (os.sysconf is POSIX only): 2**50 bytes,
#: more than any one machine holds, so that only requests no machine could meet are refused.
UNKNOWN_MEMORY = 2**50


@functools.lru_cache(maxsize=None)
def memory_limit(device: torch.device) -> tuple[int, str] | None:
    """(bytes, where the figure comes from) for ``device``: the physical memory of the machine
    for ``cpu`` (``os.sysconf``; :data:`UNKNOWN_MEMORY` where it has none), the total memory of
    the GPU for ``cuda`` (``torch.cuda.mem_get_info``); None for other devices (no limit)."""
    if device.type == "cpu":
        try:
            return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"), "its physical memory, os.sysconf"
        except (AttributeError, ValueError, OSError):
            return UNKNOWN_MEMORY, "more than any machine holds; os.sysconf cannot read this one's"
    if device.type == "cuda":
        return torch.cuda.mem_get_info(device)[1], "its total memory, torch.cuda.mem_get_info"
    return None


def check_memory(name: str, received: str, nbytes: int, device: torch.device, what: str, fix: str) -> None:
    """Refuse up front an allocation that cannot fit in ``device``'s memory (:func:`memory_limit`),
    naming the argument it comes from, the size requested and the limit."""
    limit = memory_limit(device)
    if limit is not None and nbytes > limit[0]:
        raise ValueError(f"`{name}` {received} needs {_bytes(nbytes)} ({what}), more than the device can hold; "
                         f"the limit on {device} is {_bytes(limit[0])} ({limit[1]}); {fix}")


def check_generator(generator: object, device: torch.device) -> torch.Generator | None:
    """None, or a torch.Generator on the device the draws are made on."""
    if generator is None:
        return None
    if not isinstance(generator, torch.Generator):
        raise TypeError(f"`generator` must be a torch.Generator or None, got {_shown(generator)}; to seed the "
                        "draws pass `generator=torch.Generator().manual_seed(0)`")
    if generator.device.type != device.type:
        raise ValueError(f"`generator` is on {generator.device} but the draws are made on {device}; "
                         f"create it with `torch.Generator(device={str(device)!r})`")
    return generator


def check_shape_argument(name: str, shape: object, dtype: torch.dtype, device: torch.device,
                         copies: int) -> tuple[int, ...]:
    """A shape (B, *data) of positive ints whose ``copies`` tensors fit on ``device``."""
    if isinstance(shape, (str, bytes)) or not isinstance(shape, (tuple, list, torch.Size)):
        hint = f"; for {shape} samples of 1-D data pass ({shape}, 1)" if isinstance(shape, int) else ""
        raise TypeError(f"`{name}` must be a tuple (B, *data) of positive ints, got {_shown(shape)}{hint}")
    shape = tuple(shape)
    if len(shape) < 2 or not all(isinstance(n, numbers.Integral) and not isinstance(n, bool) and 1 <= n <= INT64_MAX
                                 for n in shape):
        raise ValueError(f"`{name}` must be (B, *data) with positive ints, got {_repr(shape)}; e.g. (64, 2) for "
                         "64 points in 2-D")
    numel = math.prod(shape)
    size = torch.empty((), dtype=dtype).element_size()
    check_memory(name, str(shape), numel * size * copies, device,
                 f"the state and {copies - 1} working copies in {dtype}",
                 "draw fewer samples per call and concatenate")
    return tuple(int(n) for n in shape)


# -- schedules -------------------------------------------------------------------------------------

def _is_schedule(value: object) -> bool:
    return all(hasattr(value, a) for a in ("T", "dtype", "device", "float64", "table"))


def check_schedule(schedule: object, t: object = None) -> ScheduleLike:
    """A noise schedule (read by its Protocol); when ``t`` holds the schedule instead, the two were
    passed in the wrong order, and the message says so."""
    if not _is_schedule(schedule):
        swapped = ("; `t` holds the schedule: the two are swapped, pass (..., t, schedule)"
                   if _is_schedule(t) else "; build one with NoiseSchedule.linear(1000) (or .cosine, .from_betas)")
        raise TypeError(f"`schedule` must be a numeric.NoiseSchedule, got {_shown(schedule)}{swapped}")
    return schedule


def _check_tensor_kind(name: str, x: torch.Tensor) -> None:
    """Dense, unquantized, with arithmetic (no float8)."""
    if x.layout != torch.strided:
        raise TypeError(f"`{name}` must be a dense tensor, got layout {x.layout}; convert with `{name}.to_dense()`")
    if x.is_quantized:
        raise TypeError(f"`{name}` must be a floating tensor, got the quantized dtype {x.dtype}; convert with "
                        f"`{name}.dequantize()`")


def check_betas(betas: object) -> torch.Tensor:
    """betas for t = 1..T as a float64 CPU tensor, each finite and inside (0, 1)."""
    if isinstance(betas, torch.Tensor):
        _check_tensor_kind("betas", betas)
        if not betas.is_floating_point():
            raise TypeError(f"`betas` must be a real floating tensor, got dtype {betas.dtype}")
        if betas.requires_grad:
            raise ValueError("`betas` must not require grad: a NoiseSchedule is a constant (its tables are built "
                             "in float64 without autograd), so no gradient would reach betas; pass "
                             "`betas.detach()`")
        if betas.device.type == "meta":
            raise ValueError("`betas` must hold values, got a meta tensor (a shape without values)")
        tensor = betas.detach().to(device="cpu", dtype=torch.float64)
    else:
        try:
            tensor = torch.as_tensor(betas, dtype=torch.float64)
        except (TypeError, ValueError, RuntimeError, OverflowError) as err:
            raise TypeError(
                f"`betas` must be a 1-D sequence or tensor of floats, got {type(betas).__name__}"
            ) from err
    if tensor.ndim != 1 or tensor.numel() == 0:
        raise ValueError(
            f"`betas` must be 1-D with T >= 1 entries (beta_1..beta_T), got shape {tuple(tensor.shape)}"
        )
    if tensor.numel() > MAX_T:
        raise ValueError(f"`betas` must have at most {MAX_T} entries (MAX_T, the most diffusion steps a schedule "
                         f"holds), got {tensor.numel()}; use fewer steps")
    bad = ~(torch.isfinite(tensor) & (tensor > 0) & (tensor < 1))
    if bad.any():
        index = int(bad.nonzero()[0, 0])
        raise ValueError(
            f"`betas` must be finite and in (0, 1), got beta_{index + 1} = {tensor[index].item()!r} "
            f"(paper index t = {index + 1}); {int(bad.sum())} of {tensor.numel()} entries are invalid"
        )
    return tensor


def check_variance(variance: object, schedule: ScheduleLike) -> str:
    """The name of a fixed reverse variance, usable with this schedule."""
    check_schedule(schedule)
    check_choice("variance", variance, VARIANCES)
    if variance == "posterior" and schedule.T < 2:
        raise ValueError("`variance='posterior'` needs T >= 2: sigma_1^2 is taken as beta_tilde_2 "
                         "(beta_tilde_1 = 0); with T = 1 use `variance='beta'`")
    return variance


def check_table_name(name: object, known, build: object, fix: str | None = None) -> str:
    """The name of a schedule table: a master table, one built before, or one ``build`` makes."""
    if not isinstance(name, str):
        raise TypeError(f"`name` must be the name of a schedule table (a str such as 'alpha_bar'), got {_shown(name)}")
    if build is not None and not callable(build):
        raise TypeError(f"`build` must be a table builder (a callable of the float64 master tables, see "
                        f"numeric._tables), got {_shown(build)}")
    if name not in known and build is None:
        fix = fix or ("a derived table needs `build`, e.g. "
                      "`schedule.table('beta_tilde', numeric._tables.beta_tilde)`")
        raise ValueError(f"`name` must be a table of the schedule, got {name!r}; the master tables are "
                         f"{', '.join(MASTER_TABLES)}; {fix}")
    return name


# -- timesteps -------------------------------------------------------------------------------------

def _range_error(bad: int, minimum: int, T: int) -> ValueError:
    hint = "timesteps follow the paper (1..T); t=0 is x_0 itself" if bad < 1 else (
        "the t=1 term is the decoder log p(x_0|x_1), not a KL" if bad < minimum
        else f"the schedule has T = {T} steps")
    return ValueError(f"`t` must be in [{minimum}, {T}], got {bad}; {hint}")


def check_timestep(t: object, schedule: ScheduleLike, *, minimum: int = 1) -> torch.Tensor:
    """Paper timesteps as an int64 tensor on the schedule's device, each in [minimum, T]."""
    check_schedule(schedule, t)
    T = schedule.T
    if isinstance(t, torch.Tensor):
        if t.layout != torch.strided:
            raise TypeError(f"`t` must be a dense integer tensor, got layout {t.layout}; convert with `t.to_dense()`")
        if t.dtype not in _INTEGER_DTYPES:
            raise TypeError(f"`t` must be an int or an integer tensor of timesteps, got dtype {t.dtype}")
        if t.device != schedule.device:
            raise ValueError(
                f"`t` is on {t.device} but the schedule is on {schedule.device}; move it with "
                f"`t.to({str(schedule.device)!r})`"
            )
        steps = t.long()
    elif isinstance(t, numbers.Integral) and not isinstance(t, bool):
        if not minimum <= t <= T:          # before torch sees it: 2**70 is a range error, not an overflow
            raise _range_error(int(t), minimum, T)
        steps = torch.tensor(int(t), device=schedule.device)
    else:
        raise TypeError(f"`t` must be an int or an integer tensor of timesteps, got {_shown(t)}")
    if steps.numel():
        low, high = int(steps.min()), int(steps.max())
        if low < minimum or high > T:
            raise _range_error(low if low < minimum else high, minimum, T)
    return steps


def check_state_timestep(t: object, schedule: ScheduleLike) -> int:
    """A paper timestep of a *state* x_t: an int in [0, T] (0 is x_0 itself)."""
    check_schedule(schedule, t)
    if isinstance(t, torch.Tensor) and t.numel() == 1 and t.dtype in _INTEGER_DTYPES:
        t = int(t)
    _require_integral("t", t, f"an int timestep in [0, {schedule.T}]")
    if not 0 <= t <= schedule.T:
        raise ValueError(f"`t` must be in [0, {schedule.T}] (paper timesteps; 0 is x_0 itself, "
                         f"{schedule.T} is x_T), got {t}")
    return int(t)


# -- tensors ---------------------------------------------------------------------------------------

def check_data(name: str, x: object, schedule: ScheduleLike | None = None,
               like: torch.Tensor | None = None, like_name: str | None = None) -> torch.Tensor:
    """A dense floating tensor with arithmetic, on the schedule's (or ``like``'s, the argument
    ``like_name``) device and dtype."""
    if schedule is not None:
        check_schedule(schedule)
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"`{name}` must be a torch.Tensor, got {type(x).__name__}")
    _check_tensor_kind(name, x)
    if x.is_complex():
        raise TypeError(f"`{name}` must be a real floating tensor, got dtype {x.dtype}; the formulas are real: "
                        f"pass `{name}.real` if the imaginary part is zero")
    if not x.is_floating_point():
        raise TypeError(
            f"`{name}` must be a floating tensor, got dtype {x.dtype}; convert with `{name}.float()`"
        )
    if x.dtype not in DTYPES:
        raise TypeError(f"`{name}` must have one of the dtypes {', '.join(map(str, DTYPES))}, got {x.dtype}, a "
                        f"storage format without arithmetic in torch; convert with `{name}.to(torch.float32)`")
    if schedule is not None:
        ref_dtype, ref_device, owner = schedule.dtype, schedule.device, "the schedule"
    elif like is not None:
        ref_dtype, ref_device, owner = like.dtype, like.device, f"`{like_name}`" if like_name else "the other arguments"
    else:
        ref_dtype = ref_device = owner = None
    if ref_dtype is not None and x.dtype != ref_dtype:
        fix = (f"build the schedule with `dtype={x.dtype}` or convert with `{name}.to({ref_dtype})`"
               if schedule is not None else f"convert one of them, e.g. `{name}.to({ref_dtype})`")
        verb = "uses" if schedule is not None else "has"
        raise TypeError(f"`{name}` has dtype {x.dtype} but {owner} {verb} {ref_dtype}; {fix}")
    if ref_device is not None and x.device != ref_device:
        raise ValueError(
            f"`{name}` is on {x.device} but {owner} is on {ref_device}; move one of them with `.to(...)`"
        )
    if x.device.type == "meta":
        raise ValueError(f"`{name}` must hold values, got a meta tensor (a shape without values); "
                         "create it on 'cpu' or 'cuda'")
    return x


def _broadcast(a: tuple[int, ...], b: tuple[int, ...]) -> tuple[int, ...] | None:
    """The broadcast of two shapes (numpy's rule: align the trailing dimensions), or None."""
    out = []
    for i in range(1, max(len(a), len(b)) + 1):
        m = a[-i] if i <= len(a) else 1
        n = b[-i] if i <= len(b) else 1
        if m != n and m != 1 and n != 1:
            return None
        out.append(n if m == 1 else m)
    return tuple(reversed(out))


def check_broadcast(tensors: Mapping[str, object], t: torch.Tensor | None = None) -> tuple[int, ...]:
    """The shape of the result of tensor arguments that broadcast together (None entries and
    numbers skipped); with ``t``, a tensor of timesteps indexing the *leading* dimensions of the
    data (as ``gather`` reads it), the data must have at least t's dimensions, all the same
    number of them, with leading dimensions that broadcast against t's shape."""
    shapes = {n: x.shape for n, x in tensors.items() if isinstance(x, torch.Tensor)}
    if shapes:                     # the common case, in a few comparisons: one shape, t its leading part
        first = next(iter(shapes.values()))
        if all(shape == first for shape in shapes.values()) and (
                t is None or t.ndim == 0 or first[:t.ndim] == t.shape):
            return tuple(first)
    shapes = {n: tuple(shape) for n, shape in shapes.items()}
    result: tuple[int, ...] = ()
    for name, shape in shapes.items():
        joined = _broadcast(result, shape)
        if joined is None:
            clash = next(n for n in shapes if _broadcast(shapes[n], shape) is None)
            raise ValueError(f"`{clash}` has shape {shapes[clash]} and `{name}` has shape {shape}, which do not "
                             f"broadcast together; pass tensors of the same shape")
        result = joined
    if t is None or t.ndim == 0:
        return result
    lead = tuple(t.shape)
    data = {n: shape for n, shape in shapes.items() if shape}        # 0-dim tensors broadcast as numbers
    ndim = len(next(iter(data.values()))) if data else 0
    for name, shape in data.items():
        if len(shape) < len(lead) or len(shape) != ndim:
            raise ValueError(f"`t` has shape {lead} but `{name}` has shape {shape}: a tensor `t` holds one "
                             f"timestep per entry of the leading dimensions of the data, so every tensor argument "
                             f"needs the same number of dimensions, at least {len(lead)}; expand them first, e.g. "
                             f"`x_0.expand_as(x_t)`")
        if _broadcast(lead, shape[:len(lead)]) is None:
            raise ValueError(f"`t` has shape {lead} but `{name}` has shape {shape}: a tensor `t` holds one "
                             f"timestep per entry of the leading dimensions, so it must have shape "
                             f"{shape[:len(lead)]} (or be an int)")
    return _broadcast(result, lead + (1,) * (len(result) - len(lead)))


def check_states(schedule: ScheduleLike, t: object, **tensors: object) -> tuple:
    """Each tensor argument (by name; ``noise`` may be None, drawn later) on the schedule's dtype
    and device, broadcasting together and against the paper timesteps ``t``
    (:func:`check_broadcast`), then ``t``: ``x_0, x_t, t = check_states(schedule, t, x_0=x_0, x_t=x_t)``."""
    check_schedule(schedule, t)
    checked = {name: None if x is None and name == "noise" else check_data(name, x, schedule)
               for name, x in tensors.items()}
    steps = check_timestep(t, schedule)
    check_broadcast(checked, steps)
    return (*checked.values(), steps)


def check_noise(noise: torch.Tensor | None, x: torch.Tensor, x_name: str) -> None:
    """The noise of a draw: None, or a tensor shaped like the data ``x`` (one eps per coordinate;
    a noise that broadcasts would reuse one draw for many coordinates)."""
    if noise is not None:
        check_shape("noise", noise, tuple(x.shape), f"eps, shaped like {x_name}")


def as_tensor_like(name: str, value: object, like: torch.Tensor, like_name: str | None = None) -> torch.Tensor:
    """A tensor argument (or Python number) checked against ``like``'s dtype and device."""
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        return torch.as_tensor(_as_float(name, value, "a finite number"), dtype=like.dtype, device=like.device)
    if not isinstance(value, torch.Tensor):
        raise TypeError(f"`{name}` must be a torch.Tensor or a real number, got {_shown(value)}")
    return check_data(name, value, like=like, like_name=like_name)


def check_gaussian_arguments(function: str, **arguments: object) -> tuple[torch.Tensor, ...]:
    """Means and variances of Gaussians (tensors or numbers, at least one a tensor), in order, as
    tensors of the first tensor's dtype and device that broadcast together; the variances (the
    arguments named ``var...``) positive."""
    like_name, like = next(((n, a) for n, a in arguments.items() if isinstance(a, torch.Tensor)), (None, None))
    if like is None:
        names = ", ".join(f"`{n}`" for n in arguments)
        raise TypeError(f"`{function}` needs at least one torch.Tensor argument among {names}, got only numbers; "
                        f"pass e.g. `{next(iter(arguments))}=torch.tensor(0.0)`")
    like = check_data(like_name, like)
    checked = {n: as_tensor_like(n, a, like, like_name) for n, a in arguments.items()}
    for name, value in checked.items():
        if name.startswith("var"):
            check_positive(name, value)
    check_broadcast(checked)
    return tuple(checked.values())


def check_forward_trajectory(x_0: object, schedule: ScheduleLike, noise: object, generator: object) -> tuple:
    """(x_0, noise) for a forward trajectory: data on the schedule's dtype and device, the noise of
    each step shaped (T, *x_0.shape) or None, a generator on the device; the trajectory (and the
    noise drawn when none is given) must fit on the device."""
    x_0 = check_data("x_0", x_0, check_schedule(schedule))
    T = schedule.T
    if noise is not None:
        noise = check_shape("noise", check_data("noise", noise, schedule), (T, *x_0.shape),
                            "one eps per step t = 1..T")
    check_generator(generator, x_0.device)
    states = T + 1 + (T if noise is None else 0)
    drawn = "" if noise is not None else " and the noise of T steps"
    check_memory("x_0", f"of shape {tuple(x_0.shape)}", states * x_0.numel() * x_0.element_size(), x_0.device,
                 f"the trajectory of T + 1 = {T + 1} states{drawn}", "pass fewer points per call, or a schedule with "
                 "fewer steps")
    return x_0, noise


def check_finite(name: str, x: torch.Tensor, hint: str = "") -> torch.Tensor:
    if not bool(torch.isfinite(x).all()):
        raise ValueError(f"`{name}` contains nan or inf{hint}")
    return x


def check_positive(name: str, value: torch.Tensor, hint: str = "") -> torch.Tensor:
    """A variance: every entry > 0 and finite (an infinite variance would give a finite, meaningless 0)."""
    if not bool(((value > 0) & (value < math.inf)).all()):
        if not bool((value > 0).all()):
            bad = value[~(value > 0)].flatten()[0].item()
            raise ValueError(f"`{name}` must be positive (a variance), got {bad!r}{hint}")
        raise ValueError(f"`{name}` must be finite (a variance), got inf")
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


def check_trajectory(trajectory: object, schedule: ScheduleLike, eps_model: object, variance: object,
                     copies: int = 1) -> torch.Tensor:
    """The inputs of the pathwise ELBO terms: forward trajectories x_{0:T} of shape (T+1, B, *data) on the
    schedule's dtype and device, finite; a callable ``eps_model``; a reverse variance for the schedule;
    ``copies`` working tensors of the trajectory's size fit on its device."""
    trajectory = check_data("trajectory", trajectory, check_schedule(schedule))
    T = schedule.T
    if trajectory.ndim < 3 or trajectory.shape[0] != T + 1:
        raise ValueError(f"`trajectory` must have shape (T+1, B, *data) = ({T + 1}, B, ...) holding "
                         f"x_0..x_T, with at least one data dimension, got {tuple(trajectory.shape)}")
    check_eps_model(eps_model)
    check_variance(variance, schedule)
    check_memory("trajectory", f"of shape {tuple(trajectory.shape)}",
                 trajectory.numel() * trajectory.element_size() * copies, trajectory.device,
                 f"{copies} working tensors of its size", "pass fewer trajectories (a smaller B) per call")
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
    if eps_theta.layout != torch.strided:
        raise TypeError(f"`eps_model` returned a tensor of layout {eps_theta.layout}; return a dense tensor "
                        "(`.to_dense()`)")
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
    if isinstance(value, float):
        return not math.isfinite(value)
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
        if isinstance(value, (torch.Tensor, float)) and _non_finite(value):
            isnan = bool(torch.isnan(value).any()) if isinstance(value, torch.Tensor) else math.isnan(value)
            raise ValueError(f"`{name}` contains {'nan' if isnan else 'inf'}; `{function}` needs finite inputs")
    schedule, t = arguments.get("schedule"), arguments.get("t")
    where = ""
    if schedule is not None and hasattr(schedule, "float64"):
        alpha_bar = schedule.float64("alpha_bar")
        step = schedule.T if t is None else _first_bad_step(result, t)
        where = (f" at t = {step} (alpha_bar_t = {alpha_bar[step].item():.3g}, beta_t = "
                 f"{schedule.float64('beta')[step].item():.3g})")
    dtype = next((v.dtype for v in arguments.values() if isinstance(v, torch.Tensor) and v.is_floating_point()),
                 getattr(schedule, "dtype", None))
    fixes = [] if dtype == torch.float64 else ["dtype=torch.float64 (a wider range)"]
    if where:
        fixes.append("a schedule whose alpha_bar_t and 1 - alpha_bar_t stay representable (fewer steps, "
                     "betas further from 0 and 1)")
    fixes.append("inputs of moderate size")
    raise ValueError(f"`{function}` overflows {dtype}{where}: the inputs are finite but the result is not"
                     f"{' even in the widest dtype' if dtype == torch.float64 else ''}; use {', or '.join(fixes)}")


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
