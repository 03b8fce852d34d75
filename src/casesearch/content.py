"""The site's pages: find them, read their front matter and text, build `Document`s.

Follows Jekyll's rules (what is a page, drafts, collections, permalinks, dates) and
tolerates what real sites hold; a page that cannot be read raises `ContentError` naming
the file, the line and what to do.
"""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from . import front_matter
from .config import Settings
from .dates import FILE_DATE, in_paris, parse_date
from .errors import ContentError
from .markdown import Section, clean_inline, normalize_text, to_sections

__all__ = ["Document", "PageFile", "Section", "Skipped", "discover", "load_page", "normalize_lang"]


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

    @property
    def body(self) -> str:
        """All headings and section texts, joined by blank lines."""
        return "\n\n".join(part for s in self.sections for part in (s.heading, s.text) if part)

    @property
    def headings(self) -> str:
        return "\n".join(s.heading for s in self.sections if s.heading)


@dataclass(frozen=True)
class PageFile:
    source: str  # posix path relative to the content folder
    path: Path  # absolute path


@dataclass(frozen=True)
class Skipped:
    source: str
    reason: str  # short human reason: "draft", "published: false", ...


PAGE_SUFFIXES = frozenset({".md", ".markdown", ".html"})
_MARKDOWN_SUFFIXES = frozenset({".md", ".markdown"})
# Jekyll never renders these folders; vendor and node_modules hold dependencies
_SPECIAL_DIRS = frozenset({"_includes", "_layouts", "_data", "_sass", "_site", "_plugins",
                           "node_modules", "vendor", ".git"})
# files with these suffixes are assets or data, never pages, even with front matter
_STATIC_SUFFIXES = frozenset(
    ".png .jpg .jpeg .gif .webp .avif .svg .ico .bmp .tif .tiff .css .scss .sass .js .mjs .map "
    ".json .yml .yaml .toml .xml .rss .atom .txt .csv .tsv .pdf .zip .gz .woff .woff2 .ttf .otf "
    ".eot .mp3 .mp4 .webm .ogg .rb .py .sh .lock .gemspec .odt .ods .docx .xlsx .pptx .ics "
    ".webmanifest .htaccess".split())


def _suffix(name: str) -> str:
    dot = name.rfind(".")
    return name[dot:].lower() if dot > 0 else ""


def _path_skip_reason(source: str) -> str | None:
    """Why Jekyll would not render this path as a page, from the path alone."""
    parts = source.split("/")
    for folder in parts[:-1]:
        if folder == "_drafts":
            return "draft"
        if folder in _SPECIAL_DIRS or folder.startswith("."):
            return f"inside '{folder}' (not rendered by Jekyll)"
    if parts[-1].startswith("_"):
        return "draft (file name starts with '_')"
    if parts[-1].startswith("."):
        return "hidden file"
    return None


def _within(path: Path, root: Path) -> bool:
    return path == root or root in path.parents


def _starts_with_front_matter(path: str) -> bool:
    with open(path, "rb") as f:
        head = f.read(8)
    return head.removeprefix(b"\xef\xbb\xbf").startswith(b"---")


