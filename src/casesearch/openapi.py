"""The OpenAPI 3.1 description of the JSON API, served at /api/openapi.json.

Kept true by tests/test_openapi.py, which validates real responses against it and
runs schemathesis over it. Limits come from the searcher and the settings, so the
document never disagrees with what the service enforces.
"""

from __future__ import annotations

from typing import Any

from . import __version__
from .config import Settings
from .ranking import FILTER_CHARS
from .searcher import MAX_PER_PAGE, MAX_WINDOW, SORTS


def _string_or_null() -> dict:
    return {"type": ["string", "null"]}


def _facet() -> dict:
    return {"type": "array", "items": {
        "type": "object", "additionalProperties": False, "required": ["value", "count"],
        "properties": {"value": {"type": "string"}, "count": {"type": "integer", "minimum": 1}}}}


SCHEMAS: dict[str, Any] = {
    "Section": {
        "type": "object", "additionalProperties": False,
        "required": ["heading", "anchor", "url", "snippet_html"],
        "properties": {
            "heading": {"type": "string"},
            "anchor": {"type": "string"},
            "url": {"type": "string", "description": "The page's URL with `#anchor`: a deep link to the section."},
            "snippet_html": {"type": "string", "description": "HTML-escaped text, `<mark>` around matches."},
        },
    },
    "Hit": {
        "type": "object", "additionalProperties": False,
        "required": ["url", "source", "title", "title_html", "summary", "snippet_html", "date", "category",
                     "tags", "lang", "score", "sections"],
        "properties": {
            "url": {"type": "string"},
            "source": {"type": "string", "description": "The page's file, relative to the content folder."},
            "title": {"type": "string", "description": "Plain text: escape it before putting it in HTML."},
            "title_html": {"type": "string", "description": "HTML-escaped title, `<mark>` around matches."},
            "summary": {"type": "string", "description": "Plain text."},
            "snippet_html": {"type": "string", "description": "HTML-escaped excerpt, `<mark>` around matches."},
            "date": _string_or_null(),
            "category": {"type": "string"},
            "tags": {"type": "array", "items": {"type": "string"}},
            "lang": {"type": "string"},
            "score": {"type": "number"},
            "sections": {"type": "array", "items": {"$ref": "#/components/schemas/Section"}},
        },
    },
    "SearchResult": {
        "type": "object", "additionalProperties": False,
        "required": ["ok", "query", "total", "page", "per_page", "took_ms", "hits", "facets", "suggestion"],
        "properties": {
            "ok": {"const": True},
            "query": {"type": "string"},
            "total": {"type": "integer", "minimum": 0},
            "page": {"type": "integer", "minimum": 1},
            "per_page": {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE},
            "took_ms": {"type": "number", "minimum": 0},
            "hits": {"type": "array", "items": {"$ref": "#/components/schemas/Hit"}},
            "facets": {
                "type": "object", "additionalProperties": False, "required": ["category", "tags", "year"],
                "properties": {"category": _facet(), "tags": _facet(), "year": _facet()},
            },
            "suggestion": {"type": ["string", "null"],
                           "description": "A corrected query when a likely typo gave few hits."},
        },
    },
    "Suggestions": {
        "type": "object", "additionalProperties": False, "required": ["ok", "query", "suggestions"],
        "properties": {
            "ok": {"const": True},
            "query": {"type": "string"},
            "suggestions": {"type": "array", "maxItems": 10, "items": {
                "type": "object", "additionalProperties": False, "required": ["text", "kind"],
                "properties": {
                    "text": {"type": "string"},
                    "kind": {"enum": ["title", "term"]},
                    "url": {"type": "string", "description": "Only for `title`: the page."},
                }}},
        },
    },
    "Health": {
        "type": "object", "additionalProperties": False,
        "required": ["ok", "status", "reason", "pages", "generation", "built_at", "stale"],
        "properties": {
            "ok": {"const": True},
            "status": {"enum": ["ok", "degraded"],
                       "description": "`degraded`: the live generation is damaged and an earlier one answers."},
            "reason": {"type": ["string", "null"], "description": "What is damaged, when degraded."},
            "pages": {"type": "integer", "minimum": 0},
            "generation": {"type": "integer", "minimum": 1},
            "built_at": {"type": "string"},
            "stale": {"type": "array", "items": {"type": "string"},
                      "description": "Pages that failed at the last build and are served from an earlier one."},
        },
    },
    "Error": {
        "type": "object", "additionalProperties": False, "required": ["ok", "error", "status"],
        "properties": {
            "ok": {"const": False},
            "error": {"type": "object", "additionalProperties": False, "required": ["code", "message"],
                      "properties": {"code": {"type": "string"}, "message": {"type": "string"}}},
            "status": {"type": "integer", "minimum": 400, "maximum": 599},
        },
    },
}


