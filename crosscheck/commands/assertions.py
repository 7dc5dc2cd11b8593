r"""pytest assertions on identities: is my formula, or my torch function, the catalog's quantity?

.. code-block:: python

    from crosscheck import assert_equivalent, assert_matches

    def test_my_variance_formula():
        assert_equivalent("(1 - alpha_bar_prev)/(1 - alpha_bar_t) * beta_t", "posterior_variance")

    def test_my_posterior_mean():
        assert_matches(my_posterior_mean, "posterior_mean", dtype=torch.float32)

Both raise ``AssertionError`` with the counterexample; bad input (unknown target or symbol, a
function whose parameters cannot be supplied, a keyword out of its range) raises
``ValueError``/``TypeError`` naming the argument (the README's table of failures lists each).
"""

from __future__ import annotations

import numbers
from typing import Callable

import sympy as sp

from symbolic import symbols
from symbolic.forward import forward_jump_sample
from symbolic.posterior import x0_from_eps

from ..engine.binding import arguments, numeric_caller
from . import check


def assert_equivalent(formula, target: str, *, latex: bool | None = None, timeout: float | None = 60.0):
    """Assert that ``formula`` (plain or LaTeX text, or a SymPy expression over the symbol
    table's names) equals the catalog quantity ``target``, proved by exact reduction.

    Raises ``AssertionError`` (with the counterexample, or saying the check was undecided)
    unless the verdict is *holds*; returns the :class:`~crosscheck.commands.check.Verdict`.
    """
    check.chosen_target("target", target)
    verdict = check.check(target, formula, latex=latex, timeout=timeout)
    if not verdict.ok:
        raise AssertionError(verdict.report())
    return verdict


# ---------------------------------------------------------------------------------------------
# assert_matches: a torch function against the proved expression, at random valid points.