def discover(settings: Settings) -> tuple[list[PageFile], list[ContentError]]:
    """Candidate page files sorted by source, and errors for entries that cannot be pages."""
    root = Path(os.path.abspath(settings.content_dir))
    if not root.is_dir():
        return [], [ContentError(".", f"content folder '{root}' does not exist or is not a folder: create it or set content_dir")]
    real_root = root.resolve()
    pages: list[PageFile] = []
    errors: list[ContentError] = []
    seen = {real_root}  # symlinked folders may loop
    stack = [(root, "")]
    while stack:
        folder, rel = stack.pop()
        try:
            with os.scandir(folder) as it:
                entries = list(it)
        except OSError as exc:
            errors.append(ContentError(rel or ".", f"cannot read folder ({exc.strerror}): check its permissions"))
            continue
        for entry in entries:
            name, source = entry.name, f"{rel}/{entry.name}" if rel else entry.name
            if name.startswith(".") or name in _SPECIAL_DIRS or name == "_drafts":
                continue
            suffix = _suffix(name)
            try:
                st = entry.stat(follow_symlinks=False)
                if stat.S_ISLNK(st.st_mode):
                    target = Path(entry.path).resolve()
                    if not target.exists():
                        if suffix not in _STATIC_SUFFIXES:
                            errors.append(ContentError(source, "broken symlink: point it to an existing file or remove it"))
                        continue
                    if not _within(target, real_root):
                        if target.is_dir() or suffix not in _STATIC_SUFFIXES:
                            errors.append(ContentError(source, f"symlink leads outside the content folder (to '{target}'): "
                                                               "copy the file into the content folder instead"))
                        continue
                    st = os.stat(entry.path)
                if stat.S_ISDIR(st.st_mode):
                    real = Path(entry.path).resolve()
                    if real not in seen:
                        seen.add(real)
                        stack.append((Path(entry.path), source))
                elif not stat.S_ISREG(st.st_mode):
                    errors.append(ContentError(source, f"not a regular file ({_file_kind(st.st_mode)}): "
                                                       "remove it from the content folder"))
                elif name.startswith("_") or suffix in _STATIC_SUFFIXES:
                    continue
                elif suffix in PAGE_SUFFIXES or _starts_with_front_matter(entry.path):
                    pages.append(PageFile(source, Path(entry.path)))
            except OSError as exc:
                errors.append(ContentError(source, f"cannot read ({exc.strerror}): check its permissions"))
    pages.sort(key=lambda p: p.source)
    errors.sort(key=lambda e: e.source)
    return pages, errors


def _file_kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a named pipe"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "a folder" if stat.S_ISDIR(mode) else "not a regular file"


def _read(page: PageFile, settings: Settings) -> bytes:
    """The file's bytes, checked with lstat/stat first: opening a FIFO would block forever."""
    try:
        st = os.lstat(page.path)
        if stat.S_ISLNK(st.st_mode):
            root = Path(os.path.abspath(settings.content_dir)).resolve()
            target = page.path.resolve()
            if not _within(target, root):
                raise ContentError(page.source, f"symlink leads outside the content folder (to '{target}'): "
                                                "copy the file into the content folder instead")
            st = os.stat(page.path)
        if not stat.S_ISREG(st.st_mode):
            raise ContentError(page.source, f"not a regular file ({_file_kind(st.st_mode)}): remove it")
        _check_size(page.source, st.st_size, settings)
        with open(page.path, "rb") as f:
            return f.read(settings.max_page_bytes + 1)
    except OSError as exc:
        raise ContentError(page.source, f"cannot read the file ({exc.strerror}): check that it exists "
                                        "and is readable") from None


def _check_size(source: str, size: int, settings: Settings) -> None:
    if size > settings.max_page_bytes:
        raise ContentError(source, f"file is too large ({size} bytes, more than max_page_bytes = "
                                   f"{settings.max_page_bytes}): split the page or raise max_page_bytes")


_MAGIC = ((b"\x89PNG", "a PNG image"), (b"\xff\xd8\xff", "a JPEG image"), (b"GIF8", "a GIF image"),
          (b"%PDF", "a PDF document"), (b"PK\x03\x04", "a ZIP archive (or office document)"))


