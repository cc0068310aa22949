#!/usr/bin/env python3
"""HTML sites made from the classic test collections, and medsearch beside Pagefind on them.

    python3 scripts/site.py quality            # ranking and chrome: HTML vs Markdown vs Pagefind
    python3 scripts/site.py scale [--pages 10000 100000]   # build time, memory, index size
    python3 scripts/site.py measure            # repeated paragraphs: the chrome threshold
    python3 scripts/site.py all                # the three; writes target/bench/site.md

The site: each abstract is a section (`<h2 id="dID">` with its first words as the heading, the
abstract as a paragraph), four to a page, pages in nested folders (`topic-N/part-M/page-K.html`),
every page wrapped in a site's chrome: a skip link, a cookie banner (a plain `<div>`, as many
sites have it), a header with the navigation, breadcrumbs, a "related pages" aside, a footer
with a medical disclaimer and an analytics script; every seventh page has no `<main>`, every
fifth is `windows-1252` (declared), every third leaves its `</p>` and `</section>` tags out.
The chrome carries words found nowhere else (`navzeta`, `cookiezeta`...): a search for them
should find nothing. The same pages are also written as Markdown without any chrome, and the
judgments are mapped to `page#anchor` for both.

Ranking is measured with the collections' queries as they are (sentences) and as two-word
keyword queries (the two rarest words of each query that occur in the collection): Pagefind
requires every word of a query, so the first form is unfair to a tool built for short queries.
Pagefind (npm `pagefind`, its binary) indexes the site; its own `pagefind.js` runs every query
in headless Chromium (Selenium, pip; chromium and chromium-driver, apt), its results' sub-results
(sections, by heading id) in order are its ranking. nDCG@10 and MRR@10 are computed here, by one
function, from each system's ranked `page#anchor` lists (medsearch's own `eval` figures agree; the
script checks).
"""
import argparse
import datetime
import html
import json
import math
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import test_collections

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "target" / "bench" / "site"
BINARY = ROOT / "target" / "dist" / "medsearch"
PAGEFIND_VERSION = "1.4.0"
PAGEFIND = BENCH / "npm" / "node_modules" / ".bin" / "pagefind"
PER_PAGE = 4
CHROME_WORDS = ["skipzeta", "cookiezeta", "navzeta", "crumbzeta", "asidezeta", "footerzeta",
                "scriptzeta"]
STOP = set("""a an and are as at be by for from has have in is it its of on or that the this to
was were which with what how does do can are there their any between after during into about
not other than these those some such""".split())


