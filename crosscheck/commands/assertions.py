r"""pytest assertions on identities: is my formula, or my torch function, the catalog's quantity?

.. code-block:: python

    from crosscheck import assert_equivalent, assert_matches

    def test_my_variance_formula():
        assert_equivalent("(1 - alpha_bar_prev)/(1 - alpha_bar_t) * beta_t", "posterior_variance")

    def test_my_posterior_mean():
        assert_matches(my_posterior_mean, "posterior_mean", dtype=torch.float32)

Both raise ``AssertionError`` with the counterexample; bad input (unknown target or symbol, a
function whose parameters cannot be supplied) raises ``ValueError``/``TypeError``.
"""

from __future__ import annotations

import inspect
from typing import Callable

import sympy as sp

from symbolic import formula as F
from symbolic import symbols as S

from . import check as C


def assert_equivalent(formula, target: str, *, latex: bool | None = None, timeout: float | None = 60.0):
    """Assert that ``formula`` (plain or LaTeX text, or a SymPy expression over the symbol
    table's names) equals the catalog quantity ``target``, proved by exact reduction.

    Raises ``AssertionError`` (with the counterexample, or saying the check was undecided)
    unless the verdict is *holds*; returns the :class:`~crosscheck.commands.check.Verdict`.
    """
    verdict = C.check(target, formula, latex=latex, timeout=timeout)
    if not verdict.ok:
        raise AssertionError(verdict.report())
    return verdict


# ---------------------------------------------------------------------------------------------
# assert_matches: a torch function against the proved expression, at random valid points.

_SCHEDULE_ARGS = {
    "alpha_t": lambda s, t: s.alpha[t],
    "beta_t": lambda s, t: s.beta[t],
    "alpha_bar_t": lambda s, t: s.alpha_bar[t],
    "alpha_bar_prev": lambda s, t: s.alpha_bar[t - 1],
    "alpha_bar_T": lambda s, t: s.alpha_bar[s.T].expand(t.shape),
}
_DATA_ARGS = ("x", "x_0", "x_t", "x_prev", "eps", "eps_theta", "mu", "mu_1", "mu_2", "var", "var_1", "var_2",
              "sigma2_t", "sigma")
_STD_ARGS = {"sigma_t": "sigma2_t", "sigma_1": "var_1", "sigma_2": "var_2"}


def accepted_parameters() -> list[str]:
    return ["t", "schedule", *_SCHEDULE_ARGS, *_DATA_ARGS, *_STD_ARGS]


# Parameter names of numeric/ and of common code, read as the symbol table's names.
_PARAMETER_ALIASES = {"sigma2": "sigma2_t", "noise": "eps", "mean": "mu", "mean_1": "mu_1", "mean_2": "mu_2"}


def _canonical(name: str) -> str:
    name = _PARAMETER_ALIASES.get(name, name)
    entry = F.BY_NAME.get(name)
    return entry.name if entry is not None else name


def _arguments(function: Callable, name: str) -> list[tuple[str, str]]:
    """(parameter, canonical name) for every parameter the function needs, or a TypeError."""
    try:
        signature = inspect.signature(function)
    except (TypeError, ValueError):
        raise TypeError(f"{name}: cannot read the signature of {function!r}; pass a Python function") from None
    pairs = []
    for parameter in signature.parameters.values():
        if parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD):
            continue
        canonical = _canonical(parameter.name)
        if canonical not in accepted_parameters():
            if parameter.default is not parameter.empty:
                continue
            raise TypeError(f"{name}: cannot supply parameter {parameter.name!r}; assert_matches passes "
                            f"arguments by name: {', '.join(accepted_parameters())} (aliases such as epsilon, "
                            "alpha_cumprod_t are accepted); give other parameters a default")
        if parameter.kind is parameter.POSITIONAL_ONLY:
            raise TypeError(f"{name}: parameter {parameter.name!r} is positional-only; arguments are passed by name")
        pairs.append((parameter.name, canonical))
    return pairs


def _reference_in(reference: sp.Expr, given: set[str]) -> tuple[sp.Expr, bool]:
    """Rewrite the reference in the data variables the function receives, using
    x_t = sqrt(alpha_bar_t) x_0 + sqrt(1 - alpha_bar_t) eps (exact); True if it was rewritten."""
    ab = S.alpha_t * S.alpha_bar_prev
    used = {s.name for s in reference.free_symbols} & {"x_0", "x_t", "eps"}
    missing = used - given
    if not missing or len(missing) > 1 or len(given & {"x_0", "x_t", "eps"}) < 2:
        return reference, False
    solve = {"eps": (S.x_t - sp.sqrt(ab) * S.x_0) / sp.sqrt(1 - ab),
             "x_0": (S.x_t - sp.sqrt(1 - ab) * S.eps) / sp.sqrt(ab),
             "x_t": sp.sqrt(ab) * S.x_0 + sp.sqrt(1 - ab) * S.eps}
    name = missing.pop()
    return reference.xreplace({getattr(S, name): solve[name]}), True


