"""Jekyll's front-matter defaults: the `defaults` sets of `_config.yml`, which of them
apply to a file, and a page's front matter once merged over them.

Follows Jekyll 4.3's frontmatter_defaults.rb (scopes by path, glob and type; the more
specific scope wins), utils.rb's deep_merge_hashes (a null value keeps what it would
replace), page.rb (a page's `published` never comes from defaults: it is read with
Hash#fetch) and document.rb (categories of the path, the defaults and the front matter
are unioned).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from .front_matter import texts
from .permalinks import collection_relative, path_categories

if TYPE_CHECKING:
    from .site import PageFile, Site

__all__ = ["deep_merge", "default_sets", "defaults_for", "with_defaults"]

_DEPRECATED_TYPES = {"page": "pages", "post": "posts", "draft": "drafts"}


def default_sets(entries: Any) -> tuple[dict[str, Any], ...]:
    """The `defaults` of `_config.yml` as {scope, values} sets; entries without values are ignored."""
    out = []
    for entry in entries or []:
        if not (isinstance(entry, dict) and isinstance(entry.get("values"), dict)):
            continue
        scope = entry.get("scope")
        if isinstance(scope, dict) and "type" in scope:
            scope = dict(scope, type=_DEPRECATED_TYPES.get(str(scope["type"]), str(scope["type"])))
        out.append({"scope": scope if isinstance(scope, dict) else None, "values": entry["values"]})
    return tuple(out)


def deep_merge(target: dict[str, Any], other: dict[str, Any]) -> dict[str, Any]:
    """utils.rb's deep_merge_hashes: `other` over `target`, tables merged, a null value ignored."""
    out = dict(target)
    for key, value in other.items():
        if value is None and key in out:
            continue
        if isinstance(out.get(key), dict) and isinstance(value, dict):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = value
    return out


def defaults_for(site: Site, path: str, kind_type: str) -> dict[str, Any]:
    """frontmatter_defaults.rb's `all(path, type)`: merged values of every matching set."""
    out: dict[str, Any] = {}
    old_scope: dict[str, Any] | None = None
    for entry in site.defaults:
        scope = entry.get("scope") or {}
        if entry.get("scope") is not None and not _applies(site, scope, path, kind_type):
            continue
        if _has_precedence(old_scope, scope):
            out = deep_merge(out, entry["values"])
            old_scope = scope
        else:
            out = deep_merge(entry["values"], out)
    return out


def with_defaults(site: Site, page: PageFile, fm: dict[str, Any]) -> dict[str, Any]:
    """Front matter over the site's `defaults`, as Jekyll merges them (a null value in the
    front matter keeps the default)."""
    if not site.defaults and page.kind == "page":
        return fm
    if page.kind == "page":
        defaults = defaults_for(site, page.source, "pages")
        defaults.pop("published", None)   # Page: data.fetch("published") never sees defaults
    else:
        relative = collection_relative(site, page)
        defaults = defaults_for(site, relative, page.collection)
    out = {**defaults, **{k: v for k, v in fm.items() if v is not None or k not in defaults}}
    if page.kind == "page":
        return out
    # document.rb unions the categories of the path, the defaults and the front matter
    categories = path_categories(relative, page.collection)
    for layer in (defaults, fm):
        value = layer.get("categories")
        if value is not None:
            categories += value.split() if isinstance(value, str) else [str(v) for v in texts(value)]
    out["categories"] = list(dict.fromkeys(categories))
    return out


def _applies(site: Site, scope: dict[str, Any], path: str, kind_type: str) -> bool:
    wanted = scope.get("type")
    if wanted is not None and str(wanted) != kind_type:
        return False
    scope_path = scope.get("path")
    if not isinstance(scope_path, str) or not scope_path:
        return True
    path = _sanitize_scope(path)
    if "*" in scope_path:
        return any(path.startswith(site.strip_collections_dir(p)) for p in _glob(site.root, scope_path))
    return path.startswith(site.strip_collections_dir(scope_path))


def _sanitize_scope(path: str) -> str:
    if not path:
        return ""
    return path.lstrip("/") if path.startswith("/") else path


def _has_precedence(old: dict[str, Any] | None, new: dict[str, Any]) -> bool:
    if old is None:
        return True
    new_path, old_path = _sanitize_scope(str(new.get("path") or "")), _sanitize_scope(str(old.get("path") or ""))
    if len(new_path) != len(old_path):
        return len(new_path) >= len(old_path)
    return True if "type" in new else "type" not in old


_GLOBS: dict[tuple[str, str], list[str]] = {}


def _glob(root: Path, pattern: str) -> list[str]:
    key = (str(root), pattern)
    if key not in _GLOBS:
        _GLOBS[key] = sorted(p.relative_to(root).as_posix() for p in root.glob(pattern))
    return _GLOBS[key]
