"""The only module that talks to DuckDB: connection, schema and migrations, imports, named queries."""

from __future__ import annotations

import calendar
import getpass
import hashlib
import os
import re
import stat
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, Literal

import duckdb
import pandas as pd
import pyarrow as pa

from lib import (
    declarations,
    identifiers,
    portal,
    portal_bulk,
    records,
    referentials,
    rules_sql,
    statuses,
    store_lock,
    validity,
)
from lib.matching import record_key
from lib.rules import RuleSet

REPO_ROOT = Path(__file__).resolve().parents[1]
SQL_DIR = Path(__file__).resolve().parent / "sql"
MIGRATIONS_DIR = SQL_DIR / "migrations"
DEFAULT_DB = REPO_ROOT / "data" / "passeport.duckdb"
WAIT_SECONDS = 120.0  # how long a page's read or write waits for its turn (the CLI has --wait)
MAX_HR_FILE_BYTES = 200_000_000  # the portal's own limit, applied to every file a user loads

ImportKind = Literal["of", "internal", "roster", "competences"]


class StoreError(Exception):
    """A refusal or failure of the store, with a French message meant for the user."""


@dataclass(frozen=True)
class Problem:
    """One reason a file was refused: where (line, column) and why."""

    line: int | None
    column: str | None
    value: str | None
    message: str


@dataclass(frozen=True)
class ImportResult:
    """What an import did: `imported`, `unchanged` (same file again) or `refused` (nothing stored)."""

    status: Literal["imported", "unchanged", "refused"]
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

    @property
    def ok(self) -> bool:
        return self.status != "refused"


Purpose = Literal["carence", "internal"]
_EXPORT_STATUS = {"generated": "généré", "deposited": "déposé", "undone": "annulé"}


@dataclass(frozen=True)
class ExportFile:
    """A generated portal file, recorded in the store (status « generated » until its deposit is confirmed)."""

    export_id: int
    purpose: Purpose
    portal_kind: str
    file_name: str
    content: bytes
    lines: int


@dataclass(frozen=True)
class ExportBatch:
    """The files of one export and the records left out for lack of data."""

    purpose: Purpose
    files: tuple[ExportFile, ...]
    missing: tuple[declarations.MissingData, ...]
    candidates: int


def default_db_path() -> Path:
    """`PASSEPORT_DB` when set, else `data/passeport.duckdb` in the repository."""
    env = os.environ.get("PASSEPORT_DB")
    return Path(env) if env else DEFAULT_DB


def current_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no login name in some containers
        return "inconnu"


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _migrations() -> list[tuple[int, str]]:
    found = []
    for path in sorted(MIGRATIONS_DIR.glob("*.sql")):
        found.append((int(path.name.split("_", 1)[0]), path.read_text(encoding="utf-8")))
    return found


SCHEMA_VERSION = max(version for version, _ in _migrations())


def named_query(name: str) -> str:
    """The text of `lib/sql/<name>.sql`."""
    path = SQL_DIR / f"{name}.sql"
    return path.read_text(encoding="utf-8")


DUCKDB_MAGIC = b"DUCK"  # bytes 8 to 12 of every DuckDB file


def _opening_problem(path: Path, mode: store_lock.Mode) -> str | None:
    """What makes `path` unusable as the store, in French, before anything is opened or created; None if fine."""
    try:
        info = path.stat()
    except (FileNotFoundError, NotADirectoryError):
        if mode == "write":
            parent = next((p for p in path.parents if p.exists()), None)
            if parent is not None and not parent.is_dir():
                return f"Impossible de créer la base {path} : {parent} est un fichier, pas un dossier."
            if parent is not None and not os.access(parent, os.W_OK | os.X_OK):
                return (
                    f"Impossible de créer la base {path} : le dossier {parent} n'est pas accessible en écriture. "
                    "Choisissez un autre emplacement avec --db ou $PASSEPORT_DB."
                )
        return None
    except OSError as error:
        return f"La base {path} est inaccessible (erreur système {error.errno}). Vérifiez le chemin donné à --db."
    if stat.S_ISDIR(info.st_mode):
        return (
            f"{path} est un dossier, pas une base : indiquez un fichier, par exemple --db {path / 'passeport.duckdb'}."
        )
    if not stat.S_ISREG(info.st_mode):
        return (
            f"{path} n'est pas un fichier ordinaire (périphérique, tube…) : indiquez le fichier .duckdb de la base "
            "avec --db."
        )
    if info.st_size == 0:
        return (
            f"{path} est un fichier vide (0 octet), pas une base : supprimez-le pour en créer une nouvelle à cet "
            "endroit, ou indiquez la bonne base avec --db."
        )
    try:
        with path.open("rb") as file:
            header = file.read(12)
    except PermissionError:
        return f"La base {path} n'est pas lisible (droits du fichier) : demandez le droit de lecture."
    except OSError as error:
        return f"La base {path} ne peut pas être lue (erreur système {error.errno})."
    if header[8:12] != DUCKDB_MAGIC:
        return (
            f"{path} n'est pas une base DuckDB (c'est un fichier d'un autre type) : vérifiez le chemin donné à --db. "
            "Rien n'a été modifié."
        )
    if mode == "write" and (not info.st_mode & 0o222 or not os.access(path, os.W_OK)):
        return (
            f"La base {path} est en lecture seule (droits du fichier) : rien n'a été modifié. Rendez-la modifiable "
            f"(chmod u+w {path}) ou travaillez sur une copie."
        )
    return None


