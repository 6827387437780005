"""The goal tree of the HTML report: initiative → epics → work, drawn as inline SVG.

Each node is one item, coloured by its own worst open finding (block, warn, info; green when
it has none), so a reader sees at a glance which branch of the strategy is unhealthy. Edges
are the graph's serving edges (parent or goal link). Work that reaches no goal hangs under a
"serves no goal" root. Large backlogs are cut, visibly: at most :data:`MAX_CHILDREN` children
per node (then a "+N more" node coloured by the worst of the hidden ones) and
:data:`MAX_ROWS` rows in all.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from html import escape

from trackerguard.model import WorkItem
from trackerguard.outputs.grouping import natural_key, rank
from trackerguard.report import Report

MAX_CHILDREN = 30
MAX_ROWS = 400
_ROW_H, _BOX_H, _COL_W, _BOX_W = 26, 20, 250, 220
FILL = {2: "#fde2e1", 1: "#fff3cd", 0: "#eef0f4", -1: "#e3f6e8", -2: "#e3f6e8"}
STROKE = {2: "#c0392b", 1: "#e1a100", 0: "#8e9aaf", -1: "#27ae60", -2: "#27ae60"}
SEVERITY = {2: "block", 1: "warn", 0: "info", -1: "none", -2: "none"}
NO_GOAL_ROOT = "(serves no goal)"


@dataclass
class Node:
    key: str
    label: str
    worst: int
    children: list[Node] = field(default_factory=list)
    more: int = 0
    """Children not drawn (cut at MAX_CHILDREN); the "+N more" node's colour is ``worst_hidden``."""
    worst_hidden: int = -2
    row: float = 0.0
    more_row: int = 0
    depth: int = 0


def build_tree(report: Report) -> list[Node]:
    """Roots (top-level goals, then "serves no goal") with their open descendants."""
    graph = report.graph
    if graph is None:
        return []
    levels = graph.levels
    worst: dict[str, int] = {}
    for finding in report.findings:
        worst[finding.item] = max(worst.get(finding.item, -2), rank(finding))
    placed: set[str] = set()

    def shown(item: WorkItem) -> bool:
        return item.level is not None and not item.is_closed

    def grow(item: WorkItem, depth: int) -> Node:
        placed.add(item.key)
        node = Node(item.key, f"{item.key} {item.title}", worst.get(item.key, -2), depth=depth)
        kids = [c for c in graph.children(item.key) if shown(c) and c.key not in placed]
        kids.sort(key=lambda c: (-worst.get(c.key, -2), natural_key(c.key)))
        for child in kids[:MAX_CHILDREN]:
            if child.key not in placed:
                node.children.append(grow(child, depth + 1))
        hidden = kids[MAX_CHILDREN:]
        node.more = len(hidden)
        node.worst_hidden = max((worst.get(c.key, -2) for c in hidden), default=-2)
        return node

    tops = [i for i in graph.items.values() if shown(i) and levels.rank(i.level) == 0]
    tops.sort(key=lambda i: (-worst.get(i.key, -2), natural_key(i.key)))
    roots = [grow(item, 0) for item in tops]
    judged = {item.key for item in report.items}
    loose = [i for i in graph.items.values() if shown(i) and i.key in judged]
    loose.sort(key=lambda i: (levels.rank(i.level), -worst.get(i.key, -2), natural_key(i.key)))
    orphan = Node(NO_GOAL_ROOT, "Not under an open goal", -2)
    hidden: list[WorkItem] = []
    for item in loose:
        if item.key in placed:
            continue
        if len(orphan.children) < MAX_CHILDREN:
            orphan.children.append(grow(item, 1))
        else:
            hidden.append(item)
            placed.add(item.key)
    if orphan.children:
        orphan.more = len(hidden)
        orphan.worst_hidden = max((worst.get(i.key, -2) for i in hidden), default=-2)
        orphan.worst = max(worst_rank_of(child) for child in orphan.children)
        orphan.worst = max(orphan.worst, orphan.worst_hidden)
        roots.append(orphan)
    return roots


def worst_rank_of(node: Node) -> int:
    return max([node.worst, node.worst_hidden] + [worst_rank_of(c) for c in node.children])


def _layout(roots: list[Node]) -> tuple[list[Node], int, int]:
    """Give each node a row (leaves in order, parents centred on their children); return
    the drawn roots (cut at MAX_ROWS), the row count and the roots left out."""
    next_row = 0
    drawn: list[Node] = []

    def place(node: Node) -> None:
        nonlocal next_row
        if not node.children:
            node.row = next_row
            next_row += 1
        else:
            for child in node.children:
                place(child)
            node.row = (node.children[0].row + node.children[-1].row) / 2
        if node.more:
            node.more_row = next_row  # the "+N more" row under the last child
            next_row += 1

    for index, root in enumerate(roots):
        if next_row >= MAX_ROWS:
            return drawn, next_row, len(roots) - index
        place(root)
        drawn.append(root)
    return drawn, next_row, 0


def _walk(nodes: list[Node]) -> Iterator[Node]:
    for node in nodes:
        yield node
        yield from _walk(node.children)


def goal_tree_svg(report: Report) -> str:
    """The tree as one ``<svg>`` (empty string when there is no goal graph)."""
    roots = build_tree(report)
    if not roots:
        return ""
    drawn, rows, left_out = _layout(roots)
    depth = max(node.depth for node in _walk(drawn)) + 1
    width = depth * _COL_W + 40
    height = rows * _ROW_H + 20
    parts = [
        f'<svg class=goal-tree role="img" aria-label="goal tree" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}">'
    ]

    def y(row: float) -> float:
        return 10 + row * _ROW_H + _BOX_H / 2

    for node in _walk(drawn):
        x = node.depth * _COL_W
        targets = [child.row for child in node.children]
        if node.more:
            targets.append(node.more_row)
        for row in targets:
            cx = (node.depth + 1) * _COL_W
            mid = x + _BOX_W + (cx - x - _BOX_W) / 2
            parts.append(
                f'<path d="M{x + _BOX_W} {y(node.row):.1f} H{mid:.1f} V{y(row):.1f} '
                f'H{cx}" fill="none" stroke="#bbb"/>'
            )
        if node.more:
            last = node.children[-1].row if node.children else node.row
            more_row = last + 1 if node.children else node.row + 1
            parts.append(
                _box(
                    (node.depth + 1) * _COL_W,
                    more_row,
                    f"+{node.more} more",
                    node.worst_hidden,
                    None,
                )
            )
        parts.append(_box(x, node.row, node.label, node.worst, node.key))
    if left_out:
        parts.append(
            f'<text x="0" y="{height - 4}" font-size="12" fill="#777">… {left_out} more goals '
            "not drawn (see the findings table)</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def _box(x: float, row: float, label: str, worst: int, key: str | None) -> str:
    top = 10 + row * _ROW_H
    text = label if len(label) <= 32 else label[:31] + "…"
    data = f' data-key="{escape(key)}" data-worst="{SEVERITY[worst]}"' if key else ""
    return (
        f"<g class=node{data}><title>{escape(label)} — worst finding: {SEVERITY[worst]}</title>"
        f'<rect x="{x}" y="{top:.1f}" width="{_BOX_W}" height="{_BOX_H}" rx="4" '
        f'fill="{FILL[worst]}" stroke="{STROKE[worst]}"/>'
        f'<text x="{x + 6}" y="{top + 14:.1f}" font-size="12">{escape(text)}</text></g>'
    )


__all__ = ["MAX_CHILDREN", "MAX_ROWS", "build_tree", "goal_tree_svg", "worst_rank_of"]
