"""axe-core in the browser tests: the copy bundled with axe-playwright-python, injected from the local file
(never a CDN), run against WCAG 2.0/2.1 A and AA — the rules KWCAG 2.2 is built on."""
from __future__ import annotations

import pytest

from tests.conftest import skip_or_fail

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
FAILING_IMPACTS = ("critical", "serious")
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]}


def _axe():
    try:
        from axe_playwright_python.sync_playwright import Axe
    except ImportError:
        skip_or_fail("axe-playwright-python is not installed")
    return Axe()


def axe_violations(page) -> list[dict]:
    """Every WCAG A/AA violation axe finds on the page as it is now."""
    return _axe().run(page, options=AXE_OPTIONS).response["violations"]


def violations_text(violations: list[dict]) -> str:
    """One block per rule: id, impact, help and link, then each offending element's selector and markup."""
    lines = []
    for violation in violations:
        lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']} <{violation['helpUrl']}>")
        for node in violation["nodes"]:
            target = " ".join(" > ".join(part) if isinstance(part, list) else part for part in node["target"])
            lines.append(f"    {target}\n      {node['html'][:200]}")
            summary = node.get("failureSummary", "").replace("\n", " ").strip()
            if summary:
                lines.append(f"      {summary[:300]}")
    return "\n".join(lines)


def assert_accessible(page, what: str) -> list[dict]:
    """Fail if axe finds a serious or critical WCAG 2.1 A/AA violation on the page; return the minor and
    moderate ones (which KWCAG asks us to fix but this check does not fail on)."""
    violations = axe_violations(page)
    failing = [v for v in violations if v["impact"] in FAILING_IMPACTS]
    if failing:
        pytest.fail(
            f"{what} ({page.url}): {len(failing)} serious or critical accessibility violation(s):\n"
            + violations_text(failing),
            pytrace=False,
        )
    return [v for v in violations if v["impact"] not in FAILING_IMPACTS]
