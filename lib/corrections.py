"""Correction requests to send to a training provider: which lines, which fields, what was expected. Pure."""

from __future__ import annotations

import pandas as pd

from lib import spreadsheet
from lib.identifiers import mask_nir

COLUMNS: dict[str, str] = {
    "organisme": "Organisme de formation",
    "id_declaration": "ID_DECLARATION",
    "id_unique_partenaire": "ID_UNIQUE_PARTENAIRE",
    "title": "Formation",
    "date_debut_formation": "Début",
    "date_fin_formation": "Fin",
    "nir_masked": "NIR (masqué)",
    "nom_titulaire": "Nom déclaré",
    "fields_at_fault": "Champs en cause",
    "expected_values": "Valeurs attendues / motif",
    "requested_at": "Demandée le",
    "answered": "Corrigée par l'OF",
}


def for_people(frame: pd.DataFrame) -> pd.DataFrame:
    """The requests as a person reads them: NIR masked, answered as oui/non, in the order of COLUMNS."""
    out = frame.copy()
    out["nir_masked"] = [mask_nir(v) if isinstance(v, str) else "" for v in out["nir"]]
    out["answered"] = ["oui" if bool(v) else "non" for v in out["correction_answered"]]
    for column in ("date_debut_formation", "date_fin_formation", "requested_at"):
        out[column] = pd.to_datetime(out[column]).dt.date
    return out[list(COLUMNS)]


def request_files(frame: pd.DataFrame, organisme: str) -> tuple[bytes, bytes]:
    """The CSV and XLSX of one provider's correction requests, ready to attach to an e-mail."""
    mine = for_people(frame[frame["organisme"] == organisme])
    csv = spreadsheet.to_csv_bytes(mine, COLUMNS)
    xlsx = spreadsheet.to_xlsx_bytes({"Demandes de correction": (mine, COLUMNS)})
    return csv, xlsx
