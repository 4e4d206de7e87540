"""After a verification decision: the OF lists updated in place instead of computed again.

A decision (accepted, correction requested, undone) changes only the decision columns of the lines decided,
their status, and two counts of the OF scorecard. On a million lines, computing the workflow again takes
seconds; updating the decided lines takes a fraction of one. The result is the same frame as the full
computation (tests/test_caching.py compares them): the statuses come from lib.statuses (the reference the
SQL macros are proven equal to), and of_declarations is ordered by what no decision changes.
"""

from __future__ import annotations

from datetime import date
from typing import Any, cast

import numpy as np
import pandas as pd

from lib.statuses import VerificationAction, verification_status_at

DECISION_QUERIES = ("of_declarations", "correction_requests", "of_scorecard", "expected_trainings")
"""The workflow queries a verification decision (accepted, correction requested, undone) can change.

expected_trainings changes only when a correction request on a matched line is made, answered or undone (the
correction path of lib/statuses.py); it is then computed again alone (`corrections_changed`).
"""
DECISION_COLUMNS = {
    # of_declarations column: lib/sql/last_decisions.sql column
    "last_action": "action",
    "last_reason": "reason",
    "last_action_by": "who",
    "last_action_at": "acted_at",
    "last_decided_on": "decided_on",
    "correction_answered": "correction_answered",
}
STATUS_COLUMNS = ("status", "status_label", "due_on", "days_left")


def _missing(value: Any) -> bool:
    return value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and np.isnan(value))


def _same(a: Any, b: Any) -> bool:
    if _missing(a) or _missing(b):
        return _missing(a) and _missing(b)
    return bool(a == b)


def _day(value: Any) -> date | None:
    """A stored date or timestamp as a day (None when missing)."""
    return None if _missing(value) else pd.Timestamp(value).date()


def _flag(value: Any) -> bool:
    """A stored boolean (a missing one is false, as `coalesce(…, false)` in SQL)."""
    return False if _missing(value) else bool(value)


def _with_values(column: pd.Series, positions: np.ndarray, values: list[Any]) -> pd.Series:
    """The column with new values at these positions, in the column's own type."""
    updated = column.copy()
    updated.iloc[positions] = pd.Series(values, dtype=column.dtype).to_numpy()
    return updated


def updated_lines(lines: pd.DataFrame, decisions: pd.DataFrame, today: date) -> pd.DataFrame:
    """of_declarations with the decisions of lib/sql/last_decisions.sql (every line's last one) applied.

    Only the lines whose decision changed are touched; the rows keep their order (by verification deadline).
    """
    # The lines decided now or before: the only ones a decision can have changed.
    decided_now = lines["line_key"].isin(decisions["line_key"]).to_numpy(dtype=bool)
    candidates = np.flatnonzero(decided_now | lines["last_action"].notna().to_numpy(dtype=bool))
    by_key = {row["line_key"]: row for row in decisions.to_dict("records")}
    no_decision = {
        "action": None,
        "reason": None,
        "who": None,
        "acted_at": None,
        "decided_on": None,
        "correction_answered": False,
    }
    keys = lines["line_key"].iloc[candidates].to_numpy(dtype=object)
    old = {column: lines[column].iloc[candidates].to_numpy(dtype=object) for column in DECISION_COLUMNS}
    changed: list[int] = []
    new: dict[str, list[Any]] = {column: [] for column in (*DECISION_COLUMNS, *STATUS_COLUMNS)}
    deadlines = lines["verification_deadline"].iloc[candidates].to_numpy(dtype=object)
    # What a decision does not change, read once: the carence a correction not made leads to, and the rest.
    fixed = {
        column: lines[column].iloc[candidates].to_numpy(dtype=object)
        for column in ("carence_opens_on", "carence_deadline", "declared_in_carence", "closed_before_employer_space")
    }
    for n, position in enumerate(candidates):
        decision = by_key.get(keys[n], no_decision)
        if all(_same(old[column][n], decision[source]) for column, source in DECISION_COLUMNS.items()):
            continue
        changed.append(int(position))
        for column, source in DECISION_COLUMNS.items():
            new[column].append(decision[source])
        status = verification_status_at(
            pd.Timestamp(deadlines[n]).date(),
            last_action=cast(VerificationAction | None, decision["action"]),
            today=today,
            closed_before_employer_space=_flag(fixed["closed_before_employer_space"][n]),
            requested_on=_day(decision["decided_on"]),
            correction_answered=_flag(decision["correction_answered"]),
            carence_opens_on=_day(fixed["carence_opens_on"][n]),
            carence_deadline=_day(fixed["carence_deadline"][n]),
            declared_in_carence=_flag(fixed["declared_in_carence"][n]),
        )
        new["status"].append(status.code)
        new["status_label"].append(status.label)
        new["due_on"].append(pd.Timestamp(status.due_on) if status.due_on else None)
        new["days_left"].append(status.days_left)
    if not changed:
        return lines
    positions = np.array(changed)
    result = lines.copy(deep=False)
    for column, values in new.items():
        result[column] = _with_values(lines[column], positions, values)
    return result


