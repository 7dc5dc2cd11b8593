"""Benchmark: the vectorized variational bound vs a per-timestep loop (improved-diffusion style).

    python bench/variational_bound.py            # CPU: T=1000, B=64, 2-D data, the lab's MLP
    python bench/variational_bound.py --cuda     # GPU: T=1000, B=256, 3x32x32 (when available)

The loop is a port of improved-diffusion's ``calc_bpd_loop`` / ``_vb_terms_bpd`` (0-based
index i = paper t - 1): float64 numpy schedule arrays extracted per step and cast to float32,
q_sample, the model's eps -> x_0 prediction -> posterior mean, ``normal_kl`` with log-variances
and ``mean_flat``; no clipping of x_0 (``clip_denoised=False``) so both compute the same
terms.  Both use the same noise, and the script checks that they agree before timing them.
"""

from __future__ import annotations

import argparse
import math
import resource
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numeric  # noqa: E402


class LabMLP(torch.nn.Module):
    """Lab 4's SimpleDiffusionTraining network: (x_t, t/T) -> 64 -> 64 -> eps."""

    def __init__(self, data_dim: int, T: int):
        super().__init__()
        self.T = T
        self.net = torch.nn.Sequential(torch.nn.Linear(data_dim + 1, 64), torch.nn.ReLU(),
                                       torch.nn.Linear(64, 64), torch.nn.ReLU(), torch.nn.Linear(64, data_dim))

    def forward(self, x_t, t):
        return self.net(torch.cat([x_t, (t.to(x_t.dtype) / self.T)[:, None]], 1))


class AffineEps(torch.nn.Module):
    """eps_theta = a_t x_t + b_t: a model that costs almost nothing, so the timing is the bound's own."""

    def __init__(self, T: int):
        super().__init__()
        self.a = torch.nn.Parameter(0.5 * torch.rand(T + 1))
        self.b = torch.nn.Parameter(0.1 * torch.randn(T + 1))

    def forward(self, x_t, t):
        shape = (-1,) + (1,) * (x_t.ndim - 1)
        return self.a[t].reshape(shape) * x_t + self.b[t].reshape(shape)


class ConvEps(torch.nn.Module):
    """A small convolutional eps-model for 3x32x32 images (GPU benchmark)."""

    def __init__(self, T: int):
        super().__init__()
        self.T = T
        self.net = torch.nn.Sequential(torch.nn.Conv2d(4, 32, 3, padding=1), torch.nn.SiLU(),
                                       torch.nn.Conv2d(32, 3, 3, padding=1))

    def forward(self, x_t, t):
        time_plane = (t.to(x_t.dtype) / self.T)[:, None, None, None].expand(-1, 1, *x_t.shape[2:])
        return self.net(torch.cat([x_t, time_plane], 1))


# -- improved-diffusion's bound loop, ported ----------------------------------------------------

def _extract(arr: np.ndarray, timesteps: torch.Tensor, shape) -> torch.Tensor:
    res = torch.from_numpy(arr).to(device=timesteps.device)[timesteps].float()
    while len(res.shape) < len(shape):
        res = res[..., None]
    return res.expand(shape)


def _normal_kl(mean1, logvar1, mean2, logvar2):
    return 0.5 * (-1.0 + logvar2 - logvar1 + torch.exp(logvar1 - logvar2)
                  + ((mean1 - mean2) ** 2) * torch.exp(-logvar2))


class ReferenceLoop:
    def __init__(self, betas: np.ndarray):
        self.betas = betas
        alphas = 1.0 - betas
        self.alphas_cumprod = np.cumprod(alphas)
        self.alphas_cumprod_prev = np.append(1.0, self.alphas_cumprod[:-1])
        self.sqrt_alphas_cumprod = np.sqrt(self.alphas_cumprod)
        self.sqrt_one_minus_alphas_cumprod = np.sqrt(1.0 - self.alphas_cumprod)
        self.sqrt_recip_alphas_cumprod = np.sqrt(1.0 / self.alphas_cumprod)
        self.sqrt_recipm1_alphas_cumprod = np.sqrt(1.0 / self.alphas_cumprod - 1)
        self.posterior_variance = betas * (1.0 - self.alphas_cumprod_prev) / (1.0 - self.alphas_cumprod)
        self.posterior_log_variance_clipped = np.log(np.append(self.posterior_variance[1], self.posterior_variance[1:]))
        self.posterior_mean_coef1 = betas * np.sqrt(self.alphas_cumprod_prev) / (1.0 - self.alphas_cumprod)
        self.posterior_mean_coef2 = (1.0 - self.alphas_cumprod_prev) * np.sqrt(alphas) / (1.0 - self.alphas_cumprod)

    def q_posterior(self, x_start, x_t, t):
        mean = (_extract(self.posterior_mean_coef1, t, x_t.shape) * x_start
                + _extract(self.posterior_mean_coef2, t, x_t.shape) * x_t)
        return mean, _extract(self.posterior_log_variance_clipped, t, x_t.shape)

    def vb_terms(self, model, x_start, x_t, t):
        true_mean, true_log_variance = self.q_posterior(x_start, x_t, t)
        eps = model(x_t, t + 1)                                   # our models take paper t
        pred_xstart = (_extract(self.sqrt_recip_alphas_cumprod, t, x_t.shape) * x_t
                       - _extract(self.sqrt_recipm1_alphas_cumprod, t, x_t.shape) * eps)
        model_mean, _ = self.q_posterior(pred_xstart, x_t, t)
        model_log_variance = _extract(self.posterior_log_variance_clipped, t, x_t.shape)
        kl = _normal_kl(true_mean, true_log_variance, model_mean, model_log_variance)
        kl = kl.flatten(1).mean(1) / math.log(2.0)
        decoder_nll = 0.5 * ((x_start - model_mean) ** 2 * torch.exp(-model_log_variance)
                             + model_log_variance + math.log(2 * math.pi))
        decoder_nll = decoder_nll.flatten(1).mean(1) / math.log(2.0)
        return torch.where(t == 0, decoder_nll, kl)

    def calc_bpd_loop(self, model, x_start, noise):
        T = len(self.betas)
        vb = []
        for i in reversed(range(T)):                              # the per-timestep loop
            t_batch = torch.full((x_start.shape[0],), i, device=x_start.device, dtype=torch.long)
            x_t = (_extract(self.sqrt_alphas_cumprod, t_batch, x_start.shape) * x_start
                   + _extract(self.sqrt_one_minus_alphas_cumprod, t_batch, x_start.shape) * noise[i])
            with torch.no_grad():
                vb.append(self.vb_terms(model, x_start, x_t, t_batch))
        return torch.stack(vb[::-1], 1)                            # (B, T): index i = paper t - 1


