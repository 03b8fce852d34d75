"""Real Jekyll as the oracle for which pages casesearch publishes, at which URLs, with which anchors.

`build(site)` copies a site to a temporary folder, adds the plugin `jekyll_oracle_plugin.rb`
(next to this file) and an override config, runs Debian's `jekyll build` and returns the
HTML pages Jekyll wrote with their URL and the `id`s in their HTML; `casesearch_pages(site)`
runs `casesearch pages --json`; `compare(jekyll, cs)` lines the two up. Used by
tests/test_jekyll_oracle.py (fixture sites under tests/data/jekyll/) and bench/jekyll.py
(the real sites of ../shared/corpus). The site folder itself is never written to.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote

PLUGIN = Path(__file__).resolve().with_name("jekyll_oracle_plugin.rb")
HTML_EXTS = {".html", ".htm", ".xhtml"}  # Jekyll::Page::HTML_EXTENSIONS
# in the copy, given as an absolute path (Jekyll expands a custom plugins_dir from the cwd);
# `_` keeps it out of the site
PLUGINS_DIR = "_casesearch_oracle_plugins"
OVERRIDES = {
    # plugins the real sites list (jekyll-paginate-v2, jekyll-redirect-from) are not installed
    "plugins": [], "gems": [], "whitelist": [], "safe": False,
    # a file with bad YAML is reported and left out instead of stopping the whole build
    "strict_front_matter": False,
    "incremental": False, "disable_disk_cache": True, "quiet": False,
}
ID_RE = re.compile(r"""<[^>]*?\sid\s*=\s*(?:"([^"]*)"|'([^']*)')""", re.I)
HEADING_ID_RE = re.compile(r"""<h[1-6]\b[^>]*?\sid\s*=\s*(?:"([^"]*)"|'([^']*)')""", re.I)
# casesearch skips these Jekyll pages on purpose (not a miss): reason keyword -> check on Jekyll's data
SEARCH_REASONS = ("noindex", "redirect", "sitemap", "empty")


class OracleError(RuntimeError):
    """Jekyll or casesearch could not produce an answer (the message says why)."""


def jekyll_available() -> bool:
    return shutil.which("jekyll") is not None


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


@dataclass(frozen=True)
class JekyllPage:
    relative_path: str
    url: str
    output_ext: str
    destination: str
    kind: str
    redirect_to: bool
    robots: str
    sitemap: str | None
    title: str
    lang: str
    ids: frozenset[str]
    heading_ids: tuple[str, ...]


@dataclass
class JekyllSite:
    source: Path
    baseurl: str
    url: str
    pages: dict[str, JekyllPage]  # HTML pages by relative_path (NFC)
    other_outputs: dict[str, dict]  # pages/documents Jekyll wrote in another format (.xml, .txt...)
    not_written: dict[str, str]  # collection documents Jekyll read but did not write -> collection
    log: str
    errors: list[str] = field(default_factory=list)


def _yaml_list(items: dict) -> str:
    return "".join(f"{key}: {json.dumps(value)}\n" for key, value in items.items())


def build(site_dir: Path | str, config_files: list[str] | None = None, *, keep: Path | None = None) -> JekyllSite:
    """Build a copy of `site_dir` with Jekyll and return what it published.

    `config_files` are names relative to the site (default `_config.yml`), as `jekyll --config`.
    """
    site_dir = Path(site_dir).resolve()
    if not jekyll_available():
        raise OracleError("jekyll is not installed (Debian: apt-get install jekyll)")
    tmp = Path(tempfile.mkdtemp(prefix="casesearch-jekyll-", dir=keep))
    try:
        copy = tmp / "site"
        shutil.copytree(site_dir, copy, symlinks=True,
                        ignore=shutil.ignore_patterns(".git", "_site", ".jekyll-cache", PLUGINS_DIR))
        (copy / PLUGINS_DIR).mkdir()
        shutil.copy(PLUGIN, copy / PLUGINS_DIR / "casesearch_oracle.rb")
        dest = tmp / "_site"
        overrides = tmp / "_oracle.yml"
        overrides.write_text(_yaml_list({**OVERRIDES, "destination": str(dest),
                                             "plugins_dir": str(copy / PLUGINS_DIR)}), encoding="utf-8")
        configs = [str(copy / name) for name in (config_files or ["_config.yml"]) if (copy / name).exists()]
        out = tmp / "oracle.json"
        env = {**os.environ, "CASESEARCH_ORACLE_OUT": str(out), "JEKYLL_ENV": "production",
               "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8",
               # a Gemfile in the site (its own plugins) must not be loaded by bundler
               "JEKYLL_NO_BUNDLER_REQUIRE": "1"}
        cmd = ["jekyll", "build", "--source", str(copy), "--destination", str(dest),
               "--config", ",".join([*configs, str(overrides)])]
        proc = subprocess.run(cmd, cwd=tmp, env=env, capture_output=True, text=True, timeout=600)
        log = proc.stdout + proc.stderr
        if proc.returncode != 0 or not out.exists():
            raise OracleError(f"jekyll build of {site_dir} failed (exit {proc.returncode}):\n{log[-4000:]}")
        return _read(json.loads(out.read_text(encoding="utf-8")), site_dir, copy, log)
    finally:
        if keep is None:
            shutil.rmtree(tmp, ignore_errors=True)