def read_jsonl(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def read_qrels(path):
    qrels = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            parts = line.split()
            if len(parts) != 3 or parts[0] == "query-id":
                continue
            q, d, rel = parts
            if int(rel) > 0:
                qrels.setdefault(q, {})[d] = int(rel)
    return qrels


def heading_of(doc):
    words = (doc.get("title") or doc["text"]).split()
    return " ".join(words[:10])


def page_path(j):
    return f"topic-{j % 7}/part-{(j // 7) % 3}/page-{j}"


def html_page(j, docs):
    main = j % 7 != 3
    cp1252 = j % 5 == 1
    unclosed = j % 3 == 2
    close_p, close_s = ("", "") if unclosed else ("</p>", "</section>")
    sections = "\n".join(
        f'<section><h2 id="d{d["_id"]}">{html.escape(heading_of(d))}</h2>\n'
        f'<p>{html.escape(d["text"])}{close_p}{close_s}' for d in docs)
    content = (f'<h1>Library page {j}</h1>\n<p class="lead">Abstracts from the collection, '
               f'page {j}.</p>\n{sections}')
    content = f'<main id="content">\n{content}\n</main>' if main else f'<div class="content">\n{content}\n</div>'
    charset = "windows-1252" if cp1252 else "utf-8"
    text = f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="{charset}">
<title>Library page {j} | Example Health Library</title>
<link rel="stylesheet" href="/style.css">
</head>
<body>
<a class="skip-link" href="#content">Skip to main content skipzeta</a>
<div class="cookie-banner"><p>We use cookies cookiezeta to understand how you use this website.
Accept all cookies or manage your settings.</p><button>Accept</button></div>
<header class="site"><div class="logo">Example Health Library</div>
<nav><ul><li><a href="/">Home navzeta</a></li><li><a href="/topic-0/">Topics</a></li>
<li><a href="/about/">About us</a></li><li><a href="/donate/">Donate</a></li></ul></nav></header>
<nav class="breadcrumbs"><a href="/">Home</a> &rsaquo; crumbzeta &rsaquo; Page {j}</nav>
{content}
<aside><h2>Related pages</h2><ul><li><a href="/topic-1/">More on this topic asidezeta</a></li></ul></aside>
<footer><h2>Medical disclaimer</h2><p>The information footerzeta in this library does not
replace advice from your own doctor or care team.</p><p>&copy; 2026 Example Health Library</p></footer>
<script>window.analytics = {{ id: "scriptzeta", page: {j} }}; if (1 < 2 && 3 > 2) {{}}</script>
</body>
</html>
"""
    return text.encode(charset, errors="xmlcharrefreplace")


def md_page(j, docs):
    """The page as Markdown without chrome, and the line of each section's heading."""
    lines = [f"# Library page {j}", "", f"Abstracts from the collection, page {j}.", ""]
    at = {}
    for d in docs:
        at[d["_id"]] = len(lines) + 1
        lines += [f"## {heading_of(d)}", "", d["text"], ""]
    return "\n".join(lines), at


def write_sites(docs, out, formats=("html", "md")):
    """Writes the pages; returns, per format, {doc id: page path} and for Markdown the heading
    lines."""
    if out.exists():
        shutil.rmtree(out)
    places, lines = {}, {}
    for j in range(0, math.ceil(len(docs) / PER_PAGE)):
        group = docs[j * PER_PAGE:(j + 1) * PER_PAGE]
        path = page_path(j)
        for d in group:
            places[d["_id"]] = path
        if "html" in formats:
            target = out / "html" / f"{path}.html"
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(html_page(j, group))
        if "md" in formats:
            target = out / "md" / f"{path}.md"
            target.parent.mkdir(parents=True, exist_ok=True)
            text, at = md_page(j, group)
            target.write_text(text, encoding="utf-8")
            lines.update({d: (path, line) for d, line in at.items()})
    return places, lines


def build_medsearch():
    subprocess.run(["cargo", "build", "--profile", "dist", "--quiet"], cwd=ROOT, check=True)


def ensure_pagefind():
    if not PAGEFIND.exists():
        (BENCH / "npm").mkdir(parents=True, exist_ok=True)
        subprocess.run(["npm", "install", "--silent", f"pagefind@{PAGEFIND_VERSION}"],
                       cwd=BENCH / "npm", check=True)
    try:
        import selenium  # noqa: F401
    except ImportError:
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", "selenium"], check=True)
    for tool in ["/usr/bin/chromium", "/usr/bin/chromedriver"]:
        if not Path(tool).exists():
            subprocess.run(["sudo", "-n", "apt-get", "install", "-y", "-q", "chromium",
                            "chromium-driver"], check=True)
            break


def timed(cmd, cwd=None):
    """Wall seconds and peak RSS (MiB) of one process (GNU time)."""
    with tempfile.NamedTemporaryFile("r") as report:
        start = time.perf_counter()
        res = subprocess.run(["/usr/bin/time", "-o", report.name, "-f", "%M"] + [str(c) for c in cmd],
                             cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        elapsed = time.perf_counter() - start
        if res.returncode != 0:
            raise SystemExit(f"{cmd} failed: {res.stderr.decode()[-2000:]}")
        return elapsed, int(report.read().split()[-1]) / 1024


def size_of(folder):
    return sum(p.stat().st_size for p in Path(folder).rglob("*") if p.is_file())


def ndcg_mrr(ranked, judged, k=10):
    gains = [judged.get(d, 0) for d in ranked[:k]]
    dcg = sum(g / math.log2(i + 2) for i, g in enumerate(gains))
    ideal = sorted(judged.values(), reverse=True)[:k]
    idcg = sum(g / math.log2(i + 2) for i, g in enumerate(ideal))
    rr = next((1 / (i + 1) for i, g in enumerate(gains) if g > 0), 0.0)
    return (dcg / idcg if idcg else 0.0), rr


def mean_metrics(runs, qrels):
    scores = [ndcg_mrr(runs.get(q, []), judged) for q, judged in qrels.items()]
    return (statistics.mean(s[0] for s in scores), statistics.mean(s[1] for s in scores))


def keyword_queries(queries, docs):
    """Each query's two rarest words (by document frequency) that the collection holds."""
    df = {}
    for d in docs:
        for w in set(re.findall(r"[a-z0-9]+", d["text"].lower())):
            df[w] = df.get(w, 0) + 1
    out = {}
    for q, text in queries.items():
        words = [w for w in dict.fromkeys(re.findall(r"[a-z0-9]+", text.lower()))
                 if w not in STOP and len(w) > 2 and w in df]
        words.sort(key=lambda w: df[w])
        out[q] = " ".join(words[:2])
    return out


def medsearch_runs(site, work, queries, qrels_ids):
    """medsearch's ranking of every query over `site`: {qid: [page#anchor...]}, and its own
    eval figures."""
    loc = ["--corpus", str(site), "--index", str(work / "index")]
    subprocess.run([BINARY, "index", "--full", *loc], check=True, capture_output=True)
    qfile, qrels_file, run_file = work / "q.tsv", work / "qrels.txt", work / "run.txt"
    qfile.write_text("".join(f"{q}\t{t}\n" for q, t in queries.items()), encoding="utf-8")
    qrels_file.write_text("".join(f"{q} 0 {d} {r}\n" for q, judged in qrels_ids.items()
                                  for d, r in judged.items()), encoding="utf-8")
    out = subprocess.run([BINARY, "eval", "--plain", "--json", "--queries", qfile, "--qrels",
                          qrels_file, "--run", run_file, "--depth", "100", *loc],
                         check=True, capture_output=True, text=True)
    runs = {}
    for line in run_file.read_text(encoding="utf-8").splitlines():
        q, _, doc, rank, _score, _tag = line.split()
        runs.setdefault(q, []).append(doc)
    return runs, json.loads(out.stdout)["metrics"], loc


def markdown_anchors(loc):
    """(page, line) → anchor of every record of the Markdown site."""
    out = subprocess.run([BINARY, "export", *loc], check=True, capture_output=True, text=True)
    anchors = {}
    for line in out.stdout.splitlines():
        r = json.loads(line)
        anchors[(r["doc"], r["line"])] = r["anchor"]
    return anchors


class Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def pagefind_runs(site, queries):
    """Pagefind's ranking of every query over `site` (already indexed into `site/_pagefind`),
    run by pagefind.js in headless Chromium: {qid: [page#anchor...]} (the sub-results of its
    first ten pages), the median ms per query, and {qid: pages found}."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(Quiet, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    (site / "_bench.html").write_text("<!DOCTYPE html><title>bench</title><p>bench</p>")
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"]:
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    try:
        driver.set_script_timeout(3600)
        driver.get(f"http://127.0.0.1:{server.server_address[1]}/_bench.html")
        result = driver.execute_async_script("""
            const [queries, done] = arguments;
            (async () => {
              const pf = await import('/_pagefind/pagefind.js');
              await pf.options({ excerptLength: 0 });
              await pf.search('warm');
              const out = {}, times = [], totals = {};
              for (const [id, q] of queries) {
                const t0 = performance.now();
                const r = await pf.search(q);
                const data = await Promise.all(r.results.slice(0, 10).map(x => x.data()));
                times.push(performance.now() - t0);
                totals[id] = r.results.length;
                out[id] = [];
                for (const d of data) for (const s of d.sub_results) out[id].push(s.url);
              }
              return { out, times, totals };
            })().then(done, e => done({ error: String(e) }));
        """, list(queries.items()))
    finally:
        driver.quit()
        server.shutdown()
    if "error" in result:
        raise SystemExit(f"pagefind.js failed: {result['error']}")
    runs = {}
    for q, urls in result["out"].items():
        ranked = []
        for url in urls:
            path, _, anchor = url.partition("#")
            path = path.strip("/").removesuffix(".html")
            ranked.append(f"{path}#{anchor}" if anchor else path)
        runs[q] = ranked
    return runs, statistics.median(result["times"]), result["totals"]


def pagefind_counts(site, words):
    """How many pages Pagefind finds for each word."""
    return pagefind_runs(site, {w: w for w in words})[2]


def quality(args, out):
    ensure_pagefind()
    lines = ["## HTML sites: medsearch beside Pagefind", "",
             f"Measured {datetime.date.today()} on {platform.machine()} ({os.cpu_count()} cores); "
             f"medsearch built with `--profile dist`; Pagefind {PAGEFIND_VERSION} (npm), queried "
             "through its own `pagefind.js` in headless Chromium; `python3 scripts/site.py "
             "quality`. Sites: the collections' abstracts, four sections to a page, in the chrome "
             "described in the script; the Markdown site holds the same pages without chrome.", "",
             "| collection | queries | medsearch HTML nDCG@10 | MRR@10 | medsearch Markdown nDCG@10 "
             "| MRR@10 | HTML / Markdown | Pagefind nDCG@10 | MRR@10 | Pagefind ms/query |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    chrome_rows = []
    for name in test_collections.NAMES:
        coll = Path(args.benchmarks) / name
        docs = read_jsonl(coll / "corpus.jsonl")
        queries = {q["_id"]: q["text"] for q in read_jsonl(coll / "queries.jsonl")}
        qrels = read_qrels(coll / "qrels" / "test.tsv")
        qrels = {q: j for q, j in qrels.items() if q in queries}
        work = BENCH / name
        places, md_lines = write_sites(docs, work / "sites")
        html_site, md_site = work / "sites" / "html", work / "sites" / "md"
        html_qrels = {q: {f"{places[d]}#d{d}": r for d, r in j.items() if d in places}
                      for q, j in qrels.items()}
        (work / "md-index").mkdir(parents=True, exist_ok=True)
        md_loc = ["--corpus", str(md_site), "--index", str(work / "md-index" / "index")]
        subprocess.run([BINARY, "index", "--full", *md_loc], check=True, capture_output=True)
        anchors = markdown_anchors(md_loc)
        md_qrels = {q: {f"{md_lines[d][0]}#{anchors[md_lines[d]]}": r for d, r in j.items()
                        if d in md_lines} for q, j in qrels.items()}
        timed([PAGEFIND, "--site", html_site, "--output-subdir", "_pagefind", "--quiet"])
        for form, qs in [("sentences", queries), ("two rarest words", keyword_queries(queries, docs))]:
            row = {}
            for system, site, judged in [("html", html_site, html_qrels), ("md", md_site, md_qrels)]:
                w = work / f"{system}-{form[:3]}"
                w.mkdir(parents=True, exist_ok=True)
                runs, own, loc = medsearch_runs(site, w, qs, judged)
                row[system] = mean_metrics(runs, judged)
                assert abs(row[system][0] - own["ndcg"]) < 1e-3, (name, form, system, row, own)
                if system == "html" and form == "sentences":
                    chrome_rows.append((name, {
                        word: json.loads(subprocess.run(
                            [BINARY, "search", "--json", word, *loc], capture_output=True,
                            text=True).stdout)["total_hits"] for word in CHROME_WORDS}))
            runs, ms, _ = pagefind_runs(html_site, qs)
            row["pagefind"] = mean_metrics(runs, html_qrels)
            ratio = row["html"][0] / row["md"][0] if row["md"][0] else float("nan")
            lines.append(
                f"| {name} | {form} | {row['html'][0]:.4f} | {row['html'][1]:.4f} | "
                f"{row['md'][0]:.4f} | {row['md'][1]:.4f} | {ratio:.3f} | "
                f"{row['pagefind'][0]:.4f} | {row['pagefind'][1]:.4f} | {ms:.1f} |")
            print(lines[-1], flush=True)
        counts = pagefind_counts(html_site, CHROME_WORDS)
        chrome_rows[-1] = (name, chrome_rows[-1][1], counts, len(list(html_site.rglob("*.html"))) - 1)
    lines += ["", "Words found only in the chrome (records medsearch returns; pages Pagefind "
              "returns):", "", "| collection | pages | " + " | ".join(CHROME_WORDS) + " |",
              "|---|---|" + "---|" * len(CHROME_WORDS)]
    for name, ours, theirs, pages in chrome_rows:
        cells = " | ".join(f"{ours[w]} / {theirs[w]}" for w in CHROME_WORDS)
        lines.append(f"| {name} | {pages} | {cells} |")
    out.extend(lines + [""])


def scale_docs(args, n):
    """`n` abstracts from the three collections, repeated with fresh ids."""
    pool = [d for name in test_collections.NAMES
            for d in read_jsonl(Path(args.benchmarks) / name / "corpus.jsonl")]
    return [{"_id": f"{i}", "title": "", "text": pool[i % len(pool)]["text"]} for i in range(n)]


def scale(args, out):
    ensure_pagefind()
    lines = ["## HTML sites at scale: build time, memory, size", "",
             f"Measured {datetime.date.today()} on {platform.machine()} ({os.cpu_count()} cores); "
             f"`python3 scripts/site.py scale --pages {' '.join(map(str, args.pages))}`: the site "
             "above (chrome, nested folders, windows-1252 and unclosed pages) from the three "
             f"collections' abstracts repeated with fresh ids, {PER_PAGE} sections a page. A full "
             "build from nothing, one run each.", "",
             "| pages | system | build | peak RSS | index size | site size |", "|---|---|---|---|---|---|"]
    for pages in args.pages:
        work = BENCH / f"scale-{pages}"
        write_sites(scale_docs(args, pages * PER_PAGE), work / "sites", formats=("html",))
        site = work / "sites" / "html"
        site_mb = size_of(site) / 1e6
        index = work / "index"
        shutil.rmtree(index, ignore_errors=True)
        ms_time, ms_rss = timed([BINARY, "index", "--full", "--corpus", site, "--index", index])
        ms_size = size_of(index) / 1e6
        shutil.rmtree(site / "_pagefind", ignore_errors=True)
        pf_time, pf_rss = timed([PAGEFIND, "--site", site, "--output-subdir", "_pagefind", "--quiet"])
        pf_size = size_of(site / "_pagefind") / 1e6
        for system, t, rss, size in [("medsearch", ms_time, ms_rss, ms_size),
                                     ("Pagefind", pf_time, pf_rss, pf_size)]:
            lines.append(f"| {pages} | {system} | {t:.1f} s | {rss:.0f} MiB | {size:.1f} MB | "
                         f"{site_mb:.0f} MB |")
            print(lines[-1], flush=True)
        shutil.rmtree(work)
    out.extend(lines + [""])


def measure(args, out):
    """How many paragraphs of four words or more repeat on two, three... files of a site with no
    chrome: the collections' abstracts written as pages."""
    lines = ["## Site chrome: the threshold", "",
             "Paragraphs (of four words or more) held by several files of the Markdown sites "
             "above, which have no chrome (`python3 scripts/site.py measure`), and of the HTML "
             "sites with theirs, as `medsearch status` counts what it sets aside:", "",
             "| collection | pages | units on 2 files | on 3+ files | chrome set aside (HTML) |",
             "|---|---|---|---|---|"]
    for name in test_collections.NAMES:
        docs = read_jsonl(Path(args.benchmarks) / name / "corpus.jsonl")
        holders = {}
        for j in range(0, math.ceil(len(docs) / PER_PAGE)):
            for d in docs[j * PER_PAGE:(j + 1) * PER_PAGE]:
                words = re.findall(r"\w+", d["text"].lower())
                if len(words) >= 4:
                    holders.setdefault(" ".join(words), set()).add(j)
        two = sum(1 for h in holders.values() if len(h) == 2)
        three = sum(1 for h in holders.values() if len(h) >= 3)
        work = BENCH / f"measure-{name}"
        write_sites(docs, work / "sites", formats=("html",))
        loc = ["--corpus", str(work / "sites" / "html"), "--index", str(work / "index")]
        subprocess.run([BINARY, "index", "--full", *loc], check=True, capture_output=True)
        status = json.loads(subprocess.run([BINARY, "status", "--json", *loc], check=True,
                                           capture_output=True, text=True).stdout)
        chrome = status.get("chrome") or {"blocks": 0, "copies": 0}
        pages = math.ceil(len(docs) / PER_PAGE)
        lines.append(f"| {name} | {pages} | {two} | {three} | {chrome['blocks']} blocks, "
                     f"{chrome['copies']} copies |")
        print(lines[-1], flush=True)
        shutil.rmtree(work)
    out.extend(lines + [""])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("what", choices=["quality", "scale", "measure", "all"])
    parser.add_argument("--pages", type=int, nargs="+", default=[10000, 100000])
    test_collections.add_argument(parser)
    args = parser.parse_args()
    test_collections.check(args.benchmarks, "site.py")
    build_medsearch()
    BENCH.mkdir(parents=True, exist_ok=True)
    out = []
    for step in ["measure", "quality", "scale"]:
        if args.what in (step, "all"):
            globals()[step](args, out)
    (BENCH / "site.md").write_text("\n".join(out), encoding="utf-8")
    print(f"wrote {BENCH / 'site.md'}")


if __name__ == "__main__":
    main()
