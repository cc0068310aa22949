#!/usr/bin/env python3
"""Ranking tuning: one configuration for every corpus, measured honestly.

    python3 scripts/tune.py grid GRID.json [--out target/tune]      # evaluate every configuration
    python3 scripts/tune.py report [--out target/tune] [--baseline REF]
    python3 scripts/tune.py grid GRID.json --model DIR        # the hybrid mode's fusion
    python3 scripts/tune.py report --model DIR [--baseline-mode lexical]

`grid` evaluates each configuration of a grid (a JSON object: parameter -> list of values,
dotted names for nested ones such as `heading.weight`; every combination is tried) on six
suites: the three classic collections (MED, Cranfield, CISI, `eval --plain`) and the project's
own judged suites (tests/eval/material, pages, ranking, with the query syntax), through
`medsearch eval --ranking`. Results accumulate in OUT/results.json.

`report` picks the configuration with the best mean nDCG@10 over the suites among those
whose MRR@10 is no lower than the baseline's on any suite (or, with `--targets`, among those
that reach the given nDCG@10 with MAP and MRR@10 no lower than the baseline's), and prints,
per suite: the baseline, the fitted configuration, the leave-one-collection-out
configuration for each classic collection (fitted on the other suites, scored on the
held-out one), and a paired
randomization test (per-query nDCG@10, 10,000 permutations, two-sided) of the fitted
configuration against the baseline. The baseline is this checkout's `Ranking::default()` run
by the binary built from REF (default: HEAD), or, with `--baseline-binary`, any binary.

With `--model DIR` (a sentence model folder, see `scripts/fetch_model.py`), every suite is
indexed with the model and searched in hybrid mode (`fusion.*` parameters tune the fusion),
the lay-language suites (tests/eval/lay, lay-pages) join the six, and results go to
OUT/hybrid-MODEL (MODEL: the folder's name);
`report --baseline-mode lexical` compares with the words alone instead of the baseline's
hybrid mode.
"""
import argparse
import hashlib
import itertools
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import test_collections

ROOT = Path(__file__).resolve().parent.parent
EVAL = ROOT / "tests" / "eval"
CLASSIC = test_collections.NAMES
SUITES = CLASSIC + ["material", "pages", "ranking"]
LAY = ["lay", "lay-pages"]


def suite_files(name, benchmarks):
    """(corpus files to copy, queries, qrels, plain) of a suite."""
    if name in CLASSIC:
        d = Path(benchmarks) / name
        return [d / "corpus.jsonl"], d / "queries.jsonl", d / "qrels" / "test.tsv", True
    material = [ROOT / "corpus" / p for p in os.listdir(ROOT / "corpus")]
    pages = ROOT / "tests" / "fixtures" / "pages"
    files = {
        "material": material,
        "pages": [pages / p for p in ["stem-cell-transplant.txt",
                                      "healthy-eating-during-treatment.txt",
                                      "radiation-therapy.md"]],
        "ranking": sorted((ROOT / "tests" / "fixtures" / "ranking").iterdir()),
        **{lay: sorted((ROOT / "tests" / "fixtures" / lay).iterdir()) for lay in LAY},
    }[name]
    return files, EVAL / f"{name}.tsv", EVAL / f"{name}.qrels", False


def suites(args):
    """The suites tuned on: the lay-language ones too in hybrid mode."""
    return SUITES + (LAY if args.model else [])


def workdir(args):
    """Where the corpora, indexes and results go (apart for each model folder)."""
    return Path(args.out) / (f"hybrid-{args.model.resolve().name}" if args.model else "")


def prepare(binary, label, args):
    """A corpus and an index per suite for `binary` (indexes differ between versions)."""
    out, benchmarks = workdir(args), args.benchmarks
    model = ["--model", str(args.model)] if args.model else []
    for name in suites(args):
        work = out / label / name
        if (work / "index" / "CURRENT").exists():
            continue
        shutil.rmtree(work, ignore_errors=True)
        (work / "corpus").mkdir(parents=True)
        files, *_ = suite_files(name, benchmarks)
        for f in files:
            shutil.copy(f, work / "corpus" / f.name)
        subprocess.run([binary, "index", *model, "--corpus", work / "corpus",
                        "--index", work / "index"], check=True, capture_output=True)


