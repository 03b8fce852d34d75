"""The site as Jekyll 4 reads it from `_config.yml`: collections, `collections_dir`,
`exclude`/`include`, the markdown engine's heading ids, the build's time zone.

Follows Jekyll 4.3's own code (configuration.rb, entry_filter.rb, collection.rb),
quirks included: `exclude: [lib]` also leaves out `library.md` (a prefix match). With
no `_config.yml`, a site keeps casesearch's earlier reading: every `_folder` is a
published collection, and the permalinks come from the settings. Its neighbours use
`Site`: `reader` walks the files, `defaults` merges front-matter defaults, `permalinks`
makes URLs.
"""

from __future__ import annotations

import fnmatch
import functools
import hashlib
import os
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone, tzinfo
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from .config import Settings
from .defaults import deep_merge, default_sets
from .errors import ConfigError
from .markdown import HeadingIds
from .permalinks import (
    DOCUMENT_PLACEHOLDERS,
    STYLES,
    extname,
    unknown_placeholders,
)

__all__ = ["Collection", "PageFile", "Site", "Skipped", "extname", "load_site", "site_of"]


@dataclass(frozen=True)
class PageFile:
    source: str  # posix path relative to the content folder (the site's source)
    path: Path  # absolute path
    kind: str = "page"  # "page", or "document" (posts and collection documents)
    collection: str = ""  # label of the document's collection ("posts" for posts)
    # what the reader's stat of it saw (`readcache.seen`): an unchanged file is not read again
    seen: tuple[int, int, int, int] | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Skipped:
    source: str
    reason: str  # short human reason: "draft", "published: false", "excluded", ...


@dataclass(frozen=True)
class Collection:
    label: str
    output: bool
    permalink: str  # "" when the collection has none of its own


# Jekyll's own folders: never pages, never reported
JEKYLL_DIRS = frozenset({"_includes", "_layouts", "_data", "_sass", "_site", "_plugins", ".jekyll-cache",
                         ".sass-cache", ".git"})
DEFAULT_EXCLUDES = (".sass-cache", ".jekyll-cache", "gemfiles", "Gemfile", "Gemfile.lock", "node_modules",
                    "vendor/bundle/", "vendor/cache/", "vendor/gems/", "vendor/ruby/")
# Jekyll's kramdown defaults (configuration.rb); a site's `kramdown:` table is merged over them
_KRAMDOWN = {"input": "GFM", "auto_ids": True, "auto_id_prefix": "", "auto_id_stripping": False,
             "transliterated_header_ids": False}


@dataclass(frozen=True)
class Site:
    root: Path  # the content folder: Jekyll's source
    jekyll: bool  # a `_config.yml` was read
    config_files: tuple[Path, ...]
    collections: dict[str, Collection]
    collections_dir: str
    permalink: str  # the global style or template as written ("date" by default)
    base_url: str  # what precedes a page's URL path: url + baseurl, or the setting
    baseurl: str
    exclude: tuple[str, ...]
    include: tuple[str, ...]
    future: bool
    unpublished: bool
    markdown_exts: frozenset[str]
    defaults: tuple[dict[str, Any], ...]
    heading_ids: HeadingIds
    tz: tzinfo | None  # the `timezone` setting; None: the machine's, as Jekyll
    fingerprint: str  # changes when anything above changes
    auto_collections: str = ""  # no _config.yml: every `_folder` is a collection with this permalink
    now: datetime = field(default_factory=lambda: datetime.now(timezone.utc))

    # --- what a file is ---------------------------------------------------------------

    def output_ext(self, name: str) -> str:
        ext = extname(name)
        return ".html" if ext[1:].lower() in self.markdown_exts else ext

    def is_markdown(self, name: str) -> bool:
        return extname(name)[1:].lower() in self.markdown_exts

    def collection_of(self, label: str) -> Collection:
        if label in self.collections:
            return self.collections[label]
        return Collection(label, bool(self.auto_collections), self.auto_collections)

    def page_file(self, source: str, path: Path) -> PageFile:
        """What a file at `source` is by its folders: a page, a post or a collection document."""
        folders = source.split("/")[:-1]
        if "_posts" in folders:
            return PageFile(source, path, "document", "posts")
        prefix = self.collections_dir.split("/") if self.collections_dir else []
        rest = folders[len(prefix):] if folders[:len(prefix)] == prefix else []
        if rest and rest[0].startswith("_") and rest[0] not in JEKYLL_DIRS and rest[0] != "_drafts" \
                and (not self.jekyll or rest[0][1:] in self.collections):
            return PageFile(source, path, "document", rest[0][1:])
        return PageFile(source, path)

    # --- Jekyll's EntryFilter ------------------------------------------------------------

    def _glob_include(self, patterns: tuple[str, ...], entry: str, is_dir: bool) -> bool:
        entry_path = _join("/", entry)
        matches, paths, folders = _globs(patterns)
        return (paths != () and (matches(entry_path) is not None or entry_path.startswith(paths))) \
            or (is_dir and entry_path + "/" in folders)

    def filter_reason(self, entry: str, from_source: str, is_dir: bool) -> str | None:
        """Why Jekyll's EntryFilter drops `entry` (relative to the folder being read;
        `from_source` is what `exclude` is matched against), or None to keep it."""
        if entry.endswith("."):
            return "special"
        name = entry.rsplit("/", 1)[-1]
        included = self._glob_include(self.include, entry, is_dir) or self._glob_include(self.include, name, is_dir)
        excludes = _excluded(self.exclude, self.include)
        if not included and self._glob_include(excludes, from_source, is_dir):
            return "excluded"
        if included:
            return None
        if entry[:1] in "._#~" or name[:1] in "._#~" or entry.endswith("~"):
            return "special"
        return None

    def strip_collections_dir(self, path: str) -> str:
        """A path relative to `collections_dir` (frontmatter_defaults.rb, document.rb)."""
        prefix = self.collections_dir + "/"
        return path[len(prefix):] if self.collections_dir and path.startswith(prefix) else path

    def local(self, when: datetime) -> datetime:
        """A date in the zone Jekyll builds in: `timezone`, else the machine's."""
        return when.astimezone(self.tz) if self.tz else when.astimezone()

    def localize(self, naive: datetime) -> datetime:
        """A date written without a zone, read in the zone Jekyll builds in."""
        return naive.replace(tzinfo=self.tz) if self.tz else naive.astimezone()

    def hidden_in_future(self, when: datetime | None) -> bool:
        return not self.future and when is not None and when > self.now


