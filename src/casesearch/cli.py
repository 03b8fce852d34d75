"""The `casesearch` command: thin click commands; the only place errors become exit codes.

Exit codes: 0 done, 1 content errors under --strict (or another error), 2 usage,
3 safety check refused to publish, 4 another reindex is running.
"""

from __future__ import annotations

import functools
import html
import json
import re
import sys
from pathlib import Path
from typing import Any, Callable

import click

from . import __version__
from .config import SETTINGS, Settings, load_settings
from .errors import CasesearchError

EXIT_STRICT = 1


def _message(exc: CasesearchError) -> str:
    text = str(exc)
    return text if text.startswith("Error") else f"Error: {text}"


def _fail(exc: CasesearchError) -> None:
    click.echo(_message(exc), err=True)
    sys.exit(exc.exit_code)


def _help(name: str, note: str = "") -> str:
    """An option's help from the table of settings, with its default and variable."""
    setting = next(s for s in SETTINGS if s.name == name)
    extra = [note] if note else []
    extra += [f"default: {setting.default}"] if setting.default not in ("", []) else []
    extra += [f"env {setting.env}"] if setting.env else []
    return setting.help[:1].upper() + setting.help[1:] + (f" ({'; '.join(extra)})" if extra else "") + "."


def with_settings(command: Callable[..., Any]) -> Callable[..., Any]:
    """Add --content/--index/--config and pass `settings`; turn our errors into exit codes."""

    @click.option("--jekyll-config", "jekyll_config", help=_help("jekyll_config", "comma-separated"))
    @click.option("--config", "config_file", type=click.Path(dir_okay=False),
                  help="Configuration file (default: casesearch.toml near the content; env CASESEARCH_CONFIG).")
    @click.option("--index", "index_dir", type=click.Path(file_okay=False), help=_help("index_dir"))
    @click.option("--content", "content_dir", type=click.Path(file_okay=False), help=_help("content_dir"))
    @functools.wraps(command)
    def wrapper(content_dir: str | None, index_dir: str | None, config_file: str | None,
                jekyll_config: str | None, **kwargs: Any) -> Any:
        try:
            settings = load_settings({"content_dir": content_dir, "index_dir": index_dir,
                                      "config_file": config_file, "jekyll_config": jekyll_config})
            return command(settings, **kwargs)
        except CasesearchError as exc:
            _fail(exc)

    return wrapper


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="casesearch")
def main() -> None:
    """French-aware search for a Jekyll-style markdown site."""


