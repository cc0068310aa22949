#!/usr/bin/env python3
"""Benchmarks for medsearch beside the tools people would use instead (never timed in tests).

    python3 scripts/bench.py all [--pages 10000 100000] [--runs 30]   # writes BENCHMARKS.md
    python3 scripts/bench.py latency [--pages 100000]                 # the in-process table alone
    python3 scripts/bench.py typing [--pages 100000]                  # the search box while typing
    python3 scripts/bench.py watch [--pages 100000] [--rounds 20]     # write -> search with --watch
    python3 scripts/bench.py rebuild [--pages 10000]
    python3 scripts/bench.py compare --baseline REF [--pages 100000] [--runs 20]
    python3 scripts/bench.py serve [--pages 100000] [--seconds 10]   # HTTP load on `serve`

Builds medsearch with the `dist` profile (fat LTO, what we ship), installs the peers it needs
(ripgrep and sqlite3 through apt), generates the scale corpora (scripts/gen_corpus.py, seed 7)
and measures, interleaving the systems run by run and reporting medians, p99 and ratios:
- cli: whole-process wall time of one search on the bundled corpus, and at the largest scale
  (one-word and three-word queries): medsearch, `rg -n -i` over the files, the sqlite3 CLI on an
  FTS5 table of the same text (bm25 order, snippet());
- latency: in-process top 10 over the MED and Cranfield queries (as plain words): medsearch
  with snippets (`cargo bench --bench latency`), with and without query feedback; plain tantivy
  with its default BM25 (`cargo bench --bench tantivy_peer`: ids only); bm25s (pip; ids only);
  SQLite FTS5 through Python's sqlite3 (with snippet());
- build: full build time, MB/s, peak RSS and size on disk: medsearch, FTS5, tantivy, bm25s;
- rebuild: full build, nothing changed, one page changed, 1% changed (also alone, above);
- watch: with `index --watch` running, the time from writing a new page to a search finding it;
- compare: this checkout against an earlier commit (built in a git worktree under
  target/baseline), side by side in one run, interleaved: CLI searches (bundled page, one and
  three words, 900 unknown words at scale; the sqlite3 CLI on FTS5 in the one-word rounds),
  in-process latency, full build, rebuilds; medians
  and the ratio new / baseline. Writes target/bench/compare.md.
- serve: HTTP load on `medsearch serve` over loopback with wrk (apt): the MED and Cranfield
  queries in turn at 1, 16 and 64 connections, then 16 while `index --full` rebuilds the index
  the server is reading, with a checker that asks one query over and over and compares every
  answer with the first (a response from a half-switched index would differ) and counts the
  generations that answered; requests per second, p50/p99 latency, errors. Beside it, the same
  load on Datasette (pip) serving an SQLite FTS5 table of the same text: a search server that
  installs here (Meilisearch and Typesense do not).
"""
import argparse
import json
import os
import platform
import random
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

import test_collections

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "target" / "bench"
# The classic test collections (queries for the latency runs, abstracts for the scale corpus);
# set from --benchmarks.
BENCHMARKS = test_collections.DEFAULT
BINARY = ROOT / "target" / "dist" / "medsearch"
QUERY = "embolic agent"


def build_release():
    subprocess.run(["cargo", "build", "--profile", "dist", "--quiet"], cwd=ROOT, check=True)


def ensure_peers():
    missing = [p for p in ("rg", "sqlite3", "/usr/bin/time") if shutil.which(p) is None]
    if missing:
        pkgs = {"rg": "ripgrep", "sqlite3": "sqlite3", "/usr/bin/time": "time"}
        subprocess.run(["apt-get", "update", "-q"], check=True, capture_output=True)
        subprocess.run(["apt-get", "install", "-y", "-q"] + [pkgs[m] for m in missing],
                       check=True, capture_output=True)


def corpus(pages, fmt="txt"):
    out = BENCH / f"corpus-{pages}"
    if not (out / "jsonl" / "corpus.jsonl").exists():
        subprocess.run([sys.executable, ROOT / "scripts" / "gen_corpus.py", "--pages", str(pages),
                        "--out", out, "--benchmarks", BENCHMARKS], check=True)
    return out / fmt


def timed(cmd, env=None):
    """Wall seconds and peak RSS (MiB) of one process, measured by GNU time (the harness's own
    memory would leak into a forked child's ru_maxrss); `env` adds to the environment."""
    with tempfile.NamedTemporaryFile("r") as report:
        start = time.perf_counter()
        res = subprocess.run(["/usr/bin/time", "-o", report.name, "-f", "%M"] + [str(c) for c in cmd],
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                             env=dict(os.environ, **(env or {})))
        elapsed = time.perf_counter() - start
        if res.returncode not in (0, 1):
            raise SystemExit(f"{cmd} failed: {res.stderr.decode()}")
        return elapsed, int(report.read().split()[-1]) / 1024


