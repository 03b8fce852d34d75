"""Full and incremental builds, in phases: plan, check, write, publish.

A build never touches the live generation: it writes a new folder (a copy of the
live one for an incremental build, after the live one verified), then publishes it
by renaming CURRENT (`generations`). Readers keep whatever generation they opened;
a killed build leaves an unpublished folder that the next run removes; a build that
cannot write (a full disk) removes its folder and says what it needed.
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import closing
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from itertools import chain
from pathlib import Path

from . import generations, pagestore, pagetable, segments
from .config import Settings
from .content import Document, PageFile, Skipped, load_page, read_bytes
from .errors import (
    CasesearchError,
    ContentError,
    IndexWriteError,
    SafetyCheckFailed,
)
from .links import Link, LinkSite, anchors
from .manifest import Manifest, PageEntry, file_sums, write_manifest, write_stamp
from .readcache import ReadCache
from .reader import has_front_matter, read_files
from .site import Site, load_site
from .spool import Spool

log = logging.getLogger(__name__)

# what the pages read may weigh in memory (`_weight`) before a build writes them to its
# spool's file: a 1,000-page site's weigh about 10 MB and are never pickled
SPOOL_MEMORY = 32 << 20


@dataclass
class ReindexReport:
    full: bool
    published: bool = False
    generation: int | None = None
    indexed: int = 0
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    errors: list[ContentError] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)
    took_s: float = 0.0
    reason: str = ""

    def summary(self) -> str:
        line = (f"indexed {self.indexed} pages: {len(self.added)} added, {len(self.updated)} updated, "
                f"{len(self.removed)} removed, {len(self.skipped)} skipped")
        if self.errors:
            line += f", {len(self.errors)} failed"
            if self.stale:
                line += f" ({len(self.stale)} kept from the last good build, now stale)"
        return line

    def to_dict(self) -> dict:
        return {
            "ok": not self.errors, "published": self.published, "full": self.full,
            "generation": self.generation, "indexed": self.indexed,
            "added": len(self.added), "updated": len(self.updated), "removed": len(self.removed),
            "skipped": len(self.skipped), "failed": len(self.errors), "stale": self.stale,
            "skipped_files": [{"source": s.source, "reason": s.reason} for s in self.skipped],
            "errors": [{"source": e.source, "line": e.line, "message": e.message} for e in self.errors],
            "took_s": round(self.took_s, 3), "summary": self.summary(), "reason": self.reason,
        }


# --- building ---------------------------------------------------------------

def _duplicate_urls(entries: dict[str, PageEntry]) -> dict[str, str]:
    """source -> source already owning its URL, for every page whose URL is taken."""
    owner: dict[str, str] = {}
    clashes: dict[str, str] = {}
    for source in sorted(entries):
        url = entries[source].url
        if url in owner:
            clashes[source] = owner[url]
        else:
            owner[url] = source
    return clashes


@dataclass
class _Plan:
    """What the new generation will hold: phase one of a build, nothing written yet."""
    settings: Settings
    site: Site
    live: Path | None
    old: Manifest | None
    report: ReindexReport
    repair: str = ""   # what is damaged in the index folder: the build must publish
    pages: dict[str, PageEntry] = field(default_factory=dict)

    to_write: Spool = field(default_factory=Spool)   # pages to (re)write, on disk till then
    # what reading each file found, by its stat: an unchanged file is neither read nor hashed
    cache: ReadCache = field(default_factory=lambda: ReadCache(""))
    # the link texts of pages to write, when they differ from what the page was read with
    anchor_texts: dict[str, tuple[tuple[str, int], ...]] = field(default_factory=dict)

    @property
    def old_pages(self) -> dict[str, PageEntry]:
        return self.old.pages if self.old else {}

    def add(self, page: PageFile) -> None:
        """Read one page, or keep its unchanged entry; a failing page keeps its last good version."""
        known = None if self.report.full else self.old_pages.get(page.source)
        try:
            if known and not known.stale and self.cache.digest(page.source, page.seen) == known.hash:
                self.pages[page.source] = known
                return
            data = read_bytes(page, self.settings)
            digest = hashlib.sha1(data).hexdigest()
            self.cache.record(page.source, page.seen, digest, has_front_matter(data))
            if known and known.hash == digest and not known.stale:
                self.pages[page.source] = known
                return
            loaded = load_page(page, self.settings, data, self.site)
        except ContentError as exc:
            self.report.errors.append(exc)
            self.keep_stale(page.source)
            return
        if isinstance(loaded, Skipped):
            self.report.skipped.append(loaded)
            return
        self.pages[page.source] = PageEntry(digest, loaded.url, loaded.title,
                                            links=tuple((link.text, link.target) for link in loaded.links),
                                            aliases=loaded.aliases)
        self.to_write[page.source] = loaded

    def keep_stale(self, source: str) -> None:
        """A page that fails now keeps its last good version, so visitors lose nothing
        (a full rebuild reads it from the live generation's page store: none when it lost it)."""
        if source in self.old_pages and (not self.report.full or (self.live and _has_tables(self.live))):
            self.pages[source] = replace(self.old_pages[source], stale=True)
            self.report.stale.append(source)
        else:
            self.pages.pop(source, None)

    def drop_duplicate_urls(self) -> None:
        for source, other in _duplicate_urls(self.pages).items():
            self.report.errors.append(ContentError(
                source, f"duplicate URL '{self.pages[source].url}', already used by '{other}': "
                        "give one of them another permalink"))
            self.to_write.pop(source)
            self.keep_stale(source)

    def link_texts(self) -> None:
        """Give each page the text of the other pages' links to it (`links.anchors`), from
        every page's links, read now or kept in the manifest. A page whose link texts
        changed is written again: read back from the index when its file did not change.
        When no page was read anew and none is gone, every page's links, URL and aliases
        are those the live index was built with, and so are its link texts: not worked out
        again (4 s of the 11 a reindex that changed nothing took at 50,000 pages)."""
        if not self.report.full and not self.to_write and self.old and self.pages.keys() == self.old_pages.keys():
            return
        site = LinkSite.from_site(self.site, {source: entry.url for source, entry in self.pages.items()},
                                  {alias: source for source, entry in self.pages.items() for alias in entry.aliases})
        found = anchors({source: (entry.url, [Link(text, target) for text, target in entry.links])
                         for source, entry in self.pages.items()}, site)
        unchanged = []
        for source, entry in self.pages.items():
            texts = tuple(Counter(found.get(source, ())).items())   # (text, linking pages), most first
            digest = hashlib.sha1(json.dumps(texts, ensure_ascii=False).encode()).hexdigest() if texts else ""
            if entry.stale or (digest == entry.anchors and source not in self.to_write):
                continue
            self.pages[source] = replace(entry, anchors=digest)
            if source not in self.to_write:
                unchanged.append(source)
            self.anchor_texts[source] = texts
        if unchanged:
            for doc in stored_documents(self.live, unchanged):
                self.to_write[doc.source] = doc

    def documents(self) -> Iterator[Document]:
        """The pages to write, one at a time, each with its link texts."""
        for doc in self.to_write.documents():
            texts = self.anchor_texts.get(doc.source)
            yield doc if texts is None else replace(doc, anchors=texts)

    def summarise(self) -> None:
        report, old_pages = self.report, self.old_pages
        report.removed = sorted(s for s in old_pages if s not in self.pages)
        report.added = sorted(s for s in self.to_write if s not in old_pages)
        report.updated = sorted(s for s in self.to_write if s in old_pages)
        report.indexed = len(self.pages)
        report.generation = self.old.generation if self.old else None

    def changes_nothing(self) -> bool:
        stale_changed = self.old is not None and sorted(self.report.stale) != sorted(self.old.stale)
        return (not self.report.full and not self.to_write and not self.report.removed and not stale_changed
                and not self.repair)


def reindex(settings: Settings, *, full: bool = False, strict: bool = False, force: bool = False,
            progress: Callable[[int, int], None] | None = None, wait: float = 0.0) -> ReindexReport:
    """Bring the index up to date with the content folder, publishing atomically:
    plan (read what changed), check (refuse what would hurt), write, publish. A damaged
    live generation or CURRENT is repaired (rebuilt from the newest sound generation, or
    in full). `wait`: seconds to wait for a running reindex rather than fail at once."""
    started = time.perf_counter()
    if not settings.content_dir.is_dir():
        raise CasesearchError(f"content folder '{settings.content_dir}' does not exist: check the path "
                              "(option --content or CASESEARCH_CONTENT)")
    site = load_site(settings)   # a broken _config.yml stops here: nothing is published
    spool = Spool(memory=SPOOL_MEMORY, weigh=_weight)
    with generations.exclusive(settings.index_dir, wait=wait), closing(spool):
        plan = _plan(settings, site, full, progress, spool)
        if reason := _check(plan, strict, force):
            plan.report.reason = plan.report.reason or reason
            generations.tidy(settings.index_dir)
            return _finish(plan.report, started)
        gen_dir = _write(plan)
        generations.cleanup(settings.index_dir, {gen_dir.name} | ({plan.live.name} if plan.live else set()))
        plan.report.published = True
        plan.report.generation = int(gen_dir.name.removeprefix("gen-"))
        return _finish(plan.report, started)


def _weight(doc: Document) -> int:
    """About what a page read takes in memory (`Spool`'s budget): its texts at 2 bytes a
    character (a typographic apostrophe makes a whole str so), and an object per part."""
    texts = (len(doc.title) + len(doc.summary) + len(doc.about)
             + sum(len(s.heading) + len(s.text) for s in doc.sections)
             + sum(len(link.text) + len(link.target) for link in doc.links))
    return 2 * texts + 200 * (len(doc.sections) + len(doc.links)) + 1000


def _fingerprint(settings: Settings, site: Site) -> str:
    return f"{settings.fingerprint()}-{site.fingerprint}"


def _plan(settings: Settings, site: Site, full: bool, progress: Callable[[int, int], None] | None,
          spool: Spool) -> _Plan:
    live, old, repair = generations.build_base(settings.index_dir)
    compatible = (old is not None and old.format == generations.FORMAT and old.settings == _fingerprint(settings, site)
                  and _has_tables(live))   # the pages it keeps are read from its table and store
    full = full or not compatible
    # a full build reads every file (what --full is for when something looks wrong): the
    # cache is only written
    plan = _Plan(settings, site, live, old, ReindexReport(full=full), repair=repair, to_write=spool,
                 cache=ReadCache.load(settings.index_dir, settings.content_dir, read=not full))
    if repair:
        plan.report.reason = f"repairing the index: {repair}"
    elif not compatible and old:
        plan.report.reason = "index format or settings changed: full rebuild"
    found = read_files(settings, site, None if full else plan.cache)
    plan.report.errors.extend(found.errors)
    plan.report.skipped.extend(found.skipped)
    for done, page in enumerate(found.pages, 1):
        if progress:
            progress(done, len(found.pages))
        plan.add(page)
    plan.cache.save(settings.index_dir)
    plan.drop_duplicate_urls()
    plan.link_texts()
    plan.summarise()
    return plan


def _check(plan: _Plan, strict: bool, force: bool) -> str:
    """Why the plan must not be published ("" when it may); raises when it would lose pages."""
    if strict and plan.report.errors:
        return "content errors and --strict: nothing published (the summary below is what would have been)"
    old_pages = plan.old_pages
    if plan.old and len(old_pages) > 1 and len(plan.pages) < len(old_pages) / 2 and not force:
        raise SafetyCheckFailed(
            f"refusing to publish: the new index would hold {len(plan.pages)} pages, the live one "
            f"{len(old_pages)}; is the content folder '{plan.settings.content_dir}' the right one? "
            "Use --force to publish anyway")
    return "nothing changed" if plan.changes_nothing() else ""


def _write(plan: _Plan) -> Path:
    """A new generation folder, whole and published, or none: on a write error (a full
    disk) the partial folder is removed and IndexWriteError says what space it needed."""
    index_dir = plan.settings.index_dir
    gen_dir = generations.next_folder(index_dir)
    try:
        _write_generation(plan, gen_dir)
        generations.publish(index_dir, gen_dir)
        return gen_dir
    except OSError as exc:
        if generations.current_generation(index_dir) == gen_dir:   # published; only the last folder sync failed
            log.warning("published '%s' but could not sync '%s': %s", gen_dir, index_dir, exc)
            return gen_dir
        (index_dir / (generations.CURRENT + ".tmp")).unlink(missing_ok=True)
        written = generations.size(gen_dir)
        shutil.rmtree(gen_dir, ignore_errors=True)
        need = max(written, generations.size(plan.live) if plan.live else 0)
        free = shutil.disk_usage(index_dir).free
        raise IndexWriteError(
            f"cannot write the new index generation '{gen_dir}': {exc.strerror or exc}. It needs about "
            f"{_mb(need)} MB on '{index_dir}' ({_mb(free)} MB free now); the partial folder was removed and the "
            "live index is untouched. Free some space (or fix the permissions) and run `casesearch reindex` again"
        ) from None


def _mb(size: int) -> str:
    return f"{size / 1e6:.1f}"


def _write_generation(plan: _Plan, gen_dir: Path) -> Path:
    """The whole index, or the base generation with the changes, in `gen_dir`."""
    report, live = plan.report, plan.live
    if gen_dir.exists():
        shutil.rmtree(gen_dir)
    rows: dict[str, pagetable.Row] = {}

    def recorded(documents: Iterable[Document]) -> Iterator[Document]:
        for doc in documents:
            rows[doc.source] = pagetable.row(doc)
            yield doc

    with closing(pagestore.records()) as records:
        if report.full:
            segments.write_whole(gen_dir, recorded(chain(plan.documents(), stored_documents(live, report.stale))),
                                 records.__setitem__)
            _write_tables(gen_dir, rows, records, None)
        else:
            generations.copy_generation(live, gen_dir)
            segments.write_changes(gen_dir, report.removed, recorded(plan.documents()), records.__setitem__)
            _write_tables(gen_dir, rows, records, live)
    copied = plan.old.files if plan.old and not report.full else None   # verified when chosen as the base
    if copied:   # rewritten under the same names
        copied = {name: s for name, s in copied.items() if name not in (pagetable.FILE, pagestore.FILE)}
    manifest = Manifest(
        format=generations.FORMAT, settings=_fingerprint(plan.settings, plan.site),
        generation=generations.number(gen_dir), built_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
        pages=plan.pages, stale=tuple(sorted(report.stale)), files=file_sums(gen_dir, copied))
    write_manifest(gen_dir, manifest)
    write_stamp(gen_dir, manifest)   # summed just now: the processes that open it need not read it all again
    return gen_dir


def _write_tables(gen_dir: Path, rows: dict[str, pagetable.Row], records: Spool,
                  base_dir: Path | None) -> None:
    """The page table and the page records of the index just committed in `gen_dir`: the
    pages written now (`rows`, `records`), and those an incremental build kept from the
    base generation (its table and store)."""
    base = pagetable.required(base_dir) if base_dir else None
    if base is not None:
        rows = base.by_source() | rows
    with segments.reader(gen_dir) as reader:
        table = pagetable.from_index(reader, rows)
    sources = table.sources()
    store = pagestore.Store(base_dir, base.offsets, base.sources()) if base else None
    try:
        table.offsets = pagestore.write(gen_dir, sources, records, store)
    finally:
        if store:
            store.close()
    pagetable.write(gen_dir, table)


def _finish(report: ReindexReport, started: float) -> ReindexReport:
    report.took_s = time.perf_counter() - started
    return report


def _has_tables(gen_dir: Path) -> bool:
    """Whether the generation has a page table and a page store (each of this format has;
    one that lost them is rebuilt in full)."""
    return (gen_dir / pagetable.FILE).is_file() and (gen_dir / pagestore.FILE).is_file()


def stored_documents(gen_dir: Path | None, sources: list[str]) -> list[Document]:
    """Pages as the generation `gen_dir` stores them (the last good versions of failing
    pages; pages whose link texts changed), in its order; none from a generation without
    a page store."""
    if not gen_dir or not sources or not _has_tables(gen_dir):
        return []
    table = pagetable.required(gen_dir)
    store = pagestore.Store(gen_dir, table.offsets, table.sources())
    try:
        docnums = store.docnums()
        return [store.page(d).document() for d in sorted(docnums[s] for s in sources if s in docnums)]
    finally:
        store.close()