def evaluate(binary, label, args, name, config=None, mode=None):
    """Per-query (nDCG@10, AP, RR@10) of a suite, by query id (in `mode`, default hybrid with
    a model, else lexical)."""
    _, queries, qrels, plain = suite_files(name, args.benchmarks)
    work = workdir(args) / label / name
    mode = mode or ("hybrid" if args.model else "lexical")
    cmd = [binary, "eval", "--json", "--mode", mode, "--queries", queries, "--qrels", qrels,
           "--corpus", work / "corpus", "--index", work / "index"]
    if plain:
        cmd.append("--plain")
    with tempfile.NamedTemporaryFile("w", suffix=".json") as ranking:
        if config:
            ranking.write(json.dumps(nest(config)))
            ranking.flush()
            cmd += ["--ranking", ranking.name]
        res = subprocess.run(cmd, check=True, capture_output=True, text=True)
    report = json.loads(res.stdout)
    return {q["id"]: (q["metrics"]["ndcg"], q["metrics"]["map"], q["metrics"]["mrr"])
            for q in report["per_query"] if q["judged"]}


def nest(flat):
    """{"heading.weight": 3} -> {"heading": {"weight": 3}} (dotted names nest)."""
    out = {}
    for key, value in flat.items():
        *path, last = key.split(".")
        node = out
        for p in path:
            node = node.setdefault(p, {})
        node[last] = value
    return out


def means(per_query):
    values = list(per_query.values())
    return [statistics.mean(v[i] for v in values) for i in range(3)]


def grid(args):
    out = workdir(args)
    out.mkdir(parents=True, exist_ok=True)
    binary = build(ROOT, ROOT / "target")
    prepare(binary, "new", args)
    spec = json.loads(Path(args.grid).read_text())
    keys = sorted(spec)
    results_path = out / "results.json"
    # Results hold only what each configuration changes: they are valid for one binary (its
    # defaults and its code) and are dropped when the binary changes.
    digest = hashlib.sha256(binary.read_bytes()).hexdigest()
    saved = json.loads(results_path.read_text()) if results_path.exists() else {}
    results = saved.get("results", []) if saved.get("binary") == digest else []
    if saved and not results:
        print("the binary changed: earlier results dropped", file=sys.stderr)
    done = {json.dumps(r["config"], sort_keys=True) for r in results}
    configs = [dict(zip(keys, values)) for values in itertools.product(*(spec[k] for k in keys))]
    todo = [c for c in configs if json.dumps(c, sort_keys=True) not in done]
    print(f"{len(configs)} configurations, {len(todo)} to evaluate", file=sys.stderr)

    def run(config):
        return {"config": config,
                "suites": {name: evaluate(binary, "new", args, name, config)
                           for name in suites(args)}}

    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        for i, result in enumerate(pool.map(run, todo), 1):
            results.append(result)
            m = {name: means(result["suites"][name])[0] for name in suites(args)}
            print(f"[{i}/{len(todo)}] {json.dumps(result['config'])}: " +
                  " ".join(f"{n} {v:.4f}" for n, v in m.items()), file=sys.stderr)
            results_path.write_text(json.dumps({"binary": digest, "results": results}))


def build(src, target):
    env = dict(os.environ, CARGO_TARGET_DIR=str(target))
    subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=src, env=env, check=True)
    return target / "release" / "medsearch"


def baseline_binary(ref):
    """The binary built from `ref`, in a worktree under target/baseline (see bench.py)."""
    src, target = ROOT / "target" / "baseline" / "src", ROOT / "target" / "baseline" / "target"
    if not src.exists():
        subprocess.run(["git", "worktree", "add", "--detach", src, ref], cwd=ROOT, check=True,
                       capture_output=True)
    subprocess.run(["git", "checkout", "--quiet", "--detach", ref], cwd=src, check=True)
    return build(src, target)


def randomization_test(a, b, rounds=10000, seed=20261129):
    """Two-sided p-value of the mean paired difference b - a (sign flips)."""
    diffs = [y - x for x, y in zip(a, b)]
    observed = abs(statistics.mean(diffs))
    rng = random.Random(seed)
    extreme = 0
    for _ in range(rounds):
        total = sum(d if rng.random() < 0.5 else -d for d in diffs)
        if abs(total / len(diffs)) >= observed - 1e-12:
            extreme += 1
    return (extreme + 1) / (rounds + 1)


