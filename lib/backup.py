"""Backups and restores that execute nothing from outside: known tables copied by name into a store we build.

A backup folder holds one Parquet file per table of the schema, written by our own `COPY` of our own
columns, and `manifeste.json` (tool, schema version, date, and per table its file, row count, sha256 and
columns). A restore reads the manifest (bounded), checks every sha256 and that the tables and columns are
exactly those our migrations create for that schema version, builds a FRESH store with our migrations,
loads each table by name with an explicit column list from a path we built (file access then limited to
those files), checks the row counts, upgrades with our migrations and only then swaps the file in.

A downloaded copy of the store (a .duckdb file) is attached read-only with file access disabled, and only
the known tables' known columns are copied into a fresh store: its macros (a `date_diff` that shadows the
built-in), views, sequences of other names and any other object never come along.

Any refusal leaves the current store as it was and removes every file the attempt created.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from lib import files
from lib.rules_sql import string_literal
from lib.store.derived import DERIVED_TABLES, refresh_derived

if TYPE_CHECKING:
    from lib.store import Store

MANIFEST_NAME = "manifeste.json"
TOOL_NAME = "passeport-prevention"
BACKUP_FORMAT = 1
MAX_MANIFEST_BYTES = 1_000_000
LEGACY_FILES = ("schema.sql", "load.sql")
META_DDL = "CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL)"
COPY_ALIAS = "copie_restauree"
MAX_SEQUENCE_VALUE = 2**62
# Which column each sequence numbers: a restored sequence must stay ahead of the rows it already numbered.
SEQUENCE_COLUMNS = {
    "import_id_seq": ("imports", "id"),
    "record_id_seq": ("training_records", "id"),
    "action_id_seq": ("actions", "id"),
    "export_id_seq": ("exports", "id"),
}
_IDENTIFIER = re.compile(r"[a-z_][a-z0-9_]*")
_SHA256 = re.compile(r"[0-9a-f]{64}")


class RestoreRefused(Exception):
    """Why a backup or a copy is refused, in French; the store error names the source around it."""


@dataclass(frozen=True)
class KnownSchema:
    """The tables (columns and types, in order) and sequences our migrations create up to one schema version."""

    version: int
    tables: Mapping[str, tuple[tuple[str, str], ...]]
    sequences: tuple[str, ...]


@dataclass(frozen=True)
class TableEntry:
    name: str
    file: str
    rows: int
    sha256: str


@dataclass(frozen=True)
class Manifest:
    schema_version: int
    tables: tuple[TableEntry, ...]
    sequences: Mapping[str, int]


# ---------------------------------------------------------------------- the known schema


def _apply_migrations(con: duckdb.DuckDBPyConnection, upto: int) -> None:
    """Our own migrations up to `upto` on a fresh database (the same scripts as Store._migrate)."""
    from lib.store import _migrations, _split_sql

    con.execute(META_DDL)
    for version, script in _migrations():
        if version > upto:
            break
        for statement in _split_sql(script):
            con.execute(statement)
    con.execute("INSERT INTO meta VALUES ('schema_version', $v)", {"v": str(upto)})


@functools.cache
def known_schema(version: int) -> KnownSchema:
    """What our migrations create up to `version`, read from an in-memory database built by them."""
    con = duckdb.connect(":memory:")
    try:
        _apply_migrations(con, version)
        tables: dict[str, list[tuple[str, str]]] = {}
        for table, column, kind in con.execute(
            "SELECT c.table_name, c.column_name, c.data_type FROM information_schema.columns c "
            "JOIN information_schema.tables t USING (table_catalog, table_schema, table_name) "
            "WHERE c.table_schema = 'main' AND t.table_type = 'BASE TABLE' "
            "ORDER BY c.table_name, c.ordinal_position"
        ).fetchall():
            if str(table) not in DERIVED_TABLES:  # recomputed after a restore, never backed up
                tables.setdefault(str(table), []).append((str(column), str(kind)))
        sequences = tuple(
            str(row[0])
            for row in con.execute(
                "SELECT sequence_name FROM duckdb_sequences() WHERE schema_name = 'main' ORDER BY sequence_name"
            ).fetchall()
        )
    finally:
        con.close()
    return KnownSchema(version, {name: tuple(columns) for name, columns in tables.items()}, sequences)


def _migrate_and_derive(staging: Store, con: duckdb.DuckDBPyConnection, schema: KnownSchema) -> None:
    """The restored store brought to the current schema, its derived tables computed from what was loaded (an
    older backup gets them from the migration step itself)."""
    from lib.store import SCHEMA_VERSION

    staging._migrate(con)
    if schema.version == SCHEMA_VERSION:
        from lib.store.connection import transaction

        with transaction(con):
            refresh_derived(con)


def _quoted(identifier: str) -> str:
    """A table or column name of our own schema, quoted (never a name read from a file)."""
    if not _IDENTIFIER.fullmatch(identifier):
        raise RestoreRefused(f"nom « {identifier[:80]} » inattendu.")
    return f'"{identifier}"'


def _column_list(columns: tuple[tuple[str, str], ...], prefix: str = "") -> str:
    return ", ".join(prefix + _quoted(name) for name, _ in columns)


# ---------------------------------------------------------------------- backup


def write_backup(store: Store, directory: Path, *, who: str) -> str:
    """Write every known table as Parquet plus the manifest into a NEW folder (complete, or nothing at all).

    The backup is one snapshot: the audit row « backup » is written in the same transaction, committed
    only once the folder is complete and in place.
    """
    from lib.store import SCHEMA_VERSION, StoreError, audit, transaction

    directory = Path(directory)
    if not store.path.exists():
        raise StoreError(f"La base {store.path} n'existe pas : rien à sauvegarder.")
    if directory.exists() or directory.is_symlink():
        if not directory.is_dir() or directory.is_symlink():
            raise StoreError(
                f"{directory} est un fichier existant : indiquez le nom d'un dossier neuf pour la sauvegarde "
                "(il sera créé)."
            )
        if any(directory.iterdir()):
            raise StoreError(f"Le dossier {directory} n'est pas vide : choisissez un dossier neuf pour la sauvegarde.")
    try:
        directory.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{directory.name}.partielle-", dir=directory.parent))
    except OSError as error:
        raise StoreError(f"Le dossier {directory} ne peut pas être créé : {files.os_error_text(error)}") from error
    placed = False
    try:
        with store.connect() as con:
            try:
                with transaction(con):
                    row = con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
                    if row is None or str(row[0]) != str(SCHEMA_VERSION):
                        raise StoreError(
                            f"La base {store.path} n'est pas au schéma {SCHEMA_VERSION} : sauvegarde refusée."
                        )
                    audit(con, who=who, target_kind="store", target_key=str(directory), action="backup")
                    manifest = _export_tables(con, staging, known_schema(SCHEMA_VERSION))
                    files.write_atomically(
                        staging / MANIFEST_NAME, json.dumps(manifest, ensure_ascii=False, indent=2).encode("utf-8")
                    )
                    files.sync_directory(staging)
                    if directory.exists():
                        directory.rmdir()  # empty (checked above): the rename needs the name free
                    staging.rename(directory)
                    placed = True
                    files.sync_directory(directory.parent)
            except BaseException:
                if placed:  # the folder is in place but its audit row is not: no half-recorded backup
                    shutil.rmtree(directory, ignore_errors=True)
                raise
    except OSError as error:
        raise StoreError(
            f"La sauvegarde n'a pas pu être écrite dans {directory} : {files.os_error_text(error)} "
            "Aucune sauvegarde n'a été enregistrée."
        ) from error
    except duckdb.Error as error:
        raise StoreError(f"La sauvegarde a échoué ({type(error).__name__}) : rien n'a été enregistré.") from error
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return f"Sauvegarde de {store.path} écrite dans {directory}."


def _export_tables(con: duckdb.DuckDBPyConnection, folder: Path, schema: KnownSchema) -> dict[str, Any]:
    tables = []
    for name, columns in schema.tables.items():
        target = folder / f"{name}.parquet"
        con.execute(
            f"COPY (SELECT {_column_list(columns)} FROM {_quoted(name)}) TO {string_literal(str(target))} "
            "(FORMAT parquet)"
        )
        rows = int(con.execute(f"SELECT count(*) FROM {_quoted(name)}").fetchone()[0])  # type: ignore[index]
        files.fsync_file(target)
        tables.append(
            {
                "table": name,
                "fichier": target.name,
                "lignes": rows,
                "sha256": _sha256_of_file(target),
                "colonnes": [[column, kind] for column, kind in columns],
            }
        )
    sequences = {
        str(name): int(last) + 1 if last is not None else int(start)
        for name, last, start in con.execute(
            "SELECT sequence_name, last_value, start_value FROM duckdb_sequences() "
            "WHERE database_name = current_database() AND schema_name = 'main'"
        ).fetchall()
        if name in schema.sequences
    }
    return {
        "outil": TOOL_NAME,
        "format": BACKUP_FORMAT,
        "schema_version": schema.version,
        "cree_le": datetime.now().isoformat(timespec="seconds"),
        "tables": tables,
        "sequences": sequences,
    }


def _sha256_of_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


# ---------------------------------------------------------------------- reading a backup folder


def read_manifest(directory: Path) -> Manifest:
    """The manifest of a backup folder, every field checked against our own schema; RestoreRefused otherwise."""
    from lib.store import SCHEMA_VERSION

    path = directory / MANIFEST_NAME
    if not path.exists() and not path.is_symlink():
        if any((directory / name).exists() for name in LEGACY_FILES):
            raise RestoreRefused(
                "c'est une sauvegarde de l'ancien format (schema.sql et load.sql), qui n'est plus acceptée : "
                "elle ferait exécuter les commandes SQL qu'elle contient. Ouvrez la base d'origine avec cet outil "
                "et faites une nouvelle sauvegarde (`python -m lib backup DOSSIER_NEUF`), puis restaurez celle-ci."
            )
        raise RestoreRefused(f"ce dossier n'est pas une sauvegarde de cet outil ({MANIFEST_NAME} absent).")
    if path.is_symlink() or not path.is_file():
        raise RestoreRefused(f"{MANIFEST_NAME} n'est pas un fichier ordinaire.")
    if path.stat().st_size > MAX_MANIFEST_BYTES:
        raise RestoreRefused(f"{MANIFEST_NAME} dépasse {MAX_MANIFEST_BYTES // 1000} Ko : ce n'est pas un manifeste.")
    try:
        data = json.loads(path.read_bytes().decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as error:
        raise RestoreRefused(f"{MANIFEST_NAME} illisible (JSON invalide).") from error
    if not isinstance(data, dict):
        raise RestoreRefused(f"{MANIFEST_NAME} : un objet JSON est attendu.")
    expected_keys = {"outil", "format", "schema_version", "cree_le", "tables", "sequences"}
    if set(data) != expected_keys:
        extra = sorted(set(data) - expected_keys)
        missing = sorted(expected_keys - set(data))
        raise RestoreRefused(
            f"{MANIFEST_NAME} : clés inattendues {_names(extra)} / absentes {_names(missing)}."
            if extra and missing
            else f"{MANIFEST_NAME} : clé(s) {'inattendue(s)' if extra else 'absente(s)'} {_names(extra or missing)}."
        )
    if not isinstance(data["cree_le"], str) or len(data["cree_le"]) > 40:
        raise RestoreRefused(f"{MANIFEST_NAME} : « cree_le » doit être une date.")
    if data["outil"] != TOOL_NAME or data["format"] != BACKUP_FORMAT:
        raise RestoreRefused(f"{MANIFEST_NAME} : ce n'est pas une sauvegarde de cet outil (format inconnu).")
    version = data["schema_version"]
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise RestoreRefused(f"{MANIFEST_NAME} : « schema_version » doit être un entier positif.")
    if version > SCHEMA_VERSION:
        raise RestoreRefused(
            f"sauvegarde d'une version plus récente de l'outil (schéma {version}, cette version connaît le schéma "
            f"{SCHEMA_VERSION}) : mettez l'outil à jour."
        )
    schema = known_schema(version)
    entries = data["tables"]
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise RestoreRefused(f"{MANIFEST_NAME} : « tables » doit être une liste d'objets.")
    tables: list[TableEntry] = []
    for entry in entries:
        tables.append(_table_entry(entry, schema))
    names = [t.name for t in tables]
    unknown = sorted(set(names) - set(schema.tables))
    if unknown:
        raise RestoreRefused(f"table(s) inconnue(s) dans la sauvegarde : {_names(unknown)}.")
    missing_tables = sorted(set(schema.tables) - set(names))
    if missing_tables:
        raise RestoreRefused(f"table(s) absente(s) de la sauvegarde : {_names(missing_tables)}.")
    if len(names) != len(set(names)):
        raise RestoreRefused(f"{MANIFEST_NAME} : une table y figure deux fois.")
    sequences = data["sequences"]
    if not isinstance(sequences, dict) or set(sequences) != set(schema.sequences):
        raise RestoreRefused(f"{MANIFEST_NAME} : les séquences ne sont pas celles du schéma {version}.")
    for name, value in sequences.items():
        if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= MAX_SEQUENCE_VALUE:
            raise RestoreRefused(f"{MANIFEST_NAME} : séquence « {name} » : entier positif attendu.")
    return Manifest(version, tuple(tables), dict(sequences))


def _table_entry(entry: dict[str, Any], schema: KnownSchema) -> TableEntry:
    keys = {"table", "fichier", "lignes", "sha256", "colonnes"}
    if set(entry) != keys:
        raise RestoreRefused(f"{MANIFEST_NAME} : une table doit avoir exactement les clés {_names(sorted(keys))}.")
    name, file_name, rows, digest, columns = (entry[k] for k in ("table", "fichier", "lignes", "sha256", "colonnes"))
    if not isinstance(name, str) or name not in schema.tables:
        raise RestoreRefused(f"table inconnue dans la sauvegarde : « {str(name)[:80]} ».")
    if file_name != f"{name}.parquet":
        raise RestoreRefused(
            f"table {name} : fichier « {str(file_name)[:80]} » refusé (seul {name}.parquet, dans le dossier de la "
            "sauvegarde, est accepté)."
        )
    if not isinstance(rows, int) or isinstance(rows, bool) or rows < 0:
        raise RestoreRefused(f"table {name} : « lignes » doit être un entier positif ou nul.")
    if not isinstance(digest, str) or not _SHA256.fullmatch(digest):
        raise RestoreRefused(f"table {name} : empreinte sha256 invalide.")
    expected = [[column, kind] for column, kind in schema.tables[name]]
    if columns != expected:
        found = (
            {c[0] for c in columns if isinstance(c, list) and c and isinstance(c[0], str)}
            if isinstance(columns, list)
            else set()
        )
        known = {c for c, _ in schema.tables[name]}
        detail = ""
        if found - known:
            detail = f" : colonne(s) inconnue(s) {_names(sorted(found - known))}"
        elif known - found:
            detail = f" : colonne(s) absente(s) {_names(sorted(known - found))}"
        raise RestoreRefused(f"table {name} : les colonnes ne sont pas celles du schéma {schema.version}{detail}.")
    return TableEntry(name, file_name, rows, digest)


def _names(items: list[str]) -> str:
    shown = ", ".join(f"« {str(item)[:80]} »" for item in items[:10])
    return shown + (f" et {len(items) - 10} autre(s)" if len(items) > 10 else "")


def _check_folder(directory: Path, manifest: Manifest) -> dict[str, Path]:
    """The Parquet file of each table, after checking the folder holds nothing else and every sha256 matches."""
    expected = {entry.file: entry for entry in manifest.tables}
    for child in directory.iterdir():
        if child.name != MANIFEST_NAME and child.name not in expected:
            raise RestoreRefused(f"fichier « {child.name[:80]} » inattendu dans la sauvegarde : retirez-le.")
    paths: dict[str, Path] = {}
    for entry in manifest.tables:
        path = directory / entry.file
        if path.is_symlink() or not path.is_file():
            raise RestoreRefused(f"{entry.file} absent de la sauvegarde (ou n'est pas un fichier ordinaire).")
        if _sha256_of_file(path) != entry.sha256:
            raise RestoreRefused(f"{entry.file} a été modifié depuis la sauvegarde (empreinte sha256 différente).")
        paths[entry.name] = path.resolve()
    return paths


# ---------------------------------------------------------------------- restoring


@contextmanager
def _staging_store(store: Store) -> Iterator[tuple[Path, duckdb.DuckDBPyConnection]]:
    """A fresh database file next to the store; removed (with its .wal) unless the caller swaps it in."""
    staging = store.path.with_name(store.path.name + ".restauration")
    store.path.parent.mkdir(parents=True, exist_ok=True)
    for leftover in (staging, staging.with_name(staging.name + ".wal")):
        leftover.unlink(missing_ok=True)
    con = duckdb.connect(str(staging))
    closed = False
    try:
        for setting in ("autoinstall_known_extensions", "autoload_known_extensions", "allow_community_extensions"):
            con.execute(f"SET {setting} = false")  # nothing a restored file names is fetched or loaded
        yield staging, con
        con.execute("CHECKPOINT")
        con.close()
        closed = True
    except BaseException:
        if not closed:
            with suppress(duckdb.Error):
                con.close()
        for leftover in (staging, staging.with_name(staging.name + ".wal")):
            leftover.unlink(missing_ok=True)
        raise


def _prepare_fresh(con: duckdb.DuckDBPyConnection, schema: KnownSchema, sequences: Mapping[str, int]) -> None:
    """Our schema at the backup's version, sequences continuing where the source stopped, meta emptied."""
    for name in schema.sequences:
        start = int(sequences[name])
        con.execute(f"CREATE SEQUENCE {_quoted(name)} START WITH {start}")  # migrations use IF NOT EXISTS
    _apply_migrations(con, schema.version)
    con.execute("DELETE FROM meta")