@main.command()
@click.option("--full", is_flag=True, help="Rebuild everything instead of only changed pages.")
@click.option("--strict", is_flag=True, help="Publish nothing and exit 1 if any page fails.")
@click.option("--force", is_flag=True, help="Publish even if the new index lost over half of the pages.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@click.option("--quiet", "-q", is_flag=True, help="Print only errors and the summary line.")
@click.option("--export", "export_dir", type=click.Path(file_okay=False),
              help="Then write the static bundle of the index in this folder (as `casesearch export --out`).")
@click.option("--wait", "wait", type=click.FloatRange(min=0), is_flag=False, flag_value=600.0, default=0.0,
              metavar="[SECONDS]", help="Wait for a running reindex to end (at most SECONDS, default 600) "
                                        "instead of exiting 4: a publish hook loses no edit.")
@with_settings
def reindex(settings: Settings, full: bool, strict: bool, force: bool, as_json: bool, quiet: bool,
            export_dir: str | None, wait: float) -> None:
    """Build or update the index from the content folder, then publish it atomically."""
    from .export.bundle import export as write_bundle
    from .indexer import reindex as run

    bar = None
    progress: Callable[[int, int], None] | None = None
    if sys.stderr.isatty() and not (as_json or quiet):
        bar = click.progressbar(length=1, label="indexing", file=sys.stderr)

        def advance(done: int, total: int) -> None:
            bar.length = total
            bar.update(done - bar.pos)

        progress = advance
    try:
        report = run(settings, full=full, strict=strict, force=force, progress=progress, wait=wait)
    except CasesearchError as exc:
        if as_json:   # scripts reading stdout learn why nothing was published
            click.echo(json.dumps({"published": False, "error": str(exc), "exit_code": exc.exit_code},
                                  ensure_ascii=False, indent=2))
        raise
    finally:
        if bar is not None:
            bar.render_finish()
    exported = None
    if export_dir and not (strict and report.errors):
        exported = write_bundle(settings, Path(export_dir))
    if as_json:
        click.echo(json.dumps(report.to_dict() | ({"export": exported.to_dict()} if exported else {}),
                              ensure_ascii=False, indent=2))
    else:
        for error in report.errors:
            click.echo(_message(error), err=True)
        if report.reason and not quiet:
            click.echo(report.reason, err=True)
        click.echo(report.summary())
        if exported:
            click.echo(exported.summary())
    _check_synonyms(settings)
    if strict and report.errors:
        sys.exit(EXIT_STRICT)


@main.command()
@click.option("--all", "every", is_flag=True, help="Verify every kept generation, not only the live one.")
@click.option("--json", "as_json", is_flag=True, help="Print the verdicts as JSON.")
@with_settings
def check(settings: Settings, every: bool, as_json: bool) -> None:
    """Verify the live index (sizes and checksums of its files); exit 1 when it is damaged."""
    from .generations import check as verify

    problem, verdicts = verify(settings.index_dir, every=every)
    damaged = bool(problem) or not verdicts or any(v.problem for v in verdicts)
    if as_json:
        click.echo(json.dumps({"ok": not damaged, "current": problem or None,
                               "generations": [v.to_json() for v in verdicts]}, ensure_ascii=False, indent=2))
    else:
        if problem:
            click.echo(f"Error: {problem}", err=True)
        if not verdicts:
            click.echo(f"Error: no index generation in '{settings.index_dir}'", err=True)
        for v in verdicts:
            what = f"damaged: {v.problem}" if v.problem else f"ok, {v.pages} pages, {v.bytes / 1e6:.1f} MB"
            click.echo(f"{v.name}{' (live)' if v.live else ''}: {what}", err=bool(v.problem))
        if damaged:
            click.echo("Run `casesearch reindex`: it rebuilds what is damaged and repairs CURRENT.", err=True)
    sys.exit(1 if damaged else 0)


@main.command()
@click.option("--out", "out", type=click.Path(file_okay=False),
              help="Folder of the bundle (default: _site/search in the content folder, where Jekyll builds).")
@click.option("--check", "check_dir", type=click.Path(file_okay=False),
              help="Check the bundle in this folder (hashes, format, every file the entry names) and write nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@with_settings
def export(settings: Settings, out: str | None, check_dir: str | None, as_json: bool) -> None:
    """Write the live index as a static bundle (JSON files and casesearch.mjs) for a site with no server."""
    from .export import bundle

    if check_dir:
        problems = bundle.check(Path(check_dir))
        if as_json:
            click.echo(json.dumps({"ok": not problems, "problems": problems}, ensure_ascii=False, indent=2))
        else:
            for problem in problems:
                click.echo(f"Error: {problem}", err=True)
            click.echo(f"{check_dir}: {len(problems)} problem{'s' if len(problems) > 1 else ''}" if problems
                       else f"{check_dir}: ok")
        sys.exit(1 if problems else 0)
    report = bundle.export(settings, Path(out) if out else settings.content_dir / "_site" / "search")
    click.echo(json.dumps(report.to_dict(), ensure_ascii=False, indent=2) if as_json else report.summary())


# A query may start with -excluded: words click does not know as options are the query's
def _check_synonyms(settings: Settings) -> None:
    """Editors run reindex after a change: tell them now of a synonyms file searches cannot use."""
    from . import synonyms

    try:
        synonyms.load(settings.synonyms_file)
    except CasesearchError as exc:
        click.echo(f"Warning: {exc}; searches use the built-in synonyms only until it is fixed", err=True)


@main.command(context_settings={"ignore_unknown_options": True})
@click.argument("words", nargs=-1, required=True)
@click.option("--json", "as_json", is_flag=True, help="Print exactly the JSON body the API returns.")
@click.option("--limit", "per_page", type=int, default=10, show_default=True, help="Results per page (at most 50).")
@click.option("--page", type=int, default=1, show_default=True, help="Page of results.")
@click.option("--category", help="Only pages of this category.")
@click.option("--tag", help="Only pages with this tag.")
@click.option("--year", help="Only pages of this year.")
@click.option("--lang", help="Only pages in this language (fr, en).")
@click.option("--sort", type=click.Choice(["relevance", "date"]), default="relevance", show_default=True)
@with_settings
def search(settings: Settings, words: tuple[str, ...], as_json: bool, per_page: int, page: int,
           category: str | None, tag: str | None, year: str | None, lang: str | None, sort: str) -> None:
    """Search the index for WORDS (one quoted query or several words) and print ranked pages."""
    from .searcher import Filters, Searcher

    query = " ".join(words)
    searcher = Searcher(settings)
    try:
        result = searcher.search(query, page=page, per_page=per_page, sort=sort,
                                 filters=Filters(category=category, tag=tag, year=year, lang=lang).check())
    finally:
        searcher.close()
    if as_json:
        click.echo(json.dumps(result.to_dict(), ensure_ascii=False))
        return
    click.echo(f"{result.total} result(s) for {result.query!r} ({result.took_ms} ms)")
    if result.suggestion:
        click.echo(f"Did you mean: {result.suggestion}?")
    first = (page - 1) * per_page
    if result.total and not result.hits:
        click.echo(f"Page {page} is past the last result: results stop at page "
                   f"{(result.total - 1) // per_page + 1} with --limit {per_page}.")
    for rank, hit in enumerate(result.hits, first + 1):
        click.echo(f"\n{rank}. {_terminal(hit.title_html)}  [{hit.score}]")
        click.echo(f"   {hit.url}")
        click.echo(f"   {_terminal(hit.snippet_html)}")
        for section in hit.sections:
            click.echo(f"   § {section.heading} -> {section.url}")


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print pages, skipped files and errors as JSON.")
@with_settings
def pages(settings: Settings, as_json: bool) -> None:
    """List every page the index would hold (source, URL, language, title, section anchors)
    and every file left out, with the reason."""
    from .survey import survey

    found = survey(settings)
    if as_json:
        click.echo(json.dumps(found.to_dict(), ensure_ascii=False, indent=1))
        return
    for doc in found.documents:
        click.echo(f"{doc.source}\t{doc.url}\t{doc.lang}\t{doc.title}")
        for section in doc.sections:
            if section.anchor:
                click.echo(f"\t#{section.anchor}\t{section.heading}")
    for skipped in found.skipped:
        click.echo(f"skipped\t{skipped.source}\t{skipped.reason}")
    for error in found.errors:
        click.echo(_message(error), err=True)
    click.echo(f"{len(found.documents)} pages, {len(found.skipped)} skipped, {len(found.errors)} failed")


@main.command()
@click.argument("query")
@click.option("--top", type=click.IntRange(1, 50), default=5, show_default=True, help="Pages to explain.")
@click.option("--json", "as_json", is_flag=True, help="Print the explanation as JSON.")
@with_settings
def explain(settings: Settings, query: str, top: int, as_json: bool) -> None:
    """Show how QUERY is analysed and what each field gave the top pages."""
    from .searcher import Searcher

    searcher = Searcher(settings)
    try:
        report = searcher.explain(query, top=top)
    finally:
        searcher.close()
    if as_json:
        click.echo(json.dumps(report, ensure_ascii=False, indent=2))
        return
    for word in report["words"]:
        click.echo(f"{word['typed']!r}: stems {word['french']} (English pages: {word['english']}), "
                   f"exact {word['exact']}, family {word['family']}")
    for span in report["synonyms"]:
        click.echo(f"synonyms: {' '.join(span['words'])} = {' = '.join(span['also'])}")
    if report["excluded"]:
        click.echo(f"excluded: {report['excluded']}")
    if report["suggestion"]:
        click.echo(f"suggestion: {report['suggestion']}")
    click.echo(f"{report['total']} page(s)")
    for rank, hit in enumerate(report["hits"], 1):
        click.echo(f"\n{rank}. {hit['title']}  score {hit['score']} (page prior {hit['prior']})  {hit['source']}")
        for part in hit["parts"]:
            click.echo(f"   {part['word']:<16} {part['field']:<9} {part['term']:<18} {part['score']:8.3f}  {part['kind']}")
        for factor in hit["factors"]:
            click.echo(f"   x {factor['factor']:.4f}  {factor['name']}")


def _terminal(marked: str) -> str:
    """<mark> to bold on a terminal, plain text otherwise."""
    styled = sys.stdout.isatty()
    parts = re.split(r"</?mark>", marked)
    return "".join(click.style(html.unescape(p), bold=True) if i % 2 and styled else html.unescape(p)
                   for i, p in enumerate(parts))


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True, help="Port to listen on.")
@click.option("--workers", type=click.IntRange(1, 64), default=2, show_default=True,
              help="Worker processes (each holds its own searcher).")
@click.option("--timeout", type=click.IntRange(1, 3600), default=30, show_default=True,
              help="Seconds before a stuck worker is killed and replaced.")
@with_settings
def serve(settings: Settings, host: str, port: int, workers: int, timeout: int) -> None:
    """Serve the search API and page with gunicorn, building the index first if there is none
    (or if another version of casesearch built it)."""
    import os

    from gunicorn.app.base import BaseApplication

    from .generations import outdated
    from .indexer import reindex as build

    if why := outdated(settings.index_dir):
        click.echo(f"{why}: building it from '{settings.content_dir}'", err=True)
        report = build(settings)
        for error in report.errors:
            click.echo(_message(error), err=True)
        click.echo(report.summary(), err=True)
    # Workers build their app as `wsgi:app` does, from the environment.
    os.environ["CASESEARCH_CONTENT"] = str(settings.content_dir)
    os.environ["CASESEARCH_INDEX"] = str(settings.index_dir)
    if settings.config_file:
        os.environ["CASESEARCH_CONFIG"] = str(settings.config_file)
    if settings.jekyll_config:
        os.environ["CASESEARCH_JEKYLL_CONFIG"] = ",".join(map(str, settings.jekyll_config))

    class Server(BaseApplication):
        def load_config(self) -> None:
            from .web import forked

            options = {"bind": f"[{host}]:{port}" if ":" in host else f"{host}:{port}", "workers": workers,
                       "timeout": timeout, "accesslog": "-", "proc_name": "casesearch",
                       "preload_app": True,   # as gunicorn.conf.py: the workers share one opening
                       "post_fork": forked}   # and each watches for new generations from its start
            if "control_socket_disable" in self.cfg.settings:   # gunicorn 27+: one socket per user otherwise
                options["control_socket_disable"] = True
            for key, value in options.items():
                self.cfg.set(key, value)

        def load(self) -> Any:
            from .web import create_app

            return create_app()

    click.echo(f"casesearch: serving on http://{host}:{port}/ (try /api/search?q=open+data); Ctrl-C stops",
               err=True)
    Server().run()


if __name__ == "__main__":  # pragma: no cover
    main()