def _time(fn, runs: int, sync) -> list[float]:
    times = []
    for _ in range(runs):
        sync()
        start = time.perf_counter()
        fn()
        sync()
        times.append(time.perf_counter() - start)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cuda", action="store_true")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--T", type=int, default=1000)
    args = parser.parse_args()
    device = torch.device("cuda" if args.cuda else "cpu")
    if args.cuda and not torch.cuda.is_available():
        sys.exit("no CUDA device here")
    torch.manual_seed(0)
    T = args.T
    shape = (256, 3, 32, 32) if args.cuda else (64, 2)
    s = numeric.NoiseSchedule.linear(T, dtype=torch.float32, device=device)
    for model in ((ConvEps(T), AffineEps(T)) if args.cuda else (LabMLP(2, T), AffineEps(T))):
        run(model.to(device).eval(), s, shape, device, args)


def run(model, s, shape, device, args) -> None:
    T = s.T
    x_0 = (torch.rand(shape, device=device) * 2 - 1)
    noise = torch.randn((T, *shape), device=device)
    reference = ReferenceLoop(s.float64("beta")[1:].numpy())
    sync = torch.cuda.synchronize if args.cuda else (lambda: None)

    with torch.no_grad():
        ours = numeric.variational_bound(x_0, s, model, noise, units="bits")
        loop = reference.calc_bpd_loop(model, x_0, noise)
    ours_terms = torch.cat([ours.reconstruction[:, None], ours.denoising], 1)
    diff = (ours_terms - loop).abs().max().item()
    print(f"agreement: max |vectorized - loop| per term = {diff:.2e} bits/dim (float32)")

    with torch.no_grad():
        vec_times = _time(lambda: numeric.variational_bound(x_0, s, model, noise, units="bits"), args.runs, sync)
        loop_times = _time(lambda: reference.calc_bpd_loop(model, x_0, noise), max(1, args.runs // 2), sync)
    vec, lp = statistics.median(vec_times), statistics.median(loop_times)
    print(f"{device.type}: T={T}, B={shape[0]}, data {tuple(shape[1:])}, {type(model).__name__}")
    print(f"  vectorized variational_bound: median {vec * 1e3:.1f} ms over {len(vec_times)} runs")
    print(f"  per-timestep loop (improved-diffusion style): median {lp * 1e3:.1f} ms over {len(loop_times)} runs")
    print(f"  speed-up: {lp / vec:.1f}x")

    if args.cuda:
        torch.cuda.reset_peak_memory_stats()
        base = torch.cuda.memory_allocated()
        with torch.no_grad():
            numeric.variational_bound(x_0, s, model, noise, units="bits")
        peak = torch.cuda.max_memory_allocated() - base
        # bytes the bound's own tensor work must move: read noise, write x_t, read eps_theta,
        # the squared difference (a lower bound; the model's traffic is not counted)
        moved = 4 * noise.numel() * noise.element_size()
        props = torch.cuda.get_device_properties(device)
        print(f"  peak extra memory: {peak / 2**20:.0f} MiB; effective bandwidth of the bound's "
              f"tensor work >= {moved / vec / 1e9:.0f} GB/s on {props.name}")
    else:
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        big = numeric.NoiseSchedule.linear(T, dtype=torch.float32)
        with torch.no_grad():
            numeric.variational_bound(torch.rand(4096, 2) * 2 - 1, big, model.cpu(), units="bits",
                                generator=torch.Generator().manual_seed(0))
        after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        print(f"  peak RSS growth for B=4096 (default budget and max_rows): {(after - before) / 1024:.0f} MiB "
              f"(the B=64 run is too small to move the RSS high-water mark)")


if __name__ == "__main__":
    main()
