"""Verdict cache for the prose detectors: an unchanged item is not analysed again.

Why: a steady-state rescan sees mostly unchanged items, and reading prose is the costliest
part of judging one. A verdict depends only on the title, the description, the configured
purpose/measure field, the ``[text]`` settings and the analyser itself, so the key is the
SHA-256 of exactly those (with :data:`ANALYSER_VERSION`, bumped whenever cues or grading
change). The cache lives in memory for a run and in the state store between runs: it is
read in one query when first used and written in one transaction at the end of the run,
so a lookup costs a hash and a dict access, never a database round trip.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Mapping
from hashlib import sha256
from typing import TYPE_CHECKING, Any, Literal

from trackerguard.errors import ConfigError
from trackerguard.text.config import TextAnalysisConfig

if TYPE_CHECKING:
    from trackerguard.state import StateStore
    from trackerguard.text.analysis import TextVerdict

# The analyser and its cue patterns (compiling them is ~40% of a ``check``'s start-up) are
# imported when the first verdict is asked for, not with this module: the runner creates
# the cache before the tracker is read and starts that import in the background then, so
# it overlaps the first network round trips (:func:`trackerguard.run.preload_prose`).

__all__ = ["ANALYSER_VERSION", "Check", "VerdictCache", "text_verdict"]

ANALYSER_VERSION = "2026-12-06.1"
"""Part of every cache key: bump it with any change to the analyser's code that can alter a
verdict (changes to the cue files are covered by ``CUE_DATA_DIGEST`` automatically)."""

_Analyse = Callable[
    [str, str, Mapping[str, object] | None, TextAnalysisConfig | None], "TextVerdict"
]


Check = Literal["purpose", "measure"]
"""Which detector a verdict is asked of: ``purpose`` (TG103) or ``measure`` (TG204)."""


def _analysers() -> dict[str, _Analyse]:
    from trackerguard.text.analysis import analyze_purpose, analyze_success_measure

    return {"purpose": analyze_purpose, "measure": analyze_success_measure}


def text_verdict(
    cache: VerdictCache | None,
    check: Check,
    description: str,
    title: str,
    fields: Mapping[str, object] | None,
    config: TextAnalysisConfig,
) -> TextVerdict:
    """``cache``'s verdict, or the detector's own when a run has no cache: the one way the
    text rules ask, so neither imports the analyser (costly cue patterns) at start-up."""
    if cache is not None:
        return cache.verdict(check, description, title, fields, config)
    return _analysers()[check](description, title, fields, config)


_VERDICT_CLASS: list[type[TextVerdict]] = []
""":class:`TextVerdict`, once the analyser is imported (an ``import`` statement inside
``_unpack`` cost more than the unpacking itself on a warm rescan)."""


def _pack(verdict: TextVerdict) -> str:
    """A verdict as stored (``StateStore.text_verdicts``): fields joined by U+001F,
    evidence last so it may hold anything."""
    present = "1" if verdict.present else "0"
    return f"{present}\x1f{verdict.confidence}\x1f{verdict.kind}\x1f{verdict.evidence}"


def _unpack(packed: str) -> TextVerdict:
    """A stored verdict (see :func:`_pack`) back as a :class:`TextVerdict`."""
    if not _VERDICT_CLASS:
        from trackerguard.text.analysis import TextVerdict

        _VERDICT_CLASS.append(TextVerdict)
    present, confidence, kind, evidence = packed.split("\x1f", 3)
    return _VERDICT_CLASS[0](present == "1", confidence, evidence, kind)  # type: ignore[arg-type]


class VerdictCache:
    """TG103 / TG204 verdicts by content hash, optionally persisted in a state store."""

    def __init__(self, store: StateStore | None = None) -> None:
        self._store = store
        # Content key -> the verdict computed this run, or the id of a stored one.
        self._verdicts: dict[bytes, TextVerdict | int] | None = None
        # Stored verdicts by id, packed; and those unpacked so far (for judging only).
        self._stored: dict[int, str] = {}
        self._unpacked: dict[int, TextVerdict] = {}
        self._new: dict[bytes, TextVerdict] = {}
        self._config: TextAnalysisConfig | None = None
        # Per check: (hash state of the key prefix, configured field name, detector).
        self._specs: dict[str, tuple[Any, str | None, _Analyse]] = {}
        self.analysed = 0
        """How many verdicts this cache had to compute (the rest came from the cache)."""

    def verdict(
        self,
        check: Check,
        description: str,
        title: str,
        fields: Mapping[str, object] | None,
        config: TextAnalysisConfig,
    ) -> TextVerdict:
        """The verdict of one detector (``check``) on one item, computed at most once per
        content hash. One method for both rules: they differ only in the key prefix, the
        configured field and the detector, so a rule names its check instead of a twin."""
        if config is not self._config:
            self._use(config)
        prefix, field_name, analyse = self._specs[check]
        field = repr(fields.get(field_name)) if fields and field_name else ""
        # sha256(prefix + rest) == prefix state copied, then updated with rest: the long
        # settings prefix is hashed once per settings object, not once per item.
        h = prefix.copy()
        h.update(f"{title}\x00{field}\x00{description}".encode("utf-8", "surrogatepass"))
        key = h.digest()
        verdicts = self._verdicts
        if verdicts is None:
            verdicts = self._verdicts = self._load()
        verdict = verdicts.get(key)
        if type(verdict) is int:
            # A stored verdict (the rescan's path), unpacked on first use. Items with
            # equal verdicts share one id, so one (immutable) object: most absences and
            # many presences carry the same evidence sentence, and each object built is
            # one more for the garbage collector to walk on every full collection.
            unpacked = self._unpacked.get(verdict)
            if unpacked is not None:
                return unpacked
            packed = self._stored.get(verdict)
            if packed is not None:
                unpacked = self._unpacked[verdict] = _unpack(packed)
                return unpacked
            verdict = None  # its value row went missing (another process's cleanup)
        if verdict is None:
            verdict = analyse(description, title, fields, config)
            self.analysed += 1
            verdicts[key] = verdict
            self._new[key] = verdict
        return verdict  # type: ignore[return-value]

    def _use(self, config: TextAnalysisConfig) -> None:
        """Key prefixes for a settings object (computed once per object, not per item)."""
        from trackerguard.text.cues import CUE_DATA_DIGEST

        settings = config.model_dump_json()
        self._config = config
        base = f"{ANALYSER_VERSION}\x00{CUE_DATA_DIGEST}"
        fields = {"purpose": config.purpose_field, "measure": config.measure_field}
        self._specs = {
            check: (
                sha256(f"{base}\x00{check[0]}\x00{settings}\x00".encode("utf-8", "surrogatepass")),
                fields[check],
                analyse,
            )
            for check, analyse in _analysers().items()
        }

    def _load(self) -> dict[bytes, TextVerdict | int]:
        """Stored verdicts as key -> id (see ``StateStore.text_verdicts``): each distinct
        verdict is unpacked the first time it is asked for, so loading is two queries."""
        if self._store is None:
            return {}
        try:
            keys, self._stored = self._store.text_verdicts(ANALYSER_VERSION)
        except (ConfigError, sqlite3.Error):
            # No usable state store (e.g. a read-only checkout): the cache still works for
            # this run, it just starts cold. Judging never depends on it.
            self._store = None
            return {}
        return keys  # type: ignore[return-value]

    def flush(self) -> int:
        """Write the verdicts computed since the last flush; returns how many."""
        new, self._new = self._new, {}
        self._unpacked = {}  # judging is over: keep each verdict once, not its packed twin
        if new and self._store is not None:
            try:
                self._store.save_text_verdicts(
                    ANALYSER_VERSION, ((key, _pack(v)) for key, v in new.items())
                )
            except (ConfigError, sqlite3.Error):
                self._store = None
        return len(new)
