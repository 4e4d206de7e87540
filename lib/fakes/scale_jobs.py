"""The job titles and the required trainings of the large generated employer (lib/fakes/scale.py): what makes
the « Manquants » page and its benchmark meaningful at 100,000 employees."""

from __future__ import annotations

JOBS: dict[str, tuple[str, ...]] = {
    "Production": ("Opérateur de production", "Conducteur de ligne"),
    "Logistique": ("Cariste", "Préparateur de commandes"),
    "Maintenance": ("Technicien de maintenance", "Électricien de maintenance"),
    "Qualité": ("Technicien qualité",),
    "Administration": ("Assistant administratif", "Comptable"),
    "Sécurité": ("Agent de sécurité incendie",),
}
"""Each service's job titles, given by rank (no draw: the rest of the data set stays the same)."""
SCALE_REQUIREMENTS = (
    "Poste;Service;Site;Formation requise;Intitulé contenant;Part minimale de l'effectif (%);Commentaire\r\n"
    ";Production;;PRAP;;;\r\n"
    ";Logistique;;PRAP;;;\r\n"
    "Cariste;;;CACES;;;\r\n"
    ";Maintenance;;Habilitation électrique;;;\r\n"
    ";Maintenance;;SST;;;\r\n"
    ";;;SST;;10 %;\r\n"
)
"""The required trainings of the generated employer (`exigences.csv`), for the « Manquants » benchmark."""
