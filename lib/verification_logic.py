"""What the Vérification page asks and shows, decided without Streamlit: the query of its filters, the texts of its
columns, the detail of one line, the reasons of a decision, the candidates of a manual pairing. Pure."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal

from lib import validity
from lib.identifiers import mask_nir
from lib.lists import Condition, ListQuery, compare, is_in, is_true

DECLARATIONS = ListQuery("of_declarations")
CONCERNED = DECLARATIONS.where(is_true("concerned"))
"""The declarations the employer has to verify (its establishments, the employer present)."""
NOT_CONCERNED = DECLARATIONS.where(Condition("concerned", "false"))
CORRECTION_REQUESTS = ListQuery("correction_requests")

UNPAIRED = ("inattendue", "à rapprocher")

ORPHANS = (
    CONCERNED.where(is_in("reconciliation", UNPAIRED))
    # « À rapprocher » first (a person can settle them), then the nearest deadline, then the list's own order.
    .ordered(
        ("reconciliation", True),
        ("due_on", False),
        ("verification_deadline", False),
        ("organisme", False),
        ("id_unique_partenaire", False),
    )  # fmt: skip
)

ORPHANS_SHOWN = 200
"""Declarations to pair listed at most (beyond, the first ones: pairing them brings the next ones)."""


@dataclass(frozen=True)
class Filters:
    """The filters of the list, as the widgets (and the URL) hold them."""

    organismes: tuple[str, ...] = ()
    sites: tuple[str, ...] = ()
    window: str = "toutes"
    statuses: tuple[str, ...] = ()
    search: str = ""
    only_discrepancies: bool = False


def due_window_condition(window: str) -> Condition | None:
    """The rows whose deadline falls in a window of the « Échéance » filter (« dépassée », « ≤ 30 j »…);
    None for « toutes » (a line without a deadline is then kept)."""
    if window == "dépassée":
        return compare("days_left", "<", 0)
    if window.startswith("≤ ") and window.endswith(" j"):
        return compare("days_left", "<=", int(window.removeprefix("≤ ").removesuffix(" j")))
    return None


def declarations_query(filters: Filters) -> ListQuery:
    """The declarations the filters keep, among those the employer has to verify, in the list's own order."""
    query = CONCERNED.where(
        is_in("organisme", filters.organismes),
        is_in("establishment", filters.sites),
        is_in("status_label", filters.statuses),
        due_window_condition(filters.window),
        Condition("discrepancies", "not_empty") if filters.only_discrepancies else None,
    )
    return query.searching(filters.search)


def candidates_query(nir: str) -> ListQuery:
    """The trainings of the person in the employer's files that no OF declaration covers yet."""
    return ListQuery("expected_trainings").where(compare("person_nir", "=", nir), Condition("declared_by_of", "false"))


def cut_message(shown: int, total: int) -> str | None:
    """What to say when the table shows only the first lines of the list (None: everything is shown)."""
    if total <= shown:
        return None
    return f"{fr_number(shown)} lignes affichées sur {fr_number(total)} : affinez les filtres."


# ---------------------------------------------------------------------------------------------- texts of a line


def fr_number(value: int) -> str:
    """An integer as French readers write it (12 345, with a narrow no-break space)."""
    return f"{value:,}".replace(",", "\u202f")


def fr_day(value: Any) -> str:
    """A date as jj/mm/aaaa; empty for a missing one (never « None » or « NaT »)."""
    if isinstance(value, datetime):
        return "" if value != value else value.strftime("%d/%m/%Y")  # NaT is not equal to itself
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    return ""


def is_missing(value: Any) -> bool:
    """None, NaN, NaT or pandas' NA: a value the page shows as nothing."""
    if value is None:
        return True
    try:
        return bool(value != value)
    except TypeError:  # pandas.NA refuses to be a truth value
        return True


def days_left_text(days: Any) -> str:
    """Days before the deadline as a person reads them: « 38 j », « aujourd'hui », « dépassée depuis 3 j »;
    empty when the line has no deadline left (verified, deemed verified)."""
    if is_missing(days):
        return ""
    number = int(days)
    if number == 0:
        return "aujourd'hui"
    return f"{number} j" if number > 0 else f"dépassée depuis {-number} j"


def text_or_dash(value: Any) -> str:
    """A value for the detail view: « — » when empty."""
    if is_missing(value) or value == "":
        return "—"
    return str(value)


