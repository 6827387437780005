"""Test-only tracker ``leaky``: the file tracker with deliberate listing/reading bugs.

Each knob reproduces one way real adapters lose items, so the tests can show the core (not
the adapter) turns every one into a named error and exit 3:

* ``drop``: keys the scan lists but never yields (a filter or bug swallowing items);
* ``drop_every``: drop every Nth listed item instead;
* ``announce_extra``: the tracker announces that many more items than it lists
  ("fewer items than announced");
* ``repeat_token``: the listing saw a page token come back (the scan stops there);
* ``bad_key``: one listed key that cannot be parsed as a key of this tracker;
* ``duplicate``: yield every item twice (must be judged and counted once).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import ClassVar

from trackerguard.plugins.file.adapter import FileAdapter
from trackerguard.plugins.file.settings import FileSettings

from trackerguard.adapter import ScanRequest
from trackerguard.hooks import RegisterTracker, hookimpl
from trackerguard.model import WorkItem


class LeakySettings(FileSettings):
    drop: list[str] = []
    drop_every: int = 0
    announce_extra: int = 0
    repeat_token: bool = False
    bad_key: str | None = None
    duplicate: bool = False


class LeakyAdapter(FileAdapter):
    """Lists like the file tracker, then misbehaves as configured."""

    name: ClassVar[str] = "leaky"
    Settings = LeakySettings

    def scan(self, request: ScanRequest) -> Iterator[WorkItem]:
        cfg = self.settings
        assert isinstance(cfg, LeakySettings)
        items = list(super().scan(request))
        ledger = self.context.ledger
        if cfg.announce_extra:
            ledger.announced(len(items) + cfg.announce_extra, "listing the backlog")
        if cfg.repeat_token:
            ledger.problem("not judged: listing the backlog: the page token 'p2' came back twice")
        if cfg.bad_key:
            ledger.problem(f"not judged: unparseable key {cfg.bad_key!r}", item=cfg.bad_key)
        for index, item in enumerate(items, start=1):
            if item.key in cfg.drop or (cfg.drop_every and index % cfg.drop_every == 0):
                continue
            yield item
            if cfg.duplicate:
                yield item


@hookimpl
def trackerguard_register_trackers(register: RegisterTracker) -> None:
    register("leaky", LeakyAdapter)
