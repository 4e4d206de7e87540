"""Verification decisions from the pages: record, list by batch, undo."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Literal

import pandas as pd

from lib.ui.cache import _cached_action_batches, clear_caches, data_version, get_store, today

VerificationAction = Literal["accepted", "correction_requested"]

ACTION_LABELS = {
    "accepted": "acceptée",
    "correction_requested": "correction demandée",
    "undone": "annulation",
    "paired": "rapprochement manuel",
    "deposited": "dépôt confirmé",
}


def record_verification(
    line_keys: Sequence[str], action: VerificationAction, reasons: Sequence[str | None]
) -> list[int]:
    """Record one action per line, each line with its own reason (lines sharing a reason in one call)."""
    by_reason: dict[str | None, list[str]] = {}
    for key, reason in zip(line_keys, reasons, strict=True):
        by_reason.setdefault(reason or None, []).append(key)
    ids: list[int] = []
    for reason, keys in by_reason.items():
        # The dashboard's day (the reference date when one is set): a correction request counts from it.
        ids += get_store().record_action("of_line", keys, action, reason=reason, effective_on=today())
    clear_caches()
    return ids


def recent_action_batches(target_kind: str = "of_line", limit: int = 10) -> pd.DataFrame:
    """The latest actions grouped by batch (same moment, person, action, reason), with their undo state."""
    return _cached_action_batches(target_kind, limit, data_version())


def undo_actions(action_ids: Iterable[int]) -> None:
    store = get_store()
    for action_id in action_ids:
        store.undo_action(int(action_id))
    clear_caches()