def assert_matches(function: Callable, target: str, *, device="cpu", dtype=None, schedule=None,
                   points: int = 1000, seed: int = 0, rtol: float | None = None):
    """Assert that the torch ``function`` computes the catalog quantity ``target``.

    The function is called on tensors of ``dtype`` on ``device`` with its arguments chosen **by
    parameter name**: ``t`` (paper timesteps, int64), ``schedule`` (a
    :class:`numeric.NoiseSchedule`), the schedule values ``alpha_t``, ``beta_t``, ``alpha_bar_t``,
    ``alpha_bar_prev``, ``alpha_bar_T`` at ``t``, and the data ``x_0``, ``x_t``, ``eps``,
    ``eps_theta``, ``mu_1``, ``var_1``, ``sigma_1``, ``sigma2_t``, ``sigma_t``, ....  When the
    function takes other data than the target is written in (``score(x_t, x_0)`` against
    ``-eps/sqrt(1 - alpha_bar_t)``), the inputs are tied by
    ``x_t = sqrt(alpha_bar_t) x_0 + sqrt(1 - alpha_bar_t) eps`` and the reference rewritten.  The result is compared with
    the proved expression evaluated at 50 digits on ``points`` random points (half on
    ``schedule``, default linear T = 1000, half on random schedules), within ``rtol`` of the
    magnitude of the expression's terms (default ``rtol``: the catalog's tolerance for the dtype;
    with tied inputs, denominators count at their true value).  A denominator computed inaccurately, such as a naive
    float32 ``1 - alpha_bar_t`` at small t, fails.  Returns the :class:`~crosscheck.engine.evaluate.NumericResult`.
    """
    import torch

    from numeric import NoiseSchedule
    from ..engine.evaluate import compare
    from ..engine.points import draw
    from ..engine.tolerances import RTOL

    chosen = C.target(target)
    if not callable(function):
        raise TypeError(f"function must be callable, got {type(function).__name__}")
    name = getattr(function, "__name__", repr(function))
    dtype = torch.float64 if dtype is None else dtype
    if dtype not in RTOL:
        raise ValueError(f"dtype must be torch.float64 or torch.float32, got {dtype}")
    device = torch.device(device)
    if device.type == "cuda" and not torch.cuda.is_available():
        raise ValueError("device='cuda' but no CUDA device is available; use device='cpu'")
    if not isinstance(points, int) or points < 10:
        raise ValueError(f"points must be an int >= 10, got {points!r}")
    pairs = _arguments(function, name)
    schedule = NoiseSchedule.linear(1000) if schedule is None else schedule
    groups = draw(schedule.to(dtype=torch.float64, device="cpu"), points, dtype=dtype, device=device, seed=seed,
                  t_min=chosen.t_min)
    reference, tied = _reference_in(chosen.expression(), {canonical for _, canonical in pairs})
    if tied:
        for group in groups:
            _tie_x_t(group, dtype, device)

    def call(group):
        kwargs = {}
        for parameter, canonical in pairs:
            if canonical == "t":
                kwargs[parameter] = group.t
            elif canonical == "schedule":
                kwargs[parameter] = group.schedule
            elif canonical in _SCHEDULE_ARGS:
                kwargs[parameter] = _SCHEDULE_ARGS[canonical](group.schedule, group.t)
            elif canonical in _STD_ARGS:
                kwargs[parameter] = group[_STD_ARGS[canonical]].sqrt()
            else:
                kwargs[parameter] = group[canonical]
        out = function(**kwargs)
        if not isinstance(out, torch.Tensor):
            raise TypeError(f"{name} returned {type(out).__name__}; assert_matches needs a torch.Tensor")
        return out

    # Tied inputs: x_t - sqrt(alpha_bar_t) x_0 cancels, and dividing it by the small
    # 1 - alpha_bar_t is the problem's own conditioning, so denominators count at their value.
    result = compare(chosen.name, reference, call, groups, dtype, exact_denominators=tied)
    tolerance = RTOL[dtype] if rtol is None else rtol
    if not result.max_scaled_err <= tolerance:
        where = result.counterexample or {}
        raise AssertionError(
            f"{name} does not compute {chosen.name} ({chosen.statement}): error {result.max_scaled_err:.3e} "
            f"(relative to the magnitude of the terms) > {tolerance:.0e} for {dtype} on {device}; worst point: "
            + ", ".join(f"{k} = {v}" for k, v in where.items()))
    return result


def _tie_x_t(group, dtype, device) -> None:
    """x_t = sqrt(alpha_bar_t) x_0 + sqrt(1 - alpha_bar_t) eps, in float64, then cast."""
    import torch
    alpha_bar = group.values["alpha_t"] * group.values["alpha_bar_prev"]
    x_t = alpha_bar.sqrt() * group.values["x_0"] + (1 - alpha_bar).sqrt() * group.values["eps"]
    group.tensors["x_t"] = x_t.to(dtype=dtype, device=device)
    group.values["x_t"] = group.tensors["x_t"].to(dtype=torch.float64, device="cpu")
