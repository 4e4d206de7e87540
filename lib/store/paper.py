"""The rows behind the PDFs of lib/paper.py: one person's passport, one site's audit report.

One small method per PDF, each asking the workflow lists (lib/sql/*.sql, over the persisted tables of
lib/store/derived.py) for one person's or one site's rows only, the filter applied in SQL around the list query
so DuckDB pushes it down to the working tables. When the lists take their own filters, only these two methods
change.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import pandas as pd

from lib import paper, requirements, settings
from lib.lists import ListContext, ListQuery, is_in
from lib.rules import RuleSet
from lib.store.configuration import ConfigurationMixin
from lib.store.connection import StoreError
from lib.store.lists import ListsMixin

PASSPORT_LISTS = ("validities", "expected_trainings", "internal_trainings")
SITE_LISTS = ("validities", "expected_trainings", "internal_trainings")


@dataclass(frozen=True)
class PassportRows:
    """One person's rows: roster row (None: absent from the roster), establishment name, workflow lists."""

    employee: dict[str, Any] | None
    establishment: str
    validities: pd.DataFrame
    expected: pd.DataFrame
    internal: pd.DataFrame
    of_declarations: pd.DataFrame


@dataclass(frozen=True)
class SiteRows:
    """One site's rows: its establishments, its headcount at `today`, its workflow lists."""

    establishments: tuple[str, ...]
    headcount: int
    validities: pd.DataFrame
    expected: pd.DataFrame
    internal: pd.DataFrame


