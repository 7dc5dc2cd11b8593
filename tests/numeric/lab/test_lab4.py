"""Lab 4's classes: every method against the numeric layer (or an independent oracle), the
timestep mapping of each method, the notebook's cells run unchanged, nothing blocks headless."""

import math

import matplotlib
import pytest
import torch
from matplotlib.figure import Figure

import numeric
from numeric.lab.lab4 import (DiffusionELBODerivation, NoisePredictionReparameterization, SequentialLikelihoodDemo,
                              SimpleDiffusionTraining, ThreeForcesAnalysis, TractableReverseDistribution,
                              create_diffusion_test_data, create_noise_schedule)

F64 = torch.float64


def lab_schedule(T=50, dtype=F64):
    return create_noise_schedule(T, dtype=dtype, device="cpu")


def points(n=8, dtype=F64, seed=0):
    return create_diffusion_test_data(max(n, 3), generator=torch.Generator().manual_seed(seed), device="cpu",
                                      dtype=dtype)[:n]


# -- data and schedule -----------------------------------------------------------------------

def test_noise_schedule_dict_is_the_notebooks_zero_based_view_of_the_paper_schedule():
    d = lab_schedule(50)
    s = d["schedule"]
    assert d["T"] == 50 and d["betas"].shape == (50,)
    assert torch.equal(d["alphas_cumprod"], s.alpha_bar[1:])
    assert d["betas"][0].item() == pytest.approx(1e-4) and d["betas"][-1].item() == pytest.approx(0.02)
    product = torch.cumprod(1 - torch.linspace(1e-4, 0.02, 50, dtype=F64), 0)
    assert torch.allclose(d["alphas_cumprod"], product, rtol=1e-14)


def test_a_hand_built_dict_is_read_from_its_betas():
    betas = torch.linspace(1e-4, 0.02, 20, dtype=F64)
    demo = TractableReverseDistribution({"betas": betas, "T": 20})
    assert torch.allclose(demo.schedule.alpha_bar, lab_schedule(20)["schedule"].alpha_bar, rtol=1e-14)
    with pytest.raises(ValueError, match="says T = 21 but holds 20 betas"):
        TractableReverseDistribution({"betas": betas, "T": 21})
    with pytest.raises(ValueError, match="no 'betas' entry"):
        TractableReverseDistribution({"alphas": betas})
    with pytest.raises(TypeError, match="create_noise_schedule"):
        TractableReverseDistribution([0.1, 0.2])


def test_test_data_are_three_clusters_in_a_triangle():
    x = create_diffusion_test_data(3000, generator=torch.Generator().manual_seed(0), device="cpu", dtype=F64)
    for k, cluster in enumerate(x.split(1000)):
        angle = 2 * math.pi * k / 3
        centre = torch.tensor([2 * math.cos(angle), 2 * math.sin(angle)], dtype=F64)
        assert (cluster.mean(0) - centre).abs().max() < 4 * 0.3 / math.sqrt(1000)
        assert cluster.std(0).sub(0.3).abs().max() < 0.03


def test_the_notebooks_own_code_draws_one_ring_not_three_clusters():
    x = create_diffusion_test_data(3000, layout="ring", generator=torch.Generator().manual_seed(0), device="cpu",
                                   dtype=F64)
    for cluster in x.split(1000):   # each "cluster" covers the whole circle: its mean is near 0
        assert cluster.mean(0).abs().max() < 0.1
        assert (cluster.norm(dim=1).mean() - 2).abs() < 0.05
    with pytest.raises(ValueError, match="layout"):
        create_diffusion_test_data(30, layout="spiral")
    with pytest.raises(ValueError, match="n_samples"):
        create_diffusion_test_data(2)


# -- Part 2: sequential likelihood -----------------------------------------------------------

def seeded(seed, fn, *args):
    torch.manual_seed(seed)
    return fn(*args)


