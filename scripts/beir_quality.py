#!/usr/bin/env python3
"""Ranking quality on the classic test collections, medsearch beside SQLite FTS5 and bm25s.

    python3 scripts/beir_quality.py [--benchmarks DIR]   # default: tests/data/beir
    python3 scripts/beir_quality.py --mode hybrid [--model DIR]   # the semantic stage too

For each collection in the BEIR layout (corpus.jsonl, queries.jsonl, qrels/test.tsv): builds a
medsearch index of the corpus, runs `medsearch eval --plain` (queries as plain words), and runs
the same queries through SQLite FTS5 (Python's sqlite3, porter tokenizer, bm25() ranking, the
query's words OR-ed) and bm25s (a fast Python BM25, Lucene's formula, k1 1.5, b 0.75, English
stop words and Snowball stemmer; title and text as one field). Every run (top 1000) is scored by
the same code, ir_measures (pytrec_eval); the script installs it and bm25s with pip if needed.
medsearch's own numbers are shown too and must agree. Prints a Markdown table for the README.

With `--mode semantic` or `--mode hybrid`, the index is built with the sentence model (`--model`,
default target/model/all-MiniLM-L6-v2, which `python3 scripts/fetch_model.py` fetches) and
medsearch is scored in lexical mode and in that mode, from the same index.
"""
import argparse
import datetime
import json
import os
import platform
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

import test_collections

ROOT = Path(__file__).resolve().parent.parent


def ensure_packages():
    try:
        import bm25s  # noqa: F401
        import ir_measures  # noqa: F401
        import Stemmer  # noqa: F401
    except ImportError:
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", "ir-measures",
                        "pytrec-eval-terrier", "bm25s", "PyStemmer"], check=True)


