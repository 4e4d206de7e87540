"""The employer's required trainings (lib/requirements.py): the table, replaced as a whole and audited, and the
collective targets reached per site (lib/sql/requirement_shares.sql). Who is missing what is the workflow list
« missing_trainings » (lib/sql/missing_trainings.sql), asked like the others (lib/store/lists.py). Both read the
tables lib/sql/derive_requirements.sql persists (lib/store/requirement_tables.py), refreshed here when the
requirements are replaced, in the same transaction."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import pandas as pd

from lib import settings
from lib.requirements import Requirement
from lib.store.connection import StoreBase, arrow_frame, audit, transaction
from lib.store.requirement_tables import refresh_requirement_tables
from lib.store.sqlfiles import checked, named_query
from lib.store.workflow import WorkflowMixin


class RequirementsMixin(WorkflowMixin, StoreBase):
    def requirements(self) -> list[Requirement]:
        """The requirements, in the order they were written."""
        with self.read() as con:
            rows = con.execute(
                "SELECT family, job, service, site, title_words, min_share, note FROM requirements ORDER BY id"
            ).fetchall()
        return [
            Requirement(family=f, job=j, service=sv, site=si, title_words=w, min_share=m, note=n)
            for f, j, sv, si, w, m, n in rows
        ]

    def replace_requirements(self, requirements: Sequence[Requirement], *, who: str | None = None) -> int:
        """Replace the whole table (one transaction, audited): the number of requirements now in force."""
        frame = pd.DataFrame(
            {
                "job": [r.job for r in requirements],
                "service": [r.service for r in requirements],
                "site": [r.site for r in requirements],
                "family": [r.family for r in requirements],
                "title_words": [r.title_words for r in requirements],
                "min_share": pd.Series([r.min_share for r in requirements], dtype="float64"),
                "note": [r.note for r in requirements],
            },
            dtype="object",
        ).astype({"min_share": "float64"})
        who = who or self.user
        with self.connect() as con, transaction(con):
            before = con.execute("SELECT count(*) FROM requirements").fetchone()
            con.execute("DELETE FROM requirements")
            con.register("new_requirements", frame)
            con.execute(
                "INSERT INTO requirements (job, service, site, family, title_words, min_share, note, updated_at, "
                "updated_by) SELECT CAST(job AS VARCHAR), CAST(service AS VARCHAR), CAST(site AS VARCHAR), "
                "CAST(family AS VARCHAR), CAST(title_words AS VARCHAR), CAST(min_share AS DOUBLE), "
                "CAST(note AS VARCHAR), now()::TIMESTAMP, $who FROM new_requirements",
                {"who": who},
            )
            con.unregister("new_requirements")
            refresh_requirement_tables(con)  # who each requirement applies to (lib/sql/derive_requirements.sql)
            audit(
                con, who=who, target_kind="requirements", target_key="requirements", action="replaced",
                reason=f"{before[0] if before else 0} → {len(requirements)} formation(s) requise(s)",
            )  # fmt: skip
        return len(requirements)

    def requirement_shares(self, today: date) -> pd.DataFrame:
        """Per collective requirement and site: staff, trained, share, target (min_share), met."""
        with self.read() as con:
            source = {str(k): str(v) for k, v in con.execute("SELECT key, value FROM settings").fetchall()}
            snapshot = _Settings(source)
            prefs = settings.preferences(snapshot)
            self._prepare_workflow(con, settings.active_rules(snapshot), prefs.tolerance_days)
            sql = named_query("requirement_shares")
            return arrow_frame(con.sql(sql, params=checked(con, sql, {"today": today})).to_arrow_table())


class _Settings:
    def __init__(self, values: dict[str, str]) -> None:
        self.values = values

    def get_setting(self, key: str) -> str | None:
        return self.values.get(key)
