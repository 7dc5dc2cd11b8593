"""A corpus of abusive calls on every public numeric function: each raises ValueError or TypeError
whose one-line message names the argument, never a raw RuntimeError, AssertionError,
NotImplementedError, AttributeError, OverflowError, ZeroDivisionError or KeyError from torch or
Python, and never returns a silent nan.

Every function is called with valid arguments (``VALID``) but one; the bad values cover wrong
types and dtypes (complex, float8, quantized, integer), layouts (sparse) and devices (meta),
shapes that do not broadcast, integers beyond int64, swapped arguments, sizes beyond memory."""

import inspect
import math
import warnings

import pytest
import torch

import numeric
from numeric import NoiseSchedule

S = NoiseSchedule.linear(10)
X = torch.zeros(4, 2)
T_ROWS = torch.tensor([2, 3, 4, 5])


def model(x_t, t):
    return torch.zeros_like(x_t)


def _terms():
    return numeric.elbo_terms(numeric.forward_trajectory(X, S, generator=torch.Generator().manual_seed(0)), S, model)


#: Valid keyword arguments of every public function (``terms`` is made on demand).
VALID = {
    "forward_step_mean": dict(x_prev=X, t=3, schedule=S),
    "forward_step_variance": dict(t=3, schedule=S),
    "forward_step_sample": dict(x_prev=X, t=3, schedule=S),
    "forward_jump_mean": dict(x_0=X, t=3, schedule=S),
    "forward_jump_variance": dict(t=3, schedule=S),
    "forward_jump_sample": dict(x_0=X, t=3, schedule=S),
    "forward_trajectory": dict(x_0=X, schedule=S),
    "posterior_mean": dict(x_0=X, x_t=X, t=3, schedule=S),
    "posterior_variance": dict(t=3, schedule=S),
    "posterior_log_variance": dict(t=3, schedule=S),
    "interpolation_weights": dict(t=3, schedule=S),
    "interpolation_weight_sum": dict(t=3, schedule=S),
    "x0_from_eps": dict(x_t=X, eps=X, t=3, schedule=S),
    "eps_mean": dict(x_t=X, eps=X, t=3, schedule=S),
    "score": dict(x_t=X, x_0=X, t=3, schedule=S),
    "score_from_eps": dict(eps=X, t=3, schedule=S),
    "kl_eps_weight": dict(t=3, schedule=S, sigma2=0.1),
    "kl_eps_constant": dict(t=3, schedule=S, sigma2=0.1),
    "denoising_kl": dict(eps=X, eps_theta=X, t=3, schedule=S, sigma2=0.1),
    "prior_kl": dict(x_0=X, schedule=S),
    "gaussian_log_density": dict(x=X, mean=0.0, var=1.0),
    "gaussian_kl": dict(mean_1=X, var_1=1.0, mean_2=X, var_2=2.0),
    "standard_normal_kl": dict(mean=X, var=1.0),
    "reverse_variance": dict(t=3, schedule=S, variance="beta"),
    "discretized_gaussian_log_likelihood": dict(x_0=X, delta=X, log_sigma2=0.0),
    "ancestral_step": dict(x_t=X, eps_theta=X, t=3, schedule=S),
    "ancestral_sample": dict(eps_model=model, schedule=S, shape=(4, 2)),
    "variational_bound": dict(x_0=X, schedule=S, eps_model=model),
    "elbo_terms": dict(trajectory=torch.zeros(11, 4, 2), schedule=S, eps_model=model),
    **{step: dict(terms=None) for step in ("elbo_factorization", "elbo_separation", "elbo_reindexing",
                                           "elbo_bayes", "elbo_telescoping", "elbo_kl_form")},
}
PUBLIC_FUNCTIONS = sorted(n for n in numeric.__all__ if n not in ("ELBOTerms", "VariationalBound", "elbo",
                                                                  "NoiseSchedule"))


def _call(name, **changes):
    kwargs = {**VALID[name], **changes}
    if kwargs.get("terms", 0) is None and "terms" not in changes:
        kwargs["terms"] = _terms()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return getattr(numeric, name)(**kwargs)