_SLASHES = re.compile(r"/+")


def _join(base: str, item: str) -> str:
    if base == "/" and item[:1] != "/" and "//" not in item:
        return "/" + item   # what the regex gives, without it (a path of every file of a site)
    return _SLASHES.sub("/", f"{base}/{item}")


@functools.lru_cache(maxsize=64)
def _globs(patterns: tuple[str, ...]) -> tuple[Callable[[str], object], tuple[str, ...], frozenset[str]]:
    """The patterns as rooted paths: one test of them all (their fnmatchcase tests as one
    regex: each file of a site is matched against the same patterns, one test a pattern was
    a quarter of a reindex that changes nothing at 50,000 pages), the paths (a file under
    one), and the set of them (a folder named by one)."""
    rooted = tuple(_join("/", pattern) for pattern in patterns)
    one = re.compile("|".join(f"(?:{fnmatch.translate(path)})" for path in rooted) or "(?!)")
    return one.match, rooted, frozenset(rooted)


@functools.lru_cache(maxsize=64)
def _excluded(exclude: tuple[str, ...], include: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(p for p in exclude if p not in include)


# --- reading _config.yml ------------------------------------------------------------------

def _read_config(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read the Jekyll configuration '{path}': {exc}") from None
    try:
        data = tomllib.loads(text) if path.suffix == ".toml" else yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = f", line {mark.line + 1}" if mark else ""
        raise ConfigError(f"Error reading Jekyll configuration '{path}'{line}: {exc.problem or exc.context}: "
                          "fix the YAML (jekyll build fails on it too); nothing was published") from None
    except (yaml.YAMLError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"Error reading Jekyll configuration '{path}': {exc}: fix it; nothing was published") \
            from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"Error reading Jekyll configuration '{path}': it must be a mapping of settings, "
                          f"not {type(data).__name__}; nothing was published")
    return data


def find_config(root: Path) -> list[Path]:
    """Jekyll's default: `_config.yml`, else `_config.yaml`, else `_config.toml`."""
    for name in ("_config.yml", "_config.yaml", "_config.toml"):
        if (root / name).is_file():
            return [root / name]
    return []


def _str_list(config: dict[str, Any], key: str, path: str) -> tuple[str, ...]:
    value = config.get(key)
    if value is None:
        return ()
    if not isinstance(value, list):
        raise ConfigError(f"Error in Jekyll configuration {path}: '{key}' should be a list, but was {value!r}")
    return tuple(str(v) for v in value if v is not None)


def _collections(config: dict[str, Any], where: str) -> dict[str, Collection]:
    raw = config.get("collections") or {}
    if isinstance(raw, list):
        raw = {str(label): {} for label in raw}
    if not isinstance(raw, dict):
        raise ConfigError(f"Error in Jekyll configuration {where}: 'collections' should be a list or a map")
    out = {}
    for label, meta in raw.items():
        meta = meta if isinstance(meta, dict) else {}
        out[str(label)] = Collection(str(label), meta.get("output") is True, str(meta.get("permalink") or ""))
    posts = raw.get("posts") if isinstance(raw.get("posts"), dict) else {}
    out["posts"] = Collection("posts", True, str((posts or {}).get("permalink") or ""))
    return out


def _timezone(name: Any) -> tzinfo | None:
    if not name:
        return None
    try:
        return ZoneInfo(str(name))
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"Jekyll configuration: unknown timezone {name!r}: use a tz database name such as "
                          "Europe/Paris") from None


