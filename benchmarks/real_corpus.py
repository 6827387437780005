"""The real-issue corpus: labels + source URLs committed, bodies rebuilt per session.

Why this shape: the opening posts are other people's text, so the repository holds only
``benchmarks/real_corpus/labels.jsonl`` (URL, repository, the search query that found it,
stratum, language, the rubric labels with a confidence, and the SHA-256 of the body).
The bodies live in the git-ignored ``.corpus/bodies.jsonl``. The ``search`` tool that
finds them is callable by an agent, not by a script, so the bodies cache is populated
from the tool's JSON answers in one of two ways:

* ``add``: records in a small text format on stdin (what an agent transcribes from an
  answer, exactly as returned); the labels and the hash are written at the same time;
* ``from-answers DIR``: saved JSON answers of the ``issues`` corpus (one answer per
  file); the opening post is cut out of each excerpt (the text between
  ``<author> · description · <date>`` and the first ``<name> · comment · <date>``) and
  kept only for URLs that are labelled and whose hash matches.

``check`` verifies every cached body against its hash and lists the labelled URLs whose
body is missing or differs, so a session knows which look-ups to repeat.

Split: an item belongs to the holdout part when the first hex digit of the SHA-256 of its
URL is below 6 (≈ 37.5%). That is fixed by the URL alone, before any result is seen.
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
LABELS = ROOT / "benchmarks" / "real_corpus" / "labels.jsonl"
CACHE = ROOT / ".corpus" / "bodies.jsonl"
STRATA = ("bug", "feature", "chore", "goal")
_CONF = {"h": "high", "m": "medium", "l": "low"}
_YN = {"y": True, "n": False, "-": None}


def body_hash(title: str, body: str) -> str:
    """Hash of what the analyser reads (title and body), so a changed title is caught."""
    return hashlib.sha256(f"{title}\n\x00\n{body}".encode()).hexdigest()


def part_of(url: str) -> str:
    """'holdout' or 'tuning', decided by the URL's hash alone."""
    return "holdout" if hashlib.sha256(url.encode()).hexdigest()[0] in "012345" else "tuning"


