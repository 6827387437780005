"""The TG103/TG204 verdict cache: unchanged items are not analysed again, across runs."""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

from trackerguard.adapter import ScanRequest
from trackerguard.plugins_manager import build_registry
from trackerguard.run import Runner
from trackerguard.settings import load_settings
from trackerguard.state import StateStore
from trackerguard.text.analysis import TextAnalysisConfig, TextVerdict, analyze_purpose
from trackerguard.text.cache import ANALYSER_VERSION, VerdictCache, _unpack

ROOT = Path(__file__).resolve().parents[1]
BODY = "Add a CSV export so the finance team can reconcile without retyping every line."
CFG = TextAnalysisConfig()


def test_same_inputs_are_analysed_once_and_give_the_same_verdict() -> None:
    cache = VerdictCache()
    first = cache.verdict("purpose", BODY, "CSV export", None, CFG)
    again = cache.verdict("purpose", BODY, "CSV export", None, CFG)
    assert first == again == analyze_purpose(BODY, "CSV export")
    assert cache.analysed == 1


def test_every_part_of_the_key_invalidates() -> None:
    cache = VerdictCache()
    cache.verdict("purpose", BODY, "CSV export", None, CFG)
    cache.verdict("purpose", BODY + " Today.", "CSV export", None, CFG)  # description
    cache.verdict("purpose", BODY, "CSV export v2", None, CFG)  # title (restatement depends on it)
    strict = TextAnalysisConfig(strictness="strict")
    cache.verdict("purpose", BODY, "CSV export", None, strict)  # settings
    with_field = TextAnalysisConfig(purpose_field="why")
    cache.verdict(
        "purpose", BODY, "CSV export", {"why": "Finance asked."}, with_field
    )  # field value
    cache.verdict("purpose", BODY, "CSV export", {"why": "Audit asked."}, with_field)
    cache.verdict("measure", BODY, "CSV export", None, CFG)  # the other rule
    assert cache.analysed == 7
    # an equal but distinct settings object maps to the same key
    cache.verdict("purpose", BODY, "CSV export", None, TextAnalysisConfig())
    assert cache.analysed == 7


def test_verdicts_survive_in_the_state_store(tmp_path: Path) -> None:
    store = StateStore(tmp_path / "state.db")
    cold = VerdictCache(store)
    verdict = cold.verdict("purpose", BODY, "CSV export", None, CFG)
    cold.verdict("measure", "Roll out to all tenants.", "Epic", None, CFG)
    assert cold.flush() == 2 and cold.flush() == 0
    store.close()

    warm = VerdictCache(StateStore(tmp_path / "state.db"))
    assert warm.verdict("purpose", BODY, "CSV export", None, CFG) == verdict
    assert warm.analysed == 0


def test_verdicts_of_another_analyser_version_are_dropped(tmp_path: Path) -> None:
    store = StateStore(tmp_path / "state.db")
    store.save_text_verdicts("old-version", [(b"k1", "0\x1flow\x1fno_cue\x1fx")])
    store.save_text_verdicts(ANALYSER_VERSION, [(b"k2", "1\x1fhigh\x1fsection\x1fy")])
    keys, values = store.text_verdicts(ANALYSER_VERSION)
    assert {k: values[v] for k, v in keys.items()} == {b"k2": "1\x1fhigh\x1fsection\x1fy"}
    db = sqlite3.connect(tmp_path / "state.db")
    assert [r[0] for r in db.execute("SELECT key FROM text_verdict_keys")] == [b"k2"]
    assert db.execute("SELECT count(*) FROM text_verdict_values").fetchone() == (1,)


def test_equal_verdicts_are_stored_once(tmp_path: Path) -> None:
    # Many items share a verdict (a clear absence of one kind has one evidence text):
    # the store keeps it once and each key points at it.
    store = StateStore(tmp_path / "state.db")
    same = "0\x1fhigh\x1ftoo_short\x1fthe description is too short"
    store.save_text_verdicts(ANALYSER_VERSION, [(b"a", same), (b"b", same)])
    store.save_text_verdicts(ANALYSER_VERSION, [(b"c", same), (b"a", "1\x1flow\x1fsection\x1fz")])
    keys, values = store.text_verdicts(ANALYSER_VERSION)
    assert len(values) == 2
    assert {k: values[v] for k, v in keys.items()} == {
        b"a": "1\x1flow\x1fsection\x1fz",
        b"b": same,
        b"c": same,
    }


def test_a_state_store_of_the_old_layout_starts_cold(tmp_path: Path) -> None:
    # Before 2026-12-05 verdicts sat one per row in ``text_verdicts``; that table is
    # dropped on open (its analyser version is stale anyway) and the cache works.
    db = sqlite3.connect(tmp_path / "state.db")
    db.execute(
        "CREATE TABLE text_verdicts (key BLOB PRIMARY KEY, version TEXT NOT NULL, "
        "present INTEGER NOT NULL, confidence TEXT NOT NULL, evidence TEXT NOT NULL, "
        "kind TEXT NOT NULL) WITHOUT ROWID"
    )
    db.execute(
        "INSERT INTO text_verdicts VALUES (x'00', '2026-12-04.2', 1, 'high', 'e', 'section')"
    )
    db.commit()
    db.close()
    cache = VerdictCache(StateStore(tmp_path / "state.db"))
    assert cache.verdict("purpose", BODY, "CSV export", None, CFG).present
    assert cache.analysed == 1 and cache.flush() == 1
    tables = {
        r[0]
        for r in sqlite3.connect(tmp_path / "state.db").execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'"
        )
    }
    assert "text_verdicts" not in tables and "text_verdict_keys" in tables


