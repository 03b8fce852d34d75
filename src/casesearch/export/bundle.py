"""The static bundle: the live index generation as files a browser fetches piecemeal.

Layout of the output folder (format 6; every file compact, deterministic JSON)::

    entry.json                 the only file whose name never changes: format, weights,
                               limits and the name of every other file
    casesearch.mjs             the client: analysis, ranking, the /api/search answer
    casesearch.js, .css        the search box (data-source="static:URL of this folder")
    analysis.<hash>.json       the analysis tables of each language, fold_text's table
                               (character -> one character), the synonym groups
    pages.<hash>.json          per page id: source, its fragment, field lengths, priors;
                               BM25's page count and average lengths
    meta.<hash>.json           per page id: its title's terms, names, filters (category,
                               tags, date, lang, english); the families of stems: what
                               seldom changes, apart from pages, which any change rewrites
    words.<hash>.json          a range of the folded (ASCII) words of the pages, in order:
                               {"words": the words ``front_code``d}; completions read the
                               one or two holding a prefix, typo correction reads them all
    counts.<hash>.json         beside each words file, page counts: {"words": the words',
                               "accented": the accented forms' of the words' range, in
                               the vocabulary's order}, ``encode``d
    vocabulary.<hash>.json     the accented forms of folded words, {"accented": {folded:
                               [form, ...]}}, sorted: typo correction
    terms.<hash>.json          postings of a range of terms (stems and words), in order
    fragments/<hash>.json      one page as it is shown: [url, title, summary, [[heading,
                               anchor, text], ...], loose forms {form: [offsets]}] (no
                               folded copy: the client folds with fold_text's table)

Names carry a hash of the content, so a CDN may cache them forever and an export after
a change rewrites only the files that changed. Page ids are kept from the previous
export (a removed page leaves a hole that a new page fills), and terms (words) are cut
into chunks (pieces) where a term's own hash says so, so that adding one term moves no
boundary but its own. The entry lists them as ``"chunks"``: [[first term, file], ...]
(``"words"``: [[first word, words file, counts file], ...]). What changes with any page
(page counts, field lengths) is kept apart from what seldom does (words, titles, tags).

Postings and the words are written as ``terms`` says.

A new bundle is written beside the old one, then ``entry.json`` is replaced in one
rename: a reader sees the old bundle or the new, never a mix. Files of the bundle
before are kept (a visitor's page may still hold the old entry); older ones go.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from .. import __version__, generations, schema, synonyms
from ..config import Settings
from ..snapshot import Snapshot
from ..weights import WEIGHTS
from .tables import all_client_tables, fold_text_table
from .terms import ExportError, chunks_of, postings, word_pieces

FORMAT_VERSION = 6
ENTRY = "entry.json"
CLIENT = "casesearch.mjs"
BOX = ("casesearch.js", "casesearch.css")   # the search box, as the service serves it
FRAGMENTS = "fragments"
_STATIC = Path(__file__).resolve().parents[1] / "static"


def dumps(value: object) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def hashed(stem: str, content: bytes) -> str:
    return f"{stem}.{hashlib.sha256(content).hexdigest()[:16]}.json"


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("s" if n != 1 else "")


@dataclass
class ExportReport:
    out: Path
    pages: int = 0
    files: int = 0                   # files the entry names (the client and the entry included)
    bytes: int = 0                   # their size
    written: list[str] = field(default_factory=list)
    written_bytes: int = 0
    removed: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (f"exported {self.pages} pages to '{self.out}': {self.files} files, {self.bytes:,} bytes; "
                f"{_count(len(self.written), 'file')} written ({self.written_bytes:,} bytes), {len(self.removed)} removed")

    def to_dict(self) -> dict:
        return {"ok": True, "out": str(self.out), "pages": self.pages, "files": self.files, "bytes": self.bytes,
                "written": len(self.written), "written_bytes": self.written_bytes, "removed": len(self.removed),
                "summary": self.summary()}


def export(settings: Settings, out: Path) -> ExportReport:
    """Write the live generation of the index as a static bundle in `out`."""
    gen, manifest, ix = generations.open_live(settings.index_dir)
    snap = Snapshot(gen, manifest, ix, settings)
    try:
        files, entry = build(snap, settings, _previous_sources(out))
    finally:
        snap.close()
    return write(out, files, entry)


def unhashed() -> dict[str, bytes]:
    """The files whose names never change, but the entry: the client and the box."""
    return {CLIENT: client(), **{name: (_STATIC / name).read_bytes() for name in BOX}}


def client() -> bytes:
    """casesearch.mjs as one module: the Snowball stemmers put in the place of their import."""
    main = (_STATIC / "casesearch.mjs").read_text("utf-8")
    stemmers = (_STATIC / "snowball.mjs").read_text("utf-8").replace("export function ", "function ")
    line = 'import { englishStem, frenchStem } from "./snowball.mjs";\n'
    if line not in main:
        raise ExportError("static/casesearch.mjs no longer imports snowball.mjs as export.bundle expects")
    return main.replace(line, stemmers + "\n").encode("utf-8")


# --------------------------------------------------------------------- building

def build(snap: Snapshot, settings: Settings, previous: list[str | None]) -> tuple[dict[str, bytes], dict]:
    """The bundle's files (name -> content) and its entry, from one opened generation."""
    sources = [None if page is None else page.source for page in snap.stored]
    slots = page_ids([s for s in sources if s is not None], previous)
    ids = {source: i for i, source in enumerate(slots) if source is not None}
    of_doc = [None if s is None else ids[s] for s in sources]
    files: dict[str, bytes] = {}

    def add(stem: str, value: object) -> str:
        content = dumps(value)
        name = hashed(stem, content)
        files[name] = content
        return name

    fragments = [None] * len(slots)
    for docnum, page in enumerate(snap.stored):
        if page is not None:
            fragments[of_doc[docnum]] = add(f"{FRAGMENTS}/page", _fragment(page))
    row, rows = postings(snap, of_doc)
    accented, pieces = word_pieces(snap)
    chunks = [[first, add("terms", chunk)] for first, chunk in chunks_of(rows)]
    # the characters the pages write (their folded copies add none outside the fold ranges)
    texts = "".join("".join(page.texts()) for page in snap.stored if page is not None)
    entry = {
        "format": FORMAT_VERSION,
        "casesearch": __version__,
        "generation": snap.manifest.generation,
        "built_at": snap.manifest.built_at,
        "pages": snap.pages(),
        "default_lang": settings.default_lang,
        "fields": [f.name for f in schema.FIELDS],
        "phrase_fields": list(schema.PHRASE_FIELDS),
        "words_field": schema.WORDS,
        "row": row,
        "weights": WEIGHTS.to_dict(),
        "limits": {"max_query_chars": settings.max_query_chars, "max_query_terms": settings.max_query_terms},
        "analysis": add("analysis", {"tables": all_client_tables(texts), "fold_text": fold_text_table(),
                                      "synonyms": [text for _, text in synonyms.source_texts(settings.synonyms_file)]}),
        **dict(zip(("page_data", "page_meta"), (add(stem, part) for stem, part in
                                                  zip(("pages", "meta"), _pages(snap, slots, of_doc, fragments))))),
        "vocabulary": add("vocabulary", accented),
        "words": [[first, add("words", piece), add("counts", counts)] for first, piece, counts in pieces],
        "chunks": chunks,
    }
    return files, entry


