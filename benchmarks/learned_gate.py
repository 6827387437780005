"""A learned gate for TG103's (and TG204's) low-confidence findings: trained, measured, not shipped.

Issue 16, point 5: a model may decide the info findings only if it beats the rules on
the holdout part of the real-issue corpus. This script is the experiment behind decision
0030 (it did not: see ``benchmarks/RESULTS_text.md``), kept so it can be re-run when
the corpus grows. Run from the repository root, after the bodies are in ``.corpus/``:

    .venv/bin/pip install numpy scikit-learn   # for this script only; never a runtime dependency
    python benchmarks/learned_gate.py            # TG103: tuning-part cross-validation
    python benchmarks/learned_gate.py --holdout  # + fit on the tuning part, score the holdout once
    python benchmarks/learned_gate.py --tg204    # the same cross-validation for TG204 (goals)

The model is a logistic regression (L2, liblinear) over (a) the rules' own readable
evidence: the verdict's kind, cue categories and weights, language, prose length,
section kinds, list / code shares, sentence count, template leftovers, and (b) the word
uni- and bigrams of the folded prose, all hashed with CRC-32 into 2^16 buckets. The gate
decides only low-confidence verdicts (an info finding iff score >= threshold);
high-confidence verdicts, and so every acting finding, are never changed. The threshold
is chosen on out-of-fold scores of 5 x 5-fold stratified cross-validation on the tuning
part: the highest prevalence-adjusted precision (``Padj``, decision 0028) whose recall
stays >= ``RECALL_FLOOR``. The holdout is scored only with the model fitted on the whole
tuning part with the chosen setting. ``--holdout`` also lists what that model would
change on the hand-written cases of ``tests/data/text_eval`` (never trained on) and, for
TG103, times the pure-Python scoring (feature keys, CRC-32 hashing, sparse dot product)
per gated description.
"""

from __future__ import annotations

import math
import sys
import time
from pathlib import Path
from typing import Any
from zlib import crc32

ROOT = Path(__file__).resolve().parent.parent
for extra in (ROOT, ROOT / "benchmarks"):
    if str(extra) not in sys.path:
        sys.path.insert(0, str(extra))

from real_corpus import load_corpus  # noqa: E402
from text_real import HIDDEN_BASE_RATE, adjusted_precision  # noqa: E402

from trackerguard.text.analysis import (  # noqa: E402
    PurposeTrace,
    TextVerdict,
    analyze_purpose,
    analyze_success_measure,
    parse_document,
)
from trackerguard.text.languages import fold, words  # noqa: E402
from trackerguard.text.sections import Document  # noqa: E402

BITS = 16
RECALL_FLOOR = 0.87  # TG103 target 0.85, with margin
RECALL_FLOOR_TG204 = 0.93  # TG204 target 0.90, with margin


def hashed(keys: list[str], bits: int) -> set[int]:
    """Buckets of feature keys: CRC-32 of the UTF-8 key (stable across processes, unlike
    ``hash``, so a shipped model would score the same everywhere) masked to ``bits``."""
    mask = (1 << bits) - 1
    return {crc32(k.encode("utf-8", "surrogatepass")) & mask for k in keys}


def shape_keys(doc: Document, goal: bool = False) -> list[str]:
    """The document's shape as named features: prose length, sections, list and code
    shares, sentences, template leftovers (and, for goals, checklist size)."""
    prose = doc.prose
    listed = sum(len(i) + 1 for i in doc.list_items) + sum(len(c.text) + 1 for c in doc.checklist)
    keys = [
        f"len={len(prose).bit_length()}",
        f"sections={min(len(doc.sections), 4)}",
        f"listshare={min(4, 5 * listed // max(1, len(prose)))}",
        f"code={min(doc.code_blocks, 2)}",
        f"sentences={len(doc.sentences).bit_length()}",
    ]
    if goal:
        keys.append(f"checks={min(len(doc.checklist), 3)}")
    keys.extend(f"section={k}" for k in {s.kind for s in doc.sections})
    if doc.html_comments or doc.placeholders:
        keys.append("template")
    return keys


