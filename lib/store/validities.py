"""Recommended validity ends: proposing them for records that lack one, applying and withdrawing them."""

from __future__ import annotations

from datetime import date

import pandas as pd

from lib import validity
from lib.store.connection import StoreBase, audit, transaction
from lib.store.derived import refresh_derived


class ValiditiesMixin(StoreBase):
    """Recommended validity ends."""

    def recommended_validities(self) -> pd.DataFrame:
        """Records without a validity end whose training has a recommended duration, with the proposed end."""
        durations = validity.load_validity_durations()
        # A duration per distinct title (a few dozen), then only the records of those titles.
        titles = self.sql("SELECT DISTINCT training_title FROM training_records WHERE validity_end IS NULL")
        known = {
            str(title): duration
            for title in titles["training_title"]
            if (duration := validity.recommended_duration(str(title), durations)) is not None and duration.months
        }
        columns = ["id", "proposed_end", "months", "duration_label"]
        if not known:
            return pd.DataFrame(columns=columns)
        frame = self.sql(
            "SELECT id, training_title, coalesce(validity_start, end_date) AS start FROM training_records "
            "WHERE validity_end IS NULL AND list_contains($titles, training_title) ORDER BY id",
            {"titles": list(known)},
        )
        ends: dict[tuple[str, date], date] = {}
        proposals: list[tuple[int, date, int, str]] = []
        for record_id, title, start in frame.itertuples(index=False):
            duration = known[str(title)]
            assert duration.months is not None
            day = start.date() if isinstance(start, pd.Timestamp) else start
            end = ends.get((str(title), day))
            if end is None:
                end = ends[(str(title), day)] = validity.proposed_validity_end(day, duration.months)
            proposals.append((int(record_id), end, duration.months, duration.label))
        return pd.DataFrame(proposals, columns=columns)

    def apply_recommended_validities(self, *, who: str | None = None) -> str:
        """Fill missing validity ends with the recommended durations, marked as proposed (never as the law)."""
        proposals = self.recommended_validities()
        if proposals.empty:
            return "Aucune formation sans date de fin de validité n'a de durée recommandée."
        proposals["proposed_end"] = pd.to_datetime(proposals["proposed_end"])
        with self.connect() as con, transaction(con):
            con.register("proposals", proposals)
            con.execute(
                "UPDATE training_records t SET validity_end = CAST(p.proposed_end AS DATE), "
                "validity_end_proposed = true FROM proposals p WHERE t.id = p.id AND t.validity_end IS NULL"
            )
            con.unregister("proposals")
            refresh_derived(con)
            audit(
                con, who=who or self.user, target_kind="store", target_key="training_records",
                action="validity_proposed", reason=f"{len(proposals)} fin(s) de validité proposée(s)",
            )  # fmt: skip
        return f"{len(proposals)} fin(s) de validité proposée(s) d'après les durées recommandées (pas la loi)."

    def clear_recommended_validities(self, *, who: str | None = None) -> str:
        """Remove every proposed validity end (the records' own dates are untouched)."""
        with self.connect() as con, transaction(con):
            row = con.execute(
                "UPDATE training_records SET validity_end = NULL, validity_end_proposed = false "
                "WHERE validity_end_proposed RETURNING id"
            ).fetchall()
            refresh_derived(con)
            audit(
                con, who=who or self.user, target_kind="store", target_key="training_records",
                action="validity_cleared", reason=f"{len(row)} fin(s) de validité proposée(s) retirée(s)",
            )  # fmt: skip
        return f"{len(row)} fin(s) de validité proposée(s) retirée(s)."
