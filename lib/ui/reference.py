"""The day the statuses are computed for: today by default, or a date the user fixes explicitly in Paramètres,
then shown in a banner on every page with the way back to today."""

from __future__ import annotations

from datetime import date

import streamlit as st

from lib.store import default_db_path
from lib.ui.access import can
from lib.ui.cache import get_store, stored_settings
from lib.ui.text import fr_date

REFERENCE_KEY = "reference_date"
PARAMETRES_PAGE = "views/parametres.py"
_MODES: dict[str, str] = {"today": "Date du jour", "fixed": "Date fixée"}


def fixed_reference_date() -> date | None:
    """The reference date fixed in the settings, None when the statuses follow the calendar (the default)."""
    if not default_db_path().exists():
        return None
    raw = stored_settings().get_setting(REFERENCE_KEY)
    try:
        return date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


def reference_date_banner() -> None:
    """On every page while a reference date is fixed: which day the statuses are for, and the way back to today."""
    fixed = fixed_reference_date()
    if fixed is None:
        return
    st.info(
        f"Date de référence fixée : les statuts sont calculés au **{fr_date(fixed)}**, et non à la date du jour "
        f"({fr_date(date.today())}).",
        icon=":material/event:",
    )
    if can("settings"):
        st.page_link(PARAMETRES_PAGE, label="Revenir à la date du jour (Paramètres)", icon=":material/today:")


def reference_date_setting() -> str | None:
    """Paramètres: « Date du jour » (the default: the statuses follow the calendar) or « Date fixée » (an explicit
    choice, saved by its own button). A message when the setting changed, for the page to show."""
    fixed = fixed_reference_date()
    st.subheader("Date de calcul des statuts")
    mode = st.radio(
        "Calculer les statuts à la…",
        ["today", "fixed"],
        format_func=_MODES.__getitem__,
        index=1 if fixed else 0,
        horizontal=True,
        key="reference_mode",
        help="« Date du jour » : les statuts suivent le calendrier, chaque jour. « Date fixée » : ils restent "
        "calculés à la date choisie (pour préparer une échéance ou rejouer une situation passée) jusqu'à ce que "
        "vous reveniez à la date du jour.",
    )
    if mode == "today":
        if fixed is None:
            st.caption(f"Les statuts sont calculés à la date du jour ({fr_date(date.today())}), chaque jour.")
            return None
        st.caption(f"Les statuts sont encore calculés au {fr_date(fixed)}, la date fixée.")
        if st.button("Revenir à la date du jour", type="primary", key="reference_today"):
            get_store().set_setting(REFERENCE_KEY, "")
            return f"Les statuts sont de nouveau calculés à la date du jour ({fr_date(date.today())})."
        return None
    chosen = st.columns([1, 3])[0].date_input(
        "Date fixée", value=fixed or date.today(), format="DD/MM/YYYY", key="reference_fixed"
    )
    if not isinstance(chosen, date):
        return None
    if chosen == date.today():
        st.warning(
            f"Une date fixée ne bouge plus : demain encore, les statuts seraient calculés au {fr_date(chosen)}. "
            "Pour suivre le calendrier, choisissez « Date du jour ».",
            icon=":material/warning:",
        )
    if chosen == fixed:
        st.caption(f"Les statuts sont calculés au {fr_date(fixed)}, la date fixée.")
        return None
    if st.button("Fixer cette date", type="primary", key="reference_save"):
        get_store().set_setting(REFERENCE_KEY, chosen.isoformat())
        return f"Date de référence fixée au {fr_date(chosen)} : les statuts sont calculés à cette date."
    return None
