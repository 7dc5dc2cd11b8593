
from symbolic import forward
from symbolic import symbols
from symbolic.gaussian import gaussian_log_density
from symbolic.proof import Status, prove_equal


def test_forward_step_is_proved():
    assert forward.prove_forward_step().status is Status.PROVED


def test_forward_jump_is_proved_by_composition_and_integration():
    proof = forward.prove_forward_jump()
    assert proof.status is Status.PROVED
    assert any("marginal" in step.claim for step in proof.steps)


def test_composed_variance_is_not_alpha_bar_prev_form():
    _, variance = forward.composed_moments()
    wrong = 1 - symbols.alpha_bar_prev  # alpha_bar_{t-1} where alpha_bar_t belongs
    assert prove_equal(variance, wrong, "wrong index").status is Status.REFUTED


def test_marginal_with_wrong_mean_is_refuted():
    # sqrt dropped from the mean
    wrong = gaussian_log_density(symbols.x_t, symbols.alpha_bar_t * symbols.x_0, 1 - symbols.alpha_bar_t)
    proof = prove_equal(forward.marginal_log_density_by_integration(), wrong, "dropped sqrt")
    assert proof.status is Status.REFUTED


def test_complete_the_square_rejects_non_quadratics():
    import pytest
    with pytest.raises(ValueError, match="expected a quadratic"):
        forward.complete_the_square(symbols.x_prev**3, symbols.x_prev)
