"""Mutation testing of the verifier: build every mutant (crosscheck/mutation.py), run the
catalog on each as ``python -m crosscheck`` does, and report the kill rate.

    python bench/mutation.py                      # every mutant, 2 processes
    python bench/mutation.py --sample 60          # a spread sample (what CI runs)
    python bench/mutation.py --json mutation.json # every outcome, for reading survivors

Exit status 0 when every mutant is killed or documented as equivalent (EQUIVALENT, with the
reason), 1 when a mutant survives unexplained or a documented equivalent is killed (the list
would then be stale).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import Counter

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from crosscheck.devtools import mutation  # noqa: E402


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sample", type=int, default=None, help="run this many mutants (spread over operators)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1))
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds per mutant (a time-out kills it)")
    parser.add_argument("--json", default=None, help="write every outcome to this file")
    args = parser.parse_args(argv)

    start = time.perf_counter()
    everything = mutation.all_mutants()
    chosen = everything if args.sample is None else mutation.sample(everything, args.sample, args.seed)
    generated = time.perf_counter() - start
    print(f"{len(everything)} mutants generated in {generated:.1f} s; running {len(chosen)} "
          f"with {args.jobs} process(es)", flush=True)
    done = []

    def progress(outcome) -> None:
        done.append(outcome)
        if sys.stderr.isatty() or len(done) % 50 == 0 or len(done) == len(chosen):
            print(f"\r{len(done)}/{len(chosen)} mutants, {time.perf_counter() - start:.0f} s", end="",
                  file=sys.stderr, flush=True)

    outcomes = [o.as_json() for o in mutation.run_many(chosen, jobs=args.jobs, timeout=args.timeout, on_done=progress)]
    seconds = time.perf_counter() - start
    print(file=sys.stderr)
    return _report(outcomes, seconds, args)


def _report(outcomes: list[dict], seconds: float, args) -> int:
    rows = Counter()
    for o in outcomes:
        key = (o["layer"], o["operator"])
        rows[key + ("mutants",)] += 1
        if o["equivalent"] and not o["killed"]:
            rows[key + ("equivalent",)] += 1
        elif o["killed"]:
            rows[key + ("killed",)] += 1
            if o["how"].startswith(("error", "timeout")):
                rows[key + ("exception",)] += 1
        else:
            rows[key + ("survived",)] += 1
    print(f"\n{'layer':<9} {'operator':<10} {'mutants':>7} {'killed':>7} {'(by exception)':>15} "
          f"{'equivalent':>10} {'survived':>8}")
    for layer in ("numeric", "symbolic"):
        for op in mutation.OPERATORS:
            k = (layer, op)
            if rows[k + ("mutants",)]:
                print(f"{layer:<9} {op:<10} {rows[k + ('mutants',)]:>7} {rows[k + ('killed',)]:>7} "
                      f"{rows[k + ('exception',)]:>15} {rows[k + ('equivalent',)]:>10} {rows[k + ('survived',)]:>8}")
    total = len(outcomes)
    killed = sum(o["killed"] for o in outcomes)
    equivalent = sum(1 for o in outcomes if o["equivalent"] and not o["killed"])
    survived = [o for o in outcomes if not o["killed"] and not o["equivalent"]]
    stale = [o for o in outcomes if o["killed"] and o["equivalent"]]
    by_exception = sum(1 for o in outcomes if o["killed"] and o["how"].startswith(("error", "timeout")))
    relevant = total - equivalent
    rate = killed / relevant if relevant else float("nan")
    print(f"\n{total} mutants: {killed} killed ({by_exception} of them by an exception or time-out), "
          f"{equivalent} equivalent, {len(survived)} survived unexplained")
    print(f"kill rate (killed / non-equivalent): {killed}/{relevant} = {100 * rate:.1f}%; "
          f"{seconds:.0f} s ({seconds / max(total, 1):.2f} s per mutant, {args.jobs} process(es))")
    killers = Counter(o["by"] or "(before any identity: the schedule or an import)" for o in outcomes if o["killed"])
    print("\nkilled first by (the catalog runs covering identities first):")
    for name, count in killers.most_common():
        print(f"  {name:<24} {count}")
    for o in survived:
        print(f"SURVIVED  {o['id']}  (line {o['line']})")
    for o in stale:
        print(f"STALE     {o['id']} is documented as equivalent but was killed: {o['how']}")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as handle:
            json.dump({"seconds": seconds, "kill_rate": rate, "killed": killed, "equivalent": equivalent,
                       "survived": len(survived), "outcomes": outcomes}, handle, indent=1)
    return 1 if survived or stale else 0


if __name__ == "__main__":
    sys.exit(main())
