"""Lab 3's classes against torch.distributions and exact values; each check shown to fail on wrong math."""

import math

import pytest
import torch
from matplotlib.figure import Figure

from numeric.lab.lab3 import (ELBOFramework, IntractableLikelihoodDemo, KLDivergenceBuilder, TwoForcesAnalysis,
                              demonstrate_jensens_inequality)
from numeric.lab.lab4 import create_diffusion_test_data

Normal = torch.distributions.Normal


def test_likelihood_given_z_is_the_gaussian_log_density():
    torch.manual_seed(0)
    demo = IntractableLikelihoodDemo(latent_dim=3, data_dim=2, noise_std=0.4)
    x, z = torch.randn(5, 2), torch.randn(5, 3)
    with torch.no_grad():
        expected = Normal(demo.decoder(z), 0.4).log_prob(x).sum(-1)
    assert torch.allclose(demo.likelihood_given_z(x, z), expected, atol=1e-5)
    assert demo.likelihood_given_z(x[None], z[:, None]).shape == (5, 5)      # broadcasting, as the estimator uses
    with pytest.raises(ValueError, match="latent_dim = 3"):
        demo.likelihood_given_z(x, torch.randn(5, 2))


def test_monte_carlo_marginal_converges_in_low_dimension_and_fails_in_high():
    torch.manual_seed(0)
    demo = IntractableLikelihoodDemo(latent_dim=1, data_dim=1, noise_std=0.5)
    x = torch.tensor([[0.3], [-1.0]])
    result = demo.approximate_marginal_likelihood(x, 200_000, generator=torch.Generator().manual_seed(1))
    assert result["error"].abs().max() < 0.01
    # the exact marginal is the check: a wrong covariance (W W^T without sigma^2) is far off
    with torch.no_grad():
        w, b = demo.decoder.weight.double(), demo.decoder.bias.double()
        wrong = torch.distributions.MultivariateNormal(b, w @ w.T).log_prob(x.double())
    assert (result["estimate"].double() - wrong).abs().max() > 0.05
    failure = IntractableLikelihoodDemo.demonstrate_monte_carlo_failure((1, 4, 16), n_samples=500)
    errors = failure["mean_abs_error"]
    assert errors[0] < 0.05 and errors[-1] > 10 * errors[0] and errors[-1] > 1.0
    assert failure["effective_sample_size"][-1] < 5 and isinstance(failure["figure"], Figure)


def test_kl_closed_forms_match_torch_distributions():
    kl = KLDivergenceBuilder()
    mu1, s1, mu2, s2 = torch.randn(6).double(), torch.rand(6).double() + 0.2, torch.randn(6).double(), torch.rand(6).double() + 0.2
    expected = torch.distributions.kl_divergence(Normal(mu1, s1), Normal(mu2, s2))
    assert torch.allclose(kl.gaussian_kl_closed_form(mu1, s1, mu2, s2), expected, rtol=1e-12)
    # sigma is a standard deviation: passing variances gives a different (wrong) number
    assert not torch.allclose(kl.gaussian_kl_closed_form(mu1, s1**2, mu2, s2**2), expected, rtol=1e-3)
    mu, logvar = torch.randn(4, 3).double(), torch.randn(4, 3).double()
    expected = torch.distributions.kl_divergence(Normal(mu, (0.5 * logvar).exp()), Normal(0.0, 1.0)).sum(-1)
    assert torch.allclose(kl.standard_normal_kl(mu, logvar), expected, rtol=1e-12)
    with pytest.raises(ValueError, match="`sigma1` is a standard deviation"):
        kl.gaussian_kl_closed_form(mu1, -s1, mu2, s2)
    with pytest.raises(ValueError, match="`logvar`"):
        kl.standard_normal_kl(mu, torch.full_like(mu, math.nan))


def test_monte_carlo_kl_agrees_with_the_closed_form_within_its_standard_error():
    kl = KLDivergenceBuilder()
    g = torch.Generator().manual_seed(0)
    samples = 0.5 + 1.5 * torch.randn(50_000, generator=g, dtype=torch.float64)
    p, q = Normal(0.5, 1.5), Normal(-0.3, 0.8)
    result = kl.monte_carlo_kl(samples, p.log_prob, q.log_prob)
    exact = kl.gaussian_kl_closed_form(torch.tensor(0.5), 1.5, -0.3, 0.8).item()
    assert abs(result["kl"].item() - exact) < 4 * result["standard_error"].item()
    swapped = kl.gaussian_kl_closed_form(torch.tensor(-0.3), 0.8, 0.5, 1.5).item()    # KL(q||p)
    assert abs(result["kl"].item() - swapped) > 4 * result["standard_error"].item()
    with pytest.raises(ValueError, match="no mass"):
        kl.monte_carlo_kl(samples, p.log_prob, lambda x: torch.where(x > 0, 0.0, -math.inf))
    with pytest.raises(TypeError, match="q_logprob_fn"):
        kl.monte_carlo_kl(samples, p.log_prob, None)


