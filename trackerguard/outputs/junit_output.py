"""``--format junit``: one testcase per item and rule, valid JUnit XML for GitLab/Jenkins.

A testsuite per rule; a testcase per judged item the rule applies to. Findings at ``warn``
or ``block`` are failures; ``info`` findings pass with the finding in ``system-out``.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from trackerguard.report import Report

# Characters XML 1.0 cannot carry at all (not even as references): C0 controls other than
# tab/newline/return, lone surrogates, U+FFFE and U+FFFF.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _xml_safe(text: str) -> str:
    """Tracker text as something an XML parser accepts: each forbidden character shown as
    ``\\xNN`` (a title holding a bell or a NUL would otherwise make the whole report
    unreadable to GitLab or Jenkins)."""
    return _NOT_XML.sub(_shown, text)


def _shown(match: re.Match[str]) -> str:
    code = ord(match.group(0))
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def _sanitise(root: ET.Element) -> None:
    for element in root.iter():
        if element.text:
            element.text = _xml_safe(element.text)
        for name, value in element.attrib.items():
            element.set(name, _xml_safe(value))


def write_junit(report: Report) -> str:
    graph = report.graph
    levels = graph.levels if graph else None
    by_pair = {(f.item, f.rule): f for f in report.findings}
    root = ET.Element("testsuites", name="trackerguard")
    total_tests = total_failures = 0
    for rule_id, rule_name, applies_to in report.rules:
        suite = ET.SubElement(root, "testsuite", name=f"{rule_id} {rule_name}")
        tests = failures = 0
        for item in report.items:
            if item.level is None or item.is_closed or report.skip_label in item.labels:
                continue
            if levels is not None:
                if applies_to == "work" and not levels.is_work(item.level):
                    continue
                if applies_to == "goal" and not levels.is_goal(item.level):
                    continue
            tests += 1
            case = ET.SubElement(
                suite,
                "testcase",
                classname=f"trackerguard.{rule_id}",
                name=f"{item.key} {item.title}"[:200],
                time="0",
            )
            finding = by_pair.get((item.key, rule_id))
            if finding is None:
                continue
            text = finding.message
            if finding.evidence:
                text += f"\nevidence: {finding.evidence}"
            if finding.hint:
                text += f"\nhint: {finding.hint}"
            if finding.url:
                text += f"\n{finding.url}"
            if str(finding.severity) == "info":
                ET.SubElement(case, "system-out").text = f"info: {text}"
            else:
                failures += 1
                failure = ET.SubElement(
                    case, "failure", message=finding.message, type=str(finding.severity)
                )
                failure.text = text
        suite.set("tests", str(tests))
        suite.set("failures", str(failures))
        suite.set("errors", "0")
        suite.set("skipped", "0")
        total_tests += tests
        total_failures += failures
    if report.errors:
        suite = ET.SubElement(root, "testsuite", name="tracker errors")
        for error in report.errors:
            case = ET.SubElement(
                suite, "testcase", classname="trackerguard.errors", name=error.item
            )
            ET.SubElement(case, "error", message=error.message).text = error.message
        suite.set("tests", str(len(report.errors)))
        suite.set("failures", "0")
        suite.set("errors", str(len(report.errors)))
    root.set("tests", str(total_tests + len(report.errors)))
    root.set("failures", str(total_failures))
    root.set("errors", str(len(report.errors)))
    _sanitise(root)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
