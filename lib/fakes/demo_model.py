"""The demo's model: dates and sizes, file headers, the training catalogue, the dataclasses, small helpers."""

from __future__ import annotations

import calendar
import random
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Literal

from faker import Faker
from stdnum import luhn
from stdnum.fr import nir as stdnum_nir
from stdnum.fr import siret as stdnum_siret

Proof = Literal["ADF", "JDR"]

DEMO_TODAY = date(2026, 11, 23)
DEMO_DIR = Path(__file__).resolve().parents[2] / "data" / "demo"
DEFAULT_SEED = 20261123
HEADCOUNT = 300

# Fixed metadata so that two runs write the same bytes (XLSX core properties and ZIP entry times).
_FIXED_TIMESTAMP = datetime(2026, 11, 23, 8, 0, 0)
_ZIP_DATE_TIME = (2026, 11, 23, 8, 0, 0)

_FIRST_MONTH = date(2023, 1, 1)
_LAST_SESSION_END = DEMO_TODAY - timedelta(days=3)
_DECLARATION_LAG = timedelta(days=10)  # an OF declares a session at least this long after it ended
_DATE_TOLERANCE_DAYS = 3
_VALIDITY_HORIZON_DAYS = 90

ROSTER_HEADER: tuple[str, ...] = (
    "Matricule",
    "N° SS",
    "Nom de naissance",
    "Nom d'usage",
    "Prénom",
    "SIRET établissement",
    "Site",
    "Service",
    "Poste",
    "Responsable",
    "Date d'entrée",
    "Date de sortie",
)
INTERNAL_HEADER: tuple[str, ...] = (
    "Matricule",
    "NIR",
    "Nom de naissance",
    "Nom d'usage",
    "Prénom",
    "SIRET de l'établissement",
    "Site",
    "Service",
    "Formation",
    "Type de formation",
    "Catégorie",
    "Organisme",
    "SIRET de l'organisme",
    "Interne",
    "Type de justificatif",
    "Date de début",
    "Date de fin",
    "Date de début de validité",
    "Date de fin de validité",
    "Référence",
)

_SERVICES: tuple[tuple[str, int], ...] = (
    ("Production", 40),
    ("Logistique", 25),
    ("Maintenance", 12),
    ("Qualité", 8),
    ("Administration", 10),
    ("Sécurité et services généraux", 5),
)
_ALL_SERVICES: tuple[str, ...] = tuple(name for name, _ in _SERVICES)
_BIRTH_DEPARTMENTS: tuple[str, ...] = (
    "14", "14", "14", "50", "61", "76", "76", "27", "75", "93", "59", "35", "44", "69", "13", "2A", "972",
)  # fmt: skip
_MONTHS_FR = (
    "janvier", "février", "mars", "avril", "mai", "juin",
    "juillet", "août", "septembre", "octobre", "novembre", "décembre",
)  # fmt: skip

_SST_COMPETENCES = "115650/400635/114955/120864/400610/103885/102382/496733/121831/119571"


@dataclass(frozen=True)
class TrainingType:
    """One entry of the demo catalogue, with the codes an OF puts in its portal file."""

    code: str
    type_label: str
    title: str
    category: int
    validity_months: int | None
    days: int
    family: str
    services: tuple[str, ...]
    size: tuple[int, int]
    competences: str
    formacodes: str = ""
    nsf: str = ""
    certification: str = ""
    jdr_name: str = ""
    requires_family: bool = False  # a refresher: only for holders of the family
    initial_only: bool = False  # an initial training: only for non-holders


