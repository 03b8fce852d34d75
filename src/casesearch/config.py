"""Settings: one table of name, default and help drives defaults, validation and docs.

Sources, later ones winning: defaults, `[tool.casesearch]` in `pyproject.toml` or a
`casesearch.toml` (its `[casesearch]` table or top level) found next to the content
folder or named by `CASESEARCH_CONFIG`, environment (`CASESEARCH_CONTENT`,
`CASESEARCH_INDEX`), then explicit overrides (CLI options, test config).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import ConfigError


@dataclass(frozen=True)
class Setting:
    name: str
    default: Any
    help: str  # one line for --help, the README table and errors
    kind: str = "text"  # text, int, list (of text), path, paths (a list of paths), choice
    choices: tuple[str, ...] = ()
    rebuild: bool = False  # a change alters the built documents: the next reindex rebuilds all
    env: str = ""  # environment variable that sets it
    least: int = 1  # an int setting's smallest value

    @property
    def type(self) -> Any:
        return {"text": str, "int": int, "list": tuple[str, ...], "path": Path | None,
                "paths": tuple[Path, ...], "choice": str}[self.kind]


SETTINGS: tuple[Setting, ...] = (
    Setting("content_dir", "content", "folder holding the site's pages (Jekyll's source)", "path",
            env="CASESEARCH_CONTENT"),
    Setting("index_dir", "index", "folder where the built index lives", "path", env="CASESEARCH_INDEX"),
    Setting("base_url", "", "prefix of every page URL, e.g. `https://example.org`; default: `url` + `baseurl` "
            "of `_config.yml`", rebuild=True),
    Setting("jekyll_config", [], "the site's Jekyll configuration files, later ones winning; empty: "
            "`_config.yml` of the content folder", "paths", env="CASESEARCH_JEKYLL_CONFIG"),
    Setting("post_permalink", "/:categories/:year/:month/:day/:title.html",
            "URL pattern of posts when there is no `_config.yml` (with one, set only to override it)",
            rebuild=True),
    Setting("collection_permalink", "/:collection/:path/",
            "URL pattern of collection documents when there is no `_config.yml` (with one, set only to "
            "override it)", rebuild=True),
    Setting("title_keys", ["title", "name", "nom", "label"], "front-matter keys tried for the title", "list",
            rebuild=True),
    Setting("summary_keys", ["apercu", "excerpt", "description", "summary", "mission", "short_description"],
            "front-matter keys tried for the summary", "list", rebuild=True),
    Setting("description_keys", ["description", "search_description", "meta_description", "seo.description",
                                 "excerpt", "summary", "subtitle", "lead", "short_description", "mission", "apercu"],
            "front-matter keys whose texts are searched with the summary, though not shown (a dot reaches "
            "a nested key: `seo.description`)", "list", rebuild=True),
    Setting("topics_keys", ["tags", "thematiques", "categories", "keywords"],
            "front-matter keys whose values become topics", "list", rebuild=True),
    Setting("category_key", "category", "front-matter key of the category", rebuild=True),
    Setting("lang_key", "lang", "front-matter key of the language (`fr`, `french`, `en`, ...; then "
            "`language`, `locale`; pages under `en/` are English)", rebuild=True),
    Setting("default_lang", "fr", "language of pages that do not say", rebuild=True),
    Setting("max_page_bytes", 2_000_000, "larger pages are refused", "int", rebuild=True),
    Setting("heading_ids", "kramdown",
            "anchor ids of headings when there is no `_config.yml` (with one, its `kramdown:` settings "
            "decide): `kramdown` (kramdown's own parser: ASCII letters only, `## Arrêt` -> `#arrt`) or `gfm` "
            "(Jekyll's default GFM input: `#arrêt`)", "choice", ("kramdown", "gfm"), rebuild=True),
    Setting("max_query_chars", 200, "longest query accepted", "int"),
    Setting("max_query_terms", 12, "most words in one query", "int"),
    Setting("synonyms_file", "", "the site's own synonym groups (`a = b = c`, one group a line), used "
            "besides the built-in ones at query time", "path"),
    Setting("cors_origins", [], "origins whose pages may call the API (`\"*\"` for any); empty: same "
            "origin only", "list"),
    Setting("rate_limit", "", "requests per client to search and suggest, e.g. `60/minute` (flask-limiter "
            "syntax); empty: off"),
    Setting("answer_cache", 1000, "searches whose answers a worker keeps for when they are asked again "
            "(the same text and options, and as many hits as that many answers of 10 hits hold; dropped "
            "with their generation); 0: off", "int", env="CASESEARCH_ANSWER_CACHE", least=0),
    Setting("score_cache_mb", 64, "MB of word scores a worker keeps for the later queries that use the same "
            "words (least recently used let go first; dropped with their generation); 0: none kept, each query "
            "reads and scores its words anew", "int", env="CASESEARCH_SCORE_CACHE_MB", least=0),
)

_BY_NAME = {s.name: s for s in SETTINGS}
_DEFAULTS = {s.name: s.default for s in SETTINGS}
_ENV = {s.env: s.name for s in SETTINGS if s.env}


class _SettingsBase:
    config_file: Path | None
    explicit: frozenset[str]

    def fingerprint(self) -> str:
        """Hash of the settings that change the built documents; a change means a full rebuild."""
        data = json.dumps({s.name: getattr(self, s.name) for s in SETTINGS if s.rebuild}, sort_keys=True, default=str)
        return hashlib.sha1(data.encode()).hexdigest()[:12]


# one field per setting, in the table's order, then where they came from
Settings = dataclasses.make_dataclass(
    "Settings",
    [(s.name, s.type) for s in SETTINGS]
    + [("config_file", Path | None, dataclasses.field(default=None)),
       # settings given by a file, the environment or an option (not defaults)
       ("explicit", frozenset[str], dataclasses.field(default=frozenset()))],
    bases=(_SettingsBase,), frozen=True)
Settings.__module__ = __name__
Settings.__doc__ = "The settings in effect: one field per row of SETTINGS."


def markdown_table() -> str:
    """README's table of settings, made from SETTINGS (a test compares)."""
    def shown(value: Any) -> str:
        if isinstance(value, list):
            return f"`{', '.join(value)}`" if value else "`[]`"
        return f"`{value}`" if value != "" else '`""`'
    rows = ["| setting | default | meaning |", "| --- | --- | --- |"]
    rows += [f"| `{s.name}` | {shown(s.default)} | {s.help} |" for s in SETTINGS]
    return "\n".join(rows)


