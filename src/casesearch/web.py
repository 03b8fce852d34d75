"""The web service: the JSON API, a small French search page and the embeddable widget.

Thin on purpose: read and bound the parameters, ask this worker's one `Searcher`, shape
the answer. Every error, ours or werkzeug's, leaves as the same JSON body
`{"ok": false, "error": {"code", "message"}, "status"}`, never a stack trace or HTML.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import re
from typing import Any
from urllib.parse import parse_qsl

from flask import Blueprint, Flask, Response, current_app, render_template, request
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from . import __version__, openapi
from .config import Settings, load_settings
from .errors import CasesearchError, ConfigError, IndexDamaged, IndexMissing, QueryError
from .searcher import MAX_WINDOW, Filters, Searcher, check_window, parse_query

log = logging.getLogger(__name__)

MAX_BODY = 4096          # the API takes no body; anything larger is refused with 413
_WHOLE = re.compile(r"[0-9]{1,9}")
_CODES = {400: "bad_request", 404: "not_found", 405: "method_not_allowed", 413: "payload_too_large",
          429: "too_many_requests", 500: "internal_error", 503: "unavailable"}
# Callers of /api/* may be on other origins (the allow-list); the page is ours alone.
API_CSP = "default-src 'none'; frame-ancestors 'none'"
PAGE_CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
RATE_LIMITED = frozenset({"api.search", "api.suggest"})

api = Blueprint("api", __name__, url_prefix="/api")
page = Blueprint("page", __name__)


def create_app(settings: Settings | None = None) -> Flask:
    """The service for these settings (default: casesearch.toml / CASESEARCH_* environment)."""
    settings = settings or load_settings()
    app = Flask(__name__)
    app.config.update(DEBUG=False, MAX_CONTENT_LENGTH=MAX_BODY, SEND_FILE_MAX_AGE_DEFAULT=3600)
    app.debug = False   # whatever FLASK_DEBUG says: the debugger would run code for anyone
    app.json.ensure_ascii = False   # type: ignore[attr-defined]
    app.json.sort_keys = False      # type: ignore[attr-defined]  # the searcher's field order, as the CLI prints
    app.extensions["casesearch"] = {
        "settings": settings,
        "searcher": Searcher(settings, background=True),
        "openapi": openapi.spec(settings),
    }
    app.register_blueprint(api)
    app.register_blueprint(page)
    app.register_error_handler(CasesearchError, _domain_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected_error)
    app.before_request(_refuse_bodies)
    app.before_request(_refuse_undecodable)
    app.after_request(_headers)
    app.after_request(_rest_after)
    if settings.rate_limit:
        _rate_limit(app, settings.rate_limit)
    app.extensions["casesearch"]["searcher"].warm()   # before the first request, not during it
    app.jinja_env.get_template("index.html")   # compiled now too, not for the page's first visitor
    return app


def forked(server, worker) -> None:  # noqa: ANN001, ARG001 - gunicorn's post_fork hook
    """In each gunicorn worker as it starts: its searcher looks for new generations from
    now on, not from the worker's first request (`Searcher.watch`)."""
    server.app.wsgi().extensions["casesearch"]["searcher"].watch()


def _rest_after(response: Response) -> Response:
    """The searcher rests (`Searcher.rest`: Python's collector) once the response is sent,
    when the server closes it, not while a visitor waits for it."""
    response.call_on_close(_searcher().rest)
    return response


def _searcher() -> Searcher:
    return current_app.extensions["casesearch"]["searcher"]


def _settings() -> Settings:
    return current_app.extensions["casesearch"]["settings"]


# -- the API ------------------------------------------------------------------------

@api.get("/search")
def search() -> Response:
    q = _query()
    page_no, per_page = _whole("page", 1), _whole("per_page", 10)
    sort = request.args.get("sort", "relevance")
    check_window(page_no, per_page, sort)
    filters = Filters(category=_filter("category"), tag=_filter("tag"), year=_filter("year"),
                      lang=_filter("lang")).check()
    not_modified = _not_modified(q, "search", page_no, per_page, sort, *dataclasses.astuple(filters))
    if not_modified:
        return not_modified
    result = _searcher().search(q, page=page_no, per_page=per_page, filters=filters, sort=sort)
    return _cached(current_app.json.response(result.to_dict()))


@api.get("/suggest")
def suggest() -> Response:
    q = _query()
    not_modified = _not_modified(q, "suggest")
    if not_modified:
        return not_modified
    body = {"ok": True, "query": q.strip(), "suggestions": _searcher().suggest(q, limit=10)}
    return _cached(current_app.json.response(body))


@api.get("/health")
def health() -> Response:
    state = _searcher().health()
    state["reason"] = state["reason"] and _public(state["reason"])
    response = current_app.json.response({"ok": True, **state})
    response.headers["Cache-Control"] = "no-store"
    return response


@api.get("/openapi.json")
def openapi_json() -> Response:
    document = current_app.extensions["casesearch"]["openapi"]
    response = current_app.json.response(document)
    response.set_etag(hashlib.sha1(response.get_data()).hexdigest()[:16])
    response.headers["Cache-Control"] = "public, max-age=300"
    return response.make_conditional(request)


@page.get("/")
def index() -> str:
    q = request.args.get("q", "")[:_settings().max_query_chars]
    return render_template("index.html", q=q)


# -- parameters -----------------------------------------------------------------------

def _query() -> str:
    return request.args.get("q", "")


def _whole(name: str, default: int) -> int:
    raw = request.args.get(name)
    if raw is None:
        return default
    if raw.isascii() and raw.isdigit() and not _WHOLE.fullmatch(raw):
        raise QueryError(f"{name} is too large: results stop at page * per_page = {MAX_WINDOW}")
    if not _WHOLE.fullmatch(raw) or int(raw) < 1:
        raise QueryError(f"{name} must be a positive whole number (1, 2, 3...), not {raw[:20]!r}")
    return int(raw)


