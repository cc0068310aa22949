#!/usr/bin/env python3
"""Deterministic scale corpus: N pages in the layout of the bundled page, and the same pages
as JSONL, made from the bundled page and the abstracts of the classic test collections
(tests/data/beir, or --benchmarks DIR).

    python3 scripts/gen_corpus.py --pages 10000 --out target/bench/corpus-10k [--seed 7]

Writes OUT/txt/NNN/NNNNNN-slug.txt (1,000 pages per folder) and OUT/jsonl/corpus.jsonl (one
document per page: _id, title, text), and prints the size in MB. Each page has a title, a
`Last medical review:` line, a lead, 2 to 4 sections (some with question headings, some with
bullet lists), a references section with a reviewer and 1 to 3 references, and the material's
last line; about 1 kB of text a page. Page ids are fresh (`p000001`...), so pages never collide with the source ids.
"""
import argparse
import json
import random
import re
from pathlib import Path

import test_collections

ROOT = Path(__file__).resolve().parent.parent


def sources(benchmarks):
    abstracts = []
    for name in ["med", "cranfield", "cisi"]:
        path = Path(benchmarks) / name / "corpus.jsonl"
        if path.exists():
            for line in path.open(encoding="utf-8"):
                doc = json.loads(line)
                text = " ".join(doc["text"].split())
                if len(text) > 80:
                    abstracts.append((doc.get("title") or "", text))
    material = (ROOT / "corpus" / "liver-directed-therapy-for-neuroendocrine-cancer.txt").read_text()
    blocks = [b.strip() for b in material.split("\n\n") if b.strip()]
    references = [l.strip().lstrip("•").strip() for l in material.splitlines()
                  if l.strip().startswith("•") and re.search(r"(19|20)\d\d", l)]
    footer = material.strip().splitlines()[-1]
    paragraphs = [b for b in blocks if len(b) > 120 and not b.startswith("•")]
    return abstracts, paragraphs, references, footer


def sentence_case(text):
    text = text.strip().rstrip(".")
    return text[:1].upper() + text[1:]


def slug(text):
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60] or "page"


QUESTIONS = ["How is {} treated?", "What causes {}?", "Who is at risk of {}?",
             "How is {} diagnosed?", "What are the side effects of {}?"]
HEADINGS = ["Treatment options", "Side effects", "Diagnosis", "Living with the condition",
            "Risk factors", "Follow-up care", "Clinical trials", "Questions to ask your doctor"]
REVIEWERS = ["Jane Doe, MD, FRCPC", "Sam Lee, RN, MSc", "Ana Ruiz, PhD", "Omar Haddad, MD"]


def sentences(text):
    return [x.strip(" .") for x in re.split(r"\s*\.\s+", text) if len(x.strip()) > 15]


def make_page(i, rng, abstracts, paragraphs, references, footer):
    title_src, lead = rng.choice(abstracts)
    words = (title_src or lead).split()
    title = sentence_case(" ".join(words[: rng.randint(4, 9)]))
    topic = " ".join(lead.split()[1:4]).strip(" ,.;:")
    lead = ". ".join(sentence_case(x) for x in sentences(lead)[:2]) + "."
    lines = [title, "", f"Last medical review: {rng.randint(2018, 2025)}", "", lead, ""]
    for s in range(rng.randint(2, 4)):
        heading = rng.choice(QUESTIONS).format(topic) if s % 2 else rng.choice(HEADINGS)
        lines += [heading, ""]
        source = rng.random()
        if source < 0.15:
            lines += [rng.choice(paragraphs), ""]
        elif source < 0.4:
            items = sentences(rng.choice(abstracts)[1])[: rng.randint(2, 4)]
            lines += ["You may have:", ""] + [f"  • {x[:90]}" for x in items] + [""]
        else:
            picked = sentences(rng.choice(abstracts)[1])[: rng.randint(1, 2)]
            lines += [". ".join(sentence_case(x) for x in picked) + ".", ""]
    lines += ["Expert review and references", "", f"  • {rng.choice(REVIEWERS)}"]
    for ref in rng.sample(references, rng.randint(1, 3)):
        lines.append("  • " + re.sub(r"\b20\d\d\b", str(rng.randint(2000, 2025)), ref, count=1))
    lines += ["", footer, ""]
    return title, "\n".join(lines)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", type=int, required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--seed", type=int, default=7)
    test_collections.add_argument(parser)
    args = parser.parse_args()
    test_collections.check(args.benchmarks, "gen_corpus.py")
    rng = random.Random(args.seed)
    abstracts, paragraphs, references, footer = sources(args.benchmarks)
    out = Path(args.out)
    (out / "jsonl").mkdir(parents=True, exist_ok=True)
    size = 0
    with (out / "jsonl" / "corpus.jsonl").open("w", encoding="utf-8") as jsonl:
        for i in range(1, args.pages + 1):
            title, text = make_page(i, rng, abstracts, paragraphs, references, footer)
            folder = out / "txt" / f"{i // 1000:03d}"
            folder.mkdir(parents=True, exist_ok=True)
            (folder / f"p{i:06d}-{slug(title)}.txt").write_text(text, encoding="utf-8")
            jsonl.write(json.dumps({"_id": f"p{i:06d}", "title": title, "text": text}) + "\n")
            size += len(text.encode("utf-8"))
    print(f"{args.pages} pages, {size / 1e6:.1f} MB of text in {out}")


if __name__ == "__main__":
    main()
