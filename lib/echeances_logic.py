"""What the Échéances page asks and draws, as data: the conditions of the « État » filter for a horizon, and
the cells of the people × trainings matrix (pure: no streamlit, no duckdb)."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

import pandas as pd

from lib.lists import Condition, compare
from lib.passport import days_left_text
from lib.rules import format_date
from lib.statuses import VALIDITY_LABELS, validity_code

_CODES_BY_LABEL = {label: code for code, label in VALIDITY_LABELS.items()}


def state_groups(chosen: Iterable[str], horizon_days: int) -> tuple[tuple[Condition, ...], ...]:
    """The conditions on `days_left` keeping the rows whose validity state (lib.statuses.validity_code at this
    horizon) is one of the chosen labels: groups of conditions, each an OR, all ANDed (ListQuery.either).
    Nothing chosen, or everything: no condition."""
    codes = {_CODES_BY_LABEL[label] for label in chosen if label in _CODES_BY_LABEL}
    if not codes or codes == set(VALIDITY_LABELS):
        return ()
    no_end = (Condition("days_left", "null"),) if "no_expiry" in codes else ()
    finite = [c for c in ("expired", "expiring_soon", "valid") if c in codes]
    if not finite:
        return (no_end,)
    if finite == ["expired", "valid"]:
        return ((compare("days_left", "<", 0), compare("days_left", ">", horizon_days), *no_end),)
    lower = None if "expired" in finite else (0 if "expiring_soon" in finite else horizon_days + 1)
    upper = None if "valid" in finite else (horizon_days if "expiring_soon" in finite else -1)
    groups: list[tuple[Condition, ...]] = []
    if lower is not None:
        groups.append((compare("days_left", ">=", lower), *no_end))
    if upper is not None:
        groups.append((compare("days_left", "<=", upper), *no_end))
    if not groups:
        groups.append((Condition("days_left", "not_null"),))
    return tuple(groups)


REQUIRED_MISSING = "requis mais absent"
"""The hover text (and legend) of a cell whose training is required of the person, who never had one."""

MATRIX_LEVELS = {
    REQUIRED_MISSING: -1,
    "absente": 0,
    VALIDITY_LABELS["expired"]: 1,
    VALIDITY_LABELS["expiring_soon"]: 2,
    VALIDITY_LABELS["valid"]: 3,
    VALIDITY_LABELS["no_expiry"]: 3,
}
"""The colour level of a matrix cell (see the page's colour scale)."""


@dataclass(frozen=True)
class Matrix:
    """The matrix's cells: one row per person, one column per training (levels and hover texts)."""

    levels: list[list[int]]
    hover: list[list[str]]
    required_missing: list[tuple[int, int]]  # (row, column) of the « requis mais absent » cells


def required_cells(missing: pd.DataFrame, labels: Mapping[str, str]) -> set[tuple[str, str]]:
    """(matricule, training label) of the required trainings never had, from rows of the « missing_trainings »
    list with status never_trained (matricule, family): the family key becomes the matrix's column label
    (lib.requirements.families()); a family without a label is left out."""
    return {
        (str(matricule), labels[str(family)])
        for matricule, family in missing[["matricule", "family"]].itertuples(index=False)
        if isinstance(matricule, str) and str(family) in labels
    }


def matrix(
    people: Sequence[str],
    trainings: Sequence[str],
    cells: pd.DataFrame,
    today: date,
    horizon_days: int,
    required: Collection[tuple[str, str]] = (),
) -> Matrix:
    """The matrix of `people` × `trainings` from `cells` (matricule, formation, effective_validity_end: each
    person's latest sessions); the nearest end wins when a person has two sessions of a training. A cell with no
    session whose (matricule, training) is in `required` is « requis mais absent »."""
    ends: dict[tuple[str, str], date | None] = {}
    for matricule, training, end in cells[["matricule", "formation", "effective_validity_end"]].itertuples(index=False):
        day = None if end is None or pd.isna(end) else pd.Timestamp(end).date()
        key = (str(matricule), str(training))
        if key not in ends or (day is not None and (ends[key] is None or day < ends[key])):  # type: ignore[operator]
            ends[key] = day
    levels, hover, missing = [], [], []
    for row, person in enumerate(people):
        level_row, hover_row = [], []
        for column, training in enumerate(trainings):
            if (person, training) not in ends:
                if (person, training) in required:
                    level_row.append(MATRIX_LEVELS[REQUIRED_MISSING])
                    hover_row.append(REQUIRED_MISSING)
                    missing.append((row, column))
                else:
                    level_row.append(MATRIX_LEVELS["absente"])
                    hover_row.append("aucune formation")
                continue
            end = ends[(person, training)]
            days = None if end is None else (end - today).days
            state = VALIDITY_LABELS[validity_code(days, horizon_days=horizon_days)]
            level_row.append(MATRIX_LEVELS[state])
            if end is None or days is None:
                hover_row.append(state)
            elif days < 0:
                hover_row.append(f"{days_left_text(days)} — fin le {format_date(end)}")
            else:
                hover_row.append(f"{state} — fin le {format_date(end)}, {days_left_text(days)}")
        levels.append(level_row)
        hover.append(hover_row)
    return Matrix(levels, hover, missing)
