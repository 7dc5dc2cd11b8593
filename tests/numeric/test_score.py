"""numeric/score.py: the score of q(x_t|x_0), by hand and in its two forms."""

import math

import pytest
import torch

from numeric import forward_jump_sample, score, score_from_eps


def test_score_from_eps_by_hand_at_t2(hand_schedule):
    eps = torch.tensor(0.3, dtype=torch.float64)
    assert score_from_eps(eps, 2, hand_schedule()).item() == pytest.approx(-0.3 / math.sqrt(0.28))


def test_score_at_a_jump_sample_is_score_from_eps(hand_schedule, dtype):
    s = hand_schedule(dtype)
    x_0, eps = torch.randn(5, dtype=dtype), torch.randn(5, dtype=dtype)
    x_t = forward_jump_sample(x_0, 3, s, noise=eps)
    torch.testing.assert_close(score(x_t, x_0, 3, s), score_from_eps(eps, 3, s))
    # x_0 and x_t swapped is a different score: the check can fail
    assert not torch.allclose(score(x_0, x_t, 3, s), score_from_eps(eps, 3, s))
