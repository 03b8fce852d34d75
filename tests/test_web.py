"""The web service through Flask's test client: every endpoint, the one error body,
limits, escaping, CORS, caching and security headers."""

from __future__ import annotations

import html
import json
import time
from pathlib import Path

import pytest
from conftest import write_pages

from casesearch.config import replace
from casesearch.indexer import reindex
from casesearch.searcher import Searcher
from casesearch.web import create_app


@pytest.fixture
def make_app():
    """create_app, with every app's searcher (and its watcher thread) closed after the test."""
    apps = []

    def make(settings):
        app = create_app(settings)
        apps.append(app)
        return app

    yield make
    for app in apps:
        app.extensions["casesearch"]["searcher"].close()


def test_closing_an_app_ends_its_watcher(built, make_app):
    import threading

    app = make_app(built)
    app.test_client().get("/api/search?q=x")      # the first search starts the watcher
    searcher = app.extensions["casesearch"]["searcher"]
    before = {t for t in threading.enumerate() if t.name == "casesearch-watch" and t.is_alive()}
    assert before
    searcher.close()
    assert not any(t.is_alive() for t in before)


def test_the_app_opens_and_warms_the_index_before_its_first_request(built, make_app, monkeypatch):
    """The first visitor must not wait for the opening nor for a first query's reads: the
    generation is opened and a query answered while the app is made; no thread is started
    then (gunicorn may fork after), the first request starts the watcher."""
    import threading

    from casesearch import searcher as searcher_module

    opened, searched = [], []
    real_open, real_search = searcher_module.Snapshot.__init__, searcher_module.Searcher._search
    monkeypatch.setattr(searcher_module.Snapshot, "__init__",
                        lambda self, *a, **k: (opened.append(1), real_open(self, *a, **k))[1])
    monkeypatch.setattr(searcher_module.Searcher, "_search",
                        staticmethod(lambda *a, **k: (searched.append(a[1].text), real_search(*a, **k))[1]))
    watchers = {t for t in threading.enumerate() if t.name == "casesearch-watch"}
    app = make_app(built)
    assert (len(opened), len(searched)) == (1, 1)
    assert searched[0]
    assert {t for t in threading.enumerate() if t.name == "casesearch-watch"} == watchers
    get_json(app.test_client(), "/api/search?q=formation")
    assert len(opened) == 1                   # the request used what was opened
    assert len(searched) == 2
    assert any(t.name == "casesearch-watch" and t not in watchers for t in threading.enumerate())


def test_a_worker_forked_without_the_hook_answers_its_first_request_from_the_generation_published(
        built, site, make_app):
    """gunicorn's master makes the app; a worker forked later without `web.forked` (a
    configuration of the operator's own) starts its watcher at its first request. That
    request waits for what was published meanwhile: answered from the master's generation,
    a page published an hour before would be missing."""
    app = make_app(built)
    write_pages(site, {"nouvelle.md": "---\ntitle: Zythologie\n---\nLa zythologie.\n"})
    assert reindex(built).published
    assert get_json(app.test_client(), "/api/search?q=zythologie")["total"] == 1


def test_no_visitor_request_imports_a_module_after_the_warm_up(built):
    """What the warm-up does not load, the first visitor to need it waits for: numpy's
    np.isin imports numpy.ma on its first call (20 ms), Flask compiles the page's template
    on its first rendering. In a fresh interpreter (pytest has imported much already): the
    app made, then requests of every kind, each checked for a module imported during it."""
    import subprocess
    import sys

    script = f"""
import sys
from casesearch.config import load_settings
from casesearch.web import create_app
settings = load_settings({{"content_dir": {str(built.content_dir)!r},
                          "index_dir": {str(built.index_dir)!r}}}, environ={{}})
client = create_app(settings).test_client()
client.get("/api/health")   # the test client's own first use (werkzeug's URL handling)
for url in ["/api/search?q=formation+numerique", "/api/search?q=%22open+data%22", "/api/search?q=formaton",
            "/api/search?q=donnees&sort=date&tag=emploi", "/api/suggest?q=form", "/", "/api/openapi.json",
            "/api/search?q=" + "x" * 5000]:
    before = set(sys.modules)
    status = client.get(url).status_code
    print(status, url[:40], sorted(set(sys.modules) - before))
"""
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout
    lines = out.splitlines()
    assert len(lines) == 8, out
    for line in lines:
        assert line.endswith(" []") and int(line.split()[0]) < 500, line