def test_forward_step_is_zero_indexed_as_the_notebook_says():
    demo = SequentialLikelihoodDemo(data_dim=2, T=10)
    x = points(4, dtype=torch.get_default_dtype())
    s = demo.schedule
    for index in (0, 4, 9):
        ours = seeded(1, demo.forward_step, x, index)
        assert torch.equal(ours, seeded(1, numeric.forward_step_sample, x, index + 1, s))
        if index:   # reading t as the paper's step would be a different draw
            assert not torch.equal(ours, seeded(1, numeric.forward_step_sample, x, index, s))
    with pytest.raises(ValueError, match=r"0-based index .* \[0, 9\], got 10"):
        demo.forward_step(x, 10)
    with pytest.raises(TypeError, match="int step index"):
        demo.forward_step(x, 1.0)


def test_forward_trajectory_and_direct_jump_use_paper_timesteps():
    demo = SequentialLikelihoodDemo(data_dim=2, T=10)
    x = points(4, dtype=torch.get_default_dtype())
    trajectory = seeded(2, demo.forward_trajectory, x)
    assert len(trajectory) == 11 and torch.equal(trajectory[0], x)
    assert torch.equal(torch.stack(trajectory), seeded(2, numeric.forward_trajectory, x, demo.schedule))
    assert torch.equal(demo.direct_jump_forward(x, 0), x)
    assert torch.equal(seeded(3, demo.direct_jump_forward, x, 10), seeded(3, numeric.forward_jump_sample, x, 10, demo.schedule))
    with pytest.raises(ValueError, match=r"\[0, 10\].*got 11"):
        demo.direct_jump_forward(x, 11)


def test_marginal_likelihood_weights_match_an_independent_computation():
    """log w = log p(x_{0:T}) - log q(x_{1:T}|x_0), recomputed with torch.distributions."""
    torch.manual_seed(0)
    demo = SequentialLikelihoodDemo(data_dim=2, T=3)
    x0 = points(1, dtype=torch.get_default_dtype())
    torch.manual_seed(5)
    result = demo.marginal_likelihood_approximation(x0, n_trajectories=16)
    torch.manual_seed(5)
    trajectory = numeric.forward_trajectory(x0.expand(16, -1), demo.schedule)
    Normal = torch.distributions.Normal
    log_w = Normal(0.0, 1.0).log_prob(trajectory[3]).sum(-1)
    for t in range(1, 4):
        with torch.no_grad():
            mean = demo.reverse_model[t - 1](trajectory[t])
        log_w += Normal(mean, 1.0).log_prob(trajectory[t - 1]).sum(-1)
        beta = demo.betas[t - 1]
        log_w -= Normal((1 - beta).sqrt() * trajectory[t - 1], beta.sqrt()).log_prob(trajectory[t]).sum(-1)
    assert torch.allclose(result["log_weights"], log_w, rtol=1e-5, atol=1e-3)
    assert result["elbo"] <= result["log_likelihood"]
    assert 1 <= result["effective_sample_size"] <= 16


def test_marginal_likelihood_estimate_is_consistent_for_a_linear_gaussian_model():
    """With linear reverse steps and unit variance, p(x_0) is Gaussian: N(m, C) by propagating
    x_T ~ N(0, I) through x_{t-1} = W_t x_t + b_t + N(0, I); importance sampling converges to it
    when the proposal q is broad enough."""
    torch.manual_seed(0)
    demo = SequentialLikelihoodDemo(data_dim=2, T=2)
    demo.reverse_model = demo.reverse_model.double()
    # broad forward steps, so that q is a usable proposal (with the lab's beta ~ 1e-4, q(x_1|x_0)
    # is 100x narrower than p(x_1|x_0) and the estimate is far too low: the failure the demo shows)
    demo.schedule = numeric.NoiseSchedule.from_betas(torch.tensor([0.6, 0.6]), dtype=F64)
    mean, cov = torch.zeros(2, dtype=F64), torch.eye(2, dtype=F64)
    for t in (2, 1):
        layer = demo.reverse_model[t - 1]
        mean = layer.weight.detach() @ mean + layer.bias.detach()
        cov = layer.weight.detach() @ cov @ layer.weight.detach().T + torch.eye(2, dtype=F64)
    x0 = torch.tensor([[0.3, -0.2]], dtype=F64)
    exact = torch.distributions.MultivariateNormal(mean, cov).log_prob(x0).item()
    torch.manual_seed(1)
    estimate = demo.marginal_likelihood_approximation(x0, n_trajectories=200_000)
    assert abs(estimate["log_likelihood"] - exact) < 0.05
    assert estimate["elbo"] < exact - 0.05           # the mean log-weight is a strict lower bound here


