"""Same verdicts as another revision: the check every speed change of the analyser must pass.

Run from the repository root::

    python benchmarks/text_same.py                  # against where this branch left main
    python benchmarks/text_same.py --against HEAD~3 # against any git revision
    python benchmarks/text_same.py --dump out.jsonl # only write this tree's answers

Why: an optimisation of the text analyser (prefilters, a faster parse, a cheaper cache key)
must not change a single verdict, evidence string, confidence or kind, nor what
``parse_document`` and ``detect_language`` return (plugin rules use both). The tests check
behaviour case by case; this compares *everything* on a large and varied set: the written
evaluation and real-shape cases, every string literal of the text tests, the real-issue
corpus bodies when a session has rebuilt them (``.corpus/bodies.jsonl``,
``/work/corpus-backup/*.jsonl``), the throughput benchmark's generated descriptions, and
mechanical variants of all of them (CRLF, upper case, headings, lists, fences, comments,
truncations, joins), under several ``[text]`` settings. The other revision's
``trackerguard`` package is extracted with ``git archive`` and run in a subprocess over the
same inputs, so the cue files must be the same on both sides (rebase first).
"""

from __future__ import annotations

import argparse
import ast
import hashlib
import json
import os
import random
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CORPUS_FILES = (
    ROOT / ".corpus" / "bodies.jsonl",
    *sorted(Path("/work/corpus-backup").glob("*.jsonl")),
)


def _yaml_cases() -> list[tuple[str, str]]:
    import yaml

    out: list[tuple[str, str]] = []
    files = sorted((ROOT / "tests" / "data" / "text_eval").glob("*.yaml"))
    files.append(ROOT / "tests" / "data" / "text_real_shapes.yaml")
    for path in files:
        for case in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
            out.append((str(case.get("body") or ""), str(case.get("title") or "")))
    return out


