"""The workflow lists (rules applied in SQL over the persisted tables of lib/store/derived.py), their summaries, and the
decisions taken on their lines (actions, undoing, manual pairings)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

import duckdb
import pandas as pd

from lib import identifiers, rules_sql
from lib.rules import RuleSet
from lib.store import derived
from lib.store.connection import StoreBase, StoreError, arrow_frame, audit, audit_many, transaction
from lib.store.sqlfiles import checked, named_query

# The parameters each workflow list (lib/sql/<name>.sql) takes, named here rather than found in its text;
# sqlfiles.checked() refuses a list whose file uses other ones.
WORKFLOW_PARAMETERS: Mapping[str, tuple[str, ...]] = {
    "of_declarations": ("today",),
    "expected_trainings": ("today",),
    "internal_trainings": ("today",),
    "validities": ("today", "horizon"),
    "correction_requests": (),
    "of_scorecard": ("today",),
    "missing_trainings": ("today", "horizon"),
}
# The lists whose rows carry a due date (`due_on`): their summary gives the nearest one.
LISTS_WITH_DUE_DATES = frozenset({"of_declarations", "expected_trainings", "internal_trainings"})


def list_parameters(name: str, values: Mapping[str, Any]) -> dict[str, Any]:
    """The parameters of the workflow list `name`, taken from `values` (which may offer more)."""
    try:
        wanted = WORKFLOW_PARAMETERS[name]
    except KeyError:
        raise StoreError(f"Liste inconnue : « {name} ».") from None
    return {key: values[key] for key in wanted}


class WorkflowMixin(StoreBase):
    """Workflow lists and the decisions on their lines."""

    def _prepare_workflow(self, con: duckdb.DuckDBPyConnection, rules: RuleSet, tolerance_days: int) -> None:
        """Make the lists of lib/sql readable on this connection under `rules` (lib/store/derived.py): over the
        persisted tables when they were computed under these settings, else computed in TEMP tables. Once per
        connection and settings (a page run's shared connection prepares once for all its asks)."""
        memo = self._memo(con)
        prepared = derived.fingerprint(rules, tolerance_days)
        if memo.get("prepared") == prepared:
            return
        memo.pop("prepared", None)
        derived.prepare_reads(con, rules, tolerance_days)
        memo["prepared"] = prepared

    def workflow(
        self,
        name: str,
        *,
        rules: RuleSet,
        today: date,
        tolerance_days: int = 3,
        horizon_days: int = 90,
        params: Mapping[str, Any] | None = None,
    ) -> pd.DataFrame:
        """A named workflow query (lib/sql/<name>.sql) at `today`, under `rules`."""
        frames = self.workflows(
            (name,), rules=rules, today=today, tolerance_days=tolerance_days, horizon_days=horizon_days,
            params=params,
        )  # fmt: skip
        return frames[name]

    def workflows(
        self,
        names: tuple[str, ...],
        *,
        rules: RuleSet,
        today: date,
        tolerance_days: int = 3,
        horizon_days: int = 90,
        params: Mapping[str, Any] | None = None,
    ) -> dict[str, pd.DataFrame]:
        """Several workflow queries over one preparation of the working tables (what a dashboard page needs)."""
        values = {"today": today, "horizon": horizon_days}
        frames: dict[str, pd.DataFrame] = {}
        with self.read() as con:
            self._prepare_workflow(con, rules, tolerance_days)
            for name in names:
                wanted = {**list_parameters(name, values), **(params or {})}
                sql = named_query(name)
                used = checked(con, sql, wanted, what=f"{name}.sql")
                frame = arrow_frame(con.sql(sql, params=used).to_arrow_table())
                frames[name] = frame.drop(columns=["search_text"]) if "search_text" in frame.columns else frame
        return frames

    COMPARED_LISTS: tuple[str, ...] = ("of_declarations", "expected_trainings", "internal_trainings")

    def rule_set_differences(
        self,
        rules: RuleSet,
        other: RuleSet,
        *,
        today: date,
        tolerance_days: int = 3,
        horizon_days: int = 90,
    ) -> pd.DataFrame:
        """The lines of the three lists (OF declarations to verify, carence, internal declarations) that get
        other dates, another obligation or another status under `other` than under `rules`, at `today`.

        Computed in the store: the list queries run under each rule set on one connection, then
        lib/sql/rule_set_differences.sql keeps the differing lines. Columns: list (« verification »,
        « carence », « internal »), key, nir (masked), person, title, reference_date, dates_a / status_a
        (under `rules`), dates_b / status_b (under `other`).
        """
        values = {"today": today, "horizon": horizon_days}
        with self.connect() as con:
            for side, rule_set in (("a", rules), ("b", other)):
                self._prepare_workflow(con, rule_set, tolerance_days)
                for name in self.COMPARED_LISTS:
                    sql = f'CREATE OR REPLACE TEMP TABLE "pp_cmp_{side}_{name}" AS {named_query(name)}'
                    con.execute(sql, checked(con, sql, list_parameters(name, values), what=f"{name}.sql"))
            frame = arrow_frame(con.sql(named_query("rule_set_differences")).to_arrow_table())
        frame["nir"] = [identifiers.mask_nir(n) if isinstance(n, str) else "" for n in frame["nir"]]
        return frame

    def refresh_derived(self, *, who: str | None = None) -> None:
        """Recompute the persisted deadlines and pairings from the tables (after a change made outside the store's
        writers, e.g. a benchmark store built in SQL)."""
        with self.connect() as con, transaction(con):
            derived.refresh_derived(con)
            audit(con, who=who or self.user, target_kind="store", target_key="derived", action="refreshed")

    def last_decisions(self) -> pd.DataFrame:
        """The last verification decision of each OF line (lib/sql/last_decisions.sql)."""
        with self.read() as con:
            return arrow_frame(con.sql(named_query("last_decisions")).to_arrow_table())

    def workflow_summary(
        self,
        name: str,
        *,
        rules: RuleSet,
        today: date,
        tolerance_days: int = 3,
        horizon_days: int = 90,
    ) -> pd.DataFrame:
        """Counts and nearest due date per status of a workflow query: the whole computation, none of the rows."""
        params = list_parameters(name, {"today": today, "horizon": horizon_days})
        inner = named_query(name)
        if name in LISTS_WITH_DUE_DATES:
            sql = (
                "SELECT status, any_value(status_label) AS status_label, count(*) AS n, "
                f"min(due_on) FILTER (due_on >= $today) AS nearest_due_on FROM ({inner}) GROUP BY status "
                "ORDER BY status"
            )
            params["today"] = today
        else:
            sql = (
                f"SELECT status, any_value(status_label) AS status_label, count(*) AS n FROM ({inner}) "
                "GROUP BY status ORDER BY status"
            )
        with self.read() as con:
            self._prepare_workflow(con, rules, tolerance_days)
            return con.execute(sql, checked(con, sql, params, what=f"{name}.sql")).df()

    def record_action(
        self,
        target_kind: str,
        target_keys: list[str],
        action: str,
        *,
        reason: str | None = None,
        who: str | None = None,
        effective_on: date | None = None,
    ) -> list[int]:
        """Append one action row per target (never updates nor deletes); their ids back.

        `effective_on` is the business day of the decision (the dashboard's day: the reference date when one is
        set); a correction request counts from it. None: the day of the wall-clock time `acted_at`.
        """
        with self.connect() as con, transaction(con):
            return audit_many(
                con, who=who or self.user, target_kind=target_kind, target_keys=list(target_keys), action=action,
                reason=reason, effective_on=effective_on,
            )  # fmt: skip

    def undo_action(self, action_id: int, *, who: str | None = None) -> int:
        """Undo an action by appending an `undone` row that points at it."""
        with self.connect() as con, transaction(con):
            row = con.execute(
                "SELECT target_kind, target_key, action FROM actions WHERE id = $i", {"i": action_id}
            ).fetchone()
            if row is None:
                raise StoreError(f"Action n° {action_id} introuvable.")
            if row[2] == "undone":
                raise StoreError(f"L'action n° {action_id} est elle-même une annulation.")
            already = con.execute("SELECT id FROM actions WHERE undoes = $i", {"i": action_id}).fetchone()
            if already:
                raise StoreError(f"L'action n° {action_id} a déjà été annulée (action n° {already[0]}).")
            return audit(
                con, who=who or self.user, target_kind=str(row[0]), target_key=str(row[1]), action="undone",
                undoes=action_id,
            )  # fmt: skip

    def action_history(self, target_kind: str | None = None) -> pd.DataFrame:
        return self.sql(
            "SELECT * FROM actions WHERE $k IS NULL OR target_kind = $k ORDER BY id DESC", {"k": target_kind}
        )

    def pair_manually(self, record_id: int, organisme: str, partner_id: str, *, who: str | None = None) -> None:
        """Keep a person's decision that this record and this OF line are the same training."""
        who = who or self.user
        with self.connect() as con, transaction(con):
            con.execute(
                "INSERT INTO manual_pairings VALUES ($r, $o, $p, now()::TIMESTAMP, $w) ON CONFLICT DO NOTHING",
                {"r": record_id, "o": organisme, "p": partner_id, "w": who},
            )
            person = con.execute("SELECT person_nir FROM pp_records WHERE id = $r", {"r": record_id}).fetchone()
            derived.refresh_derived(
                con,
                nirs=[str(person[0])] if person and person[0] is not None else [],
                line_keys_sql="SELECT " + rules_sql.string_literal(f"{organisme}|{partner_id}"),
            )
            audit(
                con, who=who, target_kind="pairing", target_key=f"{record_id}|{organisme}|{partner_id}", action="paired"
            )
