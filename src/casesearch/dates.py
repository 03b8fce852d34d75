"""Dates as Jekyll pages write them: front-matter dates with or without a time and zone,
and the date in a file's name (`2020-01-15-titre.md`)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Callable
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .errors import ContentError

__all__ = ["DATE_FILENAME", "FileDate", "file_date", "in_paris", "parse_date", "parse_jekyll_date"]

_DATE = re.compile(
    r"(?:(\d{4})[-/](\d{1,2})[-/](\d{1,2})|(\d{1,2})/(\d{1,2})/(\d{4}))"
    r"(?:(?:[Tt]|[ \t]+)(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,]\d+)?)?)?"
    r"[ \t]*(Z|[A-Za-z]{2,5}|[+-]\d{2}(?::?\d{2})?)?")
_ZONES = {"Z": 0, "UTC": 0, "UT": 0, "GMT": 0, "WET": 0, "WEST": 60, "CET": 60, "CEST": 120, "EET": 120, "EEST": 180}
try:
    _PARIS: Any = ZoneInfo("Europe/Paris")
except ZoneInfoNotFoundError:  # no tz database on the machine: the EU summer-time rule
    _PARIS = None


def in_paris(local: datetime) -> datetime:
    """A local time of the site (Jekyll's default zone here) made aware."""
    if _PARIS is not None:
        return local.replace(tzinfo=_PARIS)

    def last_sunday(month: int) -> datetime:
        day = datetime(local.year, month, 31)
        return day - timedelta(days=(day.weekday() + 1) % 7)
    summer = last_sunday(3) + timedelta(hours=2) <= local < last_sunday(10) + timedelta(hours=3)
    return local.replace(tzinfo=timezone(timedelta(hours=2 if summer else 1)))


def parse_date(text: str) -> datetime:
    """A front-matter date as an aware datetime; ValueError with the reason when invalid."""
    m = _DATE.fullmatch(text.strip())
    if not m:
        raise ValueError("not a date")
    y, mo, d, d2, mo2, y2, hh, mi, ss, zone = m.groups()
    local = datetime(int(y or y2), int(mo or mo2), int(d or d2), int(hh or 0), int(mi or 0), int(ss or 0))
    if zone is None:
        return in_paris(local)
    if zone[0] in "+-":
        digits = zone[1:].replace(":", "")
        minutes = int(digits[:2]) * 60 + int(digits[2:] or 0)
        return local.replace(tzinfo=timezone(timedelta(minutes=minutes if zone[0] == "+" else -minutes)))
    if zone.upper() not in _ZONES:
        raise ValueError(f"unknown time zone '{zone}'")
    return local.replace(tzinfo=timezone(timedelta(minutes=_ZONES[zone.upper()])))


# Ruby's Time.parse knows only these zone names (Time::ZoneOffset); any other name, such
# as CEST, is ignored and the time read in the local zone: Jekyll's URLs follow that
_RUBY_ZONES = {"UTC": 0, "Z": 0, "UT": 0, "GMT": 0, "EST": -300, "EDT": -240, "CST": -360, "CDT": -300,
               "MST": -420, "MDT": -360, "PST": -480, "PDT": -420}


def parse_jekyll_date(text: str, local: Callable[[datetime], datetime]) -> datetime:
    """A date as Jekyll's Time.parse reads it for URLs: `local` makes a zone-less time aware."""
    m = _DATE.fullmatch(text.strip())
    if not m:
        raise ValueError("not a date")
    y, mo, d, d2, mo2, y2, hh, mi, ss, zone = m.groups()
    naive = datetime(int(y or y2), int(mo or mo2), int(d or d2), int(hh or 0), int(mi or 0), int(ss or 0))
    if zone and zone[0] in "+-":
        return parse_date(text)
    minutes = _RUBY_ZONES.get((zone or "").upper())
    if minutes is None:
        return local(naive)
    return naive.replace(tzinfo=timezone(timedelta(minutes=minutes)))


# document.rb's DATE_FILENAME_MATCHER: posts need it; any document takes its date from it
DATE_FILENAME = re.compile(r"^(?:.+/)*?(\d{2,4}-\d{1,2}-\d{1,2})-([^/]*)(\.[^.]+)$")


@dataclass(frozen=True)
class FileDate:
    """What a dated file's name says: its date and, after it, its slug."""
    slug: str
    date: datetime | None
    error: str | None = None  # why the date in the name is not a date ('month must be in 1..12')

    def checked(self, source: str) -> datetime | None:
        """The date, or the error a page with no front-matter date gets for an impossible one."""
        if self.error:
            raise ContentError(source, f"invalid date in the file name ({self.error}): rename the file "
                                       "YYYY-MM-DD-slug with a real date, or set 'date' in the front matter")
        return self.date


def file_date(path: str, local: Callable[[datetime], datetime]) -> FileDate | None:
    """The date and slug of a file's name, as document.rb reads them; None when the name
    has no date. A year of two digits is Ruby's Time.parse's (69-99: 19xx, else 20xx); `local`
    makes the midnight the name says aware, in the zone the caller reads dates in."""
    m = DATE_FILENAME.match(path)
    if not m:
        return None
    date_text, slug = m.group(1), m.group(2).rstrip(".")
    year_text, month, day = date_text.split("-")
    year = int(year_text)
    if len(year_text) == 2:
        year += 2000 if year < 69 else 1900
    try:
        return FileDate(slug, local(datetime(year, int(month), int(day))))
    except ValueError as exc:
        return FileDate(slug, None, str(exc))
