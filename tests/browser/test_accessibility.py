"""Every page a person works in passes axe-core (WCAG 2.1 A/AA, no serious or critical violation), visited
by the role that uses it, on the real sample plan with drafts, submissions, an approval, scores and an
Excel preview with errors in it.

One server, one browser and one login per role for the whole module: the data is written once, committed,
and flushed at the end, so the cases share it instead of each test flushing and re-importing (the
`live_server` fixture would make each test transactional). A page that is not HTML, not a GET or not ours
is excluded by name below, with the reason; `test_every_page_is_checked_or_excluded_with_a_reason` fails
when a new URL appears in neither list.
"""
from __future__ import annotations

import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import NamedTuple
from urllib.parse import urlsplit

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connections
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from openpyxl import load_workbook
from PIL import Image

from tests.browser.a11y import assert_accessible
from tests.browser.conftest import login, system_chromium
from tests.conftest import PASSWORD, SAMPLE_PLAN, _make_user

pytestmark = pytest.mark.browser

ENTRY_YEAR = 2024
SCORED_YEAR = 2023
QUARTERS_YEAR = 2025  # reported by quarter: the early-warning page has rows in every status
ROLES = {"department": "a11y_dept", "evaluator": "a11y_evaluator", "admin": "a11y_admin", "viewer": "a11y_viewer"}
WIDE, NARROW = {"width": 1400, "height": 1000}, {"width": 320, "height": 800}
# The outermost elements that stick out past the right edge of the screen, outside a scrolling table.
OVERFLOWING = """() => [...document.querySelectorAll("body *")]
    .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1
                 && !e.closest(".table-wrap, .visually-hidden, .skip-link")
                 && e.parentElement.getBoundingClientRect().right <= document.documentElement.clientWidth + 1)
    .slice(0, 5).map(e => e.outerHTML.slice(0, 100))"""

# URL names that are not a page a person reads, or not ours; every other name must be visited below.
EXCLUDED = {
    "healthz": "a JSON health probe for the load balancer",
    "readyz": "a JSON readiness probe for the load balancer",
    "accounts:logout": "POST only: the logout button in the header, checked on every page",
    "entry:save": "POST only: the entry form's target, redirects back to the entry page",
    "entry:submit": "POST only: redirects back to the entry page",
    "entry:preview": "POST-only htmx fragment: it loads with the entry page and is checked there",
    "entry:decide": "POST only: the review queue's buttons, redirects back to the queue",
    "entry:approve_many": "POST only: the review queue's bulk approval, redirects back to the queue",
    "entry:evidence": "a file download",
    "favicon": "a redirect to the icon file",
    "scores:export": "an xlsx download",
    "scores:department_export": "an xlsx download",
    "scores:recompute": "POST only: the scoreboard's recompute button",
    "scores:recompute_status": "htmx fragment polled into the scoreboard while a recompute runs",
    "scores:finalise": "POST only: the scoreboard's finalise button",
    "scores:reopen": "POST only: the scoreboard's reopen form (shown to admins once a year is finalised)",
    "scores:organization_switch": "POST only: the header's organization switcher, checked on the viewer's pages",
    "imports:actuals_export": "an xlsx download (the button is on the upload page)",
    "imports:plan_export": "an xlsx download (the button is on the plan workbook page)",
    "imports:confirm": "POST only: the preview page's confirm button",
    "imports:errors": "an xlsx download (the error workbook)",
    "progress:home": "a redirect to the entry year's early-warning page",
    "report:bureau_pdf": "a PDF download (the button is on the report page)",
    "report:bureau_xlsx": "an xlsx download (the button is on the report page)",
    "report:organization_pdf": "a PDF download (the button is on the report page)",
    "report:organization_xlsx": "an xlsx download (the button is on the report page)",
    "reports:entry_save": "POST only: the report entry form's target, redirects back to the report entry page",
    "reports:decide": "POST only: the report review list's buttons, redirects back to the list",
    "reports:execution_save": "POST only: the execution page's save button, redirects back to it",
}
EXCLUDED_NAMESPACES = {
    "admin": "Django's own admin site (its markup is Django's, not ours)",
}
EXCLUDED_PREFIXES = {
    "api/v1/": "the JSON API",
}


