"""Shared fixtures: settings on tmp_path, a small French site, a built index, a CLI runner."""

from __future__ import annotations

import os
import shutil
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from casesearch.config import load_settings
from casesearch.indexer import reindex

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
CORPUS = SHARED / "corpus"
# CI sets it: tests that need ../shared/ fail instead of skipping when it is missing
REQUIRE_SHARED = os.environ.get("CASESEARCH_REQUIRE_SHARED") == "1"


def shared_missing(*paths: Path) -> str:
    """Why tests needing `paths` (under ../shared/) cannot run here ("" when they can);
    pytest.fail when CASESEARCH_REQUIRE_SHARED=1 (CI must never skip them)."""
    missing = [str(p) for p in paths if not p.exists()]
    if not missing:
        return ""
    message = (f"{', '.join(missing)} absent: the shared corpus and judged queries go in {SHARED}, beside the "
               "project folder (a plain clone has none)")
    if REQUIRE_SHARED:
        pytest.fail(message + "; CASESEARCH_REQUIRE_SHARED=1 requires them", pytrace=False)
    return message


def require_jekyll() -> None:
    """Skip the calling test when Debian's jekyll is missing; fail instead under CI or
    CASESEARCH_REQUIRE_JEKYLL=1, where the Jekyll oracles must run."""
    if shutil.which("jekyll"):
        return
    message = "Debian's jekyll is not installed (`make test` installs it: apt-get install jekyll)"
    if os.environ.get("CI") or os.environ.get("CASESEARCH_REQUIRE_JEKYLL") == "1":
        pytest.fail(message + "; CI / CASESEARCH_REQUIRE_JEKYLL=1 require it")
    pytest.skip(message)


def require_compiled(module: object, name: str, instead: str) -> object:
    """`module`, a part setup.py compiles (`name`); when it was not built (no C compiler at
    install), skip the calling test, or fail under CASESEARCH_REQUIRE_NATIVE=1 (CI).
    `instead`: what does its work then."""
    if module is not None:
        return module
    message = f"casesearch.{name} is not built (no C compiler at install): {instead}"
    if os.environ.get("CASESEARCH_REQUIRE_NATIVE") == "1":
        pytest.fail(message + "; CASESEARCH_REQUIRE_NATIVE=1 requires it", pytrace=False)
    pytest.skip(message)


PAGES = {
    "_posts/2020-03-02-donnees-de-sante.md": """\
        ---
        title: Les données de santé au service des patients
        date: 2020-03-02
        category: blogging
        tags: [santé, données]
        apercu: Comment ouvrir les données publiques de santé
        ---
        Introduction sur les hôpitaux.

        ## Contexte
        Les données publiques de santé sont rares.

        ## Résultats
        Un tableau de bord pour les hôpitaux et l’Assurance maladie.
        """,
    "_posts/2021-06-10-logiciel-libre.md": """\
        ---
        title: Le logiciel libre dans l'administration
        date: 2021-06-10
        category: blogging
        tags: [logiciel libre]
        ---
        ## Pourquoi
        Le code source ouvert permet la réutilisation par d'autres administrations.

        ## Comment
        Publier sur une forge publique et choisir une licence libre.
        """,
    "a-propos.md": """\
        ---
        title: À propos
        ---
        Ce site présente des projets d'innovation publique en Île-de-France.
        """,
}


def titled_site(base: Path, pages: dict[str, tuple[str, str]]):
    """Settings of a built site of `name.md` pages given as (title, body); ranking tests."""
    content = base / "content"
    content.mkdir()
    for name, (title, body) in pages.items():
        (content / f"{name}.md").write_text(f"---\ntitle: {title}\n---\n{body}\n", encoding="utf-8")
    settings = load_settings({"content_dir": content, "index_dir": base / "index"}, environ={})
    reindex(settings)
    return settings


def write_pages(content: Path, pages: dict[str, str]) -> None:
    for rel, text in pages.items():
        path = content / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")


@pytest.fixture
def site(tmp_path: Path) -> Path:
    content = tmp_path / "content"
    write_pages(content, PAGES)
    return content


@pytest.fixture
def settings(tmp_path: Path, site: Path):
    return load_settings({"content_dir": site, "index_dir": tmp_path / "index"}, environ={})


def build_site(base: Path, pages: dict[str, str]):
    """Write `pages` under base/content and index them into base/index: the settings."""
    write_pages(base / "content", pages)
    settings = load_settings({"content_dir": base / "content", "index_dir": base / "index"}, environ={})
    assert reindex(settings).published
    return settings


@pytest.fixture
def built(settings):
    report = reindex(settings)
    assert report.published
    return settings


@pytest.fixture
def repo_settings(tmp_path: Path):
    """The project's own content/ folder, indexed into tmp_path."""
    settings = load_settings({"content_dir": ROOT / "content", "index_dir": tmp_path / "index"}, environ={})
    reindex(settings)
    return settings


@pytest.fixture
def runner(monkeypatch) -> CliRunner:
    for var in ("CASESEARCH_CONTENT", "CASESEARCH_INDEX", "CASESEARCH_CONFIG"):
        monkeypatch.delenv(var, raising=False)
    return CliRunner()
