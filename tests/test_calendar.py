"""The deadlines calendar (.ics, RFC 5545): golden bytes, folding and escaping."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lib.calendar import CalendarEvent, deadlines_ics, escape_text, fold_line

GOLDEN = Path(__file__).resolve().parent / "golden"
GENERATED_AT = datetime(2026, 11, 23, 8, 30, tzinfo=ZoneInfo("Europe/Paris"))

CARENCE = CalendarEvent(
    uid="carence-2027-03-31",
    day=date(2027, 3, 31),
    summary="Carence : 3 formations à déclarer (ADF, JDR)",
    description="Dernier jour pour déclarer en carence.\nFichier : carence_ADF; dossier C:\\Passeport",
    category="Carence",
)
VERIFICATION = CalendarEvent(
    uid="verification-2026-12-31",
    day=date(2026, 12, 31),
    summary="Vérification des déclarations des OF",
    description=(
        "Vérifiez d'ici le 31/12/2026 les déclarations de 3 OF; passé ce délai, elles sont réputées "
        "vérifiées (art. 7-I, décret 2022-1712).\nÀ faire dans l'onglet « Vérifier »."
    ),
    category="Vérification",
)


def unfolded(data: bytes) -> list[str]:
    """The content lines of a calendar, unfolded as RFC 5545 §3.1 says a reader does."""
    return data.replace(b"\r\n ", b"").decode("utf-8").split("\r\n")[:-1]


def test_the_calendar_is_written_byte_for_byte_as_the_hand_written_golden_file() -> None:
    data = deadlines_ics(
        [CARENCE, VERIFICATION],
        calendar_name="Passeport de prévention – échéances",
        generated_at=GENERATED_AT,
    )
    assert data == (GOLDEN / "echeances.ics").read_bytes()


def test_the_same_events_in_any_order_give_the_same_bytes() -> None:
    first = deadlines_ics([CARENCE, VERIFICATION], calendar_name="x", generated_at=GENERATED_AT)
    second = deadlines_ics([VERIFICATION, CARENCE], calendar_name="x", generated_at=GENERATED_AT)
    assert first == second


@pytest.mark.parametrize(
    ("generated_at", "stamp"),
    [
        (datetime(2026, 11, 23, 8, 30, tzinfo=ZoneInfo("Europe/Paris")), "DTSTAMP:20261123T073000Z"),
        (datetime(2026, 7, 1, 0, 15, tzinfo=ZoneInfo("Europe/Paris")), "DTSTAMP:20260630T221500Z"),
        (datetime(2026, 7, 1, 9, 0, 5, tzinfo=UTC), "DTSTAMP:20260701T090005Z"),
        (datetime(2026, 7, 1, 9, 0, tzinfo=timezone(timedelta(hours=-4))), "DTSTAMP:20260701T130000Z"),
    ],
)
def test_the_stamp_is_the_generation_time_in_utc(generated_at: datetime, stamp: str) -> None:
    lines = unfolded(deadlines_ics([CARENCE], calendar_name="x", generated_at=generated_at))
    assert stamp in lines


def test_a_generation_time_without_time_zone_is_refused() -> None:
    with pytest.raises(ValueError, match="fuseau horaire"):
        deadlines_ics([CARENCE], calendar_name="x", generated_at=datetime(2026, 11, 23, 8, 30))


def test_two_events_with_one_uid_are_refused() -> None:
    with pytest.raises(ValueError, match="en double : carence-2027-03-31"):
        deadlines_ics([CARENCE, CARENCE], calendar_name="x", generated_at=GENERATED_AT)


@pytest.mark.parametrize(
    ("day", "start", "end"),
    [
        (date(2026, 12, 31), "DTSTART;VALUE=DATE:20261231", "DTEND;VALUE=DATE:20270101"),
        (date(2028, 2, 28), "DTSTART;VALUE=DATE:20280228", "DTEND;VALUE=DATE:20280229"),
        (date(2026, 6, 30), "DTSTART;VALUE=DATE:20260630", "DTEND;VALUE=DATE:20260701"),
    ],
)
def test_an_event_lasts_its_whole_day(day: date, start: str, end: str) -> None:
    event = CalendarEvent("a", day, "s", "d", "c")
    lines = unfolded(deadlines_ics([event], calendar_name="x", generated_at=GENERATED_AT))
    assert lines[lines.index(start) + 1] == end


def test_an_empty_calendar_is_still_a_calendar() -> None:
    data = deadlines_ics([], calendar_name="Vide", generated_at=GENERATED_AT)
    assert data == (
        b"BEGIN:VCALENDAR\r\n"
        b"PRODID:-//Passeport de prevention//Tableau de bord employeur//FR\r\n"
        b"VERSION:2.0\r\n"
        b"CALSCALE:GREGORIAN\r\n"
        b"METHOD:PUBLISH\r\n"
        b"X-WR-CALNAME:Vide\r\n"
        b"END:VCALENDAR\r\n"
    )


@pytest.mark.parametrize(
    ("text", "escaped"),
    [
        ("plain", "plain"),
        ("a;b", "a\\;b"),
        ("a,b", "a\\,b"),
        ("C:\\dossier", "C:\\\\dossier"),
        ("ligne 1\nligne 2", "ligne 1\\nligne 2"),
        ("ligne 1\r\nligne 2", "ligne 1\\nligne 2"),
        ("ligne 1\rligne 2", "ligne 1\\nligne 2"),
        ("\\n", "\\\\n"),
        ("deux points: ok « guillemets »", "deux points: ok « guillemets »"),
        ("tab\there", "tab\there"),
        ("bip\x07 nul\x00", "bip nul"),
        ("fin;\\,\n", "fin\\;\\\\\\,\\n"),
    ],
)
def test_text_values_are_escaped_as_rfc_5545_says(text: str, escaped: str) -> None:
    assert escape_text(text) == escaped


@pytest.mark.parametrize(
    ("line", "folded"),
    [
        ("A" * 75, "A" * 75),
        ("A" * 76, "A" * 75 + "\r\n A"),
        ("A" * 75 + "B" * 74 + "C", "A" * 75 + "\r\n " + "B" * 74 + "\r\n C"),
        # « é » is two octets: at octets 75–76 it goes whole to the next line.
        ("A" * 74 + "é", "A" * 74 + "\r\n é"),
        ("A" * 73 + "é", "A" * 73 + "é"),
        # « € » is three octets, « 𝄞 » four: never cut inside one.
        ("A" * 73 + "€B", "A" * 73 + "\r\n €B"),
        ("A" * 72 + "€B", "A" * 72 + "€\r\n B"),
        ("A" * 72 + "𝄞", "A" * 72 + "\r\n 𝄞"),
        ("", ""),
    ],
)
def test_long_lines_are_folded_at_75_octets_without_cutting_a_character(line: str, folded: str) -> None:
    assert fold_line(line) == folded


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=400))
def test_folding_keeps_every_physical_line_within_75_octets_and_unfolds_to_the_same_text(text: str) -> None:
    folded = fold_line("DESCRIPTION:" + text).encode("utf-8")
    assert all(len(line) <= 75 for line in folded.split(b"\r\n"))
    assert folded.replace(b"\r\n ", b"").decode("utf-8") == "DESCRIPTION:" + text


@given(st.text(max_size=200))
def test_any_summary_survives_escaping_as_one_content_line(text: str) -> None:
    event = CalendarEvent("u", date(2026, 1, 1), text, "", "")
    lines = unfolded(deadlines_ics([event], calendar_name="x", generated_at=GENERATED_AT))
    summary = next(line for line in lines if line.startswith("SUMMARY:"))
    assert "\n" not in summary and "\r" not in summary
    assert lines[-1] == "END:VCALENDAR"
