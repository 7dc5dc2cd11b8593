"""Noise schedules in the paper's indexing, built in float64 with stable forms.

Arrays have length T+1 and are indexed by the paper's timestep t = 1..T; index 0 means "no
noise" (beta[0] = 0, alpha[0] = 1, alpha_bar[0] = 1), so ``alpha_bar[t - 1]`` is
:math:`\\bar\\alpha_{t-1}` with no shift anywhere.

Glossary for reference code (0-based, array index i = paper t - 1): improved-diffusion and
diffusers call ``alpha_bar`` ``alphas_cumprod``, ``alpha_bar[t-1]`` ``alphas_cumprod_prev``,
``beta_tilde`` ``posterior_variance``; our ``alpha_bar[1:]`` is their ``alphas_cumprod``.

Precision: :math:`\\log\\bar\\alpha_t = \\sum_{s\\le t}\\log(1-\\beta_s)` by a compensated cumulative sum of ``log1p(-beta)``
and :math:`1-\\bar\\alpha_t = -\\mathrm{expm1}(\\log\\bar\\alpha_t)`, in float64; every derived
table is computed from these float64 arrays and only then cast to the working dtype/device.
A naive float32 ``cumprod`` loses about 3 digits of 1 - alpha_bar_t at small t.
"""

from __future__ import annotations

import math
from typing import Callable

import torch

from ._types import Tables
from ._validation import (MAX_T, _shown, check_betas, check_device, check_dtype, check_nonnegative, check_T,
                          check_table_name, check_unit_interval)