def _ids(text: str, regex: re.Pattern[str]) -> list[str]:
    return [html.unescape(m.group(1) if m.group(1) is not None else m.group(2)) for m in regex.finditer(text)]


def _read(data: dict, site_dir: Path, copy: Path, log: str) -> JekyllSite:
    pages: dict[str, JekyllPage] = {}
    others: dict[str, dict] = {}
    for item in data["written"]:
        rel = nfc(item["relative_path"])
        if item["output_ext"] not in HTML_EXTS:
            others[rel] = item
            continue
        text = Path(item["destination"]).read_text(encoding="utf-8", errors="replace")
        pages[rel] = JekyllPage(
            relative_path=rel, url=item["url"], output_ext=item["output_ext"],
            destination=item["destination"], kind=item["kind"], redirect_to=item["redirect_to"],
            robots=item["robots"], sitemap=item["sitemap"], title=item["title"], lang=item.get("lang", ""),
            ids=frozenset(_ids(text, ID_RE)), heading_ids=tuple(_ids(text, HEADING_ID_RE)))
    errors = [line.strip() for line in log.splitlines() if "Error" in line and str(copy) in line]
    errors = [line.replace(str(copy) + "/", "") for line in errors]
    return JekyllSite(source=site_dir, baseurl=data["baseurl"], url=data["url"], pages=pages,
                      other_outputs=others,
                      not_written={nfc(d["relative_path"]): d["collection"] for d in data["not_written"]},
                      log=log, errors=errors)


# --- casesearch's side --------------------------------------------------------------------

@dataclass(frozen=True)
class CsPage:
    source: str
    url: str
    path: str
    lang: str
    title: str
    anchors: tuple[str, ...]


@dataclass
class CsSite:
    pages: dict[str, CsPage]
    skipped: dict[str, str]  # source -> reason
    errors: list[dict]


def casesearch_command() -> list[str]:
    script = Path(sys.executable).with_name("casesearch")
    return [str(script)] if script.exists() else [sys.executable, "-m", "casesearch.cli"]


def casesearch_pages(site_dir: Path | str, config_files: list[str] | None = None) -> CsSite:
    """`casesearch pages --content SITE --json` (with the same config files Jekyll was given)."""
    site_dir = Path(site_dir).resolve()
    cmd = [*casesearch_command(), "pages", "--content", str(site_dir), "--json"]
    if config_files:
        cmd += ["--jekyll-config", ",".join(str(site_dir / name) for name in config_files)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600,
                          env={**os.environ, "PYTHONWARNINGS": "ignore"})
    try:
        data = json.loads(proc.stdout)
    except json.JSONDecodeError:
        raise OracleError(f"`{' '.join(cmd[-5:])}` gave no JSON (exit {proc.returncode}):\n"
                          f"{(proc.stderr or proc.stdout)[-3000:]}") from None
    pages = {}
    for page in data.get("pages", []):
        src = nfc(page["source"])
        pages[src] = CsPage(source=src, url=page.get("url", ""), path=page.get("path", ""),
                            lang=page.get("lang", ""), title=page.get("title", ""),
                            anchors=tuple(page.get("anchors") or ()))
    skipped = {nfc(s["source"]): str(s.get("reason", "")) for s in data.get("skipped", [])}
    return CsSite(pages=pages, skipped=skipped, errors=list(data.get("errors", [])))


# --- comparison ---------------------------------------------------------------------------