@dataclass
class Sample:
    department_id: int
    bureau_id: int
    history_indicator_id: int
    import_run_id: int
    organization_id: int


@dataclass
class Site:
    url: str
    sample: Sample
    pages: dict = field(default_factory=dict)

    def page_for(self, role: str | None):
        """The page logged in as the role; None: not logged in."""
        return self.pages[role]


def _log_in_every_role(browser, site: Site) -> None:
    """One browser context per role, each logged in once for the module, before any test opens its
    transaction (a session written inside one would be rolled back with it)."""
    for role in (None, *ROLES):
        context = browser.new_context(viewport=WIDE, locale="ko-KR")
        site.pages[role] = context.new_page()
        if role is not None:
            login(site.pages[role], site, ROLES[role], PASSWORD)


def _preview_with_errors(user, department_id: int) -> int:
    """An Excel preview of the department's workbook with one cell that is not a number."""
    from imports import actuals_import, exporters

    out = io.BytesIO()
    exporters.actuals_workbook(user=user, year=ENTRY_YEAR, department_id=department_id, out=out)
    workbook = load_workbook(io.BytesIO(out.getvalue()))
    sheet = workbook["실적입력"]
    sheet["L6"], sheet["L7"] = 12, "12회"
    filled = io.BytesIO()
    workbook.save(filled)
    upload = SimpleUploadedFile("filled.xlsx", filled.getvalue())
    return actuals_import.actuals_upload(
        user=user, upload=upload, file_name="filled.xlsx", department_id=department_id, year=ENTRY_YEAR
    ).pk


def _national_viewer(username: str) -> None:
    """The national read-only viewer, who sees every organization: the header's switcher and the comparison."""
    from accounts.models import Role
    from kpis.models import Organization

    user = _make_user(username, "evaluator")
    user.role, user.organization = Role.VIEWER, None
    user.save(update_fields=["role", "organization"])
    Organization.objects.get_or_create(name="전주시", defaults={"kind": "local"})


def _sample() -> Sample:
    """The sample plan, one user per role, and 대외협력과's 2024 actuals in every state the pages show."""
    from imports.services import plan_import
    from kpis.models import Actual, Indicator
    from kpis.services.actuals import actual_save
    from kpis.services.evidence import evidence_add
    from kpis.services.scores import scores_recompute
    from kpis.services.workflow import actual_approve, actual_return, actual_submit
    from reports.services import report_entry_save, report_entry_submit

    bureau = plan_import(path=SAMPLE_PLAN).bureau
    department = _make_user(ROLES["department"], "department", "대외협력과")
    evaluator = _make_user(ROLES["evaluator"], "evaluator")
    _make_user(ROLES["admin"], "admin")
    _national_viewer(ROLES["viewer"])
    indicators = {i.short_name: i for i in Indicator.objects.filter(department_id=department.department_id)}
    volunteering, meetings = indicators["자원봉사 활동률"], indicators["정무활동 및 당정협력 강화"]
    partners = indicators["민간단체 및 출향도민 협력 강화"]

    def submitted(indicator: Indicator, figure: str, note: str = "", evidence: bytes | None = None):
        current = Actual.objects.filter(indicator=indicator, year=ENTRY_YEAR).first()
        figures = {"inputs": dict.fromkeys(indicator.input_names, figure)} if indicator.input_names else {"value": figure}
        saved = actual_save(user=department, indicator_id=indicator.pk, year=ENTRY_YEAR, note=note,
                            expected_version=current.version if current else None, **figures)
        if evidence:
            evidence_add(user=department, actual_id=saved.pk, upload=SimpleUploadedFile("봉사 실적.png", evidence))
        return actual_submit(user=department, actual_id=saved.pk, expected_version=saved.version)

    picture = io.BytesIO()
    Image.new("RGB", (2, 2), "white").save(picture, "PNG")
    approved = submitted(volunteering, "1000", "자원봉사센터 집계", evidence=picture.getvalue())
    actual_approve(user=evaluator, actual_id=approved.pk, expected_version=approved.version, comment="집계 근거 확인")
    submitted(meetings, "12", "분기별 회의록")
    returned = submitted(partners, "5")
    actual_return(user=evaluator, actual_id=returned.pk, expected_version=returned.version, comment="증빙자료를 첨부하세요")
    written = report_entry_save(user=department, indicator_id=meetings.pk, year=ENTRY_YEAR, analysis="분기별 회의 개최")
    report_entry_submit(user=department, entry_id=written.pk)
    scores_recompute(SCORED_YEAR)
    _quarters(bureau, volunteering, meetings, partners)
    return Sample(
        department_id=department.department_id, bureau_id=bureau.pk, history_indicator_id=volunteering.pk,
        import_run_id=_preview_with_errors(department, department.department_id), organization_id=bureau.organization_id,
    )


