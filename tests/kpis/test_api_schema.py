"""The OpenAPI schema and the Swagger UI page: behind login, valid, and served from our own static files."""
from __future__ import annotations

import json
import re

import pytest
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.validation import validate_schema
from rest_framework.test import APIClient


@pytest.fixture
def browser(evaluator) -> APIClient:
    client = APIClient()
    client.force_login(evaluator)
    return client


def schema_of(client: APIClient) -> dict:
    response = client.get("/api/v1/schema/", {"format": "json"})
    assert response.status_code == 200
    return json.loads(response.content)


def test_the_schema_is_valid_openapi_and_generates_without_warnings(browser):
    GENERATOR_STATS.reset()
    schema = schema_of(browser)
    assert not GENERATOR_STATS, "drf-spectacular emitted warnings or errors"
    validate_schema(schema)


def test_the_schema_documents_every_endpoint(browser):
    paths = set(schema_of(browser)["paths"])
    assert {
        "/api/v1/auth/token/", "/api/v1/departments/", "/api/v1/departments/{id}/", "/api/v1/strategic-goals/",
        "/api/v1/policy-goals/", "/api/v1/indicators/", "/api/v1/indicators/{id}/", "/api/v1/unit-programs/",
        "/api/v1/budget-programs/", "/api/v1/actuals/", "/api/v1/actuals/{id}/", "/api/v1/actuals/{id}/submit/",
        "/api/v1/actuals/{id}/approve/", "/api/v1/actuals/{id}/return/", "/api/v1/scores/",
        "/api/v1/scores/{department_id}/", "/api/v1/scores/recompute/",
    } <= paths


def test_the_schema_documents_errors_the_year_parameter_and_write_only_inputs(browser):
    schema = schema_of(browser)
    scores = schema["paths"]["/api/v1/scores/"]["get"]
    year = next(p for p in scores["parameters"] if p["name"] == "year")
    assert year["required"] is True and year["schema"]["minimum"] == 2000
    assert {"400", "403", "404"} <= set(scores["responses"])
    save = schema["paths"]["/api/v1/actuals/"]["post"]
    assert {"200", "201", "400", "403", "404", "409"} <= set(save["responses"])
    request = schema["components"]["schemas"]["ActualCreateRequest"]["properties"]
    assert set(request) == {"indicator", "year", "period", "inputs", "value", "note", "version"}
    assert "current" in schema["components"]["schemas"]["Error"]["properties"]


def test_the_docs_page_loads_swagger_ui_from_our_static_files_only(browser):
    response = browser.get("/api/v1/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    references = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert references
    assert all(ref.startswith("/static/drf_spectacular_sidecar/") for ref in references), references
    assert "http://" not in html and "https://" not in html.replace("https://swagger.io", "")
    assert '"/api/v1/schema/"' in html
