import math

import pytest
import torch

from numeric import NoiseSchedule, posterior_mean
from numeric.schedule import gather


def test_paper_indexing():
    s = NoiseSchedule.linear(10, dtype=torch.float64)
    assert s.T == 10 and s.beta.shape == (11,)
    assert s.beta[0] == 0 and s.alpha[0] == 1 and s.alpha_bar[0] == 1 and s.one_minus_alpha_bar[0] == 0
    assert s.beta[1].item() == pytest.approx(1e-4) and s.beta[10].item() == pytest.approx(0.02)


def test_alpha_bar_by_hand():
    s = NoiseSchedule.from_betas([0.1, 0.2, 0.5], dtype=torch.float64)
    assert s.alpha_bar.tolist() == pytest.approx([1.0, 0.9, 0.72, 0.36], rel=1e-15)
    assert s.one_minus_alpha_bar.tolist() == pytest.approx([0.0, 0.1, 0.28, 0.64], rel=1e-15)


def test_cosine_matches_its_definition_before_clipping():
    T, s_ = 100, 0.008
    s = NoiseSchedule.cosine(T, s=s_, dtype=torch.float64)
    f = [math.cos((t / T + s_) / (1 + s_) * math.pi / 2) ** 2 for t in range(T + 1)]
    expected = [f[t] / f[0] for t in range(T)]  # the last beta is clipped at 0.999
    assert s.alpha_bar[:T].tolist() == pytest.approx(expected, rel=1e-12)
    assert s.beta[T].item() == pytest.approx(0.999)


def test_float32_one_minus_alpha_bar_beats_naive_cumprod():
    s = NoiseSchedule.linear(1000, dtype=torch.float32)
    exact = -torch.expm1(torch.cumsum(torch.log1p(-s.float64("beta")), 0))
    ours = (s.one_minus_alpha_bar.double()[1:] / exact[1:] - 1).abs().max().item()
    naive_ab = torch.cumprod(1 - s.float64("beta")[1:].float(), 0)
    naive = ((1 - naive_ab).double() / exact[1:] - 1).abs().max().item()
    assert ours < 1e-7 < 1e-5 < naive


def test_to_changes_dtype_and_keeps_values():
    s = NoiseSchedule.linear(50, dtype=torch.float64)
    s32 = s.to(dtype=torch.float32)
    assert s32.alpha_bar.dtype == torch.float32 and s32.T == 50
    assert torch.allclose(s32.alpha_bar.double(), s.alpha_bar, rtol=1e-7)


@pytest.mark.parametrize("betas, match", [
    ([0.1, 0.0], r"`betas` must be finite and in \(0, 1\), got beta_2 = 0.0"),
    ([0.1, 1.0], r"got beta_2 = 1.0"),
    ([float("nan")], r"got beta_1 = nan"),
    ([[0.1, 0.2]], r"`betas` must be 1-D with T >= 1 entries"),
    ([], r"`betas` must be 1-D with T >= 1 entries"),
])
def test_bad_betas(betas, match):
    with pytest.raises(ValueError, match=match):
        NoiseSchedule.from_betas(betas)


def test_integer_betas_tensor_is_a_type_error():
    with pytest.raises(TypeError, match="`betas` must be a real floating tensor"):
        NoiseSchedule.from_betas(torch.tensor([1, 2]))


@pytest.mark.parametrize("T, error, match", [
    (0, ValueError, r"`T` must be >= 1"),
    (-5, ValueError, r"`T` must be >= 1"),
    (2.5, TypeError, r"`T` must be an int"),
    (True, TypeError, r"`T` must be an int"),
])
def test_bad_T(T, error, match):
    with pytest.raises(error, match=match):
        NoiseSchedule.linear(T)


def test_bad_linear_and_cosine_arguments():
    with pytest.raises(ValueError, match=r"`beta_end` must be in \(0, 1\), got 1.5"):
        NoiseSchedule.linear(10, beta_end=1.5)
    with pytest.raises(ValueError, match=r"`s` must be finite and >= 0"):
        NoiseSchedule.cosine(10, s=-1.0)
    with pytest.raises(ValueError, match=r"`max_beta` must be in \(0, 1\)"):
        NoiseSchedule.cosine(10, max_beta=0.0)


def test_bad_dtype_and_device():
    with pytest.raises(TypeError, match="`dtype` must be a floating torch.dtype"):
        NoiseSchedule.linear(10, dtype=torch.int64)
    with pytest.raises(ValueError, match="`device` must name a torch device"):
        NoiseSchedule.linear(10, device="gpu7")


def test_gather_takes_an_int_or_a_tensor_of_timesteps():
    s = NoiseSchedule.from_betas([0.1, 0.2, 0.5], dtype=torch.float64)
    x = torch.zeros(3, 2, 4, dtype=torch.float64)
    assert gather(s.alpha_bar, 2, x).item() == pytest.approx(0.72) and gather(s.alpha_bar, 2, x).shape == ()
    assert torch.equal(gather(s.alpha_bar, 2, x), gather(s.alpha_bar, torch.tensor(2), x))
    per_row = gather(s.alpha_bar, torch.tensor([1, 2, 3]), x)       # t indexes the leading dimension
    assert per_row.shape == (3, 1, 1) and per_row.flatten().tolist() == pytest.approx([0.9, 0.72, 0.36])


def test_the_schedule_device_is_the_one_tensors_report():
    # 'cpu:0' (and 'cuda', which tensors report as cuda:0) would otherwise never equal a tensor's device
    schedule = NoiseSchedule.linear(50, dtype=torch.float64, device="cpu:0")
    assert schedule.device == torch.empty(0).device
    x = torch.randn(3, dtype=torch.float64)
    assert posterior_mean(x, x, 3, schedule).shape == (3,)
    assert schedule.to(device="cpu:0").device == torch.device("cpu")


@pytest.mark.skipif(torch.cuda.is_available(), reason="a CUDA device is available")
def test_a_device_this_build_cannot_use_is_refused_by_name():
    with pytest.raises(ValueError, match="`device` 'cuda' is not available here"):
        NoiseSchedule.linear(50, device="cuda")