def _names(message: str, argument: str) -> bool:
    return f"`{argument}`" in message or f"`{argument}=" in message


def _refused(name, argument, **changes):
    with pytest.raises((ValueError, TypeError)) as info:
        _call(name, **changes)
    message = str(info.value)
    assert "\n" not in message and _names(message, argument), message
    return message


def test_every_public_function_has_valid_arguments_here():
    assert sorted(VALID) == PUBLIC_FUNCTIONS
    for name in PUBLIC_FUNCTIONS:
        _call(name)


# -- the schedule and the timesteps ---------------------------------------------------------------

WITH_SCHEDULE = [n for n in PUBLIC_FUNCTIONS if "schedule" in VALID[n]]
WITH_T = [n for n in WITH_SCHEDULE if "t" in VALID[n]]


@pytest.mark.parametrize("name", WITH_SCHEDULE)
@pytest.mark.parametrize("schedule", [None, 3, "linear", torch.zeros(3)], ids=["None", "int", "str", "tensor"])
def test_a_schedule_that_is_not_one(name, schedule):
    assert "must be a numeric.NoiseSchedule" in _refused(name, "schedule", schedule=schedule)


@pytest.mark.parametrize("name", WITH_T)
def test_t_and_schedule_swapped(name):
    message = _refused(name, "schedule", t=S, schedule=3)
    assert "`t` holds the schedule: the two are swapped" in message


BAD_T = {
    "2**63": (2**63, r"`t` must be in \[\d, 10\], got 9223372036854775808"),
    "2**70": (2**70, r"`t` must be in \[\d, 10\], got 1180591620717411303424"),
    "-1": (-1, r"`t` must be in \[\d, 10\], got -1"),
    "0": (0, r"`t` must be in \[\d, 10\], got 0"),
    "11": (11, r"`t` must be in \[\d, 10\], got 11"),
    "float": (2.5, r"`t` must be an int"),
    "str": ("3", r"`t` must be an int"),
    "bool": (True, r"`t` must be an int"),
    "float tensor": (torch.tensor([3.0]), r"`t` must be an int"),
    "bool tensor": (torch.tensor([True]), r"`t` must be an int"),
    "sparse": (torch.tensor([2, 3, 4, 5]).to_sparse(), r"`t` must be (a dense integer tensor|an int)"),
    "meta": (torch.tensor([3], device="meta"), r"`t` (is on meta|must be an int)"),
    "big tensor": (torch.tensor([2**62]), r"`t` must be (in|an int)"),
}


@pytest.mark.parametrize("name", WITH_T)
@pytest.mark.parametrize("case", BAD_T, ids=list(BAD_T))
def test_bad_timesteps(name, case):
    value, match = BAD_T[case]
    with pytest.raises((ValueError, TypeError), match=match):
        _call(name, t=value)


WITH_STATES = ["forward_step_mean", "forward_step_sample", "forward_jump_mean", "forward_jump_sample",
               "posterior_mean", "x0_from_eps", "eps_mean", "score", "score_from_eps"]


@pytest.mark.parametrize("name", WITH_STATES)
def test_t_of_another_length_than_the_batch(name):
    for t in (torch.tensor([2, 3]), torch.tensor([2, 3, 4])):
        message = _refused(name, "t", t=t)
        assert "a tensor `t` holds one timestep per entry of the leading dimensions" in message


@pytest.mark.parametrize("name", WITH_STATES)
def test_t_per_row_works_and_a_scalar_state_broadcasts(name):
    assert _call(name, t=T_ROWS).shape == (4, 2)
    data = {k: torch.tensor(0.5) for k, v in VALID[name].items() if isinstance(v, torch.Tensor)}
    assert _call(name, t=T_ROWS, **data).shape == (4,)


# -- the tensors ----------------------------------------------------------------------------------

def _quantized():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return torch.quantize_per_tensor(torch.zeros(4, 2), 0.1, 0, torch.qint8)