def _check_loaded(con: duckdb.DuckDBPyConnection, schema: KnownSchema) -> None:
    """The restored meta names exactly the schema version the tables were checked against."""
    rows = con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchall()
    if len(rows) != 1 or str(rows[0][0]) != str(schema.version):
        shown = str(rows[0][0])[:80] if rows else "absente"
        raise RestoreRefused(
            f"la version de schéma enregistrée (« {shown} ») n'est pas {schema.version} : données incohérentes."
        )


def _sequence_starts(
    con: duckdb.DuckDBPyConnection, schema: KnownSchema, declared: Mapping[str, int], source: Mapping[str, str]
) -> dict[str, int]:
    """Where each sequence restarts: where the source stopped, and always after the ids its rows already use."""
    starts = dict(declared)
    for sequence, (table, column) in SEQUENCE_COLUMNS.items():
        if sequence not in schema.sequences or table not in schema.tables:
            continue
        top = con.execute(f"SELECT max({_quoted(column)}) FROM {source[table]}").fetchone()
        if top is not None and top[0] is not None:
            if not 0 <= int(top[0]) < MAX_SEQUENCE_VALUE:
                raise RestoreRefused(f"table {table} : identifiant {top[0]} hors limites.")
            starts[sequence] = max(starts[sequence], int(top[0]) + 1)
    return starts