def test_an_app_made_before_any_index_answers_once_one_is_built(built, tmp_path, make_app):
    settings = replace(built, index_dir=tmp_path / "later")
    app = make_app(settings)
    client = app.test_client()
    assert client.get("/api/search?q=formation").status_code == 503
    reindex(settings)
    time.sleep(searcher_module_down())
    assert get_json(client, "/api/search?q=publique")["total"] > 0


def searcher_module_down() -> float:
    from casesearch import searcher as searcher_module
    return searcher_module.DOWN_RECHECK_SECONDS + 0.2


@pytest.fixture
def app(built, make_app):
    return make_app(built)


@pytest.fixture
def client(app):
    return app.test_client()


def get_json(client, url, status=200, **kwargs):
    response = client.get(url, **kwargs)
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    return response.get_json()


def wait_for_generation(client, generation: int, seconds: float = 1.0) -> float:
    """Poll /api/health until the service answers from `generation`; the seconds it took."""
    began = time.monotonic()
    while time.monotonic() - began < seconds:
        if get_json(client, "/api/health")["generation"] == generation:
            return time.monotonic() - began
        time.sleep(0.02)
    raise AssertionError(f"generation {generation} not served within {seconds} s")


def assert_error_body(response, status, code=None):
    """The one error shape: nothing more, nothing less, never HTML or a traceback."""
    assert response.status_code == status
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert set(body) == {"ok", "error", "status"}
    assert body["ok"] is False and body["status"] == status
    assert set(body["error"]) == {"code", "message"}
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    if code:
        assert body["error"]["code"] == code
    text = response.get_data(as_text=True)
    assert "Traceback" not in text and "<html" not in text.lower()
    return body


# -- /api/search -----------------------------------------------------------------------

def test_search_body_is_the_cli_json_body(client, built):
    body = get_json(client, "/api/search?q=logiciel+libre")
    expected = Searcher(built).search("logiciel libre").to_dict()
    body.pop("took_ms"), expected.pop("took_ms")
    assert body == json.loads(json.dumps(expected))
    assert list(get_json(client, "/api/search?q=logiciel+libre")) == [
        "ok", "query", "total", "page", "per_page", "took_ms", "hits", "facets", "suggestion"]


def test_search_hits_have_marks_and_section_deep_links(client):
    body = get_json(client, "/api/search?q=donn%C3%A9es+publiques")
    hit = body["hits"][0]
    assert hit["url"] == "/blogging/2020/03/02/donnees-de-sante.html"
    assert "<mark>" in hit["title_html"] and "<mark>" in hit["snippet_html"]
    section = hit["sections"][0]
    assert section["url"] == hit["url"] + "#contexte"
    assert "<mark>" in section["snippet_html"]


def test_search_facets_count_category_tags_and_year(client):
    facets = get_json(client, "/api/search?q=publique")["facets"]
    assert set(facets) == {"category", "tags", "year"}
    assert {"value": "blogging", "count": 2} in facets["category"]
    assert {"value": "2020", "count": 1} in facets["year"] and {"value": "2021", "count": 1} in facets["year"]
    assert {"value": "santé", "count": 1} in facets["tags"]


def test_search_suggests_a_correction_for_a_typo(client):
    body = get_json(client, "/api/search?q=adminstration")
    assert body["suggestion"] == "administration" and body["total"] == 1


def test_search_filters_and_paging(client):
    assert get_json(client, "/api/search?q=publique&year=2021")["total"] == 1
    assert get_json(client, "/api/search?q=publique&category=blogging")["total"] == 2
    assert get_json(client, "/api/search?q=publique&tag=Sant%C3%A9")["total"] == 1
    assert get_json(client, "/api/search?q=publique&lang=en")["total"] == 0
    paged = get_json(client, "/api/search?q=publique&per_page=1&page=2")
    assert paged["page"] == 2 and paged["per_page"] == 1 and len(paged["hits"]) == 1
    dated = get_json(client, "/api/search?q=publique&sort=date")["hits"]
    assert [h["date"][:4] for h in dated if h["date"]] == ["2021", "2020"]