def test_complexity_explosion_is_exponential_in_t():
    demo = SequentialLikelihoodDemo(data_dim=2, T=5)
    result = demo.demonstrate_complexity_explosion()
    assert result["log10_grid_evaluations"] == [2 * T for T in result["T"]] == [10, 20, 40, 100]
    assert isinstance(result["figure"], Figure)


# -- Part 3: the derivation ------------------------------------------------------------------

@pytest.fixture
def derivation_inputs():
    d = lab_schedule(12)
    torch.manual_seed(0)
    x = points(64)
    trajectory = list(numeric.forward_trajectory(x, d["schedule"]).unbind(0))
    return d, trajectory


def test_each_step_is_the_numeric_step_function_and_its_terms_add_up(derivation_inputs):
    d, trajectory = derivation_inputs
    lab = DiffusionELBODerivation(d)
    terms = numeric.elbo_terms(torch.stack(trajectory), d["schedule"], lambda x, t: torch.zeros_like(x))
    factorized = lab.log_probability_factorizations(trajectory)
    step1 = lab.implement_elbo_step1_separation(trajectory)
    step2 = lab.implement_elbo_step2_reindexing(step1)
    step3 = lab.implement_elbo_step3_bayes_rule(step2, trajectory)
    step4 = lab.implement_elbo_step4_final_form(step3)
    for step, fn in ((factorized, numeric.elbo_factorization), (step1, numeric.elbo_separation), (step2, numeric.elbo_reindexing),
                     (step3, numeric.elbo_bayes), (step4, numeric.elbo_kl_form)):
        assert step["step"] == fn.__name__
        assert torch.equal(step["elbo"], fn(terms))
    assert torch.allclose(step1["prior"] + step1["reconstruction"] + step1["reverse_terms"].sum(0)
                          - step1["forward_terms"].sum(0), step1["elbo"], rtol=1e-12)
    assert step2["timesteps"] == list(range(2, 13)) and step2["forward_terms"].shape[0] == 11
    assert torch.allclose(step2["prior"] + step2["reconstruction"] - step2["first_forward"]
                          + (step2["reverse_terms"] - step2["forward_terms"]).sum(0), step2["elbo"], rtol=1e-12)
    assert torch.allclose(step3["jump_ratio_terms"].sum(0), step3["telescoped"], rtol=1e-10, atol=1e-10)
    assert torch.allclose(step4["reconstruction"] - step4["prior_matching"] - step4["denoising"].sum(0),
                          step4["elbo"], rtol=1e-12)
    # a wrong split (t = 1 left in the forward sum after reindexing) is caught by the same sum
    wrong = step2["prior"] + step2["reconstruction"] - step2["first_forward"] + (
        step2["reverse_terms"] - step1["forward_terms"][:-1]).sum(0)
    assert not torch.allclose(wrong, step2["elbo"], rtol=1e-6)


