"""What the dashboard, the weekly report and the calendar share, stated once. Pure (no Streamlit, no DuckDB).

Everything here is asked of the workflow lists (lib/lists.py queries) through a `ListAsker` — the pages'
cached `ui.lists`, or the store itself for the command line — so the server never holds a whole list:

- `report_inputs`: the rows the weekly report and the calendar read, asked with conditions (due within 30
  days, changed since the last report, deadline within the calendar's horizon) and the cards' totals. The
  dashboard's downloads and the `report` / `calendar` commands assemble them here, once.
- « Depuis la semaine dernière » (lib/report.py: received, newly_deemed_verified, carences_opened): the
  dashboard's counts and the weekly report's sections select the same rows.
- `dashboard_summary`: every number and chart table of the dashboard, from counts and aggregates.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Protocol

import numpy as np
import pandas as pd

from lib import calendar, report
from lib.lists import Condition, ListQuery, compare, is_in, is_true
from lib.report import as_day, last_week
from lib.statuses import CARENCE_TO_DECLARE, INTERNAL_TO_DECLARE, STILL_WITH_THE_OF, VALIDITY_LABELS, validity_code

CALENDAR_NAME = "Passeport de prévention — échéances"
DEADLINE_KINDS = ("Vérification", "Carence", "Déclaration interne")
CHART_WEEKS_DAYS = 182
CHART_MONTHS_DAYS = 365
DUE_SOON_DAYS = 30
"""« Dans les 30 jours »: the dashboard's line and the weekly report's section count the same rows."""
CALENDAR_DAYS = 183


class ListAsker(Protocol):
    """What the dashboard and the report ask of the lists: `ui.lists` on a page, the store on the command line."""

    def count(self, query: ListQuery) -> int: ...

    def rows(self, query: ListQuery, *, limit: int | None, columns: Sequence[str]) -> pd.DataFrame: ...

    def counts(self, query: ListQuery, by: Sequence[str]) -> pd.DataFrame: ...


# ------------------------------------------------------------------------------------------- the lists asked

TO_VERIFY = ListQuery("of_declarations").where(is_true("concerned"), is_in("status", ["to_verify"]))
"""Declarations of the employer's establishments, neither accepted nor contested (the first card)."""
TO_VERIFY_WITH_DISCREPANCIES = TO_VERIFY.where(Condition("discrepancies", "not_empty"))
"""Those whose values differ from the employer's records (« dont N avec écarts »)."""
CARENCES = ListQuery("expected_trainings").where(is_in("status", CARENCE_TO_DECLARE))
INTERNAL = ListQuery("internal_trainings").where(is_in("status", INTERNAL_TO_DECLARE))
TO_DO = {"verification": TO_VERIFY, "carence": CARENCES, "internal": INTERNAL}
"""The three lists of what HR must do, by kind (the weekly report's kinds, the dashboard's first cards)."""


def current_validities(today: date) -> ListQuery:
    """The latest training of each kind per employee still present on `today` (no exit, or a later one)."""
    return (
        ListQuery("validities")
        .where(is_true("is_latest"))
        .either(Condition("exit_date", "null"), compare("exit_date", ">=", as_day(today)))
    )


def due_within(query: ListQuery, today: date, days: int) -> ListQuery:
    """The query's rows due on or before `today + days` (overdue ones included)."""
    return query.where(compare("due_on", "<=", as_day(today + timedelta(days=days))))


def _window(column: str, since: date, today: date) -> tuple[Condition, Condition]:
    """`column` in (since, today]."""
    return compare(column, ">", as_day(since)), compare(column, "<=", as_day(today))


def received_query(since: date, today: date) -> ListQuery:
    """OF lines first received in (since, today] (lib.report.received)."""
    return ListQuery("of_declarations").where(*_window("first_received_on", since, today))


def deemed_query(since: date, today: date) -> ListQuery:
    """Lines that became « réputées vérifiées » in (since, today] (lib.report.newly_deemed_verified)."""
    return ListQuery("of_declarations").where(
        is_true("concerned"), is_in("status", ["deemed_verified"]), *_window("deemed_verified_on", since, today)
    )


def opened_query(since: date, today: date) -> ListQuery:
    """Carences whose window opened in (since, today] and still to declare (lib.report.carences_opened)."""
    return CARENCES.where(*_window("carence_opens_on", since, today))


# ------------------------------------------------------------------------------- the report and the calendar

_OF_COLUMNS = (
    "concerned", "status", "status_label", "nom_titulaire", "matricule", "nir", "organisme", "title", "establishment",
    "due_on", "verification_deadline", "deemed_verified_on", "first_received_on",
)  # fmt: skip
_TRAINING_COLUMNS = (
    "status", "status_label", "person_birth_name", "person_first_name", "matricule", "nir", "training_title",
    "person_site", "due_on",
)  # fmt: skip
_EXPECTED_COLUMNS = (*_TRAINING_COLUMNS, "carence_opens_on", "carence_deadline", "of_mandatory")
_INTERNAL_COLUMNS = (*_TRAINING_COLUMNS, "internal_deadline")
_VALIDITY_COLUMNS = (
    "is_latest", "is_active", "status", "status_label", "days_left", "person_birth_name", "person_first_name",
    "matricule", "nir", "training_title", "person_site", "effective_validity_end",
)  # fmt: skip