def test_search_without_query_is_empty_not_an_error(client):
    body = get_json(client, "/api/search")
    assert body["total"] == 0 and body["hits"] == []


# -- /api/suggest, /api/health, /api/openapi.json ----------------------------------------

def test_suggest_completes_titles_and_terms(client):
    body = get_json(client, "/api/suggest?q=lo")
    assert body["ok"] is True and body["query"] == "lo"
    kinds = {s["kind"] for s in body["suggestions"]}
    assert kinds == {"title", "term"}
    title = next(s for s in body["suggestions"] if s["kind"] == "title")
    assert title == {"text": "Le logiciel libre dans l'administration", "kind": "title",
                     "url": "/blogging/2021/06/10/logiciel-libre.html"}
    assert len(body["suggestions"]) <= 10


def test_suggest_stays_within_ten(client, site, built):
    write_pages(site, {f"p{i}.md": f"---\ntitle: Formation numéro {i}\n---\nformation{i} formateur{i}\n"
                       for i in range(20)})
    reindex(built)
    wait_for_generation(client, 2)
    assert len(get_json(client, "/api/suggest?q=form")["suggestions"]) == 10


def test_health_reports_pages_generation_and_build_time(client):
    body = get_json(client, "/api/health")
    assert body["ok"] is True and body["pages"] == 3 and body["generation"] == 1
    assert body["built_at"].startswith("20") and body["stale"] == []


def test_openapi_describes_every_api_route(client, app):
    document = get_json(client, "/api/openapi.json")
    assert document["openapi"].startswith("3.1")
    routes = {rule.rule for rule in app.url_map.iter_rules() if rule.rule.startswith("/api/")}
    assert routes == set(document["paths"])


# -- errors and limits ---------------------------------------------------------------------

BAD_PARAMETERS = [
    ("q=" + "a" * 201, "the limit is 200"),
    ("q=" + "+".join(["mot"] * 13), "the limit is 12"),
    ("q=x&page=0", "positive whole number"),
    ("q=x&page=-1", "positive whole number"),
    ("q=x&page=abc", "positive whole number"),
    ("q=x&page=1.5", "positive whole number"),
    ("q=x&page=", "positive whole number"),
    ("q=x&page=%EF%BC%92", "positive whole number"),   # a full-width digit
    ("q=x&per_page=0", "positive whole number"),
    ("q=x&per_page=51", "the most is 50"),
    ("q=x&per_page=99999999999999999999", "too large: results stop at page * per_page = 1000"),
    ("q=x&page=101&per_page=10", "results stop at 1000"),
    ("q=x&sort=popular", "relevance, date"),
    ("q=x&year=20", "four digits"),
    ("q=x&category=" + "c" * 101, "at most 100"),
]


@pytest.mark.parametrize("query, says", BAD_PARAMETERS)
def test_bad_parameters_get_400_saying_what_is_allowed(client, query, says):
    body = assert_error_body(client.get(f"/api/search?{query}"), 400, "invalid_parameter")
    assert says in body["error"]["message"]


def test_suggest_limits_too(client):
    assert_error_body(client.get("/api/suggest?q=" + "a" * 201), 400, "invalid_parameter")


def test_unknown_path_is_a_json_404(client):
    assert_error_body(client.get("/api/nope"), 404, "not_found")
    assert_error_body(client.get("/nope.html"), 404, "not_found")


def test_wrong_method_is_a_json_405_with_allow(client):
    response = client.post("/api/search?q=x")
    assert_error_body(response, 405, "method_not_allowed")
    assert "GET" in response.headers["Allow"]


def test_large_body_is_a_json_413(client):
    assert_error_body(client.get("/api/search?q=x", data="x" * 100_000), 413, "payload_too_large")


def test_chunked_body_is_a_json_413_too(client):
    response = client.get("/api/search?q=x", headers={"Transfer-Encoding": "chunked"}, data="x" * 10_000)
    assert_error_body(response, 413, "payload_too_large")


