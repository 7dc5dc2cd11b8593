"""Calling a formula function by its parameter names.

The symbolic and numeric twins of a quantity, and a user's own torch function under
``assert_matches``, are called with their arguments chosen by parameter name: ``t``,
``schedule``, the schedule values at ``t`` (``alpha_t``, ``alpha_bar_t``, ...) and the data
(``x_0``, ``x_t``, ``eps``, ``mu_1``, ``var_1``, ...).  The symbol table's spellings and a few
parameter names of common code (``noise``, ``mean``, ``sigma2``) are read as those names.
Importing this module does not import torch.
"""

from __future__ import annotations

import inspect
from typing import Callable

import sympy as sp

from symbolic import formula, symbols

#: Schedule values at ``t``, computed from a :class:`numeric.NoiseSchedule`.
SCHEDULE_ARGS = {
    "alpha_t": lambda s, t: s.alpha[t],
    "beta_t": lambda s, t: s.beta[t],
    "alpha_bar_t": lambda s, t: s.alpha_bar[t],
    "alpha_bar_prev": lambda s, t: s.alpha_bar[t - 1],
    "alpha_bar_T": lambda s, t: s.alpha_bar[s.T].expand(t.shape),
}
#: Data drawn at random valid points (:mod:`crosscheck.engine.points`).
DATA_ARGS = ("x", "x_0", "x_t", "x_prev", "eps", "eps_theta", "mu", "mu_1", "mu_2", "var", "var_1", "var_2",
             "sigma2_t", "sigma")
#: Standard deviations, the square roots of drawn variances.
STD_ARGS = {"sigma_t": "sigma2_t", "sigma_1": "var_1", "sigma_2": "var_2"}
#: Parameter names of numeric/ and of common code, read as the symbol table's names.
PARAMETER_ALIASES = {"sigma2": "sigma2_t", "noise": "eps", "mean": "mu", "mean_1": "mu_1", "mean_2": "mu_2"}


def accepted_parameters() -> list[str]:
    """Every parameter name a function may take (after aliases), in a stable order."""
    return ["t", "schedule", *SCHEDULE_ARGS, *DATA_ARGS, *STD_ARGS]


def canonical(name: str) -> str:
    """The symbol table's name for a parameter name (``epsilon`` -> ``eps``)."""
    name = PARAMETER_ALIASES.get(name, name)
    entry = formula.BY_NAME.get(name)
    return entry.name if entry is not None else name


def arguments(function: Callable, name: str) -> list[tuple[str, str]]:
    """(parameter, canonical name) for every parameter the function needs, or a TypeError.

    A parameter with a default that is not an accepted name keeps its default.
    """
    try:
        signature = inspect.signature(function)
    except (TypeError, ValueError):
        raise TypeError(f"{name}: cannot read the signature of {function!r}; pass a Python function") from None
    pairs = []
    for parameter in signature.parameters.values():
        if parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD):
            continue
        name_in_table = canonical(parameter.name)
        if name_in_table not in accepted_parameters():
            if parameter.default is not parameter.empty:
                continue
            raise TypeError(f"{name}: cannot supply parameter {parameter.name!r}; arguments are passed by "
                            f"name: {', '.join(accepted_parameters())} (aliases such as epsilon, "
                            "alpha_cumprod_t are accepted); give other parameters a default")
        if parameter.kind is parameter.POSITIONAL_ONLY:
            raise TypeError(f"{name}: parameter {parameter.name!r} is positional-only; arguments are passed by name")
        pairs.append((parameter.name, name_in_table))
    return pairs


def symbolic_value(function: Callable) -> sp.Expr:
    """``function`` called with the symbol of each required parameter (``x_prev`` -> x_{t-1});
    parameters with a default keep it (``alpha_bar=alpha_t*alpha_bar_prev``)."""
    kwargs = {}
    for parameter in inspect.signature(function).parameters.values():
        if parameter.default is parameter.empty:
            kwargs[parameter.name] = getattr(symbols, canonical(parameter.name))
    return function(**kwargs)


def numeric_caller(function: Callable, name: str, *, select: int | None = None) -> Callable:
    """A function of a point group (:class:`crosscheck.engine.points.Group`) that calls
    ``function`` with its arguments by name; ``select`` picks one item of a tuple result."""
    pairs = arguments(function, name)

    def call(group):
        kwargs = {}
        for parameter, name_in_table in pairs:
            if name_in_table == "t":
                kwargs[parameter] = group.t
            elif name_in_table == "schedule":
                kwargs[parameter] = group.schedule
            elif name_in_table in SCHEDULE_ARGS:
                kwargs[parameter] = SCHEDULE_ARGS[name_in_table](group.schedule, group.t)
            elif name_in_table in STD_ARGS:
                kwargs[parameter] = group[STD_ARGS[name_in_table]].sqrt()
            else:
                kwargs[parameter] = group[name_in_table]
        out = function(**kwargs)
        return out if select is None else out[select]
    return call
