"""Run registry entries: the proof, the point-by-point comparison, the independent checks."""

from __future__ import annotations

import importlib
import time
from dataclasses import dataclass
from typing import Callable

import torch

from symbolic.proof import Proof, Status

from .binding import numeric_caller
from .evaluate import NumericResult, compare
from .registry import Part, Quantity
from .types import CheckResult, Context


@dataclass
class QuantityResult:
    name: str
    kind: str
    proof: Proof | None
    numeric: list[NumericResult]
    checks: list[CheckResult]
    seconds: float

    @property
    def symbolic(self) -> str:
        return "n.a." if self.proof is None else self.proof.status.value

    @property
    def ok(self) -> bool:
        symbolic_ok = self.proof is None or self.proof.status is Status.PROVED
        return symbolic_ok and all(r.ok for r in self.numeric) and all(c.ok for c in self.checks)

    @property
    def notes(self) -> list[str]:
        """What the working dtype's range did to the point-by-point comparison, one line per part
        it touched (points below its normal range, beyond it, not compared); empty when none."""
        return [f"{r.name}: {r.note}" for r in self.numeric if r.note]

    def as_json(self) -> dict:
        worst = max(self.numeric, key=lambda r: r.max_scaled_err / r.tolerance, default=None)
        return {
            "name": self.name, "kind": self.kind, "ok": self.ok, "seconds": round(self.seconds, 4),
            "symbolic": self.symbolic,
            "proof": None if self.proof is None else _proof_json(self.proof),
            "numeric": None if worst is None else {
                "max_abs_err": max(r.max_abs_err for r in self.numeric),
                "max_rel_err": max(r.max_rel_err for r in self.numeric),
                "max_scaled_err": worst.max_scaled_err, "tolerance": worst.tolerance,
                "points": sum(r.points for r in self.numeric),
                **{key: sum(r.extra.get(key, 0) for r in self.numeric)
                   for key in ("below_normal_range", "overflow", "not_compared")},
                "parts": [r.as_json() for r in self.numeric],
            },
            "notes": self.notes,
            "checks": [c.as_json() for c in self.checks],
        }


def _proof_json(proof: Proof) -> dict:
    return {"claim": proof.claim, "status": proof.status.value, "method": proof.method,
            "counterexample": proof.counterexample, "residual": proof.residual,
            "steps": [_proof_json(s) for s in proof.steps]}


def part_caller(part: Part) -> Callable:
    """The part's numeric twin as a function of a point group (arguments by parameter name)."""
    return numeric_caller(part.numeric_function(), part.name, select=part.select)


def resolve_check(reference: str | tuple[str, str]) -> Callable[[Context], CheckResult]:
    """The check a registry entry names: ``"module.function"`` in this package, or
    ``("module.factory", argument)``, the check ``factory(argument)`` builds."""
    qualified, *argument = (reference,) if isinstance(reference, str) else reference
    module, name = qualified.rsplit(".", 1)
    found = getattr(importlib.import_module(f"{__package__}.{module}"), name)
    return found(*argument) if argument else found


def run_quantity(quantity: Quantity, ctx: Context, *,
                 numeric: dict[str, Callable] | None = None,
                 prove: Callable[[], Proof] | None = None) -> QuantityResult:
    """Check one registry entry.  ``numeric`` replaces part functions (called by parameter name)
    and ``prove`` the proof (how tests show that wrong implementations and wrong claims are caught)."""
    start = time.perf_counter()
    proof = prove() if prove is not None else quantity.prove()
    groups_by_t_min: dict[int, list] = {}
    results = []
    for part in quantity.parts:
        groups = groups_by_t_min.setdefault(part.t_min, ctx.groups(part.t_min))
        replaced = (numeric or {}).get(part.name)
        function = numeric_caller(replaced, part.name) if replaced is not None else part_caller(part)
        with torch.no_grad():
            results.append(compare(part.name, part.expression(), function, groups, ctx.dtype,
                                   exact_denominators=part.exact_denominators))
    checks = [resolve_check(reference)(ctx) for reference in quantity.checks]
    return QuantityResult(quantity.name, quantity.kind, proof, results, checks, time.perf_counter() - start)
