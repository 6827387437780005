"""A static-embedding gate for TG103's / TG204's low-confidence findings (issue 16, point 5).

Decision 0030 measured a gate over the rules' evidence plus hashed word n-grams and found
that it did not beat the rules on the holdout: its false info findings are purposes put
in words no other issue of the corpus uses. Issue 16 suggests a representation that
carries meaning across wordings: the 256-dimension static embedding of the ``wordllama``
wheel (its weights ship inside the wheel). This script is that experiment (decision 0033):
the same readable evidence (``learned_gate.evidence_keys`` / ``goal_evidence_keys``,
imported), plus the mean of the wordllama token vectors of the folded prose's words,
truncated to 64, 128 or 256 dimensions (the model is matryoshka-trained, so a prefix is
a smaller embedding), under a logistic head.

It needs a SEPARATE virtualenv (never the project's ``.venv``, never ``pyproject``);
nothing is downloaded at run time (``HF_HUB_OFFLINE=1`` and ``disable_download``; the
wheel's loader looks for its tokenizer under ``tokenizer/``, the wheel ships it under
``tokenizers/``, so a copy is put in a temporary ``cache_dir``). From the repository
root, after the bodies are in ``.corpus/``:

    python3.11 -m venv ../embed-venv
    ../embed-venv/bin/pip install wordllama==0.4.0.post1 numpy scikit-learn pyyaml
    ../embed-venv/bin/pip install -e .
    ../embed-venv/bin/python benchmarks/embed_gate.py                  # TG103: CV, tuning part
    ../embed-venv/bin/python benchmarks/embed_gate.py --tg204          # TG204 (goals): CV
    ../embed-venv/bin/python benchmarks/embed_gate.py --curve          # + learning curve (CV)
    ../embed-venv/bin/python benchmarks/embed_gate.py --holdout        # + the holdout, once
    flock /tmp/tg-bench.lock ../embed-venv/bin/python benchmarks/embed_gate.py --cost

Protocol (the same as ``learned_gate.py``): every choice (C; embedding dimensions 64,
128 or 256, with 0 = evidence only printed as a baseline but never chosen; training
rows: all, or the gated ones; which low-confidence verdicts the gate decides: all of
them, only the low "absent" ones, which may lose their info finding, or only the low
"present" ones, which may gain one; the threshold) is made on out-of-fold
scores of 5 x 5-fold stratified cross-validation of the tuning part: the best mean
prevalence-adjusted precision (``Padj``, decision 0028) whose mean recall stays >= the
floor (TG103 0.87, TG204 0.93). ``--holdout`` then fits the chosen setting on the whole
tuning part and scores the holdout once; it also lists what the model would change on the
hand-written cases of ``tests/data/text_eval`` (never trained on). High-confidence
verdicts, and so every acting finding, never change (asserted).

``--cost`` times what a shipped gate would add per gated description, CPU time, beside
the rules' own work: (a) the library path (the tokenizer, a numpy mean of the token
vectors, a dot product) and (b) the head folded into the vocabulary: a linear head over
a mean of token vectors is the mean of one number per token (``w . E[token]``), so a
shipped gate needs 32,000 floats, not the 16 MB matrix; a per-word memo of (sum, token
count) then makes the embedding a dict lookup per word (cold = memo empty, one tokenizer
call per new word). Both are checked to give the fitted model's probabilities.
"""

from __future__ import annotations

import os
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
for extra in (ROOT, ROOT / "benchmarks"):
    if str(extra) not in sys.path:
        sys.path.insert(0, str(extra))

import learned_gate as lg  # noqa: E402
from real_corpus import load_corpus  # noqa: E402
from text_real import HIDDEN_BASE_RATE  # noqa: E402

from trackerguard.text.analysis import analyze_success_measure, parse_document  # noqa: E402
from trackerguard.text.languages import fold, words  # noqa: E402

WHEEL = "wordllama==0.4.0.post1"
# 0: the rules' evidence alone, a baseline printed beside the others (what the embedding
# adds); the chosen setting always has an embedding (the experiment is about it).
DIMS = (0, 64, 128, 256)
C_GRID = (0.01, 0.03, 0.1, 0.3, 1.0)
GATES = ("low", "absent", "present")
SEEDS = 5
FRACTIONS = (0.25, 0.5, 0.75, 1.0)