def _correction_state(lines: pd.DataFrame) -> set[tuple[Any, ...]]:
    asked = lines.iloc[np.flatnonzero((lines["last_action"] == "correction_requested").to_numpy(dtype=bool))]
    return set(
        zip(
            asked["line_key"],
            asked["record_id"].isna(),
            [_day(v) for v in asked["last_decided_on"]],
            [_flag(v) for v in asked["correction_answered"]],
            strict=True,
        )
    )


def corrections_changed(before: pd.DataFrame, after: pd.DataFrame) -> bool:
    """Whether the correction requests on matched lines differ between two of_declarations frames: then the
    expected trainings (which follow the correction path) must be computed again."""
    changed = _correction_state(before) ^ _correction_state(after)
    return any(not unmatched for _, unmatched, _, _ in changed)


def correction_requests(lines: pd.DataFrame, organismes: pd.DataFrame, template: pd.DataFrame) -> pd.DataFrame:
    """lib/sql/correction_requests.sql from of_declarations: the lines whose last decision asks a correction.

    `template` is a frame of the query (for its columns and types); `organismes` has name and siret.
    """
    asked = lines.iloc[np.flatnonzero((lines["last_action"] == "correction_requested").to_numpy(dtype=bool))]
    sirets = dict(zip(organismes["name"], organismes["siret"], strict=True))
    frame = pd.DataFrame(
        {
            "organisme": asked["organisme"],
            "organisme_siret": [sirets.get(name) for name in asked["organisme"]],
            "id_declaration": asked["id_declaration"],
            "id_unique_partenaire": asked["id_unique_partenaire"],
            "title": asked["title"],
            "date_debut_formation": asked["date_debut_formation"],
            "date_fin_formation": asked["date_fin_formation"],
            "nir": asked["nir"],
            "nom_titulaire": asked["nom_titulaire"],
            "fields_at_fault": asked["discrepancies"],
            "expected_values": asked["last_reason"],
            "requested_at": asked["last_decided_on"],
            "requested_by": asked["last_action_by"],
            "correction_answered": asked["correction_answered"],
        }
    )
    frame = frame.astype(template.dtypes.to_dict())
    return frame.sort_values(["organisme", "id_declaration", "id_unique_partenaire"], kind="stable").reset_index(
        drop=True
    )


def scorecard(card: pd.DataFrame, lines: pd.DataFrame) -> pd.DataFrame:
    """lib/sql/of_scorecard.sql with its two decision counts taken again from of_declarations."""
    decided = lines.iloc[np.flatnonzero(lines["last_action"].notna().to_numpy(dtype=bool))]  # the only ones counted
    per_of = (
        pd.DataFrame(
            {
                "organisme": decided["organisme"],
                "requested": decided["last_action"] == "correction_requested",
                "answered": decided["correction_answered"].astype(bool),
            }
        )
        .groupby("organisme")[["requested", "answered"]]
        .sum()
    )
    result = card.copy()
    for column, counted in (("corrections_requested", "requested"), ("corrections_answered", "answered")):
        result[column] = result["organisme"].map(per_of[counted]).fillna(0).astype(card[column].dtype)
    return result