def report(args):
    names = suites(args)
    targets = {}
    for target in filter(None, (args.targets or "").split(",")):
        name, _, value = target.partition("=")
        if name.strip() not in names or not re.fullmatch(r"\s*[0-9.]+\s*", value):
            sys.exit(f"tune.py: error: --targets {target!r}: expected SUITE=nDCG with SUITE "
                     f"one of {', '.join(names)}")
        targets[name.strip()] = float(value)

    out = workdir(args)
    results = json.loads((out / "results.json").read_text())["results"]
    binary = Path(args.baseline_binary) if args.baseline_binary else baseline_binary(args.baseline)
    prepare(binary, "baseline", args)
    base = {name: evaluate(binary, "baseline", args, name, mode=args.baseline_mode)
            for name in names}
    base_means = {name: means(base[name]) for name in names}

    def eligible(result, suites):
        if targets:
            return all(means(result["suites"][s])[0] >= targets[s] and
                       all(means(result["suites"][s])[i] >= base_means[s][i] - 1e-9
                           for i in (1, 2))
                       for s in suites if s in targets)
        return all(means(result["suites"][s])[2] >= base_means[s][2] - 1e-9 for s in suites)

    def best(suites):
        pool = [r for r in results if eligible(r, suites)]
        if suites == names:
            print(f"{len(pool)} of {len(results)} configurations eligible"
                  + ("" if pool else ": none, the best of all is shown"))
        pool = pool or results
        return max(pool, key=lambda r: statistics.mean(means(r["suites"][s])[0] for s in suites))

    fitted = best(names)
    print(f"fitted: {json.dumps(fitted['config'], sort_keys=True)}")
    print(f"{len(results)} configurations evaluated; baseline: {binary}\n")
    print("| suite | baseline nDCG@10 / MAP / MRR@10 | fitted | leave-one-out | p (nDCG@10) |")
    print("|---|---|---|---|---|")
    for name in names:
        b = base_means[name]
        f = means(fitted["suites"][name])
        loco = ""
        if name in CLASSIC:
            held_out = best([s for s in names if s != name])
            lo = means(held_out["suites"][name])
            loco = f"{lo[0]:.4f} / {lo[1]:.4f} / {lo[2]:.4f}"
        ids = sorted(base[name])
        p = randomization_test([base[name][q][0] for q in ids],
                               [fitted["suites"][name][q][0] for q in ids])
        print(f"| {name} | {b[0]:.4f} / {b[1]:.4f} / {b[2]:.4f} | "
              f"{f[0]:.4f} / {f[1]:.4f} / {f[2]:.4f} | {loco} | {p:.4f} |")
    (out / "fitted.json").write_text(json.dumps(nest(fitted["config"]), indent=1))


def main():
    parser = argparse.ArgumentParser(description="Ranking tuning (see the module docs).")
    common = argparse.ArgumentParser(add_help=False)
    test_collections.add_argument(common)
    common.add_argument("--out", default=str(ROOT / "target" / "tune"))
    common.add_argument("--model", type=Path,
                        help="a sentence model folder: tune the hybrid mode (see the docs)")
    sub = parser.add_subparsers(dest="what", required=True)
    p = sub.add_parser("grid", parents=[common])
    p.add_argument("grid", help="JSON object: parameter -> list of values")
    p = sub.add_parser("report", parents=[common])
    p.add_argument("--baseline", default="HEAD", help="git ref of the baseline (default HEAD)")
    p.add_argument("--baseline-binary", help="a medsearch binary to use as the baseline")
    p.add_argument("--baseline-mode", choices=["lexical", "semantic", "hybrid"],
                   help="the baseline's mode (default: the one tuned)")
    p.add_argument("--targets", help="SUITE=nDCG,... : eligible configurations reach these "
                   "nDCG@10 with MAP and MRR@10 no lower than the baseline's on the suites "
                   "named (other suites unconstrained), instead of MRR@10 no lower on every "
                   "suite")
    args = parser.parse_args()
    test_collections.check(args.benchmarks, "tune.py")
    {"grid": grid, "report": report}[args.what](args)


if __name__ == "__main__":
    main()