def word_keys(tokens: list[str]) -> list[str]:
    """Word unigrams and bigrams (``^`` marks the start) of the folded prose."""
    keys, prev = [], "^"
    for t in tokens:
        keys.append(t)
        keys.append(prev + " " + t)
        prev = t
    return keys


def goal_evidence_keys(verdict: TextVerdict, doc: Document) -> list[str]:
    """TG204's readable evidence: the rules' verdict kind and the goal's shape."""
    return [f"kind={verdict.kind}", f"present={verdict.present}", *shape_keys(doc, goal=True)]


def measure_keys(verdict: TextVerdict, doc: Document, tokens: list[str]) -> list[str]:
    """TG204's features: the rules' verdict kind, the goal's shape, its words."""
    return goal_evidence_keys(verdict, doc) + word_keys(tokens)


def evidence_keys(verdict: TextVerdict, trace: PurposeTrace) -> list[str]:
    """TG103's readable evidence: the verdict's kind, cue categories and weights,
    language, user story and the document's shape (``benchmarks/embed_gate.py`` pairs
    these with an embedding instead of word n-grams)."""
    keys = [f"kind={verdict.kind}", f"present={verdict.present}", f"lang={trace.lang}"]
    score = 0
    for h in trace.hits or ():
        keys.append(f"cue={h.category}/{h.weight}")
        score += h.weight
    keys.append(f"score={min(score, 3)}")
    if trace.story:
        keys.append("story")
    if trace.doc is not None:
        keys.extend(shape_keys(trace.doc))
    return keys


def feature_keys(verdict: TextVerdict, trace: PurposeTrace) -> list[str]:
    """TG103: the rules' readable evidence plus the word uni/bigrams of the prose."""
    return evidence_keys(verdict, trace) + word_keys(trace.tokens or [])


