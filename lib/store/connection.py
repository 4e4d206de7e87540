"""Opening the store: paths, locks (lib.store_lock), schema checks and migrations, and the two helpers every
write goes through — `transaction()` (commits, or rolls back on any error) and `audit()` (the one insert into
the audit trail `actions`)."""

from __future__ import annotations

import getpass
import hashlib
import os
import re
import stat
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager, suppress
from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pyarrow as pa

from lib import store_lock
from lib.store.sqlfiles import MIGRATIONS_DIR, run_named, split_sql

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DB = REPO_ROOT / "data" / "passeport.duckdb"
WAIT_SECONDS = 120.0  # how long a page's read or write waits for its turn (the CLI has --wait)


class StoreError(Exception):
    """A refusal or failure of the store, with a French message meant for the user."""


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
READ_MEMORY_LIMIT = "1GB"
"""DuckDB's memory limit on read connections (bench/RESULTS.md « Lists asked in SQL »: peak RSS)."""
DERIVED_SINCE = 4  # lib/sql/migrations/004_derived.sql: the persisted deadlines

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


class _Reading:
    """One thread's shared read connection to one store during a `StoreBase.reading()` block (a page run).

    Opened at the first read, closed at the end of the block or before this thread writes. `memo` holds what was
    prepared on the connection (the lists' macros and decisions): valid as long as the connection is, since no
    write can happen while it is open (it holds the store's shared turn)."""

    def __init__(self) -> None:
        self.stack: ExitStack | None = None
        self.con: duckdb.DuckDBPyConnection | None = None
        self.memo: dict[str, Any] = {}
        self.in_use = 0

    def close(self) -> None:
        stack, self.stack, self.con, self.memo = self.stack, None, None, {}
        if stack is not None:
            stack.close()


_THREAD = threading.local()


def _readings() -> dict[str, _Reading]:
    """This thread's open `reading()` blocks, by store path."""
    found: dict[str, _Reading] | None = getattr(_THREAD, "readings", None)
    if found is None:
        found = _THREAD.readings = {}
    return found


