#!/usr/bin/env python3
"""Makes the trec_eval parity fixture: a synthetic run and graded qrels, and the metric values
that pytrec_eval (trec_eval's own C code, through ir_measures) computes for them.

    pip install ir-measures pytrec-eval-terrier
    python3 scripts/trec_reference.py tests/fixtures/trec

medsearch's metrics must agree with these values to 4 decimal places (tests/eval.rs). The run
has strictly decreasing scores per query, so trec_eval's re-sorting keeps the file's order.
"""
import argparse
import json
import random
from pathlib import Path

parser = argparse.ArgumentParser(description="Makes the trec_eval parity fixture.")
parser.add_argument("out", type=Path, help="folder to write (tests/fixtures/trec)")
args = parser.parse_args()

import ir_measures  # noqa: E402 (after the arguments: --help works without it)
from ir_measures import AP, RR, P, R, nDCG  # noqa: E402

out = args.out
out.mkdir(parents=True, exist_ok=True)
rng = random.Random(20261127)
docs = [f"doc{i}" if i % 3 else f"page{i}#sec-{i % 7}" for i in range(120)]

qrels_lines, run_lines = [], []
qrels, for_tool = {}, {}
for q in range(1, 26):
    qid = f"q{q}"
    judged = rng.sample(docs, rng.randint(1, 25))
    grades = {d: rng.choice([-1, 0, 0, 1, 1, 2, 3]) for d in judged}
    if q == 25:  # a query with only non-relevant judgments
        grades = {d: 0 for d in judged}
    qrels[qid] = grades
    for d, g in grades.items():
        qrels_lines.append(f"{qid} 0 {d} {g}")
    found = rng.sample(judged, rng.randint(0, len(judged)))
    retrieved = list(dict.fromkeys(found + rng.sample(docs, rng.randint(0, 40))))
    rng.shuffle(retrieved)
    if q % 3 == 0:  # a good ranking: graded relevance mostly first
        retrieved.sort(key=lambda d: -grades.get(d, 0) + rng.uniform(0, 1.5))
    if not retrieved:
        retrieved = [docs[0]]
    score = 100.0
    for rank, d in enumerate(retrieved, 1):
        score -= rng.uniform(0.01, 3.0)
        run_lines.append(f"{qid} Q0 {d} {rank} {score:.6f} synthetic")
(out / "qrels.txt").write_text("\n".join(qrels_lines) + "\n")
(out / "run.txt").write_text("\n".join(run_lines) + "\n")

measures = {"ndcg": nDCG @ 10, "map": AP, "mrr": RR @ 10, "precision": P @ 10,
            "recall": R @ 10, "recall_depth": R @ 1000}
run = list(ir_measures.read_trec_run(str(out / "run.txt")))
per_query = {}
for m in ir_measures.iter_calc(list(measures.values()), qrels, run):
    name = next(k for k, v in measures.items() if v == m.measure)
    per_query.setdefault(m.query_id, {})[name] = round(m.value, 6)
aggregate = {name: round(ir_measures.calc_aggregate([m], qrels, run)[m], 6)
             for name, m in measures.items()}
expected = {"tool": f"ir_measures {ir_measures.__version__} (pytrec_eval)",
            "mean": aggregate, "per_query": per_query}
(out / "expected.json").write_text(json.dumps(expected, indent=1, sort_keys=True) + "\n")
print(json.dumps(aggregate))