def test_a_stored_evidence_may_hold_the_field_separator(tmp_path: Path) -> None:
    # The packed row keeps the evidence last, so even a U+001F inside it round-trips.
    verdict = TextVerdict(False, "low", "odd \x1f evidence \x1f text", "no_cue")
    cold = VerdictCache(StateStore(tmp_path / "state.db"))
    cold._verdicts = {}
    cold._new = {b"k" * 32: verdict}
    assert cold.flush() == 1
    warm = VerdictCache(StateStore(tmp_path / "state.db"))
    assert warm.verdict("purpose", "", "", None, CFG) != verdict  # loads the store
    vid = warm._load()[b"k" * 32]
    assert isinstance(vid, int)
    assert warm._stored[vid] == "0\x1flow\x1fno_cue\x1fodd \x1f evidence \x1f text"
    assert _unpack(warm._stored[vid]) == verdict


def test_equal_stored_verdicts_are_unpacked_once_per_run(tmp_path: Path) -> None:
    # A warm rescan builds one object per distinct stored verdict, not one per item.
    bodies = [f"{BODY} Item {i}." for i in range(3)]
    cold = VerdictCache(StateStore(tmp_path / "state.db"))
    expected = [cold.verdict("purpose", b, "CSV export", None, CFG) for b in bodies]
    other = cold.verdict("purpose", "Fix typo.", "Fix typo", None, CFG)
    assert cold.flush() == 4
    warm = VerdictCache(StateStore(tmp_path / "state.db"))
    got = [warm.verdict("purpose", b, "CSV export", None, CFG) for b in bodies]
    assert got == expected and warm.analysed == 0
    assert got[0] is got[1] is got[2]
    assert warm.verdict("purpose", "Fix typo.", "Fix typo", None, CFG) == other != got[0]
    assert warm.flush() == 0 and warm._unpacked == {}


def test_an_unusable_state_store_leaves_the_cache_in_memory(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory", encoding="utf-8")
    cache = VerdictCache(StateStore(blocker / "state.db"))  # parent is a file
    assert cache.verdict("purpose", BODY, "CSV export", None, CFG).present
    assert cache.verdict("purpose", BODY, "CSV export", None, CFG).present
    assert cache.analysed == 1
    assert cache.flush() == 1  # nothing to write to, and no error


def _demo(tmp_path: Path) -> Path:
    demo = tmp_path / "demo"
    shutil.copytree(ROOT / "examples" / "demo", demo)
    config = demo / "trackerguard.toml"
    config.write_text(
        f'state_path = "{tmp_path / "state.db"}"\n' + config.read_text(encoding="utf-8"),
        encoding="utf-8",
    )
    return config


def _check(config: Path) -> tuple[list[tuple[str, str, str]], int, int]:
    settings = load_settings(config, cwd=config.parent, use_pyproject=False)
    runner = Runner(settings, build_registry(settings.plugins_dir))
    try:
        report = runner.check(ScanRequest())
        found = sorted(
            (f.rule, f.item, f.confidence) for f in report.findings if f.rule in ("TG103", "TG204")
        )
        return found, runner.text_cache.analysed, len(report.items)
    finally:
        runner.close()


def test_a_steady_state_rescan_does_no_text_analysis(tmp_path: Path) -> None:
    config = _demo(tmp_path)
    first, analysed_first, items = _check(config)
    assert items >= 60 and analysed_first > 0 and first
    second, analysed_second, items_again = _check(config)
    assert (second, analysed_second, items_again) == (first, 0, items)

    # one changed description is the only text analysed on the next run
    backlog = config.parent / "backlog.json"
    data = json.loads(backlog.read_text(encoding="utf-8"))
    items_list = data["items"] if isinstance(data, dict) else data
    items_list[0]["description"] = "Rewritten today, because support spends hours on it."
    backlog.write_text(json.dumps(data), encoding="utf-8")
    _, analysed_third, _ = _check(config)
    assert 1 <= analysed_third <= 2  # TG103 and/or TG204, depending on the item's level


def test_the_analyser_loads_in_the_background_not_with_the_runner() -> None:
    """Compiling the cue patterns is a large part of start-up: building a runner must not
    do it; :func:`preload_prose` does it in a thread (started as the tracker is opened)."""
    code = textwrap.dedent(
        """
        import sys, threading
        from trackerguard.plugins_manager import build_registry
        from trackerguard.run import Runner, preload_prose
        from trackerguard.settings import load_settings
        Runner(load_settings(None, {}), build_registry(load_entry_points=False), "file")
        before = "trackerguard.text.cues" in sys.modules
        preload_prose()
        names = [t.name for t in threading.enumerate()]
        for t in threading.enumerate():
            if t.name == "trackerguard-preload":
                t.join(60)
        print(before, "trackerguard-preload" in names, "trackerguard.text.analysis" in sys.modules)
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split()
    assert out == ["False", "True", "True"], out