def report_inputs(asker: ListAsker, *, today: date, since: date, horizon_days: int) -> report.ReportInputs:
    """The rows the weekly report (since `since`) and the calendar read, and the cards' totals: each list asked
    only for the rows some section or event needs, in the list's own order."""
    soon = as_day(today + timedelta(days=DUE_SOON_DAYS))
    ahead = as_day(today + timedelta(days=CALENDAR_DAYS))
    after = as_day(since)
    of_lines = pd.concat(
        [
            asker.rows(
                TO_VERIFY.either(compare("due_on", "<=", soon), compare("verification_deadline", "<=", ahead)),
                limit=None,
                columns=_OF_COLUMNS,
            ),
            asker.rows(deemed_query(since, today), limit=None, columns=_OF_COLUMNS),
        ],
        ignore_index=True,
    )
    expected = asker.rows(
        ListQuery("expected_trainings")
        .where(is_in("status", [*STILL_WITH_THE_OF, *CARENCE_TO_DECLARE]))
        .either(
            compare("due_on", "<=", soon),
            compare("carence_opens_on", ">", after),
            compare("carence_deadline", "<=", ahead),
        ),
        limit=None,
        columns=_EXPECTED_COLUMNS,
    )
    internal = asker.rows(
        INTERNAL.either(compare("due_on", "<=", soon), compare("internal_deadline", "<=", ahead)),
        limit=None,
        columns=_INTERNAL_COLUMNS,
    )
    validities = asker.rows(
        ListQuery("validities").where(
            is_true("is_latest"),
            is_true("is_active"),
            is_in("status", ["expiring_soon", "expired"]),
            compare("days_left", ">=", 0),
            compare("days_left", "<=", horizon_days),
        ),
        limit=None,
        columns=_VALIDITY_COLUMNS,
    )
    totals = {kind: asker.count(query) for kind, query in TO_DO.items()}
    return report.ReportInputs(of_lines, expected, internal, validities, to_do=totals)


def calendar_ics(inputs: report.ReportInputs, *, today: date, generated_at: datetime) -> tuple[bytes, int]:
    """The .ics of the coming deadlines (one event per day and kind) and how many events it holds."""
    events = report.deadline_events(inputs, today=today)
    return calendar.deadlines_ics(events, calendar_name=CALENDAR_NAME, generated_at=generated_at), len(events)


# ------------------------------------------------------------------------------------------ validity labels

VALIDITY_STATES = tuple(VALIDITY_LABELS[code] for code in ("expired", "expiring_soon", "valid", "no_expiry"))
"""The validity labels in the order the « Échéances » filter offers them."""


def validity_labels(days_left: pd.Series, horizon_days: int) -> pd.Series:
    """The validity label (lib/statuses.py) of each row for a chosen horizon, from its days left: the rule
    applied once per distinct value."""
    days = pd.to_numeric(days_left, errors="coerce").astype("Int64")
    codes, distinct = pd.factorize(days, use_na_sentinel=True)
    labels = [VALIDITY_LABELS[validity_code(int(value), horizon_days=horizon_days)] for value in distinct]
    labels.append(VALIDITY_LABELS[validity_code(None, horizon_days=horizon_days)])  # code -1: no end date
    return pd.Series(np.asarray(labels, dtype=object)[codes], index=days_left.index, dtype="object")


def nearest(values: pd.Series) -> pd.Timestamp | None:
    present = values.dropna()
    return None if present.empty else pd.Timestamp(present.min())


def week_start(values: pd.Series) -> pd.Series:
    """The Monday of each date's week."""
    days = values.dt.normalize()
    monday: pd.Series = days - pd.to_timedelta(days.dt.day_of_week, unit="D")
    return monday


# ------------------------------------------------------------------------------------------- the dashboard


@dataclass(frozen=True)
class DashboardSummary:
    """Every number and chart table of the dashboard. `cards`: count and nearest due date per card;
    `due_soon`: per kind of TO_DO, how many are due within DUE_SOON_DAYS (as the weekly report counts them)."""

    cards: dict[str, tuple[int, pd.Timestamp | None]]
    with_discrepancies: int
    due_soon: dict[str, int]
    received: int
    per_of: pd.DataFrame
    deemed: int
    opened: int
    weeks: list[pd.Timestamp]
    per_week: pd.DataFrame | None
    overdue: bool
    per_month: pd.DataFrame | None


def _per_day(asker: ListAsker, query: ListQuery) -> pd.DataFrame:
    """Rows per due day (`due_on`, `rows`), days without a due date left out."""
    found = asker.counts(query, ["due_on"])
    found = found[found["due_on"].notna()]
    return pd.DataFrame({"due_on": pd.to_datetime(found["due_on"]), "rows": found["rows"].astype("int64")})