def _decode(source: str, data: bytes) -> str:
    """UTF-8 text with newlines normalised; never guesses another encoding."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ContentError(source, "the file is UTF-16: re-save it as UTF-8", 1)
    kind = next((k for magic, k in _MAGIC if data.startswith(magic)), None)
    nul = data.find(b"\x00")
    if kind or nul >= 0:
        what = f"looks like {kind}" if kind else f"NUL byte at offset {nul}"
        raise ContentError(source, f"binary content ({what}): this is not a text page; "
                                   "give it its real extension or remove it")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + data[:exc.start].count(b"\r") - data[:exc.start].count(b"\r\n") + 1
        raise ContentError(source, f"not valid UTF-8 (byte 0x{data[exc.start]:02X} at offset {exc.start}): "
                                   "re-save the file as UTF-8", line) from None
    # CR-only files exist in the corpus: one newline convention keeps line numbers right
    return text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


def _texts(value: Any, budget: int = 1000) -> list[str]:
    """Non-empty scalar texts in a front-matter value, nested lists flattened, in order.

    Visits at most `budget` items: YAML aliases can make a small file a huge (or
    self-containing) structure.
    """
    out: list[str] = []
    stack = [value]
    while stack and budget > 0:
        item = stack.pop()
        budget -= 1
        if isinstance(item, (list, tuple)):
            stack.extend(reversed(item[:budget]))
        elif item is not None and not isinstance(item, (dict, set, bytes)):
            text = str(item).strip()
            if text:
                out.append(text)
    return out


def _first_text(value: Any) -> str:
    return next((t for t in map(clean_inline, _texts(value)) if t), "")


def _skip_reason(fm: dict[str, Any]) -> str | None:
    published = fm.get("published")
    if published is False or str(published).strip().lower() in ("false", "no", "off"):
        return "published: false"
    if any("noindex" in t.lower() for t in _texts(fm.get("robots"))):
        return "robots: noindex"
    if _texts(fm.get("redirect_to")) or str(fm.get("layout") or "").strip().lower() == "redirect":
        return "redirect"
    return None


def load_page(page: PageFile, settings: Settings, data: bytes | None = None) -> Document | Skipped:
    """Parse one page; `data` are its bytes when the caller already read them."""
    source = page.source
    if reason := _path_skip_reason(source):
        return Skipped(source, reason)
    if data is None:
        data = _read(page, settings)
    _check_size(source, len(data), settings)
    text = _decode(source, data)  # the body is normalised by to_sections, the YAML below
    *folders, name = source.split("/")
    suffix = _suffix(name)
    split = front_matter.split(source, text)
    if split is None:
        if suffix in _MARKDOWN_SUFFIXES:
            raise front_matter.missing(source, text)
        return Skipped(source, "no front matter (static file)")
    yaml_text, body, close_line = split
    yaml_text = normalize_text(yaml_text)
    fm = front_matter.parse(source, yaml_text, close_line)
    if reason := _skip_reason(fm):
        return Skipped(source, reason)

    sections = tuple(to_sections(body, markdown=suffix != ".html", ids=settings.heading_ids))
    stem = name[: -len(suffix)] if suffix in PAGE_SUFFIXES else name
    file_date = FILE_DATE.match(stem)
    slug = file_date.group(4) if file_date else stem
    when = _page_date(source, fm, yaml_text, file_date)
    title = (next((t for key in settings.title_keys if (t := _first_text(fm.get(key)))), "")
             or next((s.heading for s in sections if s.heading), "")
             or " ".join(slug.replace("_", " ").replace("-", " ").split()))
    summary = next((" ".join(map(clean_inline, ts)) for key in settings.summary_keys if (ts := _texts(fm.get(key)))), "")
    lang_value = _first_text(fm.get(settings.lang_key)) or _first_text(fm.get("language"))
    if lang_value:
        lang = normalize_lang(lang_value, settings.default_lang)
    else:
        lang = "en" if "en" in folders else settings.default_lang
    return Document(
        source=source,
        url=_url(tuple(folders), stem, suffix, slug, fm, when, settings),
        title=title,
        summary=" ".join(summary.split()),
        tags=_topics(fm, settings.topics_keys),
        category=_first_text(fm.get(settings.category_key)),
        date=when.isoformat(timespec="seconds") if when else None,
        lang=lang,
        sections=sections,
    )


def _topics(fm: dict[str, Any], keys: tuple[str, ...]) -> tuple[str, ...]:
    seen: set[str] = set()
    out: list[str] = []
    for key in keys:
        for text in _texts(fm.get(key)):
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


def _page_date(source: str, fm: dict[str, Any], yaml_text: str, file_date: re.Match[str] | None) -> datetime | None:
    """Front-matter date, else the file name's; an unreadable date is an error, not a guess."""
    texts = _texts(fm.get("date"))
    if texts:
        try:
            return parse_date(texts[0])
        except ValueError as exc:
            raise ContentError(source, f"invalid date '{texts[0]}' ({exc}): write it as YYYY-MM-DD or "
                                       "'YYYY-MM-DD HH:MM +02:00'", _key_line(yaml_text, "date")) from None
    if not file_date:
        return None
    year, month, day = (int(g) for g in file_date.groups()[:3])
    try:
        return in_paris(datetime(year + 2000 if year < 100 else year, month, day))
    except ValueError as exc:
        raise ContentError(source, f"invalid date in the file name ({exc}): rename the file "
                                   "YYYY-MM-DD-slug with a real date, or set 'date' in the front matter") from None


