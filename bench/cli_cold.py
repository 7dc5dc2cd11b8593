"""Benchmark: `python -m crosscheck` in a cold process, whole catalog, CPU.

Run: python bench/cli_cold.py [--runs 5] [--dtype float64]
Reports the wall time of each run (process start to exit) and the median.
"""

import argparse
import statistics
import subprocess
import sys
import time

parser = argparse.ArgumentParser()
parser.add_argument("--runs", type=int, default=5)
parser.add_argument("--dtype", default="float64")
args = parser.parse_args()

times = []
for _ in range(args.runs):
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "crosscheck", "--device", "cpu", "--dtype", args.dtype],
                          capture_output=True, text=True)
    times.append(time.perf_counter() - start)
    if proc.returncode != 0:
        sys.exit(f"crosscheck failed:\n{proc.stdout}{proc.stderr}")
print(f"python -m crosscheck --dtype {args.dtype} (cold, cpu): "
      + ", ".join(f"{t:.2f}" for t in times) + f" s; median {statistics.median(times):.2f} s")