def _test_literals() -> list[tuple[str, str]]:
    """Every string literal of the text tests that looks like a description."""
    out: list[tuple[str, str]] = []
    for path in sorted((ROOT / "tests").glob("test_text*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            value = node.value if isinstance(node, ast.Constant) else None
            if isinstance(value, str) and len(value) >= 8:
                out.append((value, ""))
    return out


def _corpus_bodies() -> list[tuple[str, str]]:
    seen: set[str] = set()
    out: list[tuple[str, str]] = []
    for path in CORPUS_FILES:
        if not path.is_file():
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            row = json.loads(line)
            url = str(row.get("url", ""))
            if url in seen:
                continue
            seen.add(url)
            out.append((str(row.get("body") or ""), str(row.get("title") or "")))
    return out


def _variants(base: list[tuple[str, str]], seed: int = 16) -> list[tuple[str, str]]:
    """Mechanical variants that walk other paths of the parser and the cue engine."""
    rnd = random.Random(seed)
    out: list[tuple[str, str]] = []
    n = len(base)
    for i, (body, title) in enumerate(base):
        other, other_title = base[(i * 7 + 3) % n]
        lines = body.splitlines()
        out.append((body.replace("\n", "\r\n"), title))
        out.append((body.upper(), title.upper()))
        out.append((body[: len(body) // 2], title))
        out.append((body + "\n\n" + other, other_title))
        out.append(("## Why\n" + body + "\n\n## Success criteria\n" + other, title))
        out.append(("\n".join("- " + x if x.strip() else x for x in lines), title))
        out.append(("\n".join("- [ ] " + x if x.strip() else x for x in lines), title))
        out.append(("```\n" + body + "\n```\n" + other[:120], title))
        out.append(("<!-- " + other[:80] + " -->\n" + body, title))
        out.append(("**Motivation:** " + body.replace("\n", " "), title))
        out.append((title, title))
        out.append((title + ".", title))
        words = body.split()
        rnd.shuffle(words)
        out.append((" ".join(words[:40]), title))
        cut = rnd.randrange(0, max(1, len(body)))
        out.append((body[cut:], title))
        out.append(("> " + body.replace("\n", "\n> "), title))
        out.append((body.replace(". ", ".\n"), title))
    return out


def _configs() -> list[tuple[str, Any]]:
    from trackerguard.text.config import TextAnalysisConfig

    return [
        ("default", TextAnalysisConfig()),
        ("strict", TextAnalysisConfig(strictness="strict")),
        ("lenient", TextAnalysisConfig(strictness="lenient")),
        (
            "custom",
            TextAnalysisConfig(
                languages=["en", "de"],
                purpose_sections=["Customer impact", "Warum das"],
                measure_sections=["Exit review"],
                purpose_cues=[
                    "reduces churn",
                    "finance",
                    {"triggers": "closes", "pattern": r"\bcloses the books\b"},
                    {"category": "impact", "weight": 1, "triggers": "slow", "pattern": r"\bslow\b"},
                ],
                measure_cues=["legal signs off", "ship it"],
                purpose_field="why",
                measure_field="done",
            ),
        ),
    ]


def inputs(generated: int) -> list[tuple[str, str]]:
    """The comparison set (deterministic for one tree's test and data files)."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from text_rules import build_corpus, load_cases

    base = _yaml_cases() + _test_literals() + _corpus_bodies()
    return base + _variants(base) + build_corpus(load_cases(), generated)


def dump(items: list[tuple[str, str]], out: Path) -> None:
    """One JSON line per input: the answers of this process's ``trackerguard``."""
    from trackerguard.text.analysis import (
        analyze_purpose,
        analyze_success_measure,
        detect_language,
        parse_document,
    )

    configs = _configs()
    fields = {"why": "", "done": None, "other": "x"}
    with out.open("w", encoding="utf-8") as handle:
        for body, title in items:
            row: list[Any] = [repr(parse_document(body)), detect_language(body)]
            for _, cfg in configs:
                for analyse in (analyze_purpose, analyze_success_measure):
                    v = analyse(body, title, fields, cfg)
                    row.append([v.present, v.confidence, v.kind, v.evidence])
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")


def _run_other(rev: str, items_file: Path, out: Path, tmp: Path) -> None:
    code = tmp / "code"
    code.mkdir()
    archive = subprocess.run(
        ["git", "archive", rev, "trackerguard"], cwd=ROOT, check=True, capture_output=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(code)], input=archive, check=True)
    env = {**os.environ, "PYTHONPATH": str(code)}
    subprocess.run(
        [
            sys.executable,
            __file__,
            "--items",
            str(items_file),
            "--dump",
            str(out),
            "--code",
            str(code),
        ],
        check=True,
        env=env,
    )


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--against",
        help="git revision to compare with (default: where this branch left main, so that "
        "cue files changed on main since then do not count as differences)",
    )
    parser.add_argument("--dump", type=Path, help="only write this tree's answers here")
    parser.add_argument("--items", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--code", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--generated", type=int, default=20_000)
    args = parser.parse_args(argv)
    if args.code is not None:
        sys.path.insert(0, str(args.code))
        import trackerguard

        assert Path(trackerguard.__file__).resolve().is_relative_to(args.code.resolve())
    else:
        sys.path.insert(0, str(ROOT))
    if args.against is None and args.code is None and args.dump is None:
        args.against = subprocess.run(
            ["git", "merge-base", "HEAD", "main"],
            cwd=ROOT,
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()[:12]
    if args.items is not None:
        items = [tuple(x) for x in json.loads(args.items.read_text(encoding="utf-8"))]
    else:
        items = inputs(args.generated)
    if args.dump is not None:
        dump(items, args.dump)  # type: ignore[arg-type]
        return 0
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        items_file = tmp / "items.json"
        items_file.write_text(json.dumps(items, ensure_ascii=False), encoding="utf-8")
        mine, theirs = tmp / "mine.jsonl", tmp / "theirs.jsonl"
        dump(items, mine)  # type: ignore[arg-type]
        _run_other(args.against, items_file, theirs, tmp)
        a = mine.read_text(encoding="utf-8").splitlines()
        b = theirs.read_text(encoding="utf-8").splitlines()
    differ = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
    digest = hashlib.sha256("\n".join(a).encode()).hexdigest()[:12]
    print(
        f"{len(items):,} inputs x {len(_configs())} settings x 2 detectors "
        f"(+ parse_document, detect_language); corpus bodies: {len(_corpus_bodies())}; "
        f"answers digest {digest}"
    )
    if differ:
        print(f"{len(differ)} inputs answered differently from {args.against}:")
        labels = ["parse_document", "detect_language"] + [
            f"{name} {check}" for name, _ in _configs() for check in ("purpose", "measure")
        ]
        for i in differ[:10]:
            print("  input:", json.dumps(items[i], ensure_ascii=False)[:300])
            mine_row, their_row = json.loads(a[i]), json.loads(b[i])
            for label, x, y in zip(labels, mine_row, their_row, strict=True):
                if x != y:
                    pad = " " * len(label)
                    print(f"    {label}: this tree {json.dumps(x, ensure_ascii=False)[:400]}")
                    print(f"    {pad}  {args.against} {json.dumps(y, ensure_ascii=False)[:400]}")
        return 1
    print(f"identical to {args.against}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
