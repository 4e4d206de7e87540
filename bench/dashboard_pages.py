"""The seven pages of the dashboard's « Suivi » menu, in its order, as the benches visit them (bench/pages.py,
bench/concurrency.py): name → path. « Salarié » without a person opens its search."""

from __future__ import annotations

DASHBOARD_PAGES = {
    "Tableau de bord": "",
    "Vérification": "verification",
    "Carence": "carence",
    "Déclarations internes": "declarations-internes",
    "Échéances": "echeances",
    "Manquants": "manquants",
    "Salarié": "salarie",
}