# --- URLs ----------------------------------------------------------------------------------

_PRETTY_SLUG = re.compile(r"(?:[^\w.~!$&'()+,;=@]|_)+")
_DEFAULT_SLUG = re.compile(r"(?:\W|_)+")
_PLACEHOLDER = re.compile(r":([a-z_]+)")
_EMPTY_SEGMENTS = re.compile(r"/(?:\.?/)+")


def _slugify(text: str, pretty: bool = True) -> str:
    """Jekyll's slugify: 'pretty' (case kept, for :title) or 'default' (lowercase, :slug :name)."""
    if pretty:
        return _PRETTY_SLUG.sub("-", text).strip("-")
    return _DEFAULT_SLUG.sub("-", text).strip("-").lower()


def _url(folders: tuple[str, ...], stem: str, suffix: str, slug: str, fm: dict[str, Any],
         when: datetime | None, settings: Settings) -> str:
    """Jekyll's URL: front-matter permalink, else the post, collection or page default."""
    collection = next((i for i, f in enumerate(folders) if f.startswith("_")), None)
    is_post = "_posts" in folders
    categories = list(folders[: folders.index("_posts")]) if is_post else []  # Jekyll: en/_posts -> 'en'
    categories += _texts(fm.get(settings.category_key)) or [c for t in _texts(fm.get("categories")) for c in t.split()]
    own_slug = next(iter(_texts(fm.get("slug"))), "")
    values = {
        "categories": "/".join(dict.fromkeys(c.lower() for c in categories)),
        "title": _slugify(own_slug or slug),
        "slug": _slugify(own_slug or slug, pretty=False),
        "name": _slugify(stem, pretty=False),
        "basename": stem,
        "output_ext": ".html",
        "collection": folders[collection][1:] if collection is not None else "",
        "path": "/".join((*folders[collection + 1:], stem)) if collection is not None else "/".join(folders),
    }
    if when:
        values |= {"year": f"{when.year}", "month": f"{when.month:02}", "day": f"{when.day:02}",
                   "i_month": str(when.month), "i_day": str(when.day), "short_year": f"{when.year % 100:02}",
                   "hour": f"{when.hour:02}", "minute": f"{when.minute:02}", "second": f"{when.second:02}"}
    pattern = next(iter(_texts(fm.get("permalink"))), "")
    if not pattern:
        if is_post:
            pattern = settings.post_permalink
        elif collection is not None:
            pattern = settings.collection_permalink
        else:
            page = "" if stem == "index" and suffix in PAGE_SUFFIXES else stem + (".html" if suffix in PAGE_SUFFIXES else "")
            pattern = "/".join(("", *folders, page))
    path = _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), pattern)
    path = _EMPTY_SEGMENTS.sub("/", "/" + path)
    return settings.base_url.rstrip("/") + quote(path, safe="/:#")