def _open_failure_message(path: Path, text: str) -> str:
    """A French message for DuckDB's refusal to open the file (not a lock conflict)."""
    lowered = text.lower()
    if "not a valid duckdb database" in lowered:
        return f"{path} n'est pas une base DuckDB : vérifiez le chemin donné à --db. Rien n'a été modifié."
    if "permission denied" in lowered or "read-only file system" in lowered:
        return (
            f"La base {path} ne peut pas être ouverte en écriture (droits ou disque en lecture seule) : rien n'a été "
            "modifié. Vérifiez les droits du fichier et de son dossier."
        )
    if "no space left" in lowered:
        return f"Le disque de la base {path} est plein : libérez de la place, rien n'a été modifié."
    if "version" in lowered:
        return (
            f"La base {path} a été écrite par une autre version de DuckDB que celle de l'outil : ouvrez-la avec la "
            "version d'origine, ou restaurez une sauvegarde."
        )
    detail = text.splitlines()[0][:200] if text else "erreur inconnue"
    return f"La base {path} ne peut pas être ouverte ({detail}). Rien n'a été modifié."


def _busy_message(path: Path, mode: store_lock.Mode, holder: str, waited: float) -> str:
    if mode == "write":
        return (
            f"La base {path} est restée occupée ({holder} en cours dans un autre programme ou un autre onglet) "
            f"pendant {waited:.0f} s : rien n'a été modifié. Réessayez plus tard ; en ligne de commande, "
            "--wait SECONDES attend plus longtemps."
        )
    return (
        f"La base {path} est occupée par une écriture (un import en cours ?) depuis {waited:.0f} s. "
        "Réessayez dans un instant."
    )


def _store_schema_version(con: duckdb.DuckDBPyConnection, path: Path) -> int:
    """The schema version of the open file: 0 for an empty file; refuses another application's database."""
    objects = {
        str(name)
        for (name,) in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() AND NOT temporary "
            "UNION ALL SELECT view_name FROM duckdb_views() "
            "WHERE database_name = current_database() AND NOT temporary AND NOT internal"
        ).fetchall()
    }
    row: tuple[Any, ...] | None = None
    if "meta" in objects:
        try:
            row = con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        except duckdb.Error:
            row = None
    if row is None:
        others = sorted(objects - {"meta"})
        if others:
            shown = ", ".join(others[:5]) + (" …" if len(others) > 5 else "")
            raise StoreError(
                f"{path} est une base DuckDB d'une autre application (tables : {shown}), pas une base du Passeport "
                "de prévention : rien n'y a été écrit. Indiquez la bonne base avec --db, ou un fichier nouveau."
            )
        return 0
    try:
        current = int(str(row[0]))
    except ValueError:
        raise StoreError(
            f"La base {path} a une version de schéma illisible (« {str(row[0])[:40]} ») : elle a été modifiée hors "
            "de l'outil. Restaurez une sauvegarde."
        ) from None
    if current > SCHEMA_VERSION:
        raise StoreError(
            f"La base {path} a été créée par une version plus récente de l'outil "
            f"(schéma {current}, cette version connaît le schéma {SCHEMA_VERSION}). Mettez l'outil à jour."
        )
    return current


