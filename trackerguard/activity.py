"""Movement, defined once: what "a goal is moving" means on every tracker.

Each adapter supplies one fact per item, :attr:`WorkItem.activity`: the last time a *person*
changed it (edits, comments, status moves), never moved by trackerguard's own writes (its
comment, notes, labels, properties, blocks, commit statuses). Everything else is computed
here, the same way for every tracker:

* a goal's movement is the newest activity **anywhere below it** (children, grandchildren,
  ...; closed items count, finishing work is movement), not of its direct children only:
  an initiative whose epics nobody edits moves when the stories under them do;
* the goal's own edits do not count: rewording a goal is not doing its work.

The walk is cycle-safe and follows the same serving edges as the graph (parents and goal
links), so what "below" means never differs from what TG101/TG201 see.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from trackerguard.graph import StrategyGraph
    from trackerguard.model import WorkItem


@dataclass(frozen=True, slots=True)
class Movement:
    """The newest human activity below a goal, and on which item it happened."""

    at: datetime
    key: str


def item_activity(item: WorkItem) -> datetime | None:
    """One item's last human activity (never earlier than its creation; None: unknown).

    Every real tracker reports when an item was last updated; an item that carries no such
    date (a hand-written file backlog) tells nothing about movement and is left out.
    """
    stamp = item.activity
    if stamp is None:
        return None
    if item.created is not None and stamp < item.created:
        return item.created
    return stamp


def newest_below(graph: StrategyGraph, key: str) -> Movement | None:
    """The newest activity among every item below ``key`` (None: nothing below has any)."""
    best: Movement | None = None
    for below in graph.below(key):
        item = graph.items.get(below)
        if item is None:
            continue
        stamp = item_activity(item)
        if stamp is not None and (
            best is None or stamp > best.at or (stamp == best.at and below < best.key)
        ):
            best = Movement(stamp, below)
    return best


def open_below(graph: StrategyGraph, key: str) -> list[WorkItem]:
    """The items below ``key`` that are still open (work left to do), in key order."""
    out = [graph.items[k] for k in graph.below(key) if k in graph.items]
    return sorted((item for item in out if not item.is_closed), key=lambda item: item.key)