def load_labels(path: Path = LABELS) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def load_cache(path: Path = CACHE) -> dict[str, dict[str, str]]:
    if not path.exists():
        return {}
    out: dict[str, dict[str, str]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line:
            rec = json.loads(line)
            out[rec["url"]] = rec
    return out


def save_cache(cache: dict[str, dict[str, str]], path: Path = CACHE) -> None:
    """Write the bodies cache whole (one JSON record per line), as :func:`load_cache` reads it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in cache.values()), encoding="utf-8"
    )


def load_corpus() -> tuple[list[dict[str, Any]], list[str]]:
    """Labelled cases with their bodies, and the URLs whose body is missing or changed."""
    cache = load_cache()
    cases: list[dict[str, Any]] = []
    missing: list[str] = []
    for label in load_labels():
        rec = cache.get(label["url"])
        if rec is None or body_hash(rec["title"], rec["body"]) != label["sha256"]:
            missing.append(label["url"])
            continue
        cases.append(
            {**label, "title": rec["title"], "body": rec["body"], "part": part_of(label["url"])}
        )
    return cases, missing


def _parse_records(text: str) -> list[dict[str, Any]]:
    """The ``add`` format::

    @@Q <query used>
    @@@ <url> <stratum> <lang> <purpose y/n> <measure y/n/-> <confidence h/m/l> | why
    T: <title>
    <body lines, exactly as returned>
    """
    records: list[dict[str, Any]] = []
    query = ""
    current: dict[str, Any] | None = None
    lines: list[str] = []

    def close() -> None:
        if current is not None:
            current["body"] = "\n".join(lines).strip()
            records.append(current)

    for line in text.splitlines():
        if line.startswith("@@Q "):
            close()
            current, lines = None, []
            query = line[4:].strip()
            continue
        if line.startswith("@@@ "):
            close()
            head, _, why = line[4:].partition("|")
            url, stratum, lang, purpose, measure, conf = head.split()
            if stratum not in STRATA:
                raise SystemExit(f"unknown stratum {stratum!r} for {url}")
            current = {
                "url": url,
                "stratum": stratum,
                "lang": lang,
                "purpose": _YN[purpose],
                "measure": _YN[measure],
                "confidence": _CONF[conf],
                "rationale": why.strip(),
                "query": query,
                "title": "",
            }
            lines = []
            continue
        if current is not None and not lines and line.startswith("T: ") and not current["title"]:
            current["title"] = line[3:].strip()
            continue
        if current is not None:
            lines.append(line)
    close()
    return records


def _parse_excerpts(text: str) -> list[dict[str, Any]]:
    """The ``add-excerpts`` format: like ``add``, but each ``@@@`` line is followed by one
    line holding the answer's excerpt as a JSON string, copied as returned (from the
    ``# title`` line on; it may stop before the first comment). The opening post is cut
    out with :func:`opening_post`, the same code ``from-answers`` uses, so a later rebuild
    from saved answers yields the same text and hash.
    """
    records: list[dict[str, Any]] = []
    query = ""
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        i += 1
        if line.startswith("@@Q "):
            query = line[4:].strip()
        elif line.startswith("@@@ "):
            head = _parse_records(f"@@Q {query}\n{line}\nT: x\nx")[0]
            excerpt = json.loads(lines[i])
            i += 1
            parsed = opening_post(excerpt)
            if parsed is None:
                raise SystemExit(f"no opening post in the excerpt of {head['url']}")
            head["title"], head["body"] = parsed
            records.append(head)
    return records


def add(text: str, excerpts: bool = False) -> int:
    known = {label["url"] for label in load_labels()}
    CACHE.parent.mkdir(parents=True, exist_ok=True)
    added = 0
    with LABELS.open("a", encoding="utf-8") as lab, CACHE.open("a", encoding="utf-8") as cache:
        for rec in _parse_excerpts(text) if excerpts else _parse_records(text):
            if rec["url"] in known:
                print(f"skip duplicate {rec['url']}", file=sys.stderr)
                continue
            if not rec["body"]:
                raise SystemExit(f"empty body for {rec['url']}")
            known.add(rec["url"])
            m = re.match(r"https://github\.com/([^/]+/[^/]+)/issues/\d+$", rec["url"])
            if not m:
                raise SystemExit(f"not an issue URL: {rec['url']}")
            kind = "goal" if rec["stratum"] == "goal" else "work"
            if kind == "goal" and rec["measure"] is None:
                raise SystemExit(f"goal without a measure label: {rec['url']}")
            label = {
                "url": rec["url"],
                "repo": m.group(1),
                "query": rec["query"],
                "stratum": rec["stratum"],
                "kind": kind,
                "lang": rec["lang"],
                "purpose": rec["purpose"],
                "measure": rec["measure"] if kind == "goal" else None,
                "confidence": rec["confidence"],
                "rationale": rec["rationale"],
                "sha256": body_hash(rec["title"], rec["body"]),
            }
            lab.write(json.dumps(label, ensure_ascii=False) + "\n")
            cache.write(
                json.dumps(
                    {"url": rec["url"], "title": rec["title"], "body": rec["body"]},
                    ensure_ascii=False,
                )
                + "\n"
            )
            added += 1
    print(f"added {added}; corpus now {len(known)} labelled issues")
    return 0


_DESC = re.compile(r"^# (?P<title>.*)\n(?:.*\n)*?[^\n]* · description · [^\n]*\n", re.M)
_COMMENT = re.compile(r"\n\n[^\n·]+ · comment · \d{4}-\d{2}-\d{2}\n")


def opening_post(excerpt: str) -> tuple[str, str] | None:
    """(title, opening post) cut out of one ``issues`` search excerpt, or None."""
    m = _DESC.search(excerpt)
    if not m:
        return None
    rest = excerpt[m.end() :]
    c = _COMMENT.search(rest)
    return m.group("title").strip(), (rest[: c.start()] if c else rest).strip()


def from_answers(directory: Path) -> int:
    labels = {label["url"]: label for label in load_labels()}
    cache = load_cache()
    kept = 0
    for path in sorted(directory.glob("*.json")):
        answer = json.loads(path.read_text(encoding="utf-8"))
        for result in answer.get("results", []):
            label = labels.get(result.get("url", ""))
            parsed = opening_post(result.get("excerpt", ""))
            if label is None or parsed is None:
                continue
            title, body = parsed
            if body_hash(title, body) == label["sha256"]:
                cache[label["url"]] = {"url": label["url"], "title": title, "body": body}
                kept += 1
    save_cache(cache)
    print(f"bodies taken from answers: {kept}")
    return check()


def restore(text: str) -> int:
    """Bodies of already-labelled issues, transcribed from an answer (``@@R <url>``,
    ``T: <title>``, body lines); kept only when the hash matches the label's."""
    labels = {label["url"]: label for label in load_labels()}
    cache = load_cache()
    kept = 0
    for block in re.split(r"^@@R ", text, flags=re.M)[1:]:
        head, _, rest = block.partition("\n")
        url = head.strip()
        title_line, _, body = rest.partition("\n")
        title = title_line[3:].strip() if title_line.startswith("T: ") else ""
        body = body.strip()
        label = labels.get(url)
        if label is None:
            print(f"  not labelled: {url}")
        elif body_hash(title, body) != label["sha256"]:
            print(f"  hash differs: {url}")
        else:
            cache[url] = {"url": url, "title": title, "body": body}
            kept += 1
    save_cache(cache)
    print(f"restored {kept}; cache holds {len(cache)}")
    return 0


def restore_excerpts(text: str) -> int:
    """``restore`` in the ``add-excerpts`` form: ``@@R <url>`` then one line holding the
    answer's excerpt as a JSON string; the opening post is cut with :func:`opening_post`
    and kept only when its hash matches the label's."""
    labels = {label["url"]: label for label in load_labels()}
    cache = load_cache()
    kept = 0
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if not line.startswith("@@R ") or i + 1 >= len(lines):
            continue
        url = line[4:].strip()
        parsed = opening_post(json.loads(lines[i + 1]))
        label = labels.get(url)
        if label is None or parsed is None:
            print(f"  not labelled or no opening post: {url}")
        elif body_hash(*parsed) != label["sha256"]:
            print(f"  hash differs: {url}")
        else:
            cache[url] = {"url": url, "title": parsed[0], "body": parsed[1]}
            kept += 1
    save_cache(cache)
    print(f"restored {kept}; cache holds {len(cache)}")
    return 0


def check() -> int:
    cases, missing = load_corpus()
    labels = load_labels()
    print(
        f"labelled: {len(labels)}; bodies present and matching: {len(cases)}; "
        f"missing or changed: {len(missing)}"
    )
    for url in missing:
        print(f"  missing {url}")
    return 0 if not missing else 1


def main(argv: list[str]) -> int:
    if len(argv) >= 1 and argv[0] == "add":
        return add(sys.stdin.read())
    if argv == ["add-excerpts"]:
        return add(sys.stdin.read(), excerpts=True)
    if len(argv) == 2 and argv[0] == "from-answers":
        return from_answers(Path(argv[1]))
    if argv == ["restore"]:
        return restore(sys.stdin.read())
    if argv == ["restore-excerpts"]:
        return restore_excerpts(sys.stdin.read())
    if argv == ["check"]:
        return check()
    print(
        "usage: real_corpus.py add < records | add-excerpts < records | restore < records"
        " | from-answers DIR | check",
        file=sys.stderr,
    )
    return 2


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
