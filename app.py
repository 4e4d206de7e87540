"""Entrypoint of the dashboard: page configuration, who is there, and the navigation their role allows.

Deny by default: `st.navigation` is called on every run, and for a session without a signed-in person (when
logins are configured) it holds nothing but the login form, under every page address. The screens live in
`views/`, not `pages/`: a `pages/` folder would make Streamlit serve each file by its own URL, without this
script, until some session called `st.navigation`.
"""

import streamlit as st

from lib import ui
from lib.access import AccessConfigError, Right
from lib.rules import RuleSetError
from lib.store import StoreError

# (section, script, title, icon, url path, right needed to see it)
PAGES: list[tuple[str, str, str, str, str, Right]] = [
    ("Suivi", "views/tableau_de_bord.py", "Tableau de bord", ":material/dashboard:", "", "read"),
    ("Suivi", "views/verification.py", "Vérification", ":material/fact_check:", "verification", "read"),
    ("Suivi", "views/carence.py", "Carence", ":material/timer:", "carence", "read"),
    (
        "Suivi",
        "views/declarations_internes.py",
        "Déclarations internes",
        ":material/domain:",
        "declarations-internes",
        "read",
    ),  # noqa: E501
    ("Suivi", "views/echeances.py", "Échéances", ":material/event:", "echeances", "read"),
    ("Suivi", "views/manquants.py", "Manquants", ":material/person_alert:", "manquants", "read"),
    ("Suivi", "views/salarie.py", "Salarié", ":material/badge:", "salarie", "read"),
    ("Données", "views/import.py", "Import", ":material/upload_file:", "import", "import"),
    ("Données", "views/parametres.py", "Paramètres", ":material/settings:", "parametres", "settings"),
    ("Données", "views/journal.py", "Journal", ":material/history:", "journal", "settings"),
]


def login() -> None:
    ui.login_form()


st.set_page_config(page_title="Passeport de prévention", page_icon=":material/health_and_safety:", layout="wide")
ui.french_interface()  # Streamlit's own English words (« No results », « Upload »…) in French, on every page
user = ui.signed_in_user()
if user is None:
    # Every page address answers with the login form, so a signed-in person lands where they asked to go.
    login_pages = [st.Page(login, title="Connexion", icon=":material/login:", default=True)] + [
        st.Page(login, title="Connexion", url_path=url_path, visibility="hidden")
        for _, _, _, _, url_path, _ in PAGES
        if url_path
    ]
    st.navigation(login_pages, position="hidden").run()
else:
    ui.sidebar_identity(user)
    sections: dict[str, list[st.Page]] = {}
    for section, script, title, icon, url_path, right in PAGES:
        if user.can(right):
            page = st.Page(script, title=title, icon=icon, url_path=url_path or None, default=not url_path)
            sections.setdefault(section, []).append(page)
    try:
        page = st.navigation(sections)
        with ui.reading():  # one read connection for the whole run, opened at its first read
            ui.rule_set_banner()  # on every page, before its content
            ui.reference_date_banner()
            page.run()
    except (StoreError, RuleSetError, AccessConfigError) as error:
        st.error(str(error), icon=":material/error:")