def _coerce(name: str, value: Any, base: Path) -> Any:
    setting = _BY_NAME[name]
    kind = setting.kind
    if kind == "paths":
        items = [v.strip() for v in value.split(",") if v.strip()] if isinstance(value, str) else value
        if not isinstance(items, (list, tuple)) or not all(isinstance(v, (str, os.PathLike)) for v in items):
            raise ConfigError(f"setting {name!r} must be a list of paths, got {value!r}")
        paths = tuple(Path(v).expanduser() for v in items)
        return tuple(p if p.is_absolute() else base / p for p in paths)
    if kind == "path":
        if value in ("", None):
            return None
        if not isinstance(value, (str, os.PathLike)):
            raise ConfigError(f"setting {name!r} must be a path, got {value!r}")
        path = Path(value).expanduser()
        return path if path.is_absolute() else (base / path)
    if kind == "list":
        if isinstance(value, str):
            value = [v.strip() for v in value.split(",") if v.strip()]
        if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
            raise ConfigError(f"setting {name!r} must be a list of strings, got {value!r}")
        return tuple(value)
    if kind == "int":
        try:
            number = int(value)
        except (TypeError, ValueError):
            raise ConfigError(f"setting {name!r} must be a whole number, got {value!r}") from None
        if number < setting.least:
            least = "positive" if setting.least == 1 else f"{setting.least} or more"
            raise ConfigError(f"setting {name!r} must be {least}, got {number}")
        return number
    if not isinstance(value, str):
        raise ConfigError(f"setting {name!r} must be text, got {value!r}")
    if kind == "choice" and value not in setting.choices:
        raise ConfigError(f"setting {name!r} must be one of {', '.join(setting.choices)}, got {value!r}")
    return value


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"cannot read configuration '{path}': {exc}") from None
    if path.name == "pyproject.toml":
        return data.get("tool", {}).get("casesearch", {})
    return data.get("casesearch", data)


def _find_config(content_dir: Path) -> Path | None:
    for folder in (content_dir, content_dir.parent, Path.cwd()):
        candidate = folder / "casesearch.toml"
        if candidate.is_file():
            return candidate
    pyproject = Path.cwd() / "pyproject.toml"
    if pyproject.is_file() and _read_toml(pyproject):
        return pyproject
    return None


def load_settings(overrides: dict[str, Any] | None = None, *, environ: dict[str, str] | None = None) -> Settings:
    """Build the settings from defaults, config file, environment and overrides."""
    env = os.environ if environ is None else environ
    overrides = {k: v for k, v in (overrides or {}).items() if v is not None}
    unknown = set(overrides) - set(_DEFAULTS) - {"config_file"}
    if unknown:
        raise ConfigError(f"unknown setting(s): {', '.join(sorted(unknown))}")
    from_env = {name: env[var] for var, name in _ENV.items() if env.get(var)}
    cwd = Path.cwd()

    content_guess = _coerce("content_dir", overrides.get("content_dir") or from_env.get("content_dir")
                            or _DEFAULTS["content_dir"], cwd)
    config_file = overrides.pop("config_file", None) or env.get("CASESEARCH_CONFIG") or None
    if config_file:
        config_file = Path(config_file)
        if not config_file.is_file():
            raise ConfigError(f"configuration file '{config_file}' does not exist")
    else:
        config_file = _find_config(content_guess)

    values: dict[str, Any] = {}
    if config_file:
        from_file = _read_toml(config_file)
        unknown = set(from_file) - set(_DEFAULTS)
        if unknown:
            raise ConfigError(f"unknown setting(s) in '{config_file}': {', '.join(sorted(unknown))}; "
                              f"known: {', '.join(_DEFAULTS)}")
        values.update({k: (v, config_file.parent) for k, v in from_file.items()})
    values.update({k: (v, cwd) for k, v in from_env.items()})
    values.update({k: (v, cwd) for k, v in overrides.items()})

    final = {name: _coerce(name, values[name][0], values[name][1]) if name in values
             else _coerce(name, default, cwd) for name, default in _DEFAULTS.items()}
    return Settings(**final, config_file=config_file, explicit=frozenset(values))


def replace(settings: Settings, **changes: Any) -> Settings:  # type: ignore[valid-type]
    return dataclasses.replace(settings, **changes)
