"""Settings, establishments, saved header mappings, and the small reads every page needs (counts, referential)."""

from __future__ import annotations

from collections.abc import Mapping

import duckdb
import pandas as pd

from lib import identifiers, settings
from lib.store.connection import StoreBase, StoreError, audit, transaction
from lib.store.derived import refresh_derived

_COUNTED_TABLES = ("of_lines", "training_records", "employees", "competences", "imports", "organismes")


class ConfigurationMixin(StoreBase):
    """Settings, establishments, header mappings and the small reads every page needs."""

    def competence_codes(self) -> frozenset[str] | None:
        """The loaded competence referential, or None when none was loaded (format-only checks)."""
        if not self.path.exists():
            return None
        with self.read() as con:
            codes = [row[0] for row in con.execute("SELECT code FROM competences").fetchall()]
        return frozenset(codes) if codes else None

    def counts(self) -> dict[str, int]:
        with self.read() as con:
            return {t: int(con.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0]) for t in _COUNTED_TABLES}  # type: ignore[index]

    def recent_imports(self, limit: int = 20) -> pd.DataFrame:
        return self.query("recent_imports", {"limit": limit})

    def saved_mapping(self, kind: str) -> dict[str, str]:
        with self.read() as con:
            rows = con.execute(
                "SELECT source_header, field FROM header_mappings WHERE kind = $kind", {"kind": kind}
            ).fetchall()
        return {str(a): str(b) for a, b in rows}

    def save_mapping(self, kind: str, mapping: Mapping[str, str]) -> None:
        with self.connect() as con, transaction(con):
            save_mapping(con, kind, mapping)

    def settings(self) -> dict[str, str]:
        """Every setting, in one read (what a page needs on each run)."""
        with self.read() as con:
            return {str(k): str(v) for k, v in con.execute("SELECT key, value FROM settings").fetchall()}

    def get_setting(self, key: str) -> str | None:
        with self.read() as con:
            row = con.execute("SELECT value FROM settings WHERE key = $k", {"k": key}).fetchone()
        return str(row[0]) if row else None

    def set_setting(self, key: str, value: str, who: str | None = None) -> None:
        """Change a setting; the change is recorded in the audit (long values by their size only)."""
        shown = value if len(value) <= 80 else f"({len(value)} caractères)"
        with self.connect() as con, transaction(con):
            audit(con, who=who or self.user, target_kind="settings", target_key=key, action="changed", reason=shown)
            con.execute(
                "INSERT INTO settings VALUES ($k, $v, now()::TIMESTAMP, $w) "
                "ON CONFLICT DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at, "
                "who = excluded.who",
                {"k": key, "v": value, "w": who or self.user},
            )
            if changes_deadlines(key):
                refresh_derived(con)

    def set_establishments(self, establishments: list[tuple[str, str, str]]) -> None:
        """Replace the employer's establishments: (SIRET, name, site)."""
        for siret, _, _ in establishments:
            if not identifiers.is_valid_siret(siret):
                raise StoreError(f"SIRET d'établissement invalide : « {siret} ».")
        with self.connect() as con, transaction(con):
            con.execute("DELETE FROM establishments")
            for siret, name, site in establishments:
                con.execute("INSERT INTO establishments VALUES ($s, $n, $t)", {"s": siret, "n": name, "t": site})
            refresh_derived(con)  # which OF lines concern the employer


def changes_deadlines(key: str) -> bool:
    """The setting changes the persisted deadlines or pairings (lib/store/derived.py): the rule set, its overridden
    dates, the matching tolerance."""
    return key in (settings.RULE_SET_KEY, settings.TOLERANCE_KEY) or key.startswith("override.")


def save_mapping(con: duckdb.DuckDBPyConnection, kind: str, mapping: Mapping[str, str]) -> None:
    """Remember which column of a file of `kind` holds which field (inside the caller's transaction)."""
    for source, target in mapping.items():
        con.execute(
            "INSERT INTO header_mappings VALUES ($k, $s, $f) ON CONFLICT DO UPDATE SET field = excluded.field",
            {"k": kind, "s": source, "f": target},
        )