def spawn_time(cmd):
    """Wall seconds of one short process, spawned with as little harness overhead as possible."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    start = time.perf_counter()
    pid = os.posix_spawnp(cmd[0], [str(c) for c in cmd], os.environ,
                          file_actions=[(os.POSIX_SPAWN_DUP2, devnull, 1),
                                        (os.POSIX_SPAWN_DUP2, devnull, 2)])
    _, status = os.waitpid(pid, 0)
    elapsed = time.perf_counter() - start
    os.close(devnull)
    if os.waitstatus_to_exitcode(status) not in (0, 1):
        raise SystemExit(f"{cmd} failed")
    return elapsed


def interleaved(systems, runs):
    """{name: [seconds...]}: every round runs each system once, in turn."""
    times = {name: [] for name in systems}
    for cmd in systems.values():
        spawn_time(cmd)  # warm-up
    for _ in range(runs):
        for name, cmd in systems.items():
            times[name].append(spawn_time(cmd))
    return times


def p99(values):
    values = sorted(values)
    return values[min(len(values) - 1, round(0.99 * (len(values) - 1)))]


def cli_table(title, times, base):
    lines = [f"**{title}**", "", "| system | median | p99 | ratio to medsearch |", "|---|---|---|---|"]
    ref = statistics.median(times[base])
    for name, values in times.items():
        m = statistics.median(values)
        lines.append(f"| {name} | {m * 1000:.1f} ms | {p99(values) * 1000:.1f} ms | {m / ref:.2f} |")
    return "\n".join(lines) + "\n"


def fts5_db(path, rows):
    """An FTS5 table (porter tokenizer) of (id, title, text) rows in a fresh database file."""
    if path.exists():
        path.unlink()
    db = sqlite3.connect(path)
    db.execute("CREATE VIRTUAL TABLE docs USING fts5(id UNINDEXED, title, text, "
               "tokenize='porter unicode61')")
    with db:
        db.executemany("INSERT INTO docs VALUES (?, ?, ?)", rows)
    db.close()


def sqlite_cli(db, words):
    match = " ".join(words)
    sql = (f"SELECT id, snippet(docs, 2, '[', ']', '…', 24) FROM docs WHERE docs MATCH '{match}' "
           "ORDER BY bm25(docs) LIMIT 10")
    return ["sqlite3", str(db), sql]


def jsonl_rows(path):
    return [(d["_id"], d.get("title", ""), d["text"]) for d in map(json.loads, open(path))]


def bench_queries():
    """The MED and Cranfield queries, as plain-word TSV and as word lists."""
    out = BENCH / "queries.tsv"
    words = []
    with out.open("w") as f:
        for name in ["med", "cranfield"]:
            path = BENCHMARKS / name / "queries.jsonl"
            for q in map(json.loads, open(path)):
                text = " ".join(q["text"].split())
                f.write(f"{name}-{q['_id']}\t{text}\n")
                words.append(re.findall(r"\w+", text.lower()))
    return out, words


def cli(args, out):
    material = ROOT / "corpus"
    work = BENCH / "cli-small"
    shutil.rmtree(work, ignore_errors=True)
    shutil.copytree(material, work / "corpus")
    subprocess.run([BINARY, "index"], cwd=work, check=True, capture_output=True)
    text = next(material.glob("*.txt")).read_text()
    rows = [(str(i), "", b) for i, b in enumerate(text.split("\n\n")) if b.strip()]
    fts5_db(work / "fts5.db", rows)
    systems = {
        "medsearch": [BINARY, "search", "--corpus", work / "corpus", "--index", work / "index",
                      QUERY],
        "rg -n -i": ["rg", "-n", "-i", QUERY, work / "corpus"],
        "sqlite3 CLI (FTS5)": sqlite_cli(work / "fts5.db", QUERY.split()),
    }
    out.append(cli_table(f"CLI search on the bundled corpus, `{QUERY}` ({args.runs} interleaved runs)",
                         interleaved(systems, args.runs), "medsearch"))
    pages = max(args.pages)
    scale = scale_index(pages)
    if not (scale / "fts5.db").exists():
        fts5_db(scale / "fts5.db", jsonl_rows(corpus(pages, "jsonl") / "corpus.jsonl"))
    for query in ["catheter", "blood supply tumour"]:
        systems = {
            "medsearch": [str(BINARY), "search", "--corpus", str(corpus(pages)), "--index",
                          str(scale / "index"), query],
            "rg -n -i": ["rg", "-n", "-i", query, str(corpus(pages))],
            "sqlite3 CLI (FTS5)": sqlite_cli(scale / "fts5.db", query.split()),
        }
        runs = max(5, args.runs // 3)
        out.append(cli_table(f"CLI search at {pages} pages, `{query}` ({runs} interleaved runs)",
                             interleaved(systems, runs), "medsearch"))


def scale_index(pages):
    """The folder of the scale corpus's index, brought up to date first (a no-op when it is,
    a full rebuild when an older medsearch made it), so no timed run pays for a rebuild."""
    scale = BENCH / f"scale-{pages}"
    subprocess.run([BINARY, "index", "--corpus", corpus(pages), "--index", scale / "index"],
                   check=True, capture_output=True)
    return scale


LATENCY_SRC = Path("benches") / "latency.rs"


def typing(args):
    """The search page while people type: every prefix a reader types of the MED and
    Cranfield queries (`s`, `si`, `sid`... `side effects`; letters, digits and spaces only),
    each run as the page sends it (`--typing --forgiving`: its last word completed), in
    process at the scale corpus; beside it the whole queries as plain words."""
    build_release()
    scale = scale_index(args.pages)
    _, words = bench_queries()
    prefixes = BENCH / "typing.tsv"
    with prefixes.open("w") as f:
        n = 0
        for query in words[: args.queries]:
            text = " ".join(query)
            for end in range(1, len(text) + 1):
                if text[end - 1] != " ":
                    n += 1
                    f.write(f"t{n}\t{text[:end]}\n")
    whole = BENCH / "typing-whole.tsv"
    whole.write_text("".join(f"w{i}\t{' '.join(q)}\n" for i, q in enumerate(words[: args.queries])))
    rows = []
    for name, queries, mode in [("prefixes as typed (`--typing --forgiving`)", prefixes, "typing"),
                                ("the whole queries (plain words)", whole, "auto")]:
        r = latency_command(ROOT, ROOT / "target", corpus(args.pages), scale / "index", queries,
                            args.rounds, mode)
        rows.append(f"| {name} | {r['queries']} | {r['p50_ms']:.2f} ms | {r['p99_ms']:.2f} ms | "
                    f"{r['max_ms']:.2f} ms |")
    return "\n".join([f"**While typing, in process at {args.pages} pages** ({args.rounds} rounds)", "",
                      "| queries | count | p50 | p99 | max |", "|---|---|---|---|---|", *rows, ""])


def latency_command(src, target, corpus_dir, index_dir, queries, rounds, feedback="auto"):
    """The latency bench of the checkout at `src` (built into `target`), with the arguments its
    version takes (older ones did not take the corpus, nor FEEDBACK: they have no feedback)."""
    cmd = ["cargo", "bench", "--quiet", "--bench", "latency", "--"]
    text = (src / LATENCY_SRC).read_text()
    if "CORPUS_DIR" in text:
        cmd.append(str(corpus_dir))
    cmd += [str(index_dir), str(queries), str(rounds)]
    if "FEEDBACK" in text:
        cmd.append(feedback)
    env = dict(os.environ, CARGO_TARGET_DIR=str(target))
    res = subprocess.run(cmd, cwd=src, env=env, check=True, capture_output=True, text=True)
    return json.loads(res.stdout.strip().splitlines()[-1])


def ensure_bm25s():
    try:
        import bm25s  # noqa: F401
        import Stemmer  # noqa: F401
    except ImportError:
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", "bm25s", "PyStemmer"],
                       check=True)


def bm25s_build(jsonl):
    """bm25s (Lucene's BM25, English stop words and Snowball stemming) over title + text:
    the retriever, its stemmer and the build's wall seconds (tokenizing and indexing)."""
    import bm25s
    import Stemmer
    texts = [f"{title} {text}" for _, title, text in jsonl_rows(jsonl)]
    start = time.perf_counter()
    stemmer = Stemmer.Stemmer("english")
    retriever = bm25s.BM25()
    retriever.index(bm25s.tokenize(texts, stopwords="en", stemmer=stemmer, show_progress=False),
                    show_progress=False)
    return retriever, stemmer, time.perf_counter() - start


def bm25s_latency(retriever, stemmer, texts, rounds):
    """bm25s's in-process top 10 (ids and scores, no snippets), the first round a warm-up."""
    import bm25s
    times = []
    for round_ in range(rounds + 1):
        for text in texts:
            start = time.perf_counter()
            tokens = bm25s.tokenize([text], stopwords="en", stemmer=stemmer, show_progress=False)
            retriever.retrieve(tokens, k=10, show_progress=False)
            if round_:
                times.append((time.perf_counter() - start) * 1000)
    return {"p50_ms": statistics.median(times), "p99_ms": p99(times)}


def tantivy_peer_binary():
    """benches/tantivy_peer.rs (plain tantivy, default BM25), built; the executable's path."""
    res = subprocess.run(["cargo", "bench", "--no-run", "--quiet", "--bench", "tantivy_peer",
                          "--message-format=json"], cwd=ROOT, check=True, capture_output=True,
                         text=True)
    artifacts = [json.loads(line) for line in res.stdout.splitlines()]
    return next(a["executable"] for a in artifacts
                if a.get("reason") == "compiler-artifact" and a["target"]["name"] == "tantivy_peer")


def tantivy_peer(*args):
    """The tantivy peer run with `args`; its JSON line."""
    res = subprocess.run([tantivy_peer_binary()] + [str(a) for a in args], check=True,
                         capture_output=True, text=True)
    return json.loads(res.stdout.strip().splitlines()[-1])


def fts5_latency(db_path, words):
    """SQLite FTS5's top 10 with snippet(), one pass over the queries (it is slow enough that
    a warm-up pass would not change it)."""
    db = sqlite3.connect(db_path)
    times = []
    for w in words:
        match = " OR ".join(f'"{x}"' for x in w)
        start = time.perf_counter()
        db.execute("SELECT id, snippet(docs, 2, '[', ']', '…', 24) FROM docs WHERE docs "
                   "MATCH ? ORDER BY bm25(docs) LIMIT 10", (match,)).fetchall()
        times.append((time.perf_counter() - start) * 1000)
    return {"p50_ms": statistics.median(times), "p99_ms": p99(times)}


def latency(args, out):
    """In-process latency of every system, interleaved: each of 3 rounds runs every system's
    bench once (a warm-up pass over the queries, then 5 timed), and the table gives the medians
    of the rounds' p50 and p99; SQLite FTS5, a hundred times slower, runs one pass, once."""
    queries, words = bench_queries()
    texts = [line.split("\t", 1)[1].rstrip("\n") for line in open(queries)]
    ensure_bm25s()
    lines = ["**In-process latency, top 10, MED + Cranfield queries as plain words** (medians of "
             "3 interleaved rounds)", "",
             "| pages | system | p50 | p99 | p50 / medsearch's |", "|---|---|---|---|---|"]
    for pages in args.pages:
        scale = scale_index(pages)
        jsonl = corpus(pages, "jsonl") / "corpus.jsonl"
        if not (scale / "fts5.db").exists():
            fts5_db(scale / "fts5.db", jsonl_rows(jsonl))
        if not (scale / "tantivy").exists():
            tantivy_peer("build", jsonl, scale / "tantivy")
        retriever, stemmer, _ = bm25s_build(jsonl)
        systems = {
            "medsearch (with snippets; feedback where it applies)": lambda: latency_command(
                ROOT, ROOT / "target", corpus(pages), scale / "index", queries, 5),
            "medsearch, feedback off": lambda: latency_command(
                ROOT, ROOT / "target", corpus(pages), scale / "index", queries, 5, "off"),
            "tantivy 0.27, default BM25 (ids, no snippets)": lambda: tantivy_peer(
                "latency", scale / "tantivy", queries, 5),
            "bm25s (ids, no snippets)": lambda: bm25s_latency(retriever, stemmer, texts, 5),
        }
        runs = {name: [] for name in systems}
        for _ in range(3):
            for name, run in systems.items():
                runs[name].append(run())
        runs["SQLite FTS5 (bm25, snippet)"] = [fts5_latency(scale / "fts5.db", words)]
        base = statistics.median(r["p50_ms"] for r in runs[next(iter(systems))])
        for name, results in runs.items():
            p50 = statistics.median(r["p50_ms"] for r in results)
            p99_ = statistics.median(r["p99_ms"] for r in results)
            lines.append(f"| {pages} | {name} | {p50:.2f} ms | {p99_:.2f} ms | {p50 / base:.2f} |")
    out.append("\n".join(lines) + "\n")


def builds(args, out):
    ensure_bm25s()
    lines = ["**Full build**", "",
             "| pages | MB | system | wall | MB/s | peak RSS | size on disk |",
             "|---|---|---|---|---|---|---|"]
    for pages in args.pages:
        src = corpus(pages)
        mb = sum(f.stat().st_size for f in src.rglob("*.txt")) / 1e6
        work = BENCH / f"build-{pages}"
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir(parents=True)
        t, rss = timed([BINARY, "index", "--full", "--corpus", src, "--index", work / "index"])
        size = sum(f.stat().st_size for f in (work / "index").rglob("*") if f.is_file()) / 1e6
        lines.append(f"| {pages} | {mb:.0f} | medsearch | {t:.2f} s | {mb / t:.1f} | {rss:.0f} MiB"
                     f" | {size:.0f} MB |")
        script = ("import sys,json,sqlite3;db=sqlite3.connect(sys.argv[2]);"
                  "db.execute(\"CREATE VIRTUAL TABLE docs USING fts5(id UNINDEXED, title, text, "
                  "tokenize='porter unicode61')\");"
                  "rows=((d['_id'],d.get('title',''),d['text']) for d in map(json.loads,open(sys.argv[1])));"
                  "db.executemany('INSERT INTO docs VALUES (?,?,?)',rows);db.commit()")
        t, rss = timed([sys.executable, "-c", script, corpus(pages, "jsonl") / "corpus.jsonl",
                        work / "fts5.db"])
        size = (work / "fts5.db").stat().st_size / 1e6
        lines.append(f"| {pages} | {mb:.0f} | SQLite FTS5 (Python sqlite3) | {t:.2f} s | "
                     f"{mb / t:.1f} | {rss:.0f} MiB | {size:.0f} MB |")
        t, rss = timed([tantivy_peer_binary(), "build", corpus(pages, "jsonl") / "corpus.jsonl",
                        work / "tantivy"])
        size = sum(f.stat().st_size for f in (work / "tantivy").rglob("*") if f.is_file()) / 1e6
        lines.append(f"| {pages} | {mb:.0f} | tantivy 0.27 (out of the box, 256 MB heap) | "
                     f"{t:.2f} s | {mb / t:.1f} | {rss:.0f} MiB | {size:.0f} MB |")
        script = ("import sys,time,bench;r,s,t=bench.bm25s_build(sys.argv[1]);"
                  "r.save(sys.argv[2]);print(t)")
        t, rss = timed([sys.executable, "-c", script, corpus(pages, "jsonl") / "corpus.jsonl",
                        work / "bm25s"], env={"PYTHONPATH": str(ROOT / "scripts")})
        size = sum(f.stat().st_size for f in (work / "bm25s").rglob("*") if f.is_file()) / 1e6
        lines.append(f"| {pages} | {mb:.0f} | bm25s (Python; reading JSON, tokenizing, "
                     f"indexing, saving) | {t:.2f} s | {mb / t:.1f} | {rss:.0f} MiB | "
                     f"{size:.0f} MB |")
    out.append("\n".join(lines) + "\n")


def everything(args):
    build_release()
    ensure_peers()
    out = [f"# Benchmarks\n\n{machine()}; {time.strftime('%Y-%m-%d')}; medsearch built with "
           f"`--profile dist`. Command: `python3 scripts/bench.py all --pages "
           f"{' '.join(map(str, args.pages))} --runs {args.runs}`.\n"]
    for pages in args.pages:
        src = corpus(pages)
        mb = sum(f.stat().st_size for f in src.rglob("*.txt")) / 1e6
        out.append(f"- Corpus of {pages} pages: {mb:.0f} MB of text (txt pages; the same text as "
                   "JSONL for SQLite).")
    out.append("")
    cli(args, out)
    latency(args, out)
    builds(args, out)
    out.append(rebuild(argparse.Namespace(pages=max(args.pages))))
    out.append(watch(argparse.Namespace(pages=max(args.pages), rounds=20)))
    out.append(serve_load(argparse.Namespace(pages=max(args.pages), seconds=10)))
    # The history (side-by-side runs of `compare`, kept by hand) stays below the new tables.
    old = (ROOT / "BENCHMARKS.md").read_text() if (ROOT / "BENCHMARKS.md").exists() else ""
    history = old[old.find("## History"):] if "## History" in old else ""
    (ROOT / "BENCHMARKS.md").write_text("\n".join(out) + ("\n" + history if history else ""))
    print("\n".join(out))


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
    pages = args.pages if isinstance(args.pages, int) else max(args.pages)
    args = argparse.Namespace(pages=pages)
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
    lines = [f"**Rebuild after content updates, {args.pages} pages ({size_mb:.1f} MB)**", "",
             "| run | median wall time | share of full build | peak RSS |", "|---|---|---|---|"]
    for name, runs in rows:
        t = statistics.median(x for x, _ in runs)
        rss = max(m for _, m in runs)
        lines.append(f"| {name} | {t * 1000:.0f} ms | {100 * t / base:.2f}% | {rss:.0f} MiB |")
    return "\n".join(lines) + "\n"


def watch(args):
    """Time from writing a page to a search finding it, with `index --watch` running on a copy
    of the scale corpus: each round writes one new page holding a word of its own, then runs
    `medsearch search` (whole process) every 10 ms until it finds the word."""
    build_release()
    work = BENCH / f"watch-{args.pages}"
    if not (work / "corpus").exists():
        shutil.copytree(corpus(args.pages), work / "corpus")
    for old in (work / "corpus").glob("watch-probe-*.txt"):
        old.unlink()
    loc = ["--corpus", str(work / "corpus"), "--index", str(work / "index")]
    subprocess.run([BINARY, "index", *loc], check=True, capture_output=True)
    watcher = subprocess.Popen([BINARY, "index", "--watch", *loc], stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL, text=True)
    try:
        watcher.stdout.readline()  # the first update's line: watching has started
        time.sleep(1)
        seen = []
        for r in range(args.rounds):
            word = f"watchprobe{r}x{random.randrange(10**9)}"
            start = time.perf_counter()
            (work / "corpus" / f"watch-probe-{r}.txt").write_text(
                f"Watch probe {r}\n\nA page that holds {word}.\n")
            while True:
                res = subprocess.run([BINARY, "search", "--json", word, *loc],
                                     capture_output=True, text=True)
                if res.returncode == 0 and json.loads(res.stdout)["total_hits"] > 0:
                    break
                if time.perf_counter() - start > 30:
                    raise SystemExit(f"round {r}: the page was not found in 30 s")
                time.sleep(0.01)
            seen.append(time.perf_counter() - start)
            time.sleep(1)  # the next write is a new burst, not part of this one
    finally:
        watcher.terminate()
        watcher.wait()
    return (f"**`index --watch`, {args.pages} pages: a new page found by search** "
            f"({args.rounds} rounds; `python3 scripts/bench.py watch --pages {args.pages}`)\n\n"
            f"| median | p90 | max |\n|---|---|---|\n"
            f"| {statistics.median(seen) * 1000:.0f} ms | "
            f"{sorted(seen)[int(0.9 * (len(seen) - 1))] * 1000:.0f} ms | "
            f"{max(seen) * 1000:.0f} ms |\n")


# Loopback requests never go through a proxy from the environment.
LOOPBACK = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def ensure_wrk():
    if shutil.which("wrk") is None:
        subprocess.run(["apt-get", "update", "-q"], check=True, capture_output=True)
        subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], check=True, capture_output=True)


