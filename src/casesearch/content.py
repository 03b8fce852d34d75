"""One page of the site read into a `Document`: its front matter, text, sections, URL,
date and language, or `Skipped` with the reason.

Jekyll's rules it follows live beside it (`site`, `reader`, `defaults`, `permalinks`,
`dates`); this module puts a page together from them and tolerates what real sites
hold. A page that cannot be read raises `ContentError` naming the file, the line and
what to do.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from . import front_matter
from .collector import paused_gc
from .config import Settings
from .dates import FileDate, file_date, in_paris, parse_date
from .defaults import with_defaults
from .errors import ContentError
from .files import check_size, decode, read_bytes
from .front_matter import texts
from .links import Link, extract
from .markdown import Section, clean_inline, normalize_text, to_sections
from .permalinks import document_date, document_url, extname, page_url
from .reader import path_skip_reason
from .site import PageFile, Site, Skipped, site_of

__all__ = ["Document", "PageFile", "Section", "Skipped", "load_page", "normalize_lang", "url_words"]


@dataclass(frozen=True)
class Document:
    source: str  # posix path relative to the content folder
    url: str  # settings.base_url + permalink path
    title: str
    summary: str
    tags: tuple[str, ...]  # topics, de-duplicated, order kept
    category: str  # "" when none
    date: str | None  # ISO 8601 with offset; None when unknown
    lang: str  # normalised code: "fr", "en", ...
    sections: tuple[Section, ...]
    about: str = ""   # front-matter descriptions besides the summary: searched, not shown
    # the text of other pages' links to this one: (text, distinct linking pages), most used first
    anchors: tuple[tuple[str, int], ...] = ()
    links: tuple[Link, ...] = ()   # its own links, as written: where the anchors come from
    aliases: tuple[str, ...] = ()  # its former URLs (redirect_from): links to them reach it

    @property
    def body(self) -> str:
        """All headings and section texts, joined by blank lines."""
        return "\n\n".join(part for s in self.sections for part in (s.heading, s.text) if part)

    @property
    def url_words(self) -> str:
        """The words naming the page in its URL: '/fast/lauréats/06_fast.html' -> 'fast'."""
        return url_words(self.url)

    @property
    def headings(self) -> str:
        return "\n".join(s.heading for s in self.sections if s.heading)


def _first_text(value: Any) -> str:
    return next((t for t in map(clean_inline, texts(value)) if t), "")


def _skip_reason(fm: dict[str, Any]) -> str | None:
    published = fm.get("published")
    if published is False or str(published).strip().lower() in ("false", "no", "off"):
        return "published: false"
    if any("noindex" in t.lower() for t in texts(fm.get("robots"))):
        return "robots: noindex"
    if texts(fm.get("redirect_to")) or str(fm.get("layout") or "").strip().lower() == "redirect":
        return "redirect"
    sitemap = fm.get("sitemap")
    if sitemap is False or str(sitemap).strip().lower() in ("false", "no", "off"):
        return "sitemap: false"
    return None


def load_page(page: PageFile, settings: Settings, data: bytes | None = None, site: Site | None = None) -> Document | Skipped:
    """Parse one page; `data` are its bytes when the caller already read them."""
    with paused_gc():   # its YAML, markdown and links: many small objects, no cycle
        return _load_page(page, settings, data, site)


def _load_page(page: PageFile, settings: Settings, data: bytes | None, site: Site | None) -> Document | Skipped:
    site = site or site_of(settings)
    source = page.source
    if page.kind == "page":
        page = site.page_file(source, page.path)
    if page.kind == "page" and not site.jekyll and (reason := path_skip_reason(source)):
        return Skipped(source, reason)
    if data is None:
        data = read_bytes(page, settings)
    check_size(source, len(data), settings)
    text = decode(source, data)  # the body is normalised by to_sections, the YAML below
    *folders, name = source.split("/")
    split = front_matter.split(source, text)
    if split is None:
        if page.collection == "posts" and site.jekyll:
            split = ("", text, 0)  # Jekyll publishes a post without front matter
        elif site.is_markdown(name):
            raise front_matter.missing(source, text)
        else:
            return Skipped(source, "no front matter (static file)")
    yaml_text, body, close_line = split
    yaml_text = normalize_text(yaml_text)
    fm = front_matter.parse(source, yaml_text, close_line) if yaml_text.strip() else {}
    fm = with_defaults(site, page, fm)
    if site.unpublished:
        fm.pop("published", None)
    if reason := _skip_reason(fm):
        return Skipped(source, reason)

    sections = tuple(to_sections(body, markdown=site.is_markdown(name), ids=site.heading_ids))
    # the indexed date reads a date without a zone in Paris time, whatever the machine's zone,
    # so that an index does not change with where it is built; the URL (document_date below)
    # needs the zone Jekyll builds in, as that is the URL Jekyll writes
    named = file_date(source, in_paris)
    slug = named.slug if named is not None and named.slug else name[: len(name) - len(extname(name))].rstrip(".")
    when = _page_date(source, fm, yaml_text, named)
    if page.kind == "page":
        url_path = page_url(site, page, fm)
    else:
        doc_slug, doc_date = document_date(site, page, fm)
        if site.hidden_in_future(doc_date):
            return Skipped(source, "future date (future: false in _config.yml)")
        url_path = document_url(site, page, fm, doc_slug, doc_date or site.now)
    title = (next((t for key in settings.title_keys if (t := _first_text(fm.get(key)))), "")
             or next((s.heading for s in sections if s.heading), "")
             or " ".join(slug.replace("_", " ").replace("-", " ").split()))
    summary = next((" ".join(map(clean_inline, ts)) for key in settings.summary_keys if (ts := texts(_value(fm, key)))), "")
    lang_value = next((t for key in (settings.lang_key, "language", "locale") if (t := _first_text(fm.get(key)))), "")
    if lang_value:
        lang = normalize_lang(lang_value, settings.default_lang)
    else:
        lang = "en" if "en" in folders else settings.default_lang
    return Document(
        source=source,
        url=site.base_url + quote(unquote(url_path), safe="/:@!$&'()*+,;=~"),
        title=title,
        summary=" ".join(summary.split()),
        about=_about(fm, settings.description_keys, summary),
        tags=_topics(fm, settings.topics_keys),
        category=_first_text(fm.get(settings.category_key)),
        date=when.isoformat(timespec="seconds") if when else None,
        lang=lang,
        sections=sections,
        links=tuple(extract(normalize_text(body), html=not site.is_markdown(name))),
        aliases=tuple(texts(fm.get("redirect_from"))),
    )


_URL_SPLIT = re.compile(r"[/\-_.~+,;=!@$&'()*%:]+")


def url_words(url: str) -> str:
    """Words of the last part of a URL's path, which names the page ('/startups/' -> startups,
    '/fast/lauréats/06_fast.html' -> fast); the folders above name a whole section."""
    last = unquote(urlsplit(url).path).rstrip("/").rsplit("/", 1)[-1]
    if "." in last:
        last = last.rsplit(".", 1)[0]
    return " ".join(w for w in _URL_SPLIT.split(last) if w and not w.isdigit() and w != "index")


def _value(fm: dict[str, Any], key: str) -> Any:
    """The value of a front-matter key; `seo.description` reaches into `seo: {description: }`."""
    value: Any = fm
    for part in key.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def _about(fm: dict[str, Any], keys: tuple[str, ...], summary: str) -> str:
    """The texts of the description keys, each once and not the summary again: searched, not shown."""
    seen = {" ".join(summary.split()).casefold()}
    out = []
    for key in keys:
        for text in texts(_value(fm, key)):
            text = " ".join(clean_inline(text).split())
            if text and text.casefold() not in seen:
                seen.add(text.casefold())
                out.append(text)
    return "\n".join(out)


def _topics(fm: dict[str, Any], keys: tuple[str, ...]) -> tuple[str, ...]:
    seen: set[str] = set()
    out: list[str] = []
    for key in keys:
        for text in texts(_value(fm, key)):
            for part in text.split(","):
                tag = clean_inline(part)
                if tag and tag.casefold() not in seen:
                    seen.add(tag.casefold())
                    out.append(tag)
    return tuple(out)


_LANG_NAMES = {"french": "fr", "français": "fr", "francais": "fr", "fra": "fr", "fre": "fr",
               "english": "en", "anglais": "en", "eng": "en", "german": "de", "deutsch": "de",
               "allemand": "de", "spanish": "es", "español": "es", "espagnol": "es",
               "italian": "it", "italiano": "it", "italien": "it"}
_LANG_CODE = re.compile(r"([a-z]{2})(?:-[a-z0-9]{2,8})*")


def normalize_lang(value: str, default: str = "fr") -> str:
    """'french', 'fr_FR', 'Français' -> 'fr'; 2-letter code when recognisable, else `default`."""
    key = value.strip().casefold().replace("_", "-")
    if key in _LANG_NAMES:
        return _LANG_NAMES[key]
    match = _LANG_CODE.fullmatch(key)
    return match.group(1) if match else default


# --- the page's date -------------------------------------------------------------------

def _key_line(yaml_text: str, key: str) -> int | None:
    match = re.search(rf"^{re.escape(key)}[ \t]*:", yaml_text, re.M)
    return yaml_text.count("\n", 0, match.start()) + 2 if match else None


def _page_date(source: str, fm: dict[str, Any], yaml_text: str, named: FileDate | None) -> datetime | None:
    """Front-matter date, else the file name's; an unreadable date is an error, not a guess."""
    written = texts(fm.get("date"))
    if written:
        try:
            return parse_date(written[0])
        except ValueError as exc:
            raise ContentError(source, f"invalid date '{written[0]}' ({exc}): write it as YYYY-MM-DD or "
                                       "'YYYY-MM-DD HH:MM +02:00'", _key_line(yaml_text, "date")) from None
    return named.checked(source) if named else None