def page_ids(sources: list[str], previous: list[str | None]) -> list[str | None]:
    """Page id -> source: the previous export's ids kept, the holes of removed pages
    filled by new pages (in order of their names), the rest appended."""
    live = set(sources)
    slots = [s if s in live else None for s in previous]
    while slots and slots[-1] is None:
        slots.pop()
    holes = iter([i for i, s in enumerate(slots) if s is None])
    for source in sorted(live - set(slots)):
        hole = next(holes, None)
        if hole is None:
            slots.append(source)
        else:
            slots[hole] = source
    return slots


def _pages(snap: Snapshot, slots: list[str | None], of_doc: list[int | None],
           fragments: list[str | None]) -> tuple[dict, dict]:
    """What changes with a page's text (its fragment, field lengths, BM25's figures), and
    what seldom does (its title's terms, filters; the families): the second file is
    rewritten only when a title, a tag, a date or a family changes."""
    size = len(slots)

    def column(values, empty):  # noqa: ANN001, ANN202 - one value per docnum -> one per page id
        out = [empty] * size
        for docnum, value in enumerate(values):
            if of_doc[docnum] is not None:
                out[of_doc[docnum]] = value
        return out

    p = snap.postings
    stored = snap.stored
    return {
        "sources": slots,
        "fragments": fragments,
        "n": p.n,
        "avg": dict(p.avg),
        "lengths": {name: column(lengths, 0) for name, lengths in p.lengths.items()},
        "prior": column(snap.priors, 0.0),
        "full_prior": column(snap.full_priors, 0.0),
    }, {
        "english": column([int(e) for e in p.english], 0),
        "titles": column([list(t) for t in snap.titles], []),
        "url_names": column([list(t) for t in snap.url_names], []),
        "names": column([sorted(n) for n in snap.names], []),
        "folded_titles": column(snap.folded_titles, ""),
        "category": column([s.category if s else "" for s in stored], ""),
        "tags": column([list(s.tags) if s else [] for s in stored], []),
        "date": column([s.date if s else None for s in stored], None),
        "lang": column([s.lang if s else "" for s in stored], ""),
        # family key -> the index's stems sharing it, most frequent first (Postings.family's order)
        "families": {key: sorted(group, key=lambda t: (-p.family_df(t), t)) for key, group in p.families().items()},
    }


def _fragment(page: schema.StoredPage) -> list:
    """A page as it is shown: [url, title, summary, [[heading, anchor, text], ...], loose
    forms]. Its source, date, category, tags and language are in the pages files; its
    folded text the client makes with ``fold_text``'s table."""
    return [page.url, page.title, page.summary, [[s.heading, s.anchor, s.text] for s in page.sections], page.loose]


# ---------------------------------------------------------------------- writing

