#!/usr/bin/env python3
"""Benchmarks for medsearch (not part of the test run: timings live here, never in tests).

    python3 scripts/bench.py rebuild [--pages 10000]

rebuild: on a generated corpus of --pages pages (scripts/gen_corpus.py, seed 7), times a full
build, a run with nothing changed, a run after changing one page, and a run after changing 1%
of the pages (medians of several runs, release build, whole-process wall time and peak RSS).
Prints a Markdown table with each time as a share of the full build.
"""
import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "target" / "bench"
BINARY = ROOT / "target" / "release" / "medsearch"


def build_release():
    subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)


def corpus(pages, fmt="txt"):
    out = BENCH / f"corpus-{pages}"
    if not (out / "jsonl" / "corpus.jsonl").exists():
        subprocess.run([sys.executable, ROOT / "scripts" / "gen_corpus.py", "--pages", str(pages),
                        "--out", out], check=True)
    return out / fmt


def timed(cmd, **kw):
    """Wall seconds and peak RSS (MiB) of one process."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, **kw)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) not in (0, 1):
        raise SystemExit(f"{cmd} failed: {proc.stderr.read().decode()}")
    return elapsed, usage.ru_maxrss / 1024


def machine():
    model = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo")
                  if l.startswith("model name")), platform.processor())
    return f"{model}, {os.cpu_count()} cores, {platform.system()} {platform.release()}"


def touch_pages(work, pages, round_):
    for path in pages:
        with open(path, "a", encoding="utf-8") as f:
            f.write(f"\nEdited in round {round_}.\n")


def rebuild(args):
    build_release()
    source = corpus(args.pages)
    work = BENCH / f"rebuild-{args.pages}"
    shutil.rmtree(work, ignore_errors=True)
    shutil.copytree(source, work / "corpus")
    loc = ["--corpus", str(work / "corpus"), "--index", str(work / "index")]
    files = sorted((work / "corpus").rglob("*.txt"))
    size_mb = sum(f.stat().st_size for f in files) / 1e6
    rows = []
    full = [timed([BINARY, "index", "--full", *loc]) for _ in range(3)]
    rows.append(("full build (`index --full`)", full))
    rows.append(("nothing changed", [timed([BINARY, "index", *loc]) for _ in range(5)]))
    one = []
    for r in range(5):
        touch_pages(work, [files[(r * 997) % len(files)]], r)
        one.append(timed([BINARY, "index", *loc]))
    rows.append(("one page changed", one))
    percent = []
    step = 100
    for r in range(3):
        touch_pages(work, files[r::step], 10 + r)
        percent.append(timed([BINARY, "index", *loc]))
    rows.append((f"1% of pages changed ({len(files[0::step])})", percent))
    base = statistics.median(t for t, _ in full)
    print(f"{args.pages} pages, {size_mb:.1f} MB; {machine()}; {time.strftime('%Y-%m-%d')}; "
          f"`python3 scripts/bench.py rebuild --pages {args.pages}`\n")
    print("| run | median wall time | share of full build | peak RSS |")
    print("|---|---|---|---|")
    for name, runs in rows:
        t = statistics.median(x for x, _ in runs)
        rss = max(m for _, m in runs)
        print(f"| {name} | {t * 1000:.0f} ms | {100 * t / base:.2f}% | {rss:.0f} MiB |")


def main():
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="what", required=True)
    p = sub.add_parser("rebuild")
    p.add_argument("--pages", type=int, default=10000)
    args = parser.parse_args()
    {"rebuild": rebuild}[args.what](args)


if __name__ == "__main__":
    main()
