import pytest
import torch

from numeric import NoiseSchedule

#: A schedule known by hand: alpha = 0.9, 0.8, 0.5 and alpha_bar = 1, 0.9, 0.72, 0.36 (t = 0..3).
HAND_BETAS = [0.1, 0.2, 0.5]


@pytest.fixture
def hand_schedule():
    """Builds the hand-computed schedule (``HAND_BETAS``) in a dtype and on a device."""
    def build(dtype=torch.float64, device="cpu"):
        return NoiseSchedule.from_betas(HAND_BETAS, dtype=dtype, device=device)
    return build