def start_server(cmd, url_pattern):
    """Starts a server and returns (process, base URL) once it answers: the URL is the first
    group of `url_pattern` in the first stderr line that matches it (the rest of stderr is
    drained)."""
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    for line in proc.stderr:
        m = re.search(url_pattern, line)
        if m:
            threading.Thread(target=proc.stderr.read, daemon=True).start()
            url = m.group(1)
            break
    else:
        raise SystemExit(f"{cmd[0]} stopped before listening")
    for _ in range(300):
        try:
            LOOPBACK.open(url, timeout=1).read()
            return proc, url.rstrip("/")
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"{cmd[0]} did not answer at {url}")


def wrk(url, paths, connections, seconds):
    """One wrk run cycling through `paths`: requests/s, p50 and p99 in ms, errors."""
    script = BENCH / "wrk-paths.lua"
    quoted = ",\n".join(json.dumps(p) for p in paths)
    script.write_text("local paths = {\n" + quoted + "\n}\nlocal i = math.random(#paths)\n"
                      "request = function()\n  i = i % #paths + 1\n"
                      "  return wrk.format('GET', paths[i])\nend\n")
    out = subprocess.run(["wrk", "-t", str(min(2, connections)), "-c", str(connections),
                          "-d", f"{seconds}s", "--timeout", "10s", "--latency", "-s", script, url],
                         capture_output=True, text=True, check=True).stdout
    unit = {"us": 0.001, "ms": 1.0, "s": 1000.0}

    def latency(pct):
        m = re.search(rf"^\s+{pct}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        return float(m.group(1)) * unit[m.group(2)]

    errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", out))
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors += int(m.group(1)) if m else 0
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    return rps, latency(50), latency(99), errors


def checker(url, path, stop, seen):
    """Asks `path` until `stop`: every answer must be 200 and equal the first."""
    first = None
    while not stop.is_set():
        try:
            with LOOPBACK.open(url + path, timeout=10) as r:
                body, gen = r.read(), r.headers.get("x-medsearch-generation")
        except OSError as e:
            seen["errors"] += 1
            seen["last_error"] = str(e)
            continue
        first = first or body
        seen["requests"] += 1
        seen["different"] += body != first
        seen["generations"].add(gen)


def serve_load(args):
    """HTTP load on `medsearch serve`, and on Datasette + FTS5 beside it (see the module doc)."""
    build_release()
    ensure_wrk()
    _, words = bench_queries()
    src = corpus(args.pages)
    work = BENCH / f"serve-{args.pages}"
    work.mkdir(parents=True, exist_ok=True)
    loc = ["--corpus", str(src), "--index", str(work / "index")]
    subprocess.run([BINARY, "index", *loc], check=True, capture_output=True)
    paths = ["/api/search?" + urllib.parse.urlencode({"q": " ".join(w), "plain": "true"})
             for w in words]
    lines = [f"**HTTP load, {args.pages} pages** (`python3 scripts/bench.py serve --pages "
             f"{args.pages} --seconds {args.seconds}`): wrk on the same machine (its 2 threads "
             f"share the 2 cores with the server), the {len(paths)} MED and Cranfield queries "
             f"in turn, top 10 with snippets; medsearch `serve` with its defaults (2 searches "
             f"at once, the rest waiting).\n",
             "| server | connections | requests/s | p50 | p99 | errors |", "|---|---|---|---|---|---|"]
    proc, url = start_server([BINARY, "serve", "--addr", "127.0.0.1:0", *loc],
                             r"^medsearch: serving (\S+)")
    try:
        for c in (1, 16, 64):
            rps, p50, p99_, errors = wrk(url, paths, c, args.seconds)
            lines.append(f"| medsearch | {c} | {rps:.0f} | {p50:.1f} ms | {p99_:.1f} ms | {errors} |")
        stop, seen = threading.Event(), {"requests": 0, "different": 0, "errors": 0,
                                         "generations": set()}
        check = threading.Thread(target=checker, args=(url, paths[0], stop, seen))
        check.start()
        result = {}
        load = threading.Thread(target=lambda: result.update(
            zip("rpqe", wrk(url, paths, 16, args.seconds + 10))))
        load.start()
        time.sleep(2)
        t0 = time.perf_counter()
        subprocess.run([BINARY, "index", "--full", *loc], check=True, capture_output=True)
        build = time.perf_counter() - t0
        load.join()
        stop.set()
        check.join()
        lines.append(f"| medsearch, while `index --full` runs ({build:.1f} s) | 16 | "
                     f"{result['r']:.0f} | {result['p']:.1f} ms | {result['q']:.1f} ms | "
                     f"{result['e']} |")
    finally:
        proc.terminate()
        proc.wait()
    peer = datasette_load(args, words, src)
    lines += peer
    lines.append("")
    lines.append(f"During the rebuild a checker asked `{paths[0][:60]}...` {seen['requests']} times: "
                 f"{seen['errors']} failed, {seen['different']} answers differed from the first, "
                 f"answered by {len(seen['generations'])} generations (the switch happened under "
                 f"load, and no answer mixed them).")
    return "\n".join(lines) + "\n"


def datasette_load(args, words, src):
    """The same load on Datasette serving an FTS5 table of the same pages (pip install)."""
    try:
        from datasette.version import __version__ as version
    except ImportError:
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", "datasette"], check=True)
        from datasette.version import __version__ as version
    db = BENCH / f"serve-{args.pages}" / "fts5.db"
    if not db.exists():
        fts5_db(db, jsonl_rows(src.parent / "jsonl" / "corpus.jsonl"))
    proc, url = start_server([sys.executable, "-m", "datasette", "serve", db, "--port", "0",
                              "--setting", "sql_time_limit_ms", "10000",
                              "--setting", "default_page_size", "10"],
                              r"Uvicorn running on (http://\S+)")
    name = db.stem
    try:
        rows = []
        for c in (1, 16, 64):
            paths = [f"/{name}/docs.json?" + urllib.parse.urlencode(
                {"_search": " OR ".join(w), "_size": "10"}) for w in words if w]
            rps, p50, p99_, errors = wrk(url, paths, c, args.seconds)
            rows.append(f"| Datasette {version} + SQLite FTS5 | {c} | {rps:.0f} | {p50:.1f} ms | "
                        f"{p99_:.1f} ms | {errors} |")
        return rows
    finally:
        proc.terminate()
        proc.wait()


def baseline_checkout(ref):
    """A worktree of `ref` under target/baseline, built with the dist profile (and its latency
    bench), in its own target folder: (source folder, target folder, binary)."""
    src, target = ROOT / "target" / "baseline" / "src", ROOT / "target" / "baseline" / "target"
    if not src.exists():
        subprocess.run(["git", "worktree", "add", "--detach", src, ref], cwd=ROOT, check=True,
                       capture_output=True)
    subprocess.run(["git", "checkout", "--quiet", "--detach", ref], cwd=src, check=True)
    env = dict(os.environ, CARGO_TARGET_DIR=str(target))
    subprocess.run(["cargo", "build", "--profile", "dist", "--quiet"], cwd=src, env=env, check=True)
    subprocess.run(["cargo", "bench", "--no-run", "--quiet", "--bench", "latency"], cwd=src, env=env,
                   check=True, capture_output=True)
    return src, target, target / "dist" / "medsearch"


def compare(args):
    """This checkout against `args.baseline`, interleaved run by run (see the module docs)."""
    build_release()
    subprocess.run(["cargo", "bench", "--no-run", "--quiet", "--bench", "latency"], cwd=ROOT,
                   check=True, capture_output=True)
    base_src, base_target, base_bin = baseline_checkout(args.baseline)
    commit = subprocess.run(["git", "rev-parse", "--short", args.baseline], cwd=ROOT, check=True,
                            capture_output=True, text=True).stdout.strip()
    systems = {"baseline": (base_src, base_target, base_bin), "new": (ROOT, ROOT / "target", BINARY)}
    work = BENCH / "compare"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    source = corpus(args.pages)
    shutil.copytree(source, work / "corpus")
    shutil.copytree(ROOT / "corpus", work / "small")
    rows = []

    def row(name, values, unit="ms", scale=1000.0):
        b, n = statistics.median(values["baseline"]), statistics.median(values["new"])
        rows.append(f"| {name} | {b * scale:.2f} {unit} | {n * scale:.2f} {unit} | {n / b:.2f} |")

    def loc(name, small=False):
        c = work / ("small" if small else "corpus")
        return ["--corpus", str(c), "--index", str(work / f"index-{name}{'-small' if small else ''}")]

    # Full builds, interleaved; the last one leaves each system's index for what follows.
    builds = {name: [] for name in systems}
    sizes = {}
    for _ in range(args.builds):
        for name, (_, _, binary) in systems.items():
            t, rss = timed([binary, "index", "--full", *loc(name)])
            builds[name].append((t, rss))
    for name in systems:
        index = work / f"index-{name}"
        sizes[name] = sum(f.stat().st_size for f in index.rglob("*") if f.is_file()) / 1e6
        subprocess.run([systems[name][2], "index", *loc(name, True)], check=True, capture_output=True)
    row(f"full build, {args.pages} pages", {k: [t for t, _ in v] for k, v in builds.items()}, "s", 1)
    row("full build, peak RSS", {k: [m for _, m in v] for k, v in builds.items()}, "MiB", 1)
    rows.append(f"| index size | {sizes['baseline']:.1f} MB | {sizes['new']:.1f} MB | "
                f"{sizes['new'] / sizes['baseline']:.2f} |")

    # Pasted gibberish: 900 made-up words of 6 to 10 letters (every first letter), none in the
    # corpus, so each one is looked up for a typo correction.
    ensure_peers()
    fts5 = work / "fts5.db"
    fts5_db(fts5, jsonl_rows(corpus(args.pages, "jsonl") / "corpus.jsonl"))
    rng = random.Random(11)
    gibberish = " ".join("".join(rng.choice("bcdfghjklmnpqrstvwxz") + rng.choice("aeiouy")
                                 for _ in range(rng.randint(3, 5))) for _ in range(900))
    for label, query, small, plain in [
        ("CLI search, bundled page, `embolic agent`", QUERY, True, False),
        (f"CLI search, {args.pages} pages, `catheter`", "catheter", False, False),
        (f"CLI search, {args.pages} pages, `blood supply tumour`", "blood supply tumour", False, False),
        (f"CLI search, {args.pages} pages, 900 unknown words", gibberish, False, True),
    ]:
        cmds = {name: [binary, "search", *loc(name, small)] + (["--plain"] if plain else []) +
                ["--", query] for name, (_, _, binary) in systems.items()}
        if query == "catheter":
            # The sqlite3 CLI on an FTS5 table of the same text, in the same rounds.
            cmds["fts5"] = sqlite_cli(fts5, [query])
        times = interleaved(cmds, args.runs)
        row(label, times)
        if "fts5" in times:
            f, n = statistics.median(times["fts5"]), statistics.median(times["new"])
            rows.append(f"| sqlite3 CLI (FTS5), same rounds as above | | {f * 1000:.2f} ms | "
                        f"new / sqlite3: {n / f:.2f} |")

    # In-process latency: each checkout as the CLI runs it (feedback where it applies) and with
    # feedback off, so that feedback's own cost shows apart (a baseline without feedback has
    # only the first row: its searches are its "feedback off" ones too).
    queries, _ = bench_queries()
    has_feedback = {name: "FEEDBACK" in (src / LATENCY_SRC).read_text()
                    for name, (src, _, _) in systems.items()}
    latency = {(name, mode): [] for name in systems for mode in ["auto", "off"]}
    for _ in range(3):
        for name, (src, target, _) in systems.items():
            for mode in ["auto", "off"] if has_feedback[name] else ["auto"]:
                latency[(name, mode)].append(latency_command(
                    src, target, work / "corpus", work / f"index-{name}", queries, 5, mode))
    for name in systems:
        if not has_feedback[name]:
            latency[(name, "off")] = latency[(name, "auto")]
    for stat in ["p50_ms", "p99_ms"]:
        for label, mode in [("", "auto"), (", feedback off", "off")]:
            row(f"in-process top 10 with snippets, {args.pages} pages, {stat[:3]}{label}",
                {name: [r[stat] / 1000 for r in latency[(name, mode)]] for name in systems})

    unchanged = {name: [] for name in systems}
    one_page = {name: [] for name in systems}
    files = sorted((work / "corpus").rglob("*.txt"))
    for r in range(args.rebuilds):
        for name, (_, _, binary) in systems.items():
            unchanged[name].append(timed([binary, "index", *loc(name)])[0])
        touch_pages(work, [files[(r * 997) % len(files)]], r)
        for name, (_, _, binary) in systems.items():
            one_page[name].append(timed([binary, "index", *loc(name)])[0])
    row(f"index, nothing changed, {args.pages} pages", unchanged)
    row(f"index, one page changed, {args.pages} pages", one_page)

    text = "\n".join([
        f"**This checkout against {args.baseline} ({commit})**, {args.pages} pages; {machine()}; "
        f"{time.strftime('%Y-%m-%d')}; both built with `--profile dist`; medians of interleaved runs "
        f"({args.runs} per CLI search, {args.builds} builds, 3 latency benches, "
        f"{args.rebuilds} rebuilds). Command: `python3 scripts/bench.py compare --baseline "
        f"{args.baseline} --pages {args.pages}`.",
        "", "| measure | baseline | new | new / baseline |", "|---|---|---|---|", *rows, ""])
    (BENCH / "compare.md").write_text(text)
    print(text)


def main():
    global BENCHMARKS
    parser = argparse.ArgumentParser(description="Benchmarks for medsearch beside its peers.")
    common = argparse.ArgumentParser(add_help=False)
    test_collections.add_argument(common)
    sub = parser.add_subparsers(dest="what", required=True)
    p = sub.add_parser("rebuild", parents=[common])
    p.add_argument("--pages", type=int, default=10000)
    p = sub.add_parser("watch", parents=[common])
    p.add_argument("--pages", type=int, default=100000)
    p.add_argument("--rounds", type=int, default=20)
    p = sub.add_parser("latency", parents=[common])
    p.add_argument("--pages", type=int, nargs="+", default=[100000])
    p = sub.add_parser("typing", parents=[common])
    p.add_argument("--pages", type=int, default=100000)
    p.add_argument("--queries", type=int, default=20)
    p.add_argument("--rounds", type=int, default=3)
    p = sub.add_parser("all", parents=[common])
    p.add_argument("--pages", type=int, nargs="+", default=[10000, 100000])
    p.add_argument("--runs", type=int, default=30)
    p = sub.add_parser("serve", parents=[common])
    p.add_argument("--pages", type=int, default=100000)
    p.add_argument("--seconds", type=int, default=10)
    p = sub.add_parser("compare", parents=[common])
    p.add_argument("--baseline", required=True, help="git commit or branch to compare against")
    p.add_argument("--pages", type=int, default=100000)
    p.add_argument("--runs", type=int, default=20)
    p.add_argument("--builds", type=int, default=3)
    p.add_argument("--rebuilds", type=int, default=5)
    args = parser.parse_args()
    test_collections.check(args.benchmarks, "bench.py")
    BENCHMARKS = Path(args.benchmarks)
    if args.what == "compare":
        ensure_peers()
        compare(args)
    elif args.what == "serve":
        print(f"{machine()}; {time.strftime('%Y-%m-%d')}\n")
        print(serve_load(args))
    elif args.what == "watch":
        print(f"{machine()}; {time.strftime('%Y-%m-%d')}\n")
        print(watch(args))
    elif args.what == "typing":
        print(f"{machine()}; {time.strftime('%Y-%m-%d')}; `python3 scripts/bench.py typing "
              f"--pages {args.pages}`\n")
        print(typing(args))
    elif args.what == "latency":
        build_release()
        out = [f"{machine()}; {time.strftime('%Y-%m-%d')}; `python3 scripts/bench.py latency "
               f"--pages {' '.join(map(str, args.pages))}`\n"]
        latency(args, out)
        print("\n".join(out))
    elif args.what == "rebuild":
        print(f"{machine()}; {time.strftime('%Y-%m-%d')}; "
              f"`python3 scripts/bench.py rebuild --pages {args.pages}`\n")
        print(rebuild(args))
    else:
        everything(args)


if __name__ == "__main__":
    main()
