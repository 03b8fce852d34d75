"""Queries as visitors type them: French forms, limits, syntax, snippets, facets."""

from __future__ import annotations

import threading
import time

import pytest
from conftest import write_pages

from casesearch.errors import QueryError
from casesearch.indexer import reindex
from casesearch.searcher import RECHECK_SECONDS, Filters, Searcher

SEED = "_posts/2015-05-29-le-gouvernement-et-numa.md"


@pytest.fixture
def repo(repo_settings):
    s = Searcher(repo_settings)
    yield s
    s.close()


@pytest.fixture
def small(built):
    s = Searcher(built)
    yield s
    s.close()


@pytest.mark.parametrize("q", ["open data", "l’open data", "l'open data", "OPEN DATA", "formation", "formations",
                               "pole emploi", "Pôle emploi", "sociocompetences", "sociocompétences",
                               "ateliers d'ideation", "l'emploi", "emplois"])
def test_seed_page_is_first_hit(repo, q):
    result = repo.search(q)
    assert result.hits, q
    assert result.hits[0].source == SEED, [h.source for h in result.hits]


def test_ideation_links_to_action_section(repo):
    hit = repo.search("ateliers d'ideation").hits[0]
    assert hit.sections[0].anchor == "action"
    assert hit.sections[0].url.endswith("le-gouvernement-et-numa.html#action")
    assert "<mark>ateliers</mark>" in hit.sections[0].snippet_html


def test_snippet_marks_matches_whatever_the_accents(repo):
    hit = repo.search("sociocompetences").hits[0]
    assert "<mark>sociocompétences</mark>" in hit.snippet_html


def test_title_html_marks_matches(small):
    hit = small.search("donnees").hits[0]
    assert hit.title_html == "Les <mark>données</mark> de santé au service des patients"


def test_all_words_required_before_partial_matches(small):
    hits = small.search("données hôpitaux").hits
    assert [h.source for h in hits][:1] == ["_posts/2020-03-02-donnees-de-sante.md"]


def test_partial_matches_when_all_words_find_nothing(small):
    result = small.search("logiciel xylophone")
    assert [h.source for h in result.hits] == ["_posts/2021-06-10-logiciel-libre.md"]


def test_excluded_word_removes_pages(small):
    assert small.search("publiques").total == 3
    assert {h.source for h in small.search("publiques -santé").hits} == {"_posts/2021-06-10-logiciel-libre.md",
                                                                          "a-propos.md"}


def test_quoted_phrase_requires_adjacent_words(small):
    assert small.search('"licence libre"').total == 1
    assert small.search('"libre licence"').total == 0


def test_last_word_is_a_prefix_while_typing(small):
    assert small.search("hôpi").total == 1
    assert small.search("administ").hits[0].source == "_posts/2021-06-10-logiciel-libre.md"


def test_compound_words_match_parts_and_joined(small):
    assert small.search("iledefrance").total == 1
    assert small.search("Île-de-France").total == 1


@pytest.mark.parametrize("q", ['title:logiciel', 'logiciel*', 'NOT logiciel', '(logiciel', 'logiciel^5',
                               '[a TO z]', 'logiciel~2', '"', '-', '*', 'AND OR', '\x00\x1f logiciel'])
def test_query_syntax_is_plain_text(small, q):
    result = small.search(q)
    assert result.total >= 0
    for hit in result.hits:
        assert hit.source


def test_query_over_200_characters_is_refused(small):
    with pytest.raises(QueryError, match="200"):
        small.search("a" * 201)


def test_query_length_counts_characters_as_typed_in_either_unicode_form(small):
    decomposed = "e\u0301" * 150                     # 150 é typed as e + combining accent
    assert small.search(decomposed).query == "é" * 150
    with pytest.raises(QueryError, match="201 characters"):
        small.search("é" * 201)


def test_query_over_12_words_is_refused(small):
    with pytest.raises(QueryError, match="12"):
        small.search(" ".join(["mot"] * 13))