class NoiseSchedule:
    """A variance schedule beta_1..beta_T with its cumulative products, in paper indexing.

    Args:
        betas: beta_1..beta_T (1-D, each in (0, 1)); index 0 (beta_0 = 0) is added here.
        dtype: working dtype of the exposed tables (default: torch's default dtype).
        device: device of the exposed tables (default: cpu).
        name: a label for reports.
    """

    #: The most diffusion steps a schedule holds (:data:`numeric._validation.MAX_T`).
    MAX_T = MAX_T

    def __init__(self, betas, *, dtype=None, device=None, name: str = "custom"):
        if not isinstance(name, str):
            raise TypeError(f"`name` must be a str (a label for reports), got {_shown(name)}")
        beta = torch.cat([torch.zeros(1, dtype=torch.float64), check_betas(betas)])
        log_alpha = torch.log1p(-beta)
        log_alpha_bar = _compensated_cumsum(log_alpha)
        self._float64: dict[str, torch.Tensor] = {
            "beta": beta,
            "alpha": 1 - beta,
            "log_alpha": log_alpha,
            "log_alpha_bar": log_alpha_bar,
            "alpha_bar": torch.exp(log_alpha_bar),
            # -expm1(log alpha_bar), written as abs() because expm1 <= 0 here (and 0.0, not -0.0, at t=0)
            "one_minus_alpha_bar": torch.abs(torch.expm1(log_alpha_bar)),
        }
        self.dtype = check_dtype(dtype)
        self.device = check_device(device)
        self.name = name
        self._cast: dict[str, torch.Tensor] = {}

    # -- constructors -------------------------------------------------------------------------
    @classmethod
    def linear(cls, T: int, beta_start: float = 1e-4, beta_end: float = 0.02, *, dtype=None,
               device=None) -> "NoiseSchedule":
        """Linear betas from ``beta_start`` to ``beta_end`` (Ho et al. 2020, section 4).

        No 1000/T rescaling: improved-diffusion's "linear" multiplies both ends by 1000/T.
        """
        T = check_T(T)
        start = check_unit_interval("beta_start", beta_start)
        end = check_unit_interval("beta_end", beta_end)
        betas = torch.linspace(start, end, T, dtype=torch.float64)
        return cls(betas, dtype=dtype, device=device, name=f"linear({start:g}..{end:g})")

    @classmethod
    def cosine(cls, T: int, s: float = 0.008, max_beta: float = 0.999, *, dtype=None,
               device=None) -> "NoiseSchedule":
        r"""Cosine schedule (Nichol & Dhariwal 2021, eq. 17), betas clipped at ``max_beta``.

        .. math::
            \bar\alpha(t) = f(t)/f(0),\quad f(t) = \cos^2\Big(\frac{t/T + s}{1+s}\frac{\pi}{2}\Big),\quad
            \beta_t = \min\Big(1 - \frac{\bar\alpha(t)}{\bar\alpha(t-1)}, \beta_{\max}\Big)

        ``1 - cos^2 a / cos^2 b`` is evaluated as ``sin(a+b) sin(a-b) / cos^2 b`` (no cancellation).
        """
        T = check_T(T)
        s = check_nonnegative("s", s)
        max_beta = check_unit_interval("max_beta", max_beta)
        steps = torch.arange(T + 1, dtype=torch.float64)
        angle = (steps / T + s) / (1 + s) * (math.pi / 2)
        a, b = angle[1:], angle[:-1]
        betas = torch.sin(a + b) * torch.sin(a - b) / torch.cos(b) ** 2
        betas = betas.clamp(max=max_beta)
        if not bool((betas > 0).all()):    # s so large that neighbouring angles round to one value
            raise ValueError(f"`s` must leave every beta_t > 0, got s = {s!r} (beta_1 = {betas[0].item():.3g}); "
                             "Nichol & Dhariwal (2021) use s = 0.008")
        return cls(betas, dtype=dtype, device=device, name=f"cosine(s={s:g})")

    @classmethod
    def from_betas(cls, betas, *, dtype=None, device=None, name: str = "custom") -> "NoiseSchedule":
        """A schedule from explicit betas beta_1..beta_T (paper indexing, no leading zero)."""
        return cls(betas, dtype=dtype, device=device, name=name)

    def to(self, dtype=None, device=None) -> "NoiseSchedule":
        """The same schedule with tables in another dtype and/or on another device."""
        other = object.__new__(NoiseSchedule)
        other._float64 = self._float64
        other.dtype = self.dtype if dtype is None else check_dtype(dtype)
        other.device = self.device if device is None else check_device(device)
        other.name = self.name
        other._cast = {}
        return other

    # -- tables --------------------------------------------------------------------------------
    @property
    def T(self) -> int:
        return self._float64["beta"].numel() - 1

    def float64(self, name: str) -> torch.Tensor:
        """A master table in float64 on the CPU (length T+1)."""
        return self._float64[check_table_name(name, self._float64, None,
                                              "a derived table is here once `table(name, build)` has built it")]

    def table(self, name: str, build: Callable[[Tables], torch.Tensor] | None = None) -> torch.Tensor:
        """A table in the working dtype/device, cast once from its float64 master.

        ``build`` computes a derived table from the float64 masters the first time it is asked
        for; the builders live in :mod:`numeric._tables`.
        """
        if name not in self._cast:
            if name not in self._float64:
                check_table_name(name, self._float64, build)
                self._float64[name] = build(self._float64)
            self._cast[name] = self._float64[name].to(device=self.device, dtype=self.dtype)
        return self._cast[name]

    @property
    def beta(self) -> torch.Tensor:
        return self.table("beta")

    @property
    def alpha(self) -> torch.Tensor:
        return self.table("alpha")

    @property
    def alpha_bar(self) -> torch.Tensor:
        return self.table("alpha_bar")

    @property
    def one_minus_alpha_bar(self) -> torch.Tensor:
        return self.table("one_minus_alpha_bar")

    @property
    def log_alpha_bar(self) -> torch.Tensor:
        return self.table("log_alpha_bar")

    def __repr__(self) -> str:
        return f"NoiseSchedule({self.name}, T={self.T}, dtype={self.dtype}, device={self.device})"


def _compensated_cumsum(values: torch.Tensor) -> torch.Tensor:
    """Prefix sums with Neumaier's compensation: each within about one rounding of the exact
    sum, where a plain cumsum drifts by up to T roundings of the largest partial sum (at
    T = 3000 and beta = 0.125 that put 1e-11 into 1/sqrt(alpha_bar_T))."""
    total, compensation, out = 0.0, 0.0, []
    for value in values.tolist():
        step = total + value
        if abs(total) >= abs(value):
            compensation += (total - step) + value
        else:
            compensation += (value - step) + total
        total = step
        out.append(total + compensation)
    return torch.tensor(out, dtype=torch.float64)


def gather(table: torch.Tensor, t: torch.Tensor | int, like: torch.Tensor | None = None) -> torch.Tensor:
    """``table[t]`` shaped to broadcast against ``like``: t (an int, or a tensor of timesteps)
    indexes the leading dimensions."""
    values = table[t]
    if like is not None and isinstance(t, torch.Tensor) and t.ndim and like.ndim > t.ndim:
        values = values.reshape(t.shape + (1,) * (like.ndim - t.ndim))
    return values
