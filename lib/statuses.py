"""Statuses the dashboard shows for a training at a given day (rules.md §5), with the days left."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

from lib.rules import Deadlines

VerificationAction = Literal["accepted", "correction_requested"]

# Codes are stable identifiers (filters, SQL); labels are the exact French words of rules.md §5.
VERIFICATION_LABELS: dict[str, str] = {
    "verified": "vérifiée",
    "correction_requested": "correction demandée",
    "to_verify": "à vérifier",
    "deemed_verified": "réputée vérifiée",
}
EXPECTED_LABELS: dict[str, str] = {
    "declared_by_of": "déclarée par l'OF",
    "declared_in_carence": "déclarée en carence",
    "not_mandatory": "non obligatoire",
    "awaiting_of": "en attente de l'OF",
    "carence_due": "carence à déclarer",
    "carence_overdue": "carence en retard",
}
INTERNAL_LABELS: dict[str, str] = {
    "declared": "déclarée",
    "not_mandatory": "non obligatoire",
    "to_declare": "à déclarer",
    "overdue": "en retard",
}
VALIDITY_LABELS: dict[str, str] = {
    "no_expiry": "sans échéance",
    "expired": "expirée",
    "expiring_soon": "expire bientôt",
    "valid": "valide",
}
DEFAULT_HORIZON_DAYS = 90

# What the employer must still act on: the one definition the store, the screens and the report share.
CARENCE_TO_DECLARE: tuple[str, ...] = ("carence_due", "carence_overdue")
INTERNAL_TO_DECLARE: tuple[str, ...] = ("to_declare", "overdue")


@dataclass(frozen=True)
class Status:
    """A status: stable code, French label, the date it is counted against and the days left until it.

    `days_left` is `due_on - today` in days: 0 on the last valid day, negative once it has passed.
    """

    code: str
    label: str
    due_on: date | None
    days_left: int | None


def _status(labels: dict[str, str], code: str, due_on: date | None, today: date) -> Status:
    days_left = None if due_on is None else (due_on - today).days
    return Status(code=code, label=labels[code], due_on=due_on, days_left=days_left)


def verification_status(d: Deadlines, *, last_action: VerificationAction | None, today: date) -> Status:
    """An OF declaration made for the employer: « vérifiée », « correction demandée », « à vérifier » until
    the verification deadline (inclusive), then « réputée vérifiée » (décret 2022-1712, art. 7-I)."""
    return verification_status_at(d.verification_deadline, last_action=last_action, today=today)


def verification_status_at(deadline: date, *, last_action: VerificationAction | None, today: date) -> Status:
    """verification_status from the verification deadline alone (what a stored OF line carries)."""
    if last_action == "accepted":
        return _status(VERIFICATION_LABELS, "verified", None, today)
    if last_action == "correction_requested":
        return _status(VERIFICATION_LABELS, "correction_requested", None, today)
    if today <= deadline:
        return _status(VERIFICATION_LABELS, "to_verify", deadline, today)
    return _status(VERIFICATION_LABELS, "deemed_verified", None, today)


def expected_status(d: Deadlines, *, declared_by_of: bool, declared_in_carence: bool, today: date) -> Status:
    """A training the employer bought from an OF and expects it to declare.

    « en attente de l'OF » lasts until the carence window opens: between the OF deadline and the opening
    (the carence cannot be declared before `carence_start`) it is still the OF's move, and `days_left` is
    then negative (days since the OF deadline). Then « carence à déclarer » until the carence deadline
    (inclusive), then « carence en retard ».
    """
    if declared_by_of:
        return _status(EXPECTED_LABELS, "declared_by_of", None, today)
    if declared_in_carence:
        return _status(EXPECTED_LABELS, "declared_in_carence", None, today)
    if not d.of_mandatory or d.carence_opens_on is None or d.carence_deadline is None:
        return _status(EXPECTED_LABELS, "not_mandatory", None, today)
    if today < d.carence_opens_on:
        return _status(EXPECTED_LABELS, "awaiting_of", d.of_deadline, today)
    if today <= d.carence_deadline:
        return _status(EXPECTED_LABELS, "carence_due", d.carence_deadline, today)
    return _status(EXPECTED_LABELS, "carence_overdue", d.carence_deadline, today)


def internal_status(d: Deadlines, *, declared: bool, today: date) -> Status:
    """A training the employer delivered itself: « à déclarer » until the internal deadline (inclusive),
    then « en retard »; « non obligatoire » before the employer's obligation or scope dates."""
    if declared:
        return _status(INTERNAL_LABELS, "declared", None, today)
    if not d.internal_mandatory:
        return _status(INTERNAL_LABELS, "not_mandatory", None, today)
    if today <= d.internal_deadline:
        return _status(INTERNAL_LABELS, "to_declare", d.internal_deadline, today)
    return _status(INTERNAL_LABELS, "overdue", d.internal_deadline, today)


def validity_status(validity_end: date | None, *, today: date, horizon_days: int = DEFAULT_HORIZON_DAYS) -> Status:
    """The validity of a training: valid through its end date (inclusive); « expire bientôt » when it ends
    within `horizon_days` days (the end day itself included), « expirée » from the day after."""
    if validity_end is None:
        return _status(VALIDITY_LABELS, "no_expiry", None, today)
    if today > validity_end:
        return _status(VALIDITY_LABELS, "expired", validity_end, today)
    if (validity_end - today).days <= horizon_days:
        return _status(VALIDITY_LABELS, "expiring_soon", validity_end, today)
    return _status(VALIDITY_LABELS, "valid", validity_end, today)