def read_jsonl(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def read_qrels(path):
    qrels = {}
    with open(path) as f:
        for line in f:
            fields = line.split()
            if not fields or fields[0] == "query-id":
                continue
            qid, doc, grade = fields[0], fields[-2], int(fields[-1])
            qrels.setdefault(qid, {})[doc] = grade
    return qrels


def fts5_run(corpus, queries, out, depth=1000):
    db = sqlite3.connect(":memory:")
    db.execute("CREATE VIRTUAL TABLE docs USING fts5(id UNINDEXED, title, text, "
               "tokenize='porter unicode61')")
    db.executemany("INSERT INTO docs VALUES (?, ?, ?)",
                   [(str(d["_id"]), d.get("title", ""), d["text"]) for d in corpus])
    with open(out, "w") as f:
        for q in queries:
            words = re.findall(r"\w+", q["text"].lower())
            if not words:
                continue
            match = " OR ".join(f'"{w}"' for w in words)
            rows = db.execute("SELECT id, bm25(docs) FROM docs WHERE docs MATCH ? "
                              "ORDER BY bm25(docs) LIMIT ?", (match, depth)).fetchall()
            for rank, (doc, score) in enumerate(rows, 1):
                f.write(f"{q['_id']} Q0 {doc} {rank} {-score:.6f} fts5\n")


def bm25s_run(corpus, queries, out, depth=1000):
    import bm25s
    import Stemmer
    stemmer = Stemmer.Stemmer("english")
    ids = [str(d["_id"]) for d in corpus]
    texts = [f"{d.get('title', '')} {d['text']}" for d in corpus]
    retriever = bm25s.BM25()
    retriever.index(bm25s.tokenize(texts, stopwords="en", stemmer=stemmer, show_progress=False),
                    show_progress=False)
    with open(out, "w") as f:
        for q in queries:
            tokens = bm25s.tokenize([q["text"]], stopwords="en", stemmer=stemmer,
                                    show_progress=False)
            docs, scores = retriever.retrieve(tokens, k=min(depth, len(ids)),
                                              show_progress=False)
            for rank, (doc, sc) in enumerate(zip(docs[0], scores[0]), 1):
                if sc > 0:
                    f.write(f"{q['_id']} Q0 {ids[doc]} {rank} {sc:.6f} bm25s\n")


def score(qrels, run_path):
    import ir_measures
    from ir_measures import AP, RR, nDCG
    measures = [nDCG @ 10, AP @ 1000, RR @ 10]
    run = list(ir_measures.read_trec_run(str(run_path)))
    agg = ir_measures.calc_aggregate(measures, qrels, run)
    return [agg[m] for m in measures]


def main():
    parser = argparse.ArgumentParser(description="Ranking quality on the classic test "
                                     "collections, medsearch beside SQLite FTS5 and bm25s.")
    test_collections.add_argument(parser)
    parser.add_argument("--mode", choices=["lexical", "semantic", "hybrid"], default="lexical",
                        help="medsearch's mode besides lexical (default: lexical only)")
    parser.add_argument("--model", type=Path,
                        default=ROOT / "target" / "model" / "all-MiniLM-L6-v2",
                        help="the sentence model folder for --mode semantic or hybrid")
    args = parser.parse_args()
    test_collections.check(args.benchmarks, "beir_quality.py")
    modes = ["lexical"] + ([args.mode] if args.mode != "lexical" else [])
    model = []
    if args.mode != "lexical":
        if not (args.model / "model.safetensors").is_file():
            print(f"beir_quality.py: error: no model at {args.model} (model.safetensors missing); "
                  "run `python3 scripts/fetch_model.py` or pass --model DIR", file=sys.stderr)
            sys.exit(2)
        model = ["--model", str(args.model)]
    ensure_packages()
    subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
    binary = ROOT / "target" / "release" / "medsearch"
    rows = []
    for name in test_collections.NAMES:
        coll = Path(args.benchmarks) / name
        with tempfile.TemporaryDirectory() as tmp:
            tmp = Path(tmp)
            (tmp / "corpus").mkdir()
            shutil.copy(coll / "corpus.jsonl", tmp / "corpus" / "corpus.jsonl")
            loc = ["--corpus", str(tmp / "corpus"), "--index", str(tmp / "index")]
            subprocess.run([binary, "index", *model, *loc], check=True, capture_output=True)
            qrels = read_qrels(coll / "qrels" / "test.tsv")
            ours = []
            for mode in modes:
                run = tmp / f"medsearch-{mode}.run"
                out = subprocess.run([binary, "eval", "--plain", "--json", "--mode", mode,
                                      "--queries", coll / "queries.jsonl", "--qrels",
                                      coll / "qrels" / "test.tsv", "--run", run, *loc],
                                     check=True, capture_output=True, text=True)
                own = json.loads(out.stdout)["metrics"]
                ms = score(qrels, run)
                assert abs(ms[0] - own["ndcg"]) < 1e-4, (mode, ms, own)
                ours.append((f"medsearch {mode}" if len(modes) > 1 else "medsearch", ms))
            fts5_run(read_jsonl(coll / "corpus.jsonl"), read_jsonl(coll / "queries.jsonl"),
                     tmp / "fts5.run")
            bm25s_run(read_jsonl(coll / "corpus.jsonl"), read_jsonl(coll / "queries.jsonl"),
                      tmp / "bm25s.run")
            peers = [("SQLite FTS5 bm25", score(qrels, tmp / "fts5.run")),
                     ("bm25s", score(qrels, tmp / "bm25s.run"))]
            rows.append((name, ours + peers))
    import bm25s
    shown = f" --mode {args.mode} --model {args.model}" if model else ""
    print(f"Measured {datetime.date.today()} on {platform.machine()} "
          f"({os.cpu_count()} cores), SQLite {sqlite3.sqlite_version}, bm25s {bm25s.__version__}; "
          f"`python3 scripts/beir_quality.py{shown}`.\n")
    print("| collection | system | nDCG@10 | MAP@1000 | MRR@10 |")
    print("|---|---|---|---|---|")
    for name, systems in rows:
        for system, m in systems:
            print(f"| {name} | {system} | {m[0]:.4f} | {m[1]:.4f} | {m[2]:.4f} |")


if __name__ == "__main__":
    main()
