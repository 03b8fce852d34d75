"""What a build would index, read without building: the report behind `casesearch pages`.

Every page of the site as `content.load_page` reads it, every file left out with its
reason, and every error, so that a site's author sees the whole picture in one run.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from .config import Settings
from .content import Document, load_page
from .errors import ContentError
from .reader import read_files
from .site import Skipped, load_site

__all__ = ["Survey", "survey"]


@dataclass
class Survey:
    """What a build would index: documents, skipped files and their reasons, errors."""
    documents: list[Document]
    skipped: list[Skipped]
    errors: list[ContentError]

    def to_dict(self) -> dict[str, Any]:
        return {
            "pages": [{"source": d.source, "url": d.url, "path": urlsplit(d.url).path, "lang": d.lang,
                       "title": d.title, "anchors": [s.anchor for s in d.sections if s.anchor]}
                      for d in self.documents],
            "skipped": [{"source": s.source, "reason": s.reason} for s in self.skipped],
            "errors": [{"source": e.source, "line": e.line, "message": e.message} for e in self.errors],
        }


def survey(settings: Settings) -> Survey:
    """Read every page of the site as a build would, without building."""
    site = load_site(settings)
    found = read_files(settings, site)
    out = Survey([], list(found.skipped), list(found.errors))
    for page in found.pages:
        try:
            loaded = load_page(page, settings, site=site)
        except ContentError as exc:
            out.errors.append(exc)
            continue
        (out.documents if isinstance(loaded, Document) else out.skipped).append(loaded)
    out.skipped.sort(key=lambda s: s.source)
    return out