BAD_TENSORS = {
    "list": lambda: [[0.0, 0.0]] * 4,
    "str": lambda: "x",
    "int64": lambda: torch.zeros(4, 2, dtype=torch.int64),
    "bool": lambda: torch.zeros(4, 2, dtype=torch.bool),
    "complex": lambda: torch.zeros(4, 2, dtype=torch.complex64),
    "float8_e4m3fn": lambda: torch.zeros(4, 2).to(torch.float8_e4m3fn),
    "float8_e5m2": lambda: torch.zeros(4, 2).to(torch.float8_e5m2),
    "float64": lambda: torch.zeros(4, 2, dtype=torch.float64),
    "sparse": lambda: torch.zeros(4, 2).to_sparse(),
    "quantized": _quantized,
    "meta": lambda: torch.zeros(4, 2, device="meta"),
    "nan": lambda: torch.full((4, 2), math.nan),
    "inf": lambda: torch.full((4, 2), math.inf),
    "wrong shape": lambda: torch.zeros(3),
}
TENSOR_ARGUMENTS = [(n, a) for n in PUBLIC_FUNCTIONS for a, v in VALID[n].items()
                    if isinstance(v, torch.Tensor) or a in ("mean", "var", "var_1", "var_2", "sigma2", "log_sigma2")]


@pytest.mark.parametrize("name, argument", TENSOR_ARGUMENTS, ids=[f"{n}-{a}" for n, a in TENSOR_ARGUMENTS])
@pytest.mark.parametrize("kind", BAD_TENSORS, ids=list(BAD_TENSORS))
def test_bad_tensor_arguments(name, argument, kind):
    value = BAD_TENSORS[kind]()
    if kind == "float64" and name in ("gaussian_log_density", "gaussian_kl", "standard_normal_kl",
                                      "discretized_gaussian_log_likelihood") and argument in ("x", "mean_1", "mean",
                                                                                               "x_0"):
        pytest.skip("the first tensor sets the dtype: float64 there is valid")
    tensors = [a for a, v in VALID[name].items() if isinstance(v, torch.Tensor)]
    if kind == "wrong shape":
        if len(tensors) == 1 and name not in ("elbo_terms", "kl_eps_weight", "kl_eps_constant"):
            pytest.skip("the one tensor argument may have any shape")
        if argument in ("sigma2", "log_sigma2", "mean", "var", "var_1", "var_2"):
            value = torch.zeros(3, 3)          # these broadcast: a (3, 3) tensor cannot
        if name == "elbo_terms":
            value = torch.zeros(3, 4, 2)
        if name in ("kl_eps_weight", "kl_eps_constant"):
            changes = {argument: torch.full((3,), 0.1), "t": torch.tensor([2, 3])}
            _refused(name, argument, **changes)
            return
        with pytest.raises((ValueError, TypeError)) as info:      # the message may name the other tensor
            _call(name, **{argument: value})
        assert any(_names(str(info.value), a) for a in tensors + [argument]), str(info.value)
        return
    if argument == "trajectory" and kind == "nan":
        value = torch.full((11, 4, 2), math.nan)
    _refused(name, argument, **{argument: value})


@pytest.mark.parametrize("name", ["forward_trajectory", "ancestral_step", "ancestral_sample", "variational_bound"])
@pytest.mark.parametrize("generator", [0, 12345, "seed", torch.zeros(1)], ids=["0", "int", "str", "tensor"])
def test_a_generator_that_is_not_one(name, generator):
    message = _refused(name, "generator", generator=generator)
    assert "to seed the draws pass `generator=torch.Generator().manual_seed(0)`" in message


@pytest.mark.parametrize("name", ["forward_step_sample", "forward_jump_sample"])
@pytest.mark.parametrize("noise", [torch.zeros(5), torch.zeros(1, 2), torch.zeros(4, 2, 1)], ids=["5", "1x2", "4x2x1"])
def test_forward_noise_of_the_wrong_shape(name, noise):
    _refused(name, "noise", noise=noise)


@pytest.mark.parametrize("name", ["posterior_mean", "x0_from_eps", "eps_mean", "score", "denoising_kl",
                                  "gaussian_kl"])
def test_two_tensors_that_do_not_broadcast(name):
    first, second = [a for a, v in VALID[name].items() if isinstance(v, torch.Tensor)][:2]
    message = _refused(name, second, **{first: torch.zeros(3), second: torch.zeros(4)})
    assert f"`{first}` has shape (3,) and `{second}` has shape (4,), which do not broadcast together" in message


