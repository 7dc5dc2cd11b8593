"""Run the adversarial corpus (tests/crosscheck/commands/corpus_adversarial.py) against ``check``.

    python bench/adversarial.py [--category NAME ...] [--id SUBSTRING] [--all] [--json FILE]

Prints the counts per category and outcome, the maximum time and memory, and every violation
(false holds, wrong outcome, traceback, timeout, memory, executed, misread) with its text and
target.  ``--all`` prints one line per entry.  Each entry runs in a worker subprocess limited to
2 GiB of address space, read under patched eval/exec/sympify, then checked with
``check(timeout=3, hints=False)``; an entry that overruns 3 s + 5 s is killed.  Exit status 1
when there is any violation.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import sys
import time
from collections import Counter, defaultdict

HERE = os.path.dirname(os.path.abspath(__file__))
_PATH = os.path.join(os.path.dirname(HERE), "tests", "crosscheck", "commands", "corpus_adversarial.py")
_spec = importlib.util.spec_from_file_location("corpus_adversarial", _PATH)
C = importlib.util.module_from_spec(_spec)
sys.modules.setdefault("corpus_adversarial", C)
_spec.loader.exec_module(C)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--category", nargs="+", choices=C.CATEGORIES)
    p.add_argument("--id", help="only entries whose id contains this")
    p.add_argument("--all", action="store_true", help="one line per entry")
    p.add_argument("--json", help="write every result to this file")
    args = p.parse_args(argv)

    entries = [e for e in C.ENTRIES if (not args.category or e.category in args.category)
               and (not args.id or args.id in e.id)]
    worker = C.Worker()
    results: list[tuple[C.Entry, dict, list]] = []
    start = time.monotonic()
    try:
        for entry in entries:
            result = worker.run(entry)
            results.append((entry, result, C.violations(entry, result)))
            if args.all:
                got = C.outcome(result) or ("killed" if "killed" in result else "error")
                seconds = (result.get("parse") or {}).get("seconds", 0) + (result.get("check") or {}).get("seconds", 0)
                mark = "VIOLATION" if results[-1][2] else "ok"
                print(f"{mark:9} {got:9} {seconds:6.2f}s {entry.id:55} "
                      f"{(result.get('check') or {}).get('detail', result.get('killed', ''))[:110]}", flush=True)
    finally:
        worker.close()
    total = time.monotonic() - start

    table: dict[str, Counter] = defaultdict(Counter)
    for entry, result, _ in results:
        table[entry.category][C.outcome(result) or ("killed" if "killed" in result else "error")] += 1
    columns = ["holds", "differs", "undecided", "refused", "error", "killed"]
    print(f"\n{'category':12}" + "".join(f"{c:>10}" for c in columns) + f"{'total':>8}")
    for category in C.CATEGORIES:
        if category in table:
            row = table[category]
            print(f"{category:12}" + "".join(f"{row[c]:>10}" for c in columns) + f"{sum(row.values()):>8}")

    def seconds(result):
        return (result.get("parse") or {}).get("seconds", 0) + (result.get("check") or {}).get("seconds",
                                                                                               result.get("seconds", 0))
    slowest = max(results, key=lambda r: seconds(r[1]))
    biggest = max(results, key=lambda r: r[1].get("rss_growth_mb", 0))
    print(f"\n{len(results)} entries in {total:.1f} s; max time {seconds(slowest[1]):.2f} s ({slowest[0].id}); "
          f"max RSS growth {biggest[1].get('rss_growth_mb', 0):.0f} MB ({biggest[0].id}), "
          f"worker peak RSS {max(r.get('maxrss_mb', 0) for _, r, _ in results):.0f} MB")

    by_kind: dict[str, list] = defaultdict(list)
    for entry, _, found in results:
        for kind, detail in found:
            by_kind[kind].append((entry, detail))
    print(f"\nviolations: {sum(len(v) for v in by_kind.values())}")
    for kind in C.VIOLATION_KINDS:
        for entry, detail in by_kind.get(kind, []):
            text = entry.text if len(entry.text) <= 160 else entry.text[:150] + f"... ({len(entry.text)} chars)"
            print(f"  [{kind}] {entry.id}  target={entry.target}  mode={entry.mode}\n      text: {text!r}\n"
                  f"      {detail}")

    if args.json:
        with open(args.json, "w") as f:
            json.dump([{"id": e.id, "category": e.category, "target": e.target, "text": e.text,
                        "allowed": sorted(e.allowed), "result": r, "violations": v} for e, r, v in results],
                      f, indent=1, default=str)
    return 1 if by_kind else 0


if __name__ == "__main__":
    sys.exit(main())