def test_steps_one_to_three_agree_on_every_trajectory_and_step_four_in_expectation(derivation_inputs):
    d, trajectory = derivation_inputs
    result = DiffusionELBODerivation(d).complete_elbo_derivation(trajectory)
    assert result["pathwise_relative_difference"] < 1e-12
    steps = result["steps"]
    for name in ("separation", "reindexing", "bayes"):
        assert torch.allclose(steps[name]["elbo"], steps["factorization"]["elbo"], rtol=1e-12)
    assert not torch.allclose(steps["kl_form"]["elbo"], steps["factorization"]["elbo"], rtol=1e-3)
    # in expectation: many trajectories from one x_0
    torch.manual_seed(3)
    x = points(1).expand(20_000, -1)
    many = numeric.forward_trajectory(x, d["schedule"])
    out = DiffusionELBODerivation(d).complete_elbo_derivation(many)
    difference = out["steps"]["factorization"]["elbo"] - out["elbo"]
    assert abs(difference.mean().item()) < 4 * difference.std().item() / math.sqrt(20_000)


def test_steps_refuse_the_wrong_input(derivation_inputs):
    d, trajectory = derivation_inputs
    lab = DiffusionELBODerivation(d)
    step1 = lab.implement_elbo_step1_separation(trajectory)
    with pytest.raises(ValueError, match="previous step"):
        lab.implement_elbo_step3_bayes_rule(step1, trajectory)
    step2 = lab.implement_elbo_step2_reindexing(step1)
    other = [x + 1 for x in trajectory]
    with pytest.raises(ValueError, match="same trajectory"):
        lab.implement_elbo_step3_bayes_rule(step2, other)
    with pytest.raises(ValueError, match="T\\+1 = 13 states"):
        lab.implement_elbo_step1_separation(trajectory[:-1])
    with pytest.raises(TypeError, match="x_trajectory"):
        lab.implement_elbo_step1_separation("x")


def test_derivation_with_a_model_uses_that_model(derivation_inputs):
    d, trajectory = derivation_inputs
    model = lambda x, t: 0.1 * x  # noqa: E731
    lab = DiffusionELBODerivation(d, eps_model=model, variance="beta")
    terms = numeric.elbo_terms(torch.stack(trajectory), d["schedule"], model, variance="beta")
    assert torch.equal(lab.implement_elbo_step1_separation(trajectory)["elbo"], numeric.elbo_separation(terms))


# -- Part 3.2: the reverse distribution ------------------------------------------------------

def test_reverse_distribution_is_the_posterior_with_paper_timesteps(dtype):
    d = lab_schedule(50, dtype)
    lab = TractableReverseDistribution(d)
    x_0, x_t = points(6, dtype), points(6, dtype, seed=1)
    for t in (1, 2, 25, 50):
        mean = lab.optimal_reverse_mean(x_t, x_0, t)
        assert torch.equal(mean, numeric.posterior_mean(x_0, x_t, t, d["schedule"]))
        assert torch.equal(lab.optimal_reverse_variance(t), numeric.posterior_variance(t, d["schedule"]))
        both = lab.bayes_rule_transformation(x_t, x_0, t)
        assert torch.equal(both["mean"], mean) and torch.equal(both["variance"], lab.optimal_reverse_variance(t))
    assert torch.equal(lab.optimal_reverse_mean(x_t, x_0, 1), x_0) or torch.allclose(lab.optimal_reverse_mean(x_t, x_0, 1), x_0)
    assert lab.optimal_reverse_variance(1).item() == 0.0
    # the argument order is (x_t, x_0), as the notebook's; swapping them is a different mean
    assert not torch.allclose(lab.optimal_reverse_mean(x_0, x_t, 25), numeric.posterior_mean(x_0, x_t, 25, d["schedule"]))
    with pytest.raises(ValueError, match=r"\[1, 50\], got 0"):
        lab.optimal_reverse_variance(0)


def test_interpolation_weights_demo_prints_what_is_true(capsys):
    lab = TractableReverseDistribution(lab_schedule(50, torch.float32))
    result = lab.demonstrate_interpolation_weights()
    out = capsys.readouterr().out
    exact = lab_schedule(50)["schedule"]
    w_0, w_t = numeric.interpolation_weights(torch.arange(1, 51), exact)
    assert torch.equal(result["weight_x0"], w_0) and torch.equal(result["weight_xt"], w_t)
    assert result["weight_sum"][0].item() == 1.0 and (result["weight_sum"][1:] < 1).all()
    k = result["clean_dominates_until"]
    assert (w_0[:k - 1] > w_t[:k - 1]).all() and (w_0[k - 1:] <= w_t[k - 1:]).all()
    assert "Weights always sum to 1" not in out and "only at t = 1" in out
    assert isinstance(result["figure"], Figure)


