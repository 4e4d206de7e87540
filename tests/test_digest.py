"""One statement of each rule the dashboard, the weekly report and the calendar share (lib/digest.py)."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import pytest

from lib import digest, report, settings, ui
from lib.__main__ import _report_inputs
from lib.statuses import VALIDITY_LABELS, validity_status
from lib.store import Store

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


def _demo_inputs(store: Store, day: date) -> report.ReportInputs:
    prefs = settings.preferences(store)
    return _report_inputs(store, settings.active_rules(store), prefs, day)


@pytest.mark.usefixtures("fresh_streamlit_caches")
def test_the_dashboard_and_the_weekly_report_agree_on_what_changed_since_last_week(demo_db: Path) -> None:
    store = Store(demo_db)
    today = ui.today()
    lines = _demo_inputs(store, today).of_declarations
    undecided = lines[lines["concerned"] & lines["last_action"].isna()]
    # The first day some undecided lines become « réputées vérifiées » after the demo's day.
    day = pd.Timestamp(
        undecided.loc[undecided["deemed_verified_on"] > pd.Timestamp(today), "deemed_verified_on"].min()
    ).date()
    inputs = _demo_inputs(store, day)
    numbers = digest.dashboard_summary(inputs, day)
    weekly = report.build_report(inputs, today=day, since=report.last_week(day), rule_set="test")
    assert numbers.deemed == weekly["counts"]["newly_deemed_verified"]
    assert numbers.opened == weekly["counts"]["new_carences"]
    assert numbers.deemed > 0  # the comparison means something
    # Counted from the lists themselves, not by the code under test.
    lines = inputs.of_declarations
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
    from_cli = _demo_inputs(store, day)
    from_pages = ui._report_inputs()
    for field in ("of_declarations", "expected", "internal", "validities"):
        pd.testing.assert_frame_equal(getattr(from_pages, field), getattr(from_cli, field), obj=field)
    assert len(from_cli.of_declarations) > 0
    content, count = digest.calendar_ics(from_cli, today=day, generated_at=pd.Timestamp("2026-11-23T08:00Z"))
    assert count == len(report.deadline_events(from_pages, today=day)) > 0
    assert content.count(b"BEGIN:VEVENT") == count


def test_the_dashboard_summary_counts_the_lists_without_a_page() -> None:
    lines = _lines([(True, "to_verify", None, None, DAY - timedelta(days=20))] * 2)
    lines["due_on"] = pd.to_datetime(pd.Series([DAY + timedelta(days=3), DAY - timedelta(days=1)]))
    lines["organisme"] = "Formasud"
    lines["line_key"] = ["Formasud|1", "Formasud|2"]
    expected = pd.DataFrame(
        {
            "status": ["carence_due", "awaiting_of"],
            "due_on": pd.to_datetime(pd.Series([DAY + timedelta(days=40), DAY + timedelta(days=10)])),
            "carence_opens_on": pd.to_datetime(pd.Series([DAY - timedelta(days=1), None])),
        }
    )
    internal = pd.DataFrame({"status": ["overdue"], "due_on": pd.to_datetime(pd.Series([DAY - timedelta(days=5)]))})
    validities = pd.DataFrame(
        {
            "is_latest": [True, True, True, False],
            "exit_date": pd.to_datetime(pd.Series([None, None, None, None])),
            "days_left": pd.Series([-2, 20, 80, 5], dtype="Int64"),
            "effective_validity_end": pd.to_datetime(
                pd.Series([DAY - timedelta(days=2), DAY + timedelta(days=20), DAY + timedelta(days=80), DAY])
            ),
            "training_type": ["SST", "SST", "CACES", "SST"],
            "training_key": ["sst", "sst", "caces", "sst"],
            "training_title": ["SST", "SST", "CACES", "SST"],
        }
    )
    numbers = digest.dashboard_summary(report.ReportInputs(lines, expected, internal, validities), DAY)
    assert numbers.cards["to_verify"] == (2, pd.Timestamp(DAY - timedelta(days=1)))
    assert numbers.cards["carence"] == (1, pd.Timestamp(DAY + timedelta(days=40)))
    assert numbers.cards["internal"] == (1, pd.Timestamp(DAY - timedelta(days=5)))
    assert numbers.cards["expiring_30"] == (1, pd.Timestamp(DAY + timedelta(days=20)))
    assert numbers.cards["expiring_90"] == (2, pd.Timestamp(DAY + timedelta(days=20)))
    assert numbers.cards["expired"] == (1, None)
    assert (numbers.received, numbers.deemed, numbers.opened) == (0, 0, 1)
    assert numbers.overdue
    assert numbers.per_week is not None
    assert int(numbers.per_week["Nombre"].sum()) == 4  # two verifications, one carence, one internal
    assert numbers.per_month is not None
    assert int(numbers.per_month["Nombre"].sum()) == 2
