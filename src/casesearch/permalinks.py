"""Jekyll's URLs: permalink styles and placeholders, slugify, a page's and a document's URL.

Follows Jekyll 4.3's url.rb, drops/url_drop.rb, page.rb, document.rb and utils.rb
(slugify); `Site` holds what `_config.yml` says, these functions make the URL path.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime
from typing import TYPE_CHECKING, Any, Callable, NamedTuple

from .dates import file_date, parse_jekyll_date
from .errors import ContentError

if TYPE_CHECKING:
    from .site import PageFile, Site

HTML_EXTS = frozenset({".html", ".xhtml", ".htm"})


def extname(name: str) -> str:
    """Ruby's File.extname: '.md' of 'a.md', '' of '.htaccess' and of 'a.'."""
    base = name.rsplit("/", 1)[-1]
    dot = base.rfind(".")
    return "" if dot <= 0 or dot == len(base) - 1 else base[dot:]


__all__ = ["DOCUMENT_PLACEHOLDERS", "STYLES", "add_permalink_suffix", "collection_relative", "document_date",
           "document_url", "extname", "page_url", "path_categories", "slugify", "unknown_placeholders"]

STYLES = {
    "none": "/:categories/:title:output_ext",
    "date": "/:categories/:year/:month/:day/:title:output_ext",
    "ordinal": "/:categories/:year/:y_day/:title:output_ext",
    "pretty": "/:categories/:year/:month/:day/:title/",
    "weekdate": "/:categories/:year/W:week/:short_day/:title:output_ext",
}
_PLACEHOLDER = re.compile(r":([a-z_]+)")


class _Parts(NamedTuple):
    """What a document's URL is made of, before url_drop.rb turns it into placeholders."""
    collection: str
    path: str  # relative to collections_dir, without the extension nor the `_label` folder
    output_ext: str
    stem: str  # the file name without its extension
    slug: str  # front-matter `slug`, else the file name's
    categories: list[str]
    when: datetime  # in the zone Jekyll builds in


# drops/url_drop.rb: what a document's permalink may name, and its value
_DOCUMENT_VALUES: dict[str, Callable[[_Parts], str]] = {
    "collection": lambda p: p.collection, "path": lambda p: p.path, "output_ext": lambda p: p.output_ext,
    "name": lambda p: slugify(p.stem), "title": lambda p: slugify(p.slug, "pretty", cased=True),
    "slug": lambda p: slugify(p.slug), "categories": lambda p: "/".join(dict.fromkeys(c.lower() for c in p.categories)),
    "slugified_categories": lambda p: "/".join(dict.fromkeys(slugify(c) for c in p.categories)),
    "year": lambda p: f"{p.when.year:04}", "month": lambda p: f"{p.when.month:02}", "day": lambda p: f"{p.when.day:02}",
    "hour": lambda p: f"{p.when.hour:02}", "minute": lambda p: f"{p.when.minute:02}",
    "second": lambda p: f"{p.when.second:02}", "i_day": lambda p: str(p.when.day),
    "i_month": lambda p: str(p.when.month), "short_year": lambda p: f"{p.when.year % 100:02}",
    "short_month": lambda p: p.when.strftime("%b"), "long_month": lambda p: p.when.strftime("%B"),
    "w_year": lambda p: str(p.when.isocalendar()[0]), "week": lambda p: f"{p.when.isocalendar()[1]:02}",
    "w_day": lambda p: str(p.when.isoweekday()), "short_day": lambda p: p.when.strftime("%a"),
    "long_day": lambda p: p.when.strftime("%A"), "y_day": lambda p: f"{p.when.timetuple().tm_yday:03}",
}
DOCUMENT_PLACEHOLDERS = frozenset(_DOCUMENT_VALUES)


def _bare(key: str) -> str:
    return key[:-1] if key.endswith("_") else key


def _placeholder(key: str, known: Any) -> str | None:
    """url.rb's reading of `:key`: the key, else the key without a trailing '_' (`:month_:day`)."""
    return next((k for k in (key, _bare(key)) if k in known), None)


def unknown_placeholders(template: str) -> list[str]:
    """Placeholders of a document permalink that Jekyll does not know (url.rb fails on them)."""
    return [":" + _bare(key) for key in _PLACEHOLDER.findall(template)
            if _placeholder(key, DOCUMENT_PLACEHOLDERS) is None]


def _text(value: Any) -> str:
    if isinstance(value, list):
        value = value[0] if value else None
    return "" if value is None or isinstance(value, (dict, bool)) else str(value)


def _categories(data: dict[str, Any]) -> list[str]:
    """document.rb: path categories, front-matter `categories`, then `category` (or `categories`)."""
    out = [str(c) for c in _as_list(data.get("categories"), split=True)]
    single = data.get("category")
    out += [str(c) for c in (_as_list(single) if single is not None else _as_list(data.get("categories"), split=True))]
    return list(dict.fromkeys(out))


def _as_list(value: Any, split: bool = False) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, str):
        return value.split() if split else [value]
    if isinstance(value, list):
        flat: list[Any] = []
        for item in value:
            flat.extend(_as_list(item) if isinstance(item, list) else ([] if item is None else [item]))
        return flat
    return [value]


def _sanitize_url(url: str) -> str:
    """url.rb's sanitize_url: no '..', no './', no '//', one leading '/'."""
    url = ("/" + url).replace("..", "/").replace("./", "")
    return re.sub(r"/{2,}", "/", url)