class Store:
    """One DuckDB file. Connections are short-lived so the file is never held locked between requests.

    Reads open the file read-only (many at once, across processes); writes open it read-write, alone. Who opens
    when is settled by lib.store_lock (a shared or exclusive lock on `<db>.lock`, in arrival order), so a writer
    waits for the reads in place — up to `wait` seconds — instead of failing on DuckDB's own lock.
    """

    def __init__(
        self,
        path: Path | str | None = None,
        *,
        user: str | None = None,
        wait: float = WAIT_SECONDS,
        on_wait: store_lock.Notify | None = None,
    ) -> None:
        self.path = Path(path) if path is not None else default_db_path()
        self.user = user or current_user()  # who the audit records when a call does not say
        self.wait = wait  # how long a read or a write waits for its turn before giving up
        self.on_wait = on_wait  # told once (« lecture » or « écriture ») when a wait becomes noticeable
        self._migrated = False

    # ------------------------------------------------------------------ connection and schema

    @contextmanager
    def connect(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A read-write connection to the store, upgraded to the current schema; waits for its turn."""
        with self._open("write") as con:
            yield con

    @contextmanager
    def read(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A read-only connection (temporary tables and macros allowed); never blocks other readers."""
        if not self._migrated and not self._schema_is_current():
            with self._open("write"):
                pass  # creates or upgrades the store
        with self._open("read") as con:
            yield con

    @contextmanager
    def alone(self) -> Iterator[None]:
        """Hold the store's write turn without opening it: no reader nor writer opens the file meanwhile
        (what replacing the file needs)."""
        try:
            with store_lock.hold(self.path, "write", timeout=self.wait, notify=self.on_wait):
                yield
        except store_lock.LockTimeout as error:
            raise StoreError(_busy_message(self.path, error.mode, error.holder, error.waited)) from error

    def _schema_is_current(self) -> bool:
        """True when the file exists and is a store of this tool at the current schema (read-only check)."""
        if not _opening_problem(self.path, "read") and self.path.exists() and self.path.stat().st_size > 0:
            with self._open("read", check_schema=False) as con:
                version = _store_schema_version(con, self.path)
            if version == SCHEMA_VERSION:
                self._migrated = True
                return True
        return False

    @contextmanager
    def _open(self, mode: store_lock.Mode, *, check_schema: bool = True) -> Iterator[duckdb.DuckDBPyConnection]:
        problem = _opening_problem(self.path, mode)
        if problem:
            raise StoreError(problem)
        if mode == "write":
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as error:
                raise StoreError(
                    f"Impossible de créer le dossier de la base {self.path.parent} (erreur système {error.errno}). "
                    "Indiquez un autre emplacement avec --db ou $PASSEPORT_DB."
                ) from error
        started = time.monotonic()
        try:
            with store_lock.hold(self.path, mode, timeout=self.wait, notify=self.on_wait) as opened:
                con = self._connect_duckdb(opened, started + self.wait)
                try:
                    if check_schema and opened == "write" and not self._migrated:
                        self._migrate(con)
                        self._migrated = True
                    elif check_schema and not self._migrated:
                        _store_schema_version(con, self.path)  # refuses a foreign file
                    yield con
                finally:
                    con.close()
        except store_lock.LockTimeout as error:
            raise StoreError(_busy_message(self.path, error.mode, error.holder, error.waited)) from error
        except store_lock.LockUnavailable as error:
            raise StoreError(
                f"La base {self.path} ne peut pas être verrouillée : le fichier {error} ne peut pas être créé "
                "(dossier en lecture seule ?). Donnez les droits d'écriture sur le dossier de la base."
            ) from error

    def _connect_duckdb(self, mode: store_lock.Mode, deadline: float) -> duckdb.DuckDBPyConnection:
        """Open DuckDB; retries only while a program that ignores lib.store_lock holds the file."""
        while True:
            try:
                return duckdb.connect(str(self.path), read_only=mode == "read")
            except (duckdb.IOException, duckdb.ConnectionException) as error:
                text = str(error)
                conflict = "Could not set lock" in text or "different configuration" in text
                if not conflict:
                    raise StoreError(_open_failure_message(self.path, text)) from error
                if time.monotonic() > deadline:
                    holder = re.search(r"\(PID (\d+)\)", text)
                    raise StoreError(
                        f"La base {self.path} est utilisée par un autre programme"
                        + (f" (processus n° {holder.group(1)})" if holder else "")
                        + " qui ne libère pas le fichier. Rien n'a été modifié. Fermez ce programme ou réessayez "
                        "plus tard."
                    ) from error
                time.sleep(0.05)
            except duckdb.Error as error:
                raise StoreError(_open_failure_message(self.path, str(error))) from error

    def _migrate(self, con: duckdb.DuckDBPyConnection) -> None:
        current = _store_schema_version(con, self.path)
        con.execute("CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL)")
        for version, script in _migrations():
            if version <= current:
                continue
            con.execute("BEGIN TRANSACTION")
            try:
                for statement in _split_sql(script):
                    con.execute(statement)
                con.execute(
                    "INSERT INTO meta VALUES ('schema_version', $v) ON CONFLICT DO UPDATE SET value = excluded.value",
                    {"v": str(version)},
                )
                con.execute("COMMIT")
            except Exception:
                con.execute("ROLLBACK")
                raise

    def schema_version(self) -> int:
        with self.read() as con:
            row = con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        return int(row[0]) if row else 0

    def query(self, name: str, params: Mapping[str, Any] | None = None) -> pd.DataFrame:
        """Run the named query `lib/sql/<name>.sql` with `$param` parameters; a DataFrame back."""
        sql = named_query(name)
        with self.read() as con:
            return con.cursor().execute(sql, dict(params or {})).df()

    def sql(self, sql: str, params: Mapping[str, Any] | None = None) -> pd.DataFrame:
        with self.read() as con:
            return con.cursor().execute(sql, dict(params or {})).df()

    # ------------------------------------------------------------------ reads used everywhere

    def competence_codes(self) -> frozenset[str] | None:
        """The loaded competence referential, or None when none was loaded (format-only checks)."""
        if not self.path.exists():
            return None
        with self.read() as con:
            codes = [row[0] for row in con.execute("SELECT code FROM competences").fetchall()]
        return frozenset(codes) if codes else None

    def counts(self) -> dict[str, int]:
        tables = ("of_lines", "training_records", "employees", "competences", "imports", "organismes")
        with self.read() as con:
            return {t: int(con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]) for t in tables}  # type: ignore[index]

    def recent_imports(self, limit: int = 20) -> pd.DataFrame:
        return self.query("recent_imports", {"limit": limit})

    def saved_mapping(self, kind: str) -> dict[str, str]:
        with self.read() as con:
            rows = con.execute(
                "SELECT source_header, field FROM header_mappings WHERE kind = $kind", {"kind": kind}
            ).fetchall()
        return {str(a): str(b) for a, b in rows}

    def save_mapping(self, kind: str, mapping: Mapping[str, str]) -> None:
        with self.connect() as con:
            con.execute("BEGIN TRANSACTION")
            for source, target in mapping.items():
                con.execute(
                    "INSERT INTO header_mappings VALUES ($k, $s, $f) ON CONFLICT DO UPDATE SET field = excluded.field",
                    {"k": kind, "s": source, "f": target},
                )
            con.execute("COMMIT")

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
        with self.connect() as con:
            con.execute("BEGIN TRANSACTION")
            con.execute(
                "INSERT INTO actions (acted_at, who, target_kind, target_key, action, reason) "
                "VALUES (now()::TIMESTAMP, $w, 'settings', $k, 'changed', $v)",
                {"w": who or self.user, "k": key, "v": shown},
            )
            con.execute(
                "INSERT INTO settings VALUES ($k, $v, now()::TIMESTAMP, $w) "
                "ON CONFLICT DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at, "
                "who = excluded.who",
                {"k": key, "v": value, "w": who or self.user},
            )
            con.execute("COMMIT")

    def set_establishments(self, establishments: list[tuple[str, str, str]]) -> None:
        """Replace the employer's establishments: (SIRET, name, site)."""
        for siret, _, _ in establishments:
            if not identifiers.is_valid_siret(siret):
                raise StoreError(f"SIRET d'établissement invalide : « {siret} ».")
        with self.connect() as con:
            con.execute("BEGIN TRANSACTION")
            con.execute("DELETE FROM establishments")
            for siret, name, site in establishments:
                con.execute("INSERT INTO establishments VALUES ($s, $n, $t)", {"s": siret, "n": name, "t": site})
            con.execute("COMMIT")

    # ------------------------------------------------------------------ workflow (rules applied in SQL)

    def _prepare_workflow(self, con: duckdb.DuckDBPyConnection, rules: RuleSet, tolerance_days: int) -> None:
        """Install the rule set's macros and the working tables of prepare_workflow.sql on this connection."""
        con.execute(rules_sql.deadline_macros_sql(rules, temporary=True))
        con.execute(rules_sql.scope_macros_sql(rules))
        con.execute(rules_sql.status_macros_sql())
        titles = [
            row[0]
            for row in con.execute(
                "SELECT DISTINCT training_title FROM training_records UNION "
                "SELECT DISTINCT coalesce(nom_formation, nom_jdr) FROM of_lines"
            ).fetchall()
            if row[0] is not None
        ]
        durations = validity.load_validity_durations()
        labels = {d.key: d.label for d in durations}
        keys = [validity.recommended_duration(t, durations) for t in titles]
        frame = pd.DataFrame(
            {
                "title": pd.Series(titles, dtype="object"),
                "norm": pd.Series([validity.normalize_title(t) for t in titles], dtype="object"),
                "training_key": pd.Series([k.key if k else None for k in keys], dtype="object"),
                "family": pd.Series([k.family if k else None for k in keys], dtype="object"),
                "family_label": pd.Series([labels[k.family] if k else None for k in keys], dtype="object"),
            }
        )
        con.register("title_keys_frame", frame)
        con.execute(
            "CREATE OR REPLACE TEMP TABLE pp_title_keys AS SELECT CAST(title AS VARCHAR) AS title, "
            "CAST(norm AS VARCHAR) AS norm, CAST(training_key AS VARCHAR) AS training_key, "
            "CAST(family AS VARCHAR) AS family, CAST(family_label AS VARCHAR) AS family_label FROM title_keys_frame"
        )
        con.unregister("title_keys_frame")
        con.execute("CREATE OR REPLACE TEMP TABLE pp_last_actions AS " + named_query("last_decisions"))
        for statement in _split_sql(named_query("prepare_workflow")):
            params = {"tolerance": tolerance_days} if "$tolerance" in statement else {}
            con.execute(statement, params)

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
        candidates = {"today": today, "horizon": horizon_days, **(params or {})}
        frames: dict[str, pd.DataFrame] = {}
        with self.read() as con:
            self._prepare_workflow(con, rules, tolerance_days)
            for name in names:
                sql = named_query(name)
                used = {k: v for k, v in candidates.items() if f"${k}" in sql}
                frames[name] = _arrow_frame(con.sql(sql, params=used).to_arrow_table())
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
        candidates = {"today": today, "horizon": horizon_days}
        with self.connect() as con:
            for side, rule_set in (("a", rules), ("b", other)):
                self._prepare_workflow(con, rule_set, tolerance_days)
                for name in self.COMPARED_LISTS:
                    sql = named_query(name)
                    used = {k: v for k, v in candidates.items() if f"${k}" in sql}
                    con.execute(f"CREATE OR REPLACE TEMP TABLE pp_cmp_{side}_{name} AS {sql}", used)
            frame = _arrow_frame(con.sql(named_query("rule_set_differences")).to_arrow_table())
        frame["nir"] = [identifiers.mask_nir(n) if isinstance(n, str) else "" for n in frame["nir"]]
        return frame

    def last_decisions(self) -> pd.DataFrame:
        """The last verification decision of each OF line (lib/sql/last_decisions.sql)."""
        with self.read() as con:
            return _arrow_frame(con.sql(named_query("last_decisions")).to_arrow_table())

    def base_fingerprint(self) -> str:
        """A token of everything the workflows read except the verification decisions (and their undoing).

        Two states with the same token give the same workflows but for the decision columns of the OF lines
        (lib.refresh.DECISION_QUERIES): after a decision, or a portal file generated but not deposited, the
        dashboard updates those in place. Every other write adds an import, an action, a deposited file or a
        pairing, or changes a count, the establishments or a setting.
        """
        with self.read() as con:
            row = con.execute(
                """
                SELECT concat_ws('|',
                    (SELECT count(*) || ':' || coalesce(max(id), 0) FROM imports),
                    (SELECT count(*) || ':' || coalesce(max(id), 0) FROM actions
                     WHERE NOT (target_kind = 'of_line' AND action IN ('accepted', 'correction_requested', 'undone'))),
                    -- Only deposited files declare anything: generating one changes no list.
                    (SELECT count(*) || ':' || coalesce(sum(hash(el.record_id, e.id, e.kind, e.created_at)), 0)
                     FROM export_lines el JOIN exports e ON e.id = el.export_id WHERE e.status = 'deposited'),
                    (SELECT count(*) FROM manual_pairings),
                    (SELECT coalesce(sum(hash(siret, name, site)), 0) FROM establishments),
                    (SELECT coalesce(sum(hash(key, value)), 0) FROM settings),
                    (SELECT count(*) FROM training_records),
                    (SELECT count(*) FROM of_lines),
                    (SELECT count(*) FROM employees)
                )
                """
            ).fetchone()
        assert row is not None
        return str(row[0])

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
        inner = named_query(name)
        sql = (
            f"SELECT status, any_value(status_label) AS status_label, count(*) AS n, "
            f"min(due_on) FILTER (due_on >= $today) AS nearest_due_on FROM ({inner}) GROUP BY status ORDER BY status"
            if "due_on" in inner
            else f"SELECT status, any_value(status_label) AS status_label, count(*) AS n FROM ({inner}) "
            "GROUP BY status ORDER BY status"
        )
        candidates = {"today": today, "horizon": horizon_days}
        used = {k: v for k, v in candidates.items() if f"${k}" in sql}
        with self.read() as con:
            self._prepare_workflow(con, rules, tolerance_days)
            return con.execute(sql, used).df()

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
        who = who or self.user
        ids: list[int] = []
        with self.connect() as con:
            con.execute("BEGIN TRANSACTION")
            try:
                for key in target_keys:
                    row = con.execute(
                        "INSERT INTO actions (acted_at, who, target_kind, target_key, action, reason, effective_on) "
                        "VALUES (now()::TIMESTAMP, $w, $k, $t, $a, $r, $day) RETURNING id",
                        {"w": who, "k": target_kind, "t": key, "a": action, "r": reason, "day": effective_on},
                    ).fetchone()
                    assert row is not None
                    ids.append(int(row[0]))
                con.execute("COMMIT")
            except Exception:
                con.execute("ROLLBACK")
                raise
        return ids

    def undo_action(self, action_id: int, *, who: str | None = None) -> int:
        """Undo an action by appending an `undone` row that points at it."""
        with self.connect() as con:
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
            new = con.execute(
                "INSERT INTO actions (acted_at, who, target_kind, target_key, action, reason, undoes) "
                "VALUES (now()::TIMESTAMP, $w, $k, $t, 'undone', NULL, $i) RETURNING id",
                {"w": who or self.user, "k": row[0], "t": row[1], "i": action_id},
            ).fetchone()
        assert new is not None
        return int(new[0])

    def action_history(self, target_kind: str | None = None) -> pd.DataFrame:
        return self.sql(
            "SELECT * FROM actions WHERE $k IS NULL OR target_kind = $k ORDER BY id DESC", {"k": target_kind}
        )

    def pair_manually(self, record_id: int, organisme: str, partner_id: str, *, who: str | None = None) -> None:
        """Keep a person's decision that this record and this OF line are the same training."""
        who = who or self.user
        with self.connect() as con:
            con.execute("BEGIN TRANSACTION")
            con.execute(
                "INSERT INTO manual_pairings VALUES ($r, $o, $p, now()::TIMESTAMP, $w) ON CONFLICT DO NOTHING",
                {"r": record_id, "o": organisme, "p": partner_id, "w": who},
            )
            con.execute(
                "INSERT INTO actions (acted_at, who, target_kind, target_key, action) "
                "VALUES (now()::TIMESTAMP, $w, 'pairing', $t, 'paired')",
                {"w": who, "t": f"{record_id}|{organisme}|{partner_id}"},
            )
            con.execute("COMMIT")

    # ------------------------------------------------------------------ employer's declarations (exports)

    def export_candidates(
        self, purpose: Purpose, *, rules: RuleSet, today: date, tolerance_days: int = 3
    ) -> pd.DataFrame:
        """The records to declare now: carence window open (carence) or internal declaration due (internal)."""
        name, wanted = _EXPORT_SOURCES[purpose]
        frame = self.workflow(name, rules=rules, today=today, tolerance_days=tolerance_days)
        return frame[frame["status"].isin(wanted)].reset_index(drop=True)

    def _declaration_inputs(
        self, purpose: Purpose, *, rules: RuleSet, today: date, tolerance_days: int
    ) -> list[declarations.DeclarationInput]:
        """The records to declare, straight from SQL as Python values (no DataFrame: this scales to 100k+)."""
        name, wanted = _EXPORT_SOURCES[purpose]
        sql = (
            f"SELECT {', '.join(_DECLARATION_COLUMNS)} FROM ({named_query(name)}) "
            f"WHERE status IN ({', '.join(rules_sql.string_literal(s) for s in wanted)}) ORDER BY id"
        )
        with self.read() as con:
            self._prepare_workflow(con, rules, tolerance_days)
            rows = con.execute(sql, {"today": today}).fetchall()
        return [declarations.DeclarationInput(*row) for row in rows]

    def partner_id_prefix(self) -> str:
        """ID_UNIQUE_PARTENAIRE prefix: the employer's SIREN (first establishment), else « PP »."""
        frame = self.sql("SELECT siret FROM establishments ORDER BY siret LIMIT 1")
        return f"PP{frame['siret'].iloc[0][:9]}" if len(frame) else "PP"

    def generate_export(
        self,
        purpose: Purpose,
        *,
        rules: RuleSet,
        today: date,
        catalogue: Mapping[str, declarations.TrainingCodes],
        tolerance_days: int = 3,
        who: str | None = None,
        on_files: Callable[[tuple[ExportFile, ...]], None] | None = None,
    ) -> ExportBatch:
        """Build, validate and record the portal files of what is due; the same call twice gives the same files.

        Identifiers already deposited (the ledger) are never reused. Records lacking data come back in
        `missing` and stay out of the files. Nothing is recorded unless every file passes the validator.
        `on_files` (the command line writing the files to disk) runs before the record is committed: if it
        raises, nothing is recorded.
        """
        who = who or self.user
        inputs = self._declaration_inputs(purpose, rules=rules, today=today, tolerance_days=tolerance_days)
        with self.read() as con:
            ledger = frozenset(
                r[0] for r in con.execute("SELECT id_unique_partenaire FROM partner_id_ledger").fetchall()
            )
        batch = declarations.build_declarations(
            inputs,
            purpose=purpose,
            catalogue=catalogue,
            used_partner_ids=ledger,
            prefix=self.partner_id_prefix(),
            today=today,
        )
        competences = self.competence_codes()
        contents = [declarations.validated_bytes(f, today=today, competences=competences) for f in batch.files]
        files: list[ExportFile] = []
        with self.connect() as con:
            con.execute("BEGIN TRANSACTION")
            try:
                for file, content in zip(batch.files, contents, strict=True):
                    digest = sha256_of(content)
                    existing = con.execute(
                        "SELECT id FROM exports WHERE sha256 = $d AND kind = $k AND status = 'generated'",
                        {"d": digest, "k": purpose},
                    ).fetchone()
                    if existing:
                        export_id = int(existing[0])
                    else:
                        export_id = int(con.execute("SELECT nextval('export_id_seq')").fetchone()[0])  # type: ignore[index]
                        con.execute(
                            "INSERT INTO exports VALUES ($id, $k, $pk, $name, $d, $n, now()::TIMESTAMP, $w, "
                            "'generated', now()::TIMESTAMP, $today, $content)",
                            {
                                "id": export_id,
                                "k": purpose,
                                "pk": file.kind,
                                "name": file.file_name,
                                "d": digest,
                                "n": len(file.rows),
                                "w": who,
                                "today": today,
                                "content": content,
                            },
                        )
                        assigned = pd.DataFrame(
                            {
                                "record_id": [a.record_id for a in file.assignments],
                                "id_declaration": [a.id_declaration for a in file.assignments],
                                "id_unique_partenaire": [a.id_unique_partenaire for a in file.assignments],
                            }
                        )
                        con.register("assigned", assigned)
                        con.execute(
                            "INSERT INTO export_lines SELECT $e, record_id, id_declaration, id_unique_partenaire "
                            "FROM assigned",
                            {"e": export_id},
                        )
                        con.unregister("assigned")
                    files.append(ExportFile(export_id, purpose, file.kind, file.file_name, content, len(file.rows)))
                if on_files is not None:
                    on_files(tuple(files))
                con.execute("COMMIT")
            except Exception:
                con.execute("ROLLBACK")
                raise
        return ExportBatch(purpose, tuple(files), batch.missing, len(inputs))

    def confirm_export(
        self, export_id: int, *, rules: RuleSet, today: date, tolerance_days: int = 3, who: str | None = None
    ) -> str:
        """Record that the file was deposited on the portal: its lines become declared, its identifiers used."""
        who = who or self.user
        export = self._export_row(export_id)
        if export["status"] != "generated":
            raise StoreError(
                f"Le fichier n° {export_id} est « {_EXPORT_STATUS[export['status']]} » : rien à confirmer."
            )
        if export["kind"] == "carence":
            expected = self.workflow("expected_trainings", rules=rules, today=today, tolerance_days=tolerance_days)
            # Declared (or corrected) by an OF since: a carence for a correction not made is no clash.
            declared = set(expected.loc[expected["status"].isin(statuses.DECLARED_BY_THE_OF), "id"].astype(int))
            lines = self.sql("SELECT record_id FROM export_lines WHERE export_id = $e", {"e": export_id})
            clash = sorted(set(lines["record_id"].astype(int)) & declared)
            if clash:
                raise StoreError(
                    f"Un organisme a déclaré entre-temps {len(clash)} formation(s) de ce fichier "
                    f"(enregistrements {', '.join(map(str, clash[:10]))}) : ne le déposez pas, générez-en un nouveau."
                )
        with self.connect() as con:
            con.execute("BEGIN TRANSACTION")
            try:
                con.execute(
                    "UPDATE exports SET status = 'deposited', status_at = now()::TIMESTAMP WHERE id = $e",
                    {"e": export_id},
                )
                _reserve_partner_ids(con, export_id)
                con.execute(
                    "INSERT INTO actions (acted_at, who, target_kind, target_key, action) "
                    "VALUES (now()::TIMESTAMP, $w, 'export', $t, 'deposited')",
                    {"w": who, "t": str(export_id)},
                )
                con.execute("COMMIT")
            except Exception:
                con.execute("ROLLBACK")
                raise
        return f"Dépôt de « {export['file_name']} » confirmé : {export['lines']} ligne(s) déclarée(s)."

    def undo_export(self, export_id: int, *, who: str | None = None) -> str:
        """Undo a confirmation (or discard a generated file): its lines are to declare again, as before."""
        who = who or self.user
        export = self._export_row(export_id)
        if export["status"] == "undone":
            raise StoreError(f"Le fichier n° {export_id} est déjà annulé.")
        with self.connect() as con:
            con.execute("BEGIN TRANSACTION")
            try:
                con.execute("DELETE FROM partner_id_ledger WHERE export_id = $e", {"e": export_id})
                con.execute(
                    "UPDATE exports SET status = 'undone', status_at = now()::TIMESTAMP WHERE id = $e", {"e": export_id}
                )
                con.execute(
                    "INSERT INTO actions (acted_at, who, target_kind, target_key, action, reason) "
                    "VALUES (now()::TIMESTAMP, $w, 'export', $t, 'undone', $r)",
                    {"w": who, "t": str(export_id), "r": f"statut précédent : {export['status']}"},
                )
                con.execute("COMMIT")
            except Exception:
                con.execute("ROLLBACK")
                raise
        if export["status"] == "deposited":
            return f"Confirmation de « {export['file_name']} » annulée : ses lignes sont de nouveau à déclarer."
        return f"Fichier « {export['file_name']} » écarté."

    def export_history(self, purpose: Purpose | None = None) -> pd.DataFrame:
        return self.sql(
            "SELECT id, kind, portal_kind, file_name, lines, created_at, who, status, status_at, today "
            "FROM exports WHERE $k IS NULL OR kind = $k ORDER BY id DESC",
            {"k": purpose},
        )

    def export_content(self, export_id: int) -> bytes:
        with self.read() as con:
            row = con.execute("SELECT content FROM exports WHERE id = $e", {"e": export_id}).fetchone()
        if row is None:
            raise StoreError(f"Fichier n° {export_id} introuvable.")
        return bytes(row[0])

    def _export_row(self, export_id: int) -> dict[str, Any]:
        frame = self.sql("SELECT id, kind, file_name, lines, status FROM exports WHERE id = $e", {"e": export_id})
        if frame.empty:
            raise StoreError(f"Fichier n° {export_id} introuvable.")
        return {str(k): v for k, v in frame.iloc[0].to_dict().items()}

    # ------------------------------------------------------------------ recommended validity ends

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
        with self.connect() as con:
            con.execute("BEGIN TRANSACTION")
            try:
                con.register("proposals", proposals)
                con.execute(
                    "UPDATE training_records t SET validity_end = CAST(p.proposed_end AS DATE), "
                    "validity_end_proposed = true FROM proposals p WHERE t.id = p.id AND t.validity_end IS NULL"
                )
                con.unregister("proposals")
                con.execute(
                    "INSERT INTO actions (acted_at, who, target_kind, target_key, action, reason) "
                    "VALUES (now()::TIMESTAMP, $w, 'store', 'training_records', 'validity_proposed', $r)",
                    {"w": who or self.user, "r": f"{len(proposals)} fin(s) de validité proposée(s)"},
                )
                con.execute("COMMIT")
            except Exception:
                con.execute("ROLLBACK")
                raise
        return f"{len(proposals)} fin(s) de validité proposée(s) d'après les durées recommandées (pas la loi)."

    def clear_recommended_validities(self, *, who: str | None = None) -> str:
        """Remove every proposed validity end (the records' own dates are untouched)."""
        with self.connect() as con:
            con.execute("BEGIN TRANSACTION")
            row = con.execute(
                "UPDATE training_records SET validity_end = NULL, validity_end_proposed = false "
                "WHERE validity_end_proposed RETURNING id"
            ).fetchall()
            con.execute(
                "INSERT INTO actions (acted_at, who, target_kind, target_key, action, reason) "
                "VALUES (now()::TIMESTAMP, $w, 'store', 'training_records', 'validity_cleared', $r)",
                {"w": who or self.user, "r": f"{len(row)} fin(s) de validité proposée(s) retirée(s)"},
            )
            con.execute("COMMIT")
        return f"{len(row)} fin(s) de validité proposée(s) retirée(s)."

    # ------------------------------------------------------------------ personal data retention (RGPD)

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
        still_expected = (*statuses.STILL_WITH_THE_OF, *statuses.CARENCE_TO_DECLARE)
        open_items = (
            f"SELECT matricule FROM ({named_query('expected_trainings')}) "
            f"WHERE status IN ({', '.join(map(rules_sql.string_literal, still_expected))}) "
            f"UNION SELECT matricule FROM ({named_query('internal_trainings')}) "
            f"WHERE status IN ({', '.join(map(rules_sql.string_literal, statuses.INTERNAL_TO_DECLARE))}) "
            "UNION SELECT e.matricule FROM pp_lines l JOIN employees e ON e.nir = l.nir "
            "WHERE l.concerned AND l.last_action IS NULL AND l.verification_deadline >= $today"
        )
        sql = (
            f"WITH still_open AS ({open_items}) "
            "SELECT e.matricule, e.exit_date, e.matricule IN (SELECT matricule FROM still_open) AS has_open_items "
            f"{leavers} ORDER BY e.matricule"
        )
        with self.read() as con:
            self._prepare_workflow(con, rules, tolerance_days)
            return con.execute(sql, {"today": today, "cutoff": cutoff, "purged": PURGED}).df()

    def purge_personal_data(
        self, *, months: int, rules: RuleSet, today: date, tolerance_days: int = 3, who: str | None = None
    ) -> str:
        """Erase NIRs and names of employees gone for more than `months` whose declarations are all closed."""
        candidates = self.purge_candidates(months=months, rules=rules, today=today, tolerance_days=tolerance_days)
        chosen = candidates.loc[~candidates["has_open_items"].astype(bool), "matricule"].astype(str).tolist()
        kept = int(candidates["has_open_items"].astype(bool).sum())
        if not chosen:
            return f"Aucune donnée à purger ({kept} salarié(s) parti(s) ont encore une déclaration en cours)."
        with self.connect() as con:
            con.execute("BEGIN TRANSACTION")
            try:
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
                con.execute(
                    "INSERT INTO actions (acted_at, who, target_kind, target_key, action, reason) "
                    "VALUES (now()::TIMESTAMP, $w, 'store', 'employees', 'purged', $r)",
                    {"w": who or self.user, "r": f"{len(chosen)} salarié(s) parti(s) depuis plus de {months} mois"},
                )
                con.unregister("purged_people")
                con.execute("COMMIT")
            except Exception:
                con.execute("ROLLBACK")
                raise
        return (
            f"Données personnelles (NIR, noms) de {len(chosen)} salarié(s) parti(s) depuis plus de {months} mois "
            f"effacées ; {kept} conservé(s) car une déclaration est encore en cours."
        )

    # ------------------------------------------------------------------ backup and restore

    def backup(self, directory: Path, *, who: str | None = None) -> str:
        """Every known table as Parquet plus a manifest (sha256, columns), in a new folder (lib/backup.py)."""
        from lib import backup

        return backup.write_backup(self, Path(directory), who=who or self.user)

    def restore(self, directory: Path, *, who: str | None = None) -> str:
        """Rebuild the store from a backup folder without executing anything from it; the current file kept aside."""
        from lib import backup

        return backup.restore_backup(self, Path(directory), who=who or self.user)

    def restore_copy(self, data: bytes, file_name: str, *, who: str | None = None) -> str:
        """Put back the known tables of a downloaded copy of the store (never its macros or views)."""
        from lib import backup

        return backup.restore_copy(self, data, file_name, who=who or self.user)

    # ------------------------------------------------------------------ imports

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
        con.execute("BEGIN TRANSACTION")
        try:
            import_id = self._record_import(
                con, file_name=file_name, data=data, kind="of", rows=rows, who=who, portal_kind=kind,
                organisme=organisme, received_on=received, digest=digest,
            )  # fmt: skip
            con.execute(
                "INSERT INTO organismes VALUES ($n, $s) ON CONFLICT DO UPDATE SET siret = "
                "coalesce(excluded.siret, organismes.siret)",
                {"n": organisme, "s": organisme_siret},
            )
            counts = _merge_of_lines(con, {"imp": import_id, "recv": received, "org": organisme})
            con.execute(
                "UPDATE imports SET inserted = $i, updated = $u, unchanged = $n WHERE id = $imp",
                {"i": counts[0], "u": counts[1], "n": counts[2], "imp": import_id},
            )
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise
        return (import_id, *counts)

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
    ) -> ImportResult:
        """Load an HR export (training records or roster), all or nothing; re-import updates, never duplicates."""
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
        with self.connect() as con:
            con.execute("BEGIN TRANSACTION")
            try:
                import_id = self._record_import(
                    con, file_name=file_name, data=data, kind=kind, rows=len(frame), who=who
                )
                if kind == "internal":
                    counts = _merge_training_records(con, frame, import_id)
                else:
                    counts = _merge_employees(con, frame, import_id)
                con.execute(
                    "UPDATE imports SET inserted = $i, updated = $u, unchanged = $n WHERE id = $imp",
                    {"i": counts[0], "u": counts[1], "n": counts[2], "imp": import_id},
                )
                if mapping:
                    for source, target in mapping.items():
                        con.execute(
                            "INSERT INTO header_mappings VALUES ($k, $s, $f) "
                            "ON CONFLICT DO UPDATE SET field = excluded.field",
                            {"k": kind, "s": source, "f": target},
                        )
                con.execute("COMMIT")
            except Exception:
                con.execute("ROLLBACK")
                raise
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
        with self.connect() as con:
            con.execute("BEGIN TRANSACTION")
            try:
                import_id = self._record_import(
                    con, file_name=file_name, data=data, kind="competences", rows=len(frame), who=who
                )
                con.execute("DELETE FROM competences")
                con.register("staged_comp", frame)
                con.execute(
                    "INSERT INTO competences "
                    "SELECT code, type, categorie, sous_categorie, libelle, $i FROM staged_comp",
                    {"i": import_id},
                )
                con.unregister("staged_comp")
                con.execute("UPDATE imports SET inserted = $n WHERE id = $i", {"n": len(frame), "i": import_id})
                con.execute("COMMIT")
            except Exception:
                con.execute("ROLLBACK")
                raise
        return ImportResult(
            "imported",
            file_name,
            "competences",
            f"{file_name} : référentiel de {len(frame)} compétences chargé (il remplace le précédent).",
            import_id=import_id,
            rows=len(frame),
            inserted=len(frame),
        )


