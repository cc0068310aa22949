"""Where the scripts find the classic test collections (MED, Cranfield, CISI, in the BEIR layout:
corpus.jsonl, queries.jsonl, qrels/test.tsv).

By default the copies in tests/data/beir, taken from the Glasgow IR group's test collections
(each folder's PROVENANCE.md says from where exactly, with checksums; README.md, "Ranking
quality on classic test collections", says how to get them anew). `--benchmarks DIR` points
elsewhere (../shared/benchmarks, say).
"""
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT = ROOT / "tests" / "data" / "beir"
NAMES = ["med", "cranfield", "cisi"]


def add_argument(parser):
    parser.add_argument("--benchmarks", type=Path, default=DEFAULT,
                        help="folder of the test collections in the BEIR layout "
                             "(default: tests/data/beir)")


def check(folder, script):
    """Exits with status 2 and one line naming what is missing when `folder` lacks a
    collection."""
    missing = [f"{name}/corpus.jsonl" for name in NAMES
               if not (Path(folder) / name / "corpus.jsonl").is_file()]
    if missing:
        print(f"{script}: error: no test collections at {folder} (missing {', '.join(missing)}); "
              "README.md, 'Ranking quality on classic test collections', says where they come "
              "from", file=sys.stderr)
        sys.exit(2)
