r"""Lab 3 (mathematical foundations: the ELBO of a single-latent model): the sheet's classes.

The Gaussian log-density and the closed-form KLs are ``numeric``'s (``gaussian_log_density``,
``gaussian_kl``, ``standard_normal_kl``), which crosscheck proves against the SymPy
derivations; the classes compose them and hold no formula of their own.  The only arithmetic
written here is sampling, :math:`z = \mu + e^{\frac12\log\sigma^2}\epsilon`, which the tests
check by its moments.  Method names and signatures are the assignment sheet's (Lab 3 has no
reference notebook).  Printing methods return dicts; plotting methods return Figures and never
call ``plt.show()``.
"""

from __future__ import annotations

import math
from typing import Callable, Dict, Sequence

import torch
import torch.nn as nn

from .._validation import (as_tensor_like, check_count, check_data, check_finite, check_points, check_positive_float,
                           check_sample_count)
from ..gaussian import _gaussian_log_density
from ..kl import _gaussian_kl, _standard_normal_kl
from ._common import device, new_figure

__all__ = ["device", "IntractableLikelihoodDemo", "KLDivergenceBuilder", "ELBOFramework", "TwoForcesAnalysis",
           "demonstrate_jensens_inequality"]

LogProb = Callable[[torch.Tensor], torch.Tensor]


def _log_variance(name: str, logvar: object, like: torch.Tensor) -> torch.Tensor:
    return check_finite(name, check_data(name, logvar, like=like), "; a log-variance must be finite")


def _reparameterize(mu: torch.Tensor, logvar: torch.Tensor, generator: torch.Generator | None) -> torch.Tensor:
    eps = torch.randn(mu.shape, generator=generator, dtype=mu.dtype,
                      device="cpu" if generator is None else generator.device).to(mu.device)
    return mu + torch.exp(0.5 * logvar) * eps


def _reconstruction(x: torch.Tensor, x_recon_mu: torch.Tensor, x_recon_logvar: torch.Tensor) -> torch.Tensor:
    return _gaussian_log_density(x, x_recon_mu, torch.exp(x_recon_logvar)).sum(-1)