def detail_items(line: Mapping[Any, Any], *, employee: str = "") -> list[tuple[str, str, str]]:
    """Every field of one declaration for its detail view: (French label, portal column or "", text).

    The NIR is masked; empty values read « — ».
    """
    late = line.get("declared_late")
    jdr = is_missing(line.get("date_fin_formation")) and not is_missing(line.get("date_debut_validite"))
    end = line.get("date_debut_validite") if jdr else line.get("date_fin_formation")
    nir = line.get("nir")
    return [
        ("Salarié (registre du personnel)", "", text_or_dash(employee)),
        ("Titulaire déclaré", "NOM_TITULAIRE", text_or_dash(line.get("nom_titulaire"))),
        ("NIR", "", mask_nir(nir) if isinstance(nir, str) and nir else "—"),
        ("Organisme", "", text_or_dash(line.get("organisme"))),
        ("Formation", "NOM_FORMATION ou NOM_JDR", text_or_dash(line.get("title"))),
        (
            "Début de validité" if jdr else "Fin de formation",
            "DATE_DEBUT_VALIDITE" if jdr else "DATE_FIN_FORMATION",
            text_or_dash(fr_day(end)),
        ),
        ("Établissement", "SIRET_EMPLOYEUR", text_or_dash(line.get("establishment") or line.get("siret_employeur"))),
        ("Identifiant de la déclaration", "ID_DECLARATION", text_or_dash(line.get("id_declaration"))),
        ("Identifiant de la ligne", "ID_UNIQUE_PARTENAIRE", text_or_dash(line.get("id_unique_partenaire"))),
        ("Statut", "", text_or_dash(line.get("status_label"))),
        ("Échéance", "", text_or_dash(fr_day(line.get("due_on")))),
        ("Jours restants", "", text_or_dash(days_left_text(line.get("days_left")))),
        ("Limite de vérification", "", text_or_dash(fr_day(line.get("verification_deadline")))),
        ("Rapprochement", "", text_or_dash(line.get("reconciliation"))),
        ("Écarts avec vos fichiers", "", text_or_dash(line.get("discrepancy_details"))),
        (
            "Déclarée en retard",
            "",
            "—" if is_missing(late) else ("oui" if bool(late) else "non"),
        ),
        ("Motif de la dernière décision", "", text_or_dash(line.get("last_reason"))),
    ]


# ---------------------------------------------------------------------------------------------- decisions

Decision = Literal["accepted", "correction_requested"]


def decision_reasons(decision: Decision, typed: str, details: Sequence[Any]) -> list[str | None] | None:
    """The reason recorded for each selected line (`details`: each line's discrepancy detail).

    A typed reason goes to every line; without one, a correction request gives each line the detail of its own
    discrepancies. None: a correction request with no reason at all (nothing typed, no discrepancy found).
    """
    typed = typed.strip()
    own = [d if isinstance(d, str) and d else None for d in details]
    if decision == "correction_requested" and not typed and not any(own):
        return None
    if typed:
        return [typed for _ in own]
    return [d if decision == "correction_requested" else None for d in own]


# ---------------------------------------------------------------------------------------------- manual pairing


@dataclass(frozen=True)
class Candidate:
    """A training of the employer's files that a declaration could be paired with."""

    record_id: int
    title: str
    end_date: date | None
    organisme: str | None
    reference: str | None
    family: str | None


@functools.cache
def _durations() -> tuple[validity.Duration, ...]:
    return validity.load_validity_durations()


def training_family(training_key: Any, title: Any = None) -> str | None:
    """The family of a training (MAC SST belongs to SST): from its key in the validity table, else its title."""
    by_key = {d.key: d for d in _durations()}
    if isinstance(training_key, str) and training_key in by_key:
        return by_key[training_key].family
    if isinstance(title, str) and title:
        found = validity.recommended_duration(title, _durations())
        return found.family if found else None
    return None


def ranked_candidates(
    candidates: Iterable[Candidate], *, family: str | None, organisme: str | None, end: date | None
) -> list[Candidate]:
    """The candidates a person most likely wants first: the same training family as the declaration, then the
    same training provider, then the end date nearest to the declared one, then the title."""

    def rank(candidate: Candidate) -> tuple[bool, bool, int, str, int]:
        distance = abs((candidate.end_date - end).days) if candidate.end_date and end else 1_000_000
        return (
            not (family is not None and candidate.family == family),
            not (organisme is not None and candidate.organisme == organisme),
            distance,
            candidate.title,
            candidate.record_id,
        )

    return sorted(candidates, key=rank)


def candidate_label(candidate: Candidate, *, family: str | None) -> str:
    """One choice of the pairing box; a training of the declaration's family says so."""
    organisme = candidate.organisme or "organisme non renseigné"
    reference = candidate.reference or str(candidate.record_id)
    end = fr_day(candidate.end_date)
    when = f" du {end}" if end else " (date non renseignée)"
    same = "✓ même famille — " if family is not None and candidate.family == family else ""
    return f"{same}{candidate.title}{when} — {organisme} (réf. {reference})"


def as_date(value: Any) -> date | None:
    """A date from a table cell (a pandas Timestamp is a datetime), None when missing."""
    if is_missing(value):
        return None
    if isinstance(value, datetime):
        return value.date()
    return value if isinstance(value, date) else None


def candidates_from_rows(rows: Iterable[Mapping[Any, Any]]) -> list[Candidate]:
    """Candidates from the rows of the expected_trainings list."""
    return [
        Candidate(
            record_id=int(row["id"]),
            title=text_or_dash(row.get("training_title")),
            end_date=as_date(row.get("end_date")),
            organisme=row.get("organisme") if isinstance(row.get("organisme"), str) else None,
            reference=row.get("reference") if isinstance(row.get("reference"), str) else None,
            family=row.get("training_family") if isinstance(row.get("training_family"), str) else None,
        )
        for row in rows
    ]
