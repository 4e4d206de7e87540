"""The employer's declarations: portal files built from the lists, recorded as generated, then deposited or
undone, and the ledger of ID_UNIQUE_PARTENAIRE already used on the portal."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

import duckdb
import pandas as pd

from lib import declarations, statuses
from lib.rules import RuleSet
from lib.store.configuration import ConfigurationMixin
from lib.store.connection import StoreError, audit, sha256_of, transaction
from lib.store.derived import refresh_derived
from lib.store.sqlfiles import checked, named_query
from lib.store.workflow import WorkflowMixin

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


class ExportsMixin(WorkflowMixin, ConfigurationMixin):
    """Portal files of the employer and the ledger."""

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
            "WHERE list_contains($wanted, status) ORDER BY id"
        )
        with self.read() as con:
            self._prepare_workflow(con, rules, tolerance_days)
            rows = con.execute(sql, checked(con, sql, {"today": today, "wanted": list(wanted)}, what=name)).fetchall()
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
        with self.connect() as con, transaction(con):
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
        with self.connect() as con, transaction(con):
            con.execute(
                "UPDATE exports SET status = 'deposited', status_at = now()::TIMESTAMP WHERE id = $e",
                {"e": export_id},
            )
            _reserve_partner_ids(con, export_id)
            audit(con, who=who, target_kind="export", target_key=str(export_id), action="deposited")
            refresh_derived(con, nirs=())  # the declared records (nobody's deadlines)
        return f"Dépôt de « {export['file_name']} » confirmé : {export['lines']} ligne(s) déclarée(s)."

    def undo_export(self, export_id: int, *, who: str | None = None) -> str:
        """Undo a confirmation (or discard a generated file): its lines are to declare again, as before."""
        who = who or self.user
        export = self._export_row(export_id)
        if export["status"] == "undone":
            raise StoreError(f"Le fichier n° {export_id} est déjà annulé.")
        with self.connect() as con, transaction(con):
            con.execute("DELETE FROM partner_id_ledger WHERE export_id = $e", {"e": export_id})
            con.execute(
                "UPDATE exports SET status = 'undone', status_at = now()::TIMESTAMP WHERE id = $e", {"e": export_id}
            )
            audit(
                con, who=who, target_kind="export", target_key=str(export_id), action="undone",
                reason=f"statut précédent : {_EXPORT_STATUS[export['status']]}",
            )  # fmt: skip
            refresh_derived(con, nirs=())  # the declared records (nobody's deadlines)
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


def _reserve_partner_ids(con: duckdb.DuckDBPyConnection, export_id: int) -> None:
    """Put a deposited file's ID_UNIQUE_PARTENAIRE in the ledger: the portal rejects any later reuse."""
    con.execute(
        "INSERT INTO partner_id_ledger SELECT id_unique_partenaire, export_id, record_id, now()::TIMESTAMP "
        "FROM export_lines WHERE export_id = $e",
        {"e": export_id},
    )


# The columns of a workflow query that make a DeclarationInput, in the order of its fields.
_DECLARATION_COLUMNS = (
    "id", "proof_kind", "matricule", "person_nir", "person_birth_name", "person_first_name", "training_title",
    "training_key", "start_date", "end_date", "validity_start", "validity_end", "person_siret",
)  # fmt: skip
_EXPORT_SOURCES: dict[str, tuple[str, tuple[str, ...]]] = {
    "carence": ("expected_trainings", statuses.CARENCE_TO_DECLARE),
    "internal": ("internal_trainings", statuses.INTERNAL_TO_DECLARE),
}
