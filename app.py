"""Entrypoint of the dashboard: page configuration, who is there, and the navigation their role allows."""

import streamlit as st

from lib import ui
from lib.access import AccessConfigError
from lib.rules import RuleSetError
from lib.store import StoreError

st.set_page_config(page_title="Passeport de prévention", page_icon=":material/health_and_safety:", layout="wide")
user = ui.current_user()
local = "user" not in st.session_state
ui.sidebar_identity(user, local=local)
ui.start_warm_up()

pages = {
    "Suivi": [
        st.Page("pages/tableau_de_bord.py", title="Tableau de bord", icon=":material/dashboard:", default=True),
        st.Page("pages/verification.py", title="Vérification", icon=":material/fact_check:", url_path="verification"),
        st.Page("pages/carence.py", title="Carence", icon=":material/timer:", url_path="carence"),
        st.Page(
            "pages/declarations_internes.py",
            title="Déclarations internes",
            icon=":material/domain:",
            url_path="declarations-internes",
        ),
        st.Page("pages/echeances.py", title="Échéances", icon=":material/event:", url_path="echeances"),
        st.Page("pages/salarie.py", title="Salarié", icon=":material/badge:", url_path="salarie"),
    ],
    "Données": [
        page
        for page, right in (
            (st.Page("pages/import.py", title="Import", icon=":material/upload_file:", url_path="import"), "import"),
            (
                st.Page("pages/parametres.py", title="Paramètres", icon=":material/settings:", url_path="parametres"),
                "settings",
            ),
            (st.Page("pages/journal.py", title="Journal", icon=":material/history:", url_path="journal"), "settings"),
        )
        if user.can(right)  # type: ignore[arg-type]
    ],
}
try:
    page = st.navigation(pages)
    ui.rule_set_banner()  # on every page, before its content
    page.run()
except (StoreError, RuleSetError, AccessConfigError) as error:
    st.error(str(error), icon=":material/error:")