CATALOGUE: tuple[TrainingType, ...] = (
    TrainingType(
        "SST", "SST", "Sauveteur secouriste du travail (SST) - formation initiale", 1, 24, 2, "SST",
        _ALL_SERVICES, (6, 10), _SST_COMPETENCES, "42866/42875/42829/42817/42819", "344r",
        initial_only=True,
    ),
    TrainingType(
        "MACSST", "MAC SST", "MAC SST - maintien et actualisation des compétences", 1, 24, 1, "SST",
        _ALL_SERVICES, (5, 10), _SST_COMPETENCES, "42866/42875/42829/42817/42819", "344r",
        requires_family=True,
    ),
    TrainingType(
        "R489C1", "CACES R489", "CACES R489 catégorie 1 - transpalettes et préparateurs de commandes",
        2, 60, 2,
        "R489C1", ("Logistique", "Production"), (3, 6), "484039/125180/110468/119977/200068", "31812/42829",
        "311u", jdr_name="CACES R489 catégorie 1A",
    ),
    TrainingType(
        "R489C3", "CACES R489", "CACES R489 catégorie 3", 2, 60, 3, "R489C3", ("Logistique", "Production"),
        (3, 6), "484039/400631/485099/125180/103792/110468/119977", certification="RS6869",
        jdr_name="CACES R489 catégorie 3",
    ),
    TrainingType(
        "R489C5", "CACES R489", "CACES R489 catégorie 5 - chariots à mât rétractable", 2, 60, 3, "R489C5",
        ("Logistique",), (3, 5), "484039/125180/110468/200074/121591", "31812/42829", "311u",
        jdr_name="CACES R489 catégorie 5",
    ),
    TrainingType(
        "R486B", "CACES R486", "CACES R486 PEMP catégorie B - nacelles", 2, 60, 2, "R486B",
        ("Maintenance", "Logistique"), (3, 6), "400708/121599/200061/404105/477022", "31854/42829", "311u",
        jdr_name="CACES R486 catégorie B",
    ),
    TrainingType(
        "HEB0", "Habilitation électrique", "Habilitation électrique B0-H0V - personnel non électricien",
        2, 36,
        1, "HEB0", ("Production", "Maintenance", "Logistique", "Qualité"), (4, 9),
        "403171/104562/489618/124200/100017", "24049/42829", "255r",
    ),
    TrainingType(
        "HEBS", "Habilitation électrique", "Habilitation électrique BS-BE manœuvre", 2, 36, 2, "HEBS",
        ("Maintenance", "Production"), (3, 7), "403186/104562/489618/124200/513227", "24049/42829", "255r",
    ),
    TrainingType(
        "HEBR", "Habilitation électrique", "Habilitation électrique BR - chargé d'intervention générale",
        2, 36,
        3, "HEBR", ("Maintenance",), (2, 5), "124200/124201/104562/489618/513227/103501", "24049/42829",
        "255r",
    ),
    TrainingType(
        "AIPR", "AIPR", "AIPR opérateur - intervention à proximité des réseaux", 2, 60, 1, "AIPR",
        ("Maintenance", "Sécurité et services généraux"), (3, 6), "403964/103810/108256/101300/100017",
        "22469/42829", "231r",
    ),
    TrainingType(
        "HAUT", "Travail en hauteur", "Travail en hauteur et port du harnais", 3, None, 1, "HAUT",
        ("Maintenance", "Logistique", "Sécurité et services généraux"), (4, 8),
        "400771/400772/477022/499054/400684", "42829/42817", "344r",
    ),
    TrainingType(
        "GP", "Gestes et postures", "Gestes et postures - prévention des TMS", 4, None, 1, "GP",
        ("Production", "Logistique"), (6, 12), "100016/400094/404181/300147/485168", "42829/42817", "344r",
    ),
    TrainingType(
        "PRAP", "PRAP", "PRAP IBC - prévention des risques liés à l'activité physique", 3, 24, 2, "PRAP",
        ("Production", "Logistique"), (5, 10), "300147/118520/100906/122097/485168/400094", "42829/42817",
        "344r",
    ),
    TrainingType(
        "EPI", "Incendie / EPI", "Manipulation des extincteurs - équipier de première intervention (EPI)", 3,
        None, 1, "EPI", _ALL_SERVICES, (8, 12), "121832/107093/118846/101449/105142/115272", "42811/42829",
        "344r",
    ),
    TrainingType(
        "SSIAP1", "SSIAP", "SSIAP 1 - agent de service de sécurité incendie et d'assistance à personnes",
        1, 36,
        10, "SSIAP1", ("Sécurité et services généraux",), (1, 3), "121837/101449/107093/121832/115272/105142",
        "42811/42829", "344t",
    ),
)  # fmt: skip
_TYPES: dict[str, TrainingType] = {t.code: t for t in CATALOGUE}


@dataclass(frozen=True)
class Provider:
    """A fake training provider (OF) and how it behaves when declaring (the demo's « fiabilité »)."""

    key: str
    name: str
    siret: str
    prefix: str
    proof: Proof
    deposits: tuple[date, ...]
    p_declared: float  # chance that a session it must declare is ever declared
    p_first_deposit: float  # chance that it is declared at the first deposit after it ended (else the next)
    p_line_dropped: float  # chance that one trainee of a declared session is forgotten
    p_voluntary: float  # chance that a session it need not declare is declared anyway
    ascii_upper: bool  # writes titles and names in capitals without accents
    reference_employer: bool  # fills REFERENCE_EMPLOYEUR with the employee's matricule

    @property
    def slug(self) -> str:
        return _slug(self.name)


@dataclass(frozen=True)
class Establishment:
    siret: str
    name: str
    site: str


@dataclass(frozen=True)
class Employee:
    matricule: str
    nir: str  # 15 characters with key; empty when the HR system has none yet
    sex: str
    birth_name: str
    usage_name: str
    first_name: str
    establishment: int
    service: str
    entry: date
    exit: date | None
    manager: str = ""
    job: str = ""

    @property
    def display_name(self) -> str:
        return f"{self.first_name} {self.usage_name or self.birth_name}"