def test_unexpected_error_is_a_json_500_without_details(client, app, monkeypatch, caplog):
    def boom(*args, **kwargs):
        raise RuntimeError("secret internals /etc/passwd")

    monkeypatch.setattr(app.extensions["casesearch"]["searcher"], "search", boom)
    response = client.get("/api/search?q=x")
    body = assert_error_body(response, 500, "internal_error")
    assert "secret" not in response.get_data(as_text=True) and "passwd" not in body["error"]["message"]
    assert "secret internals" in caplog.text   # logged for the operator


def test_missing_index_is_a_json_503(settings, make_app):
    client = make_app(settings).test_client()
    assert_error_body(client.get("/api/search?q=x"), 503, "index_missing")
    assert_error_body(client.get("/api/health"), 503, "index_missing")


def test_rate_limit_answers_429_in_the_error_shape(built, make_app):
    client = make_app(replace(built, rate_limit="2/minute")).test_client()
    assert client.get("/api/search?q=a").status_code == 200
    assert client.get("/api/suggest?q=a").status_code == 200
    response = client.get("/api/search?q=b")
    body = assert_error_body(response, 429, "too_many_requests")
    assert "2 per 1 minute" in body["error"]["message"]
    assert int(response.headers["Retry-After"]) > 0
    assert client.get("/api/health").status_code == 200   # monitoring is not counted


def test_cors_preflight_does_not_spend_the_rate_limit(built, make_app):
    client = make_app(replace(built, rate_limit="2/minute", cors_origins=("https://site.example",))).test_client()
    origin = {"Origin": "https://site.example", "Access-Control-Request-Method": "GET"}
    for _ in range(3):
        assert client.options("/api/search?q=a", headers=origin).status_code == 200
    assert client.get("/api/search?q=a").status_code == 200
    assert client.get("/api/search?q=b").status_code == 200


def test_bad_rate_limit_setting_is_a_config_error(built, make_app):
    from casesearch.errors import ConfigError

    with pytest.raises(ConfigError, match="rate_limit"):
        make_app(replace(built, rate_limit="lots"))


def test_debug_is_always_off(built, monkeypatch, make_app):
    monkeypatch.setenv("FLASK_DEBUG", "1")
    app = make_app(built)
    assert app.debug is False


ABUSIVE = json.loads((Path(__file__).parent / "data" / "abusive-queries.json").read_text(encoding="utf-8"))["queries"]


def test_abusive_queries_answer_200_or_400_never_500(repo_settings, make_app):
    # how fast they answer is measured by bench/http.py (under gunicorn), not here
    client = make_app(repo_settings).test_client()
    assert len(ABUSIVE) > 30
    for text in ABUSIVE:
        for endpoint in ("search", "suggest"):
            response = client.get(f"/api/{endpoint}", query_string={"q": text})
            assert response.status_code in (200, 400), (endpoint, text[:50], response.get_data(as_text=True))
            assert response.get_json()["ok"] is (response.status_code == 200)


def test_undecodable_query_string_is_refused_not_searched_as_literal_text(client):
    for query in ("q=%ff%fe%00", "q=%ED%A0%80", "q=ok&category=%C3"):
        response = client.get("/api/search?" + query)
        assert response.status_code == 400, query
        assert "not valid UTF-8" in response.get_json()["error"]["message"]
    assert client.get("/api/search?q=%C3%A9t%C3%A9").status_code == 200   # été


# -- escaping --------------------------------------------------------------------------------

XSS = "<script>alert(1)</script> <img src=x onerror=alert(1)>"
# Raw tags are markup to the content reader (dropped); entities are how a page shows them as text.
XSS_AS_TEXT = "&lt;script&gt;alert(1)&lt;/script&gt; &lt;img src=x onerror=alert(1)&gt;"


def unmarked(fragment: str) -> str:
    return fragment.replace("<mark>", "").replace("</mark>", "")