def test_visualize_reverse_distribution_refuses_steps_beyond_t():
    lab = TractableReverseDistribution(lab_schedule(20))
    assert isinstance(lab.visualize_reverse_distribution(points(1), [1, 10, 20]), Figure)
    with pytest.raises(ValueError, match=r"\[1, 20\], got 25"):
        lab.visualize_reverse_distribution(points(1))      # the notebook's default goes to 45


# -- Part 4: noise prediction ----------------------------------------------------------------

def test_noise_prediction_methods_are_the_numeric_functions(dtype):
    d = lab_schedule(50, dtype)
    lab = NoisePredictionReparameterization(d)
    x_0, eps = points(6, dtype), points(6, dtype, seed=2)
    for t in (1, 17, 50):
        x_t, used = lab.forward_process_with_noise(x_0, t, eps)
        assert used is eps and torch.equal(x_t, numeric.forward_jump_sample(x_0, t, d["schedule"], eps))
        assert torch.equal(lab.solve_for_x0(x_t, eps, t), numeric.x0_from_eps(x_t, eps, t, d["schedule"]))
        assert torch.equal(lab.reparameterize_optimal_mean(x_t, eps, t), numeric.eps_mean(x_t, eps, t, d["schedule"]))
    torch.manual_seed(0)
    x_t, drawn = lab.forward_process_with_noise(x_0, 10)
    assert torch.equal(x_t, numeric.forward_jump_sample(x_0, 10, d["schedule"], drawn))
    with pytest.raises(ValueError, match="epsilon"):
        lab.forward_process_with_noise(x_0, 10, eps[:2])


def test_equivalence_demo_agrees_and_recovers_x0(dtype, capsys):
    lab = NoisePredictionReparameterization(lab_schedule(50, dtype))
    for t in (5, 15, 25, 35):
        result = lab.demonstrate_noise_prediction_equivalence(points(1, dtype), t)
        assert result["equivalent"] and result["recovery_error"] < 100 * torch.finfo(dtype).eps * 4
    assert "Equivalent: True" in capsys.readouterr().out


def test_the_sheets_noise_reparameterization_is_caught():
    """The Lab 4 sheet: mu = (x_t - sqrt(1-ab) eps)/sqrt(a) - (1-a)/(sqrt(a) sqrt(1-ab)) eps."""
    d = lab_schedule(50)
    s, t = d["schedule"], 20
    x_0, eps = points(6), points(6, seed=3)
    x_t = numeric.forward_jump_sample(x_0, t, s, eps)
    a, ab = s.alpha[t], s.alpha_bar[t]
    sheet = (x_t - (1 - ab).sqrt() * eps) / a.sqrt() - (1 - a) / (a.sqrt() * (1 - ab).sqrt()) * eps
    lab = NoisePredictionReparameterization(d)
    assert torch.allclose(lab.reparameterize_optimal_mean(x_t, eps, t), numeric.posterior_mean(x_0, x_t, t, s), rtol=1e-12)
    assert not torch.allclose(sheet, numeric.posterior_mean(x_0, x_t, t, s), rtol=1e-3)


# -- Part 4.2: training ----------------------------------------------------------------------

def test_simple_loss_draws_every_paper_timestep_and_is_the_mse():
    d = lab_schedule(5, torch.float32)
    torch.manual_seed(0)
    lab = SimpleDiffusionTraining(d)
    x_0 = points(2000, torch.float32)
    out = lab.simple_diffusion_loss(x_0, generator=torch.Generator().manual_seed(1))
    assert set(out["t"].tolist()) == {1, 2, 3, 4, 5}           # T included, 0 never
    assert torch.equal(out["x_t"], numeric.forward_jump_sample(x_0, out["t"], d["schedule"], out["epsilon"]))
    assert torch.allclose(out["loss"], (out["epsilon_pred"] - out["epsilon"]).square().mean())
    assert torch.equal(out["epsilon_pred"], lab.predict_noise(out["x_t"], out["t"]))
    assert lab.timestep_embedding(torch.tensor([5])).item() == 1.0


