"""Settings from defaults, casesearch.toml, pyproject's [tool.casesearch], environment, overrides."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from casesearch.config import SETTINGS, Settings, load_settings, markdown_table, replace
from casesearch.errors import ConfigError


def test_defaults_work_without_any_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    s = load_settings(environ={})
    assert s.content_dir == tmp_path / "content" and s.index_dir == tmp_path / "index"
    assert s.title_keys == ("title", "name", "nom", "label")
    assert s.config_file is None


def test_casesearch_toml_next_to_content_is_read(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "content").mkdir()
    (tmp_path / "casesearch.toml").write_text('base_url = "https://exemple.fr"\ntitle_keys = ["titre"]\n')
    s = load_settings(environ={})
    assert s.base_url == "https://exemple.fr" and s.title_keys == ("titre",)


def test_pyproject_tool_table_is_read(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pyproject.toml").write_text('[tool.casesearch]\nindex_dir = "build/idx"\n')
    assert load_settings(environ={}).index_dir == tmp_path / "build" / "idx"


def test_environment_beats_file_and_options_beat_environment(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "casesearch.toml").write_text('index_dir = "from-file"\n')
    env = {"CASESEARCH_INDEX": str(tmp_path / "from-env"), "CASESEARCH_CONTENT": str(tmp_path / "c")}
    assert load_settings(environ=env).index_dir == tmp_path / "from-env"
    assert load_settings({"index_dir": tmp_path / "opt"}, environ=env).index_dir == tmp_path / "opt"


def test_config_file_from_environment(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    conf = tmp_path / "ailleurs.toml"
    conf.write_text('[casesearch]\nmax_query_terms = 8\n')
    assert load_settings(environ={"CASESEARCH_CONFIG": str(conf)}).max_query_terms == 8


@pytest.mark.parametrize("text, message", [
    ('unknown_key = 1\n', "unknown setting"),
    ('max_query_terms = "many"\n', "whole number"),
    ('title_keys = "x" \ntitle_keys2 = 1\n', "unknown setting"),
    ('title_keys = [1, 2]\n', "list of strings"),
    ('base_url = [\n', "cannot read configuration"),
    ('heading_ids = "github"\n', "must be one of kramdown, gfm"),
    ('max_query_terms = 0\n', "must be positive"),
    ('answer_cache = -1\n', "must be 0 or more"),
    ('score_cache_mb = -1\n', "must be 0 or more"),
])
def test_bad_configuration_is_a_clear_error(tmp_path, monkeypatch, text, message):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "casesearch.toml").write_text(text)
    with pytest.raises(ConfigError, match=message):
        load_settings(environ={})


def test_the_answer_cache_can_be_turned_off(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert load_settings(environ={}).answer_cache > 0
    assert load_settings(environ={"CASESEARCH_ANSWER_CACHE": "0"}).answer_cache == 0


def test_the_score_cache_is_sized_by_its_setting(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert load_settings(environ={}).score_cache_mb == 64
    assert load_settings(environ={"CASESEARCH_SCORE_CACHE_MB": "0"}).score_cache_mb == 0
    (tmp_path / "casesearch.toml").write_text("score_cache_mb = 16\n")
    assert load_settings(environ={}).score_cache_mb == 16


def test_every_setting_has_help():
    assert all(s.help for s in SETTINGS)


def test_readme_table_of_settings_is_the_table_in_the_code():
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    assert markdown_table() in readme


def test_settings_fields_come_from_the_table():
    fields = [f.name for f in dataclasses.fields(Settings)]
    assert fields == [s.name for s in SETTINGS] + ["config_file", "explicit"]
    # only settings that shape documents force a rebuild
    settings = load_settings({"content_dir": "c", "index_dir": "i"}, environ={})
    assert replace(settings, rate_limit="5/minute").fingerprint() == settings.fingerprint()
    assert replace(settings, title_keys=("titre",)).fingerprint() != settings.fingerprint()
