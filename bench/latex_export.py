"""Benchmark: `python -m crosscheck latex --out DIR --pdf` in a cold process, and how much of
it is pdflatex's own run time.

Run: python bench/latex_export.py [--runs 5] [--T 50]
Reports, per run, the wall time of the whole command (process start to exit), the time of the
two pdflatex passes on the same document (run separately, same machine), and the difference:
the time the export itself costs (imports, proofs, the catalog's numeric checks, printing).
Target (issue 4): at most 10 s beyond pdflatex on CPU.
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

parser = argparse.ArgumentParser()
parser.add_argument("--runs", type=int, default=5)
parser.add_argument("--T", type=int, default=50)
args = parser.parse_args()
if shutil.which("pdflatex") is None:
    sys.exit("pdflatex is not installed (apt-get install texlive-latex-base)")

totals, latex_times = [], []
for _ in range(args.runs):
    with tempfile.TemporaryDirectory() as out:
        start = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "crosscheck", "latex", "--out", out, "--pdf",
                               "--T", str(args.T), "--device", "cpu"], capture_output=True, text=True)
        totals.append(time.perf_counter() - start)
        if proc.returncode != 0:
            sys.exit(f"crosscheck latex failed:\n{proc.stdout}{proc.stderr}")
        with tempfile.TemporaryDirectory() as compile_dir:
            shutil.copy(os.path.join(out, "derivation.tex"), compile_dir)
            start = time.perf_counter()
            for _ in range(2):      # the export runs pdflatex twice (references)
                subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "derivation.tex"],
                               cwd=compile_dir, capture_output=True, check=True)
            latex_times.append(time.perf_counter() - start)

beyond = [t - p for t, p in zip(totals, latex_times)]
print(f"crosscheck latex --pdf (T={args.T}, cold, cpu): total " + ", ".join(f"{t:.2f}" for t in totals)
      + f" s; median {statistics.median(totals):.2f} s")
print("  pdflatex x2 on the same document: " + ", ".join(f"{t:.2f}" for t in latex_times)
      + f" s; median {statistics.median(latex_times):.2f} s")
print(f"  beyond pdflatex: median {statistics.median(beyond):.2f} s (max {max(beyond):.2f} s; target <= 10 s)")