def restore_backup(store: Store, directory: Path, *, who: str) -> str:
    """Rebuild the store from a backup folder (see the module doc); the current file is kept aside."""
    from lib.store import Store, StoreError

    directory = Path(directory)
    if not directory.is_dir():
        raise StoreError(f"{directory} n'est pas une sauvegarde : ce n'est pas un dossier.")
    try:
        manifest = read_manifest(directory)
        schema = known_schema(manifest.schema_version)
        paths = _check_folder(directory, manifest)
        with _staging_store(store) as (staging, con):
            allowed = ", ".join(string_literal(str(p)) for p in paths.values())
            con.execute(f"SET allowed_paths = [{allowed}]")
            con.execute("SET enable_external_access = false")
            con.execute("SET lock_configuration = true")
            readers = {name: f"read_parquet({string_literal(str(path))})" for name, path in paths.items()}
            for entry in manifest.tables:
                found = con.execute(f"DESCRIBE SELECT * FROM {readers[entry.name]}").fetchall()
                if tuple((str(r[0]), str(r[1])) for r in found) != schema.tables[entry.name]:
                    raise RestoreRefused(f"{entry.file} : ses colonnes ne sont pas celles annoncées par le manifeste.")
            _prepare_fresh(con, schema, _sequence_starts(con, schema, manifest.sequences, readers))
            for entry in manifest.tables:
                columns = _column_list(schema.tables[entry.name])
                con.execute(
                    f"INSERT INTO {_quoted(entry.name)} ({columns}) SELECT {columns} FROM {readers[entry.name]}"
                )
                loaded = int(con.execute(f"SELECT count(*) FROM {_quoted(entry.name)}").fetchone()[0])  # type: ignore[index]
                if loaded != entry.rows:
                    raise RestoreRefused(
                        f"{entry.file} : {loaded} ligne(s) lue(s), le manifeste en annonce {entry.rows}."
                    )
            _check_loaded(con, schema)
            _migrate_and_derive(Store(staging), con, schema)
    except RestoreRefused as error:
        raise StoreError(f"Sauvegarde {directory} refusée : {error} La base actuelle n'a pas été modifiée.") from error
    except duckdb.Error as error:
        raise StoreError(
            f"Sauvegarde {directory} refusée : son contenu est illisible ({type(error).__name__}). "
            "La base actuelle n'a pas été modifiée."
        ) from error
    except OSError as error:
        raise StoreError(
            f"Sauvegarde {directory} : {files.os_error_text(error)} La base actuelle n'a pas été modifiée."
        ) from error
    return _swap_in(store, staging, str(directory), who)


