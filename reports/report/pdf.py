"""The report as a PDF: the page's own HTML and stylesheet laid out by WeasyPrint.

Fonts are the system's (fontconfig finds Noto Sans CJK from fonts-noto-cjk); nothing is fetched: every URL the
document might name is refused, so a report never reaches the network.
"""
from __future__ import annotations

from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher

from reports.report.data import PerformanceReport

STYLESHEET = "reports/report.css"


def report_pdf(report: PerformanceReport) -> bytes:
    """The PDF of `report`: A4, numbered pages, table headers repeated, no row cut across pages."""
    html = render_to_string("reports/report/pdf.html", {"report": report})
    fonts = FontConfiguration()
    no_fetch = URLFetcher(allowed_protocols=frozenset())  # no scheme at all: no file, no http
    stylesheet = CSS(filename=finders.find(STYLESHEET), font_config=fonts, url_fetcher=no_fetch)
    document = HTML(string=html, url_fetcher=no_fetch)
    return document.write_pdf(stylesheets=[stylesheet], font_config=fonts)