def _quarters(bureau, volunteering, meetings, partners) -> None:
    """2025 by quarter, two quarters in: one indicator on track, one at risk, one behind."""
    from decimal import Decimal

    from kpis.models import Actual, PeriodSetting

    PeriodSetting.objects.create(organization=bureau.organization, year=QUARTERS_YEAR, frequency="quarter")
    for indicator, values in ((partners, ("9", "9")), (meetings, ("2", "3")), (volunteering, ("1.5", "2"))):
        for period, value in enumerate(values, start=1):
            Actual.all_periods.create(
                indicator=indicator, year=QUARTERS_YEAR, period=period, value=Decimal(value), status="approved"
            )


@pytest.fixture(scope="module")
def site(django_db_setup, django_db_blocker):
    from pytest_django.live_server_helper import LiveServer

    # Unblocked for the module: the server thread reads the database between the tests too.
    with django_db_blocker.unblock():
        sample = _sample()
        server = LiveServer("localhost")
        try:
            with system_chromium() as browser:
                site = Site(url=server.url, sample=sample)
                _log_in_every_role(browser, site)
                yield site
        finally:
            server.stop()
            connections.close_all()
            call_command("flush", verbosity=0, interactive=False)


class Visit(NamedTuple):
    """One page read by the role that uses it: `then` does what the user does there before axe runs."""

    case: str
    url_name: str | None
    role: str | None
    path: Callable[[Sample], str]
    then: Callable | None = None


