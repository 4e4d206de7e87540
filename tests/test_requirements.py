"""Required trainings per job, service or site (lib/requirements.py) and who is missing what
(lib/sql/missing_trainings.sql, lib/sql/requirement_shares.sql), checked against an independent computation
from the validity list; the Manquants page on the demo store."""

from __future__ import annotations

import shutil
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from lib import requirements, settings, spreadsheet
from lib.lists import ListContext, ListQuery, is_in
from lib.matching import normalized_text
from lib.requirements import Requirement, RequirementsError, applicable, checked_requirements, parse_requirements
from lib.store import Store

DAY = date(2026, 11, 23)
CONTEXT = ListContext(today=DAY, horizon_days=90)
APP = str(Path(__file__).resolve().parents[1] / "app.py")
HEADER = "Poste;Service;Site;Formation requise;Intitulé contenant;Part minimale de l'effectif (%);Commentaire"


def csv_file(*lines: str) -> bytes:
    return ("\r\n".join((HEADER, *lines)) + "\r\n").encode("utf-8")


# --- reading the table ------------------------------------------------------------------------------------------


def test_a_file_of_requirements_reads_families_by_key_or_label_and_shares_in_any_form() -> None:
    read = parse_requirements(
        csv_file(
            "Cariste;;;CACES (autres recommandations : R485, R486, R489, R490…);R489;;chariots",
            ";Maintenance;;habilitation_electrique;BR;;",
            ";;;SST;;10 %;",
            ";;Caen;sst;;0,25;",
            ";;Rouen;Sauveteur secouriste du travail (SST);;50;",
        ),
        "exigences.csv",
    )
    assert [(r.job, r.service, r.site, r.family, r.title_words, r.min_share) for r in read] == [
        ("Cariste", None, None, "caces", "r489", None),
        (None, "Maintenance", None, "habilitation_electrique", "br", None),
        (None, None, None, "sst", None, 0.10),
        (None, None, "Caen", "sst", None, 0.25),
        (None, None, "Rouen", "sst", None, 0.50),
    ]
    assert read[0].note == "chariots"


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (";;;Plongée sous-marine;;;", r"exigences\.csv, ligne 2, colonne « Formation requise » : « Plongée"),
        (";Maintenance;;;;;", r"ligne 2, colonne « Formation requise » : vide"),
        (";;;sst;;150 %;", r"ligne 2, colonne « Part minimale de l'effectif \(%\) » : « 150 % »"),
        (";;;sst;;beaucoup;", r"ligne 2, colonne « Part minimale .* « beaucoup »"),
        ("x" * 121 + ";;;sst;;;", r"ligne 2, colonne « Poste » : plus de 120 caractères"),
    ],
)
def test_a_bad_line_is_refused_naming_file_line_and_column(line: str, message: str) -> None:
    with pytest.raises(RequirementsError, match=message):
        parse_requirements(csv_file(line), "exigences.csv")


def test_every_problem_is_listed_and_a_duplicate_names_its_first_line() -> None:
    with pytest.raises(RequirementsError) as refused:
        parse_requirements(csv_file(";Maintenance;;sst;;;", ";;;inconnue;;;", ";Maintenance;;SST;;;"), "e.csv")
    assert len(refused.value.problems) == 2
    assert "ligne 4 : même exigence qu'à la ligne 2" in refused.value.problems[1]


def test_a_file_without_the_required_column_or_too_big_or_not_a_table_is_refused() -> None:
    with pytest.raises(RequirementsError, match="colonne « Formation requise » est introuvable"):
        parse_requirements(b"Poste;Service\r\nCariste;Logistique\r\n", "e.csv")
    with pytest.raises(RequirementsError, match="au plus 1000 ko"):
        parse_requirements(csv_file(*([";;;sst;;;"] * 1)) + b" " * requirements.MAX_FILE_BYTES, "e.csv")
    with pytest.raises(RequirementsError, match=r"\.xls\)"):
        parse_requirements(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "e.xls")


