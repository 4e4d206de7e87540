"""The Vérification page's decisions without Streamlit: the query of its filters, its texts, the reasons of a
decision, the order of the manual pairing candidates."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pandas as pd
import pytest

from lib import verification_logic as logic
from lib.lists import Condition, ListContext, ListQuery
from lib.store import Store

DEMO_DAY = ListContext(today=date(2026, 11, 23))


@pytest.mark.parametrize(
    ("window", "expected"),
    [
        ("toutes", None),
        ("dépassée", Condition("days_left", "<", (0,))),
        ("≤ 7 j", Condition("days_left", "<=", (7,))),
        ("≤ 90 j", Condition("days_left", "<=", (90,))),
        ("n'importe quoi", None),
    ],
)
def test_a_due_window_becomes_a_condition_on_the_days_left(window: str, expected: Condition | None) -> None:
    assert logic.due_window_condition(window) == expected


def test_empty_filters_keep_every_declaration_to_verify() -> None:
    assert logic.declarations_query(logic.Filters()) == logic.CONCERNED


def test_each_filter_adds_its_condition() -> None:
    query = logic.declarations_query(
        logic.Filters(
            organismes=("OF A",),
            sites=("Lyon",),
            window="≤ 30 j",
            statuses=("à vérifier",),
            search="dupré amélie",
            only_discrepancies=True,
        )
    )
    assert query.name == "of_declarations"
    assert query.search == "dupré amélie"
    assert set(query.conditions) == {
        Condition("concerned", "true"),
        Condition("organisme", "in", ("OF A",)),
        Condition("establishment", "in", ("Lyon",)),
        Condition("status_label", "in", ("à vérifier",)),
        Condition("days_left", "<=", (30,)),
        Condition("discrepancies", "not_empty"),
    }


def test_the_filters_keep_in_sql_what_the_former_masks_kept_over_the_whole_list(demo_db: Path) -> None:
    store = Store(demo_db)
    every = store.list_rows(ListQuery("of_declarations"), DEMO_DAY)
    concerned = every["concerned"].fillna(False).astype(bool)
    cases = [
        (logic.Filters(), concerned),
        (logic.Filters(only_discrepancies=True), concerned & (every["discrepancies"] != "")),
        (logic.Filters(window="dépassée"), concerned & (every["days_left"] < 0).fillna(False)),
        (logic.Filters(window="≤ 60 j"), concerned & (every["days_left"] <= 60).fillna(False)),
        (logic.Filters(statuses=("à vérifier",)), concerned & (every["status_label"] == "à vérifier")),
        (
            logic.Filters(organismes=("Centre de conduite Girard",), statuses=("correction non faite",)),
            concerned
            & (every["organisme"] == "Centre de conduite Girard")
            & (every["status_label"] == "correction non faite"),
        ),
    ]
    for filters, mask in cases:
        expected = set(every.loc[mask.to_numpy(dtype=bool), "line_key"])
        found = store.list_rows(logic.declarations_query(filters), DEMO_DAY, columns=["line_key"])
        assert set(found["line_key"]) == expected, filters
        assert store.list_count(logic.declarations_query(filters), DEMO_DAY) == len(expected)
    assert 0 < int(concerned.sum()) < len(every)


def test_the_orphans_are_the_unpaired_declarations_to_settle_first(demo_db: Path) -> None:
    orphans = Store(demo_db).list_rows(logic.ORPHANS, DEMO_DAY)
    assert len(orphans) > 0
    assert set(orphans["reconciliation"]) <= {"inattendue", "à rapprocher"}
    assert orphans["concerned"].all()
    ranks = [0 if r == "à rapprocher" else 1 for r in orphans["reconciliation"]]
    assert ranks == sorted(ranks)


@pytest.mark.parametrize(
    ("days", "text"),
    [(38, "38 j"), (0, "aujourd'hui"), (-3, "dépassée depuis 3 j"), (None, ""), (float("nan"), ""), (pd.NA, "")],
)
def test_days_left_read_as_words_and_never_as_none(days: object, text: str) -> None:
    assert logic.days_left_text(days) == text


def test_a_short_table_says_nothing_and_a_cut_one_says_how_many_lines_it_shows() -> None:
    assert logic.cut_message(12, 12) is None
    assert logic.cut_message(500, 1234) == "500 lignes affichées sur 1\u202f234 : affinez les filtres."


def test_the_detail_of_a_line_masks_the_nir_names_the_portal_columns_and_shows_no_none() -> None:
    line = {
        "nir": "1900861309498",
        "nom_titulaire": "MARTEL",
        "organisme": "OF A",
        "title": "SST",
        "date_fin_formation": pd.Timestamp("2026-02-27"),
        "date_debut_validite": None,
        "id_declaration": "D1",
        "id_unique_partenaire": "P1",
        "status_label": "à vérifier",
        "due_on": pd.NaT,
        "verification_deadline": datetime(2026, 12, 31),
        "days_left": None,
        "reconciliation": "inattendue",
        "discrepancy_details": "",
        "declared_late": True,
        "last_reason": float("nan"),
        "establishment": None,
        "siret_employeur": "12345678900011",
    }
    items = {label: (portal, text) for label, portal, text in logic.detail_items(line, employee="")}
    assert items["NIR"][1] == "1 90 08 ** *** ***"
    assert items["Identifiant de la ligne"] == ("ID_UNIQUE_PARTENAIRE", "P1")
    assert items["Fin de formation"] == ("DATE_FIN_FORMATION", "27/02/2026")
    assert items["Établissement"] == ("SIRET_EMPLOYEUR", "12345678900011")
    assert items["Déclarée en retard"][1] == "oui"
    assert items["Échéance"][1] == "—"
    assert items["Limite de vérification"][1] == "31/12/2026"
    assert items["Motif de la dernière décision"][1] == "—"
    assert items["Salarié (registre du personnel)"][1] == "—"
    texts = " ".join(text for _, text in items.values())
    assert "None" not in texts and "nan" not in texts and "NaT" not in texts
    assert "1900861309498" not in texts


def test_a_jdr_line_shows_its_validity_start_instead_of_a_training_end() -> None:
    line = {"date_fin_formation": None, "date_debut_validite": date(2026, 3, 1)}
    items = {label: (portal, text) for label, portal, text in logic.detail_items(line)}
    assert items["Début de validité"] == ("DATE_DEBUT_VALIDITE", "01/03/2026")


@pytest.mark.parametrize(
    ("decision", "typed", "details", "reasons"),
    [
        ("accepted", "", ["écart A", ""], [None, None]),
        ("accepted", " vu ", ["écart A", ""], ["vu", "vu"]),
        ("correction_requested", "", ["écart A", "écart B"], ["écart A", "écart B"]),
        ("correction_requested", "", ["écart A", None], ["écart A", None]),
        ("correction_requested", "mauvaise date", ["écart A", ""], ["mauvaise date", "mauvaise date"]),
        ("correction_requested", "  ", ["", None], None),
    ],
)
def test_each_line_of_a_decision_gets_the_typed_reason_or_its_own_discrepancies(
    decision: logic.Decision, typed: str, details: list[str | None], reasons: list[str | None] | None
) -> None:
    assert logic.decision_reasons(decision, typed, details) == reasons


def test_a_refresher_belongs_to_the_family_of_the_training_it_renews() -> None:
    assert logic.training_family("mac_sst") == "sst"
    assert logic.training_family("caces") == "caces"
    assert logic.training_family(None, "MAC SST - maintien et actualisation des compétences") == "sst"
    assert logic.training_family(None, "Atelier de poterie") is None
    assert logic.training_family(None, None) is None


def candidate(
    record_id: int, title: str, end: date | None, organisme: str | None, family: str | None
) -> logic.Candidate:
    return logic.Candidate(record_id, title, end, organisme, f"REF-{record_id}", family)


def test_pairing_proposes_the_same_training_family_first_then_the_same_provider_then_the_nearest_date() -> None:
    candidates = [
        candidate(1, "CACES R489", date(2026, 2, 20), "OF A", "caces"),
        candidate(2, "SST initiale", date(2023, 1, 1), "OF B", "sst"),
        candidate(3, "MAC SST", date(2026, 2, 1), "OF A", "sst"),
        candidate(4, "SST initiale", date(2026, 2, 25), "OF B", "sst"),
        candidate(5, "Sans date", None, "OF A", "sst"),
        candidate(6, "Inconnue", date(2026, 2, 27), None, None),
    ]
    ranked = logic.ranked_candidates(candidates, family="sst", organisme="OF A", end=date(2026, 2, 27))
    assert [c.record_id for c in ranked] == [3, 5, 4, 2, 1, 6]


def test_without_a_known_family_pairing_orders_by_provider_then_date() -> None:
    candidates = [
        candidate(1, "B", date(2026, 1, 1), "OF B", "sst"),
        candidate(2, "A", date(2025, 1, 1), "OF A", "caces"),
        candidate(3, "C", date(2026, 2, 1), "OF B", None),
    ]
    ranked = logic.ranked_candidates(candidates, family=None, organisme="OF A", end=date(2026, 2, 1))
    assert [c.record_id for c in ranked] == [2, 3, 1]


def test_a_candidate_of_the_same_family_says_so_first_and_missing_values_read_in_french() -> None:
    same = candidate(7, "MAC SST", date(2026, 2, 1), None, "sst")
    assert logic.candidate_label(same, family="sst") == (
        "✓ même famille — MAC SST du 01/02/2026 — organisme non renseigné (réf. REF-7)"
    )
    other = logic.Candidate(8, "CACES", None, "OF A", None, "caces")
    assert logic.candidate_label(other, family="sst") == "CACES (date non renseignée) — OF A (réf. 8)"


def test_candidates_are_read_from_the_rows_of_the_expected_trainings_list(demo_db: Path) -> None:
    nir = "1900861309498"  # the demo's unexpected EPI declaration (Garcia Sécurité Incendie)
    rows = Store(demo_db).list_rows(logic.candidates_query(nir), DEMO_DAY)
    assert len(rows) > 1 and not rows["declared_by_of"].fillna(False).any()
    candidates = logic.candidates_from_rows(rows.to_dict("records"))
    ranked = logic.ranked_candidates(candidates, family="incendie", organisme="Garcia Sécurité Incendie", end=None)
    assert ranked[0].family == "incendie"
    assert {c.record_id for c in candidates} == set(rows["id"])