def test_content_comes_back_escaped(tmp_path, make_app):
    from casesearch.config import load_settings

    content = tmp_path / "evil"
    write_pages(content, {"piege.md": f"---\ntitle: 'Piège {XSS_AS_TEXT} {XSS}'\n---\n"
                                      f"## Alerte\n\nTexte piège {XSS_AS_TEXT} fin {XSS}.\n"})
    settings = load_settings({"content_dir": content, "index_dir": tmp_path / "evil-index"}, environ={})
    reindex(settings)
    client = make_app(settings).test_client()
    for q in ("piège", "alert", "script", "onerror", "img"):
        body = get_json(client, f"/api/search?q={q}")
        assert body["total"] == 1, q
        hit = body["hits"][0]
        assert XSS in hit["title"]   # plain-text fields hold the text; the JSON is no HTML
        fragments = [hit["title_html"], hit["snippet_html"]] + [s["snippet_html"] for s in hit["sections"]]
        for fragment in fragments:
            assert "<" not in unmarked(fragment) and ">" not in unmarked(fragment), fragment
        assert XSS_AS_TEXT in unmarked(hit["title_html"])
        assert XSS_AS_TEXT in unmarked(hit["snippet_html"])


def test_html_fields_are_safe_in_a_quoted_attribute_too(tmp_path, make_app):
    from casesearch.config import load_settings

    content = tmp_path / "quotes"
    write_pages(content, {"q.md": "---\ntitle: 'Le \"guide\" d''accueil'\n---\nUn \"guide\" d'accueil pour l'équipe.\n"})
    settings = load_settings({"content_dir": content, "index_dir": tmp_path / "quotes-index"}, environ={})
    reindex(settings)
    hit = get_json(make_app(settings).test_client(), "/api/search?q=guide")["hits"][0]
    assert hit["title"] == 'Le "guide" d\'accueil'
    for fragment in (hit["title_html"], hit["snippet_html"]):
        assert '"' not in fragment and "'" not in fragment, fragment
        assert "&quot;" in fragment and "&#x27;" in fragment
    assert html.unescape(unmarked(hit["title_html"])) == hit["title"]


def test_page_escapes_the_query_it_echoes(client):
    response = client.get("/?q=%22%3E%3Cscript%3Ealert(1)%3C/script%3E")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<script>alert(1)" not in html
    assert "&#34;&gt;&lt;script&gt;" in html or "&quot;&gt;&lt;script&gt;" in html


# -- CORS ------------------------------------------------------------------------------------

def test_no_cors_by_default(client):
    response = client.get("/api/search?q=x", headers={"Origin": "https://other.example"})
    assert response.status_code == 200
    assert "Access-Control-Allow-Origin" not in response.headers


