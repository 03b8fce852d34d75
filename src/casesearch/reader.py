"""Which files of the site Jekyll reads, and what each is: Jekyll 4.3's reader.

Walks the site as reader.rb, post_reader.rb and collection.rb do (folders, every
`_posts` folder, each declared collection), filtered by `Site.filter_reason` (Jekyll's
EntryFilter), and sorts what it finds into pages to read, files skipped with the reason
(for `casesearch pages` and `reindex --json`), and errors for entries no page can come
from (broken symlinks, symlinks leaving the site, FIFOs, unreadable folders).
"""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path

from .config import Settings
from .dates import DATE_FILENAME
from .errors import ContentError
from .files import file_kind, within
from .permalinks import HTML_EXTS, extname
from .readcache import ReadCache, Seen, seen
from .site import JEKYLL_DIRS, Collection, PageFile, Site, Skipped, load_site

__all__ = ["SiteFiles", "discover", "has_front_matter", "path_skip_reason", "read_files"]


@dataclass
class SiteFiles:
    site: Site
    pages: list[PageFile] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    errors: list[ContentError] = field(default_factory=list)


_DEPENDENCY_DIRS = frozenset({"node_modules", "vendor", "bower_components", "gemfiles"})
_EXCLUDED = "excluded (exclude in _config.yml, or Jekyll's default excludes)"
_SKIP_WALK_BUDGET = 2000   # entries looked at in one skipped folder before it is reported whole
_PAGE_LIKE = frozenset({".md", ".markdown", ".html", ".htm"})


def _starts_with_front_matter(path: str) -> bool:
    """utils.rb's has_yaml_header?: a first line of '---' and spaces (read with the os
    module's calls, without a file object: 7 us a file against 15, for every file of a site)."""
    try:
        fd = os.open(path, os.O_RDONLY)
        try:
            head = os.read(fd, _HEAD)
        finally:
            os.close(fd)
    except OSError:
        return False
    return has_front_matter(head)


def has_front_matter(data: bytes) -> bool:
    """Whether a file that starts with these bytes starts with front matter (its first
    _HEAD bytes decide, as when only they are read)."""
    return _FRONT_MATTER.match(data[:_HEAD].removeprefix(b"\xef\xbb\xbf")) is not None


_HEAD = 256   # bytes of a file read to tell whether it starts with front matter


_FRONT_MATTER = re.compile(rb"---[ \t\x0b\x0c]*\r?\n")


