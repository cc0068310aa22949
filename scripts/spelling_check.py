#!/usr/bin/env python3
"""Measure `americanize` (src/analysis/spelling.rs) against public spelling lists.

1. Agreement: the British/American spelling pairs of the PyPI package `breame` (Apache-2.0;
   both of its tables, British -> American and American -> British, merged into one set of
   pairs). A pair counts when americanize(uk) == americanize(us): both spellings meet.
2. Look-alikes: the words of the Debian word lists `wamerican-large` and `wbritish-large`
   (SCOWL). A word of the American list that the rules change, and that is not a British
   spelling of the pairs, is a false positive. Words only in the British list are counted
   too: how many of them the rules bring to a word of the American list.

The Rust side is two `#[ignore]` unit tests in spelling.rs, run through
`cargo test --lib spelling -- --ignored` with MEDSEARCH_SPELLING_PAIRS and
MEDSEARCH_SPELLING_WORDS pointing to the files this script writes. Python 3 standard library
only; `pip download` and `apt-get download` fetch into a temporary folder, nothing is
installed.

    python3 scripts/spelling_check.py [--pairs FILE.tsv] [--words FILE ...] [--show N]
"""

import argparse
import ast
import glob
import os
import re
import subprocess
import sys
import tarfile
import tempfile
import zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WORD = re.compile(r"^[a-z]+$")


def breame_pairs(tmp):
    """(uk, us) pairs from breame's spelling_constants.py, both tables merged."""
    dest = os.path.join(tmp, "breame")
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "breame", "-d", dest],
        check=True,
    )
    (archive,) = glob.glob(os.path.join(dest, "breame-*"))
    if archive.endswith((".whl", ".zip")):
        with zipfile.ZipFile(archive) as z:
            name = next(n for n in z.namelist() if n.endswith("data/spelling_constants.py"))
            source = z.read(name).decode()
    else:
        with tarfile.open(archive) as t:
            member = next(m for m in t.getmembers() if m.name.endswith("data/spelling_constants.py"))
            source = t.extractfile(member).read().decode()
    tables = {}
    for node in ast.parse(source).body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Dict):
            tables[node.targets[0].id] = ast.literal_eval(node.value)
    pairs = set(tables["BRITISH_ENGLISH_SPELLINGS"].items())
    pairs |= {(uk, us) for us, uk in tables["AMERICAN_ENGLISH_SPELLINGS"].items()}
    version = os.path.basename(archive)
    return sorted(pairs), version


def read_pairs(path):
    pairs = []
    with open(path) as f:
        for line in f:
            if line.strip() and not line.startswith("#"):
                uk, us = line.rstrip("\n").split("\t")[:2]
                pairs.append((uk.strip(), us.strip()))
    return pairs


def word_lists(tmp):
    """(american, british) word-list files: installed ones, else the Debian packages."""
    found = []
    for name in ("american-english-large", "british-english-large"):
        path = os.path.join("/usr/share/dict", name)
        found.append(path if os.path.exists(path) else None)
    if all(found):
        return found
    dest = os.path.join(tmp, "dict")
    os.makedirs(dest, exist_ok=True)
    subprocess.run(
        ["apt-get", "download", "-qq", "wamerican-large", "wbritish-large"],
        cwd=dest,
        check=True,
        stderr=subprocess.DEVNULL,
    )
    for deb in glob.glob(os.path.join(dest, "*.deb")):
        subprocess.run(["dpkg-deb", "-x", deb, os.path.join(dest, "x")], check=True)
    base = os.path.join(dest, "x/usr/share/dict")
    return [os.path.join(base, "american-english-large"), os.path.join(base, "british-english-large")]


def read_words(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        words = {w.strip().lower() for w in f}
    return {w for w in words if WORD.match(w)}


def run_rust(crate, env_extra):
    env = dict(os.environ, **env_extra)
    cmd = ["cargo", "test", "--lib", "spelling", "--", "--ignored", "--nocapture", "--test-threads", "1"]
    proc = subprocess.run(cmd, cwd=crate, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout[-5000:] + proc.stderr[-5000:])
        sys.exit("cargo test failed")
    return proc.stdout


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pairs", help="TSV of British<TAB>American pairs instead of breame's")
    ap.add_argument("--words", nargs=2, metavar=("AMERICAN", "BRITISH"), help="word lists to use")
    ap.add_argument("--crate", default=ROOT, help="the crate to test (default: this repository)")
    ap.add_argument("--show", type=int, default=40, help="how many misses and false positives to list")
    args = ap.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        if args.pairs:
            pairs, source = read_pairs(args.pairs), args.pairs
        else:
            pairs, source = breame_pairs(tmp)
        american_file, british_file = args.words or word_lists(tmp)
        american, british = read_words(american_file), read_words(british_file)
        british_only = british - american
        uk_pairs = {uk for uk, _ in pairs}

        pairs_tsv = os.path.join(tmp, "pairs.tsv")
        with open(pairs_tsv, "w") as f:
            f.writelines(f"{uk}\t{us}\n" for uk, us in pairs)
        words_txt = os.path.join(tmp, "words.txt")
        with open(words_txt, "w") as f:
            f.writelines(f"{w}\n" for w in sorted(american | british))
        out = run_rust(args.crate, {"MEDSEARCH_SPELLING_PAIRS": pairs_tsv, "MEDSEARCH_SPELLING_WORDS": words_txt})

    misses, changed = [], {}
    for line in out.splitlines():
        if line.startswith("spelling-miss\t"):
            misses.append(line.split("\t")[1:])
        elif line.startswith("spelling-change\t"):
            _, word, us = line.split("\t")
            changed[word] = us

    met = len(pairs) - len(misses)
    print(f"pairs: {source}, {len(pairs)} distinct British/American pairs (both tables)")
    print(f"agreement: {met}/{len(pairs)} = {100 * met / len(pairs):.1f}% (americanize(uk) == americanize(us))")
    for uk, us, a, b in misses[: args.show]:
        print(f"  miss  {uk} -> {a}   {us} -> {b}")
    if len(misses) > args.show:
        print(f"  ... {len(misses) - args.show} more")

    false_pos = sorted(w for w in changed if w in american and w not in uk_pairs)
    print(
        f"\nword lists: {os.path.basename(american_file)} ({len(american)} words), "
        f"{os.path.basename(british_file)} ({len(british)} words)"
    )
    print(f"changed by the rules: {len(changed)} words")
    print(f"false positives (in the American list, not a British spelling of the pairs): {len(false_pos)}")
    for w in false_pos[: args.show]:
        print(f"  fp    {w} -> {changed[w]}")
    if len(false_pos) > args.show:
        print(f"  ... {len(false_pos) - args.show} more")
    collide = [w for w in false_pos if changed[w] in american]
    print(f"  of which the result is in the American list too (mostly variants both lists hold): {len(collide)}")
    for w in collide[: args.show]:
        print(f"  clash {w} -> {changed[w]}")
    reached = sorted(w for w in british_only if changed.get(w) in american)
    print(
        f"British-only words ({len(british_only)}) brought to a word of the American list: "
        f"{len(reached)} ({100 * len(reached) / max(1, len(british_only)):.1f}%)"
    )


if __name__ == "__main__":
    main()