def _prepare(cases: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """TG103: the rules' verdict, whether the gate decides it, and the hashed features."""
    rows = []
    for c in cases:
        trace = PurposeTrace()
        v = analyze_purpose(c["body"], c["title"], trace=trace)
        keys = feature_keys(v, trace) if trace.doc is not None else [f"kind={v.kind}"]
        rows.append(_row(not c["purpose"], v, trace.doc is not None, keys, (v, trace), c["url"]))
    return rows


def _prepare_goals(cases: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """TG204 (goals only): the rules' verdict (no gate), the document parsed again."""
    rows = []
    for c in cases:
        if c["kind"] != "goal":
            continue
        v = analyze_success_measure(c["body"], c["title"])
        doc = parse_document(c["body"] or "")
        keys = measure_keys(v, doc, words(fold(doc.prose)))
        rows.append(_row(not c["measure"], v, bool(doc.has_real_content), keys, url=c["url"]))
    return rows


def _row(
    absent: bool, v: TextVerdict, parsed: bool, keys: list[str], seen: Any = None, url: str = ""
) -> dict[str, Any]:
    return {
        "url": url,
        "seen": seen,
        "absent": absent,
        "rule_finding": not v.present,
        "rule_acting": not v.present and v.confidence == "high",
        "gated": v.confidence == "low" and parsed,
        "buckets": sorted(hashed(keys, BITS)),
        "keys": keys,
    }


def _matrix(rows: list[dict[str, Any]]) -> Any:
    import numpy as np
    from scipy.sparse import csr_matrix

    indptr, indices = [0], []
    for r in rows:
        indices.extend(r["buckets"])
        indptr.append(len(indices))
    data = np.ones(len(indices))
    return csr_matrix((data, indices, indptr), shape=(len(rows), 1 << BITS))


def _fit(rows: list[dict[str, Any]], c_reg: float, gated_only: bool) -> Any:
    from sklearn.linear_model import LogisticRegression

    train = [r for r in rows if r["gated"]] if gated_only else rows
    model = LogisticRegression(C=c_reg, solver="liblinear", max_iter=2000, random_state=0)
    model.fit(_matrix(train), [r["absent"] for r in train])
    return model


def _figures(rows: list[dict[str, Any]], findings: list[bool]) -> tuple[float, float, float]:
    """(P, R, Padj) of ``findings`` against the rows' labels."""
    f = sum(findings)
    t = sum(1 for r, x in zip(rows, findings, strict=True) if x and r["absent"])
    m = sum(r["absent"] for r in rows)
    h = len(rows) - m
    adj = adjusted_precision(f, t, m, h, BASE_RATE[0]) or 0.0
    return (t / f if f else 0.0), t / m, adj


def _gate(rows: list[dict[str, Any]], scores: list[float], threshold: float) -> list[bool]:
    return [
        (s >= threshold) if r["gated"] else r["rule_finding"]
        for r, s in zip(rows, scores, strict=True)
    ]


def _best_threshold(rows: list[dict[str, Any]], scores: list[float]) -> float:
    best = (-1.0, 0.5)
    for i in range(5, 96):
        t = i / 100
        _, r, adj = _figures(rows, _gate(rows, scores, t))
        if r >= FLOOR[0] and adj > best[0]:
            best = (adj, t)
    return best[1]


def _cv_scores(rows: list[dict[str, Any]], c_reg: float, gated_only: bool, seed: int) -> list:
    from sklearn.model_selection import StratifiedKFold

    scores = [0.0] * len(rows)
    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=seed)
    labels = [r["absent"] for r in rows]
    for train_i, test_i in folds.split(rows, labels):
        model = _fit([rows[i] for i in train_i], c_reg, gated_only)
        probs = model.predict_proba(_matrix([rows[i] for i in test_i]))[:, 1]
        for i, p in zip(test_i, probs, strict=True):
            scores[i] = float(p)
    return scores


def cross_validate(rows: list[dict[str, Any]], seeds: int = 5) -> tuple[float, float, bool]:
    """Print the CV figures per setting; returns (C, threshold, gated_only) of the best.

    The threshold is chosen per setting on the out-of-fold scores pooled over seeds
    (each seed a different fold split); the setting with the best mean Padj wins.
    """
    p0, r0, a0 = _figures(rows, [r["rule_finding"] for r in rows])
    gated = sum(r["gated"] for r in rows)
    print(
        f"tuning, rules (in-sample: the cues were written on this part): P={p0:.3f} "
        f"R={r0:.3f} Padj={a0:.3f}; {gated} of {len(rows)} verdicts are low-confidence (gated)"
    )
    best: tuple[float, float, float, bool] = (-1.0, 1.0, 0.5, False)
    for gated_only in (False, True):
        for c_reg in (0.01, 0.03, 0.1, 0.3, 1.0):
            per_seed = [_cv_scores(rows, c_reg, gated_only, seed) for seed in range(seeds)]
            t = _best_threshold(rows * seeds, [s for sc in per_seed for s in sc])
            figs = [_figures(rows, _gate(rows, sc, t)) for sc in per_seed]
            mp, mr, ma = (sum(f[k] for f in figs) / seeds for k in range(3))
            lo = min(f[2] for f in figs)
            print(
                f"  CV C={c_reg:<5} trained on {'gated rows' if gated_only else 'all rows  '} "
                f"t={t:.2f}  P={mp:.3f} R={mr:.3f} Padj={ma:.3f} (worst seed {lo:.3f})"
            )
            if mr >= FLOOR[0] and ma > best[0]:
                best = (ma, c_reg, t, gated_only)
    print(f"chosen: C={best[1]} t={best[2]:.2f} gated_only={best[3]} (CV Padj {best[0]:.3f})")
    return best[1], best[2], best[3]


def _sparse(model: Any) -> tuple[float, dict[int, float]]:
    """The fitted model as a pure-Python sparse weight table (what would ship)."""
    coef = model.coef_[0]
    weights = {i: round(float(w), 5) for i, w in enumerate(coef)}
    return round(float(model.intercept_[0]), 5), {i: w for i, w in weights.items() if w}


def _score(bias: float, weights: dict[int, float], keys: list[str]) -> float:
    z = bias + sum(weights.get(b, 0.0) for b in hashed(keys, BITS))
    return 1.0 / (1.0 + math.exp(-z)) if z >= 0 else math.exp(z) / (1.0 + math.exp(z))


def _report(name: str, rows: list[dict[str, Any]], findings: list[bool]) -> str:
    acting = [r["rule_acting"] for r in rows]
    out = f"{name:20}"
    for what, hits in (("acting", acting), ("all", findings)):
        p, r, adj = _figures(rows, hits)
        out += f" | {what} n={sum(hits):3} P={p:.3f} R={r:.3f} Padj={adj:.3f}"
    return out


def holdout(
    tuning: list[dict[str, Any]],
    held: list[dict[str, Any]],
    c_reg: float,
    t: float,
    go: bool,
    written: list[dict[str, Any]],
) -> None:
    """Fit on the whole tuning part, then rules vs gate on both parts (holdout once),
    and what the gate would change on the hand-written cases of ``tests/data``."""
    model = _fit(tuning, c_reg, go)
    bias, weights = _sparse(model)
    print(f"model: {len(weights)} non-zero weights of {1 << BITS}, threshold {t:.2f}")
    for name, rows in (("tuning (in-sample)", tuning), ("holdout", held)):
        scores = [_score(bias, weights, r["keys"]) for r in rows]
        gate = _gate(rows, scores, t)
        changed = [r for r, g in zip(rows, gate, strict=True) if g != r["rule_finding"]]
        assert all(not r["rule_acting"] for r in changed), "the gate changed an acting finding"
        print(_report(f"{name} rules", rows, [r["rule_finding"] for r in rows]))
        print(_report(f"{name} gate", rows, gate) + f"  ({len(changed)} verdicts changed)")
    scores = [_score(bias, weights, r["keys"]) for r in written]
    flips = [
        (r["url"], g == r["absent"])
        for r, g in zip(written, _gate(written, scores, t), strict=True)
        if g != r["rule_finding"]
    ]
    right = sum(ok for _, ok in flips)
    print(
        f"hand-written cases (tests/data, {len(written)} labelled): the gate changes "
        f"{len(flips)}, {right} to the label, {len(flips) - right} against it: "
        + ", ".join(f"{u}{'' if ok else ' (wrong)'}" for u, ok in flips)
    )
    seen = [r["seen"] for r in tuning + held if r["gated"] and r["seen"] is not None]
    if seen:
        start = time.process_time()
        for _ in range(20):
            for v, trace in seen:
                _score(bias, weights, feature_keys(v, trace))
        cpu = (time.process_time() - start) / (20 * len(seen))
        print(f"scoring cost: {cpu * 1e6:.1f} CPU-µs per gated description ({len(seen)} gated)")


def _written_cases(label: str) -> list[dict[str, Any]]:
    """The labelled hand-written cases of ``tests/data/text_eval`` (never trained on)."""
    import yaml

    out = []
    for path in sorted((ROOT / "tests" / "data" / "text_eval").glob("*.yaml")):
        for c in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
            if c.get(label) is None:
                continue
            kind = "goal" if label == "measure" else "work"
            out.append({**c, "url": c["id"], "kind": kind, "body": c.get("body") or ""})
    return out


BASE_RATE = [HIDDEN_BASE_RATE["TG103"]]
FLOOR = [RECALL_FLOOR]


def main(argv: list[str]) -> int:
    cases, missing = load_corpus()
    if missing:
        print(f"{len(missing)} labelled bodies missing from .corpus/ (real_corpus.py check)")
    tuning_cases = [c for c in cases if c["part"] == "tuning"]
    held_cases = [c for c in cases if c["part"] == "holdout"]
    if "--tg204" in argv:
        BASE_RATE[0], FLOOR[0] = HIDDEN_BASE_RATE["TG204"], RECALL_FLOOR_TG204
        prepare = _prepare_goals
    else:
        prepare = _prepare
    tuning = prepare(tuning_cases)
    c_reg, threshold, gated_only = cross_validate(tuning)
    if "--holdout" in argv:
        label = "measure" if "--tg204" in argv else "purpose"
        written = prepare(_written_cases(label))
        holdout(tuning, prepare(held_cases), c_reg, threshold, gated_only, written)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