@dataclass
class Comparison:
    jekyll_pages: int
    cs_pages: int
    both: list[str]
    only_jekyll: dict[str, str]  # source -> what casesearch said (skip reason, error, or "not listed")
    only_casesearch: dict[str, str]  # source -> what Jekyll did with it
    skipped_by_choice: dict[str, str]  # source -> casesearch's reason (verified against Jekyll's data)
    urls_equal: int
    url_mismatches: list[tuple[str, str, str]]  # source, Jekyll's (with baseurl), casesearch's
    anchors_total: int
    anchors_found: int
    anchor_mismatches: list[tuple[str, str, tuple[str, ...]]]  # source, anchor, Jekyll's heading ids
    headings_missed: list[tuple[str, str]] = field(default_factory=list)  # info: Jekyll heading id, no anchor
    lang_mismatches: list[tuple[str, str, str]] = field(default_factory=list)  # source, page's `lang`, casesearch's

    @property
    def expected_pages(self) -> int:
        return self.jekyll_pages - len(self.skipped_by_choice)

    def ratios(self) -> dict[str, float]:
        def ratio(n: int, total: int) -> float:
            return n / total if total else 1.0
        return {"urls": ratio(self.urls_equal, len(self.both)),
                "anchors": ratio(self.anchors_found, self.anchors_total),
                "only_casesearch": len(self.only_casesearch) / max(self.cs_pages, 1)}

    def problems(self, limit: int = 50) -> list[str]:
        """Every difference, one line each, for assertion messages."""
        lines = [f"only Jekyll: {src} ({why})" for src, why in sorted(self.only_jekyll.items())]
        lines += [f"only casesearch: {src} ({why})" for src, why in sorted(self.only_casesearch.items())]
        lines += [f"URL of {src}: Jekyll {jk!r}, casesearch {cs!r}" for src, jk, cs in self.url_mismatches]
        by_page: dict[str, list[str]] = {}
        for src, anchor, _ in self.anchor_mismatches:
            by_page.setdefault(src, []).append(anchor)
        heading_ids = {src: ids for src, _, ids in self.anchor_mismatches}
        for src, anchors in by_page.items():
            ids = heading_ids[src]
            lines.append(f"anchors of {src} not ids in Jekyll's HTML: {', '.join('#' + a for a in anchors)}"
                         f" (Jekyll's heading ids: {', '.join(ids[:40])}{' ...' if len(ids) > 40 else ''})")
        lines += [f"lang of {src}: front matter/defaults {jk!r}, casesearch {cs!r}"
                  for src, jk, cs in self.lang_mismatches]
        return lines[:limit] + ([f"... and {len(lines) - limit} more"] if len(lines) > limit else [])


def _choice_ok(reason: str, page: JekyllPage) -> bool:
    reason = reason.lower()
    if "noindex" in reason:
        return "noindex" in page.robots.lower()
    if "redirect" in reason:
        return page.redirect_to
    if "sitemap" in reason:
        return str(page.sitemap).lower() == "false"
    return any(key in reason for key in SEARCH_REASONS)


def _jekyll_fate(jekyll: JekyllSite, src: str) -> str:
    if src in jekyll.other_outputs:
        item = jekyll.other_outputs[src]
        return f"Jekyll wrote it as {item['output_ext'] or 'no extension'} at {item['url']}"
    if src in jekyll.not_written:
        return f"Jekyll did not write it (collection {jekyll.not_written[src]}: no output, unpublished or future)"
    return "Jekyll did not publish it"


def compare(jekyll: JekyllSite, cs: CsSite) -> Comparison:
    both = sorted(set(jekyll.pages) & set(cs.pages))
    only_jekyll: dict[str, str] = {}
    by_choice: dict[str, str] = {}
    errors = {nfc(str(e.get("source", ""))): e for e in cs.errors}
    for src in sorted(set(jekyll.pages) - set(cs.pages)):
        reason = cs.skipped.get(src)
        if reason is not None and any(k in reason.lower() for k in SEARCH_REASONS):
            if _choice_ok(reason, jekyll.pages[src]):
                by_choice[src] = reason
                continue
            only_jekyll[src] = f"skipped as {reason!r}, which Jekyll's front matter does not say"
        elif reason is not None:
            only_jekyll[src] = f"skipped: {reason}"
        elif src in errors:
            only_jekyll[src] = f"error line {errors[src].get('line')}: {errors[src].get('message')}"
        else:
            only_jekyll[src] = "not listed"
    only_cs = {src: _jekyll_fate(jekyll, src) for src in sorted(set(cs.pages) - set(jekyll.pages))}

    host = jekyll.url.rstrip("/")
    urls_equal, url_mismatches = 0, []
    anchors_total = anchors_found = 0
    anchor_mismatches, headings_missed, lang_mismatches = [], [], []
    for src in both:
        jk, page = jekyll.pages[src], cs.pages[src]
        want_path = unquote(jekyll.baseurl.rstrip("/") + jk.url)
        want_url = unquote(host + want_path) if host else want_path
        got_path, got_url = unquote(page.path), unquote(page.url)
        if got_path == want_path and got_url == want_url:
            urls_equal += 1
        elif got_path != want_path:
            url_mismatches.append((src, want_path, got_path))
        else:
            url_mismatches.append((src, want_url, got_url))
        seen: set[str] = set()
        for anchor in page.anchors:
            anchors_total += 1
            if anchor in jk.ids and anchor not in seen:
                anchors_found += 1
            else:
                anchor_mismatches.append((src, anchor + (" (repeated)" if anchor in seen else ""),
                                          jk.heading_ids))
            seen.add(anchor)
        headings_missed += [(src, hid) for hid in jk.heading_ids if hid not in seen]
        if jk.lang in ("fr", "en") and page.lang != jk.lang:
            lang_mismatches.append((src, jk.lang, page.lang))
    return Comparison(
        jekyll_pages=len(jekyll.pages), cs_pages=len(cs.pages), both=both, only_jekyll=only_jekyll,
        only_casesearch=only_cs, skipped_by_choice=by_choice, urls_equal=urls_equal,
        url_mismatches=url_mismatches, anchors_total=anchors_total, anchors_found=anchors_found,
        anchor_mismatches=anchor_mismatches, headings_missed=headings_missed,
        lang_mismatches=lang_mismatches)