def _total(counts: pd.DataFrame) -> int:
    return int(counts["rows"].sum()) if len(counts) else 0


def dashboard_summary(asker: ListAsker, today: date) -> DashboardSummary:
    """The dashboard's numbers, each asked of the lists as a count or an aggregate."""
    day = as_day(today)
    since = last_week(today)
    soon = day + pd.Timedelta(days=DUE_SOON_DAYS)
    horizon_end = day + pd.Timedelta(days=CHART_WEEKS_DAYS)
    per_day = {kind: _per_day(asker, query) for kind, query in TO_DO.items()}
    totals = {kind: asker.count(query) for kind, query in TO_DO.items()}

    current = current_validities(today)
    per_days_left = asker.counts(
        current.where(Condition("days_left", "not_null")), ["days_left", "effective_validity_end"]
    )
    days_left = per_days_left["days_left"].astype("int64")
    ends = pd.to_datetime(per_days_left["effective_validity_end"])

    def expiring(within: int) -> tuple[int, pd.Timestamp | None]:
        inside = (days_left >= 0) & (days_left <= within)
        return int(per_days_left.loc[inside, "rows"].sum()), nearest(ends[inside])

    arrived = asker.counts(received_query(since, today), ["organisme", "first_received_on"])
    per_of = (
        arrived.groupby("organisme")
        .agg(lignes=("rows", "sum"), recu=("first_received_on", "max"))
        .reset_index()
        .sort_values("recu", ascending=False)
        .reset_index(drop=True)
    )
    per_of["lignes"] = per_of["lignes"].astype("int64")
    per_of["recu"] = pd.to_datetime(per_of["recu"])

    deadlines = pd.concat(
        [
            frame.assign(Type=kind_label)
            for kind_label, frame in zip(DEADLINE_KINDS, per_day.values(), strict=True)
            if not frame.empty
        ]
        or [pd.DataFrame({"due_on": pd.Series(dtype="datetime64[ns]"), "rows": [], "Type": []})],
        ignore_index=True,
    )
    deadlines = deadlines[deadlines["due_on"] <= horizon_end]
    weeks = list(pd.date_range(day - pd.Timedelta(days=today.weekday()), horizon_end, freq="7D"))
    per_week = None
    if not deadlines.empty:
        due = deadlines["due_on"].where(deadlines["due_on"] >= day, day)
        per_week = (
            deadlines.assign(week=week_start(due))
            .groupby(["week", "Type"])["rows"]
            .sum()
            .unstack(fill_value=0)
            .reindex(weeks, fill_value=0)
            .rename_axis("week")
            .reset_index()
            .melt(id_vars="week", var_name="Type", value_name="Nombre")
        )
    per_month = _per_month(asker, current, day)
    overdue = any(bool((per_day[kind]["due_on"] < day).any()) for kind in ("verification", "carence"))
    return DashboardSummary(
        cards={
            "to_verify": (totals["verification"], nearest(per_day["verification"]["due_on"])),
            "carence": (totals["carence"], nearest(per_day["carence"]["due_on"])),
            "internal": (totals["internal"], nearest(per_day["internal"]["due_on"])),
            "expiring_30": expiring(30),
            "expiring_90": expiring(90),
            "expired": (int(per_days_left.loc[days_left < 0, "rows"].sum()), None),
        },
        with_discrepancies=asker.count(TO_VERIFY_WITH_DISCREPANCIES),
        due_soon={kind: int(frame.loc[frame["due_on"] <= soon, "rows"].sum()) for kind, frame in per_day.items()},
        received=_total(arrived),
        per_of=per_of,
        deemed=asker.count(deemed_query(since, today)),
        opened=asker.count(opened_query(since, today)),
        weeks=weeks,
        per_week=per_week,
        overdue=overdue,
        per_month=per_month,
    )


def _per_month(asker: ListAsker, current: ListQuery, day: pd.Timestamp) -> pd.DataFrame | None:
    """Validity ends of the next CHART_MONTHS_DAYS days per month and training (`mois`, `Formation`, `Nombre`)."""
    ends = asker.counts(
        current.where(
            compare("effective_validity_end", ">=", day),
            compare("effective_validity_end", "<=", day + pd.Timedelta(days=CHART_MONTHS_DAYS)),
        ),
        ["effective_validity_end", "training_type", "training_key", "training_title"],
    )
    if ends.empty:
        return None
    formation = ends["training_type"].fillna(ends["training_key"]).fillna(ends["training_title"])
    months = pd.to_datetime(ends["effective_validity_end"]).dt.to_period("M").dt.to_timestamp()
    grouped = pd.DataFrame({"mois": months, "Formation": formation, "Nombre": ends["rows"].astype("int64")})
    return grouped.groupby(["mois", "Formation"])["Nombre"].sum().reset_index().sort_values("mois")