def test_train_and_accuracy_methods_return_their_results(capsys):
    d = lab_schedule(20, torch.float32)
    torch.manual_seed(0)
    lab = SimpleDiffusionTraining(d)
    losses = lab.train_simple_diffusion(points(300, torch.float32), epochs=150, lr=3e-3)
    assert isinstance(losses, list) and len(losses) == 150 and isinstance(losses.figure, Figure)
    assert sum(losses[-20:]) / 20 < sum(losses[:20]) / 20
    result = lab.test_noise_prediction_accuracy(points(10, torch.float32))
    assert result["average_error"] == pytest.approx(sum(result["errors"]) / 10)
    assert all(1 <= t <= 20 for t in result["t"])
    assert "Epoch 0: Loss" in capsys.readouterr().out
    with pytest.raises(ValueError, match="exceeds"):
        lab.test_noise_prediction_accuracy(points(5, torch.float32), n_samples=10)
    with pytest.raises(ValueError, match="`lr`"):
        lab.train_simple_diffusion(points(30, torch.float32), epochs=1, lr=-1.0)


# -- Part 5: the three forces ----------------------------------------------------------------

def test_three_forces_are_the_terms_of_the_bound():
    d = lab_schedule(50)
    s = d["schedule"]
    lab = ThreeForcesAnalysis(d)
    x_0 = points(16)
    assert torch.equal(lab.compute_prior_matching_term(x_0), numeric.prior_kl(x_0, s).sum(1))
    # denoising with the default model (eps_theta = 0) in its eps form: lambda_t ||eps||^2 + d C_t
    torch.manual_seed(4)
    kl = lab.compute_denoising_terms(x_0, [2, 30])
    torch.manual_seed(4)
    for t, value in zip((2, 30), kl):
        eps = torch.randn_like(x_0)
        sigma2 = numeric.reverse_variance(t, s)
        expected = numeric.kl_eps_weight(t, s, sigma2) * eps.square().sum(1) + 2 * numeric.kl_eps_constant(t, s, sigma2)
        assert torch.allclose(value, expected, rtol=1e-10)
    # reconstruction: log N(x_0; x_1 / sqrt(alpha_1), sigma_1^2), by torch.distributions
    x_1 = points(16, seed=5)
    expected = torch.distributions.Normal(x_1 / s.alpha[1].sqrt(), numeric.reverse_variance(1, s).sqrt()).log_prob(x_0).sum(1)
    assert torch.allclose(lab.compute_reconstruction_term(x_0, x_1), expected, rtol=1e-12)
    with pytest.raises(ValueError, match="decoder"):
        lab.compute_denoising_terms(x_0, [1])


def test_three_forces_match_the_vectorized_bound_for_a_model():
    d = lab_schedule(10)
    s = d["schedule"]
    model = lambda x, t: 0.2 * x + t[:, None] / 10.0  # noqa: E731
    lab = ThreeForcesAnalysis(d, eps_model=model)
    x_0 = points(8)
    noise = torch.randn((10, *x_0.shape), generator=torch.Generator().manual_seed(0), dtype=F64)
    bound = numeric.variational_bound(x_0, s, model, noise)
    x_1 = numeric.forward_jump_sample(x_0, 1, s, noise[0])
    assert torch.allclose(-lab.compute_reconstruction_term(x_0, x_1), bound.reconstruction, rtol=1e-10)
    assert torch.allclose(lab.compute_prior_matching_term(x_0), bound.prior, rtol=1e-12)