@dataclass(frozen=True)
class Session:
    """One training session: a type, an OF (None: delivered internally), one site, its trainees."""

    reference: str
    ttype: TrainingType
    provider: str | None
    establishment: int
    start: date
    end: date
    validity_start: date
    participants: tuple[str, ...] = ()
    never_declared: bool = False  # a session placed by hand so that its OF never declares it

    @property
    def validity_end(self) -> date | None:
        if self.ttype.validity_months is None:
            return None
        return _add_months(self.validity_start, self.ttype.validity_months) - timedelta(days=1)


@dataclass(frozen=True)
class InternalRecord:
    """One line of the HR training export (formations.xlsx)."""

    session: str
    matricule: str
    nir: str
    birth_name: str
    usage_name: str
    first_name: str
    siret: str
    site: str
    service: str
    title: str
    type_label: str
    category: int | None
    organisme: str
    organisme_siret: str
    internal: bool
    proof: Proof
    start: date
    end: date
    validity_start: date
    validity_end: date | None


@dataclass(frozen=True)
class OfLine:
    """One holder line of an OF declaration file, with what it illustrates."""

    provider: str
    received_on: date
    declaration: str
    session: str
    record: tuple[str, str] | None  # (session, matricule) of the internal record it declares
    nir13: str
    holder_name: str
    presence: bool
    siret: str
    reference_employer: str
    title: str
    start: date
    end: date
    validity_start: date
    validity_end: date | None
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class DemoData:
    """Everything the demo writes, before it is turned into files."""

    employer_name: str
    siren: str
    establishments: tuple[Establishment, ...]
    providers: tuple[Provider, ...]
    employees: tuple[Employee, ...]
    sessions: tuple[Session, ...]
    records: tuple[InternalRecord, ...]
    lines: tuple[OfLine, ...]
    tags: dict[tuple[str, str], tuple[str, ...]]  # internal record → what it illustrates
    corrections: tuple[DemoCorrection, ...] = ()


@dataclass(frozen=True)
class DemoCorrection:
    """A correction the employer asked on one OF line (data/demo/manifest.toml, replayed by lib/fakes/demo_store.py).

    `answered_on`: the provider's later deposit that sends the line again, corrected (« corrigée par l'OF »);
    None: the OF never corrects it (« correction non faite » once the carence window is open).
    """

    situation: str
    line: int  # index in DemoData.lines
    requested_on: date
    reason: str
    answered_on: date | None = None


# --- small helpers -----------------------------------------------------------------------------------


def _add_months(d: date, months: int) -> date:
    index = d.year * 12 + d.month - 1 + months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(d.day, calendar.monthrange(year, month + 1)[1]))


def _add_business_days(d: date, days: int) -> date:
    while days > 0:
        d += timedelta(days=1)
        if d.weekday() < 5:
            days -= 1
    return d


def _ascii(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def _slug(text: str) -> str:
    cleaned = "".join(c if c.isalnum() else " " for c in _ascii(text).lower())
    return "-".join(cleaned.split())


def _french(d: date | None) -> str:
    return "" if d is None else d.strftime("%d/%m/%Y")


def _cp1252_name(draw: Callable[[], str], limit: int = 30) -> str:
    for _ in range(50):
        name = draw()
        try:
            name.encode("cp1252")
        except UnicodeEncodeError:
            continue
        if len(name) <= limit:
            return name
    raise RuntimeError("Faker ne produit aucun nom encodable en Windows-1252.")  # pragma: no cover


def _siret_of(siren: str, nic_body: str) -> str:
    """A SIRET of the given SIREN: a 4-digit establishment number and the Luhn key over all 14 digits."""
    body = siren + nic_body
    return body + luhn.calc_check_digit(body)


def _faker_siret(fake: Faker) -> str:
    for _ in range(50):
        value = str(fake.siret()).replace(" ", "")
        if stdnum_siret.is_valid(value) and not value.startswith("356000000"):
            return value
    raise RuntimeError("Faker ne produit aucun SIRET valide.")  # pragma: no cover


def _nir(rng: random.Random, sex: str, birth: date) -> str:
    department = rng.choice(_BIRTH_DEPARTMENTS)
    commune = rng.randint(1, 99 if len(department) == 3 else 989)
    commune_text = f"{commune:02d}" if len(department) == 3 else f"{commune:03d}"
    body = f"{1 if sex == 'M' else 2}{birth.year % 100:02d}{birth.month:02d}{department}{commune_text}"
    body += f"{rng.randint(1, 999):03d}"
    nir = body + str(stdnum_nir.calc_check_digits(body))
    assert stdnum_nir.is_valid(nir), nir
    return nir


def _random_date(rng: random.Random, first: date, last: date) -> date:
    return first + timedelta(days=rng.randint(0, max(0, (last - first).days)))
