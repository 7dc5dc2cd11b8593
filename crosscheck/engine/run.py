"""Run catalog entries: the proof, the point-by-point comparison, the independent checks."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable

import torch

from symbolic.proof import Proof, Status

from .catalog import Identity
from .evaluate import NumericResult, compare
from .oracles import CheckResult, Context


@dataclass
class IdentityResult:
    name: str
    kind: str
    proof: Proof | None
    numeric: list[NumericResult]
    checks: list[CheckResult]
    seconds: float
    failures: list[str] = field(default_factory=list)

    @property
    def symbolic(self) -> str:
        return "n.a." if self.proof is None else self.proof.status.value

    @property
    def ok(self) -> bool:
        symbolic_ok = self.proof is None or self.proof.status is Status.PROVED
        return symbolic_ok and all(r.ok for r in self.numeric) and all(c.ok for c in self.checks)

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
                "parts": [r.as_json() for r in self.numeric],
            },
            "checks": [c.as_json() for c in self.checks],
        }


def _proof_json(proof: Proof) -> dict:
    return {"claim": proof.claim, "status": proof.status.value, "method": proof.method,
            "counterexample": proof.counterexample, "residual": proof.residual,
            "steps": [_proof_json(s) for s in proof.steps]}


def run_identity(identity: Identity, ctx: Context, *,
                 numeric: dict[str, Callable] | None = None,
                 prove: Callable[[], Proof] | None = None) -> IdentityResult:
    """Check one identity.  ``numeric`` replaces part functions by name and ``prove`` the proof
    (how tests show that wrong implementations and wrong claims are caught)."""
    start = time.perf_counter()
    prover = prove or identity.prove
    proof = prover() if prover is not None else None
    groups_by_t_min: dict[int, list] = {}
    results = []
    for part in identity.parts:
        groups = groups_by_t_min.setdefault(part.t_min, ctx.groups(part.t_min))
        function = (numeric or {}).get(part.name, part.numeric)
        with torch.no_grad():
            results.append(compare(part.name, part.symbolic(), function, groups, ctx.dtype,
                                   exact_denominators=part.exact_denominators))
    checks = [check(ctx) for check in identity.checks]
    return IdentityResult(identity.name, identity.kind, proof, results, checks,
                          time.perf_counter() - start)
