"""One statement of each rule the dashboard, the weekly report and the calendar share (lib/digest.py)."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import pytest

from lib import digest, report, settings, ui
from lib.__main__ import _report_inputs
from lib.lists import ListContext
from lib.statuses import CARENCE_TO_DECLARE, INTERNAL_TO_DECLARE, VALIDITY_LABELS, validity_status
from lib.store import Store
from lib.store.lists import StoreAsker

DAY = date(2026, 11, 23)


@pytest.mark.parametrize(
    ("days_left", "horizon", "label"),
    [
        (-1, 90, "expirée"),
        (0, 90, "expire bientôt"),
        (90, 90, "expire bientôt"),
        (91, 90, "valide"),
        (31, 30, "valide"),
    ],
)
def test_validity_label_follows_the_chosen_horizon(days_left: int, horizon: int, label: str) -> None:
    assert list(digest.validity_labels(pd.Series([days_left]), horizon)) == [label]


def test_validity_without_end_has_no_expiry() -> None:
    assert list(digest.validity_labels(pd.Series([None], dtype="Int64"), 90)) == ["sans échéance"]


def test_validity_labels_are_those_of_lib_statuses_for_every_day() -> None:
    days = list(range(-3, 130)) + [None]
    labels = digest.validity_labels(pd.Series(days, dtype="Int64", index=range(10, 10 + len(days))), 60)
    expected = [
        validity_status(None if d is None else DAY + timedelta(days=d), today=DAY, horizon_days=60).label for d in days
    ]
    assert list(labels) == expected
    assert list(labels.index) == list(range(10, 10 + len(days)))
    assert set(digest.VALIDITY_STATES) == set(VALIDITY_LABELS.values())


def _lines(rows: list[tuple[bool, str, str | None, date | None, date]]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "concerned": [r[0] for r in rows],
            "status": [r[1] for r in rows],
            "last_action": pd.Series([r[2] for r in rows], dtype="object"),
            "deemed_verified_on": pd.to_datetime(pd.Series([r[3] for r in rows])),
            "first_received_on": pd.to_datetime(pd.Series([r[4] for r in rows])),
        }
    )


def test_since_last_week_counts_only_lines_that_became_deemed_verified_in_the_seven_days() -> None:
    lines = _lines(
        [
            (True, "deemed_verified", None, DAY - timedelta(days=2), DAY - timedelta(days=1)),  # counted
            (True, "deemed_verified", None, DAY - timedelta(days=7), DAY - timedelta(days=7)),  # the day before
            (True, "deemed_verified", None, DAY, DAY - timedelta(days=6)),  # today: counted
            (False, "deemed_verified", None, DAY - timedelta(days=1), DAY),  # another employer's
            # Its deadline closed before the employer's space opened: not « réputée vérifiée » (the weekly report
            # listed it, the dashboard did not).
            (True, "closed_before_employer_space", None, DAY - timedelta(days=3), DAY - timedelta(days=30)),
            (True, "verified", "accepted", DAY - timedelta(days=3), DAY - timedelta(days=30)),
        ]
    )
    since = report.last_week(DAY)
    assert since == DAY - timedelta(days=7)
    assert list(report.newly_deemed_verified(lines, since, DAY)) == [True, False, True, False, False, False]
    assert list(report.received(lines, since, DAY)) == [True, False, True, True, False, False]


def _asker(store: Store, day: date) -> StoreAsker:
    return store.asker(ListContext(today=day, horizon_days=settings.preferences(store).horizon_days))


def _whole(store: Store, name: str, day: date) -> pd.DataFrame:
    """A whole workflow list, asked the old way: the oracle the asked numbers are checked against."""
    prefs = settings.preferences(store)
    return store.workflow(
        name, rules=settings.active_rules(store), today=day, tolerance_days=prefs.tolerance_days,
        horizon_days=prefs.horizon_days,
    )  # fmt: skip


@pytest.mark.usefixtures("fresh_streamlit_caches")
def test_the_dashboard_and_the_weekly_report_agree_on_what_changed_since_last_week(demo_db: Path) -> None:
    store = Store(demo_db)
    today = ui.today()
    lines = _whole(store, "of_declarations", today)
    undecided = lines[lines["concerned"] & lines["last_action"].isna()]
    # The first day some undecided lines become « réputées vérifiées » after the demo's day.
    day = pd.Timestamp(
        undecided.loc[undecided["deemed_verified_on"] > pd.Timestamp(today), "deemed_verified_on"].min()
    ).date()
    prefs = settings.preferences(store)
    inputs = _report_inputs(store, prefs, day, report.last_week(day))
    numbers = digest.dashboard_summary(_asker(store, day), day)
    weekly = report.build_report(inputs, today=day, since=report.last_week(day), rule_set="test")
    assert numbers.deemed == weekly["counts"]["newly_deemed_verified"]
    assert numbers.opened == weekly["counts"]["new_carences"]
    assert numbers.deemed > 0  # the comparison means something
    # Counted from the whole lists, not by the code under test.
    lines = _whole(store, "of_declarations", day)
    start, end = pd.Timestamp(day - timedelta(days=7)), pd.Timestamp(day)
    deemed = lines[
        lines["concerned"]
        & (lines["status"] == "deemed_verified")
        & (lines["deemed_verified_on"] > start)
        & (lines["deemed_verified_on"] <= end)
    ]
    assert numbers.deemed == len(deemed)
    assert numbers.received == int(((lines["first_received_on"] > start) & (lines["first_received_on"] <= end)).sum())


@pytest.mark.usefixtures("fresh_streamlit_caches")
def test_the_pages_and_the_commands_assemble_the_same_report_inputs(demo_db: Path) -> None:
    store = Store(demo_db)
    day = ui.today()
    from_cli = _report_inputs(store, settings.preferences(store), day, report.last_week(day))
    from_pages = ui._report_inputs()
    for field in ("of_declarations", "expected", "internal", "validities"):
        pd.testing.assert_frame_equal(getattr(from_pages, field), getattr(from_cli, field), obj=field)
    assert from_pages.to_do == from_cli.to_do
    assert len(from_cli.validities) > 0
    content, count = digest.calendar_ics(from_cli, today=day, generated_at=pd.Timestamp("2026-11-23T08:00Z"))
    assert count == len(report.deadline_events(from_pages, today=day)) > 0
    assert content.count(b"BEGIN:VEVENT") == count


@pytest.mark.parametrize("day", [date(2026, 11, 23), date(2026, 12, 7), date(2027, 1, 15), date(2027, 3, 2)])
def test_the_report_and_the_calendar_from_asked_rows_are_those_of_the_whole_lists(
    demo_store_file: Path, day: date
) -> None:
    """Asking only the rows a section needs changes nothing: the report and the .ics are byte for byte those
    built from the whole lists."""
    store = Store(demo_store_file)
    whole = report.ReportInputs(
        *(_whole(store, n, day) for n in ("of_declarations", "expected_trainings", "internal_trainings", "validities"))
    )
    prefs = settings.preferences(store)
    for since in (report.last_week(day), day - timedelta(days=40)):
        asked = _report_inputs(store, prefs, day, since)
        assert len(asked.of_declarations) < len(whole.of_declarations)  # not the whole lists
        built = [
            report.build_report(inputs, today=day, since=since, rule_set="r", horizon_days=prefs.horizon_days)
            for inputs in (whole, asked)
        ]
        assert built[0] == built[1]
        assert report.render_markdown(built[0], max_items=10**6) == report.render_markdown(built[1], max_items=10**6)
    stamp = pd.Timestamp("2026-11-23T08:00Z")
    assert digest.calendar_ics(whole, today=day, generated_at=stamp) == digest.calendar_ics(
        asked, today=day, generated_at=stamp
    )


def _old_summary(store: Store, day: date) -> dict[str, object]:
    """The dashboard's numbers computed from the whole lists in pandas (the statement before issue 13)."""
    lines, expected, internal, validities = (
        _whole(store, n, day) for n in ("of_declarations", "expected_trainings", "internal_trainings", "validities")
    )
    today = pd.Timestamp(day)
    soon = today + pd.Timedelta(days=30)
    to_verify = lines.loc[lines["concerned"] & (lines["status"] == "to_verify")]
    carence = expected.loc[expected["status"].isin(CARENCE_TO_DECLARE), "due_on"]
    internal_due = internal.loc[internal["status"].isin(INTERNAL_TO_DECLARE), "due_on"]
    current = validities.loc[validities["is_latest"] & ~(validities["exit_date"] < today)]
    days_left = current["days_left"]
    since = pd.Timestamp(report.last_week(day))
    ends = current["effective_validity_end"]
    due = pd.concat([to_verify["due_on"], carence, internal_due]).dropna()
    return {
        "to_verify": (len(to_verify), digest.nearest(to_verify["due_on"])),
        "carence": (len(carence), digest.nearest(carence)),
        "internal": (len(internal_due), digest.nearest(internal_due)),
        "expiring_30": (
            int(((days_left >= 0) & (days_left <= 30)).sum()),
            digest.nearest(ends[(days_left >= 0) & (days_left <= 30)]),
        ),
        "expiring_90": (
            int(((days_left >= 0) & (days_left <= 90)).sum()),
            digest.nearest(ends[(days_left >= 0) & (days_left <= 90)]),
        ),
        "expired": (int((days_left < 0).sum()), None),
        "with_discrepancies": int((to_verify["discrepancies"] != "").sum()),
        "due_soon": {
            "verification": int((to_verify["due_on"] <= soon).sum()),
            "carence": int((carence <= soon).sum()),
            "internal": int((internal_due <= soon).sum()),
        },
        "received": int(((lines["first_received_on"] > since) & (lines["first_received_on"] <= today)).sum()),
        "charted_deadlines": int((due <= today + pd.Timedelta(days=digest.CHART_WEEKS_DAYS)).sum()),
        "charted_ends": int(((ends >= today) & (ends <= today + pd.Timedelta(days=digest.CHART_MONTHS_DAYS))).sum()),
        "overdue": bool((to_verify["due_on"] < today).any() or (carence < today).any()),
    }