def test_the_exported_table_reads_back_the_same_as_csv_and_as_excel() -> None:
    chosen = [
        Requirement("caces", job="Cariste", title_words="r489", note='=HYPERLINK("x")'),
        Requirement("sst", min_share=0.1),
        Requirement("prap", service="Production", site="Caen"),
    ]
    frame = requirements.requirements_frame(chosen).rename(columns=requirements.HEADERS)
    columns = {c: c for c in frame.columns}
    from_csv = parse_requirements(spreadsheet.to_csv_bytes(frame, columns), "formations_requises.csv")
    from_xlsx = parse_requirements(
        spreadsheet.to_xlsx_bytes({"Formations requises": (frame, columns)}), "formations_requises.xlsx"
    )
    for read in (from_csv, from_xlsx):
        assert [(r.family, r.job, r.service, r.site, r.title_words, r.min_share) for r in read] == [
            (r.family, r.job, r.service, r.site, r.title_words, r.min_share) for r in chosen
        ]


# --- which requirement applies ------------------------------------------------------------------------------------

RULES = [
    Requirement("sst", min_share=0.1),
    Requirement("sst", site="Caen"),
    Requirement("sst", service="Maintenance", min_share=0.5),
    Requirement("sst", job="Électricien", service="Maintenance"),
    Requirement("habilitation_electrique", service="Maintenance", title_words="br"),
    Requirement("habilitation_electrique", job="Électricien", title_words="b0"),
]


@pytest.mark.parametrize(
    ("job", "service", "site", "expected"),
    [
        # nothing more specific: the collective target for everyone
        ("Comptable", "Administration", "Rouen", [("sst", None, 0.1)]),
        # the site's individual requirement beats the target for everyone
        ("Comptable", "Administration", "Caen", [("sst", None, None)]),
        # service (2) beats site (1)
        ("Mécanicien", "Maintenance", "Caen", [("habilitation_electrique", "br", None), ("sst", None, 0.5)]),
        # job + service (6) beats everything; title words make separate requirements of one family
        (
            "Électricien", "Maintenance", "Caen",
            [("habilitation_electrique", "b0", None), ("habilitation_electrique", "br", None), ("sst", None, None)],
        ),
        # a job requirement that needs a service does not apply elsewhere
        ("Électricien", "Production", "Rouen", [("habilitation_electrique", "b0", None), ("sst", None, 0.1)]),
    ],
)  # fmt: skip
def test_the_most_specific_requirement_wins(
    job: str, service: str, site: str, expected: list[tuple[str, str | None, float | None]]
) -> None:
    found = applicable(RULES, job, service, site)
    assert [(r.family, r.title_words, r.min_share) for r in found] == expected


def test_scope_and_share_texts_are_french() -> None:
    assert Requirement("sst").scope() == "Tout le personnel"
    assert Requirement("sst", job="Cariste", site="Caen").scope() == "Poste : Cariste · Site : Caen"
    assert requirements.share_text(0.1) == "10 %"
    assert requirements.share_text(0.125) == "12,5 %"


@pytest.mark.parametrize(
    ("points", "text"), [(2.5, "+2,5 pts"), (-1.0, "−1 pt"), (0.04, "="), (float("nan"), "—"), (None, "—")]
)
def test_trend_text(points: float | None, text: str) -> None:
    assert requirements.trend_text(points) == text


def test_compliance_per_value_with_its_trend() -> None:
    now = pd.DataFrame(
        {"person_site": ["A", "A", "B", "C"], "compliant": [True, False, True, False], "rows": [3, 1, 2, 4]}
    )
    before = pd.DataFrame({"person_site": ["A", "A", "B"], "compliant": [True, False, False], "rows": [2, 2, 2]})
    rates = requirements.compliance(now, before, "person_site").set_index("person_site")
    assert rates.loc["A", "rate"] == 0.75 and rates.loc["A", "trend"] == pytest.approx(25.0)
    assert rates.loc["B", "rate"] == 1.0 and rates.loc["B", "trend"] == pytest.approx(100.0)
    trend_c: Any = rates.loc["C", "trend"]
    assert rates.loc["C", "rate"] == 0.0 and pd.isna(trend_c)
    assert list(rates.index) == ["C", "A", "B"]  # the worst first