def test_analysis_says_when_the_prior_term_is_not_small(capsys):
    lab_run = ThreeForcesAnalysis(lab_schedule(50)).analyze_three_forces(points(4))
    out = capsys.readouterr().out
    assert lab_run["alpha_bar_T"] == pytest.approx(0.603, abs=1e-3) and "Not ≈ 0" in out
    assert lab_run["prior_matching"].mean() > 0.5
    cosine = ThreeForcesAnalysis(numeric.NoiseSchedule.cosine(1000, dtype=F64)).analyze_three_forces(points(4))
    assert cosine["prior_matching"].max() < 1e-5 and "≈ 0 here" in capsys.readouterr().out
    assert isinstance(lab_run["figure"], Figure)


# -- the notebook, unchanged, headless -------------------------------------------------------

NOTEBOOK_CELLS = """
from numeric.lab.lab4 import *
torch.manual_seed(42)
test_data = create_diffusion_test_data(300)
noise_schedule = create_noise_schedule(T=50)
T = noise_schedule['T']
demo = SequentialLikelihoodDemo(data_dim=2, T=10)
demo.demonstrate_complexity_explosion()
demo.marginal_likelihood_approximation(test_data[:1], n_trajectories=50)
elbo_derivation = DiffusionELBODerivation(noise_schedule)
elbo_derivation.visualize_derivation_steps()
demo = SequentialLikelihoodDemo(data_dim=2, T=50)
sample_trajectory = demo.forward_trajectory(test_data[0:1])
if sample_trajectory is not None:
    elbo_result = elbo_derivation.complete_elbo_derivation(sample_trajectory)
    print("ELBO derivation successful!")
reverse_dist = TractableReverseDistribution(noise_schedule)
reverse_dist.demonstrate_interpolation_weights()
reverse_dist.visualize_reverse_distribution(test_data[0:1])
noise_reparam = NoisePredictionReparameterization(noise_schedule)
for t in [5, 15, 25, 35]:
    noise_reparam.demonstrate_noise_prediction_equivalence(test_data[0:1], t)
    print()
noise_reparam.visualize_noise_prediction_training()
simple_trainer = SimpleDiffusionTraining(noise_schedule, data_dim=2)
simple_trainer.demonstrate_elbo_to_practice_connection()
losses = simple_trainer.train_simple_diffusion(test_data[:50], epochs=50)
simple_trainer.test_noise_prediction_accuracy(test_data[:10])
three_forces = ThreeForcesAnalysis(noise_schedule)
three_forces.analyze_three_forces(test_data[0:1])
demo = SequentialLikelihoodDemo(data_dim=2, T=50)
x_0 = test_data[0:1]
trajectory = demo.forward_trajectory(x_0)
direct_x_T = demo.direct_jump_forward(x_0, 49)
t = 20
x_t, epsilon = noise_reparam.forward_process_with_noise(x_0, t)
mean_direct = reverse_dist.optimal_reverse_mean(x_t, x_0, t)
mean_noise = noise_reparam.reparameterize_optimal_mean(x_t, epsilon, t)
diff = torch.abs(mean_direct - mean_noise).max()
prior_kl = three_forces.compute_prior_matching_term(x_0)
loss_dict = simple_trainer.simple_diffusion_loss(test_data[:5])
"""


def test_the_notebook_cells_run_unchanged_headless(monkeypatch, capsys):
    import matplotlib.pyplot as plt

    def no_show(*args, **kwargs):
        raise AssertionError("plt.show() was called")

    monkeypatch.setattr(plt, "show", no_show)
    before = set(plt.get_fignums())
    namespace = {"torch": torch}
    exec(compile(NOTEBOOK_CELLS, "<lab4 notebook cells>", "exec"), namespace)
    assert set(plt.get_fignums()) == before          # figures are returned, not left open in pyplot
    assert namespace["diff"].item() < 1e-5
    assert "ELBO derivation successful!" in capsys.readouterr().out
    assert matplotlib.get_backend().lower() == "agg" or "ipykernel" not in __import__("sys").modules
