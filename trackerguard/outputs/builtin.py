"""Registers the built-in report formats through the same hook plugins use."""

from __future__ import annotations

from trackerguard.hooks import RegisterOutput, hookimpl


@hookimpl
def trackerguard_register_outputs(register: RegisterOutput) -> None:
    """Register text, json, markdown, junit and html."""
    from trackerguard.outputs.html_output import write_html
    from trackerguard.outputs.json_output import write_json
    from trackerguard.outputs.junit_output import write_junit
    from trackerguard.outputs.markdown_output import write_markdown
    from trackerguard.outputs.text_output import write_text

    register("text", write_text)
    register("json", write_json)
    register("markdown", write_markdown)
    register("junit", write_junit)
    register("html", write_html)