def _filter(name: str) -> str | None:
    return request.args.get(name) or None


# -- caching ----------------------------------------------------------------------------

def _not_modified(q: str, *key: Any) -> Response | None:
    """Name this answer's ETag (index generation + request); a 304 when the client has it."""
    generation = _searcher().snapshot().name
    digest = hashlib.blake2b(json.dumps([__version__, q, *key]).encode(), digest_size=8).hexdigest()
    tag = f"{generation}-{digest}"
    request.environ["casesearch.etag"] = tag
    if request.if_none_match.contains_weak(tag):
        parse_query(_settings(), q)   # a 304 only where the searcher would have answered 200
        response = Response(status=304)
        del response.headers["Content-Type"]   # a 304 has no body to describe
        return _cached(response)
    return None


def _cached(response: Response) -> Response:
    # Answers change only with the index: caches keep them but ask again each time, and
    # the ETag makes that a cheap 304 (no search is run) until the next reindex.
    response.set_etag(request.environ["casesearch.etag"], weak=True)
    response.headers["Cache-Control"] = "public, no-cache"
    return response


# -- every response ---------------------------------------------------------------------

def _refuse_undecodable() -> None:
    """Percent-encoded bytes that are not UTF-8 (%ED%A0%80) are refused, not searched as the
    literal text werkzeug leaves in their place (the search page shows the box as it is)."""
    if request.blueprint != "api":
        return
    try:
        parse_qsl(request.query_string.decode("latin-1"), keep_blank_values=True, errors="strict")
    except UnicodeDecodeError:
        raise QueryError("the query string is not valid UTF-8: encode parameters as UTF-8 "
                         "(as browsers and encodeURIComponent do)") from None


def _refuse_bodies() -> None:
    chunked = "chunked" in request.headers.get("Transfer-Encoding", "").lower()   # no length to check
    if chunked or (request.content_length or 0) > MAX_BODY:
        raise RequestEntityTooLarge(f"request bodies are limited to {MAX_BODY} bytes; the API takes none")


def _headers(response: Response) -> Response:
    headers = response.headers
    headers["X-Content-Type-Options"] = "nosniff"
    headers["Referrer-Policy"] = "strict-origin-when-cross-origin"
    if request.blueprint == "page":
        headers["Content-Security-Policy"] = PAGE_CSP
        headers["X-Frame-Options"] = "DENY"
    elif not request.path.startswith("/static/"):
        headers["Content-Security-Policy"] = API_CSP
    if request.path.startswith("/api/"):
        _cors(response)
    return response


def _cors(response: Response) -> None:
    """Allow-listed origins may call the API from a browser; by default only our own pages."""
    allowed = _settings().cors_origins
    if not allowed:
        return
    response.vary.add("Origin")
    origin = request.headers.get("Origin")
    if not origin or not ("*" in allowed or origin in allowed):
        return
    headers = response.headers
    headers["Access-Control-Allow-Origin"] = "*" if "*" in allowed else origin
    headers["Access-Control-Expose-Headers"] = "ETag, Retry-After"
    if request.method == "OPTIONS":
        headers["Access-Control-Allow-Methods"] = "GET, HEAD"
        headers["Access-Control-Allow-Headers"] = "If-None-Match"
        headers["Access-Control-Max-Age"] = "600"


def _rate_limit(app: Flask, limit: str) -> None:
    from flask_limiter import Limiter
    from flask_limiter.util import get_remote_address
    from limits import parse_many

    try:
        parse_many(limit)
    except ValueError:
        raise ConfigError(f"setting 'rate_limit' must look like '60/minute' or '10/second;300/hour', "
                          f"got {limit!r}") from None
    # One budget per client across search and suggest. In memory: each worker counts on its
    # own (README: put a shared limit at the reverse proxy).
    Limiter(get_remote_address, app=app, application_limits=[limit], storage_uri="memory://",
            headers_enabled=True, application_limits_exempt_when=lambda: request.endpoint not in RATE_LIMITED or request.method == "OPTIONS")


# -- errors ------------------------------------------------------------------------------

def error_response(status: int, code: str, message: str) -> Response:
    response = current_app.json.response({"ok": False, "error": {"code": code, "message": message},
                                          "status": status})
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    return response


def _domain_error(exc: CasesearchError) -> Response:
    if isinstance(exc, QueryError):
        return error_response(400, "invalid_parameter", str(exc))
    if isinstance(exc, IndexDamaged):
        log.error("%s", exc)
        return error_response(503, "index_damaged", _public(f"the search index is damaged; {exc}"))
    if isinstance(exc, IndexMissing):
        log.error("%s", exc)
        return error_response(503, "index_missing", "the search index is not built yet; try again later")
    return _unexpected_error(exc)


def _http_error(exc: HTTPException) -> Response:
    status = exc.code or 500
    code = _CODES.get(status) or re.sub(r"\W+", "_", (exc.name or "error").lower())
    message = exc.description or exc.name or "error"
    if status == 429:
        message = f"too many requests from this client ({message}); try again later"
    response = error_response(status, code, message)
    for name, value in exc.get_headers():
        if name in ("Allow", "Retry-After"):
            response.headers[name] = value
    return response


def _public(message: str) -> str:
    """A message for visitors: paths relative to the index folder (its place is the operator's)."""
    return message.replace(f"{_settings().index_dir}/", "")


def _unexpected_error(exc: Exception) -> Response:
    log.exception("unexpected error on %s %s", request.method, request.path)
    return error_response(500, "internal_error", "unexpected error; it was logged")
