"""Every screen rendered with Streamlit's AppTest on the demo store, and the main things a user does there."""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET
from datetime import date
from pathlib import Path
from typing import Literal

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from lib import corrections, digest, settings, ui
from lib.charts import RENEWED, TIMELINE_COLOURS
from lib.lists import Condition, ListContext, ListQuery, compare, is_true
from lib.matching import normalized_text
from lib.settings import active_rules
from lib.store import Store
from lib.ui import cache as ui_cache
from lib.ui.french import upload_limits

APP = str(Path(__file__).resolve().parents[1] / "app.py")
FIXTURES = Path(__file__).resolve().parent / "fixtures"
PAGES = (
    "views/tableau_de_bord.py",
    "views/verification.py",
    "views/carence.py",
    "views/declarations_internes.py",
    "views/echeances.py",
    "views/manquants.py",
    "views/salarie.py",
    "views/parametres.py",
    "views/import.py",
    "views/journal.py",
)


pytestmark = pytest.mark.usefixtures("fresh_streamlit_caches")


def open_page(page: str, **query: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.switch_page(page)
    for key, value in query.items():
        at.query_params[key] = value
    at.run()
    return at


def rendered_text(at: AppTest) -> str:
    """Everything the page sent to the browser, as text (tables and charts included)."""
    parts: list[str] = []

    def walk(node: object) -> None:
        proto = getattr(node, "proto", None)
        if proto is not None:
            parts.append(str(proto))
        children = getattr(node, "children", None)
        if isinstance(children, dict):
            for child in children.values():
                walk(child)

    walk(at._tree)
    parts.extend(frame.value.to_csv() for frame in at.dataframe)
    return "\n".join(parts)


def carence_rows(at: AppTest) -> pd.DataFrame:
    """The Carence list: the table with the share of the carence window already used."""
    return table_with_column(at, "window_share")


def table_with_column(at: AppTest, column: str) -> pd.DataFrame:
    for frame in at.dataframe:
        if column in frame.value.columns:
            return frame.value
    raise AssertionError(f"no table with a column {column!r}")


@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders_on_the_demo_store_without_exception(demo_db: Path, page: str) -> None:
    at = open_page(page)
    assert not at.exception, [e.message for e in at.exception]
    assert at.title, "every screen has a title"


@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders_on_an_empty_store_without_exception(empty_db: Path, page: str) -> None:
    at = open_page(page)
    assert not at.exception, [e.message for e in at.exception]
    if page not in ("views/import.py", "views/parametres.py"):
        assert any("importez vos fichiers" in info.value for info in at.info)


def demo_readme_count(code: str) -> int:
    """A count of the demo's situation table (data/demo/README.md, checked against the files by test_demo)."""
    readme = (Path(__file__).resolve().parents[1] / "data" / "demo" / "README.md").read_text(encoding="utf-8")
    found = re.search(rf"^\| `{code}` \|[^|]*\| (\d+) ", readme, re.MULTILINE)
    assert found, code
    return int(found.group(1))


def test_dashboard_counts_what_the_demo_has_to_do_on_its_day(demo_db: Path) -> None:
    at = open_page("views/tableau_de_bord.py")
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Déclarations à vérifier"] == str(demo_readme_count("to_verify"))
    assert metrics["Déclarations internes à faire"] == str(demo_readme_count("internal_to_declare"))
    # A correction asked and not made is a carence to declare too (issue 12).
    assert metrics["Carences à déclarer"] == str(
        demo_readme_count("expected_carence_due")
        + demo_readme_count("expected_carence_overdue")
        + demo_readme_count("expected_correction_not_made")
    )
    assert any("23/11/2026" in c.value and "décret n° 2026-496" in c.value for c in at.caption)


def svg_charts(at: AppTest) -> list[ET.Element]:
    """The charts drawn on the server (lib/charts.py) that the page showed, each parsed as XML."""
    return [
        ET.fromstring(str(m.value))[0] for m in at.markdown if str(m.value).startswith("<div") and "<svg" in m.value
    ]


def test_dashboard_draws_its_two_charts_as_svg_with_a_bar_per_count(demo_db: Path) -> None:
    at = open_page("views/tableau_de_bord.py")
    assert not at.exception and not at.get("plotly_chart")
    weekly, monthly = svg_charts(at)
    day = ui_cache.today()
    store = Store(demo_db)
    numbers = digest.dashboard_summary(
        store.asker(ListContext(today=day, horizon_days=settings.preferences(store).horizon_days)), day
    )
    assert numbers.per_week is not None and numbers.per_month is not None
    for svg, table, legend in ((weekly, numbers.per_week, "Type"), (monthly, numbers.per_month, "Formation")):
        segments = [r for r in svg.iter("rect") if r.get("class") == "bar"]
        assert len(segments) == (table["Nombre"] > 0).sum()
        shown = sum(int(re.sub(r"\D", "", str(r.findtext("title")).rsplit(" : ", 1)[1])) for r in segments)
        assert shown == table["Nombre"].sum()
        keys = [r for r in svg.iter("rect") if r.get("class") == "key"]
        assert len(keys) == table[legend].nunique()
    tips = {str(r.findtext("title")) for r in weekly.iter("rect")}
    assert any(re.fullmatch(r"Semaine du \d\d/\d\d/\d{4} — Vérification : \d+", t) for t in tips), tips


def test_filtering_echeances_by_an_employee_lists_only_their_trainings(demo_db: Path) -> None:
    at = open_page("views/echeances.py")
    everyone = table_with_column(at, "link")
    link = str(everyone["link"].iloc[0])  # the person whose habilitation expired first
    matricule = link.split("=", 1)[1]
    at.text_input(key="recherche").input(matricule).run()
    assert not at.exception
    shown = table_with_column(at, "link")
    assert 0 < len(shown) < len(everyone)
    assert set(shown["link"]) == {link}


def test_echeances_filter_arrives_from_a_shared_link(demo_db: Path) -> None:
    at = open_page("views/echeances.py", etat="expirée")
    states = set(table_with_column(at, "state")["state"])
    assert states == {"expirée"}


def test_echeances_say_expired_since_how_many_days_never_a_negative_number(demo_db: Path) -> None:
    at = open_page("views/echeances.py", etat="expirée")
    table = table_with_column(at, "state")
    assert len(table) > 0
    assert all(re.fullmatch(r"expirée depuis \d+ j", str(d)) for d in table["days_left"])


def matrix_markup(at: AppTest) -> str:
    """The Échéances matrix as the page sent it: one Markdown block of HTML drawn on the server."""
    (markup,) = [str(m.value) for m in at.markdown if str(m.value).startswith('<div class="pp-matrice">')]
    return markup


def test_echeances_matrix_is_a_table_drawn_on_the_server_without_plotly(demo_db: Path) -> None:
    at = open_page("views/echeances.py")
    assert not at.exception
    assert not at.get("plotly_chart")
    markup = matrix_markup(at)
    assert "\n" not in markup and '<table aria-label="Matrice salariés × formations">' in markup
    assert "writing-mode:vertical-rl" in markup  # the training types read whole, not cut at 45°
    legend = markup[markup.index("pp-matrice-legende") :]
    assert "aucune formation de ce type" in legend and "expire dans l&#x27;horizon" in legend
    assert "🟥" not in rendered_text(at) and "⬜" not in rendered_text(at)


def test_echeances_matrix_shows_required_trainings_never_had(demo_db: Path) -> None:
    at = open_page("views/echeances.py")
    assert not at.exception
    markup = matrix_markup(at)
    cells = re.findall(r'<td class="pp-matrice-(\w+)" title="([^"]*)">([^<]*)</td>', markup)
    assert len(cells) == markup.count("<td ")
    missing = [(look, mark) for look, title, mark in cells if title.endswith(" : requis mais absent")]
    assert missing and set(missing) == {("requise", "requis")}
    assert sum(look == "requise" for look, _, _ in cells) == len(missing)
    assert ".pp-matrice .pp-matrice-requise{background:#ffffff;color:#d62728;border:2px solid #d62728}" in markup
    assert "requis mais absent (formation requise, jamais suivie)" in markup


def test_echeances_matrix_of_one_person_is_that_person_alone(demo_db: Path) -> None:
    at = open_page("views/echeances.py", recherche="MAT1050")
    rows = re.findall(r'<th scope="row">([^<]*)</th>', matrix_markup(at))
    assert len(rows) == 1 and rows[0].endswith("MAT1050")


def test_echeances_history_reads_a_session_renewed_by_a_later_one_as_expired_and_renewed(demo_db: Path) -> None:
    latest = open_page("views/echeances.py", recherche="MAT1002")  # expired or expiring soon: nothing, the MAC SST
    assert "**0** formation(s) · 0 salarié(s)." in [m.value for m in latest.markdown]  # renews the SST, valid
    history = table_with_column(open_page("views/echeances.py", recherche="MAT1002", historique="true"), "state")
    assert list(zip(history["formation"], history["state"], strict=True)) == [
        ("Sauveteur secouriste du travail (SST)", "expirée, renouvelée")
    ]


def test_echeances_counts_the_rows_and_people_of_the_filter(demo_db: Path) -> None:
    at = open_page("views/echeances.py", etat="expirée")
    expired = Store(demo_db).list_rows(
        ListQuery("validities").where(compare("days_left", "<", 0), is_true("is_latest")),
        ListContext(today=date(2026, 11, 23)),
        columns=["matricule", "exit_date"],
    )
    active = expired[expired["exit_date"].isna() | (expired["exit_date"] >= pd.Timestamp("2026-11-23"))]
    said = next(m.value for m in at.markdown if "formation(s)" in m.value)
    assert said == f"**{len(active)}** formation(s) · {active['matricule'].nunique()} salarié(s)."


def own_decisions(db: Path) -> pd.DataFrame:
    """The verification decisions made in the test (the demo replays its own correction requests)."""
    history = Store(db).action_history("of_line")
    return history[history["who"] != "démonstration"].reset_index(drop=True)


def test_accepting_a_declaration_on_verification_appends_an_action(demo_db: Path) -> None:
    at = open_page("views/verification.py")
    before = table_with_column(at, "partner")
    partner = before.at[0, "partner"]
    at.session_state["verification_table"] = {"selection": {"rows": [0], "columns": [], "cells": []}}
    at.run()
    at.radio(key="verification_decision").set_value("accepted")
    at.button(key="FormSubmitter:verification_action-Enregistrer la décision").click().run()
    assert not at.exception
    actions = own_decisions(demo_db)
    assert list(actions["action"]) == ["accepted"]
    assert str(actions.at[0, "target_key"]).endswith(f"|{partner!s}")
    after = table_with_column(at, "partner")
    assert partner not in set(after["partner"]), "an accepted line leaves the default « à vérifier » list"
    assert any("1 déclaration(s) acceptée(s)" in s.value for s in at.success)
    # Said where the click was: after the table, just before the action box (the page keeps its scroll).
    drawn: list[str] = []

    def walk(node: object) -> None:
        kind, value = getattr(node, "type", ""), getattr(node, "value", None)
        if kind == "success" or (kind == "markdown" and str(value).startswith("**Action")):
            drawn.append(f"{kind}:{value}")
        elif kind == "dataframe" and "partner" in getattr(value, "columns", []):
            drawn.append("table")
        children = getattr(node, "children", None)
        for child in (children or {}).values() if isinstance(children, dict) else []:
            walk(child)

    walk(at.main)
    assert [d.split(":")[0] for d in drawn] == ["table", "success", "markdown"], drawn


def test_generating_and_confirming_a_carence_file_declares_its_lines_and_undo_restores_them(demo_db: Path) -> None:
    at = open_page("views/carence.py")
    due = len(carence_rows(at))  # the carence list: one line per training to declare
    at.button(key="generate_carence").click().run()
    assert not at.exception, [e.message for e in at.exception]
    history = Store(demo_db).export_history("carence")
    assert set(history["status"]) == {"generated"}
    files = {int(i): int(n) for i, n in zip(history["id"], history["lines"], strict=True)}
    first = min(files)
    at.button(key=f"confirm_{first}").click().run()
    assert not at.exception
    assert any("confirmé" in s.value for s in at.success)
    store = Store(demo_db)
    assert store.export_history("carence").set_index("id").at[first, "status"] == "deposited"
    ledger = store.sql("SELECT count(*) AS n FROM partner_id_ledger")["n"].iloc[0]
    assert ledger == files[first]
    assert len(carence_rows(at)) == due - files[first]  # the deposited lines left the list
    at.button(key=f"undo_export_{first}").click().run()
    assert not at.exception
    assert Store(demo_db).export_history("carence").set_index("id").at[first, "status"] == "deposited", (
        "undoing a deposit asks for a second click first"
    )
    assert any("Annuler le dépôt" in w.value for w in at.warning)
    at.button(key=f"undo_export_confirmed_{first}").click().run()
    assert not at.exception
    assert Store(demo_db).export_history("carence").set_index("id").at[first, "status"] == "undone"
    assert Store(demo_db).sql("SELECT count(*) AS n FROM partner_id_ledger")["n"].iloc[0] == 0


def test_carence_counts_what_the_demo_owes_and_says_when_its_table_is_cut(
    demo_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    owed = (
        demo_readme_count("expected_carence_due")
        + demo_readme_count("expected_carence_overdue")
        + demo_readme_count("expected_correction_not_made")
    )
    at = open_page("views/carence.py")
    assert len(carence_rows(at)) == owed
    assert not any("lignes affichées sur" in c.value for c in at.caption)
    monkeypatch.setattr(ui.lists, "PAGE_ROWS", 5)
    at = open_page("views/carence.py")
    assert not at.exception, [e.message for e in at.exception]
    assert len(carence_rows(at)) == 5
    assert f"**{owed}** formation(s) à déclarer en carence sur {owed}." in [m.value for m in at.markdown]
    cut = f"5 lignes affichées sur {owed} : affinez les filtres ou téléchargez la liste."
    assert cut in [c.value for c in at.caption]
    awaiting = table_with_column(at, "opens")
    assert len(awaiting) == 5  # the « en attente de l'OF » list is cut the same way
    assert any(e.label.startswith("En attente de l'OF : 83 formation(s)") for e in at.expander)
    downloads = [str(b.proto.id) for b in at.get("download_button")]
    assert any(d.endswith("carence_list_csv") for d in downloads), "the whole list can be downloaded"


def test_declarations_internes_filter_arrives_from_a_shared_link(demo_db: Path) -> None:
    everything = open_page("views/declarations_internes.py")
    due = demo_readme_count("internal_to_declare")
    assert len(table_with_column(everything, "due_on")) == due
    at = open_page("views/declarations_internes.py", formation="Incendie / EPI")
    assert not at.exception, [e.message for e in at.exception]
    shown = table_with_column(at, "due_on")
    assert 0 < len(shown) < due
    assert f"**{len(shown)}** formation(s) à déclarer sur {due}." in [m.value for m in at.markdown]
    assert [m.value for m in at.multiselect if m.key == "formation"] == [["Incendie / EPI"]]
    assert any("non obligatoires (date ou catégorie) : 505" in c.value for c in at.caption)
    downloads = [str(b.proto.id) for b in at.get("download_button")]
    assert any(d.endswith("internal_list_xlsx") for d in downloads), "the filtered list can be downloaded"


@pytest.mark.parametrize(
    "page, kind", [("views/carence.py", "carence"), ("views/declarations_internes.py", "internal")]
)
def test_a_generated_file_stays_confirmable_from_the_history_after_leaving_the_page(
    demo_db: Path, page: str, kind: Literal["carence", "internal"]
) -> None:
    at = open_page(page)
    at.button(key=f"generate_{kind}").click().run()
    assert not at.exception, [e.message for e in at.exception]
    first = int(Store(demo_db).export_history(kind)["id"].min())
    at.switch_page("views/tableau_de_bord.py").run()
    back = open_page(page)  # a new visit: the generated batch is no longer in the session
    assert not back.exception
    assert not any(b.key == f"confirm_{first}" for b in back.button), "the batch itself is gone"
    back.button(key=f"history_confirm_{first}").click().run()
    assert not back.exception, [e.message for e in back.exception]
    assert any("confirmé" in s.value for s in back.success)
    assert Store(demo_db).export_history(kind).set_index("id").at[first, "status"] == "deposited"
    back.button(key=f"undo_export_{first}").click().run()
    back.button(key=f"undo_export_kept_{first}").click().run()
    assert not back.exception
    assert Store(demo_db).export_history(kind).set_index("id").at[first, "status"] == "deposited", "kept"
    assert not any(w.value.startswith("Annuler le dépôt") for w in back.warning)


def test_a_generated_file_can_be_discarded_from_the_history(demo_db: Path) -> None:
    at = open_page("views/carence.py")
    at.button(key="generate_carence").click().run()
    first = int(Store(demo_db).export_history("carence")["id"].min())
    back = open_page("views/carence.py")
    back.button(key=f"undo_export_{first}").click().run()
    assert not back.exception
    assert Store(demo_db).export_history("carence").set_index("id").at[first, "status"] == "undone"
    assert any("écarté" in s.value for s in back.success)


def test_requesting_a_correction_keeps_each_line_discrepancies_as_its_reason(demo_db: Path) -> None:
    at = open_page("views/verification.py", ecarts="true")
    lines = table_with_column(at, "details")
    assert len(lines) >= 2 and (lines["details"] != "").all()
    at.session_state["verification_table"] = {"selection": {"rows": [0, 1], "columns": [], "cells": []}}
    at.run()
    at.radio(key="verification_decision").set_value("correction_requested")
    at.button(key="FormSubmitter:verification_action-Enregistrer la décision").click().run()
    assert not at.exception
    actions = own_decisions(demo_db).sort_values("target_key")
    expected = lines.iloc[[0, 1]].sort_values("partner")
    assert list(actions["reason"]) == list(expected["details"])


def test_undoing_a_decision_puts_the_line_back_to_verify(demo_db: Path) -> None:
    at = open_page("views/verification.py")
    partner = table_with_column(at, "partner").at[0, "partner"]
    demo_batches = len([b for b in at.button if b.label == "Annuler"])  # the demo's correction requests
    at.session_state["verification_table"] = {"selection": {"rows": [0], "columns": [], "cells": []}}
    at.run()
    at.button(key="FormSubmitter:verification_action-Enregistrer la décision").click().run()
    undo = [b for b in at.button if b.label == "Annuler"]
    assert len(undo) == demo_batches + 1
    assert str(undo[0].key).startswith("undo_0_")  # the latest decision comes first
    undo[0].click().run()
    assert not at.exception
    history = own_decisions(demo_db)
    assert sorted(history["action"]) == ["accepted", "undone"]
    assert partner in set(table_with_column(at, "partner")["partner"])


def test_salarie_page_shows_the_trainings_of_a_matricule_and_never_a_full_nir(demo_db: Path) -> None:
    at = open_page("views/salarie.py", matricule="MAT1002")
    assert not at.exception
    trainings = table_with_column(at, "declaration")
    assert len(trainings) >= 5
    assert {"PRAP", "CACES R489", "Gestes et postures"} <= set(trainings["formation"])
    nirs = Store(demo_db).sql("SELECT nir FROM employees WHERE matricule = 'MAT1002'")["nir"]
    nir = str(nirs.iat[0])
    text = rendered_text(at)
    assert re.fullmatch(r"\d{13}", nir)
    assert nir not in text
    assert nir[:5] not in re.sub(r"\s", "", text.replace(ui.mask_value("nir", nir), "")), "no NIR in any form"
    assert ui.mask_value("nir", nir) in text


def test_salarie_reads_a_session_renewed_by_a_later_one_as_expired_and_renewed(demo_db: Path) -> None:
    at = open_page("views/salarie.py", matricule="MAT1002")
    assert not at.exception
    trainings = table_with_column(at, "validity").set_index("formation")
    assert trainings.loc["SST", "validity"] == "expirée, renouvelée"  # the MAC SST of 22/06/2026 renews it
    assert trainings.loc["MAC SST", "validity"] == "valide"
    assert not trainings.drop(index="SST")["validity"].str.contains("renouvelée").any()
    (frise,) = [str(m.value) for m in at.markdown if "pp-chart" in str(m.value) and "aujourd" in str(m.value)]
    assert (
        "SST — Sauveteur secouriste du travail (SST) - formation initiale : du 14/11/2024 jusqu'au 13/11/2026 "
        "(expirée, renouvelée)"
    ) in html.unescape(frise)


def test_with_many_people_the_salarie_page_asks_for_a_search_then_offers_the_matches(
    demo_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ui, "PEOPLE_LIST_LIMIT", 50)  # the demo's 300 people count as « many »
    person = Store(demo_db).sql("SELECT birth_name, first_name FROM employees WHERE matricule = 'MAT1002'").iloc[0]
    at = open_page("views/salarie.py")
    assert not at.exception
    assert at.selectbox(key="employee_None").options == []
    at.text_input(key="employee_search").input(f"{person['first_name']} {person['birth_name'].lower()}").run()
    options = at.selectbox(key="employee_None").options
    assert any(option.endswith("— MAT1002") for option in options)
    assert 1 <= len(options) < 50
    chosen = next(option for option in options if option.endswith("— MAT1002"))
    at.selectbox(key="employee_None").select(chosen).run()
    assert not at.exception
    assert at.query_params["matricule"] == "MAT1002"
    assert any("MAT1002" in str(h.value) for h in at.subheader)


def test_salarie_finds_a_person_by_first_name_then_name_without_accents(demo_db: Path) -> None:
    person = (
        Store(demo_db)
        .sql(
            "SELECT matricule, birth_name, first_name FROM employees "
            "WHERE strip_accents(first_name) <> first_name ORDER BY matricule LIMIT 1"
        )
        .iloc[0]
    )
    at = open_page("views/salarie.py")
    assert not at.exception
    assert len(at.selectbox(key="employee_None").options) > 50  # the demo's 300 people offered at once
    typed = f"{normalized_text(person['first_name'])} {person['birth_name'].lower()}"  # « elodie martin »
    at.text_input(key="employee_search").input(typed).run()
    options = at.selectbox(key="employee_None").options
    assert 1 <= len(options) < 10
    chosen = next(option for option in options if option.endswith(f"— {person['matricule']}"))
    at.selectbox(key="employee_None").select(chosen).run()
    assert not at.exception
    assert at.query_params["matricule"] == person["matricule"]


def test_salarie_explanation_starts_with_what_to_do_and_hides_deadlines_that_do_not_apply(demo_db: Path) -> None:
    found = Store(demo_db).sql(
        "SELECT matricule, id FROM training_records WHERE NOT is_internal AND proof_kind = 'ADF' "
        "AND end_date BETWEEN DATE '2025-10-01' AND DATE '2025-12-31' AND category IN (3, 4) ORDER BY id LIMIT 1"
    )
    matricule, record_id = str(found["matricule"].iloc[0]), int(found["id"].iloc[0])
    at = open_page("views/salarie.py", matricule=matricule)
    at.selectbox(key="why_dates").set_value(record_id).run()
    explanation = next(m.value for m in at.markdown if "À faire" in m.value)
    assert explanation.startswith("**À faire**\n- ")
    assert "**Validité** : " in explanation
    assert "aucune échéance ne s'applique" in explanation
    assert "Échéance" not in explanation and "carence" not in explanation.lower()
    days = table_with_column(at, "declaration")["days_left"]
    assert not any(str(d).startswith("-") or str(d) in ("None", "nan") for d in days)


def test_with_many_people_a_link_to_one_of_them_still_opens_their_passport(
    demo_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ui, "PEOPLE_LIST_LIMIT", 50)
    at = open_page("views/salarie.py", matricule="MAT1002")
    assert not at.exception
    assert len(table_with_column(at, "declaration")) >= 5


def test_salarie_page_says_how_each_deadline_of_a_training_was_reached(demo_db: Path) -> None:
    at = open_page("views/salarie.py", matricule="MAT1002")
    why = at.selectbox(key="why_dates")
    assert why.options, "the person's trainings are offered"
    explanation = "\n".join(m.value for m in at.markdown if "Échéance de vérification" in m.value)
    assert "fin du trimestre" in explanation
    assert "Décret n° 2022-1712" in explanation


def demo_readme_rule_set_changes() -> dict[str, int]:
    """« - Déclarations internes : 29 ligne(s) »: the demo README's counts of what the decree would change."""
    readme = (Path(__file__).resolve().parents[1] / "data" / "demo" / "README.md").read_text(encoding="utf-8")
    return {label: int(n) for label, n in re.findall(r"^- ([^:\n]+) : (\d+) ligne\(s\)$", readme, re.MULTILINE)}


def banners(at: AppTest) -> list[str]:
    return [w.value for w in at.warning if "Échéances calculées selon" in w.value]


def test_the_entrypoint_names_a_rule_set_less_certain_than_the_official_text(demo_db: Path) -> None:
    # app.py calls the banner after the navigation is set up and before the page runs: in the real runtime
    # that is every page. (AppTest's switch_page runs a page's script alone, so only the entrypoint's first
    # run, with its default page, can show it here.)
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    assert at.title[0].value == "Tableau de bord"
    found = banners(at)
    assert len(found) == 1
    assert "décret n° 2026-496" in found[0] and "texte du décret non lu" in found[0]
    assert "la plus tardive est retenue" in found[0]


def banner_script() -> None:
    from lib import ui

    ui.rule_set_banner()


def test_no_banner_under_the_published_decree_and_one_again_after_a_user_date(demo_db: Path) -> None:
    Store(demo_db).set_setting("rule_set", "decret-2025-748")
    assert banners(AppTest.from_function(banner_script, default_timeout=30).run()) == []
    Store(demo_db).set_setting("override.extension_until", "2026-06-30")
    ui.clear_caches()
    found = banners(AppTest.from_function(banner_script, default_timeout=30).run())
    assert len(found) == 1
    assert "Décret n° 2025-748" in found[0] and "Dates modifiées dans vos réglages" in found[0]


def test_parametres_counts_per_list_what_the_other_rule_set_changes_and_lists_the_lines(demo_db: Path) -> None:
    at = open_page("views/parametres.py")
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    expected = demo_readme_rule_set_changes()  # computed in Python by lib/fakes/demo.py; the page's come from SQL
    assert expected == {
        "Déclarations d'OF à vérifier": 107,
        "Formations achetées (carence)": 24,
        "Déclarations internes": 29,
    }
    for label, count in expected.items():
        assert metrics[label] == f"{count} ligne(s)"
    at.radio(key="rule_set_differences_list").set_value("internal").run()
    table = table_with_column(at, "dates_b")
    assert len(table) == 29
    # Q1 2026 internal trainings: 31/03/2027 by default, 31/12/2026 under the decree.
    q1 = table[(table["reference_date"] >= "2026-03-16") & (table["reference_date"] <= "2026-03-31")]
    assert len(q1) > 0
    assert set(q1["dates_a"]) == {"à déclarer au plus tard le 31/03/2027"}
    assert set(q1["dates_b"]) == {"à déclarer au plus tard le 31/12/2026"}
    assert all("*" in n for n in table["nir"] if n)


def test_a_store_that_chose_the_superseded_preview_is_told_it_now_follows_the_law_in_force(demo_db: Path) -> None:
    Store(demo_db).set_setting("rule_set", "portail-2026-06")
    at = open_page("views/parametres.py")
    assert not at.exception
    assert any("« portail-2026-06 »" in i.value and "remplacé" in i.value for i in at.info)
    assert at.selectbox(key="rule_set_choice").value == "decret-2026-496"


def test_on_a_large_store_parametres_compares_the_rule_sets_only_when_asked(
    demo_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ui_cache, "COMPARE_AT_ONCE_UP_TO", 100)  # the demo's lines count as a large store
    at = open_page("views/parametres.py")
    assert not at.exception
    assert "Déclarations internes" not in {m.label for m in at.metric}
    at.toggle(key="compare_rule_sets").set_value(True).run()
    assert not at.exception
    assert {m.label: m.value for m in at.metric}["Déclarations internes"] == "29 ligne(s)"


def test_salarie_explanation_gives_both_dates_when_the_rule_sets_differ(demo_db: Path) -> None:
    # An ADF bought from an OF, ended in Q4 2025: verification until 31/12/2026 (the portal's window), but
    # QE 31/12/2025 + 6 + 3 = 30/09/2026 under the published decree. A category 3–4 training of that time is not
    # the OF's to declare and has no deadline to explain (issue 14 §6): the first one of category 1–2.
    found = Store(demo_db).sql(
        "SELECT matricule, id FROM training_records WHERE NOT is_internal AND proof_kind = 'ADF' "
        "AND end_date BETWEEN DATE '2025-10-01' AND DATE '2025-12-31' AND category IN (1, 2) ORDER BY id LIMIT 1"
    )
    matricule, record_id = str(found["matricule"].iloc[0]), int(found["id"].iloc[0])
    at = open_page("views/salarie.py", matricule=matricule)
    at.selectbox(key="why_dates").set_value(record_id).run()
    explanation = "\n".join(m.value for m in at.markdown if "Échéance de vérification" in m.value)
    assert "**Échéance de vérification** — 31/12/2026 : date de référence entre le 01/09/2025 et le 31/12/2025" in (
        explanation
    )
    assert "avec « Décret n° 2025-748 du 1er août 2025 (texte publié, prorogation selon la lecture de " in explanation
    assert "l'administration) » : 30/09/2026" in explanation


def test_no_page_shows_a_full_nir_of_the_roster(demo_db: Path) -> None:
    nirs = set(Store(demo_db).sql("SELECT nir FROM employees WHERE nir IS NOT NULL")["nir"])
    for page in PAGES:
        text = rendered_text(open_page(page))
        leaked = {n for n in re.findall(r"(?<![\d])[1278]\d{12}(?![\d])", text) if n in nirs}
        assert not leaked, f"{page} shows full NIRs"


def test_parametres_computes_the_people_to_purge_only_when_asked(demo_db: Path) -> None:
    at = open_page("views/parametres.py")
    assert not at.exception
    assert not any("à purger" in str(m.value) for m in at.markdown)
    at.toggle(key="purge_preview").set_value(True).run()
    assert not at.exception
    said = [str(m.value) for m in at.markdown if "à purger" in str(m.value)]
    candidates = Store(demo_db).purge_candidates(
        months=36, rules=active_rules(Store(demo_db)), today=date(2026, 11, 23)
    )
    ready = int((~candidates["has_open_items"].astype(bool)).sum())
    assert said == [
        f"{ready} salarié(s) à purger ; {len(candidates) - ready} parti(s) depuis plus de 36 mois conservé(s) car "
        "une déclaration est en cours."
    ]


def test_changing_extension_until_in_parametres_changes_a_deadline_shown(demo_db: Path) -> None:
    at = open_page("views/verification.py", recherche="MAT1003")
    before = table_with_column(at, "partner").set_index("partner")["due_on"]
    at.switch_page("views/parametres.py").run()
    at.date_input(key="override_extension_until").set_value(date(2026, 1, 1)).run()
    at.button(key="save_extension_until").click().run()
    assert not at.exception
    assert Store(demo_db).get_setting("override.extension_until") == "2026-01-01"
    at.switch_page("views/verification.py")
    at.query_params["recherche"] = "MAT1003"
    at.query_params["statut"] = ["à vérifier", "réputée vérifiée"]
    at.run()
    after = table_with_column(at, "partner").set_index("partner")["due_on"]
    common = before.index.intersection(after.index)
    assert len(common) > 0
    assert (after[common] < before[common]).any(), "without the 3-month extension, deadlines come earlier"
    at.switch_page("views/parametres.py").run()
    at.button(key="reset_extension_until").click().run()
    assert Store(demo_db).get_setting("override.extension_until") == ""


def test_importing_a_bad_file_shows_its_errors_by_line_and_column(demo_db: Path) -> None:
    at = open_page("views/import.py")
    bad = (FIXTURES / "portal" / "adf_31_fevrier.csv").read_bytes()
    at.file_uploader(key="uploads_of").set_value(("adf_31_fevrier.csv", bad, "text/csv")).run()
    next(b for b in at.button if b.label == "Importer").click().run()
    assert not at.exception
    assert at.error, "the refusal is shown"
    problems = table_with_column(at, "Problème")
    assert len(problems) >= 1
    assert (problems["Ligne"] >= 2).all()
    assert "DATE" in " ".join(problems["Colonne"].astype(str)).upper()


def test_correction_requests_csv_is_semicolon_separated_utf8_with_bom_and_masks_the_nir() -> None:
    requests = pd.DataFrame(
        {
            "organisme": ["OF A", "OF A", "OF B"],
            "id_declaration": ["D1", "D2", "D3"],
            "id_unique_partenaire": ["P1", "P2", "P3"],
            "title": ["SST", "SST", "SST"],
            "date_debut_formation": pd.to_datetime(["2026-02-12", "2026-02-12", "2026-02-12"]),
            "date_fin_formation": pd.to_datetime(["2026-02-13", "2026-02-13", "2026-02-13"]),
            "nir": ["1850575123456", "2900175123456", "1850575123456"],
            "nom_titulaire": ["MARTIN", "=HYPERLINK()", "X"],
            "fields_at_fault": ["dates", "", ""],
            "expected_values": ["dates attendues du 12/02/2026 au 13/02/2026", "-1", ""],
            "requested_at": pd.to_datetime(["2026-11-20 10:00", "2026-11-20 10:00", "2026-11-20 10:00"]),
            "correction_answered": [False, True, False],
        }
    )
    csv, _ = corrections.request_files(requests, "OF A")
    assert csv == (
        "\ufeffOrganisme de formation;ID_DECLARATION;ID_UNIQUE_PARTENAIRE;Formation;Début;Fin;NIR (masqué);"
        "Nom déclaré;Champs en cause;Valeurs attendues / motif;Demandée le;Corrigée par l'OF\r\n"
        "OF A;D1;P1;SST;12/02/2026;13/02/2026;1 85 05 ** *** ***;MARTIN;dates;"
        "dates attendues du 12/02/2026 au 13/02/2026;20/11/2026;non\r\n"
        "OF A;D2;P2;SST;12/02/2026;13/02/2026;2 90 01 ** *** ***;'=HYPERLINK();;'-1;20/11/2026;oui\r\n"
    ).encode("utf-8")


def test_excel_download_neutralises_formulas() -> None:
    from openpyxl import load_workbook

    frame = pd.DataFrame({"Salarié": ["+33 6", "@SUM(A1)", "Durand"], "Fin": pd.to_datetime(["2027-01-31"] * 3)})
    sheet = load_workbook(__import__("io").BytesIO(ui.excel_bytes(frame, "Échéances")))["Échéances"]
    assert [c.value for c in sheet["A"]] == ["Salarié", "'+33 6", "'@SUM(A1)", "Durand"]
    assert [c.value.date() for c in sheet["B"][1:]] == [__import__("datetime").date(2027, 1, 31)] * 3
    assert {c.number_format for c in sheet["B"][1:]} == {"DD/MM/YYYY"}


def test_a_long_list_shows_its_first_lines_and_says_how_many_there_are() -> None:
    def script() -> None:
        import pandas as pd

        from lib import ui

        ui.show_table(pd.DataFrame({"n": range(12_345)}), {"n": "N"}, max_rows=5_000)

    at = AppTest.from_function(script, default_timeout=30).run()
    assert not at.exception
    assert len(at.dataframe[0].value) == 5_000
    assert [c.value for c in at.caption] == [
        "Affichage des 5\u202f000 premières lignes sur 12\u202f345 : affinez les filtres, ou téléchargez la liste "
        "complète."
    ]


def test_pick_filters_sorts_and_caps_by_positions_and_keeps_every_row_for_downloads() -> None:
    def script() -> None:
        import numpy as np
        import pandas as pd
        import streamlit as st

        from lib import ui

        frame = pd.DataFrame({"n": np.arange(12_000), "due": pd.array([None, 3, 1, 2] * 3_000, dtype="Int64")})
        picked = ui.pick(frame, frame["n"] % 2 == 0, sort_by=["due", "n"], ascending=[True, False], max_rows=5_000)
        st.session_state["result"] = (picked.total, picked.rows, picked.all())

    at = AppTest.from_function(script, default_timeout=30).run()
    assert not at.exception
    total, rows, everything = at.session_state["result"]
    assert total == 6_000 and len(everything) == 6_000 and len(rows) == 5_000
    # Even rows have due 1 (n % 4 == 2) then null (n % 4 == 0): due ascending, nulls last, then n descending.
    assert rows["n"].tolist()[:3] == [11_998, 11_994, 11_990]
    assert everything["n"].tolist()[-1] == 0
    assert everything["due"].isna().sum() == 3_000
    assert [c.value for c in at.caption] == [
        "Affichage des 5\u202f000 premières lignes sur 6\u202f000 : affinez les filtres, ou téléchargez la liste "
        "complète."
    ]


def test_the_first_card_says_how_many_have_discrepancies_and_links_to_them_on_verification(demo_db: Path) -> None:
    at = open_page("views/tableau_de_bord.py")
    assert not at.exception
    page_links = [el.proto for el in at.get("page_link")]
    found = [link for link in page_links if "avec écarts" in link.label]
    assert len(found) == 1, [link.label for link in page_links]
    count = int(re.sub(r"\D", "", found[0].label))
    assert 0 < count < int(dict((m.label, m.value) for m in at.metric)["Déclarations à vérifier"])
    assert "ecarts=true" in str(found[0]) and "statut=" in str(found[0])
    # The same filter on Vérification (its « Avec écarts seulement » toggle, read from the URL) lists them.
    verification = open_page("views/verification.py", statut="à vérifier", ecarts="true")
    assert not verification.exception
    assert verification.toggle(key="ecarts").value is True
    shown = [m.value for m in verification.markdown if "déclaration(s) sur" in m.value]
    assert shown and shown[0].startswith(f"**{count}** déclaration(s)"), shown


def test_the_weekly_report_download_is_an_html_page_whose_30_days_agree_with_the_dashboard(demo_db: Path) -> None:
    # A day on which some declarations fall due within 30 days (on the demo's own day, none do).
    Store(demo_db).set_setting("reference_date", "2026-12-07")
    at = open_page("views/tableau_de_bord.py")
    assert not at.exception
    counts = {m.label: m.value.replace("\u202f", "").replace(" ", "") for m in at.metric}
    metrics = {label: int(value) for label, value in counts.items() if value.isdigit()}  # not the rates (« 51 % »)
    (line,) = [c.value for c in at.caption if c.value.startswith("Dans les 30 jours")]
    soon = [int(n) for n in re.findall(r"(\d+) (?:déclaration|carence)", line)]
    content = ui.weekly_report_bytes().decode("utf-8")
    assert content.startswith("<!DOCTYPE html>") and "@media print" in content
    assert "rapport du 07/12/2026" in content
    rows = re.findall(r"<tr><td>([^<]+)</td><td class=\"n\">(\d+)</td><td class=\"n\">(\d+)</td></tr>", content)
    table = {label: (int(total), int(within)) for label, total, within in rows}
    assert table == {
        label: (metrics[label], within)
        for label, within in zip(
            ["Déclarations à vérifier", "Carences à déclarer", "Déclarations internes à faire"], soon, strict=True
        )
    }
    section = re.search(r"<h2>À faire dans les 30 jours \((\d+)\)</h2>", content)
    assert section and int(section.group(1)) == sum(soon) > 0
    # Counted from the whole list, not by the code under test.
    lines = Store(demo_db).workflow("of_declarations", rules=active_rules(Store(demo_db)), today=date(2026, 12, 7))
    due = lines[lines["concerned"] & (lines["status"] == "to_verify") & (lines["due_on"] <= pd.Timestamp("2027-01-06"))]
    assert soon[0] == len(due)


def test_salarie_timeline_colours_each_training_by_its_validity_state(demo_db: Path) -> None:
    store = Store(demo_db)
    with store.reading():
        states = store.list_counts(
            ListQuery("validities").where(Condition("matricule", "in", ("MAT1174",))),
            ListContext(date(2026, 11, 23)),
            ["status", "is_latest"],
        )
    at = open_page("views/salarie.py", matricule="MAT1174")
    assert not at.exception
    (frise,) = [str(m.value) for m in at.markdown if "pp-chart" in str(m.value) and "aujourd" in str(m.value)]
    fills = set(re.findall(r'fill="(#[0-9a-f]{6})"', frise)) & set(TIMELINE_COLOURS.values())
    # An expired session a later one of its family renews is drawn pale (RENEWED), not in the red of « expirée ».
    drawn = {
        RENEWED if s == "expired" and not new else s
        for s, new in zip(states["status"], states["is_latest"], strict=True)
    }
    assert len(drawn) >= 3 and RENEWED in drawn and fills == {TIMELINE_COLOURS[s] for s in drawn}


@pytest.mark.parametrize(
    ("types", "multiple", "most_bytes", "said"),
    [
        (["csv", "txt", "xlsx", "xls"], True, None, "Fichiers CSV, TXT, XLSX ou XLS, 200 Mo au plus par fichier."),
        (["csv"], False, 1_000_000, "Fichier CSV, 1 Mo au plus par fichier."),  # the managers' list
        (["csv", "xlsx"], False, 1_500_000, "Fichier CSV ou XLSX, 1,5 Mo au plus par fichier."),
        (["csv"], False, 500_000, "Fichier CSV, 500 ko au plus par fichier."),
        (["duckdb"], False, 10**12, "Fichier DUCKDB, 200 Mo au plus par fichier."),  # the server's limit is smaller
    ],
)
def test_an_uploader_says_the_size_its_reader_accepts(
    types: list[str], multiple: bool, most_bytes: int | None, said: str
) -> None:
    assert upload_limits(types, multiple=multiple, most_bytes=most_bytes).replace("\u202f", " ") == said


def test_parametres_says_the_size_each_of_its_uploads_accepts(demo_db: Path) -> None:
    at = open_page("views/parametres.py")
    assert not at.exception
    captions = [c.value for c in at.caption]
    assert "Fichier CSV, 1 Mo au plus par fichier." in captions  # the managers' list (reminders.MAX_MANAGERS_BYTES)
    assert "Fichier CSV ou XLSX, 1 Mo au plus par fichier." in captions  # the requirements (MAX_FILE_BYTES)