def restore_copy(store: Store, data: bytes, file_name: str, *, who: str) -> str:
    """Put back a downloaded copy of the store: only its known tables' columns, into a fresh store."""
    from lib.store import Store, StoreError

    shown = file_name[:80]
    if len(data) < 4096 or data[8:12] != b"DUCK":
        raise StoreError(f"{shown} n'est pas une sauvegarde de cet outil (ce n'est pas une base DuckDB).")
    try:
        store.path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix=".copie-", dir=store.path.parent) as folder:
            copy = Path(folder) / "copie.duckdb"
            copy.write_bytes(data)
            with _staging_store(store) as (staging, con):
                try:
                    con.execute(f"ATTACH {string_literal(str(copy))} AS {COPY_ALIAS} (READ_ONLY)")
                except duckdb.Error as error:
                    raise RestoreRefused("ce n'est pas une base lisible par cette version de l'outil.") from error
                con.execute("SET enable_external_access = false")
                con.execute("SET lock_configuration = true")
                schema, sequences = _inspect_copy(con)
                sources = {name: f"{COPY_ALIAS}.main.{_quoted(name)}" for name in schema.tables}
                _prepare_fresh(con, schema, _sequence_starts(con, schema, sequences, sources))
                for name, columns in schema.tables.items():
                    con.execute(
                        f"INSERT INTO {_quoted(name)} ({_column_list(columns)}) "
                        f"SELECT {_column_list(columns)} FROM {COPY_ALIAS}.main.{_quoted(name)}"
                    )
                    counts = con.execute(
                        f"SELECT (SELECT count(*) FROM {_quoted(name)}), "
                        f"(SELECT count(*) FROM {COPY_ALIAS}.main.{_quoted(name)})"
                    ).fetchone()
                    if counts is None or counts[0] != counts[1]:
                        raise RestoreRefused(f"table {name} : toutes les lignes n'ont pas pu être copiées.")
                _check_loaded(con, schema)
                con.execute(f"DETACH {COPY_ALIAS}")
                _migrate_and_derive(Store(staging), con, schema)
    except RestoreRefused as error:
        raise StoreError(
            f"{shown} n'est pas une sauvegarde de cet outil utilisable : {error} La base actuelle n'a pas été modifiée."
        ) from error
    except duckdb.Error as error:
        raise StoreError(
            f"{shown} n'est pas une sauvegarde de cet outil utilisable : contenu illisible ({type(error).__name__}). "
            "La base actuelle n'a pas été modifiée."
        ) from error
    except OSError as error:
        raise StoreError(f"{shown} : {files.os_error_text(error)} La base actuelle n'a pas été modifiée.") from error
    return _swap_in(store, staging, file_name, who)