@pytest.mark.parametrize("day", [date(2026, 11, 23), date(2026, 12, 7), date(2027, 1, 15), date(2027, 6, 1)])
def test_the_dashboard_summary_asked_in_sql_counts_what_the_whole_lists_hold(demo_store_file: Path, day: date) -> None:
    store = Store(demo_store_file)
    numbers = digest.dashboard_summary(_asker(store, day), day)
    expected = _old_summary(store, day)
    assert numbers.cards == {card: expected[card] for card in numbers.cards}
    assert numbers.with_discrepancies == expected["with_discrepancies"]
    assert numbers.due_soon == expected["due_soon"]
    assert numbers.received == expected["received"] == int(numbers.per_of["lignes"].sum())
    charted = 0 if numbers.per_week is None else int(numbers.per_week["Nombre"].sum())
    assert charted == expected["charted_deadlines"]
    assert (0 if numbers.per_month is None else int(numbers.per_month["Nombre"].sum())) == expected["charted_ends"]
    assert numbers.overdue == expected["overdue"]
    assert numbers.cards["to_verify"][0] > 0 or day > date(2027, 1, 1)  # the comparison means something


def test_the_demo_day_has_declarations_with_discrepancies_to_point_at(demo_store_file: Path) -> None:
    numbers = digest.dashboard_summary(_asker(Store(demo_store_file), DAY), DAY)
    assert 0 < numbers.with_discrepancies < numbers.cards["to_verify"][0]


def test_the_html_report_escapes_what_files_brought_and_prints_on_a4() -> None:
    hostile = "<script>alert(1)</script> & Cie"
    item = {"what": f"Vérifier {hostile}", "who": hostile, "site": hostile, "due_on": "2026-12-01", "status": ""}
    data = {
        "today": "2026-11-23", "since": "2026-11-16", "rule_set": "décret <b>", "horizon_days": 90,
        "per_establishment": {hostile: dict.fromkeys(report.TITLES, 1)},
        "sections": {key: [item] if key == "due_30_days" else [] for key in report.TITLES},
        "to_do": {kind: {"total": 3, "due_30_days": 1} for kind in report.TO_DO_KINDS},
    }  # fmt: skip
    page = report.render_html(data)
    assert "<script>" not in page and "<b>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; Cie" in page
    assert "@page { size: A4 landscape" in page
    assert "<h2>À faire dans les 30 jours (1)</h2>" in page
    assert page.count("<h2>") == 2 + len(report.TITLES)
    assert "<td>01/12/2026</td>" not in page and '<td class="d">01/12/2026</td>' in page
    assert "<td>—</td>" in page  # an empty status reads « — », never « None »
    assert "None" not in page and "nan" not in page
