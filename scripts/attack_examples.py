"""Build the mapper's packaged examples from labelled ATT&CK text corpora: run by hand.

    .venv/bin/python scripts/attack_examples.py --corpora ../shared/data/attack-text

Reads the corpora whose licences allow redistribution inside an Apache-2.0 package
(Splunk security_content: Apache-2.0; SigmaHQ: DRL 1.1, which asks for each rule's author
and a link to it, both kept; TRAM: Apache-2.0 with ATT&CK's terms of use) and writes one
gzipped JSONL file per corpus into ``src/socpilot/attack/labelled``. Elastic's rules are
left out: the Elastic License 2.0 would bind whoever ships socpilot.

Each example keeps its id, title, text, attribution and its techniques in ATT&CK v18.1
(``techniques_v18`` of the corpus); ids not active in v18.1 are dropped, and a record left
with none is skipped. Output is sorted by id and written without timestamps, so a rebuild
from the same input is byte-identical.
"""

import argparse
import gzip
import io
from pathlib import Path

import orjson

from socpilot.attack.knowledge import load

CORPORA = {"splunk-detections": "splunk", "sigma-titles": "sigma", "tram": "tram"}
OUT = Path(__file__).resolve().parents[1] / "src" / "socpilot" / "attack" / "labelled"


def examples(path: Path) -> list[dict[str, object]]:
    kb = load()
    out = []
    for line in path.read_bytes().splitlines():
        if not line.strip():
            continue
        row = orjson.loads(line)
        labels = (kb.to_v18(t) for t in row.get("techniques_v18") or row.get("techniques") or [])
        techniques = [t for t in labels if kb.is_active(t)]
        text = f"{row.get('name') or ''} {row.get('description') or ''}".strip()
        if not techniques or not text:
            continue
        author = row.get("author")
        out.append({"id": row["id"], "name": row.get("name") or "", "description": row.get("description") or "",
                    "techniques": list(dict.fromkeys(techniques)),
                    "author": ", ".join(author) if isinstance(author, list) else author,
                    "url": row.get("rule_url"), "source": row.get("source"), "path": row.get("path")})
    return sorted(out, key=lambda e: str(e["id"]))


def write(rows: list[dict[str, object]], target: Path) -> None:
    buffer = io.BytesIO()
    with gzip.GzipFile(fileobj=buffer, mode="wb", mtime=0, filename="") as handle:
        for row in rows:
            handle.write(orjson.dumps({k: v for k, v in row.items() if v}) + b"\n")
    target.write_bytes(buffer.getvalue())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpora", type=Path, required=True, help="folder with the attack-text JSONL files")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    for corpus, name in CORPORA.items():
        rows = examples(args.corpora / f"{corpus}.jsonl")
        write(rows, OUT / f"{name}.jsonl.gz")
        print(f"{name}: {len(rows)} examples")


if __name__ == "__main__":
    main()
