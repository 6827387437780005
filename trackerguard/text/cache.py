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
from typing import TYPE_CHECKING

from trackerguard.errors import ConfigError
from trackerguard.text.analysis import TextVerdict, analyze_purpose, analyze_success_measure
from trackerguard.text.config import TextAnalysisConfig
from trackerguard.text.cues import CUE_DATA_DIGEST

if TYPE_CHECKING:
    from trackerguard.state import StateStore

__all__ = ["ANALYSER_VERSION", "VerdictCache"]

ANALYSER_VERSION = "2026-12-03.1"
"""Part of every cache key: bump it with any change to the analyser's code that can alter a
verdict (changes to the cue files are covered by ``CUE_DATA_DIGEST`` automatically)."""

_Analyse = Callable[[str, str, Mapping[str, object] | None, TextAnalysisConfig | None], TextVerdict]


class VerdictCache:
    """TG103 / TG204 verdicts by content hash, optionally persisted in a state store."""

    def __init__(self, store: StateStore | None = None) -> None:
        self._store = store
        self._verdicts: dict[bytes, TextVerdict] | None = None
        self._new: dict[bytes, TextVerdict] = {}
        self._config: TextAnalysisConfig | None = None
        self._purpose_prefix = self._measure_prefix = ""
        self._purpose_field: str | None = None
        self._measure_field: str | None = None
        self.analysed = 0
        """How many verdicts this cache had to compute (the rest came from the cache)."""

    def purpose(
        self,
        description: str,
        title: str,
        fields: Mapping[str, object] | None,
        config: TextAnalysisConfig,
    ) -> TextVerdict:
        if config is not self._config:
            self._use(config)
        field = repr(fields.get(self._purpose_field)) if fields and self._purpose_field else ""
        return self._get(self._purpose_prefix, analyze_purpose, description, title, field, fields)

    def success_measure(
        self,
        description: str,
        title: str,
        fields: Mapping[str, object] | None,
        config: TextAnalysisConfig,
    ) -> TextVerdict:
        if config is not self._config:
            self._use(config)
        field = repr(fields.get(self._measure_field)) if fields and self._measure_field else ""
        return self._get(
            self._measure_prefix, analyze_success_measure, description, title, field, fields
        )

    def _use(self, config: TextAnalysisConfig) -> None:
        """Key prefixes for a settings object (computed once per object, not per item)."""
        settings = config.model_dump_json()
        self._config = config
        base = f"{ANALYSER_VERSION}\x00{CUE_DATA_DIGEST}"
        self._purpose_prefix = f"{base}\x00p\x00{settings}\x00"
        self._measure_prefix = f"{base}\x00m\x00{settings}\x00"
        self._purpose_field = config.purpose_field
        self._measure_field = config.measure_field

    def _get(
        self,
        prefix: str,
        analyse: _Analyse,
        description: str,
        title: str,
        field: str,
        fields: Mapping[str, object] | None,
    ) -> TextVerdict:
        key = sha256(
            f"{prefix}{title}\x00{field}\x00{description}".encode("utf-8", "surrogatepass")
        ).digest()
        verdicts = self._verdicts
        if verdicts is None:
            verdicts = self._verdicts = self._load()
        verdict = verdicts.get(key)
        if verdict is None:
            verdict = analyse(description, title, fields, self._config)
            self.analysed += 1
            verdicts[key] = verdict
            self._new[key] = verdict
        return verdict

    def _load(self) -> dict[bytes, TextVerdict]:
        if self._store is None:
            return {}
        try:
            rows = self._store.text_verdicts(ANALYSER_VERSION)
        except (ConfigError, sqlite3.Error):
            # No usable state store (e.g. a read-only checkout): the cache still works for
            # this run, it just starts cold. Judging never depends on it.
            self._store = None
            return {}
        return {
            key: TextVerdict(bool(present), confidence, evidence, kind)  # type: ignore[arg-type]
            for key, present, confidence, evidence, kind in rows
        }

    def flush(self) -> int:
        """Write the verdicts computed since the last flush; returns how many."""
        new, self._new = self._new, {}
        if new and self._store is not None:
            try:
                self._store.save_text_verdicts(
                    ANALYSER_VERSION,
                    ((key, v.present, v.confidence, v.evidence, v.kind) for key, v in new.items()),
                )
            except (ConfigError, sqlite3.Error):
                self._store = None
        return len(new)