def _previous_entry(out: Path) -> dict | None:
    try:
        entry = json.loads((out / ENTRY).read_text("utf-8"))
    except (OSError, ValueError):
        return None
    return entry if isinstance(entry, dict) and entry.get("format") == FORMAT_VERSION else None


def _previous_sources(out: Path) -> list[str | None]:
    entry = _previous_entry(out)
    if entry is None:
        return []
    try:
        sources = json.loads((out / entry["page_data"]).read_text("utf-8"))["sources"]
    except (OSError, ValueError, KeyError, TypeError):
        return []
    return [s if isinstance(s, str) else None for s in sources]


def named_files(entry: dict) -> list[str]:
    """Every file an entry names, itself and the client included."""
    pages_file = entry["page_data"]
    return [ENTRY, CLIENT, *BOX, entry["analysis"], pages_file, entry["page_meta"], entry["vocabulary"],
            *(name for w in entry["words"] for name in w[1:]), *(c[1] for c in entry["chunks"])]


def _write_file(path: Path, content: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as handle:
        handle.write(content)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


def write(out: Path, files: dict[str, bytes], entry: dict) -> ExportReport:
    """Write what is new, switch the entry, remove what neither this bundle nor the one
    before names."""
    out.mkdir(parents=True, exist_ok=True)
    previous = _previous_entry(out)
    keep = set(_all_names(out, previous)) if previous else set()
    report = ExportReport(out=out, pages=entry["pages"])
    fixed = unhashed()
    files = {**files, **fixed}
    for name, content in sorted(files.items()):
        path = out / name
        if path.is_file() and (path.read_bytes() == content if name in fixed
                               else path.stat().st_size == len(content)):
            continue   # a hashed name is its content
        _write_file(path, content)
        report.written.append(name)
        report.written_bytes += len(content)
    content = dumps(entry)
    _write_file(out / ENTRY, content)
    report.written.append(ENTRY)
    report.written_bytes += len(content)
    names = set(files) | {ENTRY}
    report.files = len(names)
    report.bytes = sum(len(c) for c in files.values()) + len(content)
    for path in sorted(out.rglob("*.json")):
        name = path.relative_to(out).as_posix()
        if name not in names and name not in keep and _ours(name):
            path.unlink()
            report.removed.append(name)
    return report


def _all_names(out: Path, entry: dict) -> list[str]:
    """What an entry names, its fragments included."""
    names = named_files(entry)
    try:
        fragments = json.loads((out / entry["page_data"]).read_text("utf-8"))["fragments"]
    except (OSError, ValueError, KeyError, TypeError):
        fragments = []
    return names + [f for f in fragments if isinstance(f, str)]


def _ours(name: str) -> bool:
    """A file name of this bundle's making (anything else in the folder is left alone)."""
    base = name.rsplit("/", 1)[-1]
    parts = base.split(".")
    return len(parts) == 3 and parts[2] == "json" and len(parts[1]) == 16 and \
        (name.startswith(FRAGMENTS + "/") or "/" not in name)


# --------------------------------------------------------------------- checking

def check(out: Path) -> list[str]:
    """What is wrong with the bundle in `out` (nothing: an empty list)."""
    try:
        entry = json.loads((out / ENTRY).read_text("utf-8"))
    except FileNotFoundError:
        return [f"no {ENTRY} in '{out}': not a bundle; write one with `casesearch export --out {out}`"]
    except (OSError, ValueError) as exc:
        return [f"{ENTRY} cannot be read ({exc}): export again"]
    if not isinstance(entry, dict) or entry.get("format") != FORMAT_VERSION:
        found = entry.get("format") if isinstance(entry, dict) else None
        return [f"{ENTRY} is of format {found}, this casesearch reads format {FORMAT_VERSION}: export again"]
    problems = []
    try:
        names = named_files(entry)
        firsts = [first for first, _ in entry["chunks"]]
    except (KeyError, TypeError, ValueError) as exc:
        return [f"{ENTRY} lacks {exc}: export again"]
    if firsts != sorted(firsts):
        problems.append(f"{ENTRY}: the chunks are not in term order")
    pages = _read_json(out / entry["page_data"])
    fragments = pages.get("fragments", []) if isinstance(pages, dict) else []
    if isinstance(pages, dict) and len([f for f in fragments if f]) != entry.get("pages"):
        problems.append(f"{entry['page_data']}: {len([f for f in fragments if f])} pages, the entry says "
                        f"{entry.get('pages')}")
    fixed = unhashed()
    for name in names[1:] + [f for f in fragments if isinstance(f, str)]:
        path = out / name
        if not path.is_file():
            problems.append(f"{name}: missing")
        elif name in fixed:
            if path.read_bytes() != fixed[name]:
                problems.append(f"{name}: not this casesearch's ({__version__}): export again")
        elif hashed(name.rsplit(".", 2)[0], path.read_bytes()) != name:
            problems.append(f"{name}: its content does not match the hash in its name (damaged or edited)")
    return problems


def _read_json(path: Path) -> object:
    try:
        return json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return None   # reported as missing or damaged by the file checks