# ---------------------------------------------------------------------- helpers of the imports

_OF_DATE_COLUMNS = ("DATE_DEBUT_FORMATION", "DATE_FIN_FORMATION", "DATE_DEBUT_VALIDITE", "DATE_FIN_VALIDITE")
_OF_VALUE_COLUMNS = tuple(c.lower() for c in portal.JDR_COLUMNS if c != "ID_UNIQUE_PARTENAIRE")


_NULLABLE_INTEGERS = {
    pa.int8(): pd.Int8Dtype(),
    pa.int16(): pd.Int16Dtype(),
    pa.int32(): pd.Int32Dtype(),
    pa.int64(): pd.Int64Dtype(),
}


def _arrow_frame(table: pa.Table) -> pd.DataFrame:
    """A DataFrame through Arrow: five times faster than DuckDB's own conversion on wide text results.

    Dates become datetime64 and integers stay integers with missing values (as DuckDB's .df() gives them).
    """
    frame: pd.DataFrame = table.to_pandas(date_as_object=False, types_mapper=_NULLABLE_INTEGERS.get)
    return frame


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


def _merge_of_lines(con: duckdb.DuckDBPyConnection, params: dict[str, Any]) -> tuple[int, int, int]:
    """Insert new lines, update repeated ones recording each changed field; (inserted, updated, unchanged).

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
        return int(row[0]), 0, 0
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
    return inserted, changed, same


_RECORD_COLUMNS = (
    "matricule", "nir", "birth_name", "usage_name", "first_name", "establishment_siret", "site", "service",
    "training_title", "training_type", "category", "organisme", "organisme_siret", "is_internal", "proof_kind",
    "start_date", "end_date", "validity_start", "validity_end", "reference",
)  # fmt: skip
_RECORD_DATES = ("start_date", "end_date", "validity_start", "validity_end")
_EMPLOYEE_COLUMNS = (
    "matricule", "nir", "birth_name", "usage_name", "first_name", "establishment_siret", "site", "service",
    "manager", "entry_date", "exit_date",
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
) -> tuple[int, int, int]:
    """Merge temp table `staged` into `table` on `key`; (inserted, updated, unchanged)."""
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
        f"ON CONFLICT ({key}) DO UPDATE SET {assignments}"
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
            "import_id": str(import_id),
            "last_import_id": str(import_id),
        },
        extra_update=("source_line", "last_import_id"),
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
        extra_insert={"import_id": str(import_id)},
        extra_update=("import_id",),
    )


PURGED = "(purgé)"


def _months_before(day: date, months: int) -> date:
    """The same day `months` calendar months earlier (the month's last day when it has fewer days)."""
    year, month0 = divmod(day.year * 12 + day.month - 1 - months, 12)
    return date(year, month0 + 1, min(day.day, calendar.monthrange(year, month0 + 1)[1]))


def _reserve_partner_ids(con: duckdb.DuckDBPyConnection, export_id: int) -> None:
    """Put a deposited file's ID_UNIQUE_PARTENAIRE in the ledger: the portal rejects any later reuse."""
    con.execute(
        "INSERT INTO partner_id_ledger SELECT id_unique_partenaire, export_id, record_id, now()::TIMESTAMP "
        "FROM export_lines WHERE export_id = $e",
        {"e": export_id},
    )


def _split_sql(script: str) -> list[str]:
    """Statements of a script: each ends with `;` at the end of a line (a `;` inside a line is text)."""
    statements: list[str] = []
    current: list[str] = []
    for line in script.splitlines():
        if line.strip().startswith("--"):
            continue
        current.append(line)
        if line.rstrip().endswith(";"):
            statements.append("\n".join(current).strip().rstrip(";"))
            current = []
    tail = "\n".join(current).strip()
    if tail:
        statements.append(tail)
    return [s for s in statements if s]


def today_default() -> date:
    """The real date, read only at the edges (CLI, UI), never inside the rules."""
    return datetime.now().date()


# The columns of a workflow query that make a DeclarationInput, in the order of its fields.
_DECLARATION_COLUMNS = (
    "id", "proof_kind", "matricule", "person_nir", "person_birth_name", "person_first_name", "training_title",
    "training_key", "start_date", "end_date", "validity_start", "validity_end", "person_siret",
)  # fmt: skip
_EXPORT_SOURCES: dict[str, tuple[str, tuple[str, ...]]] = {
    "carence": ("expected_trainings", statuses.CARENCE_TO_DECLARE),
    "internal": ("internal_trainings", statuses.INTERNAL_TO_DECLARE),
}
