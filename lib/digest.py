"""What the dashboard, the weekly report and the calendar share, stated once. Pure (no Streamlit, no DuckDB).

- `report_inputs`: the workflow frames the report and the calendar read (the dashboard's download buttons
  and the `report` / `calendar` commands assemble them here).
- « Depuis la semaine dernière » (lib/report.py: received, newly_deemed_verified, carences_opened): the
  dashboard's counts and the weekly report's sections select the same rows.
- `dashboard_summary`: every number and chart table of the dashboard.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime

import numpy as np
import pandas as pd

from lib import calendar, report
from lib.report import as_day, carences_opened, last_week, newly_deemed_verified, received
from lib.statuses import CARENCE_TO_DECLARE, INTERNAL_TO_DECLARE, VALIDITY_LABELS, validity_code

REPORT_QUERIES = ("of_declarations", "expected_trainings", "internal_trainings", "validities")
"""The workflow queries the weekly report, the calendar and the dashboard read."""
CALENDAR_NAME = "Passeport de prévention — échéances"
DEADLINE_KINDS = ("Vérification", "Carence", "Déclaration interne")
CHART_WEEKS_DAYS = 182
CHART_MONTHS_DAYS = 365


def report_inputs(frames: Mapping[str, pd.DataFrame]) -> report.ReportInputs:
    """The report's and the calendar's inputs from the workflow frames of REPORT_QUERIES."""
    return report.ReportInputs(*(frames[name] for name in REPORT_QUERIES))


def calendar_ics(inputs: report.ReportInputs, *, today: date, generated_at: datetime) -> tuple[bytes, int]:
    """The .ics of the coming deadlines (one event per day and kind) and how many events it holds."""
    events = report.deadline_events(inputs, today=today)
    return calendar.deadlines_ics(events, calendar_name=CALENDAR_NAME, generated_at=generated_at), len(events)


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


@dataclass(frozen=True)
class DashboardSummary:
    """Every number and chart table of the dashboard. `cards`: count and nearest due date per card."""

    cards: dict[str, tuple[int, pd.Timestamp | None]]
    received: int
    per_of: pd.DataFrame
    deemed: int
    opened: int
    weeks: list[pd.Timestamp]
    per_week: pd.DataFrame | None
    overdue: bool
    per_month: pd.DataFrame | None


def dashboard_summary(inputs: report.ReportInputs, today: date) -> DashboardSummary:
    """The dashboard's numbers from the (million-line) lists."""
    of_lines, expected, internal, validities = (
        inputs.of_declarations, inputs.expected, inputs.internal, inputs.validities,
    )  # fmt: skip
    day = as_day(today)
    since = last_week(today)
    to_verify = of_lines.loc[of_lines["concerned"] & (of_lines["status"] == "to_verify"), "due_on"]
    carence = expected.loc[expected["status"].isin(CARENCE_TO_DECLARE), ["due_on", "carence_opens_on"]]
    internal_due = internal.loc[internal["status"].isin(INTERNAL_TO_DECLARE), "due_on"]
    current = validities.loc[
        validities["is_latest"] & ~(validities["exit_date"] < day),
        ["days_left", "effective_validity_end", "training_type", "training_key", "training_title"],
    ]
    days_left = current["days_left"]
    expiring_30 = current.loc[(days_left >= 0) & (days_left <= 30), "effective_validity_end"]
    expiring_90 = current.loc[(days_left >= 0) & (days_left <= 90), "effective_validity_end"]
    arrived = of_lines.loc[received(of_lines, since, today), ["organisme", "line_key", "first_received_on"]]
    per_of = (
        arrived.groupby("organisme")
        .agg(lignes=("line_key", "size"), recu=("first_received_on", "max"))
        .reset_index()
        .sort_values("recu", ascending=False)
    )
    horizon_end = day + pd.Timedelta(days=CHART_WEEKS_DAYS)
    deadlines = pd.concat(
        [
            pd.DataFrame({"Type": DEADLINE_KINDS[0], "due": to_verify}),
            pd.DataFrame({"Type": DEADLINE_KINDS[1], "due": carence["due_on"]}),
            pd.DataFrame({"Type": DEADLINE_KINDS[2], "due": internal_due}),
        ],
        ignore_index=True,
    ).dropna()
    deadlines = deadlines[deadlines["due"] <= horizon_end]
    weeks = list(pd.date_range(day - pd.Timedelta(days=today.weekday()), horizon_end, freq="7D"))
    per_week = None
    if not deadlines.empty:
        deadlines["due"] = deadlines["due"].where(deadlines["due"] >= day, day)
        deadlines["week"] = week_start(deadlines["due"])
        per_week = (
            deadlines.groupby(["week", "Type"])
            .size()
            .unstack(fill_value=0)
            .reindex(weeks, fill_value=0)
            .rename_axis("week")
            .reset_index()
            .melt(id_vars="week", var_name="Type", value_name="Nombre")
        )
    ends = current[
        (current["effective_validity_end"] >= day)
        & (current["effective_validity_end"] <= day + pd.Timedelta(days=CHART_MONTHS_DAYS))
    ].copy()
    per_month = None
    if not ends.empty:
        ends["Formation"] = ends["training_type"].fillna(ends["training_key"]).fillna(ends["training_title"])
        ends["mois"] = ends["effective_validity_end"].dt.to_period("M").dt.to_timestamp()
        per_month = ends.groupby(["mois", "Formation"]).size().reset_index(name="Nombre").sort_values("mois")
    return DashboardSummary(
        cards={
            "to_verify": (len(to_verify), nearest(to_verify)),
            "carence": (len(carence), nearest(carence["due_on"])),
            "internal": (len(internal_due), nearest(internal_due)),
            "expiring_30": (len(expiring_30), nearest(expiring_30)),
            "expiring_90": (len(expiring_90), nearest(expiring_90)),
            "expired": (int((days_left < 0).sum()), None),
        },
        received=len(arrived),
        per_of=per_of,
        deemed=int(newly_deemed_verified(of_lines, since, today).sum()),
        opened=int(carences_opened(expected, since, today).sum()),
        weeks=weeks,
        per_week=per_week,
        overdue=bool((to_verify < day).any() or (carence["due_on"] < day).any()),
        per_month=per_month,
    )
