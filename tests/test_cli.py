"""The CLI: exit codes, summaries, `search --json` body."""

from __future__ import annotations

import json
import re

from casesearch.cli import main


def run(runner, *args):
    return runner.invoke(main, list(args), catch_exceptions=False)


def test_reindex_prints_summary_and_exits_0(runner, settings):
    result = run(runner, "reindex", "--content", str(settings.content_dir), "--index", str(settings.index_dir))
    assert result.exit_code == 0, result.output
    assert "indexed 3 pages: 3 added, 0 updated, 0 removed, 0 skipped" in result.output


def test_reindex_json_summary(runner, settings):
    result = run(runner, "reindex", "--json", "--content", str(settings.content_dir),
                 "--index", str(settings.index_dir))
    body = json.loads(result.output)
    assert body["published"] is True and body["added"] == 3 and body["failed"] == 0


def test_reindex_strict_exits_1_naming_the_file(runner, settings, site):
    (site / "casse.md").write_text("---\ntitle: [x\n---\n", encoding="utf-8")
    result = run(runner, "reindex", "--strict", "--content", str(settings.content_dir),
                 "--index", str(settings.index_dir))
    assert result.exit_code == 1
    assert re.search(r"^Error reading page 'casse.md', line [23]: YAML error", result.output, re.M)


def test_reindex_without_strict_reports_and_exits_0(runner, settings, site):
    (site / "casse.md").write_text("---\ntitle: [x\n---\n", encoding="utf-8")
    result = run(runner, "reindex", "--content", str(settings.content_dir), "--index", str(settings.index_dir))
    assert result.exit_code == 0
    assert "casse.md" in result.output and "1 failed" in result.output


def test_reindex_safety_check_exits_3(runner, built, site):
    for page in site.rglob("*.md"):
        if page.name != "a-propos.md":
            page.unlink()
    result = run(runner, "reindex", "--content", str(built.content_dir), "--index", str(built.index_dir))
    assert result.exit_code == 3
    assert "--force" in result.output


def test_missing_content_folder_is_a_clear_error(runner, tmp_path):
    result = run(runner, "reindex", "--content", str(tmp_path / "nope"), "--index", str(tmp_path / "i"))
    assert result.exit_code == 1
    assert result.output.startswith("Error: content folder '") and "nope' does not exist" in result.output
    assert "reading page" not in result.output    # a folder, not a page


def test_search_json_has_the_api_body(runner, built):
    result = run(runner, "search", "logiciel libre", "--json", "--content", str(built.content_dir),
                 "--index", str(built.index_dir))
    body = json.loads(result.output)
    assert set(body) == {"ok", "query", "total", "page", "per_page", "took_ms", "hits", "facets", "suggestion"}
    hit = body["hits"][0]
    assert set(hit) == {"url", "source", "title", "title_html", "summary", "snippet_html", "date", "category",
                        "tags", "lang", "score", "sections"}
    assert set(hit["sections"][0]) == {"heading", "anchor", "url", "snippet_html"}
    assert body["ok"] is True and body["total"] == 1


def test_search_text_output(runner, built):
    result = run(runner, "search", "logiciel", "--content", str(built.content_dir), "--index", str(built.index_dir))
    assert result.exit_code == 0
    assert "1. Le logiciel libre dans l'administration" in result.output


def test_search_paths_from_environment(runner, built, monkeypatch):
    monkeypatch.setenv("CASESEARCH_CONTENT", str(built.content_dir))
    monkeypatch.setenv("CASESEARCH_INDEX", str(built.index_dir))
    result = run(runner, "search", "logiciel", "--json")
    assert json.loads(result.output)["total"] == 1


def test_search_without_index_says_to_reindex(runner, tmp_path):
    result = run(runner, "search", "x", "--content", str(tmp_path), "--index", str(tmp_path / "none"))
    assert result.exit_code == 1
    assert "casesearch reindex" in result.output


def test_search_limits_are_usage_errors(runner, built):
    result = run(runner, "search", "x" * 300, "--content", str(built.content_dir), "--index", str(built.index_dir))
    assert result.exit_code == 2
    assert "200" in result.output


def test_search_query_may_start_with_an_excluded_word(runner, built):
    args = ["--content", str(built.content_dir), "--index", str(built.index_dir), "--json"]
    kept = json.loads(run(runner, "search", "logiciel", *args).output)
    without = run(runner, "search", "-logiciel publiques", *args)
    assert without.exit_code == 0, without.output
    body = json.loads(without.output)
    assert kept["total"] >= 1 and body["query"] == "-logiciel publiques"
    assert not {h["source"] for h in body["hits"]} & {h["source"] for h in kept["hits"]}


def test_search_refuses_a_bad_year_as_the_api_does(runner, built):
    result = runner.invoke(main, ["search", "logiciel", "--year", "18", "--content", str(built.content_dir),
                                  "--index", str(built.index_dir)])
    assert result.exit_code == 2
    assert "year must be four digits" in result.output


def test_search_category_filter_ignores_case(runner, built):
    args = ["--content", str(built.content_dir), "--index", str(built.index_dir), "--json"]
    assert json.loads(run(runner, "search", "logiciel", "--category", "Blogging", *args).output)["total"] == 1


def test_search_page_past_the_end_says_so(runner, built):
    result = run(runner, "search", "logiciel", "--limit", "1", "--page", "5",
                 "--content", str(built.content_dir), "--index", str(built.index_dir))
    assert result.exit_code == 0 and "Page 5 is past the last result" in result.output


def test_reindex_warns_of_a_synonyms_file_searches_cannot_use(runner, settings, tmp_path):
    (settings.content_dir / "casesearch.toml").write_text('synonyms_file = "absent.txt"\n', encoding="utf-8")
    result = runner.invoke(main, ["reindex", "--content", str(settings.content_dir),
                                  "--index", str(settings.index_dir)])
    assert result.exit_code == 0, result.output
    assert "Warning: cannot read synonyms file" in result.output and "built-in synonyms only" in result.output


def test_reindex_json_says_why_nothing_was_published(runner, tmp_path):
    result = runner.invoke(main, ["reindex", "--json", "--content", str(tmp_path / "nope"),
                                  "--index", str(tmp_path / "i")])
    assert result.exit_code == 1
    body = json.loads(result.stdout)
    assert body == {"published": False, "error": body["error"], "exit_code": 1}
    assert "content folder" in body["error"]
