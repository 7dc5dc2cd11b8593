"""Speed of the default ``python -m crosscheck train`` run (Lab 4 MLP, lab schedule T = 50, 10,000 steps).

Runs the command in a fresh process ``--runs`` times and reports the wall time of the whole
command and the training steps/s it prints (the steps/s excludes setup, the bound before and
after, and sampling).  Target: the default run within 60 s on the 2-core CPU.

    python bench/train_speed.py [--runs 3] [--device cpu|cuda] [--steps 10000]
"""

import argparse
import re
import statistics
import subprocess
import sys
import tempfile
import time


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    parser.add_argument("--steps", type=int, default=10_000)
    args = parser.parse_args()
    walls, rates = [], []
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory() as out:
            start = time.perf_counter()
            proc = subprocess.run([sys.executable, "-m", "crosscheck", "train", "--out", out, "--device", args.device,
                                   "--steps", str(args.steps)], capture_output=True, text=True)
            walls.append(time.perf_counter() - start)
        if proc.returncode != 0:
            sys.exit(f"train failed (exit {proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
        rates.append(float(re.search(r"([\d,]+) steps/s", proc.stdout).group(1).replace(",", "")))
    print(f"train --steps {args.steps} on {args.device}, {args.runs} runs:")
    print(f"  wall time of the command: median {statistics.median(walls):.1f} s (min {min(walls):.1f}, "
          f"max {max(walls):.1f})")
    print(f"  training steps/s: median {statistics.median(rates):,.0f} (min {min(rates):,.0f}, max {max(rates):,.0f})")
    print("  last run's report:")
    print("\n".join("    " + line for line in proc.stdout.splitlines()))


if __name__ == "__main__":
    main()
