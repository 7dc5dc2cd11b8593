"""Benchmark: float32 schedule tables against a 50-digit reference, next to a naive float32 cumprod.

Run: python bench/schedule_precision.py
For linear and cosine T=1000: the max relative error over every t of alpha_bar_t,
1 - alpha_bar_t, beta_tilde_t, log beta_tilde_t (t >= 2) and the posterior coefficients.
"""

import torch

from crosscheck.engine.oracles import naive_float32_errors, schedule_errors
from numeric import NoiseSchedule

for name, build in (("linear", NoiseSchedule.linear), ("cosine", NoiseSchedule.cosine)):
    schedule = build(1000, dtype=torch.float32)
    ours = schedule_errors(schedule)
    naive = naive_float32_errors(schedule)
    print(f"{name} T=1000 float32, max relative error vs 50 digits:")
    for table, error in ours.items():
        extra = f"   naive float32 cumprod: {naive[table]:.2e}" if table in naive else ""
        print(f"  {table:<20} {error:.2e}{extra}")
    print(f"  worst: ours {max(ours.values()):.2e} (target 3e-7), naive {max(naive.values()):.2e}")
