"""Personal data retention (RGPD): who left long enough ago, and erasing their NIRs and names."""

from __future__ import annotations

import calendar
from datetime import date

import pandas as pd

from lib import statuses
from lib.rules import RuleSet
from lib.store.connection import StoreError, audit, transaction
from lib.store.derived import refresh_derived
from lib.store.sqlfiles import checked, named_query
from lib.store.workflow import WorkflowMixin

PURGED = "(purgé)"


class RetentionMixin(WorkflowMixin):
    """The purge of personal data."""

    def purge_candidates(self, *, months: int, rules: RuleSet, today: date, tolerance_days: int = 3) -> pd.DataFrame:
        """Employees who left more than `months` ago, not yet purged, and whether anything is still open for them."""
        if months < 1:
            raise StoreError("La durée de conservation doit être d'au moins 1 mois.")
        cutoff = _months_before(today, months)
        leavers = "FROM employees e WHERE e.exit_date < $cutoff AND e.birth_name IS DISTINCT FROM $purged"
        with self.read() as con:
            if not con.execute(f"SELECT count(*) {leavers}", {"cutoff": cutoff, "purged": PURGED}).fetchone()[0]:  # type: ignore[index]
                return pd.DataFrame(
                    {"matricule": pd.Series(dtype=object), "exit_date": pd.Series(dtype="datetime64[us]"),
                     "has_open_items": pd.Series(dtype=bool)}
                )  # fmt: skip
        open_items = (
            f"SELECT matricule FROM ({named_query('expected_trainings')}) "
            "WHERE list_contains($still_expected, status) "
            f"UNION SELECT matricule FROM ({named_query('internal_trainings')}) "
            "WHERE list_contains($internal_due, status) "
            "UNION SELECT e.matricule FROM pp_lines l JOIN employees e ON e.nir = l.nir "
            "WHERE l.concerned AND l.last_action IS NULL AND l.verification_deadline >= $today"
        )
        sql = (
            f"WITH still_open AS ({open_items}) "
            "SELECT e.matricule, e.exit_date, e.matricule IN (SELECT matricule FROM still_open) AS has_open_items "
            f"{leavers} ORDER BY e.matricule"
        )
        params = {
            "today": today,
            "cutoff": cutoff,
            "purged": PURGED,
            "still_expected": [*statuses.STILL_WITH_THE_OF, *statuses.CARENCE_TO_DECLARE],
            "internal_due": list(statuses.INTERNAL_TO_DECLARE),
        }
        with self.read() as con:
            self._prepare_workflow(con, rules, tolerance_days)
            return con.execute(sql, checked(con, sql, params, what="purge")).df()

    def purge_personal_data(
        self, *, months: int, rules: RuleSet, today: date, tolerance_days: int = 3, who: str | None = None
    ) -> str:
        """Erase NIRs and names of employees gone for more than `months` whose declarations are all closed."""
        candidates = self.purge_candidates(months=months, rules=rules, today=today, tolerance_days=tolerance_days)
        chosen = candidates.loc[~candidates["has_open_items"].astype(bool), "matricule"].astype(str).tolist()
        kept = int(candidates["has_open_items"].astype(bool).sum())
        if not chosen:
            return f"Aucune donnée à purger ({kept} salarié(s) parti(s) ont encore une déclaration en cours)."
        with self.connect() as con, transaction(con):
            con.register("purged_people", pd.DataFrame({"matricule": pd.Series(chosen, dtype="object")}))
            con.execute(
                "CREATE OR REPLACE TEMP TABLE purged_nirs AS SELECT DISTINCT nir FROM ("
                "SELECT nir FROM employees WHERE matricule IN (SELECT matricule FROM purged_people) "
                "UNION SELECT nir FROM training_records WHERE matricule IN (SELECT matricule FROM purged_people)"
                ") WHERE nir IS NOT NULL"
            )
            con.execute(
                "UPDATE of_line_changes SET old_value = $p, new_value = $p "
                "WHERE field IN ('nir', 'nom_titulaire') AND (organisme, id_unique_partenaire) IN ("
                "SELECT organisme, id_unique_partenaire FROM of_lines WHERE nir IN (SELECT nir FROM purged_nirs))",
                {"p": PURGED},
            )
            con.execute(
                "UPDATE of_lines SET nir = NULL, nom_titulaire = $p WHERE nir IN (SELECT nir FROM purged_nirs)",
                {"p": PURGED},
            )
            con.execute(
                "UPDATE training_records SET nir = NULL, birth_name = $p, usage_name = NULL, first_name = NULL, "
                "natural_key = CASE WHEN natural_key LIKE 'N:%' THEN 'P:' || id ELSE natural_key END "
                "WHERE matricule IN (SELECT matricule FROM purged_people)",
                {"p": PURGED},
            )
            con.execute(
                "UPDATE employees SET nir = NULL, birth_name = $p, usage_name = NULL, first_name = NULL, "
                "manager = NULL WHERE matricule IN (SELECT matricule FROM purged_people)",
                {"p": PURGED},
            )
            audit(
                con, who=who or self.user, target_kind="store", target_key="employees", action="purged",
                reason=f"{len(chosen)} salarié(s) parti(s) depuis plus de {months} mois",
            )  # fmt: skip
            con.unregister("purged_people")
            refresh_derived(con)  # the purged people's NIRs are gone: their pairings are recomputed
        return (
            f"Données personnelles (NIR, noms) de {len(chosen)} salarié(s) parti(s) depuis plus de {months} mois "
            f"effacées ; {kept} conservé(s) car une déclaration est encore en cours."
        )


def _months_before(day: date, months: int) -> date:
    """The same day `months` calendar months earlier (the month's last day when it has fewer days)."""
    year, month0 = divmod(day.year * 12 + day.month - 1 - months, 12)
    return date(year, month0 + 1, min(day.day, calendar.monthrange(year, month0 + 1)[1]))
