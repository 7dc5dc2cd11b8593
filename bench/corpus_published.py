"""Benchmark: `check` on a corpus of real published formulas (tests/crosscheck/commands/corpus_published.py).

Run: python bench/corpus_published.py [--timeout 20] [--json FILE] [--all]

Runs every corpus entry in this process through
``check(target, text, latex=<mode>, timeout, hints=False)`` and prints

* the parse rate (formulas read / total) and the accuracy among the formulas read (verdict equal
  to the hand-derived truth), overall, per mode and per source;
* false holds (a formula that differs from its target proved equal: must be none);
* correct formulas read but not proved, and formulas read as something other than what was
  published (checked by mapping the reported reading back to the corpus's own symbols and
  comparing values) -- including those whose verdict is right by luck;
* the refusals grouped by cause (the message with names taken out), with the names and entries;
* the time per formula (median, mean, max);
* the model-form entries (written with eps_theta) and the forms undefined at t = 1.
"""

import argparse
import collections
import importlib.util
import json
import os
import re
import statistics
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)


def load_corpus():
    path = os.path.join(ROOT, "tests", "crosscheck", "commands", "corpus_published.py")
    spec = importlib.util.spec_from_file_location("corpus_published", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["corpus_published"] = module
    spec.loader.exec_module(module)
    return module


def particulars(message: str) -> list[str]:
    return re.findall(r"'((?:[^'\\]|\\.)*)'", message)[:1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--timeout", type=float, default=20.0)
    parser.add_argument("--json", help="write every outcome to this file")
    parser.add_argument("--all", action="store_true", help="print one line per entry")
    args = parser.parse_args()

    corpus = load_corpus()
    start = time.perf_counter()
    import crosscheck.commands.check  # noqa: F401  (import time is not counted per formula)
    import_seconds = time.perf_counter() - start
    outcomes = corpus.run_all(timeout=args.timeout)
    s = corpus.summary(outcomes)

    print(f"corpus: {s['entries']} published formulas from {s['sources']} sources "
          f"({sum(o.entry.truth == 'holds' for o in outcomes)} correct, "
          f"{sum(o.entry.truth == 'differs' for o in outcomes)} different from their target, "
          f"{s['published_errors']} of them errors in the source)")
    print(f"parse rate: {s['read']}/{s['entries']} = {s['parse_rate']:.1%}")
    print(f"accuracy among read: {s['correct']}/{s['read']} = {s['accuracy']:.1%}")
    print(f"false holds: {len(s['false_holds'])}" + (f"  {s['false_holds']}" if s['false_holds'] else ""))
    print(f"exceptions other than ValueError/TypeError: {len(s['errors'])}" + (f"  {s['errors']}" if s['errors'] else ""))

    print("\nby mode:")
    for mode in ("latex", "plain"):
        group = [o for o in outcomes if o.entry.mode == mode]
        read = [o for o in group if o.read]
        print(f"  {mode:6s} read {len(read):3d}/{len(group):3d}  right {sum(o.correct for o in read):3d}/{len(read)}")
    print("\nby source (read/total, right/read):")
    for key in corpus.SOURCE_KEYS:
        group = [o for o in outcomes if o.entry.source_key == key]
        read = [o for o in group if o.read]
        print(f"  {key:18s} {len(read):3d}/{len(group):<3d} {sum(o.correct for o in read):3d}/{len(read):<3d}")

    print("\nread, but misread or misjudged (reading: as published / misread / not mappable):")
    misread = misjudged = 0
    for o in outcomes:
        faithful = corpus.reading_matches(o)
        if o.read and (faithful is False or not o.correct):
            misread += faithful is False
            misjudged += not o.correct
            reading = {True: "as published", False: "MISREAD", None: "not mappable"}[faithful]
            verdict = "verdict right by luck" if o.correct else f"verdict {o.verdict}, truth {o.entry.truth}"
            print(f"  {o.entry.id}: reading {reading}; {verdict}; read as {o.parsed}\n      text: {o.entry.text!r}")
    print(f"  ({misread} misread, {misjudged} wrong verdicts)")

    print("\nrefusals by cause (count: cause -- names; entries):")
    groups = collections.defaultdict(list)
    for o in outcomes:
        if o.refusal is not None:
            groups[corpus.refusal_cause(o.refusal)].append(o)
    for cause, group in sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        names = sorted({n for o in group for n in particulars(o.refusal)})
        print(f"  {len(group):3d}: {cause}")
        if names:
            print(f"       names: {', '.join(names)[:300]}")
        print(f"       entries: {', '.join(o.entry.id for o in group)[:300]}")

    model = [o for o in outcomes if o.entry.model_form]
    print(f"\nmodel-form entries (eps_theta etc., truth 'differs'): {len(model)}; "
          + ", ".join(f"{o.entry.id}={o.verdict or 'refused'}" for o in model))
    t1 = [o for o in outcomes if corpus.undefined_at_t1(o.entry)]
    print(f"forms undefined at t = 1 (alpha_bar_0 = 1): {len(t1)}; "
          + ", ".join(f"{o.entry.id}[{o.entry.truth}]={o.verdict or 'refused'}" for o in t1))

    times = [o.seconds for o in outcomes]
    read_times = [o.seconds for o in outcomes if o.read]
    print(f"\ntime per formula (in process, after a one-off import of {import_seconds:.2f} s): "
          f"median {statistics.median(times) * 1000:.0f} ms, mean {statistics.mean(times) * 1000:.0f} ms, "
          f"max {max(times):.2f} s; read formulas: median {statistics.median(read_times) * 1000:.0f} ms, "
          f"max {max(read_times):.2f} s; total {sum(times):.1f} s")

    if args.all:
        print()
        for o in outcomes:
            shown = o.parsed if o.read else (o.refusal or o.error)
            print(f"{o.entry.id:36s} {o.entry.truth:8s} {o.verdict or 'refused':9s} {o.seconds:5.2f}s  {shown[:120]}")

    if args.json:
        with open(args.json, "w") as fh:
            json.dump({"summary": s, "outcomes": [
                {"id": o.entry.id, "target": o.entry.target, "mode": o.entry.mode, "truth": o.entry.truth,
                 "verdict": o.verdict, "refusal": o.refusal, "error": o.error, "parsed": o.parsed,
                 "reading_matches": corpus.reading_matches(o), "seconds": round(o.seconds, 4)}
                for o in outcomes]}, fh, indent=1)
    return 1 if s["false_holds"] or s["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
