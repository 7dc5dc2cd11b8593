"""Fuzzing the agreement with hypothesis: float32 and float64, CPU and CUDA, on schedules the
random points of ``python -m crosscheck`` never draw (beta near 0 and near 1, T up to 10,000,
cosine schedules with alpha_bar_T near 0), each within the documented tolerance
(crosscheck/tolerances.py) of the 50-digit value of the proved expression.

The domain of the tolerance: every schedule table a formula reads is a normal number of the
working dtype (float32: beta_t, 1 - alpha_bar_t and alpha_bar_t above 1.2e-38, so 1/sqrt of
them does not overflow).  Outside it a formula may raise (overflow), never return nan or inf
(tests/numeric/test_fuzz.py).
"""

import pytest
import torch
from hypothesis import given, strategies as st

import numeric
from crosscheck.engine.registry import REGISTRY
from crosscheck.engine.run import part_caller
from crosscheck.engine.evaluate import compare
from crosscheck.engine.points import make_group

PARTS = [(quantity.name, part) for quantity in REGISTRY for part in quantity.parts]
BETA = st.one_of(st.floats(1e-12, 1e-6), st.floats(1e-6, 0.2), st.floats(0.2, 0.999),
                 st.sampled_from([1e-12, 1e-4, 0.02, 0.5, 0.999]))


@st.composite
def schedules(draw):
    kind = draw(st.sampled_from(["linear", "cosine", "betas"]))
    if kind == "betas":
        return numeric.NoiseSchedule.from_betas(draw(st.lists(BETA, min_size=1, max_size=40)))
    T = draw(st.one_of(st.integers(1, 10), st.integers(1, 10_000)))
    if kind == "linear":
        return numeric.NoiseSchedule.linear(T, draw(BETA), draw(BETA))
    return numeric.NoiseSchedule.cosine(T, s=draw(st.floats(0.0, 0.1)), max_beta=draw(st.sampled_from([0.999, 0.5])))


def _representable(schedule, dtype) -> bool:
    tiny = torch.finfo(dtype).tiny
    tables = [schedule.float64(n)[1:] for n in ("beta", "alpha", "alpha_bar", "one_minus_alpha_bar")]
    return all(bool((t > 100 * tiny).all()) for t in tables)


@st.composite
def groups(draw, t_min):
    schedule = draw(schedules())
    if schedule.T < t_min:
        schedule = numeric.NoiseSchedule.linear(t_min + 3)
    n = 6
    t = torch.tensor(draw(st.lists(st.integers(t_min, schedule.T), min_size=n, max_size=n)))
    g = torch.Generator().manual_seed(draw(st.integers(0, 2**16)))
    raw = {k: 2.0 * torch.randn(n, generator=g, dtype=torch.float64)
           for k in ("x", "x_0", "x_t", "x_prev", "eps", "eps_theta", "mu", "mu_1", "mu_2")}
    for k in ("var", "var_1", "var_2"):
        raw[k] = 10 ** (4 * torch.rand(n, generator=g, dtype=torch.float64) - 2)
    raw["sigma"] = raw["var"].sqrt()
    raw["sigma2_t"] = schedule.float64("beta")[t] * 10 ** (1.5 * torch.rand(n, generator=g, dtype=torch.float64) - 1)
    return schedule, t, raw


def _agree(part, schedule, t, raw, dtype, device):
    group = make_group(schedule, t, raw, dtype=dtype, device=device)
    with torch.no_grad():
        return compare(part.name, part.expression(), part_caller(part), [group], dtype,
                       exact_denominators=part.exact_denominators)


def _fuzz(part, body) -> None:
    """``body(schedule, t, raw, dtype)`` on fuzzed points, in each dtype whose range holds the schedule."""
    @given(case=groups(part.t_min))
    def check(case):
        schedule, t, raw = case
        for dtype in (torch.float64, torch.float32):
            if _representable(schedule, dtype):
                body(schedule, t, raw, dtype)
    check()


@pytest.mark.parametrize("name, part", PARTS, ids=[p.name for _, p in PARTS])
def test_float32_and_float64_agree_with_the_proof_within_tolerance(name, part):
    def body(schedule, t, raw, dtype):
        result = _agree(part, schedule, t, raw, dtype, "cpu")
        assert result.ok, (dtype, result.max_scaled_err, result.tolerance, result.counterexample)
    _fuzz(part, body)


@pytest.mark.cuda
@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")
@pytest.mark.parametrize("name, part", PARTS, ids=[p.name for _, p in PARTS])
def test_cuda_agrees_with_cpu_and_with_the_proof(name, part):
    def body(schedule, t, raw, dtype):
        cpu = _agree(part, schedule, t, raw, dtype, "cpu")
        cuda = _agree(part, schedule, t, raw, dtype, "cuda")
        assert cuda.ok, (dtype, cuda.max_scaled_err, cuda.counterexample)
        call = part_caller(part)
        a = call(make_group(schedule, t, raw, dtype=dtype, device="cpu")).double()
        b = call(make_group(schedule, t, raw, dtype=dtype, device="cuda")).double().cpu()
        scale = a.abs().clamp(min=1)
        assert bool((((a - b).abs() / scale) <= 2 * cpu.tolerance).all()), (dtype, a, b)
    _fuzz(part, body)