def add_permalink_suffix(template: str, style: str) -> str:
    if style == "pretty":
        return template + "/"
    if style in ("date", "ordinal", "none"):
        return template + ":output_ext"
    if style.endswith("/"):
        template += "/"
    if style.endswith(":output_ext"):
        template += ":output_ext"
    return template


_SLUG_DROP = {
    "default": lambda c: not _is_word(c),
    "pretty": lambda c: not _is_word(c) and c not in "._~!$&'()+,;=@",
    "ascii": lambda c: not (c.isascii() and c.isalnum()),
}


def _is_word(c: str) -> bool:
    return unicodedata.category(c)[0] in "LM" or unicodedata.category(c) == "Nd"


def slugify(text: str, mode: str = "default", cased: bool = False) -> str:
    """Jekyll's Utils.slugify (modes default, pretty, ascii, latin, raw): every run of
    characters outside the mode's set becomes one '-', then one '-' is cut at each end."""
    if mode == "raw":
        slug = re.sub(r"\s+", "-", text)
    else:
        if mode == "latin":
            from unidecode import unidecode
            text, mode = unidecode(text), "default"
        drop = _SLUG_DROP.get(mode)
        if drop is None:
            return text if cased else text.lower()
        out: list[str] = []
        dropping = False
        for c in text:
            if drop(c):
                if not dropping:
                    out.append("-")
                dropping = True
            else:
                out.append(c)
                dropping = False
        slug = "".join(out)
    slug = slug[1:] if slug.startswith("-") else slug
    slug = slug[:-1] if slug.endswith("-") else slug
    return slug if cased else slug.lower()


def page_url(site: Site, page: PageFile, data: dict[str, Any]) -> str:
    """Jekyll's Page#url: the URL path of a page outside collections."""
    folder, _, name = page.source.rpartition("/")
    ext = extname(name)
    basename = name[: len(name) - len(ext)].rstrip(".") if ext else name.rstrip(".")
    output_ext = site.output_ext(name)
    if output_ext not in HTML_EXTS:
        template = "/:path/:basename:output_ext"
    elif basename == "index":
        template = "/:path/"
    else:
        template = add_permalink_suffix("/:path/:basename", site.permalink)
    values = {"path": "/" + folder if folder else "", "basename": basename, "output_ext": output_ext}
    permalink = _text(data.get("permalink"))
    result = permalink or template
    for key, value in values.items():  # url.rb's generate_url_from_hash, in its order
        if ":" not in result:
            break
        result = result.replace(":" + key, value)
    return _sanitize_url(result)

def document_url(site: Site, page: PageFile, data: dict[str, Any], slug: str, when: datetime) -> str:
    """Jekyll's Document#url (posts and collection documents)."""
    permalink = _text(data.get("permalink"))
    template = permalink or collection_template(site, page.collection)
    relative = collection_relative(site, page)
    name = relative.rsplit("/", 1)[-1]
    ext = extname(name)
    stem = name[: len(name) - len(ext)] if ext else name
    cleaned = (relative[: len(relative) - len(ext)] if ext else relative).replace(
        "_" + page.collection, "", 1).rstrip(".")
    parts = _Parts(page.collection, cleaned, site.output_ext(name), stem, _text(data.get("slug")) or slug,
                   _categories(data), site.local(when))

    def fill(match: re.Match[str]) -> str:
        winner = _placeholder(match.group(1), DOCUMENT_PLACEHOLDERS)
        if winner is None:
            where = "its front matter" if permalink else f"the permalink of collection '{page.collection}'"
            raise ContentError(page.source, f"unknown permalink placeholder ':{_bare(match.group(1))}' in {where} "
                                            f"('{template}'): use one of :{', :'.join(sorted(DOCUMENT_PLACEHOLDERS))}")
        return match.group(0).replace(":" + winner, _DOCUMENT_VALUES[winner](parts), 1)

    return _sanitize_url(_PLACEHOLDER.sub(fill, template))

def collection_template(site: Site, label: str) -> str:
    own = site.collection_of(label).permalink
    if own:
        return own
    if label == "posts":
        return STYLES.get(site.permalink, site.permalink)
    return add_permalink_suffix("/:collection/:path", site.permalink)

def collection_relative(site: Site, page: PageFile) -> str:
    """A document's path relative to `collections_dir` (Jekyll's relative_path)."""
    return site.strip_collections_dir(page.source)


def path_categories(relative: str, label: str) -> list[str]:
    """document.rb's categories_from_path: the folders above `_posts` (`en/_posts` -> en)."""
    special = "_" + label
    if relative.startswith(special):
        return []
    before = relative[: relative.find(special)] if special in relative else relative
    name = relative.rsplit("/", 1)[-1]
    return [c for c in before.split("/") if c and c != special and c != name]


def document_date(site: Site, page: PageFile, fm: dict[str, Any]) -> tuple[str, datetime | None]:
    """(slug, date) of a document as document.rb reads them: the front-matter date, else the
    file name's, read in the zone Jekyll builds in; None when it has neither."""
    relative = collection_relative(site, page)
    named = file_date(relative, site.localize)
    name = relative.rsplit("/", 1)[-1]
    slug = named.slug if named else name[: len(name) - len(extname(name))].rstrip(".")
    texts = [str(t) for t in _as_list(fm.get("date")) if str(t).strip()]
    if texts:
        try:
            return slug, parse_jekyll_date(texts[0], site.localize)
        except ValueError:
            return slug, named.date if named else None  # content reports the invalid date with its line
    return slug, named.checked(page.source) if named else None