class PaperMixin(ListsMixin, ConfigurationMixin):
    """The rows of the passport and of the audit report."""

    def passport_rows(
        self, matricule: str, *, rules: RuleSet, today: date, tolerance_days: int = 3, horizon_days: int = 90
    ) -> PassportRows | None:
        """One person's roster row and rows of the workflow lists; None when the matricule is known neither in
        the roster nor in the training records. OF declarations: those carrying the person's NIR, or matched to
        one of their records."""
        with self.read() as con:
            found = con.execute("SELECT * FROM employees WHERE matricule = $m", {"m": matricule}).df()
            employee = None if found.empty else dict(found.iloc[0])
            if (
                employee is None
                and not con.execute(
                    "SELECT 1 FROM training_records WHERE matricule = $m LIMIT 1", {"m": matricule}
                ).fetchone()
            ):
                return None
        context = ListContext(today=today, horizon_days=horizon_days)
        frames = {
            name: self.list_rows(ListQuery(name).where(is_in("matricule", [matricule])), context)
            for name in PASSPORT_LISTS
        }
        nir = employee.get("nir") if employee else None
        if not isinstance(nir, str):
            known = frames["validities"]["person_nir"].dropna()
            nir = str(known.iloc[0]) if not known.empty else None
        lines = self.list_rows(
            ListQuery("of_declarations").either(is_in("matricule", [matricule]), is_in("nir", [nir] if nir else [])),
            context,
        )
        siret = employee.get("establishment_siret") if employee else None
        if not isinstance(siret, str) and not frames["validities"].empty:
            siret = frames["validities"]["person_siret"].iloc[0]
        with self.read() as con:
            name = con.execute("SELECT name FROM establishments WHERE siret = $s", {"s": siret}).fetchone()
        return PassportRows(
            employee=employee,
            establishment=str(name[0]) if name and name[0] else "",
            validities=frames["validities"],
            expected=frames["expected_trainings"],
            internal=frames["internal_trainings"],
            of_declarations=lines,
        )

    def site_rows(
        self, site: str, *, rules: RuleSet, today: date, tolerance_days: int = 3, horizon_days: int = 90
    ) -> SiteRows | None:
        """One site's rows of the workflow lists (by the person's site), its establishments and the people on
        its roster still employed at `today`; None when no establishment, employee or record names the site."""
        with self.read() as con:
            known = con.execute(
                "SELECT 1 WHERE $s IN (SELECT site FROM establishments UNION ALL SELECT site FROM employees "
                "UNION ALL SELECT site FROM training_records)",
                {"s": site},
            ).fetchone()
            if not known:
                return None
            establishments = tuple(
                str(row[0])
                for row in con.execute(
                    "SELECT name FROM establishments WHERE site = $s ORDER BY name", {"s": site}
                ).fetchall()
            )
            count = con.execute(
                "SELECT count(*) FROM employees WHERE site = $s AND (exit_date IS NULL OR exit_date >= $today)",
                {"s": site, "today": today},
            ).fetchone()
        context = ListContext(today=today, horizon_days=horizon_days)
        frames = {
            name: self.list_rows(ListQuery(name).where(is_in("person_site", [site])), context) for name in SITE_LISTS
        }
        return SiteRows(
            establishments=establishments,
            headcount=int(count[0]) if count else 0,
            validities=frames["validities"],
            expected=frames["expected_trainings"],
            internal=frames["internal_trainings"],
        )

    def site_compliance(self, site: str, context: ListContext) -> pd.DataFrame | None:
        """Per required training family, how many people of the site it requires and how many hold a valid one
        (paper.COMPLIANCE_COLUMNS, family keys as labels); None when no requirement applies to the site."""
        counts = self.list_counts(
            ListQuery("missing_trainings").where(is_in("person_site", [site])), context, ["family", "compliant"]
        )
        if counts.empty:
            return None
        labels = requirements.families()
        counts["valid"] = counts["rows"].where(counts["compliant"].astype(bool), 0)
        per_family = counts.groupby("family", sort=True).agg(required=("rows", "sum"), valid=("valid", "sum"))
        return pd.DataFrame(
            {
                "requirement": [labels.get(str(f), str(f)) for f in per_family.index],
                "required": per_family["required"].astype(int).to_numpy(),
                "valid": per_family["valid"].astype(int).to_numpy(),
            }
        )

    def _edition(self, rules: RuleSet, today: date) -> paper.Edition:
        return paper.Edition(
            today=today,
            rule_set=rules.title,
            certainty=rules.certainty,
            employer=self.get_setting("employer_name") or "",
        )

    def _settings_or_own(
        self, rules: RuleSet | None, tolerance_days: int | None, horizon_days: int | None
    ) -> tuple[RuleSet, int, int]:
        """The rule set and preferences given, else the store's own (what the screens and the CLI use)."""
        prefs = settings.preferences(self)
        return (
            rules if rules is not None else settings.active_rules(self),
            tolerance_days if tolerance_days is not None else prefs.tolerance_days,
            horizon_days if horizon_days is not None else prefs.horizon_days,
        )

    def passport_pdf(
        self,
        matricule: str,
        *,
        today: date,
        rules: RuleSet | None = None,
        tolerance_days: int | None = None,
        horizon_days: int | None = None,
    ) -> bytes:
        """The PDF passport of one person at `today` (lib/paper.py), under the store's own rule set and
        preferences unless others are given; StoreError for an unknown matricule."""
        rules, tolerance_days, horizon_days = self._settings_or_own(rules, tolerance_days, horizon_days)
        rows = self.passport_rows(
            matricule, rules=rules, today=today, tolerance_days=tolerance_days, horizon_days=horizon_days
        )
        if rows is None:
            raise StoreError(
                f"Matricule « {matricule[:40]} » inconnu : ni dans le registre du personnel, ni dans les formations."
            )
        passport = paper.passport_from_frames(
            rows.employee,
            matricule=matricule,
            establishment=rows.establishment,
            validities=rows.validities,
            expected=rows.expected,
            internal=rows.internal,
            of_declarations=rows.of_declarations,
        )
        return paper.render_passport(passport, self._edition(rules, today))

    def site_audit_pdf(
        self,
        site: str,
        *,
        today: date,
        rules: RuleSet | None = None,
        tolerance_days: int | None = None,
        horizon_days: int | None = None,
        compliance: pd.DataFrame | None = None,
    ) -> bytes:
        """The PDF audit report of one site at `today` (lib/paper.py), under the store's own rule set and
        preferences unless others are given; StoreError for an unknown site.

        `compliance`: the per-requirement counts of paper.COMPLIANCE_COLUMNS, when requirements are defined."""
        rules, tolerance_days, horizon_days = self._settings_or_own(rules, tolerance_days, horizon_days)
        rows = self.site_rows(site, rules=rules, today=today, tolerance_days=tolerance_days, horizon_days=horizon_days)
        if rows is None:
            known = ", ".join(self.sites()) or "aucun"
            raise StoreError(f"Site « {site[:60]} » inconnu (sites connus : {known}).")
        if compliance is None:
            compliance = self.site_compliance(site, ListContext(today=today, horizon_days=horizon_days))
        audit = paper.site_audit_from_frames(
            site,
            establishments=rows.establishments,
            headcount=rows.headcount,
            validities=rows.validities,
            expected=rows.expected,
            internal=rows.internal,
            horizon_days=horizon_days,
            compliance=compliance,
        )
        return paper.render_site_audit(audit, self._edition(rules, today))

    def sites(self) -> list[str]:
        """Every site named by an establishment, the roster or a training record, sorted."""
        with self.read() as con:
            rows = con.execute(
                "SELECT DISTINCT site FROM (SELECT site FROM establishments UNION ALL SELECT site FROM employees "
                "UNION ALL SELECT site FROM training_records) WHERE site IS NOT NULL AND trim(site) <> '' ORDER BY site"
            ).fetchall()
        return [str(row[0]) for row in rows]