@pytest.mark.parametrize("kwargs", [{"page": 0}, {"per_page": 0}, {"per_page": 51}, {"page": 101, "per_page": 10},
                                    {"sort": "popularity"}])
def test_bad_paging_is_refused(small, kwargs):
    with pytest.raises(QueryError):
        small.search("données", **kwargs)


def test_facets_count_matching_pages(small):
    facets = small.search("publiques").facets
    assert facets["category"] == [{"value": "blogging", "count": 2}]
    assert {"value": "santé", "count": 1} in facets["tags"]
    assert {"value": "2020", "count": 1} in facets["year"]


def test_filters_narrow_results(small):
    assert small.search("publiques", filters=Filters(year="2021")).total == 1
    assert small.search("publiques", filters=Filters(tag="Santé")).total == 1
    assert small.search("publiques", filters=Filters(category="autre")).total == 0


def test_sort_by_date_puts_newest_first(small):
    hits = small.search("publiques", sort="date").hits
    assert [(h.date or "")[:4] for h in hits] == ["2021", "2020", ""]


def test_typo_gets_a_suggestion_and_results(small):
    result = small.search("logicel")
    assert result.suggestion == "logiciel"
    assert result.hits and result.hits[0].source == "_posts/2021-06-10-logiciel-libre.md"


def test_pages_found_by_the_correction_mark_the_corrected_word(small):
    hit = small.search("logicel").hits[0]
    assert "<mark>" in hit.title_html + hit.snippet_html
    assert "logiciel</mark>" in (hit.title_html + hit.snippet_html).lower()


def test_result_body_has_every_field_of_the_dataclasses(small):
    from dataclasses import asdict

    result = small.search("logiciel libre")
    assert result.hits and result.hits[0].sections
    assert result.to_dict() == {"ok": True, **asdict(result)}


def test_no_typo_correction_for_short_words_or_acronyms(small):
    assert small.search("ABCDEF").suggestion is None
    assert small.search("libe").suggestion is None


def test_stop_word_only_query_finds_nothing_without_error(small):
    result = small.search("de la les")
    assert result.total == 0 and result.hits == []


def test_html_in_content_comes_back_escaped(settings, site):
    (site / "xss.md").write_text(
        "---\ntitle: Piège <img src=x onerror=alert(1)> tomate\n---\n"
        "Du texte &lt;script&gt;alert(1)&lt;/script&gt; sur la tomate.\n", encoding="utf-8")
    reindex(settings)
    s = Searcher(settings)
    try:
        hit = s.search("tomate").hits[0]
    finally:
        s.close()
    for html in (hit.title_html, hit.snippet_html):
        assert "<img" not in html and "<script" not in html
    assert "&lt;" in hit.title_html + hit.snippet_html


def test_synonym_acronym_finds_its_expansion(settings, site):
    (site / "cpf.md").write_text("---\ntitle: Mon compte\n---\nUtiliser son compte personnel de formation.\n",
                                 encoding="utf-8")
    reindex(settings)
    s = Searcher(settings)
    try:
        hit = s.search("CPF").hits[0]
        assert hit.source == "cpf.md"
        assert "<mark>compte</mark> <mark>personnel</mark>" in hit.snippet_html
        # the expansion must stand together: scattered words are not the synonym
        assert s.search("cpf").total == 1
    finally:
        s.close()


def test_site_synonyms_file_is_applied(tmp_path, site):
    (site / "velo.md").write_text("---\ntitle: Pistes\n---\nLa petite reine en ville.\n", encoding="utf-8")
    extra = tmp_path / "synonymes.txt"
    extra.write_text("# nos mots\nvélo = petite reine\n", encoding="utf-8")
    from casesearch.config import load_settings
    settings = load_settings({"content_dir": site, "index_dir": tmp_path / "ix", "synonyms_file": extra}, environ={})
    reindex(settings)
    s = Searcher(settings)
    try:
        assert [h.source for h in s.search("velo").hits] == ["velo.md"]
    finally:
        s.close()