def _kl_regularization(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    return _standard_normal_kl(mu, torch.exp(logvar)).sum(-1)


class IntractableLikelihoodDemo:
    r""":math:`p(x) = \int p(x|z)p(z)\,dz` by Monte Carlo over the prior, and why it fails.

    The decoder is linear, :math:`f_\theta(z) = Wz + b` with :math:`p(x|z) = \mathcal N(x; Wz+b, \sigma^2 I)`,
    so the integral is also known exactly, :math:`p(x) = \mathcal N(x; b, WW^\top + \sigma^2 I)`
    (``torch.distributions.MultivariateNormal``), and the estimator's error can be measured.
    """

    def __init__(self, latent_dim: int = 2, data_dim: int = 2, noise_std: float = 0.1):
        self.latent_dim = check_count("latent_dim", latent_dim)
        self.data_dim = check_count("data_dim", data_dim)
        self.noise_std = check_positive_float("noise_std", noise_std)
        self.decoder = nn.Linear(latent_dim, data_dim).to(device)

    def sample_prior(self, n_samples: int, *, generator: torch.Generator | None = None) -> torch.Tensor:
        """z ~ p(z) = N(0, I), shape (n_samples, latent_dim)."""
        weight = self.decoder.weight
        n_samples = check_sample_count("n_samples", n_samples, 2 * self.latent_dim * weight.element_size(),
                                       weight.device, "z drawn and cast")
        z = torch.randn((n_samples, self.latent_dim), generator=generator,
                        device="cpu" if generator is None else generator.device)
        return z.to(self.decoder.weight)

    def likelihood_given_z(self, x: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
        r""":math:`\log p(x|z) = \sum_i \log\mathcal N(x_i; f_\theta(z)_i, \sigma^2)` (``numeric.gaussian_log_density``).

        Returns the **log**-likelihood (the density itself underflows in a few dimensions).  x of
        shape (..., data_dim) and z of shape (..., latent_dim) broadcast over their leading dims.
        """
        x = check_data("x", x, like=self.decoder.weight)
        z = check_data("z", z, like=self.decoder.weight)
        if x.shape[-1] != self.data_dim or z.shape[-1] != self.latent_dim:
            raise ValueError(f"`x` must end in data_dim = {self.data_dim} and `z` in latent_dim = {self.latent_dim}, "
                             f"got shapes {tuple(x.shape)} and {tuple(z.shape)}")
        with torch.no_grad():
            mean = self.decoder(z)
        return _gaussian_log_density(x, mean, x.new_tensor(self.noise_std ** 2)).sum(-1)

    def exact_log_marginal(self, x: torch.Tensor) -> torch.Tensor:
        r""":math:`\log p(x)` in closed form for the linear decoder: :math:`\mathcal N(x; b, WW^\top + \sigma^2 I)`."""
        x = check_points("x", x, dim=self.data_dim)
        with torch.no_grad():
            weight, bias = self.decoder.weight.double(), self.decoder.bias.double()
            covariance = weight @ weight.T + self.noise_std ** 2 * torch.eye(self.data_dim, dtype=torch.float64,
                                                                              device=weight.device)
            marginal = torch.distributions.MultivariateNormal(bias, covariance_matrix=covariance)
            return marginal.log_prob(x.double()).to(x.dtype)

    def approximate_marginal_likelihood(self, x: torch.Tensor, n_samples: int = 1000, *,
                                        generator: torch.Generator | None = None) -> Dict[str, object]:
        r""":math:`\log p(x) \approx \log\frac1K\sum_k p(x|z_k)`, :math:`z_k \sim p(z)`, per row of x,
        against the exact value.  Returns ``estimate``, ``exact``, ``error`` (per row),
        ``effective_sample_size`` (of the K prior samples, per row)."""
        x = check_points("x", x, dim=self.data_dim)
        weight = self.decoder.weight
        n_samples = check_sample_count("n_samples", n_samples,
                                       2 * (self.latent_dim + x.shape[0] * (self.data_dim + 1)) * weight.element_size(),
                                       weight.device, "z, its decoded means and the (K, B) log-likelihoods")
        z = self.sample_prior(n_samples, generator=generator)
        log_lik = self.likelihood_given_z(x[None], z[:, None])                 # (K, B)
        estimate = torch.logsumexp(log_lik, 0) - math.log(n_samples)
        exact = self.exact_log_marginal(x)
        ess = torch.exp(2 * torch.logsumexp(log_lik, 0) - torch.logsumexp(2 * log_lik, 0))
        error = estimate - exact
        print(f"Monte Carlo over the prior with K = {n_samples} samples, latent_dim = {self.latent_dim}:")
        print(f"  log p(x) estimate: {estimate.mean().item():.4f}   exact: {exact.mean().item():.4f}")
        print(f"  mean |error|: {error.abs().mean().item():.4f} nats; effective sample size "
              f"{ess.mean().item():.1f} of {n_samples}")
        return {"estimate": estimate, "exact": exact, "error": error, "effective_sample_size": ess}

    @staticmethod
    def demonstrate_monte_carlo_failure(latent_dims: Sequence[int] = (1, 2, 4, 8, 16), n_samples: int = 1000,
                                        n_points: int = 20, noise_std: float = 0.1, seed: int = 0) -> Dict[str, object]:
        """The prior-sampling estimator's error as the latent dimension grows (data_dim = latent_dim):
        the prior rarely lands where p(x|z) is large, so the effective sample size collapses
        and the estimate falls below log p(x) (it is unbiased for p(x), biased low for log p(x))."""
        rows = []
        for dim in latent_dims:
            torch.manual_seed(seed)
            demo = IntractableLikelihoodDemo(dim, dim, noise_std)
            generator = torch.Generator(device=demo.decoder.weight.device).manual_seed(seed)
            with torch.no_grad():
                x = demo.decoder(demo.sample_prior(n_points, generator=generator))
                x = x + noise_std * torch.randn(x.shape, generator=generator, device=x.device)
            result = demo.approximate_marginal_likelihood(x, n_samples, generator=generator)
            rows.append((dim, result["error"].abs().mean().item(), result["effective_sample_size"].mean().item()))
        figure, (left, right) = new_figure(1, 2, figsize=(12, 4.5))
        left.semilogy([r[0] for r in rows], [r[1] for r in rows], "ro-")
        left.set_xlabel("latent dimension")
        left.set_ylabel("mean |log p̂(x) − log p(x)| (nats)")
        left.set_title(f"Monte Carlo over the prior, K = {n_samples}")
        right.semilogy([r[0] for r in rows], [r[2] for r in rows], "bo-")
        right.set_xlabel("latent dimension")
        right.set_ylabel("effective sample size")
        right.set_title("How many prior samples matter")
        return {"latent_dims": [r[0] for r in rows], "mean_abs_error": [r[1] for r in rows],
                "effective_sample_size": [r[2] for r in rows], "figure": figure}


class KLDivergenceBuilder:
    """KL divergence by Monte Carlo and in closed form (``numeric.gaussian_kl``, ``standard_normal_kl``)."""

    def monte_carlo_kl(self, p_samples: torch.Tensor, p_logprob_fn: LogProb, q_logprob_fn: LogProb) -> Dict[str, torch.Tensor]:
        r""":math:`\mathrm{KL}(p\|q) \approx \frac1n\sum_i[\log p(x_i) - \log q(x_i)]`, :math:`x_i \sim p`.

        Returns ``kl`` and its ``standard_error`` (the spread of the log-ratio over sqrt(n)), so a
        closed form can be checked within a few standard errors."""
        p_samples = check_data("p_samples", p_samples)
        if p_samples.ndim == 0 or p_samples.shape[0] < 2:
            raise ValueError(f"`p_samples` must hold at least 2 samples along dim 0, got shape {tuple(p_samples.shape)}")
        for name, fn in (("p_logprob_fn", p_logprob_fn), ("q_logprob_fn", q_logprob_fn)):
            if not callable(fn):
                raise TypeError(f"`{name}` must be callable as {name}(samples) -> log-densities, got {type(fn).__name__}")
        log_ratio = p_logprob_fn(p_samples) - q_logprob_fn(p_samples)
        if log_ratio.shape[:1] != p_samples.shape[:1]:
            raise ValueError(f"the log-prob functions must return one value per sample ({p_samples.shape[0]}), "
                             f"got shape {tuple(log_ratio.shape)}")
        if not bool(torch.isfinite(log_ratio).all()):
            raise ValueError("log p - log q is not finite at some samples: q has no mass where p does (KL = inf)")
        n = log_ratio.shape[0]
        return {"kl": log_ratio.mean(0), "standard_error": log_ratio.std(0) / math.sqrt(n), "n_samples": n}

    def gaussian_kl_closed_form(self, mu1, sigma1, mu2, sigma2) -> torch.Tensor:
        r""":math:`\mathrm{KL}(\mathcal N(\mu_1,\sigma_1^2)\|\mathcal N(\mu_2,\sigma_2^2)) = \log\frac{\sigma_2}{\sigma_1}
        + \frac{\sigma_1^2 + (\mu_1-\mu_2)^2}{2\sigma_2^2} - \frac12`, elementwise (``numeric.gaussian_kl``);
        ``sigma1``, ``sigma2`` are standard deviations (> 0).  Sum over dims for a diagonal Gaussian."""
        like = next((a for a in (mu1, sigma1, mu2, sigma2) if isinstance(a, torch.Tensor)), None)
        if like is None:
            raise TypeError("`gaussian_kl_closed_form` needs at least one torch.Tensor argument")
        sigmas = []
        for name, sigma in (("sigma1", sigma1), ("sigma2", sigma2)):
            sigma = as_tensor_like(name, sigma, like)
            if not bool((sigma > 0).all()):
                raise ValueError(f"`{name}` is a standard deviation and must be > 0, got "
                                 f"{sigma[~(sigma > 0)].flatten()[0].item()!r}; pass sigma, not log sigma")
            sigmas.append(sigma)
        return _gaussian_kl(as_tensor_like("mu1", mu1, like), sigmas[0] ** 2, as_tensor_like("mu2", mu2, like),
                            sigmas[1] ** 2)

    def standard_normal_kl(self, mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
        r""":math:`\mathrm{KL}(\mathcal N(\mu,\sigma^2)\|\mathcal N(0,I)) = \frac12\sum[\mu^2+\sigma^2-1-\log\sigma^2]`
        summed over the last dimension (``numeric.standard_normal_kl``), from ``logvar`` = log σ²."""
        mu = check_data("mu", mu)
        return _kl_regularization(mu, _log_variance("logvar", logvar, mu))

    def demonstrate_kl_asymmetry(self, *, n_samples: int = 20000, seed: int = 0) -> Dict[str, object]:
        """KL(p||q) ≠ KL(q||p), in closed form (checked by Monte Carlo) and by fitting one Gaussian
        to a two-mode mixture: forward KL covers both modes (moment matching), reverse KL picks one.

        The fits minimise each KL over (μ, log σ) on a grid (exact to quadrature error, not sampled)."""
        n_samples = check_sample_count("n_samples", n_samples, 6 * 8, "cpu", "float64 samples and their log-densities")
        generator = torch.Generator().manual_seed(seed)
        p_mean, p_std, q_mean, q_std = (torch.tensor(x, dtype=torch.float64) for x in (0.0, 1.0, 1.0, 2.0))
        forward = self.gaussian_kl_closed_form(p_mean, p_std, q_mean, q_std)
        reverse = self.gaussian_kl_closed_form(q_mean, q_std, p_mean, p_std)
        samples = p_mean + p_std * torch.randn(n_samples, generator=generator, dtype=torch.float64)
        mc = self.monte_carlo_kl(samples, lambda x: _gaussian_log_density(x, p_mean, p_std ** 2),
                                 lambda x: _gaussian_log_density(x, q_mean, q_std ** 2))
        print("=== KL Divergence Asymmetry ===\n")
        print(f"p = N(0, 1), q = N(1, 2²): KL(p||q) = {forward.item():.4f}, KL(q||p) = {reverse.item():.4f}")
        print(f"Monte Carlo KL(p||q) = {mc['kl'].item():.4f} ± {mc['standard_error'].item():.4f}")

        grid = torch.linspace(-8, 8, 4001, dtype=torch.float64)
        modes, mode_var = torch.tensor([-2.0, 2.0], dtype=torch.float64), torch.tensor(0.5 ** 2, dtype=torch.float64)
        log_p = torch.logsumexp(_gaussian_log_density(grid[:, None], modes, mode_var), 1) - math.log(2)

        def kl_on_grid(log_a, log_b):
            return torch.trapezoid(torch.exp(log_a) * (log_a - log_b), grid)

        def fit(direction: str):
            mean = torch.tensor(0.5, dtype=torch.float64, requires_grad=True)
            log_std = torch.tensor(0.0, dtype=torch.float64, requires_grad=True)
            optimizer = torch.optim.Adam([mean, log_std], lr=0.05)
            for _ in range(400):
                log_q = _gaussian_log_density(grid, mean, torch.exp(2 * log_std))
                loss = kl_on_grid(log_p, log_q) if direction == "forward" else kl_on_grid(log_q, log_p)
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
            return mean.item(), math.exp(log_std.item()), loss.item()

        forward_fit, reverse_fit = fit("forward"), fit("reverse")
        print("\np = ½N(-2, 0.5²) + ½N(2, 0.5²); best single Gaussian q:")
        print(f"  minimising KL(p||q) (mode-covering): q = N({forward_fit[0]:.3f}, {forward_fit[1]:.3f}²)")
        print(f"  minimising KL(q||p) (mode-seeking):  q = N({reverse_fit[0]:.3f}, {reverse_fit[1]:.3f}²)")
        figure, ax = new_figure(figsize=(9, 5))
        ax.plot(grid, torch.exp(log_p), "k", linewidth=2, label="p (two modes)")
        for (mean, std, _), label, style in ((forward_fit, "argmin KL(p||q): covers", "b--"),
                                             (reverse_fit, "argmin KL(q||p): seeks", "r--")):
            ax.plot(grid, torch.exp(_gaussian_log_density(grid, mean, grid.new_tensor(std ** 2))), style, label=label)
        ax.set_xlabel("x")
        ax.set_ylabel("density")
        ax.set_title("KL asymmetry: forward KL covers modes, reverse KL seeks one")
        ax.legend()
        return {"kl_pq": forward.item(), "kl_qp": reverse.item(), "monte_carlo_kl_pq": mc["kl"].item(),
                "monte_carlo_standard_error": mc["standard_error"].item(),
                "forward_fit": forward_fit[:2], "reverse_fit": reverse_fit[:2], "figure": figure}


class ELBOFramework(nn.Module):
    r"""A Gaussian VAE and its ELBO, :math:`\mathbb E_q[\log p(x|z)] - \mathrm{KL}(q(z|x)\|p(z))`.

    Encoder and decoder are small MLPs returning (mean, log-variance).  The log-variances are
    clamped, the encoder's to [-8, 4] and the decoder's to [-6, 4] (the sheet's "numerical
    instability in extreme parameter ranges": with β = 0 nothing stops q(z|x) from collapsing to a
    point, and the likelihood grows without bound as the decoder's variance shrinks).
    """

    def __init__(self, input_dim: int = 2, latent_dim: int = 2, hidden_dim: int = 64):
        super().__init__()
        self.input_dim = check_count("input_dim", input_dim)
        self.latent_dim = check_count("latent_dim", latent_dim)
        check_count("hidden_dim", hidden_dim)
        self.encoder = nn.Sequential(nn.Linear(input_dim, hidden_dim), nn.ReLU(), nn.Linear(hidden_dim, hidden_dim),
                                     nn.ReLU(), nn.Linear(hidden_dim, 2 * latent_dim))
        self.decoder = nn.Sequential(nn.Linear(latent_dim, hidden_dim), nn.ReLU(), nn.Linear(hidden_dim, hidden_dim),
                                     nn.ReLU(), nn.Linear(hidden_dim, 2 * input_dim))
        self.kl = KLDivergenceBuilder()
        self.to(device)

    def encode(self, x: torch.Tensor):
        mu, logvar = self.encoder(x).chunk(2, dim=-1)
        return mu, logvar.clamp(-8.0, 4.0)

    def decode(self, z: torch.Tensor):
        mu, logvar = self.decoder(z).chunk(2, dim=-1)
        return mu, logvar.clamp(-6.0, 4.0)

    def reparameterize(self, mu: torch.Tensor, logvar: torch.Tensor, *,
                       generator: torch.Generator | None = None) -> torch.Tensor:
        r""":math:`z = \mu + \sigma\epsilon`, :math:`\sigma = e^{\frac12\log\sigma^2}`, :math:`\epsilon \sim \mathcal N(0, I)`:
        a draw from :math:`q(z|x)` through which gradients reach μ and log σ²."""
        mu = check_data("mu", mu)
        return _reparameterize(mu, _log_variance("logvar", logvar, mu), generator)

    def reconstruction_loss(self, x: torch.Tensor, x_recon_mu: torch.Tensor, x_recon_logvar: torch.Tensor) -> torch.Tensor:
        r""":math:`\log p(x|z) = \sum_i\log\mathcal N(x_i; \mu_i, \sigma_i^2)` per row (``numeric.gaussian_log_density``):
        the one-sample estimate of :math:`\mathbb E_q[\log p(x|z)]`.

        Despite the sheet's name this is a log-**likelihood** (higher is better), as its comment
        defines it ("E_q[log p(x|z)] - likelihood of data under decoder"); the loss is its negative."""
        x = check_data("x", x)
        x_recon_mu = check_data("x_recon_mu", x_recon_mu, like=x)
        return _reconstruction(x, x_recon_mu, _log_variance("x_recon_logvar", x_recon_logvar, x))

    def kl_regularization(self, mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
        """KL(q(z|x) || N(0, I)) per row (``KLDivergenceBuilder.standard_normal_kl``)."""
        return self.kl.standard_normal_kl(mu, logvar)

    def compute_elbo(self, x: torch.Tensor, *, generator: torch.Generator | None = None) -> Dict[str, torch.Tensor]:
        """ELBO = reconstruction - regularization per row (one z per row).  Returns ``elbo``,
        ``reconstruction``, ``kl``, ``z``, ``mu``, ``logvar``, ``x_recon_mu``, ``x_recon_logvar``."""
        return self._compute_elbo(check_points("x", x, dim=self.input_dim), generator)

    def _compute_elbo(self, x: torch.Tensor, generator: torch.Generator | None) -> Dict[str, torch.Tensor]:
        """:meth:`compute_elbo` on checked points (the training loop's step: no checks, no device syncs)."""
        mu, logvar = self.encode(x)
        z = _reparameterize(mu, logvar, generator)
        x_recon_mu, x_recon_logvar = self.decode(z)
        reconstruction = _reconstruction(x, x_recon_mu, x_recon_logvar)
        kl = _kl_regularization(mu, logvar)
        return {"elbo": reconstruction - kl, "reconstruction": reconstruction, "kl": kl, "z": z, "mu": mu,
                "logvar": logvar, "x_recon_mu": x_recon_mu, "x_recon_logvar": x_recon_logvar}

    def fit(self, data: torch.Tensor, *, epochs: int = 300, lr: float = 1e-2, beta: float = 1.0,
            generator: torch.Generator | None = None) -> list:
        """Full-batch Adam on the β-weighted loss  −reconstruction + β·KL  (β = 1: the negative ELBO)."""
        data = check_points("data", data, dim=self.input_dim)
        epochs = check_count("epochs", epochs)
        if isinstance(beta, bool) or not isinstance(beta, (int, float)) or not 0 <= beta < float("inf"):
            raise ValueError(f"`beta` must be a finite number >= 0, got {beta!r}")
        optimizer = torch.optim.Adam(self.parameters(), lr=check_positive_float("lr", lr))
        losses = []
        for _ in range(epochs):
            out = self._compute_elbo(data, generator)
            loss = (-out["reconstruction"] + beta * out["kl"]).mean()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
        return losses


class TwoForcesAnalysis:
    """Reconstruction against regularisation: the β-VAE sweep."""

    def analyze_beta_vae(self, data: torch.Tensor, beta_values: Sequence[float] = (0.0, 0.1, 1.0, 5.0, 10.0), *,
                         epochs: int = 300, lr: float = 1e-2, latent_dim: int = 2, seed: int = 0) -> Dict[str, object]:
        r"""Trains one VAE per β on  :math:`-\mathbb E_q[\log p(x|z)] + \beta\,\mathrm{KL}(q(z|x)\|p(z))`
        (same seed for each) and reports the final reconstruction term, KL and ELBO (β = 1 form)
        on ``data``: as β grows the KL falls and the reconstruction worsens."""
        data = check_points("data", data)
        betas = [float(b) for b in beta_values]
        if not betas or any(not 0 <= b < float("inf") for b in betas):
            raise ValueError(f"`beta_values` must be finite numbers >= 0, got {list(beta_values)!r}")
        print("=== β-VAE: Two Forces ===\n")
        print(f"{'β':>6} {'reconstruction':>15} {'KL':>10} {'ELBO':>10}")
        rows = []
        for beta in betas:
            torch.manual_seed(seed)
            model = ELBOFramework(data.shape[1], latent_dim).to(data.device, data.dtype)
            generator = torch.Generator(device=data.device).manual_seed(seed)
            model.fit(data, epochs=epochs, lr=lr, beta=beta, generator=generator)
            with torch.no_grad():
                out = model.compute_elbo(data, generator=torch.Generator(device=data.device).manual_seed(seed + 1))
            row = (beta, out["reconstruction"].mean().item(), out["kl"].mean().item(), out["elbo"].mean().item())
            rows.append(row)
            print(f"{row[0]:>6.2f} {row[1]:>15.4f} {row[2]:>10.4f} {row[3]:>10.4f}")
        figure, ax = new_figure(figsize=(9, 5))
        ax.plot([r[0] for r in rows], [r[1] for r in rows], "bo-", label="E_q[log p(x|z)] (reconstruction)")
        ax.plot([r[0] for r in rows], [r[2] for r in rows], "ro-", label="KL(q(z|x) || p(z)) (regularisation)")
        ax.set_xscale("symlog", linthresh=0.1)
        ax.set_xlabel("β")
        ax.set_ylabel("nats per point")
        ax.set_title("β-VAE: regularisation against reconstruction")
        ax.legend()
        return {"beta": [r[0] for r in rows], "reconstruction": [r[1] for r in rows], "kl": [r[2] for r in rows],
                "elbo": [r[3] for r in rows], "figure": figure}


def demonstrate_jensens_inequality(n_samples: int = 100_000, mu: float = 0.0, sigma: float = 1.0, *,
                                   seed: int = 0) -> Dict[str, object]:
    r"""Jensen for the concave log: :math:`\log\mathbb E[X] \ge \mathbb E[\log X]`, on :math:`X = e^Y`,
    :math:`Y \sim \mathcal N(\mu, \sigma^2)`, where both sides are known: :math:`\mu + \sigma^2/2`
    and :math:`\mu`, a gap of :math:`\sigma^2/2`.  The same step turns
    :math:`\log p(x) = \log\mathbb E_q[p(x,z)/q(z|x)]` into the ELBO.  Returns the Monte Carlo and
    exact values and a Figure (the chord of log lies below the curve)."""
    n_samples = check_sample_count("n_samples", n_samples, 4 * 8, "cpu", "float64 samples and exp of them", 2)
    sigma = check_positive_float("sigma", sigma)
    if isinstance(mu, bool) or not isinstance(mu, (int, float)) or not math.isfinite(mu):
        raise ValueError(f"`mu` must be a finite number, got {mu!r}")
    generator = torch.Generator().manual_seed(seed)
    y = mu + sigma * torch.randn(n_samples, generator=generator, dtype=torch.float64)
    log_mean = (torch.logsumexp(y, 0) - math.log(n_samples)).item()       # log E[X], X = e^Y
    mean_log = y.mean().item()                                            # E[log X]
    print("=== Jensen's Inequality: log E[X] ≥ E[log X] ===\n")
    print(f"X = exp(Y), Y ~ N({mu}, {sigma}²), {n_samples} samples")
    print(f"  log E[X] = {log_mean:.4f}  (exact {mu + sigma ** 2 / 2:.4f})")
    print(f"  E[log X] = {mean_log:.4f}  (exact {mu:.4f})")
    print(f"  gap = {log_mean - mean_log:.4f}  (exact σ²/2 = {sigma ** 2 / 2:.4f}) ≥ 0")
    a, b = 0.5, 4.0
    grid = torch.linspace(0.2, 5.0, 200, dtype=torch.float64)
    figure, ax = new_figure(figsize=(8, 5))
    ax.plot(grid, torch.log(grid), "k", label="log x (concave)")
    ax.plot([a, b], [math.log(a), math.log(b)], "r--", label="chord: E[log X] for X ∈ {a, b}")
    ax.plot([(a + b) / 2], [math.log((a + b) / 2)], "bo", label="log E[X]")
    ax.plot([(a + b) / 2], [(math.log(a) + math.log(b)) / 2], "ro", label="E[log X]")
    ax.set_xlabel("x")
    ax.set_ylabel("log x")
    ax.set_title("Jensen: the chord of a concave function lies below it")
    ax.legend()
    return {"log_mean": log_mean, "mean_log": mean_log, "gap": log_mean - mean_log,
            "exact_log_mean": mu + sigma ** 2 / 2, "exact_mean_log": mu, "exact_gap": sigma ** 2 / 2, "figure": figure}