def _inspect_copy(con: duckdb.DuckDBPyConnection) -> tuple[KnownSchema, dict[str, int]]:
    """The copy's schema version (an integer we know) and sequences, after checking its known tables are plain."""
    from lib.store import SCHEMA_VERSION

    base_tables = {
        str(name)
        for (name,) in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_catalog = $c AND table_schema = 'main' "
            "AND table_type = 'BASE TABLE'",
            {"c": COPY_ALIAS},
        ).fetchall()
    }
    if "meta" not in base_tables or _copy_columns(con, "meta") != known_schema(1).tables["meta"]:
        raise RestoreRefused("la table meta (version du schéma) est absente.")
    rows = con.execute(f"SELECT value FROM {COPY_ALIAS}.main.meta WHERE key = 'schema_version'").fetchall()
    text = str(rows[0][0]) if len(rows) == 1 else ""
    if not re.fullmatch(r"[0-9]{1,6}", text) or not 1 <= int(text) <= SCHEMA_VERSION:
        if text.isdigit() and int(text) > SCHEMA_VERSION:
            raise RestoreRefused(
                f"elle vient d'une version plus récente de l'outil (schéma {text}) : mettez-le à jour."
            )
        raise RestoreRefused(f"version de schéma « {text[:80]} » inconnue (un entier de 1 à {SCHEMA_VERSION} attendu).")
    schema = known_schema(int(text))
    missing = sorted(set(schema.tables) - base_tables)
    if missing:
        raise RestoreRefused(f"table(s) absente(s) : {_names(missing)}.")
    for name, columns in schema.tables.items():
        found = dict(_copy_columns(con, name))
        for column, kind in columns:
            if column not in found:
                raise RestoreRefused(f"table {name} : colonne {column} absente.")
            if found[column] != kind:
                raise RestoreRefused(f"table {name} : colonne {column} de type {found[column][:40]}, {kind} attendu.")
    sequences = {
        str(name): (int(last) + 1 if last is not None else int(start))
        for name, last, start in con.execute(
            "SELECT sequence_name, last_value, start_value FROM duckdb_sequences() "
            "WHERE database_name = $c AND schema_name = 'main'",
            {"c": COPY_ALIAS},
        ).fetchall()
        if name in schema.sequences
    }
    absent = sorted(set(schema.sequences) - set(sequences))
    if absent:
        raise RestoreRefused(f"séquence(s) absente(s) : {_names(absent)}.")
    if any(not 1 <= value <= MAX_SEQUENCE_VALUE for value in sequences.values()):
        raise RestoreRefused("une séquence sort des limites.")
    return schema, sequences