def test_bad_synonyms_file_names_file_and_line(tmp_path):
    from casesearch.errors import ConfigError
    from casesearch.synonyms import parse_groups
    with pytest.raises(ConfigError, match=r"mine.txt', line 2"):
        parse_groups("chat = félin\nseul\n", "mine.txt")


def test_explain_reports_terms_and_field_contributions(small):
    report = small.explain("données santé")
    assert [w["typed"] for w in report["words"]] == ["données", "santé"]
    top = report["hits"][0]
    assert top["source"] == "_posts/2020-03-02-donnees-de-sante.md"
    fields = {p["field"] for p in top["parts"]}
    assert {"title", "tags"} <= fields
    assert all(p["score"] > 0 for p in top["parts"])


def test_english_page_is_matched_with_english_analysis(repo):
    # "town shares" meets "towns" and "sharing" only through English stemming
    hits = repo.search("town shares").hits
    assert [h.lang for h in hits] == ["en"]


def test_background_searcher_answers_from_the_old_generation_while_the_new_one_opens(built, site, monkeypatch):
    searcher = Searcher(built, background=True)
    assert searcher.search("zythologie").total == 0
    opening, release = threading.Event(), threading.Event()
    original = Searcher._open

    def slow_open(self, choice):
        opening.set()
        release.wait(10)
        return original(self, choice)

    monkeypatch.setattr(Searcher, "_open", slow_open)
    write_pages(site, {"nouvelle.md": "---\ntitle: Zythologie\n---\nLa zythologie, science de la bière.\n"})
    reindex(built)
    assert opening.wait(5), "the watcher did not start opening the new generation"
    assert searcher.search("zythologie").total == 0         # answered at once, from the old generation
    release.set()
    deadline = time.monotonic() + 5
    while searcher.search("zythologie").total == 0 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert searcher.search("zythologie").total == 1         # then from the new one, with no query asking
    searcher.close()


def test_a_generation_that_cannot_be_opened_is_tried_once_and_the_old_one_serves(built, site, caplog):
    searcher = Searcher(built, background=True)
    assert searcher.search("logiciel").total == 1
    broken = built.index_dir / "gen-000099"
    broken.mkdir()
    (built.index_dir / "CURRENT").write_text("gen-000099\n")
    time.sleep(4 * RECHECK_SECONDS)
    assert searcher.search("logiciel").total == 1
    assert sum("index damaged" in r.getMessage() for r in caplog.records) == 1
    health = searcher.health()
    assert health["status"] == "degraded" and "gen-000099" in health["reason"] and health["generation"] == 1
    searcher.close()


def test_searcher_in_a_script_sees_a_new_generation_on_the_next_query(built, site):
    searcher = Searcher(built)
    assert searcher.search("zythologie").total == 0
    write_pages(site, {"nouvelle.md": "---\ntitle: Zythologie\n---\nLa zythologie.\n"})
    reindex(built)
    time.sleep(RECHECK_SECONDS)
    assert searcher.search("zythologie").total == 1
    searcher.close()


def test_refresh_opens_the_published_generation_at_once(built, site):
    searcher = Searcher(built)
    first = searcher.refresh()
    write_pages(site, {"nouvelle.md": "---\ntitle: Zythologie\n---\nLa zythologie.\n"})
    report = reindex(built)
    assert first != searcher.refresh() == f"gen-{report.generation:06d}"
    assert searcher.search("zythologie").total == 1
    searcher.close()


def test_snippet_shows_a_passage_with_the_match_not_a_heading_only_section(settings, site):
    write_pages(site, {"guide.md": "---\ntitle: Guide\n---\n## Accessibilité\nLes graphiques ont été exemptés.\n\n"
                                   "## Mesures\nUn audit d'accessibilité complet est publié.\n"})
    reindex(settings)
    searcher = Searcher(settings)
    hit = next(h for h in searcher.search("accessibilité").hits if h.source == "guide.md")
    assert "<mark>accessibilité</mark>" in hit.snippet_html
    assert [s.heading for s in hit.sections][:1] == ["Accessibilité"]   # the heading still links first
    searcher.close()


