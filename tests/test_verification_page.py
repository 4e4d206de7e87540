"""The Vérification page under AppTest on the demo store: what a person reads first, the detail of a line, the
correction files prepared when asked, the manual pairing (same training family first), the URL filters."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from lib import corrections, ui
from lib import verification_logic as logic
from lib.lists import ListContext, is_in
from lib.store import Store
from tests.test_pages import open_page, table_with_column

pytestmark = pytest.mark.usefixtures("fresh_streamlit_caches")

DEMO_DAY = ListContext(today=date(2026, 11, 23))
PORTAL_NAMES = ("ID_DECLARATION", "ID_UNIQUE_PARTENAIRE", "NOM_TITULAIRE", "NOM_FORMATION", "SIRET_EMPLOYEUR")


def select_rows(at: AppTest, rows: list[int]) -> None:
    at.session_state["verification_table"] = {"selection": {"rows": rows, "columns": [], "cells": []}}
    at.run()


def verification_grid(at: AppTest) -> tuple[list[str], dict[str, dict[str, object]]]:
    """The columns the main table shows, in order, and their configuration (label, help…)."""
    proto = next(frame.proto for frame in at.dataframe if "partner" in frame.value.columns)
    return list(proto.column_order), json.loads(proto.columns)


def test_the_table_shows_first_what_a_person_reads_with_french_headers_and_portal_names_in_help(
    demo_db: Path,
) -> None:
    at = open_page("views/verification.py")
    assert not at.exception
    shown, config = verification_grid(at)
    assert shown == ["due_on", "status", "name", "title", "details"]
    labels = {column: str(config[column]["label"]) for column in shown}
    assert labels == {
        "due_on": "Échéance",
        "status": "Statut",
        "name": "Salarié",
        "title": "Formation",
        "details": "Écarts avec vos fichiers",
    }
    assert all(config[column].get("help") for column in shown), "every header explains itself"
    assert "NOM_FORMATION" in str(config["title"]["help"])
    assert "NOM_TITULAIRE" in str(config["name"]["help"])
    for column in shown:  # never a raw portal name as a header, never a checkbox to tick
        assert labels[column] not in PORTAL_NAMES
        assert config[column]["type_config"] != {"type": "checkbox"}
    frame = at.dataframe[0].proto
    assert frame.placeholder == ui.EMPTY_CELL == "—", "a missing value shows as « — », not « None »"


def test_selecting_one_line_shows_all_its_fields_in_french_with_the_nir_masked(demo_db: Path) -> None:
    at = open_page("views/verification.py", ecarts="true")
    table = table_with_column(at, "partner")
    select_rows(at, [0])
    assert not at.exception
    detail = [str(m.value) for m in at.markdown if "Détail de la déclaration" in str(m.value) or ":gray[" in m.value]
    said = "\n".join(str(m.value) for m in at.markdown)
    assert detail, "a detail view of the selected line"
    partner = str(table.at[0, "partner"]).replace("-", "\\-")
    assert f"**Identifiant de la ligne** :gray[(ID\\_UNIQUE\\_PARTENAIRE)] : {partner}" in said
    assert "**Déclarée en retard** : non" in said or "**Déclarée en retard** : oui" in said
    assert "**Jours restants** : " in said
    assert "None" not in said and "nan" not in said.split()
    nirs = set(Store(demo_db).sql("SELECT nir FROM of_lines")["nir"])
    assert not any(n in said for n in nirs), "the detail never shows a full NIR"
    select_rows(at, [0, 1])
    assert not any("Détail de la déclaration" in str(m.value) for m in at.markdown)
    assert any("une seule ligne" in str(c.value) for c in at.caption)


def test_the_count_and_the_rows_follow_the_filters_of_the_url(demo_db: Path) -> None:
    at = open_page("views/verification.py", ecarts="true", of="Centre de conduite Girard")
    assert not at.exception
    store = Store(demo_db)
    query = logic.declarations_query(
        logic.Filters(
            organismes=("Centre de conduite Girard",),
            statuses=("à vérifier", "correction demandée", "correction non faite"),
            only_discrepancies=True,
        )
    )
    expected = store.list_rows(query, DEMO_DAY, columns=["id_unique_partenaire"])
    assert 0 < len(expected)
    assert list(table_with_column(at, "partner")["partner"]) == list(expected["id_unique_partenaire"])
    concerned = store.list_count(logic.CONCERNED, DEMO_DAY)
    assert any(f"**{len(expected)}** déclaration(s) sur {concerned} " in str(m.value) for m in at.markdown)


def test_the_correction_files_of_a_provider_are_built_when_asked_and_are_those_of_its_requests(demo_db: Path) -> None:
    at = open_page("views/verification.py")
    organisme = "Centre de conduite Girard"
    assert not [b for b in at.get("download_button") if b.proto.label == "CSV"], "nothing built before asked"
    at.button(key=f"prepare_corrections_{organisme}").click().run()
    assert not at.exception
    buttons = {b.proto.id: b for b in at.get("download_button")}
    assert any(f"corrections_{organisme}" in key for key in buttons)
    requests = Store(demo_db).list_rows(
        logic.CORRECTION_REQUESTS.where(is_in("organisme", [organisme])), DEMO_DAY, limit=None
    )
    csv, _ = corrections.request_files(requests, organisme)
    assert len(requests) > 0 and csv.count(b"\n") == len(requests) + 1


def test_manual_pairing_proposes_the_same_training_family_first_and_pairs_the_chosen_training(demo_db: Path) -> None:
    at = open_page("views/verification.py")
    store = Store(demo_db)
    orphan = store.list_rows(logic.ORPHANS, DEMO_DAY, limit=1).iloc[0]
    family = logic.training_family(orphan["training_key"], orphan["title"])
    box = at.selectbox(key=f"pairing_record_{orphan['line_key']}")
    labels = list(box.options)
    assert len(labels) > 1
    same = [label.startswith("✓ même famille") for label in labels]
    assert same[0] and same == sorted(same, reverse=True), "the same family first"
    in_sql_order = store.list_rows(logic.candidates_query(str(orphan["nir"])), DEMO_DAY)
    assert in_sql_order.iloc[0]["training_family"] != family, "the demo case where the ranking matters"
    at.button(key="pairing_submit").click().run()
    assert not at.exception
    pairs = store.sql("SELECT record_id, organisme, id_unique_partenaire FROM manual_pairings")
    assert len(pairs) == 1
    chosen = int(pairs["record_id"].iloc[0])
    families = dict(zip(in_sql_order["id"], in_sql_order["training_family"], strict=True))
    assert families[chosen] == family
    assert (pairs.at[0, "organisme"], pairs.at[0, "id_unique_partenaire"]) == (
        orphan["organisme"],
        orphan["id_unique_partenaire"],
    )
    assert any("rapprochée" in s.value for s in at.success)
    left = store.list_rows(logic.ORPHANS, DEMO_DAY, columns=["line_key"])
    assert orphan["line_key"] not in set(left["line_key"])


def test_the_lines_not_to_verify_are_counted_and_listed_with_french_headers(demo_db: Path) -> None:
    at = open_page("views/verification.py")
    others = Store(demo_db).list_count(logic.NOT_CONCERNED, DEMO_DAY)
    assert others > 0
    assert any(f"Pour information : {others} déclaration(s)" in e.label for e in at.expander)
    table = table_with_column(at, "presence")
    assert len(table) == others
