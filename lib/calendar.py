"""The deadlines as an iCalendar file (RFC 5545) that Outlook, Google Agenda or Thunderbird can import."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

PRODUCT_ID = "-//Passeport de prevention//Tableau de bord employeur//FR"
UID_DOMAIN = "passeport-prevention"
ALARM_DAYS_BEFORE = 7
MAX_LINE_OCTETS = 75
CRLF = "\r\n"

# RFC 5545 §3.3.11: TEXT allows no control character but HTAB; line breaks are written as « \n ».
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")


@dataclass(frozen=True)
class CalendarEvent:
    """One all-day deadline; `uid` is stable across exports so a re-import updates rather than duplicates."""

    uid: str
    day: date
    summary: str
    description: str
    category: str


def escape_text(value: str) -> str:
    """A TEXT value (RFC 5545 §3.3.11): `\\`, `;` and `,` escaped, line breaks as `\\n`, controls dropped."""
    escaped = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return _CONTROL.sub("", _LINE_BREAK.sub("\\\\n", escaped))


def fold_line(line: str) -> str:
    """A content line folded (RFC 5545 §3.1): at most 75 octets per physical line, continuations start with a
    space, and a UTF-8 character is never split between two lines."""
    pieces: list[str] = []
    current: list[str] = []
    size = 0
    limit = MAX_LINE_OCTETS
    for character in line:
        width = len(character.encode("utf-8"))
        if size + width > limit:
            pieces.append("".join(current))
            current, size, limit = [], 0, MAX_LINE_OCTETS - 1
        current.append(character)
        size += width
    pieces.append("".join(current))
    return (CRLF + " ").join(pieces)


def _day(value: date) -> str:
    return value.strftime("%Y%m%d")


def _event_lines(event: CalendarEvent, stamp: str) -> list[str]:
    summary = escape_text(event.summary)
    return [
        "BEGIN:VEVENT",
        f"UID:{escape_text(event.uid)}@{UID_DOMAIN}",
        f"DTSTAMP:{stamp}",
        f"DTSTART;VALUE=DATE:{_day(event.day)}",
        f"DTEND;VALUE=DATE:{_day(event.day + timedelta(days=1))}",
        f"SUMMARY:{summary}",
        f"DESCRIPTION:{escape_text(event.description)}",
        f"CATEGORIES:{escape_text(event.category)}",
        "TRANSP:TRANSPARENT",
        "BEGIN:VALARM",
        "ACTION:DISPLAY",
        f"DESCRIPTION:{summary}",
        f"TRIGGER:-P{ALARM_DAYS_BEFORE}D",
        "END:VALARM",
        "END:VEVENT",
    ]


def deadlines_ics(events: Sequence[CalendarEvent], *, calendar_name: str, generated_at: datetime) -> bytes:
    """The calendar's bytes: one all-day event per deadline, in day order, each with a reminder 7 days before.

    `generated_at` (time zone aware) becomes every event's DTSTAMP, in UTC: the same inputs give the same
    bytes. UTF-8, CRLF line ends, lines folded at 75 octets (RFC 5545 §3.1).
    """
    if generated_at.tzinfo is None or generated_at.utcoffset() is None:
        raise ValueError("generated_at doit porter un fuseau horaire (ex. datetime(..., tzinfo=UTC)).")
    uids = [event.uid for event in events]
    duplicated = sorted({uid for uid in uids if uids.count(uid) > 1})
    if duplicated:
        raise ValueError(f"Identifiants d'événement en double : {', '.join(duplicated)}.")
    stamp = generated_at.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    lines = [
        "BEGIN:VCALENDAR",
        f"PRODID:{PRODUCT_ID}",
        "VERSION:2.0",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{escape_text(calendar_name)}",
    ]
    for event in sorted(events, key=lambda item: (item.day, item.uid)):
        lines.extend(_event_lines(event, stamp))
    lines.append("END:VCALENDAR")
    return "".join(fold_line(line) + CRLF for line in lines).encode("utf-8")
