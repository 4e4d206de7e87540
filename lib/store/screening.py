"""Before an HR export is stored: the rows whose establishment is none of the employer's, and the trainings of
people missing from the staff register — counted, with a few examples, so the user confirms or cancels."""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import pandas as pd

from lib.identifiers import mask_nir

EXAMPLES = 5


@dataclass(frozen=True)
class Unfamiliar:
    """What in a file does not look like the employer's: SIRETs none of its establishments, unknown people."""

    sirets: tuple[tuple[str, int], ...] = ()
    """(SIRET, rows) of the establishments that are not the employer's, most rows first."""
    siret_rows: int = 0
    people: int = 0
    people_rows: int = 0
    examples: tuple[str, ...] = ()
    """A few people missing from the register: names, masked NIR, matricule."""

    @property
    def found(self) -> bool:
        return bool(self.siret_rows or self.people_rows)

    def messages(self, kind: str) -> tuple[str, ...]:
        """The warnings in French, each saying what was found and what importing it would do."""
        out: list[str] = []
        rows = "formation(s)" if kind == "internal" else "salarié(s)"
        if self.siret_rows:
            listed = ", ".join(f"{siret} ({n} ligne(s))" for siret, n in self.sirets[:EXAMPLES])
            more = f" et {len(self.sirets) - EXAMPLES} autre(s)" if len(self.sirets) > EXAMPLES else ""
            out.append(
                f"{self.siret_rows} {rows} rattaché(e)s à un établissement qui n'est pas le vôtre : SIRET "
                f"{listed}{more}. Vos établissements sont ceux de Paramètres et de la liste des salariés."
            )
        if self.people_rows:
            out.append(
                f"{self.people_rows} formation(s) de {self.people} personne(s) absente(s) du registre du personnel, "
                f"par exemple : {' ; '.join(self.examples)}. Importées, elles créeront des carences, des "
                "déclarations internes et des échéances : importez d'abord la liste des salariés à jour, ou "
                "vérifiez que ce fichier est bien celui de votre entreprise."
            )
        return tuple(out)


def unfamiliar_rows(con: duckdb.DuckDBPyConnection, frame: pd.DataFrame, kind: str) -> Unfamiliar:
    """Screen a parsed HR file (the canonical frame of lib.records) against the store.

    Establishments are checked once the employer has any (table establishments, employees' SIRETs); people (for
    training records) once the staff register has anyone, by matricule or NIR. Before that nothing is known to
    compare with, and nothing is said.
    """
    people_columns = ["matricule", "nir", "birth_name", "usage_name", "first_name"]
    con.register("screened", frame[["establishment_siret", *people_columns]])
    try:
        sirets = con.execute(
            "WITH known AS (SELECT siret FROM establishments UNION "
            "SELECT establishment_siret FROM employees WHERE establishment_siret IS NOT NULL) "
            "SELECT CAST(establishment_siret AS VARCHAR) AS siret, count(*) AS n FROM screened "
            "WHERE establishment_siret IS NOT NULL AND EXISTS (SELECT 1 FROM known) "
            "AND CAST(establishment_siret AS VARCHAR) NOT IN (SELECT siret FROM known) "
            "GROUP BY ALL ORDER BY n DESC, siret"
        ).fetchall()
        people_rows = people = 0
        examples: list[str] = []
        if kind == "internal":
            unknown = (
                "FROM screened s WHERE EXISTS (SELECT 1 FROM employees) "
                "AND NOT coalesce(CAST(s.matricule AS VARCHAR) IN (SELECT matricule FROM employees), false) "
                "AND NOT coalesce(CAST(s.nir AS VARCHAR) IN "
                "(SELECT nir FROM employees WHERE nir IS NOT NULL), false)"
            )
            counted = con.execute(
                "SELECT count(*), count(DISTINCT coalesce(CAST(matricule AS VARCHAR), CAST(nir AS VARCHAR), "
                f"CAST(birth_name AS VARCHAR))) {unknown}"
            ).fetchall()[0]
            people_rows, people = int(counted[0]), int(counted[1])
            if people_rows:
                found = con.execute(
                    "SELECT CAST(any_value(birth_name) AS VARCHAR), CAST(any_value(usage_name) AS VARCHAR), "
                    "CAST(any_value(first_name) AS VARCHAR), CAST(any_value(nir) AS VARCHAR), "
                    f"CAST(any_value(matricule) AS VARCHAR) {unknown} "
                    "GROUP BY coalesce(CAST(matricule AS VARCHAR), CAST(nir AS VARCHAR), CAST(birth_name AS VARCHAR)) "
                    f"ORDER BY 1, 3 LIMIT {EXAMPLES}"
                ).fetchall()
                examples = [_example(*row) for row in found]
    finally:
        con.unregister("screened")
    return Unfamiliar(
        sirets=tuple((str(s), int(n)) for s, n in sirets),
        siret_rows=sum(int(n) for _, n in sirets),
        people=people,
        people_rows=people_rows,
        examples=tuple(examples),
    )


def _example(birth: str | None, usage: str | None, first: str | None, nir: str | None, matricule: str | None) -> str:
    name = " ".join(part for part in (birth, f"({usage})" if usage else None, first) if part) or "sans nom"
    ids = [f"NIR {mask_nir(nir)}" if nir else "", f"matricule {matricule}" if matricule else ""]
    shown = ", ".join(i for i in ids if i)
    return f"{name} ({shown})" if shown else name
