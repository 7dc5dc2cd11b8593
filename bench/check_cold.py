"""Benchmark: `python -m crosscheck check` in a cold process (no torch import), CPU.

Run: python bench/check_cold.py [--runs 5]
Reports the wall time (process start to exit) of a LaTeX check that holds, a plain check
that differs (with its counterexample and repair hints), and the median of each.
"""

import argparse
import statistics
import subprocess
import sys
import time

CASES = [
    ("holds, LaTeX", ["posterior_mean", r"\tilde\mu_t = \frac{\sqrt{\bar\alpha_{t-1}}\beta_t}{1-\bar\alpha_t} x_0 + "
                      r"\frac{\sqrt{\alpha_t}(1-\bar\alpha_{t-1})}{1-\bar\alpha_t} x_t"], 0),
    ("differs + hints, plain", ["posterior_variance", "(1-alpha_bar_t)/(1-alpha_bar_prev)*beta_t"], 1),
]

parser = argparse.ArgumentParser()
parser.add_argument("--runs", type=int, default=5)
args = parser.parse_args()

for name, argv, expected in CASES:
    times = []
    for _ in range(args.runs):
        start = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "crosscheck", "check", *argv], capture_output=True, text=True)
        times.append(time.perf_counter() - start)
        if proc.returncode != expected:
            sys.exit(f"unexpected exit {proc.returncode}:\n{proc.stdout}{proc.stderr}")
    print(f"check ({name}), cold: " + ", ".join(f"{t:.2f}" for t in times)
          + f" s; median {statistics.median(times):.2f} s, max {max(times):.2f} s")