@pytest.mark.parametrize("content", [None, "vélo\n"])   # missing file; a group of one word
def test_broken_synonyms_file_leaves_search_working_with_the_built_in_ones(tmp_path, site, content, caplog):
    from casesearch.config import load_settings

    broken = tmp_path / "synonymes.txt"
    if content is not None:
        broken.write_text(content, encoding="utf-8")
    settings = load_settings({"content_dir": site, "index_dir": tmp_path / "ix", "synonyms_file": broken},
                             environ={})
    reindex(settings)
    s = Searcher(settings)
    try:
        assert s.search("logiciel").total == 1
        assert any("synonymes.txt" in r.getMessage() and "built-in" in r.getMessage() for r in caplog.records)
    finally:
        s.close()


def test_a_search_asked_again_is_answered_from_the_kept_answer(built, site, monkeypatch):
    """answer_cache: the same search (text and options) asked again is answered from what
    the generation kept, without ranking it again; another page, another option or a new
    generation is searched; at most answer_cache answers are kept, the least recently
    asked let go first; 0 keeps none."""
    from dataclasses import replace

    from casesearch import searcher as searcher_module

    ranked = []
    real_rank = searcher_module.rank
    monkeypatch.setattr(searcher_module, "rank", lambda *a, **k: (ranked.append(a[1].text), real_rank(*a, **k))[1])
    s = Searcher(replace(built, answer_cache=2))
    first = s.search("logiciel libre")
    again = s.search("logiciel libre")
    assert ranked == ["logiciel libre"]
    assert again.hits == first.hits and again.total == first.total and again.facets == first.facets
    s.search("logiciel libre", page=2)
    s.search("logiciel libre", prefix=False)
    assert len(ranked) == 3
    s.search("logiciel libre", prefix=False)          # the most recent: kept
    s.search("logiciel libre")                        # asked longest ago of three: let go
    assert len(ranked) == 4 and len(s.snapshot().answers) == 2
    snap = s.snapshot()
    assert snap.answer_hits == sum(len(a.hits) for a in snap.answers.values())
    write_pages(site, {"nouvelle.md": "---\ntitle: Logiciel libre encore\n---\nUn logiciel libre de plus.\n"})
    reindex(built)
    s.refresh()
    assert s.search("logiciel libre").total == first.total + 1   # the new generation's answer
    s.close()
    off = Searcher(replace(built, answer_cache=0))
    ranked.clear()
    off.search("formation"), off.search("formation")
    assert ranked == ["formation", "formation"] and not off.snapshot().answers
    off.close()


def test_the_scores_kept_are_bounded_by_score_cache_mb_and_never_change_an_answer(built):
    """score_cache_mb bounds the word scores a worker keeps for later queries (62,500
    postings of 16 bytes a MB); 0 keeps none, so every query reads and scores its words
    anew, and the answers are the same as with the default's kept scores."""
    from dataclasses import replace

    from casesearch import scoring

    texts = ["logiciel libre", "formation", "donnees ouvertes", "l'emploi", "logiciel", "formations libres"]
    kept = Searcher(replace(built, answer_cache=0))
    none = Searcher(replace(built, answer_cache=0, score_cache_mb=0))
    one = Searcher(replace(built, answer_cache=0, score_cache_mb=1))
    try:
        assert one.snapshot().postings.kept_bound == scoring.POSTINGS_PER_MB
        for text in texts:
            assert none.search(text).hits == kept.search(text).hits
        p = none.snapshot().postings
        assert not p._scores and p._kept_postings == 0
        read = p.read["stems"]
        none.search(texts[0])
        assert p.read["stems"] > read   # read again: nothing was kept
        q = kept.snapshot().postings
        assert q._scores and 0 < q._kept_postings <= q.kept_bound
        read = q.read["stems"]
        kept.search(texts[0])
        assert q.read["stems"] == read   # the default keeps them: not read again
    finally:
        kept.close(), none.close(), one.close()


