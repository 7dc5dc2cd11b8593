"""Fuzzing the numeric layer with hypothesis: extreme schedules, points, shapes and dtypes.

Whatever the input, a formula returns finite values of the expected shape or raises a clear
ValueError (naming the argument, or saying what overflows) -- never a silent nan or inf, and
never a bare RuntimeError/IndexError from deep inside torch.

Schedules: beta near 0 (down to 1e-300) and near 1 (up to 1 - 1e-16), T from 1 to 10,000,
cosine schedules with alpha_bar_T near 0.  Reproducible in CI (derandomized, see conftest);
``HYPOTHESIS_PROFILE=thorough`` explores 20x more examples.
"""

import math

import pytest
import torch
from hypothesis import given, strategies as st

import numeric

BETA = st.one_of(
    st.floats(1e-300, 1e-6),
    st.floats(1e-6, 0.5),
    st.floats(0.5, 1 - 1e-16),
    st.sampled_from([1e-300, 1e-40, 1e-12, 0.02, 0.5, 0.999, 1 - 1e-12, 1 - 1e-16]),
)
SIZES = st.one_of(st.integers(1, 8), st.integers(1, 10_000))


@st.composite
def schedules(draw, max_T=10_000):
    kind = draw(st.sampled_from(["linear", "cosine", "betas"]))
    if kind == "betas":
        return numeric.NoiseSchedule.from_betas(draw(st.lists(BETA, min_size=1, max_size=min(64, max_T))))
    T = min(draw(SIZES), max_T)
    if kind == "linear":
        return numeric.NoiseSchedule.linear(T, draw(BETA), draw(BETA))
    return numeric.NoiseSchedule.cosine(T, s=draw(st.floats(0.0, 0.2)),
                                  max_beta=draw(st.one_of(st.just(0.999), BETA)))


DATA_SHAPES = st.sampled_from([(), (3,), (2, 2, 2)])
DTYPES = st.sampled_from([torch.float32, torch.float64])


def _finite(value) -> bool:
    if isinstance(value, torch.Tensor):
        return bool(torch.isfinite(value).all())
    if isinstance(value, tuple):
        return all(_finite(v) for v in value)
    return all(_finite(getattr(value, f)) for f in value.__dataclass_fields__
               if isinstance(getattr(value, f), torch.Tensor))


def _clear(err: Exception) -> bool:
    """One line that names an argument (`name`) or the function that overflowed."""
    text = str(err)
    return "\n" not in text and "`" in text


def finite_or_clear(call):
    """The call's result, checked finite; None when it raised a clear ValueError."""
    try:
        result = call()
    except ValueError as err:
        assert _clear(err), f"unclear error: {err!r}"
        return None
    assert _finite(result), f"silent non-finite result: {result}"
    return result


@given(schedule=schedules(), dtype=DTYPES)
def test_schedule_tables_are_finite_and_in_range(schedule, dtype):
    s = schedule.to(dtype=dtype)
    for name in ("beta", "alpha", "alpha_bar", "one_minus_alpha_bar"):
        table = getattr(s, name)
        assert table.shape == (s.T + 1,) and table.dtype == dtype
        assert bool(torch.isfinite(table).all()) and bool((table >= 0).all()) and bool((table <= 1).all())
    assert bool(torch.isfinite(s.log_alpha_bar).all())
    ab = schedule.float64("alpha_bar")
    assert ab[0] == 1 and bool((ab[1:] <= ab[:-1]).all())          # non-increasing in t
    assert bool(torch.allclose(schedule.float64("one_minus_alpha_bar"), 1 - ab, atol=1e-15))


@st.composite
def cases(draw, max_T=10_000):
    schedule = draw(schedules(max_T)).to(dtype=draw(DTYPES))
    T, dtype = schedule.T, schedule.dtype
    batch = draw(st.integers(1, 4))
    shape = (batch, *draw(DATA_SHAPES))
    per_point = draw(st.booleans())
    if per_point:
        t = torch.tensor(draw(st.lists(st.integers(1, T), min_size=batch, max_size=batch)))
    else:
        t = draw(st.integers(1, T))
    scale = draw(st.sampled_from([1.0, 1e-3, 1e3]))
    g = torch.Generator().manual_seed(draw(st.integers(0, 2**16)))
    x = {k: (scale * torch.randn(shape, generator=g, dtype=torch.float64)).to(dtype)
         for k in ("x_0", "x_t", "eps", "x_prev")}
    return schedule, t, x


def _later(t, T):
    """t restricted to [2, T] (the KL terms), or None when T = 1."""
    if T < 2:
        return None
    return t.clamp(min=2) if isinstance(t, torch.Tensor) else max(t, 2)