# --- the store ----------------------------------------------------------------------------------------------------


@pytest.fixture
def demo(demo_store_file: Path, tmp_path: Path) -> Store:
    copy = tmp_path / "demo.duckdb"
    shutil.copyfile(demo_store_file, copy)
    return Store(copy)


def expected_states(store: Store, day: date) -> pd.DataFrame:
    """Who is missing what, computed in Python from the roster, the requirements and the validity list."""
    prefs = settings.preferences(store)
    validities = store.workflows(
        ("validities",), rules=settings.active_rules(store), today=day, tolerance_days=prefs.tolerance_days
    )["validities"]
    held = validities[validities["end_date"].dt.date <= day]
    roster = store.sql(
        "SELECT e.matricule, coalesce(e.site, s.site) AS site, e.service, e.job, e.exit_date FROM employees e "
        "LEFT JOIN establishments s ON s.siret = e.establishment_siret"
    )
    rows = []
    for person in roster.to_dict("records"):
        left: Any = person["exit_date"]
        if pd.notna(left) and left.date() < day:
            continue
        for requirement in applicable(store.requirements(), person["job"], person["service"], person["site"]):
            if requirement.min_share is not None:
                continue
            mine = held[(held["matricule"] == person["matricule"]) & (held["training_family"] == requirement.family)]
            if requirement.title_words:
                words = set(requirement.title_words.split())
                keep = [words <= set(normalized_text(t).split()) for t in mine["training_title"]]
                mine = mine.loc[pd.Series(keep, index=mine.index, dtype=bool)]
            ends = [e.date() if pd.notna(e) else date.max for e in mine["effective_validity_end"]]
            if not ends:
                state = "never_trained"
            elif max(ends) == date.max:
                state = "valid"
            elif max(ends) < day:
                state = "expired"
            elif (max(ends) - day).days <= 90:
                state = "expiring_soon"
            else:
                state = "valid"
            rows.append((person["matricule"], requirement.family, requirement.title_words, state))
    return pd.DataFrame(rows, columns=["matricule", "family", "title_words", "status"])


def test_the_demo_shows_every_state_and_the_list_agrees_with_an_independent_computation(demo: Store) -> None:
    listed = demo.list_rows(ListQuery("missing_trainings"), CONTEXT, limit=None)
    assert set(listed["status"]) == {"never_trained", "expired", "expiring_soon", "valid"}
    expected = expected_states(demo, DAY)
    key = ["matricule", "family", "title_words", "status"]
    got = listed[key].astype(object).where(listed[key].notna(), None)
    assert sorted(map(tuple, got.to_numpy().tolist())) == sorted(
        map(tuple, expected.astype(object).where(expected.notna(), None).to_numpy().tolist())
    )
    # the statuses follow the day, with no write: a year later more trainings have expired
    later = ListContext(today=DAY + timedelta(days=365), horizon_days=90)
    now_expired = demo.list_count(ListQuery("missing_trainings").where(is_in("status", ["expired"])), CONTEXT)
    assert demo.list_count(ListQuery("missing_trainings").where(is_in("status", ["expired"])), later) > now_expired


def test_collective_targets_per_site_agree_with_a_count(demo: Store) -> None:
    shares = demo.requirement_shares(DAY)
    assert set(shares["person_site"]) == set(demo.sql("SELECT site FROM establishments")["site"])
    prefs = settings.preferences(demo)
    validities = demo.workflows(
        ("validities",), rules=settings.active_rules(demo), today=DAY, tolerance_days=prefs.tolerance_days
    )["validities"]
    valid = validities[
        (validities["training_family"] == "sst")
        & (validities["end_date"].dt.date <= DAY)
        & (validities["effective_validity_end"].isna() | (validities["effective_validity_end"].dt.date >= DAY))
    ]
    roster = demo.sql(
        "SELECT e.matricule, coalesce(e.site, s.site) AS site FROM employees e "
        "LEFT JOIN establishments s ON s.siret = e.establishment_siret WHERE e.exit_date IS NULL OR e.exit_date >= $d",
        {"d": DAY},
    )
    for row in shares.to_dict("records"):
        people = set(roster.loc[roster["site"] == row["person_site"], "matricule"])
        assert row["staff"] == len(people)
        assert row["trained"] == len(people & set(valid["matricule"]))
        assert row["met"] == (row["trained"] / row["staff"] >= 0.1)


