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
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting("content_dir", "content", "Folder holding the site's pages."),
    Setting("index_dir", "index", "Folder where the built index lives."),
    Setting("base_url", "", "Prefix of every page URL, e.g. https://example.org (default: `url` and "
            "`baseurl` of the site's _config.yml)."),
    Setting("jekyll_config", [], "Jekyll configuration files, later ones winning, as `jekyll build --config` "
            "(default: _config.yml of the content folder)."),
    Setting("post_permalink", "/:categories/:year/:month/:day/:title.html",
            "Permalink pattern of posts (Jekyll's `date` style by default)."),
    Setting("collection_permalink", "/:collection/:path/",
            "Permalink pattern of collection documents (_startups, _defis, ...)."),
    Setting("title_keys", ["title", "name", "nom", "label"], "Front-matter keys tried for the title."),
    Setting("summary_keys", ["apercu", "excerpt", "description", "summary", "mission", "short_description"],
            "Front-matter keys tried for the summary."),
    Setting("topics_keys", ["tags", "thematiques", "categories", "keywords"],
            "Front-matter keys whose values become topics (tags)."),
    Setting("category_key", "category", "Front-matter key of the category."),
    Setting("lang_key", "lang", "Front-matter key of the language."),
    Setting("default_lang", "fr", "Language of pages that do not say."),
    Setting("max_page_bytes", 2_000_000, "Pages larger than this are refused."),
    Setting("heading_ids", "kramdown",
            "Anchor ids of headings, as the site's generator makes them: `kramdown` (kramdown's own "
            "parser: ASCII letters only) or `gfm` (Jekyll's GFM input: accented letters kept)."),
    Setting("synonyms_file", "", "Extra synonyms (one group per line, `a = b = c`), applied at query time."),
    Setting("max_query_chars", 200, "Longest query accepted."),
    Setting("max_query_terms", 12, "Most words in one query."),
    Setting("cors_origins", [], "Origins allowed to call the API from a browser (empty: same origin only)."),
    Setting("rate_limit", "", "Requests per client, flask-limiter syntax such as `60/minute`; empty: off."),
)

_DEFAULTS = {s.name: s.default for s in SETTINGS}
_PATHS = ("content_dir", "index_dir", "synonyms_file")
_PATH_LISTS = ("jekyll_config",)
_ENV = {"CASESEARCH_CONTENT": "content_dir", "CASESEARCH_INDEX": "index_dir",
        "CASESEARCH_JEKYLL_CONFIG": "jekyll_config"}
_CHOICES = {"heading_ids": ("kramdown", "gfm")}


@dataclass(frozen=True)
class Settings:
    content_dir: Path
    index_dir: Path
    base_url: str
    jekyll_config: tuple[Path, ...]
    post_permalink: str
    collection_permalink: str
    title_keys: tuple[str, ...]
    summary_keys: tuple[str, ...]
    topics_keys: tuple[str, ...]
    category_key: str
    lang_key: str
    default_lang: str
    max_page_bytes: int
    heading_ids: str
    synonyms_file: Path | None
    max_query_chars: int
    max_query_terms: int
    cors_origins: tuple[str, ...]
    rate_limit: str
    config_file: Path | None = None
    explicit: frozenset[str] = frozenset()  # settings given by a file, the environment or an option

    def fingerprint(self) -> str:
        """Hash of what changes the built documents; a change means a full rebuild."""
        keys = ("base_url", "post_permalink", "collection_permalink", "title_keys", "summary_keys",
                "topics_keys", "category_key", "lang_key", "default_lang", "max_page_bytes", "heading_ids")
        data = json.dumps({k: getattr(self, k) for k in keys}, sort_keys=True, default=str)
        return hashlib.sha1(data.encode()).hexdigest()[:12]


def _coerce(name: str, value: Any, base: Path) -> Any:
    default = _DEFAULTS[name]
    if name in _PATH_LISTS:
        items = [v.strip() for v in value.split(",") if v.strip()] if isinstance(value, str) else value
        if not isinstance(items, (list, tuple)) or not all(isinstance(v, (str, os.PathLike)) for v in items):
            raise ConfigError(f"setting {name!r} must be a list of paths, got {value!r}")
        paths = tuple(Path(v).expanduser() for v in items)
        return tuple(p if p.is_absolute() else base / p for p in paths)
    if name in _PATHS:
        if value in ("", None):
            return None
        if not isinstance(value, (str, os.PathLike)):
            raise ConfigError(f"setting {name!r} must be a path, got {value!r}")
        path = Path(value).expanduser()
        return path if path.is_absolute() else (base / path)
    if isinstance(default, list):
        if isinstance(value, str):
            value = [v.strip() for v in value.split(",") if v.strip()]
        if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
            raise ConfigError(f"setting {name!r} must be a list of strings, got {value!r}")
        return tuple(value)
    if isinstance(default, int):
        try:
            number = int(value)
        except (TypeError, ValueError):
            raise ConfigError(f"setting {name!r} must be a whole number, got {value!r}") from None
        if number <= 0:
            raise ConfigError(f"setting {name!r} must be positive, got {number}")
        return number
    if not isinstance(value, str):
        raise ConfigError(f"setting {name!r} must be text, got {value!r}")
    if name in _CHOICES and value not in _CHOICES[name]:
        raise ConfigError(f"setting {name!r} must be one of {', '.join(_CHOICES[name])}, got {value!r}")
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


def replace(settings: Settings, **changes: Any) -> Settings:
    return dataclasses.replace(settings, **changes)
