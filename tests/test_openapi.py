"""/api/openapi.json is true: it is a valid OpenAPI 3.1 document, real responses validate
against it, and schemathesis finds no failure (no 500, answers as described)."""

from __future__ import annotations

import jsonschema
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from openapi_spec_validator import validate
from schemathesis.specs.openapi.checks import positive_data_acceptance

from casesearch import openapi, query
from casesearch.config import load_settings
from casesearch.errors import QueryError
from casesearch.searcher import check_window
from casesearch.web import create_app
from conftest import PAGES, build_site


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    app = create_app(build_site(tmp_path_factory.mktemp("openapi"), PAGES))
    yield app
    app.extensions["casesearch"]["searcher"].close()


@pytest.fixture(scope="module")
def document(app):
    return app.test_client().get("/api/openapi.json").get_json()


def test_document_is_valid_openapi_31(document):
    assert document["openapi"] == "3.1.0"
    validate(document)


def response_validator(document, path: str, status: int):
    operation = document["paths"][path]["get"]
    schema = operation["responses"][str(status)]["content"]["application/json"]["schema"]
    resolver_doc = {"components": document["components"], **schema}
    return jsonschema.Draft202012Validator(resolver_doc)


REAL_REQUESTS = [
    ("/api/search", "/api/search?q=donn%C3%A9es+publiques", 200),
    ("/api/search", "/api/search?q=adminstration", 200),        # with a suggestion
    ("/api/search", "/api/search?q=publique&sort=date&per_page=1&page=2", 200),
    ("/api/search", "/api/search", 200),
    ("/api/search", "/api/search?q=x&per_page=51", 400),
    ("/api/search", "/api/search?q=x&sort=nope", 400),
    ("/api/suggest", "/api/suggest?q=lo", 200),
    ("/api/suggest", "/api/suggest?q=" + "a" * 201, 400),
    ("/api/health", "/api/health", 200),
]


def test_errors_the_document_does_not_list_one_by_one_match_its_default(app, document):
    client = app.test_client()
    for path, response, status in [("/api/search", client.get("/api/search?q=x", data="x" * 10_000), "413"),
                                   ("/api/search", client.post("/api/search?q=x"), "default"),
                                   ("/api/health", client.delete("/api/health"), "default")]:
        operation = document["paths"][path]["get"]
        assert response.status_code >= 400 and status in operation["responses"]
        schema = operation["responses"][status]["content"]["application/json"]["schema"]
        jsonschema.Draft202012Validator({"components": document["components"], **schema}).validate(
            response.get_json())


@pytest.mark.parametrize("path, url, status", REAL_REQUESTS)
def test_real_responses_validate_against_the_document(app, document, path, url, status):
    response = app.test_client().get(url)
    assert response.status_code == status
    response_validator(document, path, status).validate(response.get_json())
    if status == 200 and path != "/api/health":
        assert "ETag" in document["paths"][path]["get"]["responses"]["200"]["headers"]


# Loaded when the module is collected, from the same function that serves the document (the test
# below checks they are equal): schemathesis' fixture-based loader (`from_fixture`) does not
# work with pytest 9, and the app needs an index that only exists once fixtures run.
DOCUMENT = openapi.spec(load_settings({}, environ={}))
schema = schemathesis.openapi.from_dict(DOCUMENT)


def test_fuzzed_document_is_the_served_one(document):
    assert document == DOCUMENT


def refused_by_rules_a_schema_cannot_state(case) -> bool:
    """page * per_page <= 1000 and at most 12 words: the document says so in prose only."""
    params = case.query or {}
    try:
        check_window(int(params.get("page", 1)), int(params.get("per_page", 10)), "relevance")
        query.parse(str(params.get("q", "")))
    except QueryError:
        return True
    except (TypeError, ValueError):
        return False
    return False


@schema.parametrize()
@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
def test_schemathesis_finds_no_failure(case, app):
    if refused_by_rules_a_schema_cannot_state(case):
        response = case.call_and_validate(app=app, excluded_checks=[positive_data_acceptance])
        assert response.status_code == 400
    else:
        case.call_and_validate(app=app)