def _copy_columns(con: duckdb.DuckDBPyConnection, table: str) -> tuple[tuple[str, str], ...]:
    """The stored columns of one of the copy's tables; a computed (generated) column is flagged, never read."""
    rows = con.execute(
        "SELECT column_name, data_type, is_generated FROM information_schema.columns "
        "WHERE table_catalog = $c AND table_schema = 'main' AND table_name = $t ORDER BY ordinal_position",
        {"c": COPY_ALIAS, "t": table},
    ).fetchall()
    return tuple(
        (str(name), str(kind) if str(generated) == "NEVER" else "colonne calculée") for name, kind, generated in rows
    )


def _swap_in(store: Store, staging: Path, source: str, who: str) -> str:
    """Put the checked staging file in place of the store; the current file (and its .wal) kept aside."""
    from lib.store import StoreError

    kept = ""
    try:
        if store.path.exists():
            with suppress(Exception), store.connect() as con:
                con.execute("CHECKPOINT")  # the .wal folded in, so the file kept aside is whole
        with store.alone():  # no reader nor writer opens the file while it is replaced
            if store.path.exists():
                stamp = f"{datetime.now():%Y%m%d-%H%M%S}"
                aside = store.path.with_name(f"{store.path.stem}.avant-restauration-{stamp}.duckdb")
                counter = 1
                while aside.exists():
                    counter += 1
                    aside = store.path.with_name(f"{store.path.stem}.avant-restauration-{stamp}-{counter}.duckdb")
                store.path.rename(aside)
                wal = store.path.with_name(store.path.name + ".wal")
                if wal.exists():
                    wal.rename(aside.with_name(aside.name + ".wal"))
                kept = f" L'ancienne base est conservée dans {aside}."
            try:
                staging.rename(store.path)
            except OSError:
                if kept:
                    aside.rename(store.path)
                    if aside.with_name(aside.name + ".wal").exists():
                        aside.with_name(aside.name + ".wal").rename(store.path.with_name(store.path.name + ".wal"))
                raise
        files.sync_directory(store.path.parent)
    except OSError as error:
        staging.unlink(missing_ok=True)
        raise StoreError(f"La base restaurée n'a pas pu être mise en place : {files.os_error_text(error)}") from error
    store._migrated = False
    store.record_action("store", [source], "restored", who=who)
    return f"Base restaurée depuis {source}.{kept}"