class _Walker:
    def __init__(self, site: Site, cache: ReadCache | None = None) -> None:
        self.site = site
        self.cache = cache
        self.root = site.root
        self.real_root = site.root.resolve()
        self.out = SiteFiles(site)
        self.seen_dirs = {self.real_root}
        self.seen_files: set[str] = set()

    def entries(self, folder: Path, rel: str) -> list[tuple[str, Path, bool, os.stat_result]]:
        """(name, path, is_dir, stat) of a folder's regular files and folders; odd entries reported."""
        try:
            with os.scandir(folder) as it:
                raw = sorted(it, key=lambda e: e.name)
        except OSError as exc:
            self.out.errors.append(ContentError(rel or ".", f"cannot read folder ({exc.strerror}): check its permissions"))
            return []
        out = []
        for entry in raw:
            source = f"{rel}/{entry.name}" if rel else entry.name
            try:
                st = entry.stat(follow_symlinks=False)
                if stat.S_ISLNK(st.st_mode):
                    target = Path(entry.path).resolve()
                    if not target.exists():
                        if extname(entry.name).lower() in _PAGE_LIKE:
                            self.out.errors.append(ContentError(source, "broken symlink: point it to an existing "
                                                                        "file or remove it"))
                        continue
                    if not within(target, self.real_root):
                        if target.is_dir() or extname(entry.name).lower() in _PAGE_LIKE:
                            self.out.errors.append(ContentError(
                                source, f"symlink leads outside the content folder (to '{target}'): "
                                        "copy the file into the content folder instead"))
                        continue
                    st = os.stat(entry.path)
                if stat.S_ISDIR(st.st_mode):
                    out.append((entry.name, Path(entry.path), True, st))
                elif stat.S_ISREG(st.st_mode):
                    out.append((entry.name, Path(entry.path), False, st))
                elif not entry.name.startswith("."):
                    self.out.errors.append(ContentError(source, f"not a regular file ({file_kind(st.st_mode)}): "
                                                                "remove it from the content folder"))
            except OSError as exc:
                self.out.errors.append(ContentError(source, f"cannot read ({exc.strerror}): check its permissions"))
        return out

    def enter(self, path: Path) -> bool:
        real = path.resolve()
        if real in self.seen_dirs:
            return False
        self.seen_dirs.add(real)
        return True

    def page_like(self, name: str) -> bool:
        """A name a page could have: worth reporting when it is left out."""
        return extname(name).lower() in _PAGE_LIKE or self.site.is_markdown(name)

    def skip(self, source: str, reason: str, path: Path | None = None, is_dir: bool = False) -> None:
        """Report a skipped page-like file, or the page-like files of a skipped folder; a
        folder of dependencies (node_modules, vendor) or a very large one is reported once,
        as `folder/`, so that a reindex never walks thousands of files it will not read."""
        if is_dir and path is not None:
            if path.name in _DEPENDENCY_DIRS:
                self.out.skipped.append(Skipped(source + "/", reason))
                return
            found, budget = [], _SKIP_WALK_BUDGET
            for dirpath, dirnames, filenames in os.walk(path):
                dirnames[:] = sorted(d for d in dirnames if not d.startswith(".") and d not in JEKYLL_DIRS
                                     and d not in _DEPENDENCY_DIRS)
                budget -= len(filenames) + len(dirnames)
                if budget < 0:
                    self.out.skipped.append(Skipped(source + "/", reason))
                    return
                rel = Path(dirpath).relative_to(self.root).as_posix()
                found += [Skipped(f"{rel}/{name}", reason) for name in sorted(filenames) if self.page_like(name)]
            self.out.skipped.extend(found)
            return
        if self.page_like(source.rsplit("/", 1)[-1]):
            self.out.skipped.append(Skipped(source, reason))

    def read_directory(self, folder: Path, rel: str) -> None:
        """reader.rb's read_directories: posts, folders, pages."""
        entries = self.entries(folder, rel)
        if self._posts_allowed(rel):
            posts = next((p for n, p, d, _ in entries if n == "_posts" and d), None)
            if posts is not None:
                self.read_documents(posts, f"{rel}/_posts" if rel else "_posts", "posts")
        for name, path, is_dir, st in entries:
            source = f"{rel}/{name}" if rel else name
            reason = self.site.filter_reason(name, source, is_dir)
            if reason:
                self._report_filtered(name, source, path, is_dir, reason, rel)
                continue
            if is_dir:
                if self.enter(path):
                    self.read_directory(path, source)
            else:
                self.add_page(source, path, st)

    def _posts_allowed(self, rel: str) -> bool:
        cdir = self.site.collections_dir
        return not cdir or ("/" + rel).startswith("/" + cdir)

    def _report_filtered(self, name: str, source: str, path: Path, is_dir: bool, reason: str, rel: str) -> None:
        if name in JEKYLL_DIRS or name.startswith(".") or name.startswith("#") or name.endswith("~"):
            return
        if reason == "excluded":
            self.skip(source, _EXCLUDED, path, is_dir)
        elif name == "_drafts":
            self.skip(source, "draft", path, is_dir)
        elif name == "_posts":
            return  # read above, when allowed
        elif is_dir:
            label = name[1:]
            if self.site.jekyll:
                if label in self.site.collections and self._in_collections_dir(rel):
                    return  # read as a collection
                self.skip(source, "not a collection (declare it under collections: in _config.yml)", path, True)
            elif not rel:
                return  # read as a collection (legacy)
            else:
                self.skip(source, "inside a folder starting with '_' (not rendered by Jekyll)", path, True)
        else:
            self.skip(source, "draft (file name starts with '_')")

    def _in_collections_dir(self, rel: str) -> bool:
        return rel == self.site.collections_dir

    def add_page(self, source: str, path: Path, st: os.stat_result | None = None) -> None:
        if source in self.seen_files:
            return
        self.seen_files.add(source)
        page = PageFile(source, path, seen=_seen(path, st))
        if self._front_matter(page):
            self.publish(page)
        else:
            self.no_front_matter(page)

    def _front_matter(self, page: PageFile) -> bool:
        """utils.rb's has_yaml_header?, as the read cache remembers it for an unchanged file."""
        known = self.cache.front_matter(page.source, page.seen) if self.cache else None
        return _starts_with_front_matter(str(page.path)) if known is None else known

    def no_front_matter(self, page: PageFile) -> None:
        """Jekyll copies such a file as it is; without _config.yml a markdown file is still
        read, to report its missing front matter as an error."""
        name = page.source.rsplit("/", 1)[-1]
        if self.site.is_markdown(name) and not self.site.jekyll:
            self.out.pages.append(page)
        elif self.site.is_markdown(name) or extname(name).lower() in HTML_EXTS:
            self.skip(page.source, "no front matter (static file)")

    def publish(self, page: PageFile) -> None:
        """A file Jekyll renders: a page when its output is HTML."""
        output = self.site.output_ext(page.source.rsplit("/", 1)[-1])
        if output not in HTML_EXTS:
            self.out.skipped.append(Skipped(page.source, f"not an HTML page (Jekyll writes it as "
                                                         f"'{output or 'a file without extension'}')"))
        else:
            self.out.pages.append(page)

    def read_documents(self, folder: Path, rel: str, label: str) -> None:
        """collection.rb / post_reader.rb: every file under the collection folder."""
        posts = label == "posts"
        collection = self.site.collection_of(label)
        for dirpath, dirnames, filenames in os.walk(folder, followlinks=True):
            dirnames.sort()
            here = Path(dirpath)   # once a folder: a Path a file was a tenth of a reindex that changes nothing
            sub = here.relative_to(folder).as_posix()
            sub = "" if sub == "." else sub
            if posts:  # Dir["**/*"] skips dot folders
                dirnames[:] = [d for d in dirnames if not d.startswith(".")]
            if sub and not self.enter(Path(dirpath)):
                dirnames[:] = []
                continue
            for name in sorted(filenames):
                entry = f"{sub}/{name}" if sub else name
                source = f"{rel}/{entry}"
                path = here / name
                base = rel.rsplit("/", 1)[-1] if posts else "_" + label
                reason = self.site.filter_reason(entry, f"{base}/{entry}" if not posts else f"{rel}/{entry}", False)
                if reason:
                    if reason == "excluded":
                        self.skip(source, _EXCLUDED)
                    elif not name.startswith("."):
                        self.skip(source, "draft (file name starts with '_')")
                    continue
                self.add_document(source, path, entry, label, collection)

    def add_document(self, source: str, path: Path, entry: str, label: str, collection: Collection) -> None:
        if label == "posts":
            if not DATE_FILENAME.match(entry):
                self.skip(source, "post without a date in its file name (YYYY-MM-DD-title)")
                return
            page = PageFile(source, path, "document", label, _seen(path))
        else:
            try:
                st = os.stat(path)
            except OSError as exc:
                self.out.errors.append(ContentError(source, f"cannot read ({exc.strerror}): check its permissions"))
                return
            if not stat.S_ISREG(st.st_mode):
                self.out.errors.append(ContentError(source, f"not a regular file ({file_kind(st.st_mode)}): remove it"))
                return
            page = PageFile(source, path, "document", label, seen(st))
            if not self._front_matter(page):
                self.no_front_matter(page)
                return
        if not collection.output:
            self.skip(source, f"collection without output ('{label}' has no output: true in _config.yml)")
            return
        self.publish(page)

    def run(self) -> SiteFiles:
        site = self.site
        if not site.root.is_dir():
            self.out.errors.append(ContentError(".", f"content folder '{site.root}' does not exist or is not a "
                                                     "folder: create it or set content_dir"))
            return self.out
        self.read_directory(site.root, "")
        self.read_included_files()
        cdir = site.root / site.collections_dir if site.collections_dir else site.root
        prefix = site.collections_dir + "/" if site.collections_dir else ""
        if site.jekyll:
            labels = [label for label in site.collections if label != "posts"]
        else:
            with os.scandir(cdir) as it:
                labels = sorted(e.name[1:] for e in it if e.name.startswith("_") and e.is_dir()
                                and e.name not in JEKYLL_DIRS and e.name not in ("_posts", "_drafts"))
        for label in labels:
            folder = cdir / f"_{label}"
            if folder.is_dir() and (not folder.is_symlink() or self.enter(folder)):
                self.read_documents(folder, f"{prefix}_{label}", label)
        self.out.pages.sort(key=lambda p: p.source)
        self.out.skipped.sort(key=lambda s: s.source)
        self.out.errors.sort(key=lambda e: e.source)
        return self.out

    def read_included_files(self) -> None:
        """reader.rb's read_included_excludes: included files outside what was read."""
        for entry in self.site.include:
            path = self.root / entry
            if path.is_file() and entry not in self.seen_files and "/" in entry.strip("/"):
                self.add_page(entry.strip("/"), path)


def _seen(path: Path, st: os.stat_result | None = None) -> Seen | None:
    """What a stat of the file sees (followed through a symlink), None when it cannot be read:
    reading it then says why."""
    if st is None:
        try:
            st = os.stat(path)
        except OSError:
            return None
    return seen(st)


def read_files(settings: Settings, site: Site | None = None, cache: ReadCache | None = None) -> SiteFiles:
    """Every file of the site: pages to read, skipped files with their reason, errors; with
    `cache`, a file unchanged since a reindex read it is not opened again."""
    site = site or load_site(settings)
    return _Walker(site, cache).run()


def discover(settings: Settings, site: Site | None = None) -> tuple[list[PageFile], list[ContentError]]:
    """Page files sorted by source, and errors for entries that cannot be pages."""
    found = read_files(settings, site)
    return found.pages, found.errors


# Jekyll never renders its own folders, nor (by its default excludes) dependencies
_SPECIAL_DIRS = JEKYLL_DIRS | {"node_modules", "vendor"}


def path_skip_reason(source: str) -> str | None:
    """Why Jekyll would not render this path as a page, from the path alone: for a file
    read on its own (`content.load_page` of a site with no _config.yml), not walked here."""
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