def test_replacing_the_table_is_audited_and_a_refused_one_changes_nothing(demo: Store) -> None:
    before = demo.requirements()
    assert len(before) == 7
    with pytest.raises(RequirementsError):
        checked_requirements([{"family": "inconnue"}], "tableau")
    assert demo.requirements() == before
    demo.replace_requirements([Requirement("sst", job="Cariste")], who="Claire RH")
    assert demo.requirements() == [Requirement("sst", job="Cariste")]
    journal = demo.sql("SELECT who, target_kind, action, reason FROM actions WHERE target_kind = 'requirements'")
    assert journal.iloc[-1].tolist() == ["Claire RH", "requirements", "replaced", "7 → 1 formation(s) requise(s)"]


def test_a_leaver_is_missing_nothing(demo: Store) -> None:
    gone = demo.sql("SELECT matricule FROM employees WHERE exit_date < $d LIMIT 1", {"d": DAY})["matricule"].iloc[0]
    listed = demo.list_rows(ListQuery("missing_trainings"), CONTEXT, limit=None)
    assert gone not in set(listed["matricule"])


# --- the page -----------------------------------------------------------------------------------------------------


@pytest.mark.usefixtures("fresh_streamlit_caches")
def test_the_manquants_page_shows_the_counts_and_filters(demo_db: Path) -> None:
    store = Store(demo_db)
    counts = store.list_counts(ListQuery("missing_trainings"), CONTEXT, ["status"])
    by_state = dict(zip(counts["status"], counts["rows"], strict=True))
    at = open_manquants()
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Jamais formés"] == str(by_state["never_trained"])
    assert metrics["Formation expirée"] == str(by_state["expired"])
    missing = by_state["never_trained"] + by_state["expired"] + by_state["expiring_soon"]
    assert any(f"**{missing}** ligne(s)" in m.value for m in at.markdown)
    cariste = store.list_count(
        ListQuery("missing_trainings").where(is_in("status", ["never_trained"]), is_in("job", ["Cariste"])), CONTEXT
    )
    at = open_manquants(etat="jamais formé", poste="Cariste")
    table = next(f.value for f in at.dataframe if "family" in f.value.columns)
    assert len(table) == cariste > 0 and set(table["state"]) == {"jamais formé"}


def open_manquants(**query: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.switch_page("views/manquants.py")
    for key, value in query.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception
    return at


@pytest.mark.usefixtures("fresh_streamlit_caches")
def test_without_requirements_the_page_says_where_to_define_them(demo_db: Path) -> None:
    Store(demo_db).replace_requirements([])
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.switch_page("views/manquants.py")
    at.run()
    assert not at.exception
    assert any("Paramètres → Formations requises" in i.value for i in at.info)


@pytest.mark.usefixtures("fresh_streamlit_caches")
def test_the_compliance_rates_show_one_grouping_at_a_time_and_count_each_pair_once(demo_db: Path) -> None:
    at = open_manquants()
    (by_site,) = [f.value for f in at.dataframe if "rate" in f.value.columns]
    sites = set(Store(demo_db).sql("SELECT DISTINCT site FROM employees")["site"])
    assert set(by_site["what"]) <= sites | {"(non renseigné)"} and len(by_site) >= 2
    at.session_state["manquants_regroupement"] = "Par formation requise"
    at.run()
    assert not at.exception
    (by_family,) = [f.value for f in at.dataframe if "rate" in f.value.columns]
    assert not set(by_family["what"]) & sites and len(by_family) >= 2
    assert by_family["required"].sum() == by_site["required"].sum()  # every employee × requirement, once
    assert by_family["compliant"].sum() == by_site["compliant"].sum()