@given(case=cases())
def test_formulas_are_finite_or_raise_clearly(case):
    s, t, x = case
    shape = x["x_0"].shape
    calls = {
        "forward_step_mean": lambda: numeric.forward_step_mean(x["x_prev"], t, s),
        "forward_step_sample": lambda: numeric.forward_step_sample(x["x_prev"], t, s, noise=x["eps"]),
        "forward_jump_mean": lambda: numeric.forward_jump_mean(x["x_0"], t, s),
        "forward_jump_sample": lambda: numeric.forward_jump_sample(x["x_0"], t, s, noise=x["eps"]),
        "posterior_mean": lambda: numeric.posterior_mean(x["x_0"], x["x_t"], t, s),
        "x0_from_eps": lambda: numeric.x0_from_eps(x["x_t"], x["eps"], t, s),
        "eps_mean": lambda: numeric.eps_mean(x["x_t"], x["eps"], t, s),
        "score": lambda: numeric.score(x["x_t"], x["x_0"], t, s),
        "score_from_eps": lambda: numeric.score_from_eps(x["eps"], t, s),
        "prior_kl": lambda: numeric.prior_kl(x["x_0"], s),
        "ancestral_step": lambda: numeric.ancestral_step(x["x_t"], x["eps"], int(t.flatten()[0])
                                                   if isinstance(t, torch.Tensor) else t, s,
                                                   noise=x["x_prev"], variance="beta"),
    }
    for name, call in calls.items():
        result = finite_or_clear(call)
        assert result is None or result.shape == shape, name
    for name, call in {
        "forward_step_variance": lambda: numeric.forward_step_variance(t, s),
        "forward_jump_variance": lambda: numeric.forward_jump_variance(t, s),
        "posterior_variance": lambda: numeric.posterior_variance(t, s),
        "interpolation_weights": lambda: numeric.interpolation_weights(t, s),
        "interpolation_weight_sum": lambda: numeric.interpolation_weight_sum(t, s),
        "reverse_variance": lambda: numeric.reverse_variance(t, s, "beta"),
        "kl_eps_weight": lambda: numeric.kl_eps_weight(t, s, numeric.reverse_variance(t, s, "beta")),
    }.items():
        result = finite_or_clear(call)
        if result is not None:
            first = result[0] if isinstance(result, tuple) else result
            assert first.shape == (t.shape if isinstance(t, torch.Tensor) else ()), name
    later = _later(t, s.T)
    if later is not None:
        finite_or_clear(lambda: numeric.posterior_log_variance(later, s))
        finite_or_clear(lambda: numeric.kl_eps_constant(later, s, numeric.reverse_variance(later, s, "posterior")))
        finite_or_clear(lambda: numeric.reverse_variance(t, s, "posterior"))


@given(case=cases(max_T=60))
def test_the_bound_and_the_pathwise_terms_are_finite_or_raise_clearly(case):
    s, _, x = case
    x_0 = x["x_0"].reshape(x["x_0"].shape[0], -1)
    zero = lambda x_t, t: torch.zeros_like(x_t)  # noqa: E731
    variance = "posterior" if s.T >= 2 else "beta"
    bound = finite_or_clear(lambda: numeric.variational_bound(x_0, s, zero, variance=variance,
                                                        generator=torch.Generator().manual_seed(0)))
    if bound is not None:
        assert bound.total.shape == (x_0.shape[0],) and bound.denoising.shape == (x_0.shape[0], s.T - 1)
    trajectory = finite_or_clear(lambda: numeric.forward_trajectory(x_0, s, generator=torch.Generator().manual_seed(0)))
    if trajectory is not None:
        terms = finite_or_clear(lambda: numeric.elbo_terms(trajectory, s, zero, variance=variance))
        if terms is not None:
            for step in (numeric.elbo_factorization, numeric.elbo_separation, numeric.elbo_reindexing, numeric.elbo_bayes,
                         numeric.elbo_telescoping, numeric.elbo_kl_form):
                finite_or_clear(lambda: step(terms))


POSITIVE = st.one_of(st.floats(1e-300, 1e300), st.floats(1e-3, 1e3))
REAL = st.one_of(st.floats(-1e300, 1e300), st.floats(-10, 10))


@given(m1=REAL, v1=POSITIVE, m2=REAL, v2=POSITIVE, dtype=DTYPES)
def test_gaussian_functions_are_finite_or_raise_clearly(m1, v1, m2, v2, dtype):
    as_tensor = lambda value: torch.tensor(value, dtype=torch.float64).to(dtype)  # noqa: E731
    m1_, v1_, m2_, v2_ = map(as_tensor, (m1, v1, m2, v2))
    for call in (lambda: numeric.gaussian_log_density(m1_, m2_, v2_), lambda: numeric.gaussian_kl(m1_, v1_, m2_, v2_),
                 lambda: numeric.standard_normal_kl(m1_, v1_)):
        finite_or_clear(call)


def test_an_overflow_is_reported_not_returned():
    """1/sqrt(alpha_bar_t) overflows float32 past t ~ 40 with beta = 0.99: a clear error, and
    the same call in float64 (or at a small t) is finite."""
    s = numeric.NoiseSchedule.from_betas([0.99] * 60, dtype=torch.float32)
    x = torch.ones(2)
    with pytest.raises(ValueError, match=r"`x0_from_eps` overflows torch.float32 at t = \d+ \(alpha_bar_t = "):
        numeric.x0_from_eps(x, x, 60, s)
    assert bool(torch.isfinite(numeric.x0_from_eps(x, x, 2, s)).all())
    assert bool(torch.isfinite(numeric.x0_from_eps(x.double(), x.double(), 60, s.to(dtype=torch.float64))).all())


def test_a_nan_input_is_named_not_propagated():
    s = numeric.NoiseSchedule.linear(10)
    x = torch.tensor([0.0, math.nan])
    with pytest.raises(ValueError, match="`x_t` contains nan"):
        numeric.eps_mean(x, torch.zeros(2), 3, s)
    with pytest.raises(ValueError, match="`mean` contains nan"):
        numeric.gaussian_log_density(torch.zeros(2), x, 1.0)