class StoreBase:
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
        """A read-only connection (temporary tables and macros allowed); never blocks other readers.

        Inside a `reading()` block of this thread, every read shares that block's one connection."""
        if not self._migrated and not self._schema_is_current():
            with self._open("write"):
                pass  # creates or upgrades the store
        shared = _readings().get(self._reading_key)
        if shared is None:
            with self._open("read") as con:
                yield con
            return
        if shared.con is None:
            stack = ExitStack()
            shared.con = stack.enter_context(self._open("read"))
            shared.stack = stack
        shared.in_use += 1
        try:
            yield shared.con
        except BaseException:
            shared.in_use -= 1
            if not shared.in_use:
                shared.close()  # a failed or interrupted query: the next read starts on a fresh connection
            raise
        shared.in_use -= 1
        if not shared.in_use:
            # A block may leave a result half read (fetchone): DuckDB refuses the next statement on the connection
            # until it is finished, so the next block starts clean.
            shared.con.abort()

    @contextmanager
    def reading(self) -> Iterator[None]:
        """Within the block, this thread's reads of the store share one read-only connection (a page run: its
        asks pay the opening and the preparation of the lists once). It is opened at the first read and closed
        at the end of the block — or before this thread writes, which needs the store to itself. Other threads
        and processes read meanwhile; a writer elsewhere waits for the block to end (a page run: seconds)."""
        readings = _readings()
        if self._reading_key in readings:  # nested: the outer block's connection
            yield
            return
        readings[self._reading_key] = _Reading()
        try:
            yield
        finally:
            readings.pop(self._reading_key).close()

    @property
    def _reading_key(self) -> str:
        return str(self.path.absolute())

    def _memo(self, con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
        """What was prepared on `con` and may be reused: the `reading()` block's memo for its connection, else a
        new dictionary (a connection of its own, closed after use)."""
        shared = _readings().get(self._reading_key)
        return shared.memo if shared is not None and shared.con is con else {}

    def _leave_reading(self) -> None:
        """Close this thread's shared read connection before it writes (it would wait for itself)."""
        shared = _readings().get(self._reading_key)
        if shared is None or shared.con is None:
            return
        if shared.in_use:
            raise RuntimeError("écriture demandée pendant une lecture en cours du même fil d'exécution")
        shared.close()

    @contextmanager
    def alone(self) -> Iterator[None]:
        """Hold the store's write turn without opening it: no reader nor writer opens the file meanwhile
        (what replacing the file needs)."""
        self._leave_reading()
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
        if mode == "write":
            self._leave_reading()
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
                con = duckdb.connect(str(self.path), read_only=mode == "read")
                con.execute("SET enable_progress_bar = false")  # never a progress bar on the CLI's stderr
                if mode == "read":
                    # A page's asks are single scans of the list tables: a bound on DuckDB's memory keeps several
                    # readers of a million-line store within the machine (it spills to disk past it).
                    con.execute(f"SET memory_limit = '{READ_MEMORY_LIMIT}'")
                return con
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
            with transaction(con):
                for statement in split_sql(script):
                    con.execute(statement)
                con.execute(
                    "INSERT INTO meta VALUES ('schema_version', $v) ON CONFLICT DO UPDATE SET value = excluded.value",
                    {"v": str(version)},
                )
                if version == SCHEMA_VERSION and version >= DERIVED_SINCE:
                    # The persisted deadlines (lib/store/derived.py) filled from the upgraded tables, in the
                    # transaction of the last step: a store is never at the current schema without them.
                    from lib.store.derived import refresh_derived

                    refresh_derived(con)

    def schema_version(self) -> int:
        with self.read() as con:
            row = con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        return int(row[0]) if row else 0

    def query(self, name: str, params: Mapping[str, Any] | None = None) -> pd.DataFrame:
        """Run the named query `lib/sql/<name>.sql` with exactly the `$param` parameters it uses; a DataFrame back."""
        with self.read() as con:
            return run_named(con.cursor(), name, params or {}).df()

    def sql(self, sql: str, params: Mapping[str, Any] | None = None) -> pd.DataFrame:
        with self.read() as con:
            return con.cursor().execute(sql, dict(params or {})).df()


_NULLABLE_INTEGERS = {
    pa.int8(): pd.Int8Dtype(),
    pa.int16(): pd.Int16Dtype(),
    pa.int32(): pd.Int32Dtype(),
    pa.int64(): pd.Int64Dtype(),
}


def arrow_frame(table: pa.Table) -> pd.DataFrame:
    """A DataFrame through Arrow: five times faster than DuckDB's own conversion on wide text results.

    Dates become datetime64 and integers stay integers with missing values (as DuckDB's .df() gives them).
    """
    frame: pd.DataFrame = table.to_pandas(date_as_object=False, types_mapper=_NULLABLE_INTEGERS.get)
    return frame


def today_default() -> date:
    """The real date, read only at the edges (CLI, UI), never inside the rules."""
    return datetime.now().date()


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """One transaction on `con`: committed when the block ends, rolled back when anything in it raises."""
    con.execute("BEGIN TRANSACTION")
    try:
        yield con
    except BaseException:
        with suppress(duckdb.Error):  # a connection already broken: closing it discards the transaction anyway
            con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")


def audit(
    con: duckdb.DuckDBPyConnection,
    *,
    who: str,
    target_kind: str,
    target_key: str,
    action: str,
    reason: str | None = None,
    effective_on: date | None = None,
    undoes: int | None = None,
) -> int:
    """Append one row to the audit trail (`actions`, never updated nor deleted); its id back.

    Call it inside the `transaction()` of the write it records, so the write and its trace stand or fall together.
    """
    (action_id,) = audit_many(
        con, who=who, target_kind=target_kind, target_keys=[target_key], action=action, reason=reason,
        effective_on=effective_on, undoes=undoes,
    )  # fmt: skip
    return action_id


def audit_many(
    con: duckdb.DuckDBPyConnection,
    *,
    who: str,
    target_kind: str,
    target_keys: list[str],
    action: str,
    reason: str | None = None,
    effective_on: date | None = None,
    undoes: int | None = None,
) -> list[int]:
    """Append one row per target of one decision to the audit trail, in one statement (a decision on 500 lines
    is one insert, not 500); the ids back, in the order of `target_keys`. Inside the write's `transaction()`."""
    if not target_keys:
        return []
    rows = con.execute(
        "INSERT INTO actions (acted_at, who, target_kind, target_key, action, reason, effective_on, undoes) "
        "SELECT now()::TIMESTAMP, $who, $kind, k.key, $action, $reason, $day, $undoes "
        "FROM (SELECT unnest($keys) AS key, generate_subscripts($keys, 1) AS position) k ORDER BY k.position "
        "RETURNING id, target_key",
        {
            "who": who,
            "kind": target_kind,
            "keys": target_keys,
            "action": action,
            "reason": reason,
            "day": effective_on,
            "undoes": undoes,
        },
    ).fetchall()
    ids: dict[str, list[int]] = {}
    for action_id, key in sorted(rows):
        ids.setdefault(str(key), []).append(int(action_id))
    return [ids[key].pop(0) for key in target_keys]