def config_files(settings: Settings) -> list[Path]:
    """The Jekyll configuration files read: the `jekyll_config` setting, else Jekyll's default."""
    return list(settings.jekyll_config) or find_config(Path(os.path.abspath(settings.content_dir)))


def load_site(settings: Settings) -> Site:
    """The site of `settings.content_dir`, read as Jekyll reads it."""
    root = Path(os.path.abspath(settings.content_dir))
    files = config_files(settings)
    if not files:  # casesearch's earlier reading of a folder of pages
        return _legacy_site(settings, root)
    config: dict[str, Any] = {}
    digest = hashlib.sha1()
    for path in files:
        config = deep_merge(config, _read_config(path))
        digest.update(path.read_bytes())
    where = ", ".join(f"'{p}'" for p in files)
    explicit = settings.explicit
    permalink = str(config.get("permalink") or "date")
    kramdown = dict(_KRAMDOWN)
    if isinstance(config.get("kramdown"), dict):
        kramdown.update(config["kramdown"])
    ids = HeadingIds(input="gfm" if str(kramdown.get("input") or "GFM").lower() == "gfm" else "kramdown",
                     auto_ids=kramdown.get("auto_ids") is not False,
                     prefix=str(kramdown.get("auto_id_prefix") or ""),
                     stripping=bool(kramdown.get("auto_id_stripping")),
                     transliterate=bool(kramdown.get("transliterated_header_ids")))
    if "heading_ids" in explicit:
        ids = HeadingIds(input=settings.heading_ids)
    baseurl = str(config.get("baseurl") or "").rstrip("/")
    base_url = settings.base_url if "base_url" in explicit else str(config.get("url") or "").rstrip("/") + baseurl
    exclude = _str_list(config, "exclude", where)
    exclude = tuple(dict.fromkeys((*exclude, *DEFAULT_EXCLUDES))) if "exclude" in config else ()
    include = _str_list(config, "include", where) if "include" in config else (".htaccess",)
    collections = _collections(config, where)
    if "post_permalink" in explicit:
        collections["posts"] = Collection("posts", True, settings.post_permalink)
    if "collection_permalink" in explicit:
        collections = {k: (Collection(k, c.output, settings.collection_permalink) if k != "posts" else c)
                       for k, c in collections.items()}
    defaults = default_sets(config.get("defaults"))
    exts = config.get("markdown_ext", "markdown,mkdown,mkdn,mkd,md")
    digest.update(repr(sorted(explicit)).encode())
    for label, collection in collections.items():
        template = collection.permalink or (STYLES.get(permalink, permalink) if label == "posts" else "")
        if bad := unknown_placeholders(template):
            key = "permalink" if label == "posts" and not collection.permalink else f"collections.{label}.permalink"
            raise ConfigError(f"Error in Jekyll configuration {where}: unknown permalink placeholder "
                              f"{', '.join(bad)} in {key} ('{template}'): use one of :"
                              f"{', :'.join(sorted(DOCUMENT_PLACEHOLDERS))}; nothing was published")
    return Site(
        root=root, jekyll=True, config_files=tuple(files), collections=collections,
        collections_dir=str(config.get("collections_dir") or "").strip("/"), permalink=permalink,
        base_url=base_url, baseurl=baseurl, exclude=exclude, include=include,
        future=config.get("future") is True, unpublished=config.get("unpublished") is True,
        markdown_exts=frozenset(e.strip().lower() for e in str(exts).split(",") if e.strip()),
        defaults=defaults, heading_ids=ids, tz=_timezone(config.get("timezone")),
        fingerprint=digest.hexdigest()[:12])


_SITES: dict[tuple[Any, ...], Site] = {}


def site_of(settings: Settings) -> Site:
    """The settings' site, read once per configuration state: for `content.load_page` given no site."""
    key = (settings, tuple((str(p), p.stat().st_mtime_ns if p.exists() else 0) for p in config_files(settings)))
    if key not in _SITES:
        _SITES.clear()
        _SITES[key] = load_site(settings)
    return _SITES[key]


def _legacy_site(settings: Settings, root: Path) -> Site:
    """No `_config.yml`: every `_folder` is a collection with output, permalinks from the settings."""
    return Site(
        root=root, jekyll=False, config_files=(), collections={"posts": Collection("posts", True, settings.post_permalink)},
        collections_dir="", permalink="date", base_url=settings.base_url.rstrip("/"), baseurl="",
        exclude=DEFAULT_EXCLUDES + ("vendor",), include=(".htaccess",), future=True, unpublished=False,
        markdown_exts=frozenset({"markdown", "mkdown", "mkdn", "mkd", "md"}), defaults=(),
        heading_ids=HeadingIds(input=settings.heading_ids), tz=None, fingerprint="",
        auto_collections=settings.collection_permalink)
