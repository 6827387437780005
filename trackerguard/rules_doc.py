"""Render ``docs/rules.md`` from the rule classes, so the docs cannot drift from the code.

``python -m trackerguard.rules_doc > docs/rules.md`` regenerates it; ``tests/test_docs.py``
fails when the committed file differs from what the code renders.
"""

from __future__ import annotations

import json

from trackerguard.plugins_manager import build_registry
from trackerguard.rule import options_schema

HEADER = """# Rules reference

Generated from the rule classes by `python -m trackerguard.rules_doc` — do not edit by hand.
Each rule can be configured in `[rules.<ID>]` with `enabled`, `severity` (`info` | `warn` |
`block`), `mode` (`observe` | `comment` | `label` | `block`) and its own options below.
`trackerguard explain <ID>` prints the same text.
"""


def render() -> str:
    registry = build_registry(None, load_entry_points=False)
    builtin = [
        rule
        for rule_id, rule in sorted(registry.rules.items())
        if registry.owners.get(("rule", rule_id)) == "trackerguard.rules"
    ]
    parts = [HEADER]
    for rule in builtin:
        parts.append(f"## {rule.id}\n")
        parts.append(
            f"**{rule.id} {rule.name}** · default severity `{rule.default_severity}` · "
            f"applies to `{rule.applies_to}`"
            + (" · reads prose (confidence-graded)" if rule.reads_prose else "")
            + "\n"
        )
        parts.append(rule.documentation() + "\n")
        props = options_schema(rule).get("properties", {})
        if props:
            parts.append("Options:\n")
            for name, spec in props.items():
                default = json.dumps(spec.get("default"))
                parts.append(f"- `{name}` (default `{default}`): {spec.get('description', '')}")
            parts.append("")
    return "\n".join(parts).rstrip() + "\n"


if __name__ == "__main__":  # pragma: no cover
    print(render(), end="")