def load_wordllama() -> tuple[Any, Any]:
    """(tokenizer, 32000 x 256 float32 token vectors) from the installed wheel, offline."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    try:
        import wordllama
        from wordllama import WordLlama
    except ImportError as exc:  # the project venv has no wordllama, by design
        raise SystemExit(f"needs {WHEEL} (and numpy, scikit-learn) in a separate venv") from exc
    shipped = Path(wordllama.__file__).parent / "tokenizers" / "l2_supercat_tokenizer_config.json"
    cache = Path(tempfile.mkdtemp(prefix="tg-wordllama-"))
    (cache / "tokenizers").mkdir()
    shutil.copy(shipped, cache / "tokenizers" / shipped.name)
    model = WordLlama.load("l2_supercat", cache_dir=cache, dim=256, disable_download=True)
    shutil.rmtree(cache)
    return model.tokenizer, model.embedding


def embed(tokenizer: Any, table: Any, text: str) -> Any:
    """Mean of the token vectors of ``text`` (zeros for no token), all 256 dimensions."""
    import numpy as np

    ids = tokenizer.encode(text, add_special_tokens=False).ids
    return table[ids].mean(axis=0) if ids else np.zeros(table.shape[1], dtype=np.float32)


def prepare(cases: list[dict[str, Any]], goals: bool, model: tuple[Any, Any]) -> list[dict]:
    """``learned_gate``'s rows (label, rules' verdict, low-confidence flag), with the
    readable evidence keys (``ev``), the embedded text (the folded prose's words) and
    its embedding (``vec``)."""
    if goals:
        rows = lg._prepare_goals(cases)
        for r, c in zip(rows, [c for c in cases if c["kind"] == "goal"], strict=True):
            doc = parse_document(c["body"] or "")
            v = analyze_success_measure(c["body"], c["title"])
            r["ev"] = lg.goal_evidence_keys(v, doc)
            r["text"] = " ".join(words(fold(doc.prose)))
            r["stratum"], r["lang"] = c.get("stratum", ""), c.get("lang", "")
    else:
        rows = lg._prepare(cases)
        for r, c in zip(rows, cases, strict=True):
            v, trace = r["seen"]
            r["ev"] = lg.evidence_keys(v, trace) if trace.doc is not None else [f"kind={v.kind}"]
            r["text"] = " ".join(trace.tokens or [])
            r["stratum"], r["lang"] = c.get("stratum", ""), c.get("lang", "")
    for r in rows:
        r["low"] = r["gated"]
        r["vec"] = embed(*model, r["text"])
    return rows


def with_gate(rows: list[dict[str, Any]], gate: str) -> list[dict[str, Any]]:
    """The rows with ``gated`` set to the verdicts this gate decides (always low-confidence)."""
    return [
        {**r, "gated": r["low"] and (gate == "low" or (gate == "absent") == r["rule_finding"])}
        for r in rows
    ]


class Head:
    """A fitted logistic head: evidence key weights, standardised embedding weights."""

    def __init__(self, rows: list[dict[str, Any]], c_reg: float, dims: int) -> None:
        import numpy as np
        from sklearn.linear_model import LogisticRegression

        self.dims = dims
        self.vocab = {k: i for i, k in enumerate(sorted({k for r in rows for k in r["ev"]}))}
        vecs = np.zeros((len(rows), dims))
        for i, r in enumerate(rows):
            vecs[i] = r["vec"][:dims]
        self.mu = vecs.mean(axis=0) if rows else np.zeros(dims)
        self.sd = (vecs.std(axis=0) if rows else np.zeros(dims)) + 1e-6
        labels = [r["absent"] for r in rows]
        # No training rows, or rows of one class (few gated goals in a fold): a constant.
        self.constant = (float(labels[0]) if labels else 0.5) if len(set(labels)) < 2 else None
        self.lr = LogisticRegression(C=c_reg, solver="liblinear", max_iter=2000, random_state=0)
        if self.constant is None:
            self.lr.fit(self.design(rows), labels)

    def design(self, rows: list[dict[str, Any]]) -> Any:
        import numpy as np

        x = np.zeros((len(rows), len(self.vocab) + self.dims))
        for i, r in enumerate(rows):
            for k in r["ev"]:
                j = self.vocab.get(k)
                if j is not None:
                    x[i, j] = 1.0
            if self.dims:
                x[i, len(self.vocab) :] = (r["vec"][: self.dims] - self.mu) / self.sd
        return x

    def scores(self, rows: list[dict[str, Any]]) -> list[float]:
        if self.constant is not None:
            return [self.constant] * len(rows)
        return [float(p) for p in self.lr.predict_proba(self.design(rows))[:, 1]]

    def folded(self) -> tuple[float, dict[str, float], Any]:
        """(bias, weight per evidence key, embedding weights on raw vectors): the
        standardisation folded in, what a shipped gate would hold."""
        coef = self.lr.coef_[0]
        w_ev = {k: float(coef[j]) for k, j in self.vocab.items() if coef[j]}
        w_emb = coef[len(self.vocab) :] / self.sd
        bias = float(self.lr.intercept_[0] - (w_emb * self.mu).sum())
        return bias, w_ev, w_emb


def _train_rows(rows: list[dict[str, Any]], train: str) -> list[dict[str, Any]]:
    return [r for r in rows if r["gated"]] if train == "gated" else rows


def _subsample(rows: list[dict[str, Any]], fraction: float, seed: int) -> list[dict[str, Any]]:
    """A stratified (by label) share of ``rows``, seeded."""
    if fraction >= 1.0:
        return rows
    rng = random.Random(seed)
    out: list[dict[str, Any]] = []
    for label in (False, True):
        part = [r for r in rows if r["absent"] is label]
        out.extend(rng.sample(part, round(len(part) * fraction)))
    return out


def oof_scores(
    rows: list[dict[str, Any]], setting: dict[str, Any], seed: int, fraction: float = 1.0
) -> list[float]:
    """Out-of-fold scores of one 5-fold stratified split (``seed``)."""
    from sklearn.model_selection import StratifiedKFold

    scores = [0.0] * len(rows)
    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=seed)
    for train_i, test_i in folds.split(rows, [r["absent"] for r in rows]):
        train = _subsample([rows[i] for i in train_i], fraction, seed)
        head = Head(_train_rows(train, setting["train"]), setting["C"], setting["dims"])
        for i, p in zip(test_i, head.scores([rows[i] for i in test_i]), strict=True):
            scores[i] = p
    return scores


def evaluate(rows: list[dict[str, Any]], per_seed: list[list[float]]) -> dict[str, float]:
    """Threshold chosen on the seeds' pooled out-of-fold scores; mean figures per seed."""
    t = lg._best_threshold(rows * len(per_seed), [s for sc in per_seed for s in sc])
    figs = [lg._figures(rows, lg._gate(rows, sc, t)) for sc in per_seed]
    n = len(figs)
    return {
        "t": t,
        "P": sum(f[0] for f in figs) / n,
        "R": sum(f[1] for f in figs) / n,
        "Padj": sum(f[2] for f in figs) / n,
        "worst": min(f[2] for f in figs),
    }


def _fmt(s: dict[str, Any]) -> str:
    return f"C={s['C']:<4} dims={s['dims']:<3} train={s['train']:5} gate={s['gate']:7}"


def cross_validate(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Every setting by 5 x 5-fold CV on the tuning part; returns the chosen one."""
    p0, r0, a0 = lg._figures(rows, [r["rule_finding"] for r in rows])
    print(
        f"tuning, rules (in-sample: the cues were written on this part): P={p0:.3f} "
        f"R={r0:.3f} Padj={a0:.3f}; {sum(r['low'] for r in rows)} of {len(rows)} verdicts "
        f"are low-confidence; recall floor {lg.FLOOR[0]}"
    )
    cache: dict[tuple[Any, ...], list[list[float]]] = {}
    best: dict[str, Any] = {"Padj": -1.0}
    by_dims: dict[int, dict[str, Any]] = {}
    for dims in DIMS:
        for c_reg in C_GRID:
            for train in ("all", "gated"):
                for gate in GATES:
                    grows = with_gate(rows, gate)
                    setting = {"C": c_reg, "dims": dims, "train": train, "gate": gate}
                    key = (c_reg, dims, train, gate if train == "gated" else "")
                    if key not in cache:
                        cache[key] = [oof_scores(grows, setting, s) for s in range(SEEDS)]
                    res = evaluate(grows, cache[key])
                    setting.update(res)
                    print(
                        f"  CV {_fmt(setting)} t={res['t']:.2f} P={res['P']:.3f} "
                        f"R={res['R']:.3f} Padj={res['Padj']:.3f} (worst seed {res['worst']:.3f})"
                    )
                    if res["R"] >= lg.FLOOR[0]:
                        if dims and res["Padj"] > best["Padj"]:
                            best = setting
                        if res["Padj"] > by_dims.get(dims, {"Padj": -1.0})["Padj"]:
                            by_dims[dims] = setting
    for dims, s in sorted(by_dims.items()):
        print(
            f"best with dims={dims:<3}: {_fmt(s)} t={s['t']:.2f} CV P={s['P']:.3f} "
            f"R={s['R']:.3f} Padj={s['Padj']:.3f}"
        )
    print(f"chosen: {_fmt(best)} t={best['t']:.2f} (CV Padj {best['Padj']:.3f}, R {best['R']:.3f})")
    return best


def learning_curve(rows: list[dict[str, Any]], setting: dict[str, Any]) -> None:
    """CV with each fold's training rows subsampled; threshold re-chosen per fraction."""
    grows = with_gate(rows, setting["gate"])
    for fraction in FRACTIONS:
        per_seed = [oof_scores(grows, setting, s, fraction) for s in range(SEEDS)]
        res = evaluate(grows, per_seed)
        n = round(len(rows) * 0.8 * fraction)
        print(
            f"  curve {fraction:.2f} of each fold's training rows (~{n} issues): "
            f"t={res['t']:.2f} P={res['P']:.3f} R={res['R']:.3f} Padj={res['Padj']:.3f}"
        )


def _figure_line(name: str, rows: list[dict[str, Any]], findings: list[bool]) -> str:
    p, r, adj = lg._figures(rows, findings)
    return f"{name} n={sum(findings):3} P={p:.3f} R={r:.3f} Padj={adj:.3f}"


def holdout(
    tuning: list[dict[str, Any]],
    held: list[dict[str, Any]],
    written: list[dict[str, Any]],
    setting: dict[str, Any],
) -> None:
    """Fit on the whole tuning part; rules vs gate on both parts (the holdout once), per
    stratum and language, and the changes on the hand-written cases."""
    tuning, held = with_gate(tuning, setting["gate"]), with_gate(held, setting["gate"])
    written = with_gate(written, setting["gate"])
    head = Head(_train_rows(tuning, setting["train"]), setting["C"], setting["dims"])
    t = setting["t"]
    print(f"model: {_fmt(setting)} threshold {t:.2f}, {len(head.vocab)} evidence keys")
    for name, rows in (("tuning (in-sample)", tuning), ("holdout", held)):
        gate = lg._gate(rows, head.scores(rows), t)
        changed = [(r, g) for r, g in zip(rows, gate, strict=True) if g != r["rule_finding"]]
        assert all(not r["rule_acting"] for r, _ in changed), "the gate changed an acting finding"
        right = sum(g == r["absent"] for r, g in changed)
        print(lg._report(f"{name} rules", rows, [r["rule_finding"] for r in rows]))
        print(
            lg._report(f"{name} gate", rows, gate)
            + f"  ({len(changed)} changed: {right} right, {len(changed) - right} wrong)"
        )
        for group in ("stratum", "lang"):
            keys = sorted({r[group] for r in rows})
            for key in keys if len(keys) > 1 else []:
                idx = [i for i, r in enumerate(rows) if r[group] == key]
                sub = [rows[i] for i in idx]
                if not any(r["absent"] for r in sub) or all(r["absent"] for r in sub):
                    continue
                print(
                    f"    {group}={key:8} items={len(sub):3} "
                    + _figure_line("rules", sub, [r["rule_finding"] for r in sub])
                    + " | "
                    + _figure_line("gate", sub, [gate[i] for i in idx])
                )
        if name == "holdout":
            for r, g in changed:
                what = "finding added" if g else "finding dropped"
                print(f"    {what:15} {'right' if g == r['absent'] else 'WRONG'}  {r['url']}")
    gate = lg._gate(written, head.scores(written), t)
    flips = [(r["url"], g == r["absent"]) for r, g in zip(written, gate, strict=True)]
    flips = [f for f, r, g in zip(flips, written, gate, strict=True) if g != r["rule_finding"]]
    right = sum(ok for _, ok in flips)
    print(
        f"hand-written cases (tests/data/text_eval, {len(written)} labelled): the gate changes "
        f"{len(flips)}, {right} to the label, {len(flips) - right} against it: "
        + ", ".join(f"{u}{'' if ok else ' (wrong)'}" for u, ok in flips)
    )


def cost(rows: list[dict[str, Any]], setting: dict[str, Any], model: tuple[Any, Any]) -> None:
    """CPU-µs per gated description that a shipped gate adds (evidence keys, embedding,
    dot product), on the corpus and on ``benchmarks/text_cache.py``'s descriptions."""
    import numpy as np
    from text_rules import build_corpus, load_cases

    from trackerguard.text.analysis import PurposeTrace, analyze_purpose

    tokenizer, table = model
    rows = with_gate(rows, setting["gate"])
    head = Head(_train_rows(rows, setting["train"]), setting["C"], setting["dims"])
    bias, w_ev, w_emb = head.folded()
    dims = setting["dims"]
    sub = np.ascontiguousarray(table[:, :dims])
    per_token = [float(x) for x in sub @ w_emb] if dims else []
    gate_kinds = {(r["rule_finding"]) for r in rows if r["gated"]}

    def evidence(v: Any, trace: Any) -> float:
        # A key counts once (the design matrix is 0/1; two hits of one cue category repeat it).
        return bias + sum(w_ev.get(k, 0.0) for k in set(lg.evidence_keys(v, trace)))

    def library(v: Any, trace: Any) -> float:
        z = evidence(v, trace)
        if dims:
            ids = tokenizer.encode(" ".join(trace.tokens), add_special_tokens=False).ids
            if ids:
                z += float(sub[ids].mean(axis=0) @ w_emb)
        return z

    memo: dict[str, tuple[float, int]] = {}

    def folded(v: Any, trace: Any) -> float:
        z = evidence(v, trace)
        if dims:
            total, count = 0.0, 0
            for w in trace.tokens:
                hit = memo.get(w)
                if hit is None:
                    ids = tokenizer.encode(w, add_special_tokens=False).ids
                    hit = memo[w] = (sum(per_token[i] for i in ids), len(ids))
                total += hit[0]
                count += hit[1]
            if count:
                z += total / count
        return z

    def sigmoid(z: float) -> float:
        return float(1.0 / (1.0 + np.exp(-z)))

    # The folded paths give the fitted model's probabilities (token boundaries included).
    seen = [(r, r["seen"]) for r in rows if r["gated"]]
    ref = head.scores([r for r, _ in seen])
    for fn in (library, folded):
        diff = max(abs(sigmoid(fn(*s)) - p) for (_, s), p in zip(seen, ref, strict=True))
        print(f"  {fn.__name__:8} path vs the fitted model: max |dp| = {diff:.2e}")

    populations: list[tuple[str, list[tuple[str, str]]]] = [
        ("real corpus, tuning part", [(r["body"], r["title"]) for r in _tuning_cases()]),
        ("text_cache.py descriptions", build_corpus(load_cases(), 20_000)),
    ]
    for name, bodies in populations:
        gated = []
        for body, title in bodies:
            trace = PurposeTrace()
            v = analyze_purpose(body, title, trace=trace)
            low = v.confidence == "low" and trace.doc is not None
            if low and (not v.present) in gate_kinds:
                gated.append((v, trace))
        share = len(gated) / len(bodies)
        out = f"  {name}: {len(gated)} of {len(bodies)} gated ({share:.0%})"
        steps = (
            ("evidence only", evidence, 5),
            ("library", library, 3),
            ("folded cold", folded, 1),
        )
        for label, fn, reps in steps:
            memo.clear()
            start = time.process_time()
            for _ in range(reps):
                for v, trace in gated:
                    fn(v, trace)
            us = (time.process_time() - start) / (reps * max(1, len(gated))) * 1e6
            out += f"; {label} {us:.1f} µs/gated = {us * share:.1f} µs/description"
        start = time.process_time()
        for _ in range(10):
            for v, trace in gated:
                folded(v, trace)
        us = (time.process_time() - start) / (10 * max(1, len(gated))) * 1e6
        out += f"; folded warm {us:.1f} µs/gated = {us * share:.1f} µs/description"
        out += f" (memo {len(memo)} words)"
        print(out)


_CASES: list[dict[str, Any]] = []


def _tuning_cases() -> list[dict[str, Any]]:
    return [c for c in _CASES if c["part"] == "tuning"]


def main(argv: list[str]) -> int:
    cases, missing = load_corpus()
    _CASES[:] = cases
    if missing:
        print(f"{len(missing)} labelled bodies missing from .corpus/ (real_corpus.py check)")
    goals = "--tg204" in argv
    rule = "TG204" if goals else "TG103"
    lg.BASE_RATE[0] = HIDDEN_BASE_RATE[rule]
    lg.FLOOR[0] = lg.RECALL_FLOOR_TG204 if goals else lg.RECALL_FLOOR
    start = time.perf_counter()
    model = load_wordllama()
    print(f"wordllama loaded in {time.perf_counter() - start:.2f} s (import + weights + tokenizer)")
    tuning = prepare(_tuning_cases(), goals, model)
    setting = cross_validate(tuning)
    if "--curve" in argv:
        learning_curve(tuning, setting)
    if "--cost" in argv and not goals:
        cost(tuning, setting, model)
    if "--holdout" in argv:
        written = prepare(lg._written_cases("measure" if goals else "purpose"), goals, model)
        held = prepare([c for c in cases if c["part"] == "holdout"], goals, model)
        holdout(tuning, held, written, setting)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
