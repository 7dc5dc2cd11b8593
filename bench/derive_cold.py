r"""Benchmark: `python -m crosscheck derive` on a ten-row Problem 1 derivation, in a cold process, CPU.

Run: python bench/derive_cold.py [--runs 5]
The derivation goes from log p_theta(x_0) by Jensen's inequality to the three-forces form along the
lecture's route (separation, the split of q(x_T|x_{T-1}), the index shift, Bayes' rule for t >= 2,
telescoping, the KL form): ten rows, each a step.  Reports the wall time (process start to exit)
of the correct derivation and of the same with a slip in row 7, and the median of each.
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

X = r"\mathbf{x}"
ROWS = [
    r"\log p_\theta(X_0) &= \log\mathbb{E}_{q(X_{1:T}|X_0)}\left[\frac{p_\theta(X_{0:T})}{q(X_{1:T}|X_0)}\right]",
    r"&\geq \mathbb{E}_{q(X_{1:T}|X_0)}\left[\log\frac{p_\theta(X_{0:T})}{q(X_{1:T}|X_0)}\right]",
    r"&= \mathbb{E}_q\left[\log p(X_T) + \sum_{t=1}^T \log p_\theta(X_{t-1}|X_t) - \sum_{t=1}^T \log q(X_t|X_{t-1})\right]",
    r"&= \mathbb{E}_q\left[\log p(X_T) + \log p_\theta(X_0|X_1) + \sum_{t=2}^T \log p_\theta(X_{t-1}|X_t) - \sum_{t=1}^T \log q(X_t|X_{t-1})\right]",
    r"&= \mathbb{E}_q\left[\log p(X_T) + \log p_\theta(X_0|X_1) + \sum_{t=2}^T \log p_\theta(X_{t-1}|X_t) - \log q(X_T|X_{T-1}) - \sum_{t=1}^{T-1} \log q(X_t|X_{t-1})\right]",
    r"&= \mathbb{E}_q\left[\log p(X_T) + \log p_\theta(X_0|X_1) + \sum_{t=2}^T \log p_\theta(X_{t-1}|X_t) - \log q(X_T|X_{T-1}) - \sum_{t=2}^{T} \log q(X_{t-1}|X_{t-2})\right]",
    r"&= \mathbb{E}_q\left[\log p(X_T) + \log\frac{p_\theta(X_0|X_1)}{q(X_1|X_0)} + \sum_{t=2}^T \log\frac{p_\theta(X_{t-1}|X_t)}{q(X_t|X_{t-1})}\right]",
    r"&= \mathbb{E}_q\left[\log p(X_T) + \log\frac{p_\theta(X_0|X_1)}{q(X_1|X_0)} + \sum_{t=2}^T \log\frac{p_\theta(X_{t-1}|X_t)}{q(X_{t-1}|X_t,X_0)} + \sum_{t=2}^T \log\frac{q(X_{t-1}|X_0)}{q(X_t|X_0)}\right]",
    r"&= \mathbb{E}_q\left[\log p(X_T) + \log\frac{p_\theta(X_0|X_1)}{q(X_1|X_0)} + \sum_{t=2}^T \log\frac{p_\theta(X_{t-1}|X_t)}{q(X_{t-1}|X_t,X_0)} + \log q(X_1|X_0) - \log q(X_T|X_0)\right]",
    r"&= \mathbb{E}_q\left[\log\frac{p(X_T)}{q(X_T|X_0)} + \log p_\theta(X_0|X_1) + \sum_{t=2}^T \log\frac{p_\theta(X_{t-1}|X_t)}{q(X_{t-1}|X_t,X_0)}\right]",
    r"&= \mathbb{E}_{q(X_1|X_0)}[\log p_\theta(X_0|X_1)] - D_{\mathrm{KL}}(q(X_T|X_0)\,\|\,p(X_T)) - \sum_{t=2}^T \mathbb{E}_{q(X_t|X_0)}\left[D_{\mathrm{KL}}(q(X_{t-1}|X_t,X_0)\,\|\,p_\theta(X_{t-1}|X_t))\right]",
]


def document(rows: list[str]) -> str:
    return "\\begin{align*}\n" + " \\\\\n".join(r.replace("X_", X + "_") for r in rows) + "\n\\end{align*}\n"


# the slip: row 7 keeps the forward sum from t = 1 (the boundary term q(x_1|x_0) counted twice)
WRONG = ROWS[:6] + [ROWS[6].replace(r"\sum_{t=2}^T \log\frac{p_\theta(X_{t-1}|X_t)}{q(X_t|X_{t-1})}",
                                    r"\sum_{t=2}^T \log p_\theta(X_{t-1}|X_t) - \sum_{t=1}^T \log q(X_t|X_{t-1})")] + ROWS[7:]
CASES = [("ten rows, holds", document(ROWS), 0), ("ten rows, slip in row 7", document(WRONG), 1)]

parser = argparse.ArgumentParser()
parser.add_argument("--runs", type=int, default=5)
args = parser.parse_args()

with tempfile.TemporaryDirectory() as work:
    for name, text, expected in CASES:
        path = os.path.join(work, "problem1.tex")
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(text)
        times = []
        for _ in range(args.runs):
            start = time.perf_counter()
            proc = subprocess.run([sys.executable, "-m", "crosscheck", "derive", path, "--end", "three_forces"],
                                  capture_output=True, text=True)
            times.append(time.perf_counter() - start)
            if proc.returncode != expected or (expected and "first wrong row: 7" not in proc.stdout):
                sys.exit(f"unexpected exit {proc.returncode}:\n{proc.stdout}{proc.stderr}")
        print(f"derive ({name}), cold: " + ", ".join(f"{t:.2f}" for t in times)
              + f" s; median {statistics.median(times):.2f} s, max {max(times):.2f} s")