def _reference_in(reference: sp.Expr, given: set[str]) -> tuple[sp.Expr, bool]:
    """Rewrite the reference in the data variables the function receives, using
    x_t = sqrt(alpha_bar_t) x_0 + sqrt(1 - alpha_bar_t) eps (exact); True if it was rewritten.

    One of x_0, x_t, eps is written through the other two, the first that leaves the reference in
    the function's variables: the x_t-form of the score, -(x_t - sqrt(alpha_bar_t) x_0)/(1 - alpha_bar_t),
    is -eps/sqrt(1 - alpha_bar_t) for a function of eps alone.
    """
    data = {"x_0", "x_t", "eps"}
    if not ({s.name for s in reference.free_symbols} & data) - given:
        return reference, False
    ab = symbols.alpha_t * symbols.alpha_bar_prev
    solve = {"x_t": forward_jump_sample(symbols.x_0, symbols.eps),
             "eps": (symbols.x_t - sp.sqrt(ab) * symbols.x_0) / sp.sqrt(1 - ab),
             "x_0": x0_from_eps()}
    for name, value in solve.items():
        rewritten = sp.expand(reference.xreplace({getattr(symbols, name): value}))
        if not ({s.name for s in rewritten.free_symbols} & data) - given:
            return rewritten, True
    return reference, False


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
    ``schedule``, a :class:`numeric.NoiseSchedule` or ``"linear"``/``"cosine"`` with T = 1000, default
    linear, half on random schedules), within ``rtol`` of the
    magnitude of the expression's terms (default ``rtol``: the catalog's tolerance for the dtype;
    with tied inputs, denominators count at their true value).  A denominator computed inaccurately, such as a naive
    float32 ``1 - alpha_bar_t`` at small t, fails.  Returns the :class:`~crosscheck.engine.evaluate.NumericResult`.
    """
    import torch

    from ..engine.evaluate import compare
    from ..engine.points import draw
    from ..engine.tolerances import RTOL

    if not callable(function):
        raise TypeError(f"`function` must be callable (the torch function to check), got {check._shown(function)}")
    chosen = check.chosen_target("target", target)
    name = getattr(function, "__name__", repr(function))
    device, dtype, schedule, points, seed = _check_matches_options(device, dtype, schedule, points, seed, rtol)
    try:
        pairs = arguments(function, name)
    except TypeError as err:
        raise TypeError(f"`function` has parameters assert_matches cannot supply: {err}") from None
    groups = draw(schedule.to(dtype=torch.float64, device="cpu"), points, dtype=dtype, device=device, seed=seed,
                  t_min=chosen.t_min)
    reference, tied = _reference_in(chosen.expression(), {canonical for _, canonical in pairs})
    if tied:
        for group in groups:
            _tie_x_t(group, dtype, device)

    numeric = numeric_caller(function, name)

    def call(group):
        out = numeric(group)
        if not isinstance(out, torch.Tensor):
            raise TypeError(f"`function` ({name}) returned {type(out).__name__}; assert_matches needs a torch.Tensor")
        if not out.is_floating_point():       # an imaginary part is never dropped, an integer never rounded
            raise TypeError(f"`function` ({name}) returned a {out.dtype} tensor; the quantity is real: return a "
                            f"floating tensor of the input dtype ({dtype})")
        return out

    # Tied inputs: x_t - sqrt(alpha_bar_t) x_0 cancels, and dividing it by the small
    # 1 - alpha_bar_t is the problem's own conditioning, so denominators count at their value
    # (as they do for a target whose conditioning is its own denominator: the score).
    result = compare(chosen.name, reference, call, groups, dtype,
                     exact_denominators=tied or chosen.exact_denominators)
    tolerance = RTOL[dtype] if rtol is None else rtol
    if not result.max_scaled_err <= tolerance:
        where = result.counterexample or {}
        raise AssertionError(
            f"{name} does not compute {chosen.name} ({chosen.statement}): error {result.max_scaled_err:.3e} "
            f"(relative to the magnitude of the terms) > {tolerance:.0e} for {dtype} on {device}; worst point: "
            + ", ".join(f"{k} = {v}" for k, v in where.items()))
    return result


#: The schedules ``assert_matches(schedule=...)`` accepts by name, each with T = 1000.
SCHEDULES = ("linear", "cosine")
#: ``points`` range: enough points for every group of the draw, and a bound on the 50-digit work.
POINTS_RANGE = (10, 1_000_000)
#: ``seed`` range: torch.Generator.manual_seed takes it (and seed + 1).
SEED_RANGE = (0, 2**63 - 2)
#: The largest ``rtol``.  Errors are relative to the magnitude of the expression's terms, so a
#: function returning 0 is within 0.0055 of denoising_kl, 0.03 of kl_eps_constant, 0.2 of
#: posterior_variance (200 points): above 1e-3 a zero could pass.  The registry's own
#: tolerances are 1e-11 (float64) and 5e-6 (float32).
MAX_RTOL = 1e-3


def _check_matches_options(device, dtype, schedule, points, seed, rtol):
    """assert_matches' keywords: (device, dtype, schedule, points, seed), each refused by name when it is wrong."""
    import torch

    from numeric import NoiseSchedule
    from numeric._validation import check_device
    from ..engine.tolerances import RTOL

    device = check_device(device)
    dtype = torch.float64 if dtype is None else dtype
    if not isinstance(dtype, torch.dtype):
        raise TypeError(f"`dtype` must be torch.float64 or torch.float32, got {check._shown(dtype)}")
    if dtype not in RTOL:
        raise ValueError(f"`dtype` must be torch.float64 or torch.float32 (the dtypes the registry has a tolerance "
                         f"for), got {dtype}")
    if schedule is None or (isinstance(schedule, str) and schedule in SCHEDULES):
        schedule = getattr(NoiseSchedule, schedule or "linear")(1000)
    elif isinstance(schedule, str):
        raise ValueError(f"`schedule` must be a numeric.NoiseSchedule or one of {', '.join(map(repr, SCHEDULES))} "
                         f"(T = 1000), got {schedule!r}")
    elif not isinstance(schedule, NoiseSchedule):
        raise TypeError(f"`schedule` must be a numeric.NoiseSchedule or one of {', '.join(map(repr, SCHEDULES))} "
                        f"(T = 1000), got {check._shown(schedule)}; pass e.g. NoiseSchedule.cosine(1000)")
    for argument, value, (low, high) in (("points", points, POINTS_RANGE), ("seed", seed, SEED_RANGE)):
        if isinstance(value, bool) or not isinstance(value, numbers.Integral):
            raise TypeError(f"`{argument}` must be an int in [{low}, {high}], got {check._shown(value)}")
        if not low <= value <= high:
            raise ValueError(f"`{argument}` must be an int in [{low}, {high}], got {value}")
    if rtol is not None:
        if isinstance(rtol, bool) or not isinstance(rtol, numbers.Real):
            raise TypeError(f"`rtol` must be a number in (0, {MAX_RTOL:g}] (an error relative to the magnitude of the "
                            f"terms) or None, got {check._shown(rtol)}")
        if not 0 < rtol <= MAX_RTOL:        # also nan; inf passed anything, 0.5 a function returning 0
            raise ValueError(f"`rtol` must be a number in (0, {MAX_RTOL:g}] (an error relative to the magnitude of the "
                             f"terms), got {rtol!r}; above it a function returning 0 can pass; leave it None for "
                             "the registry's tolerance of the dtype")
    return device, dtype, schedule, int(points), int(seed)


def _tie_x_t(group, dtype, device) -> None:
    """x_t = sqrt(alpha_bar_t) x_0 + sqrt(1 - alpha_bar_t) eps, in float64, then cast."""
    import torch
    alpha_bar = group.values["alpha_t"] * group.values["alpha_bar_prev"]
    x_t = alpha_bar.sqrt() * group.values["x_0"] + (1 - alpha_bar).sqrt() * group.values["eps"]
    group.tensors["x_t"] = x_t.to(dtype=dtype, device=device)
    group.values["x_t"] = group.tensors["x_t"].to(dtype=torch.float64, device="cpu")