# -- sizes beyond memory and the integers beyond int64 --------------------------------------------

@pytest.mark.parametrize("call, argument", [
    (lambda: NoiseSchedule.linear(10**9), "T"),
    (lambda: NoiseSchedule.linear(2**63), "T"),
    (lambda: NoiseSchedule.cosine(2**63), "T"),
    (lambda: NoiseSchedule.cosine(10**7), "T"),
    (lambda: numeric.posterior_variance(2**63, S), "t"),
    (lambda: numeric.ancestral_sample(model, S, (10**9, 2)), "shape"),
    (lambda: numeric.ancestral_sample(model, S, (2**63, 2**63)), "shape"),
    (lambda: numeric.ancestral_sample(model, S, (2**64, 2)), "shape"),
    (lambda: numeric.forward_trajectory(torch.zeros(()).expand(10**9, 10**3), S), "x_0"),
    (lambda: numeric.variational_bound(torch.zeros(()).expand(10**9, 10**3), S, model), "x_0"),
    (lambda: numeric.elbo_terms(torch.zeros(()).expand(11, 10**8, 10**3), S, model), "trajectory"),
    (lambda: NoiseSchedule.linear(10, beta_start=10**400), "beta_start"),
    (lambda: NoiseSchedule.cosine(10, s=10**400), "s"),
    (lambda: numeric.gaussian_log_density(X, 0.0, 10**400), "var"),
    (lambda: numeric.kl_eps_weight(2, S, 10**400), "sigma2"),
])
def test_sizes_and_integers_out_of_range_are_refused_up_front(call, argument):
    with pytest.raises((ValueError, TypeError)) as info:
        call()
    assert _names(str(info.value), argument), str(info.value)


def test_the_memory_refusal_says_the_size_and_the_limit(monkeypatch):
    from numeric import _validation
    with pytest.raises(ValueError, match=r"^`shape` \(1000000000, 2\) needs 40.0 GB \(the state and 4 working copies "
                                         r"in torch.float32\), more than the device can hold; the limit on cpu is "
                                         r"[\d.]+ [kMGTP]?B \(its physical memory, os.sysconf\); draw fewer samples"):
        if _validation.memory_limit(torch.device("cpu"))[0] >= 40 * 10**9:
            monkeypatch.setattr(_validation, "memory_limit",
                                lambda device: (16 * 10**9, "its physical memory, os.sysconf"))
        numeric.ancestral_sample(model, S, (10**9, 2))


# -- whatever the abuse, never a raw error ------------------------------------------------------------

ODD_VALUES = [None, 0, -1, 2**70, 1e308, math.nan, math.inf, "x", b"x", [1], (1, 2), {}, object(), True,
              torch.tensor(math.nan), torch.zeros(0), torch.zeros(2, 3, 5), torch.zeros(4, 2, dtype=torch.float16),
              torch.zeros(4, 2, dtype=torch.bfloat16), torch.zeros(4, 2, requires_grad=True), S]


@pytest.mark.parametrize("name", PUBLIC_FUNCTIONS)
def test_any_value_in_any_argument_is_accepted_or_refused_by_name(name):
    """Each parameter in turn (optional ones included) gets each odd value: the call returns finite
    values, or raises a ValueError/TypeError naming an argument, never anything else."""
    arguments = list(inspect.signature(getattr(numeric, name)).parameters)
    for argument in arguments:
        for value in ODD_VALUES:
            try:
                result = _call(name, **{argument: value})
            except (ValueError, TypeError) as err:
                message = str(err)
                assert "\n" not in message and "`" in message, (argument, value, message)
                continue
            tensors = result if isinstance(result, tuple) else (
                [getattr(result, f) for f in result.__dataclass_fields__]
                if hasattr(result, "__dataclass_fields__") else [result])
            for tensor in tensors:
                if isinstance(tensor, torch.Tensor) and tensor.is_floating_point():
                    assert bool(torch.isfinite(tensor).all()), (argument, value)
