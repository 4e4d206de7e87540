"""Tableau de bord: what to do this week, the next deadlines, what changed since last week."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pandas as pd
import streamlit as st

from lib import charts, digest, report, ui
from lib.lists import ListQuery
from lib.statuses import VALIDITY_LABELS, VERIFICATION_LABELS

ui.require("read")
st.title("Tableau de bord")
ui.require_data()
today = ui.today()
ui.reference_caption()

KINDS = list(digest.DEADLINE_KINDS)
numbers = digest.dashboard_summary(ui.lists, today)  # each number a count or an aggregate asked of the lists
day = ui.as_day(today)
TO_VERIFY = VERIFICATION_LABELS["to_verify"]


def next_deadline_text(first: pd.Timestamp | None) -> str:
    if first is None:
        return "Aucune échéance"
    left = (first - day).days
    when = "aujourd'hui" if left == 0 else (f"dans {left} j" if left > 0 else f"dépassée de {-left} j")
    return f"Prochaine échéance : **{ui.fr_date(first)}** ({when})"


def metric_card(
    column: Any,
    label: str,
    card: str,
    page: str,
    params: dict[str, Any],
    help: str,
    under: Callable[[], None] | None = None,
) -> None:
    """A card: the count, what `under` draws, its nearest deadline, a link to the list."""
    count, first = numbers.cards[card]
    with column.container(border=True):
        st.metric(label, ui.fr_number(count), help=help)
        if under is not None:
            under()
        st.markdown(next_deadline_text(first) if card != "expired" else "À renouveler au plus vite")
        st.page_link(page, label="Voir la liste", icon=":material/arrow_forward:", query_params=params)


def with_discrepancies() -> None:
    """« dont N avec écarts », a link to those lines on Vérification (its « Avec écarts seulement » filter)."""
    count = numbers.with_discrepancies
    if not count:
        st.markdown("dont aucune avec écarts")
        return
    st.page_link(
        "views/verification.py",
        label=f"dont {ui.fr_number(count)} avec écarts",
        icon=":material/warning:",
        query_params={"statut": TO_VERIFY, "ecarts": "true"},
        help="Déclarations dont les valeurs diffèrent de vos données : à examiner avant leur échéance.",
    )


st.subheader("À faire")
downloads = st.columns([2, 2, 3])
downloads[0].download_button(
    "Agenda des échéances (.ics)", data=ui.calendar_bytes, file_name="echeances_passeport.ics", mime="text/calendar",
    icon=":material/calendar_month:", on_click="ignore", help="À importer dans Outlook ou votre agenda",
)  # fmt: skip
downloads[1].download_button(
    "Rapport de la semaine", data=ui.weekly_report_bytes, file_name=f"rapport_{today:%Y%m%d}.html",
    mime="text/html", icon=":material/summarize:", on_click="ignore",
    help="Page à ouvrir dans le navigateur et à imprimer (ou enregistrer en PDF).",
)  # fmt: skip
ui.render_site_audit_download(downloads[2])
row1 = st.columns(3)
metric_card(
    row1[0],
    "Déclarations à vérifier",
    "to_verify",
    "views/verification.py",
    {"statut": TO_VERIFY},
    "Déclarations des OF pour vos établissements, ni acceptées ni contestées : sans décision avant leur "
    "échéance, elles seront « réputées vérifiées ». Celles avec écarts diffèrent de vos propres données.",
    under=with_discrepancies,
)
metric_card(
    row1[1],
    "Carences à déclarer",
    "carence",
    "views/carence.py",
    {},
    "Formations achetées que l'OF n'a pas déclarées à temps : à déclarer vous-même dans la fenêtre de carence.",
)
metric_card(
    row1[2],
    "Déclarations internes à faire",
    "internal",
    "views/declarations_internes.py",
    {},
    "Formations dispensées par l'entreprise elle-même, à déclarer avant leur échéance.",
)
soon = numbers.due_soon
st.caption(
    f"Dans les {digest.DUE_SOON_DAYS} jours (échéances dépassées comprises) : "
    f"{ui.fr_number(soon['verification'])} déclaration(s) à vérifier, {ui.fr_number(soon['carence'])} carence(s) "
    f"et {ui.fr_number(soon['internal'])} déclaration(s) interne(s) — les lignes du rapport de la semaine."
)
row2 = st.columns(3)
metric_card(
    row2[0],
    "Expirent dans 30 jours",
    "expiring_30",
    "views/echeances.py",
    {"horizon": "30", "etat": VALIDITY_LABELS["expiring_soon"]},
    "Dernière formation de chaque type par salarié présent, dont la validité s'achève dans les 30 jours.",
)
metric_card(
    row2[1],
    "Expirent dans 90 jours",
    "expiring_90",
    "views/echeances.py",
    {"horizon": "90", "etat": VALIDITY_LABELS["expiring_soon"]},
    "Dernière formation de chaque type par salarié présent, dont la validité s'achève dans les 90 jours.",
)
metric_card(
    row2[2],
    "Validités expirées",
    "expired",
    "views/echeances.py",
    {"etat": VALIDITY_LABELS["expired"]},
    "Dernière formation de chaque type par salarié présent, dont la validité est dépassée : à renouveler.",
)

st.subheader("Depuis la semaine dernière")
st.caption(f"Du {ui.fr_date(report.last_week(today) + timedelta(days=1))} au {ui.fr_date(today)} inclus.")
week = st.columns(3)
week[0].metric("Nouvelles déclarations d'OF reçues", ui.fr_number(numbers.received), border=True)
week[1].metric("Devenues « réputées vérifiées »", ui.fr_number(numbers.deemed), border=True)
week[2].metric("Fenêtres de carence ouvertes", ui.fr_number(numbers.opened), border=True)
if numbers.received:
    with st.expander("Déclarations reçues cette semaine, par organisme"):
        ui.show_table(
            numbers.per_of,
            {
                "organisme": "Organisme",
                "lignes": st.column_config.NumberColumn("Lignes"),
                "recu": ui.date_column("Reçu le"),
            },
        )

ui.requirements.render_dashboard_compliance()

st.subheader("Échéances à venir")
left, right = st.columns(2)
with left:
    st.markdown("**Échéances de déclaration par semaine (6 prochains mois)**")
    per_week = numbers.per_week
    if per_week is None:
        st.info("Aucune échéance de vérification, de carence ni de déclaration interne dans les 6 prochains mois.")
    else:
        counts = per_week.pivot_table(index="week", columns="Type", values="Nombre", aggfunc="sum", fill_value=0)
        counts = counts.reindex(numbers.weeks, fill_value=0)
        ui.show_markup(
            charts.stacked_bars(
                [ui.fr_date(w)[:5] for w in numbers.weeks],
                [(kind, [int(v) for v in counts[kind]]) for kind in KINDS if kind in counts.columns],
                label="Échéances de déclaration par semaine, sur les 6 prochains mois",
                x_title="Semaine du (jj/mm)",
                y_title="Nombre",
                tooltips=[f"Semaine du {ui.fr_date(w)}" for w in numbers.weeks],
            )
        )
        if numbers.overdue:
            st.caption("Les échéances déjà dépassées sont comptées dans la semaine en cours.")
with right:
    st.markdown("**Fins de validité par mois (12 prochains mois)**")
    per_month = numbers.per_month
    if per_month is None:
        st.info("Aucune fin de validité dans les 12 prochains mois.")
    else:
        months = list(dict.fromkeys(per_month["mois"]))
        counts = per_month.pivot_table(index="mois", columns="Formation", values="Nombre", aggfunc="sum", fill_value=0)
        counts = counts.reindex(months, fill_value=0)
        ui.show_markup(
            charts.stacked_bars(
                [ui.month_label(m) for m in months],
                [(str(name), [int(v) for v in counts[name]]) for name in dict.fromkeys(per_month["Formation"])],
                label="Fins de validité par mois, sur les 12 prochains mois",
                y_title="Nombre",
            )
        )

st.subheader("Fiabilité des organismes de formation")
scorecard_query = ListQuery("of_scorecard")
scorecard = ui.lists.rows(scorecard_query)  # one row per organisme: counted only when the page is full
scorecard_total = ui.lists.count(scorecard_query) if len(scorecard) >= ui.lists.PAGE_ROWS else len(scorecard)
if not scorecard_total:
    st.info("Aucune déclaration d'organisme de formation importée.")
else:
    st.caption(
        "Fiabilité : part des déclarations dues faites à temps. À temps : reçue avant l'échéance de l'OF. "
        "Manquantes : formations achetées dont l'échéance de l'OF est passée sans déclaration."
    )
    # Fiabilité first after the name: the table fits the page's width, the column a reader looks for is not cut.
    ui.show_table(
        scorecard,
        {
            "organisme": st.column_config.TextColumn("Organisme", width="medium"),
            "reliability_pct": st.column_config.ProgressColumn(
                "Fiabilité", format="%.0f %%", min_value=0, max_value=100, width="small"
            ),
            "declarations": st.column_config.NumberColumn("Déclarations", width="small"),
            "on_time": st.column_config.NumberColumn("À temps", width="small"),
            "late": st.column_config.NumberColumn("En retard", width="small"),
            "missing": st.column_config.NumberColumn("Manquantes", width="small"),
            "with_discrepancies": st.column_config.NumberColumn("Avec écarts", width="small"),
            "corrections_requested": st.column_config.NumberColumn(
                "Corrections", width="small", help="Corrections demandées à l'organisme"
            ),
            "corrections_answered": st.column_config.NumberColumn("Corrigées", width="small"),
        },
        max_rows=ui.lists.PAGE_ROWS,
    )
    if scorecard_total > len(scorecard):
        st.caption(
            f"{ui.fr_number(len(scorecard))} lignes affichées sur {ui.fr_number(scorecard_total)} : "
            "affinez les filtres ou téléchargez la liste."
        )

with st.expander("Derniers imports"):
    imports = ui.query("recent_imports", limit=20)
    kinds = {
        "of": "Déclarations OF",
        "internal": "Formations (SIRH)",
        "roster": "Salariés",
        "competences": "Référentiel",
    }
    imports["kind"] = imports["kind"].map(kinds).fillna(imports["kind"])
    ui.show_table(
        imports,
        {
            "imported_at": st.column_config.DatetimeColumn("Importé le", format="DD/MM/YYYY HH:mm"),
            "kind": "Type",
            "file_name": "Fichier",
            "organisme": "Organisme",
            "rows": st.column_config.NumberColumn("Lignes"),
            "inserted": st.column_config.NumberColumn("Nouvelles"),
            "updated": st.column_config.NumberColumn("Modifiées"),
            "unchanged": st.column_config.NumberColumn("Inchangées"),
            "who": "Par",
        },
    )
