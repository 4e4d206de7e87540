"""The store: the only package that talks to DuckDB (lib/backup.py aside). One module per purpose:

- `sqlfiles`: our SQL files, named queries run with exactly the parameters they use, scripts split;
- `connection`: opening (locks, schema checks, migrations), `transaction()` and `audit()`;
- `configuration`: settings, establishments, header mappings, small reads every page needs;
- `imports`: OF files, HR records and roster, competence referential;
- `screening`: what in an HR export is not the employer's (establishments, people), before it is stored;
- `workflow`: the workflow lists, their summaries, and decisions on their lines;
- `lists`: the lists asked in SQL (count, first rows, counts per value, a filter's choices);
- `people`: the people search (any word order, no accents), one person's register line, the people of a list;
- `validities`: recommended validity ends;
- `paper`: the rows of the passport PDF and of a site's audit report (lib/paper.py);
- `exports`: portal files of the employer and the ledger of identifiers used;
- `requirements`: the employer's required trainings and their collective targets;
- `retention`: the purge of personal data (RGPD);
- `reminders`: the site managers and the sent log of the reminder e-mails.

`Store` composes them; everything callers use is importable from `lib.store`.
"""

from __future__ import annotations

from pathlib import Path

from lib.store.configuration import ConfigurationMixin
from lib.store.connection import (
    DEFAULT_DB,
    DUCKDB_MAGIC,
    REPO_ROOT,
    SCHEMA_VERSION,
    WAIT_SECONDS,
    StoreError,
    _migrations,
    arrow_frame,
    audit,
    current_user,
    default_db_path,
    sha256_of,
    today_default,
    transaction,
)
from lib.store.exports import ExportBatch, ExportFile, ExportsMixin, Purpose
from lib.store.imports import MAX_HR_FILE_BYTES, ImportKind, ImportResult, ImportsMixin, Problem
from lib.store.lists import ListsMixin
from lib.store.paper import PaperMixin, PassportRows, SiteRows
from lib.store.people import PeopleMixin
from lib.store.reminders import RemindersMixin
from lib.store.requirements import RequirementsMixin
from lib.store.retention import PURGED, RetentionMixin
from lib.store.sqlfiles import MIGRATIONS_DIR, SQL_DIR, SqlParameterError, named_query
from lib.store.sqlfiles import split_sql as _split_sql
from lib.store.validities import ValiditiesMixin
from lib.store.workflow import WORKFLOW_PARAMETERS, WorkflowMixin  # noqa: F401 - re-exported


class Store(
    ImportsMixin,
    ExportsMixin,
    RetentionMixin,
    ValiditiesMixin,
    RequirementsMixin,
    RemindersMixin,
    PaperMixin,
    PeopleMixin,
    ListsMixin,
    ConfigurationMixin,
):
    """One DuckDB file (see lib.store.connection.StoreBase for how it is opened), with every operation of the tool."""

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


__all__ = [
    "DEFAULT_DB",
    "DUCKDB_MAGIC",
    "MAX_HR_FILE_BYTES",
    "MIGRATIONS_DIR",
    "PURGED",
    "REPO_ROOT",
    "SCHEMA_VERSION",
    "SQL_DIR",
    "WAIT_SECONDS",
    "WORKFLOW_PARAMETERS",
    "ExportBatch",
    "ExportFile",
    "ImportKind",
    "ImportResult",
    "PassportRows",
    "Problem",
    "Purpose",
    "SiteRows",
    "SqlParameterError",
    "Store",
    "StoreError",
    "_migrations",
    "_split_sql",
    "arrow_frame",
    "audit",
    "current_user",
    "default_db_path",
    "named_query",
    "sha256_of",
    "today_default",
    "transaction",
]