PAGES = [
    Visit("login", "accounts:login", None, lambda s: reverse("accounts:login")),
    Visit("login-refused", None, None, lambda s: reverse("accounts:login"), lambda page: _refuse_a_login(page)),
    Visit("home", "kpis:home", "department", lambda s: reverse("kpis:home")),
    Visit("my-department", "kpis:department_detail", "department",
           lambda s: reverse("kpis:department_detail", args=[s.department_id])),
    Visit("bureau", "kpis:bureau_detail", "department", lambda s: reverse("kpis:bureau_detail", args=[s.bureau_id])),
    Visit("entry-mine", "entry:mine", "department", lambda s: reverse("entry:mine")),
    Visit("entry", "entry:page", "department", lambda s: reverse("entry:page", args=[s.department_id, ENTRY_YEAR])),
    Visit("entry-after-refused-save", None, "department",
           lambda s: reverse("entry:page", args=[s.department_id, ENTRY_YEAR]), lambda page: _refuse_a_save(page)),
    Visit("history", "entry:history", "department", lambda s: reverse("entry:history", args=[s.history_indicator_id])),
    Visit("scores-menu", "scores:home", "department", lambda s: reverse("scores:home")),
    Visit("scoreboard-department", "scores:board", "department", lambda s: reverse("scores:board", args=[SCORED_YEAR])),
    Visit("drilldown-department", "scores:department", "department",
           lambda s: reverse("scores:department", args=[SCORED_YEAR, s.department_id])),
    Visit("excel-history", "imports:history", "department", lambda s: reverse("imports:history")),
    Visit("excel-upload", "imports:actuals_upload", "department",
           lambda s: reverse("imports:actuals_upload") + f"?department={s.department_id}&year={ENTRY_YEAR}"),
    Visit("excel-preview-with-errors", "imports:detail", "department",
           lambda s: reverse("imports:detail", args=[s.import_run_id])),
    Visit("review-queue", "entry:review", "evaluator", lambda s: reverse("entry:review")),
    Visit("report-entries-mine", "reports:entries_mine", "department", lambda s: reverse("reports:entries_mine")),
    Visit("report-entries", "reports:entries", "department",
           lambda s: reverse("reports:entries", args=[s.department_id, ENTRY_YEAR])),
    Visit("report-review", "reports:review", "evaluator", lambda s: reverse("reports:review")),
    Visit("execution", "reports:execution", "admin", lambda s: reverse("reports:execution", args=[s.department_id, ENTRY_YEAR])),
    Visit("scoreboard", "scores:board", "evaluator", lambda s: reverse("scores:board", args=[SCORED_YEAR])),
    Visit("drilldown", "scores:department", "evaluator",
           lambda s: reverse("scores:department", args=[SCORED_YEAR, s.department_id])),
    Visit("scoreboard-viewer", None, "viewer", lambda s: reverse("scores:board", args=[SCORED_YEAR])),
    Visit("compare", "scores:compare", "viewer", lambda s: reverse("scores:compare", args=[SCORED_YEAR])),
    Visit("early-warning", "progress:warnings", "evaluator",
           lambda s: reverse("progress:warnings", args=[QUARTERS_YEAR]) + "?status=all"),
    Visit("report-bureau", "report:bureau", "evaluator", lambda s: reverse("report:bureau", args=[SCORED_YEAR, s.bureau_id])),
    Visit("report-organization", "report:organization", "viewer",
           lambda s: reverse("report:organization", args=[SCORED_YEAR, s.organization_id])),
    Visit("plan-workbook", "imports:plan_upload", "admin", lambda s: reverse("imports:plan_upload")),
    Visit("plan-editions", "plans:list", "evaluator", lambda s: reverse("plans:list")),
    Visit("plan-diff-first-edition", "plans:diff", "evaluator", lambda s: reverse("plans:diff", args=[s.bureau_id])),
    Visit("error-404", None, "department", lambda s: "/departments/999999/"),
    Visit("error-403", None, "department", lambda s: reverse("imports:plan_upload")),
]


def _open(site: Site, visit: Visit, viewport: dict):
    page = site.page_for(visit.role)
    page.set_viewport_size(viewport)
    page.goto(site.url + visit.path(site.sample))
    page.wait_for_load_state("networkidle")
    if visit.then:
        visit.then(page)
    return page


@pytest.mark.django_db
@pytest.mark.parametrize("visit", [pytest.param(visit, id=visit.case) for visit in PAGES])
def test_the_page_has_no_serious_accessibility_violation_and_reflows_on_a_320_pixel_screen(site, visit):
    """Full width first; then the same page, as it is (after its `then` step), narrowed to 320 px.

    WCAG 1.4.10: at 320 px nothing but a wide table scrolls sideways, and a table that scrolls can be reached
    and scrolled with the keyboard (axe's scrollable-region-focusable shows only at this width). The page is
    not loaded twice: narrowing the window re-lays it out as a phone would show it.
    """
    page = _open(site, visit, WIDE)
    assert_accessible(page, f"{page.title()} as {visit.role or 'anonymous'}")
    assert page.locator("main").count() == 1, "one main landmark, the skip link's target"
    assert page.title() not in {"", "성과지표 관리"}, "the title names the page, not only the site (WCAG 2.4.2)"

    page.set_viewport_size(NARROW)
    assert_accessible(page, f"{page.title()} at 320 px as {visit.role or 'anonymous'}")
    overflowing = page.evaluate(OVERFLOWING)
    assert overflowing == [], f"wider than the screen outside a .table-wrap: {overflowing}"