def _error(description: str) -> dict:
    return {"description": description,
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}


def _ok(description: str, schema: str, cached: bool = True) -> dict:
    response: dict[str, Any] = {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}},
    }
    if cached:
        response["headers"] = {"ETag": {"schema": {"type": "string"},
                                        "description": "Index generation and request; send it back in If-None-Match."}}
    return response


def _errors(*statuses: int) -> dict:
    text = {400: "A parameter is out of bounds; the message says what is allowed.",
            413: "The request has a body: the API takes none.",
            429: "Too many requests from this client (when a rate limit is configured).",
            500: "Unexpected error (logged; no details in the body).",
            503: "No index can be served: none is built yet (`index_missing`), or every generation "
                 "is damaged (`index_damaged`, with what is wrong)."}
    answers = {str(status): _error(text[status]) for status in statuses}
    # 404 (unknown path), 405 (a method other than GET, HEAD, OPTIONS): the same body
    answers["default"] = _error("Any other error, in the same JSON body.")
    return answers


_NOT_MODIFIED = {"304": {"description": "Not modified: the If-None-Match ETag is still current."}}
_IF_NONE_MATCH = {"name": "If-None-Match", "in": "header", "required": False, "schema": {"type": "string"},
                  "description": "An ETag from an earlier answer: 304 while the index and request are the same."}


def spec(settings: Settings) -> dict[str, Any]:
    """The OpenAPI document for these settings' limits."""
    q = {"name": "q", "in": "query", "required": False,
         "description": (f"The visitor's text: plain words, \"quoted phrases\", -excluded words; the last word is "
                         f"also a prefix. At most {settings.max_query_chars} characters and "
                         f"{settings.max_query_terms} words."),
         # x-max-words: the widget reads its limits here rather than repeating them
         "schema": {"type": "string", "maxLength": settings.max_query_chars, "x-max-words": settings.max_query_terms}}
    whole = {"type": "integer", "minimum": 1}
    search_params = [
        q,
        {"name": "page", "in": "query", "required": False, "schema": {**whole, "default": 1, "x-max-window": MAX_WINDOW},
         "description": f"Page of results, from 1; page * per_page is at most {MAX_WINDOW}."},
        {"name": "per_page", "in": "query", "required": False,
         "schema": {**whole, "maximum": MAX_PER_PAGE, "default": 10},
         "description": f"Hits per page, 1 to {MAX_PER_PAGE}."},
        {"name": "category", "in": "query", "required": False,
         "schema": {"type": "string", "maxLength": FILTER_CHARS}, "description": "Only pages of this category."},
        {"name": "tag", "in": "query", "required": False,
         "schema": {"type": "string", "maxLength": FILTER_CHARS}, "description": "Only pages with this tag."},
        {"name": "year", "in": "query", "required": False,
         "schema": {"type": "string", "pattern": "^([0-9]{4})?$"},
         "description": "Only pages of this year (empty: any)."},
        {"name": "lang", "in": "query", "required": False,
         "schema": {"type": "string", "maxLength": FILTER_CHARS}, "description": "Only pages in this language."},
        {"name": "sort", "in": "query", "required": False,
         "schema": {"enum": list(SORTS), "default": "relevance"}, "description": "Relevance, or newest first."},
        _IF_NONE_MATCH,
    ]
    return {
        "openapi": "3.1.0",
        "info": {"title": "casesearch", "version": __version__,
                 "description": "French-aware search over a Jekyll site. Every error has the same JSON body."},
        "paths": {
            "/api/search": {"get": {
                "operationId": "search", "summary": "Ranked pages with highlighted snippets, section links and facets",
                "parameters": search_params,
                "responses": {"200": _ok("Results, the same body as `casesearch search --json`.", "SearchResult"),
                              **_NOT_MODIFIED, **_errors(400, 413, 429, 500, 503)},
            }},
            "/api/suggest": {"get": {
                "operationId": "suggest", "summary": "Up to 10 completions of what is being typed (titles, the words pages write next, then frequent words)",
                "parameters": [q, _IF_NONE_MATCH],
                "responses": {"200": _ok("Completions.", "Suggestions"), **_NOT_MODIFIED,
                              **_errors(400, 413, 429, 500, 503)},
            }},
            "/api/health": {"get": {
                "operationId": "health", "summary": "Page count, index generation and build time",
                "responses": {"200": _ok("The live index.", "Health", cached=False), **_errors(500, 503)},
            }},
            "/api/openapi.json": {"get": {
                "operationId": "openapi", "summary": "This document",
                "responses": {"200": {"description": "OpenAPI 3.1 document.",
                                      "content": {"application/json": {"schema": {"type": "object"}}}},
                              **_errors(500)},
            }},
        },
        "components": {"schemas": SCHEMAS},
    }