def test_kl_asymmetry_demo_fits_cover_and_seek():
    result = KLDivergenceBuilder().demonstrate_kl_asymmetry()
    assert result["kl_pq"] == pytest.approx(math.log(2) + 2 / 8 - 0.5, rel=1e-12)
    assert result["kl_qp"] == pytest.approx(-math.log(2) + 5 / 2 - 0.5, rel=1e-12)
    mean, std = result["forward_fit"]                       # moment matching: mean 0, var 0.25 + 4
    assert abs(mean) < 1e-3 and std == pytest.approx(math.sqrt(4.25), abs=1e-3)
    mean, std = result["reverse_fit"]                       # one mode
    assert abs(abs(mean) - 2) < 1e-2 and std == pytest.approx(0.5, abs=1e-2)


def test_reparameterize_has_the_right_moments_and_gradients():
    model = ELBOFramework()
    mu = torch.full((200_000, 1), 1.5, requires_grad=True)
    logvar = torch.full((200_000, 1), math.log(0.25), requires_grad=True)
    z = model.reparameterize(mu, logvar, generator=torch.Generator().manual_seed(0))
    n = z.numel()
    assert abs(z.mean().item() - 1.5) < 4 * 0.5 / math.sqrt(n)
    assert abs(z.var().item() - 0.25) < 4 * 0.25 * math.sqrt(2 / n)
    z.sum().backward()
    assert torch.allclose(mu.grad, torch.ones_like(mu)) and logvar.grad.abs().sum() > 0


def test_elbo_framework_terms_and_training():
    torch.manual_seed(0)
    model = ELBOFramework()
    x = create_diffusion_test_data(300, generator=torch.Generator().manual_seed(0), device="cpu")
    out = model.compute_elbo(x, generator=torch.Generator().manual_seed(1))
    expected = Normal(out["x_recon_mu"], (0.5 * out["x_recon_logvar"]).exp()).log_prob(x).sum(-1)
    assert torch.allclose(out["reconstruction"], expected, atol=1e-4)
    kl = torch.distributions.kl_divergence(Normal(out["mu"], (0.5 * out["logvar"]).exp()), Normal(0.0, 1.0)).sum(-1)
    assert torch.allclose(out["kl"], kl, atol=1e-5)
    assert torch.allclose(out["elbo"], out["reconstruction"] - out["kl"])
    losses = model.fit(x, epochs=150, lr=3e-3, generator=torch.Generator().manual_seed(2))
    assert sum(losses[-10:]) < sum(losses[:10])
    with pytest.raises(ValueError, match="`beta`"):
        model.fit(x, epochs=1, beta=-1.0)


def test_beta_vae_trades_reconstruction_for_regularisation():
    x = create_diffusion_test_data(300, generator=torch.Generator().manual_seed(0), device="cpu")
    result = TwoForcesAnalysis().analyze_beta_vae(x, (0.0, 1.0, 10.0), epochs=200)
    kl, reconstruction = result["kl"], result["reconstruction"]
    assert kl[0] > kl[1] > kl[2] and kl[2] < 0.05
    assert reconstruction[0] > reconstruction[1] > reconstruction[2]
    assert isinstance(result["figure"], Figure)
    with pytest.raises(ValueError, match="beta_values"):
        TwoForcesAnalysis().analyze_beta_vae(x, (-1.0,))


def test_jensen_gap_matches_the_lognormal_exact_values():
    result = demonstrate_jensens_inequality(n_samples=200_000, mu=0.3, sigma=0.8)
    assert result["gap"] >= 0
    assert result["exact_gap"] == pytest.approx(0.32)
    assert abs(result["log_mean"] - result["exact_log_mean"]) < 0.02
    assert abs(result["mean_log"] - result["exact_mean_log"]) < 0.01
    with pytest.raises(ValueError, match="`sigma`"):
        demonstrate_jensens_inequality(sigma=0.0)