def _refuse_a_login(page) -> None:
    page.fill("input[name=username]", "nobody")
    page.fill("input[name=password]", "wrong-password")
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert page.locator("[role=alert]").count() == 1


def _refuse_a_save(page) -> None:
    """Type a word into the first open figure and save: the page comes back with the error beside it."""
    form = page.locator("form:has(button[value=save])").first
    form.locator("input[inputmode=decimal]:not([disabled])").first.fill("열둘")
    form.locator("button[value=save]").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("[aria-invalid=true]").count() >= 1


# Pages whose every tab stop is checked for a visible focus indicator, by the role that uses them.
FOCUS_PAGES = [visit for visit in PAGES if visit.case in {
    "login", "my-department", "entry", "review-queue", "scoreboard", "drilldown", "excel-upload", "excel-preview-with-errors",
    "compare",
}]
FOCUS_STATE = """() => {
    const el = document.activeElement;
    if (!el || el === document.body) return null;
    const style = getComputedStyle(el);
    return {
        element: el.outerHTML.slice(0, 120),
        outline: style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2,
        shadow: style.boxShadow !== "none",
    };
}"""


@pytest.mark.django_db
@pytest.mark.parametrize("visit", [pytest.param(visit, id=visit.case) for visit in FOCUS_PAGES])
def test_every_tab_stop_shows_where_the_focus_is(site, visit):
    page = _open(site, visit, WIDE)
    seen, hidden = [], []
    for _ in range(400):
        page.keyboard.press("Tab")
        state = page.evaluate(FOCUS_STATE)
        if state is None or (seen and state["element"] == seen[0]):
            break
        seen.append(state["element"])
        if not (state["outline"] or state["shadow"]):
            hidden.append(state["element"])
    assert len(seen) > 1
    assert hidden == [], "focus not visible on:\n" + "\n".join(hidden)


@pytest.mark.django_db
def test_the_first_tab_stop_skips_to_the_main_content(site):
    page = site.page_for("department")
    page.set_viewport_size(WIDE)
    page.goto(site.url + reverse("kpis:home"))
    page.keyboard.press("Tab")
    skip = page.locator(".skip-link")
    assert page.evaluate("document.activeElement.textContent") == "본문 바로가기"
    assert skip.bounding_box()["y"] >= 0, "the skip link shows when it has the focus"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.closest('main') !== null"), "the next stop is in the content"


@pytest.mark.django_db
def test_axe_is_the_bundled_copy_and_nothing_loads_from_another_host(site):
    from axe_playwright_python.base import AXE_SCRIPT

    page = site.page_for("department")
    page.set_viewport_size(WIDE)
    hosts = []
    page.on("request", lambda request: hosts.append(urlsplit(request.url).netloc))
    page.goto(site.url + reverse("kpis:home"))
    assert_accessible(page, "home")
    bundled = re.search(r"axe v([\d.]+)", AXE_SCRIPT).group(1)
    assert page.evaluate("axe.version") == bundled
    assert set(hosts) == {urlsplit(site.url).netloc}


def _url_names(patterns, namespace: str = "", prefix: str = ""):
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _url_names(pattern.url_patterns, inner, route)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield f"{namespace}{pattern.name}", route


def test_every_page_is_checked_or_excluded_with_a_reason():
    visited = {visit.url_name for visit in PAGES if visit.url_name}
    unchecked = sorted(
        name for name, route in _url_names(get_resolver().url_patterns)
        if name not in visited and name not in EXCLUDED
        and name.split(":")[0] not in EXCLUDED_NAMESPACES
        and not any(route.startswith(prefix) for prefix in EXCLUDED_PREFIXES)
    )
    assert unchecked == [], f"pages neither checked for accessibility nor excluded with a reason: {unchecked}"
    names = {name for name, _ in _url_names(get_resolver().url_patterns)}
    assert set(EXCLUDED) <= names, f"excluded names that no longer exist: {set(EXCLUDED) - names}"
    assert not visited & set(EXCLUDED)
