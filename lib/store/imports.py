"""Imports, all or nothing: OF declaration files (line reader or DuckDB bulk), HR records and roster, and the
competence referential; each recorded in `imports` with its sha256 (the same file twice changes nothing)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Literal

import duckdb
import pandas as pd

from lib import identifiers, portal, portal_bulk, records, referentials
from lib.matching import record_key
from lib.store import screening
from lib.store.configuration import ConfigurationMixin, save_mapping
from lib.store.connection import StoreError, audit, sha256_of, transaction
from lib.store.derived import refresh_derived

MAX_HR_FILE_BYTES = 200_000_000  # the portal's own limit, applied to every file a user loads
ImportKind = Literal["of", "internal", "roster", "competences"]


@dataclass(frozen=True)
class Problem:
    """One reason a file was refused: where (line, column) and why."""

    line: int | None
    column: str | None
    value: str | None
    message: str


@dataclass(frozen=True)
class ImportResult:
    """What an import did: `imported`, `unchanged` (same file again), `refused` (nothing stored), or `to_confirm`:
    nothing stored yet, the file does not look like the employer's (`unfamiliar` says why); import it again with
    `accept_warnings=True` to go on."""

    status: Literal["imported", "unchanged", "refused", "to_confirm"]
    file_name: str
    kind: ImportKind
    message: str
    import_id: int | None = None
    rows: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    problems: tuple[Problem, ...] = ()
    warnings: tuple[str, ...] = field(default_factory=tuple)
    unfamiliar: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.status in ("imported", "unchanged")


class ImportsMixin(ConfigurationMixin):
    """Imports, each all or nothing in one transaction."""

    def _already_imported(
        self, con: duckdb.DuckDBPyConnection, digest: str, kind: str, organisme: str | None
    ) -> tuple[Any, ...] | None:
        return con.execute(
            "SELECT id, imported_at, file_name FROM imports WHERE sha256 = $d AND kind = $k "
            "AND organisme IS NOT DISTINCT FROM $o ORDER BY id LIMIT 1",
            {"d": digest, "k": kind, "o": organisme},
        ).fetchone()

    def _unchanged(self, previous: tuple[Any, ...], file_name: str, kind: ImportKind) -> ImportResult:
        when = previous[1].strftime("%d/%m/%Y à %H:%M")
        return ImportResult(
            "unchanged",
            file_name,
            kind,
            f"{file_name} : fichier identique à celui déjà importé le {when} ({previous[2]}) ; rien n'a changé.",
            import_id=int(previous[0]),
        )

    def _record_import(
        self,
        con: duckdb.DuckDBPyConnection,
        *,
        file_name: str,
        data: bytes,
        kind: ImportKind,
        rows: int,
        who: str,
        portal_kind: str | None = None,
        organisme: str | None = None,
        received_on: date | None = None,
        digest: str | None = None,
    ) -> int:
        import_id = int(con.execute("SELECT nextval('import_id_seq')").fetchone()[0])  # type: ignore[index]
        con.execute(
            "INSERT INTO imports VALUES ($id, $name, $sha, $size, $kind, $pk, $org, $rows, 0, 0, 0, $recv, "
            "now()::TIMESTAMP, $who)",
            {
                "id": import_id,
                "name": file_name,
                "sha": digest or sha256_of(data),
                "size": len(data),
                "kind": kind,
                "pk": portal_kind,
                "org": organisme,
                "rows": rows,
                "recv": received_on,
                "who": who,
            },
        )
        return import_id

    def import_of_file(
        self,
        data: bytes,
        file_name: str,
        *,
        organisme: str | None = None,
        organisme_siret: str | None = None,
        today: date,
        received_on: date | None = None,
        who: str | None = None,
    ) -> ImportResult:
        """Load an OF declaration file (ADF or JDR), all or nothing; lines keyed by (OF, ID_UNIQUE_PARTENAIRE)."""
        who = who or self.user
        organisme = (organisme or Path(file_name).stem).strip()
        if not organisme:
            raise StoreError("Indiquez le nom de l'organisme de formation qui a déclaré ce fichier.")
        if organisme_siret and not identifiers.is_valid_siret(organisme_siret):
            return ImportResult("refused", file_name, "of", f"SIRET de l'organisme invalide : « {organisme_siret} ».")
        digest = sha256_of(data)
        if self.path.exists():
            with self.read() as con:
                previous = self._already_imported(con, digest, "of", organisme)
            if previous:
                return self._unchanged(previous, file_name, "of")
        competences = self.competence_codes()
        received = received_on or today
        bulk_kind = portal_bulk.precheck(data, file_name)
        if bulk_kind is not None:
            done = self._import_of_bulk(
                data, file_name, bulk_kind, organisme=organisme, organisme_siret=organisme_siret, today=today,
                received=received, competences=competences, who=who, digest=digest,
            )  # fmt: skip
            if done is not None:
                return done
        parsed = portal.parse_portal_file(data, file_name, today=today, competences=competences)
        report = parsed.report
        if not report.valid or parsed.kind is None:
            problems = tuple(Problem(None, None, None, message) for message in report.file_errors) + tuple(
                Problem(e.line, e.column, e.value, e.message) for e in report.line_errors
            )
            return ImportResult(
                "refused",
                file_name,
                "of",
                f"{file_name} : fichier refusé ({len(problems)} problème(s)) ; rien n'a été enregistré.",
                problems=problems,
                warnings=report.warnings,
            )
        frame = _of_frame(parsed)
        frame.insert(0, "organisme", organisme)
        with self.connect() as con:
            con.register("staged_of", frame)
            counts = self._store_of_lines(
                con, data, file_name, parsed.kind, len(frame), organisme=organisme, organisme_siret=organisme_siret,
                received=received, who=who, digest=digest,
            )  # fmt: skip
            con.unregister("staged_of")
        return _of_result(file_name, parsed.kind, organisme, counts, report.warnings)

    def _store_of_lines(
        self,
        con: duckdb.DuckDBPyConnection,
        data: bytes,
        file_name: str,
        kind: str,
        rows: int,
        *,
        organisme: str,
        organisme_siret: str | None,
        received: date,
        who: str,
        digest: str | None = None,
    ) -> tuple[int, int, int, int]:
        """Record the import and merge `staged_of` into of_lines in one transaction; (id, new, changed, same)."""
        with transaction(con):
            import_id = self._record_import(
                con, file_name=file_name, data=data, kind="of", rows=rows, who=who, portal_kind=kind,
                organisme=organisme, received_on=received, digest=digest,
            )  # fmt: skip
            con.execute(
                "INSERT INTO organismes VALUES ($n, $s) ON CONFLICT DO UPDATE SET siret = "
                "coalesce(excluded.siret, organismes.siret)",
                {"n": organisme, "s": organisme_siret},
            )
            merged = _merge_of_lines(con, {"imp": import_id, "recv": received, "org": organisme})
            new, changed, same, changed_keys = merged
            con.execute(
                "UPDATE imports SET inserted = $i, updated = $u, unchanged = $n WHERE id = $imp",
                {"i": new, "u": changed, "n": same, "imp": import_id},
            )
            # The facts, candidates, pairings and list rows the new or changed lines change, persisted (a delta).
            refresh_derived(con, line_keys_sql=changed_keys)
        return import_id, new, changed, same

    def _import_of_bulk(
        self,
        data: bytes,
        file_name: str,
        kind: portal.PortalKind,
        *,
        organisme: str,
        organisme_siret: str | None,
        today: date,
        received: date,
        competences: frozenset[str] | None,
        who: str,
        digest: str,
    ) -> ImportResult | None:
        """Validate and load a large file with DuckDB (portal_bulk); None when the line reader must decide."""
        columns = portal.columns_of(kind)
        # DuckDB reads files, not bytes: a RAM-backed folder when the system has one (Linux /dev/shm).
        scratch = "/dev/shm" if os.access("/dev/shm", os.W_OK) else None
        with tempfile.TemporaryDirectory(dir=scratch) as folder:
            path = Path(folder) / "declarations.csv"
            path.write_bytes(data)
            with self.connect() as con:
                try:
                    # nullstr: a byte the precheck refused, so an empty field reads as '' (not NULL).
                    con.execute(
                        "CREATE OR REPLACE TEMP TABLE raw_of AS SELECT * FROM read_csv($path, delim = '|', "
                        "header = false, skip = 1, columns = $columns, quote = '', escape = '', strict_mode = true, "
                        "null_padding = false, auto_detect = false, nullstr = $nothing)",
                        {"path": str(path), "columns": {c: "VARCHAR" for c in columns}, "nothing": "\x01"},
                    )
                except duckdb.Error:
                    return None
                if not _bulk_valid(con, kind, today=today, competences=competences):
                    return None
                # A view, not a copy: the merge reads raw_of once, typing each column on the way.
                con.execute(
                    "CREATE OR REPLACE TEMP TABLE staged_meta AS SELECT $org AS organisme, $kind AS portal_kind",
                    {"org": organisme, "kind": kind},
                )
                con.execute(
                    "CREATE OR REPLACE TEMP VIEW staged_of AS SELECT m.organisme, m.portal_kind, "
                    + ", ".join(_bulk_typed(c, c in columns) for c in portal.JDR_COLUMNS)
                    + ", CAST(raw_of.rowid + 2 AS INTEGER) AS source_line FROM raw_of, staged_meta m"
                )
                rows = int(con.execute("SELECT count(*) FROM staged_of").fetchone()[0])  # type: ignore[index]
                counts = self._store_of_lines(
                    con, data, file_name, kind, rows, organisme=organisme, organisme_siret=organisme_siret,
                    received=received, who=who, digest=digest,
                )  # fmt: skip
        warnings = (portal.NO_COMPETENCE_REFERENTIAL_WARNING,) if competences is None else ()
        return _of_result(file_name, kind, organisme, counts, warnings)

    def import_records(
        self,
        data: bytes,
        file_name: str,
        kind: Literal["internal", "roster"],
        *,
        mapping: Mapping[str, str] | None = None,
        who: str | None = None,
        accept_warnings: bool = False,
    ) -> ImportResult:
        """Load an HR export (training records or roster), all or nothing; re-import updates, never duplicates.

        A file with establishments none of the employer's, or (training records) people missing from the staff
        register, is held back (`to_confirm`, nothing stored) unless `accept_warnings`; accepted, the warnings are
        written to the journal with the import."""
        who = who or self.user
        if len(data) > MAX_HR_FILE_BYTES:
            return ImportResult(
                "refused", file_name, kind,
                f"{file_name} : fichier de {len(data) / 1e6:.0f} Mo, au-delà de la limite de "
                f"{MAX_HR_FILE_BYTES // 1_000_000} Mo ; rien n'a été enregistré. Découpez l'export ou retirez "
                "les colonnes inutiles.",
            )  # fmt: skip
        digest = sha256_of(data)
        saved: dict[str, str] = {}
        if self.path.exists():
            with self.read() as con:
                previous = self._already_imported(con, digest, kind, None)
            if previous:
                return self._unchanged(previous, file_name, kind)
            saved = self.saved_mapping(kind)
        effective = {**saved, **(mapping or {})} or None
        parsed = records.read_records(data, file_name, kind, mapping=effective)
        if not parsed.ok:
            problems = tuple(Problem(None, None, None, m) for m in parsed.file_errors) + tuple(
                Problem(i.line, i.column, i.value, i.message) for i in parsed.issues
            )
            return ImportResult(
                "refused",
                file_name,
                kind,
                f"{file_name} : fichier refusé ({len(problems)} problème(s)) ; rien n'a été enregistré.",
                problems=problems,
                warnings=parsed.warnings,
            )
        frame = parsed.frame.copy()
        frame["source_line"] = list(parsed.source_line)
        with self.connect() as con, transaction(con):
            unfamiliar = screening.unfamiliar_rows(con, frame, kind).messages(kind)
            if unfamiliar and not accept_warnings:
                return ImportResult(
                    "to_confirm", file_name, kind,
                    f"{file_name} : rien n'a été enregistré — ce fichier ne ressemble pas entièrement à ceux de votre "
                    "entreprise. Vérifiez-le, puis importez-le quand même ou annulez.",
                    rows=len(frame), warnings=parsed.warnings, unfamiliar=unfamiliar,
                )  # fmt: skip
            import_id = self._record_import(con, file_name=file_name, data=data, kind=kind, rows=len(frame), who=who)
            if unfamiliar:
                audit(
                    con, who=who, target_kind="import", target_key=str(import_id), action="accepted_warnings",
                    reason=f"{file_name} : " + " ".join(unfamiliar),
                )  # fmt: skip
            if kind == "internal":
                counts = _merge_training_records(con, frame, import_id)
            else:
                counts = _merge_employees(con, frame, import_id)
            con.execute(
                "UPDATE imports SET inserted = $i, updated = $u, unchanged = $n WHERE id = $imp",
                {"i": counts[0], "u": counts[1], "n": counts[2], "imp": import_id},
            )
            if mapping:
                save_mapping(con, kind, mapping)
            refresh_derived(con)  # a roster or records change anyone's deadlines and pairings
        label = "formation(s)" if kind == "internal" else "salarié(s)"
        inserted, updated, unchanged = counts
        return ImportResult(
            "imported",
            file_name,
            kind,
            f"{file_name} : {len(frame)} {label} — {inserted} nouveau(x), {updated} mis à jour, "
            f"{unchanged} inchangé(s).",
            import_id=import_id,
            rows=len(frame),
            inserted=inserted,
            updated=updated,
            unchanged=unchanged,
            warnings=parsed.warnings,
            unfamiliar=unfamiliar,
        )

    def import_competences(self, data: bytes, file_name: str, *, who: str | None = None) -> ImportResult:
        """Replace the competence referential with this ROME 4.0 export, recording its provenance."""
        who = who or self.user
        if len(data) > MAX_HR_FILE_BYTES:
            return ImportResult(
                "refused", file_name, "competences",
                f"{file_name} : fichier de {len(data) / 1e6:.0f} Mo, trop gros pour un référentiel ; rien n'a été "
                "enregistré.",
            )  # fmt: skip
        digest = sha256_of(data)
        if self.path.exists():
            with self.read() as con:
                previous = self._already_imported(con, digest, "competences", None)
                loaded = con.execute(
                    "SELECT count(*) FROM competences WHERE import_id = $i",
                    {"i": previous[0] if previous else -1},
                ).fetchone()
            if previous and loaded and loaded[0]:
                return self._unchanged(previous, file_name, "competences")
        parsed = referentials.parse_competences(data, file_name)
        if not parsed.ok:
            return ImportResult(
                "refused",
                file_name,
                "competences",
                f"{file_name} : référentiel refusé ; rien n'a été enregistré.",
                problems=tuple(Problem(None, None, None, m) for m in parsed.errors),
            )
        frame = pd.DataFrame(
            {
                "code": [c.code for c in parsed.competences],
                "type": [c.type for c in parsed.competences],
                "categorie": [c.categorie for c in parsed.competences],
                "sous_categorie": [c.sous_categorie for c in parsed.competences],
                "libelle": [c.libelle for c in parsed.competences],
            }
        )
        with self.connect() as con, transaction(con):
            import_id = self._record_import(
                con, file_name=file_name, data=data, kind="competences", rows=len(frame), who=who
            )
            con.execute("DELETE FROM competences")
            con.register("staged_comp", frame)
            con.execute(
                "INSERT INTO competences SELECT code, type, categorie, sous_categorie, libelle, $i FROM staged_comp",
                {"i": import_id},
            )
            con.unregister("staged_comp")
            con.execute("UPDATE imports SET inserted = $n WHERE id = $i", {"n": len(frame), "i": import_id})
        return ImportResult(
            "imported",
            file_name,
            "competences",
            f"{file_name} : référentiel de {len(frame)} compétences chargé (il remplace le précédent).",
            import_id=import_id,
            rows=len(frame),
            inserted=len(frame),
        )


_OF_DATE_COLUMNS = ("DATE_DEBUT_FORMATION", "DATE_FIN_FORMATION", "DATE_DEBUT_VALIDITE", "DATE_FIN_VALIDITE")
_OF_VALUE_COLUMNS = tuple(c.lower() for c in portal.JDR_COLUMNS if c != "ID_UNIQUE_PARTENAIRE")


def _of_result(
    file_name: str, kind: str, organisme: str, counts: tuple[int, int, int, int], warnings: tuple[str, ...]
) -> ImportResult:
    import_id, inserted, updated, unchanged = counts
    rows = inserted + updated + unchanged
    return ImportResult(
        "imported",
        file_name,
        "of",
        f"{file_name} ({kind}, {organisme}) : {rows} ligne(s) — {inserted} nouvelle(s), "
        f"{updated} modifiée(s), {unchanged} inchangée(s).",
        import_id=import_id,
        rows=rows,
        inserted=inserted,
        updated=updated,
        unchanged=unchanged,
        warnings=warnings,
    )


def _bulk_valid(
    con: duckdb.DuckDBPyConnection, kind: portal.PortalKind, *, today: date, competences: frozenset[str] | None
) -> bool:
    """Every rule of the portal over the table raw_of, in bulk (see lib/portal_bulk.py), in two scans."""
    training = portal.training_columns_of(kind)
    listed = ", ".join(training)
    declarations = con.execute(
        f"SELECT ID_DECLARATION, {listed}, count(*) AS holders FROM raw_of GROUP BY ALL"
    ).fetchall()
    if len({row[0] for row in declarations}) != len(declarations):
        return False  # one ID_DECLARATION with two different training data
    if any(row[-1] > portal.MAX_HOLDERS_PER_DECLARATION for row in declarations):
        return False
    trainings = {row[1:-1] for row in declarations}
    if not portal_bulk.trainings_valid(kind, trainings, today=today, competences=competences, declarant="of"):
        return False
    links = "list(DISTINCT LIEN_PREUVE) FILTER (LIEN_PREUVE <> '')" if kind == "JDR" else "[]"
    row = con.execute(
        "SELECT count(*) - count(DISTINCT ID_UNIQUE_PARTENAIRE), "
        f"count(*) FILTER ({portal_bulk.holder_violation_sql(kind)}), "
        "list(DISTINCT DATE_DEBUT_VALIDITE), list(DISTINCT DATE_FIN_VALIDITE) FILTER (DATE_FIN_VALIDITE <> ''), "
        "list(DISTINCT SIRET_EMPLOYEUR) FILTER (SIRET_EMPLOYEUR <> '' AND PRESENCE_EMPLOYEUR <> 'NON'), "
        f"{links} FROM raw_of"
    ).fetchone()
    if row is None or row[0] or row[1]:
        return False
    return (
        portal_bulk.dates_valid([*row[2], *(row[3] or [])])
        and portal_bulk.sirets_valid(row[4] or [])
        and portal_bulk.links_valid(row[5] or [])
    )


def _bulk_typed(column: str, in_file: bool) -> str:
    """A portal column of raw_of as of_lines stores it (JDR-only columns NULL in an ADF file)."""
    name = column.lower()
    if not in_file:
        return f"CAST(NULL AS VARCHAR) AS {name}"
    if column in _OF_DATE_COLUMNS:
        return f"CAST(try_strptime(nullif({column}, ''), '%d/%m/%Y') AS DATE) AS {name}"
    if column == "NIR":
        return f"left(nullif({column}, ''), 13) AS {name}"
    if column == "ID_UNIQUE_PARTENAIRE":
        return f"{column} AS {name}"
    return f"nullif({column}, '') AS {name}"


def _of_frame(parsed: portal.PortalFile) -> pd.DataFrame:
    """The parsed portal lines as a typed frame with every JDR column (ADF lines leave JDR-only ones empty)."""
    data: dict[str, list[Any]] = {c.lower(): [] for c in portal.JDR_COLUMNS}
    for row in parsed.rows:
        for column in portal.JDR_COLUMNS:
            value = row.get(column, "")
            if column in _OF_DATE_COLUMNS:
                data[column.lower()].append(portal.parse_portal_date(value) if value else None)
            elif column == "NIR":
                data["nir"].append(identifiers.normalize_nir(value) if value else None)
            else:
                data[column.lower()].append(value if value != "" else None)
    frame = pd.DataFrame(data)
    for column in _OF_DATE_COLUMNS:
        frame[column.lower()] = pd.to_datetime(frame[column.lower()])
    frame.insert(0, "portal_kind", parsed.kind)
    frame["source_line"] = range(2, len(frame) + 2)
    return frame


def _merge_of_lines(con: duckdb.DuckDBPyConnection, params: dict[str, Any]) -> tuple[int, int, int, str]:
    """Insert new lines, update repeated ones recording each changed field; (inserted, updated, unchanged, and a
    query of the keys of the lines inserted or updated: what the refresh of the derived tables starts from).

    `params`: imp (the import id), recv (when the OF declared), org (the organisme of every staged line).
    """
    stamps = {"imp": params["imp"], "recv": params["recv"]}
    value_columns = ("portal_kind",) + _OF_VALUE_COLUMNS
    staged_cast = ", ".join(
        f"CAST({c} AS DATE) AS {c}" if c.upper() in _OF_DATE_COLUMNS else f"CAST({c} AS VARCHAR) AS {c}"
        for c in value_columns
    )
    columns = ", ".join(value_columns)
    insert = (
        f"INSERT INTO of_lines (organisme, id_unique_partenaire, {columns}, source_line, first_import_id, "
        "last_import_id, first_received_on, last_received_on) "
        f"SELECT organisme, id_unique_partenaire, {staged_cast}, source_line, $imp, $imp, $recv, $recv "
    )
    known = con.execute("SELECT count(*) FROM of_lines WHERE organisme = $org", {"org": params["org"]}).fetchone()
    if known is not None and known[0] == 0:
        # A first file from this OF (the common case of a big import): every line is new, no comparison.
        row = con.execute(insert + "FROM staged_of", stamps).fetchone()
        assert row is not None
        return int(row[0]), 0, 0, "SELECT organisme || '|' || id_unique_partenaire FROM staged_of"
    differs = " OR ".join(f"s.{c} IS DISTINCT FROM o.{c}" for c in value_columns)
    con.execute(
        "CREATE OR REPLACE TEMP TABLE staged AS SELECT s.*, "
        f"CASE WHEN o.organisme IS NULL THEN 'new' WHEN {differs} THEN 'changed' ELSE 'same' END AS state "
        f"FROM (SELECT organisme, id_unique_partenaire, {staged_cast}, source_line FROM staged_of) s "
        "LEFT JOIN of_lines o USING (organisme, id_unique_partenaire)"
    )
    row = con.execute(
        "SELECT count(*) FILTER (state = 'new'), count(*) FILTER (state = 'changed'), "
        "count(*) FILTER (state = 'same') FROM staged"
    ).fetchone()
    assert row is not None
    inserted, changed, same = int(row[0]), int(row[1]), int(row[2])
    if inserted:
        con.execute(
            f"INSERT INTO of_lines (organisme, id_unique_partenaire, {columns}, source_line, first_import_id, "
            "last_import_id, first_received_on, last_received_on) SELECT organisme, id_unique_partenaire, "
            f"{columns}, source_line, $imp, $imp, $recv, $recv FROM staged WHERE state = 'new'",
            stamps,
        )
    if changed:
        # Only repeated lines can differ: record each changed field, then update those lines.
        for column in value_columns:
            con.execute(
                "INSERT INTO of_line_changes SELECT s.organisme, s.id_unique_partenaire, $imp, now()::TIMESTAMP, "
                f"'{column}', CAST(o.{column} AS VARCHAR), CAST(s.{column} AS VARCHAR) "
                "FROM staged s JOIN of_lines o USING (organisme, id_unique_partenaire) "
                f"WHERE s.state = 'changed' AND s.{column} IS DISTINCT FROM o.{column}",
                {"imp": params["imp"]},
            )
        assignments = ", ".join(f"{c} = s.{c}" for c in value_columns)
        con.execute(
            f"UPDATE of_lines o SET {assignments}, source_line = s.source_line, last_import_id = $imp, "
            "last_received_on = $recv FROM staged s WHERE s.state = 'changed' AND o.organisme = s.organisme "
            "AND o.id_unique_partenaire = s.id_unique_partenaire",
            stamps,
        )
    return inserted, changed, same, "SELECT organisme || '|' || id_unique_partenaire FROM staged WHERE state <> 'same'"


_RECORD_COLUMNS = (
    "matricule", "nir", "birth_name", "usage_name", "first_name", "establishment_siret", "site", "service",
    "training_title", "training_type", "category", "organisme", "organisme_siret", "is_internal", "proof_kind",
    "start_date", "end_date", "validity_start", "validity_end", "reference",
)  # fmt: skip
_RECORD_DATES = ("start_date", "end_date", "validity_start", "validity_end")
_EMPLOYEE_COLUMNS = (
    "matricule", "nir", "birth_name", "usage_name", "first_name", "establishment_siret", "site", "service",
    "manager", "entry_date", "exit_date", "job",
)  # fmt: skip
_EMPLOYEE_DATES = ("entry_date", "exit_date")


def _typed_select(columns: tuple[str, ...], dates: tuple[str, ...], special: Mapping[str, str]) -> str:
    parts = []
    for c in columns:
        if c in special:
            parts.append(f"{special[c]} AS {c}")
        elif c in dates:
            parts.append(f"CAST({c} AS DATE) AS {c}")
        else:
            parts.append(f"CAST({c} AS VARCHAR) AS {c}")
    return ", ".join(parts)


def _upsert(
    con: duckdb.DuckDBPyConnection,
    *,
    table: str,
    key: str,
    columns: tuple[str, ...],
    extra_insert: Mapping[str, str],
    extra_update: tuple[str, ...],
    import_id: int,
) -> tuple[int, int, int]:
    """Merge temp table `staged` into `table` on `key`; (inserted, updated, unchanged).

    `extra_insert` maps more columns to SQL expressions of our own (`$imp` is the import's id).
    """
    differs = " OR ".join(f"s.{c} IS DISTINCT FROM o.{c}" for c in columns)
    row = con.execute(
        f"SELECT count(*) FILTER (o.{key} IS NULL), count(*) FILTER (o.{key} IS NOT NULL AND ({differs})), "
        f"count(*) FILTER (o.{key} IS NOT NULL AND NOT ({differs})) "
        f"FROM staged s LEFT JOIN {table} o USING ({key})"
    ).fetchone()
    assert row is not None
    insert_columns = (key,) + columns + tuple(extra_insert)
    select = ", ".join((f"s.{key}",) + tuple(f"s.{c}" for c in columns) + tuple(extra_insert.values()))
    assignments = ", ".join(f"{c} = excluded.{c}" for c in columns + extra_update)
    con.execute(
        f"INSERT INTO {table} ({', '.join(insert_columns)}) SELECT {select} FROM staged s "
        f"LEFT JOIN {table} o USING ({key}) WHERE o.{key} IS NULL OR {differs} "
        f"ON CONFLICT ({key}) DO UPDATE SET {assignments}",
        {"imp": import_id},
    )
    return int(row[0]), int(row[1]), int(row[2])


def _frame_for_sql(frame: pd.DataFrame, dates: tuple[str, ...]) -> pd.DataFrame:
    out = frame.copy()
    for column in dates:
        out[column] = pd.to_datetime(out[column])
    return out


def _merge_training_records(
    con: duckdb.DuckDBPyConnection, frame: pd.DataFrame, import_id: int
) -> tuple[int, int, int]:
    frame = _frame_for_sql(frame, _RECORD_DATES)
    frame["natural_key"] = [
        record_key(m if isinstance(m, str) else None, n if isinstance(n, str) else None, t, e)
        for m, n, t, e in zip(
            frame["matricule"], frame["nir"], frame["training_title"], frame["end_date"].dt.date, strict=True
        )
    ]
    con.register("staged_records", frame)
    select = _typed_select(
        _RECORD_COLUMNS,
        _RECORD_DATES,
        {"category": "CAST(category AS INTEGER)", "is_internal": "CAST(is_internal AS BOOLEAN)"},
    )
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE staged AS SELECT natural_key, {select}, "
        "CAST(source_line AS INTEGER) AS source_line FROM staged_records"
    )
    con.unregister("staged_records")
    counts = _upsert(
        con,
        table="training_records",
        key="natural_key",
        columns=_RECORD_COLUMNS,
        extra_insert={
            "source_line": "s.source_line",
            "import_id": "$imp",
            "last_import_id": "$imp",
        },
        extra_update=("source_line", "last_import_id"),
        import_id=import_id,
    )
    return counts


def _merge_employees(con: duckdb.DuckDBPyConnection, frame: pd.DataFrame, import_id: int) -> tuple[int, int, int]:
    frame = _frame_for_sql(frame, _EMPLOYEE_DATES)
    con.register("staged_roster", frame)
    select = _typed_select(_EMPLOYEE_COLUMNS[1:], _EMPLOYEE_DATES, {})
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE staged AS SELECT CAST(matricule AS VARCHAR) AS matricule, {select} "
        "FROM staged_roster"
    )
    con.unregister("staged_roster")
    return _upsert(
        con,
        table="employees",
        key="matricule",
        columns=_EMPLOYEE_COLUMNS[1:],
        extra_insert={"import_id": "$imp"},
        extra_update=("import_id",),
        import_id=import_id,
    )