def test_the_answers_kept_hold_as_many_hits_as_answer_cache_answers_of_ten(built, site):
    from dataclasses import replace

    write_pages(site, {f"zorglub-{i}.md": f"---\ntitle: Zorglub {i}\n---\nLe zorglub numéro {i}.\n" for i in range(25)})
    reindex(built)
    s = Searcher(replace(built, answer_cache=2))
    s.search("zorglub", per_page=5)
    assert s.snapshot().answer_hits == 5
    s.search("zorglub", per_page=25)     # 25 hits, over 2 x 10: let go with all before it
    snap = s.snapshot()
    assert snap.answer_hits <= 20 and not snap.answers
    s.search("zorglub", per_page=10)
    s.search("zorglub", per_page=10, page=2)
    assert snap.answer_hits == 20 and len(snap.answers) == 2
    s.close()


def test_a_warmed_up_service_keeps_its_generations_out_of_full_garbage_collections(built, site):
    """Once warmed up (as the service is, before it accepts requests), what is open is
    frozen out of the collector's full passes (one walked every object, 70-90 ms at 50,000
    pages, in some visitor's query), and so is each generation opened later; a script's
    searcher leaves the collector alone."""
    import gc
    gc.unfreeze()
    try:
        script = Searcher(built)
        script.search("formation")
        assert gc.get_freeze_count() == 0
        script.close()
        service = Searcher(built, background=True)
        service.warm()
        frozen = gc.get_freeze_count()
        assert frozen > 1000
        snap = service.snapshot()
        gc.unfreeze()   # as if not settled: the next generation's opening settles again
        write_pages(site, {"nouvelle.md": "---\ntitle: Zythologie\n---\nLa zythologie.\n"})
        reindex(built)
        assert service.refresh() != snap.name
        assert gc.get_freeze_count() > 1000
        assert service.search("zythologie").total == 1
        service.close()
    finally:
        gc.unfreeze()


def test_a_serving_searcher_keeps_its_analysis_memos_bounded_and_answers_alike(built, monkeypatch):
    """Every new word a visitor types (typos, long texts) is memoised by the analysis; a
    searcher bounds each memo to MEMO_WORDS words, starting it over when past, so a
    worker's memory stops growing, and the answers are those of unbounded memos."""
    from dataclasses import replace

    from casesearch import analysis
    from casesearch import searcher as searcher_module

    texts = [f"formation{i} logiciel libr{i}e donnees{i}s" for i in range(30)] + ["logiciel libre", "formation"]
    unbounded = Searcher(replace(built, answer_cache=0))
    expected = [unbounded.search(t) for t in texts]
    unbounded.close()
    monkeypatch.setattr(searcher_module, "MEMO_WORDS", 8)
    analysis.trim_memos(8)
    s = Searcher(replace(built, answer_cache=0))
    peak = 0
    for text, want in zip(texts, expected, strict=True):
        got = s.search(text)
        assert (got.total, got.hits, got.facets, got.suggestion) == (want.total, want.hits, want.facets, want.suggestion)
        sizes = [len(m) for c in analysis._CHAINS.values() for m in c.caches.values()] + \
            [f.cache_info().currsize for c in analysis._CHAINS.values() for f in (c.fold, c.stem)] + \
            [analysis.stem.cache_info().currsize, analysis.family_key.cache_info().currsize]
        peak = max(peak, max(sizes))
        assert max(sizes) <= 8
    assert peak > 0   # the memos were used, and trimmed: never past the bound
    s.suggest("formation logi")
    assert all(len(m) <= 8 for c in analysis._CHAINS.values() for m in c.caches.values())
    s.close()
