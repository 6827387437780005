"""Headless Chromium for checking that generated HTML pages really render.

``probe(page, script)`` loads a copy of ``page`` with ``script`` appended (the script writes
its findings as JSON into ``<pre id="probe">``), runs Debian's Chromium headless with the
flags this machine's closed network needs, and returns the parsed JSON from the dumped DOM.
CI installs Chromium (``.ci/run``); a missing browser fails the test under CI.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import pytest

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--virtual-time-budget=5000",
]


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed (.ci/run installs Debian's chromium)")
        pytest.skip("chromium is not installed here (apt-get install chromium)")
    return found


def probe(page: str, script: str) -> Any:
    browser = chromium()
    # The page's Content-Security-Policy admits only its own script (by hash); the probe is
    # another one, so the copy it loads goes without the policy.
    page = re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "", page)
    with tempfile.TemporaryDirectory() as work:
        path = Path(work) / "page.html"
        path.write_text(
            page.replace("</body>", f"<pre id=probe></pre><script>{script}</script></body>"),
            encoding="utf-8",
        )
        result = subprocess.run(
            [browser, *FLAGS, f"--user-data-dir={work}/profile", "--dump-dom", path.as_uri()],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    match = re.search(r'<pre id="probe">(.*?)</pre>', result.stdout, re.S)
    assert match, f"no probe output (exit {result.returncode}): {result.stderr[-2000:]}"
    return json.loads(html.unescape(match.group(1)))