def test_cors_allow_list(built, make_app):
    client = make_app(replace(built, cors_origins=("https://site.example",))).test_client()
    allowed = client.get("/api/search?q=x", headers={"Origin": "https://site.example"})
    assert allowed.headers["Access-Control-Allow-Origin"] == "https://site.example"
    assert "Origin" in allowed.headers["Vary"] and "ETag" in allowed.headers["Access-Control-Expose-Headers"]
    other = client.get("/api/search?q=x", headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in other.headers and "Origin" in other.headers["Vary"]
    error = client.get("/api/search?page=0", headers={"Origin": "https://site.example"})
    assert error.status_code == 400 and error.headers["Access-Control-Allow-Origin"] == "https://site.example"
    preflight = client.options("/api/search", headers={"Origin": "https://site.example",
                                                       "Access-Control-Request-Method": "GET"})
    assert preflight.status_code == 200
    assert preflight.headers["Access-Control-Allow-Origin"] == "https://site.example"
    assert "GET" in preflight.headers["Access-Control-Allow-Methods"]


def test_cors_wildcard(built, make_app):
    client = make_app(replace(built, cors_origins=("*",))).test_client()
    response = client.get("/api/suggest?q=lo", headers={"Origin": "https://any.example"})
    assert response.headers["Access-Control-Allow-Origin"] == "*"


# -- caching -----------------------------------------------------------------------------------

def test_etag_follows_generation_and_request(client, app, site, built, monkeypatch):
    first = client.get("/api/search?q=publique")
    etag = first.headers["ETag"]
    assert etag.startswith('W/"gen-000001-') and first.headers["Cache-Control"] == "public, no-cache"
    assert client.get("/api/search?q=publique&page=1").headers["ETag"] == etag   # same request, spelled out
    assert client.get("/api/search?q=publique&page=2&per_page=1").headers["ETag"] != etag
    assert client.get("/api/suggest?q=publique").headers["ETag"] != etag

    searcher = app.extensions["casesearch"]["searcher"]
    calls = []
    monkeypatch.setattr(searcher, "search", lambda *a, **k: calls.append(a))
    cached = client.get("/api/search?q=publique", headers={"If-None-Match": etag})
    assert cached.status_code == 304 and cached.data == b"" and calls == []   # no search for a 304
    assert cached.headers["ETag"] == etag and cached.headers["Cache-Control"] == "public, no-cache"
    assert "Content-Type" not in cached.headers
    monkeypatch.undo()

    write_pages(site, {"nouvelle.md": "---\ntitle: Nouvelle page publique\n---\nUne page publique de plus.\n"})
    reindex(built)
    wait_for_generation(client, 2)   # opened in the background, answering from the old one meanwhile
    fresh = client.get("/api/search?q=publique", headers={"If-None-Match": etag})
    assert fresh.status_code == 200 and fresh.get_json()["total"] == first.get_json()["total"] + 1
    assert fresh.headers["ETag"].startswith('W/"gen-000002-')


def test_health_and_errors_are_not_cached(client):
    assert client.get("/api/health").headers["Cache-Control"] == "no-store"
    assert client.get("/api/search?page=0").headers["Cache-Control"] == "no-store"


# -- security headers, the page and the widget -----------------------------------------------

@pytest.mark.parametrize("url", ["/", "/api/search?q=x", "/api/health", "/api/nope", "/static/casesearch.js"])
def test_security_headers_everywhere(client, url):
    with client.get(url) as response:   # static files are streamed: close them
        headers = response.headers
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_page_is_french_with_a_strict_policy(client):
    response = client.get("/")
    assert response.status_code == 200 and response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    assert '<html lang="fr">' in html and "data-casesearch" in html
    assert '<script src="/static/casesearch.js" defer></script>' in html
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "default-src 'none'" in csp and "unsafe-inline" not in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "<script>" not in html and "style=" not in html   # nothing inline for the policy to allow


def test_api_forbids_rendering_as_a_document(client):
    assert client.get("/api/search?q=x").headers["Content-Security-Policy"] == "default-src 'none'; frame-ancestors 'none'"


def test_widget_and_styles_are_served(client):
    with client.get("/static/casesearch.js") as js:
        assert js.status_code == 200 and js.mimetype in ("text/javascript", "application/javascript")
        assert '"combobox"' in js.get_data(as_text=True)
    with client.get("/static/casesearch.css") as css:
        assert css.status_code == 200 and css.mimetype == "text/css"


def test_the_service_collects_garbage_between_requests_not_inside_a_visitors_query(built, make_app, monkeypatch):
    """Python's collector stopped one query in twenty for 2-3 ms at 50,000 pages: a warmed-up
    service puts its automatic collections off (YOUNG_LIMIT) and collects the young objects
    when a response is closed, once sent (`Searcher.rest`), every object every FULL_EVERY
    of those; a script's searcher leaves the collector as it is."""
    import gc

    from casesearch import searcher as searcher_module
    from casesearch.searcher import Searcher

    before = gc.get_threshold()
    collections: list[tuple[int, bool]] = []   # (generation, made by rest)
    resting = [False]

    def seen(phase, info):
        if phase == "start":
            collections.append((info["generation"], resting[0]))

    real_rest = Searcher.rest

    def rest(self):
        resting[0] = True
        try:
            real_rest(self)
        finally:
            resting[0] = False

    monkeypatch.setattr(Searcher, "rest", rest)
    monkeypatch.setattr(searcher_module, "YOUNG_BATCH", 1)
    monkeypatch.setattr(searcher_module, "FULL_EVERY", 3)
    try:
        script = Searcher(built)
        script.search("formation")
        assert gc.get_threshold() == before
        script.close()
        client = make_app(built).test_client()
        assert gc.get_threshold()[0] == searcher_module.YOUNG_LIMIT
        gc.callbacks.append(seen)
        for i in range(6):
            response = client.get("/api/search", query_string={"q": f"logiciel libre {i}"})
            assert response.status_code == 200
            assert not [c for c in collections if not c[1]]   # none inside the request
            response.close()
            assert collections and collections[-1][1]          # the response's close collected
        assert [g for g, _ in collections] == [1, 1, 2, 1, 1, 2]
    finally:
        if seen in gc.callbacks:
            gc.callbacks.remove(seen)
        gc.set_threshold(*before)
