"""Deterministic generator of the demo data set (data/demo/): fake employer, roster, trainings, OF files.

Everything is fake (Faker fr_FR, fixed seed) and meant to be read at DEMO_TODAY with the default rule set:
the sessions, declaration dates and injected anomalies are placed so that every situation of rules.md §5
(and every kind of discrepancy the reconciliation looks for) occurs. Regenerate with `python -m lib.fakes.demo`.
"""

from __future__ import annotations

import calendar
import csv
import io
import random
import unicodedata
import zipfile
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Literal

import openpyxl
from faker import Faker
from openpyxl.styles import Font
from openpyxl.writer.excel import ExcelWriter
from stdnum import luhn
from stdnum.fr import nir as stdnum_nir
from stdnum.fr import siret as stdnum_siret

from lib.identifiers import mask_nir
from lib.portal import write_portal_file
from lib.rules import (
    DEFAULT_RULE_SET,
    LATE_SCOPE_CATEGORIES,
    PUBLISHED_RULE_SET,
    Deadlines,
    RuleSet,
    compute_deadlines,
    load_rule_set,
)
from lib.statuses import (
    Status,
    employer_scope_from,
    expected_status,
    internal_status,
    validity_status,
    verification_status,
)

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


# --- the employer and its people --------------------------------------------------------------------


def _employer(fake: Faker) -> tuple[str, str, tuple[Establishment, ...]]:
    name = f"{_cp1252_name(fake.last_name)} Industries"
    siren = str(fake.siren()).replace(" ", "")
    cities: list[str] = []
    while len(cities) < 3:
        city = _cp1252_name(fake.city)
        if city not in cities:
            cities.append(city)
    kinds = ("Siège et usine", "Plateforme logistique", "Atelier de maintenance")
    establishments = tuple(
        Establishment(_siret_of(siren, f"{10 + 11 * i:04d}"), f"{kind} de {city}", city)
        for i, (kind, city) in enumerate(zip(kinds, cities, strict=True))
    )
    assert all(stdnum_siret.is_valid(e.siret) for e in establishments)
    return name, siren, establishments


def _employees(fake: Faker, rng: random.Random) -> list[Employee]:
    drafts: list[Employee] = []
    services, weights = zip(*_SERVICES, strict=True)
    for _ in range(HEADCOUNT):
        sex = "F" if rng.random() < 0.42 else "M"
        first = _cp1252_name(fake.first_name_female if sex == "F" else fake.first_name_male)
        birth_name = _cp1252_name(fake.last_name)
        usage_name = ""
        if sex == "F" and rng.random() < 0.4:
            while not usage_name or usage_name == birth_name:
                usage_name = _cp1252_name(fake.last_name)
        birth = _random_date(rng, date(1962, 1, 1), date(2005, 6, 30))
        adult = _add_months(birth, 18 * 12)
        if rng.random() < 0.7:
            entry = _random_date(rng, max(adult, date(1996, 1, 1)), date(2022, 12, 31))
        else:
            entry = _random_date(rng, max(adult, date(2023, 1, 1)), date(2026, 9, 30))
        exit_ = None
        first_exit = max(entry + timedelta(days=120), date(2025, 1, 1))
        if rng.random() < 0.09 and first_exit <= date(2026, 11, 13):
            exit_ = _random_date(rng, first_exit, date(2026, 11, 13))
        establishment = rng.choices((0, 1, 2), (55, 30, 15))[0]
        service = rng.choices(services, weights)[0]
        drafts.append(
            Employee(
                "",
                _nir(rng, sex, birth),
                sex,
                birth_name,
                usage_name,
                first,
                establishment,
                service,
                entry,
                exit_,
            )
        )
    # Two recent hires whose NIR the HR system does not have yet (the export must ask for it).
    for i in (0, 1):
        late = drafts[-1 - i]
        drafts[-1 - i] = replace(late, nir="", entry=date(2026, 10, 1 + 4 * i), exit=None, establishment=0)
    drafts.sort(key=lambda e: (e.entry, e.birth_name, e.first_name))
    employees = [replace(e, matricule=f"MAT{1001 + i}") for i, e in enumerate(drafts)]
    return _with_managers(employees)


def _with_managers(employees: list[Employee]) -> list[Employee]:
    def active(e: Employee) -> bool:
        return e.exit is None

    directors: dict[int, Employee] = {}
    for e in employees:
        if active(e) and e.service == "Administration" and e.establishment not in directors:
            directors[e.establishment] = e
    heads: dict[tuple[int, str], Employee] = {}
    for e in employees:
        key = (e.establishment, e.service)
        if active(e) and key not in heads and e is not directors.get(e.establishment):
            heads[key] = e
    result = []
    for e in employees:
        director = directors.get(e.establishment)
        head = heads.get((e.establishment, e.service))
        if e is director:
            manager = ""
        elif e is head or head is None:
            manager = director.display_name if director else ""
        else:
            manager = head.display_name
        result.append(replace(e, manager=manager))
    return result


def _is_active(e: Employee, start: date, end: date) -> bool:
    return e.entry <= start and (e.exit is None or e.exit > end)


# --- the providers -------------------------------------------------------------------------------------


def _providers(fake: Faker) -> tuple[Provider, ...]:
    def name(pattern: str) -> str:
        return pattern.format(_cp1252_name(fake.last_name))

    d = date
    return (
        Provider("sst", name("Secours et Prévention {}"), _faker_siret(fake), "SPF", "ADF",
                 (d(2025, 12, 15), d(2026, 3, 16), d(2026, 6, 15), d(2026, 9, 14), d(2026, 11, 9)),
                 1.0, 1.0, 0.0, 0.6, False, True),
        Provider("caces", name("Centre de conduite {}"), _faker_siret(fake), "CCD", "JDR",
                 (d(2026, 2, 10), d(2026, 7, 6), d(2026, 10, 19)), 0.9, 0.75, 0.03, 0.0, False, True),
        Provider("elec", name("{} Électricité Formation"), _faker_siret(fake), "EEF", "ADF",
                 (d(2026, 7, 20), d(2026, 10, 12)), 0.6, 0.2, 0.12, 0.0, False, False),
        Provider("hauteur", name("Hauteur et Ergonomie {}"), _faker_siret(fake), "HEG", "ADF",
                 (d(2026, 4, 20), d(2026, 10, 5)), 0.9, 0.9, 0.0, 0.5, False, False),
        Provider("incendie", name("{} Sécurité Incendie"), _faker_siret(fake), "FSI", "ADF",
                 (d(2026, 6, 22), d(2026, 11, 19)), 0.8, 0.6, 0.05, 0.4, True, False),
    )  # fmt: skip


# Which provider sells which type, and how many sessions a month (before the yearly factor).
_OFFERS: tuple[tuple[str, str | None, float], ...] = (
    ("SST", "sst", 0.45),
    ("MACSST", "sst", 0.7),
    ("PRAP", "sst", 0.25),
    ("R489C1", "caces", 0.3),
    ("R489C3", "caces", 0.35),
    ("R489C5", "caces", 0.2),
    ("R486B", "caces", 0.25),
    ("HEB0", "elec", 0.35),
    ("HEBS", "elec", 0.25),
    ("HEBR", "elec", 0.15),
    ("AIPR", "elec", 0.2),
    ("HAUT", "hauteur", 0.3),
    ("GP", "hauteur", 0.25),
    ("EPI", "incendie", 0.3),
    ("SSIAP1", "incendie", 0.15),
    ("HEB0", None, 0.2),
    ("GP", None, 0.3),
    ("EPI", None, 0.35),
    ("HAUT", None, 0.15),
)
_YEAR_FACTOR = {2023: 0.65, 2024: 1.0, 2025: 1.75, 2026: 2.0}

# Sessions placed by hand so that the worked examples of rules.md §4 and the internal cases always exist:
# (type, provider, site, start, validity start shift in days).
_SCRIPTED: tuple[tuple[str, str | None, int, date, int, bool], ...] = (
    ("SST", "sst", 0, date(2025, 9, 15), 0, False),  # rules.md §4 example 1: September-2025 window
    ("R489C3", "caces", 0, date(2025, 9, 25), 2, False),  # example 2: ends 29/09/2025, valid from 01/10/2025
    ("HEB0", None, 0, date(2026, 2, 10), 0, False),  # internal, before 16/03/2026: not mandatory
    ("HEB0", None, 0, date(2026, 3, 24), 0, False),  # internal, Q1 2026: by 31/03/2027 (other reading 31/12/2026)
    ("HEB0", None, 0, date(2026, 5, 12), 0, False),  # internal, to declare by 31/03/2027
    ("GP", None, 0, date(2026, 6, 9), 0, False),  # internal, category 4 before 01/10/2026: not mandatory
    ("EPI", None, 1, date(2026, 7, 7), 0, False),  # internal, category 3 before 01/10/2026: not mandatory
    # Internal, category 3 in Q4 2026: not mandatory under the default (employer's categories 3-4 from
    # 01/01/2027), to declare under the other reading (from 01/10/2026) and under the decree.
    ("EPI", None, 0, date(2026, 10, 13), 0, False),
    ("HEBS", "elec", 0, date(2025, 9, 8), 0, True),  # never declared: carence, September 2025
    ("HEB0", "elec", 1, date(2026, 1, 20), 0, True),  # never declared: carence, Q1 2026
    ("HEBR", "elec", 0, date(2026, 5, 18), 0, True),  # not declared yet: awaiting the OF, Q2 2026
    ("AIPR", "elec", 0, date(2026, 8, 24), 0, True),  # not declared yet: awaiting the OF, Q3 2026
    ("MACSST", "sst", 1, date(2026, 10, 19), 0, False),  # recent: the OF still has time
    ("SSIAP1", "incendie", 0, date(2025, 11, 3), 0, False),  # the fire-safety OF, Q4 2025
    ("SSIAP1", "incendie", 1, date(2026, 1, 12), 0, False),  # the fire-safety OF, Q1 2026
)


def _session_shells(rng: random.Random, headcount: Sequence[int]) -> list[Session]:
    shells: list[tuple[str, str | None, int, date, int, bool]] = list(_SCRIPTED)
    month = _FIRST_MONTH
    while month <= DEMO_TODAY:
        factor = _YEAR_FACTOR[month.year]
        last_day = date(month.year, month.month, calendar.monthrange(month.year, month.month)[1])
        for code, provider, rate in _OFFERS:
            expected = rate * factor
            count = int(expected) + (1 if rng.random() < expected - int(expected) else 0)
            for _ in range(count):
                start = _random_date(rng, month, last_day)
                while start.weekday() >= 5:
                    start += timedelta(days=1)
                site = rng.choices((0, 1, 2), headcount)[0]
                shells.append((code, provider, site, start, 0, False))
        month = _add_months(month, 1)
    sessions = []
    for code, provider, site, start, validity_shift, never_declared in shells:
        ttype = _TYPES[code]
        end = _add_business_days(start, ttype.days - 1)
        if end > _LAST_SESSION_END:
            continue
        validity_start = end + timedelta(days=validity_shift)
        sessions.append(Session("", ttype, provider, site, start, end, validity_start, (), never_declared))
    sessions.sort(key=lambda s: (s.start, s.ttype.code, s.provider or "", s.establishment))
    counters: Counter[int] = Counter()
    numbered = []
    for s in sessions:
        counters[s.start.year] += 1
        numbered.append(replace(s, reference=f"FOR-{s.start.year}-{counters[s.start.year]:04d}"))
    return numbered


def _is_busy(periods: Sequence[tuple[date, date]], start: date, end: date) -> bool:
    """Whether one of `periods` comes within 4 days of [start, end] (no one attends two sessions at once)."""
    margin = timedelta(days=4)
    return any(start - margin <= other_end and other_start <= end + margin for other_start, other_end in periods)


def _fill_sessions(rng: random.Random, shells: Sequence[Session], employees: Sequence[Employee]) -> list[Session]:
    """Choose trainees: renewals that fall due first (some are missed: they expire), then newcomers."""
    held: dict[tuple[str, str], date] = {}  # (matricule, family) → validity end, or last training end
    busy: dict[str, list[tuple[date, date]]] = defaultdict(list)  # no two sessions within 4 days
    scripted = {entry[:4] for entry in _SCRIPTED}
    filled = []
    for s in shells:
        t = s.ttype
        due: list[tuple[date, str]] = []
        fresh: list[str] = []
        for e in employees:
            if e.establishment != s.establishment or e.service not in t.services:
                continue
            if not _is_active(e, s.start, s.end) or _is_busy(busy[e.matricule], s.start, s.end):
                continue
            last = held.get((e.matricule, t.family))
            if t.validity_months is None:
                if last is None or last < s.start - timedelta(days=730):
                    fresh.append(e.matricule)
                continue
            if last is None:
                if not t.requires_family:
                    fresh.append(e.matricule)
            elif not t.initial_only and last <= s.start + timedelta(days=150):
                due.append((last, e.matricule))
        due.sort()
        rng.shuffle(fresh)
        chosen = [m for _, m in due if rng.random() < 0.7]
        low, high = t.size
        size = rng.randint(low, high)
        chosen = (chosen + fresh)[:size]
        if len(chosen) < 2 and (t.code, s.provider, s.establishment, s.start) in scripted:
            # A session placed by hand must happen: fall back on anyone on site who may attend it.
            others = sorted(e.matricule for e in employees if e.establishment == s.establishment
                            and e.service in t.services and _is_active(e, s.start, s.end)
                            and not _is_busy(busy[e.matricule], s.start, s.end)
                            and e.matricule not in chosen)  # fmt: skip
            chosen += rng.sample(others, min(len(others), low - len(chosen)))
        if len(chosen) < min(low, 2):
            continue
        chosen.sort()
        session = replace(s, participants=tuple(chosen))
        mark = session.validity_end or session.end
        for m in chosen:
            held[(m, t.family)] = mark
            busy[m].append((s.start, s.end))
        filled.append(session)
    return filled


# --- what the OFs declare ----------------------------------------------------------------------------


def _reference_date(provider: Provider, s: Session) -> date:
    return s.validity_start if provider.proof == "JDR" else s.end


def _declared_on(rng: random.Random, rules: RuleSet, provider: Provider, s: Session) -> date | None:
    """When the OF declares a session, if ever, following its habits."""
    if s.never_declared:
        return None
    r = _reference_date(provider, s)
    deadlines = compute_deadlines(
        rules, provider.proof, training_end=s.end, validity_start=s.validity_start, category=s.ttype.category
    )
    eligible = [d for d in provider.deposits if d >= r + _DECLARATION_LAG]
    if not eligible:
        return None
    if not deadlines.of_mandatory:  # declared anyway by some OFs, but never after their would-be deadline
        if eligible[0] <= deadlines.of_deadline and rng.random() < provider.p_voluntary:
            return eligible[0]
        return None
    if rng.random() >= provider.p_declared:
        return None
    if rng.random() < provider.p_first_deposit or len(eligible) == 1:
        return eligible[0]
    return eligible[1]


def _record_of(
    s: Session, e: Employee, establishments: Sequence[Establishment], providers: dict[str, Provider]
) -> InternalRecord:
    p = providers[s.provider] if s.provider else None
    est = establishments[e.establishment]
    return InternalRecord(
        session=s.reference,
        matricule=e.matricule,
        nir=e.nir,
        birth_name=e.birth_name,
        usage_name=e.usage_name,
        first_name=e.first_name,
        siret=est.siret,
        site=est.site,
        service=e.service,
        title=s.ttype.title,
        type_label=s.ttype.type_label,
        category=s.ttype.category,
        organisme=p.name if p else "",
        organisme_siret=p.siret if p else "",
        internal=p is None,
        proof=p.proof if p else "ADF",
        start=s.start,
        end=s.end,
        validity_start=s.validity_start,
        validity_end=s.validity_end,
    )


def _holder_name(provider: Provider, name: str) -> str:
    upper = name.upper()
    return _ascii(upper) if provider.ascii_upper else upper


def _line_of(provider: Provider, received: date, s: Session, e: Employee, siret: str, declaration: str) -> OfLine:
    title = _ascii(s.ttype.title).upper() if provider.ascii_upper else s.ttype.title
    return OfLine(
        provider=provider.key,
        received_on=received,
        declaration=declaration,
        session=s.reference,
        record=(s.reference, e.matricule),
        nir13=e.nir[:13],
        holder_name=_holder_name(provider, e.birth_name),
        presence=True,
        siret=siret,
        reference_employer=e.matricule if provider.reference_employer else "",
        title=title,
        start=s.start,
        end=s.end,
        validity_start=s.validity_start,
        validity_end=s.validity_end,
    )


# --- the generator -----------------------------------------------------------------------------------


def build_demo_data(seed: int = DEFAULT_SEED) -> DemoData:
    """The whole demo, in memory: same seed, same data."""
    rng = random.Random(seed)
    fake = Faker("fr_FR")
    fake.seed_instance(seed)
    rules = load_rule_set(DEFAULT_RULE_SET)

    employer_name, siren, establishments = _employer(fake)
    providers = _providers(fake)
    by_key = {p.key: p for p in providers}
    employees = _employees(fake, rng)
    people = {e.matricule: e for e in employees}
    headcount = [sum(1 for e in employees if e.establishment == i) for i in range(3)]
    sessions = _fill_sessions(rng, _session_shells(rng, headcount), employees)
    sessions = _with_new_hires(sessions, employees)
    placed = {(s.ttype.code, s.provider, s.establishment, s.start) for s in sessions}
    lost = [entry[:4] for entry in _SCRIPTED if entry[:4] not in placed]
    if lost:  # the situations the README promises depend on them
        raise RuntimeError(f"Sessions prévues sans stagiaire disponible : {lost}")

    records: dict[tuple[str, str], InternalRecord] = {}
    for s in sessions:
        for m in s.participants:
            records[(s.reference, m)] = _record_of(s, people[m], establishments, by_key)
    tags: dict[tuple[str, str], list[str]] = defaultdict(list)

    # OF declarations, session by session.
    lines: list[OfLine] = []
    declaration_ids: dict[str, str] = {}
    for s in sessions:
        if s.provider is None:
            continue
        p = by_key[s.provider]
        received = _declared_on(rng, rules, p, s)
        if received is None:
            continue
        declaration_ids[s.reference] = f"{s.ttype.code}_{s.end:%Y%m%d}_{p.prefix}{len(declaration_ids) + 1:03d}"
        for m in s.participants:
            e = people[m]
            if not e.nir or rng.random() < p.p_line_dropped:
                if e.nir:
                    tags[(s.reference, m)].append("oubli_of")
                continue
            siret = establishments[e.establishment].siret
            lines.append(_line_of(p, received, s, e, siret, declaration_ids[s.reference]))

    data = _Injector(rng, rules, establishments, by_key, employees, sessions, records, lines, tags)
    data.inject()
    demo = DemoData(
        employer_name=employer_name,
        siren=siren,
        establishments=establishments,
        providers=providers,
        employees=tuple(employees),
        sessions=tuple(sessions),
        records=tuple(sorted(data.records.values(), key=lambda r: (r.start, r.session, r.matricule))),
        lines=tuple(data.lines),
        tags={k: tuple(v) for k, v in data.tags.items()},
    )
    return replace(demo, corrections=_planned_corrections(demo, rules))


_REQUEST_DELAY = timedelta(days=14)  # the employer reads a file and asks its corrections two weeks later
_LATE_REQUEST = DEMO_TODAY - timedelta(days=28)  # a request made after the OF deadline


def _correction_reason(data: DemoData, line: OfLine) -> str:
    """What the employer asks, in the words of the reconciliation's discrepancy details."""
    records = {(r.session, r.matricule): r for r in data.records}
    record = records[line.record] if line.record else None
    parts = []
    if "ecart_nom" in line.tags and record is not None:
        birth = record.birth_name.upper()
        parts.append(f"nom de naissance attendu « {birth} », déclaré « {line.holder_name} »")
    if "ecart_siret" in line.tags and record is not None:
        parts.append(f"SIRET attendu {record.siret}, déclaré {line.siret}")
    if "ecart_validite" in line.tags and record is not None:
        parts.append(f"fin de validité attendue {_french(record.validity_end)}, déclarée {_french(line.validity_end)}")
    if "ecart_date_tolerance" in line.tags and record is not None:
        parts.append(f"date de fin attendue {_french(record.end)}, déclarée {_french(line.end)}")
    return " ; ".join(parts) or "date de fin à confirmer (feuille d'émargement)"


def _planned_corrections(data: DemoData, rules: RuleSet, today: date = DEMO_TODAY) -> tuple[DemoCorrection, ...]:
    """The corrections the demo's employer asked, chosen among the lines with a discrepancy (README):

    - one the provider answers with a corrected line in its next file (« corrigée par l'OF »);
    - two asked before the OF deadline and never made (« correction non faite » since the carence opened);
    - one asked after the OF deadline (« correction non faite » from the request's day);
    - one on a category 3–4 training the OF had to declare but the employer not yet (scope per declarant).
    """
    providers = {p.key: p for p in data.providers}
    records = {(r.session, r.matricule): r for r in data.records}
    employer_sirets = {e.siret for e in data.establishments}
    order = sorted(range(len(data.lines)), key=lambda i: (data.lines[i].received_on, data.lines[i].declaration,
                                                          data.lines[i].nir13))  # fmt: skip
    used: set[int] = set()
    planned: list[DemoCorrection] = []

    def pick(situation: str, count: int, wanted: Callable[[OfLine, InternalRecord, Deadlines], date | None]) -> None:
        for i in order:
            ln = data.lines[i]
            if sum(c.situation == situation for c in planned) >= count:
                return
            if i in used or ln.record is None or not ln.presence or ln.siret not in employer_sirets:
                continue
            record = records[ln.record]
            requested = wanted(ln, record, _record_deadlines(rules, record))
            if requested is None:
                continue
            answered = None
            if situation == "corrected_by_of":
                later = [d for d in providers[ln.provider].deposits if requested < d <= today]
                if not later:
                    continue
                answered = later[0]
            used.add(i)
            planned.append(DemoCorrection(situation, i, requested, _correction_reason(data, ln), answered))

    def early(ln: OfLine, record: InternalRecord, d: Deadlines) -> date | None:
        requested = ln.received_on + _REQUEST_DELAY
        opened = d.carence_opens_on is not None and d.carence_opens_on <= today
        tagged = {"ecart_nom", "ecart_siret", "ecart_validite"} & set(ln.tags)
        return requested if tagged and opened and requested <= d.of_deadline else None

    def late(ln: OfLine, record: InternalRecord, d: Deadlines) -> date | None:
        opened = d.carence_opens_on is not None and d.carence_opens_on <= _LATE_REQUEST
        tagged = {"ecart_siret", "ecart_validite"} & set(ln.tags)
        return _LATE_REQUEST if tagged and opened and ln.received_on < _LATE_REQUEST else None

    def outside_scope(ln: OfLine, record: InternalRecord, d: Deadlines) -> date | None:
        requested = ln.received_on + timedelta(days=7)
        in_gap = record.category in LATE_SCOPE_CATEGORIES and d.of_mandatory
        in_gap = in_gap and employer_scope_from(rules, d.reference_date, record.category) is not None
        return requested if in_gap and requested <= today and ln.tags else None

    pick("corrected_by_of", 1, early)
    pick("correction_not_made", 2, early)
    pick("correction_not_made_late_request", 1, late)
    pick("outside_employer_scope", 1, outside_scope)
    return tuple(planned)


def _corrected_line(data: DemoData, correction: DemoCorrection) -> OfLine:
    """The line as the provider sends it again: the employer's values where it asked a correction."""
    line = data.lines[correction.line]
    assert line.record is not None and correction.answered_on is not None
    records = {(r.session, r.matricule): r for r in data.records}
    record = records[line.record]
    provider = next(p for p in data.providers if p.key == line.provider)
    return replace(
        line,
        received_on=correction.answered_on,
        declaration=f"{line.declaration}-RECTIF",
        holder_name=_holder_name(provider, record.birth_name),
        siret=record.siret,
        validity_end=record.validity_end,
        tags=("rectification",),
    )


def _with_new_hires(sessions: list[Session], employees: Sequence[Employee]) -> list[Session]:
    """The recent hires without NIR take part in the internal fire-safety session of 13/10/2026 (category 3:
    not mandatory under the law in force before 2027) and in the first internal category 1-2 session from
    November 2026, which they must be declared for: the internal export has to list them, not export them."""
    hires = [e.matricule for e in employees if not e.nir]
    mandatory = min(
        (s for s in sessions if s.provider is None and s.ttype.category in (1, 2) and s.start >= date(2026, 11, 1)),
        key=lambda s: (s.start, s.reference),
    )
    result = []
    for s in sessions:
        if (s.provider is None and s.ttype.code == "EPI" and s.start == date(2026, 10, 13)) or s is mandatory:
            s = replace(s, participants=tuple(sorted(set(s.participants) | set(hires))))
        result.append(s)
    return result


class _Injector:
    """Places the anomalies an employer meets in real life on chosen lines and records, each tagged."""

    def __init__(
        self,
        rng: random.Random,
        rules: RuleSet,
        establishments: Sequence[Establishment],
        providers: dict[str, Provider],
        employees: Sequence[Employee],
        sessions: Sequence[Session],
        records: dict[tuple[str, str], InternalRecord],
        lines: list[OfLine],
        tags: dict[tuple[str, str], list[str]],
    ) -> None:
        self.rng = rng
        self.rules = rules
        self.establishments = establishments
        self.providers = providers
        self.employees = employees
        self.people = {e.matricule: e for e in employees}
        self.sessions = {s.reference: s for s in sessions}
        self.records = records
        self.lines = lines
        self.tags = tags
        self.used: set[tuple[str, str]] = set()
        self.busy: dict[str, list[tuple[date, date]]] = defaultdict(list)
        for session in sessions:
            for m in session.participants:
                self.busy[m].append((session.start, session.end))

    def inject(self) -> None:
        self._date_within_tolerance()
        self._validity_differs_of_side()
        self._usage_name()
        self._other_siret()
        self._validity_differs_hr_side()
        self._title_case_hr_side()
        self._other_session()
        self._unexpected()
        self._missing_nir_in_records()
        self._unknown_category()
        self._no_validity_end()

    # -- helpers --
    def _free_lines(self, accept: Callable[[OfLine], bool]) -> list[int]:
        found = []
        for i, line in enumerate(self.lines):
            if line.record is None or line.record in self.used or not accept(line):
                continue
            found.append(i)
        return found

    def _tag_line(self, index: int, tag: str, **changes: object) -> None:
        line = self.lines[index]
        self.lines[index] = replace(line, tags=(*line.tags, tag), **changes)  # type: ignore[arg-type]
        if line.record is not None:
            self.used.add(line.record)

    def _session_lines(self, declaration: str) -> list[int]:
        return [i for i, line in enumerate(self.lines) if line.declaration == declaration]

    def _mandatory(self, line: OfLine) -> bool:
        p = self.providers[line.provider]
        d = compute_deadlines(
            self.rules,
            p.proof,
            training_end=line.end,
            validity_start=line.validity_start,
            category=self.sessions[line.session].ttype.category,
        )
        return d.of_mandatory

    # -- discrepancies on a whole declaration --
    def _date_within_tolerance(self) -> None:
        """ADF declarations (one per OF named) whose end date is 1 or 2 days off the HR record."""
        done: set[str] = set()
        for shift, provider in ((-1, "sst"), (2, "hauteur"), (1, "elec")):
            for i in self._free_lines(self._mandatory):
                line = self.lines[i]
                if line.provider != provider:
                    continue
                s = self.sessions[line.session]
                if line.declaration in done or not 5 <= s.end.day <= 24:
                    continue
                new_end = s.end + timedelta(days=shift)
                new_start = s.start + timedelta(days=shift) if s.start == s.end else s.start
                for j in self._session_lines(line.declaration):
                    self._tag_line(
                        j,
                        "ecart_date_tolerance",
                        start=new_start,
                        end=new_end,
                        validity_start=max(new_end, s.validity_start),
                    )
                done.add(line.declaration)
                break

    def _validity_differs_of_side(self) -> None:
        """The CACES centre declares one session with 10 years of validity (as for R482) instead of 5."""
        for i in self._free_lines(lambda ln: ln.provider == "caces" and ln.validity_end is not None):
            line = self.lines[i]
            assert line.validity_end is not None
            wrong = _add_months(line.validity_start, 120) - timedelta(days=1)
            for j in self._session_lines(line.declaration):
                self._tag_line(j, "ecart_validite", validity_end=wrong)
            return

    # -- discrepancies on one holder --
    def _usage_name(self) -> None:
        pool = self._free_lines(lambda ln: bool(self.people[ln.record[1]].usage_name) if ln.record else False)
        for i in self.rng.sample(pool, 5):
            e = self.people[self.lines[i].record[1]]  # type: ignore[index]
            self._tag_line(
                i, "ecart_nom", holder_name=_holder_name(self.providers[self.lines[i].provider], e.usage_name)
            )

    def _other_siret(self) -> None:
        for i in self.rng.sample(self._free_lines(lambda ln: True), 4):
            line = self.lines[i]
            current = next(k for k, est in enumerate(self.establishments) if est.siret == line.siret)
            other = self.establishments[(current + 1) % len(self.establishments)].siret
            self._tag_line(i, "ecart_siret", siret=other)

    def _validity_differs_hr_side(self) -> None:
        pool = self._free_lines(lambda ln: ln.validity_end is not None)
        for i in self.rng.sample(pool, 3):
            key = self.lines[i].record
            assert key is not None
            record = self.records[key]
            assert record.validity_end is not None
            self.records[key] = replace(record, validity_end=_add_months(record.validity_end, 12))
            self._tag_line(i, "ecart_validite")

    def _title_case_hr_side(self) -> None:
        """HR typed a few titles in lower case without accents: they must still match."""
        pool = self._free_lines(lambda ln: _ascii(ln.title).lower() != ln.title.lower())
        for i in self.rng.sample(pool, 4):
            key = self.lines[i].record
            assert key is not None
            record = self.records[key]
            self.records[key] = replace(record, title=_ascii(record.title).lower())
            self.used.add(key)

    def _other_session(self) -> None:
        """HR kept the planned session, the trainee actually came one to two weeks later (> 3 days off)."""
        pool = self._free_lines(lambda ln: ln.start.day > 16 and ln.provider != "sst")
        for i, days in zip(self.rng.sample(pool, 3), (7, 10, 14), strict=True):
            key = self.lines[i].record
            assert key is not None
            record = self.records[key]
            moved = timedelta(days=days)
            self.records[key] = replace(
                record,
                start=record.start - moved,
                end=record.end - moved,
                validity_start=record.validity_start - moved,
                validity_end=None if record.validity_end is None else record.validity_end - moved,
            )
            self.tags[key].append("autre_session")
            self._tag_line(i, "autre_session", record=None)
            self.used.add(key)

    def _unexpected(self) -> None:
        """Holders the OF declared although HR has no record of them (and information-only lines)."""
        declarations: dict[str, int] = {}
        for i, line in enumerate(self.lines):
            declarations.setdefault(line.declaration, i)
        chosen = self.rng.sample(sorted(declarations), 7)
        for n, declaration in enumerate(chosen):
            model = self.lines[declarations[declaration]]
            s = self.sessions[model.session]
            p = self.providers[model.provider]
            if n < 3:  # an employee of the roster, on the session's site, with no record of it
                candidates = [
                    e
                    for e in self.employees
                    if e.nir
                    and e.establishment == s.establishment
                    and _is_active(e, s.start, s.end)
                    and e.matricule not in s.participants
                    and not _is_busy(self.busy[e.matricule], s.start, s.end)
                ]
                e = self.rng.choice(candidates)
                line = _line_of(p, model.received_on, s, e, self.establishments[e.establishment].siret, declaration)
                self.lines.append(
                    replace(
                        line,
                        record=None,
                        title=model.title,
                        end=model.end,
                        validity_start=model.validity_start,
                        validity_end=model.validity_end,
                        tags=("inattendue_sans_enregistrement",),
                    )
                )
            elif n == 3:  # a temporary worker the roster does not know
                sex = "M"
                birth = date(1994, 4, 17)
                nir = _nir(self.rng, sex, birth)
                line = replace(
                    self.lines[declarations[declaration]],
                    record=None,
                    nir13=nir[:13],
                    holder_name=_holder_name(p, "Beaumont"),
                    reference_employer="",
                    tags=("inattendue_nir_inconnu",),
                )
                self.lines.append(line)
            else:  # former employees, trained on their own: PRESENCE_EMPLOYEUR = NON
                left = [e for e in self.employees if e.nir and e.exit is not None and e.exit < s.start]
                e = self.rng.choice(left)
                line = replace(
                    self.lines[declarations[declaration]],
                    record=None,
                    nir13=e.nir[:13],
                    holder_name=_holder_name(p, e.birth_name),
                    presence=False,
                    siret="",
                    reference_employer="",
                    tags=("presence_non",),
                )
                self.lines.append(line)

    # -- anomalies of the HR file alone --
    def _internal_to_declare(self) -> list[tuple[str, str]]:
        keys = []
        for key, r in self.records.items():
            d = compute_deadlines(self.rules, "ADF", training_end=r.end, category=r.category)
            if r.internal and d.internal_mandatory and self.people[r.matricule].nir:
                keys.append(key)
        return sorted(keys)

    def _missing_nir_in_records(self) -> None:
        for key in self.rng.sample(self._internal_to_declare(), 2):
            self.records[key] = replace(self.records[key], nir="")
            self.tags[key].append("nir_absent_fichier_rh")
        for key, r in self.records.items():
            if not self.people[r.matricule].nir:
                self.tags[key].append("nir_absent_partout")

    def _unknown_category(self) -> None:
        """Empty categories: treated as mandatory, so an undeclared category 3-4 training may show as carence.

        Not on the reliable OF's records, whose record must stay clean in the demo."""
        reliable = self.providers["sst"].name
        keys = sorted(k for k, r in self.records.items() if k not in self.used and r.organisme != reliable)
        internal = [k for k in self._internal_to_declare() if k not in self.used]
        for key in self.rng.sample(internal, 3) + self.rng.sample(keys, 25):
            self.records[key] = replace(self.records[key], category=None)
            self.tags[key].append("categorie_inconnue")

    def _no_validity_end(self) -> None:
        """No validity end although the type has a recommended duration (old imports, internal)."""
        declared = {ln.record for ln in self.lines if ln.record is not None}
        pool = sorted(
            k
            for k, r in self.records.items()
            if r.validity_end is not None
            and k not in declared
            and k not in self.used
            and (r.internal or r.end < date(2025, 9, 1))
        )
        for key in self.rng.sample(pool, 18):
            self.records[key] = replace(self.records[key], validity_end=None)
            self.tags[key].append("sans_fin_de_validite")


# --- files -------------------------------------------------------------------------------------------


def _portal_rows(
    data: DemoData, provider: Provider, lines: Iterable[OfLine], counter: Counter[str]
) -> list[dict[str, str]]:
    """Portal rows of one file; `counter` numbers ID_UNIQUE_PARTENAIRE across all files of the provider."""
    sessions = {s.reference: s for s in data.sessions}
    rows = []
    for line in lines:
        s = sessions[line.session]
        t = s.ttype
        counter[provider.key] += 1
        number = counter[provider.key]
        site = data.establishments[s.establishment].site
        certifying = bool(t.certification)
        row = {
            "ID_DECLARATION": line.declaration,
            "REFERENCE_DECLARATION": (
                f"Session {t.type_label} {_MONTHS_FR[line.end.month - 1]} {line.end.year} - site {site}"
            ),
            "ID_UNIQUE_PARTENAIRE": f"{provider.prefix}-{number:06d}",
            "NOM_FORMATION": line.title,
            "DATE_DEBUT_FORMATION": _french(line.start),
            "DATE_FIN_FORMATION": _french(line.end),
            "MODALITE_DISPENSE": "PRESENTIEL",
            "COMPETENCE_TRANSFERABLE": t.competences,
            "QUALIFICATION_FORMATEUR": (
                "ANCIEN_PROFESSIONNEL" if provider.proof == "JDR" else "FORMATEUR_D_ADULTES_FORMATION_SPECIALISEE"
            ),
            "FORMATION_CERTIFIANTE": "OUI" if certifying else "NON",
            "CERTIFICATION_VISEE": t.certification,
            "DOMAINE_FORMATION": "" if certifying else t.formacodes,
            "SPECIALITE_FORMATION": "" if certifying else t.nsf,
            "NIR": line.nir13,
            "NOM_TITULAIRE": line.holder_name,
            "PRESENCE_EMPLOYEUR": "OUI" if line.presence else "NON",
            "SIRET_EMPLOYEUR": line.siret if line.presence else "",
            "REFERENCE_EMPLOYEUR": line.reference_employer if line.presence else "",
            "DATE_DEBUT_VALIDITE": _french(line.validity_start),
            "DATE_FIN_VALIDITE": _french(line.validity_end),
        }
        if provider.proof == "JDR":
            row |= {
                "TYPE_JDR": "CERTIFICAT",
                "NOM_JDR": t.jdr_name or t.title,
                "PRESENCE_FORMATION": "OUI",
                "RESULTAT_OBTENU": "Admis",
                "IDENTIFIANT_PREUVE": f"{provider.prefix}-CERT-{number:06d}",
            }
        rows.append(row)
    return rows


@dataclass(frozen=True)
class OfFile:
    path: str  # relative to the demo folder
    provider: Provider
    received_on: date
    content: bytes


def _deposits(data: DemoData) -> list[tuple[Provider, date, list[int]]]:
    """Each provider's deposits in order, with the indexes (in DemoData.lines) of the lines of each, in file order."""
    result = []
    for p in data.providers:
        for deposit in p.deposits:
            indexes = [i for i, ln in enumerate(data.lines) if ln.provider == p.key and ln.received_on == deposit]
            if not indexes:
                continue
            indexes.sort(key=lambda i: (data.lines[i].end, data.lines[i].declaration, not data.lines[i].presence,
                                        data.lines[i].holder_name, data.lines[i].nir13))  # fmt: skip
            result.append((p, deposit, indexes))
    return result


def partner_ids(data: DemoData) -> dict[int, str]:
    """ID_UNIQUE_PARTENAIRE of every line (by index in DemoData.lines), numbered across a provider's files."""
    counter: Counter[str] = Counter()
    ids: dict[int, str] = {}
    for p, _, indexes in _deposits(data):
        for i in indexes:
            counter[p.key] += 1
            ids[i] = f"{p.prefix}-{counter[p.key]:06d}"
    return ids


def of_files(data: DemoData) -> list[OfFile]:
    """Every OF file of the demo: one per provider and deposit date, named <of-slug>_<kind>_<aaaammjj>.csv.

    A deposit also sends again, corrected and under their own ID_UNIQUE_PARTENAIRE, the lines whose correction
    the provider makes then (DemoCorrection.answered_on).
    """
    counter: Counter[str] = Counter()
    ids = partner_ids(data)
    files = []
    for p, deposit, indexes in _deposits(data):
        rows = _portal_rows(data, p, [data.lines[i] for i in indexes], counter)
        for c in data.corrections:
            if c.answered_on == deposit and data.lines[c.line].provider == p.key:
                row = _portal_rows(data, p, [_corrected_line(data, c)], Counter())[0]
                row["ID_UNIQUE_PARTENAIRE"] = ids[c.line]
                if "IDENTIFIANT_PREUVE" in row:
                    row["IDENTIFIANT_PREUVE"] = ids[c.line].replace("-", "-CERT-", 1)
                rows.append(row)
        content = write_portal_file(p.proof, rows)
        files.append(OfFile(f"of/{p.slug}_{p.proof}_{deposit:%Y%m%d}.csv", p, deposit, content))
    return files


def _roster_bytes(data: DemoData) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(ROSTER_HEADER)
    for e in data.employees:
        est = data.establishments[e.establishment]
        writer.writerow(
            (
                e.matricule,
                e.nir,
                e.birth_name,
                e.usage_name,
                e.first_name,
                est.siret,
                est.site,
                e.service,
                e.manager,
                _french(e.entry),
                _french(e.exit),
            )
        )
    return buffer.getvalue().encode("cp1252")


def _deterministic_zip(data: bytes) -> bytes:
    """The same ZIP with every entry dated _ZIP_DATE_TIME, so that two runs give the same bytes."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for item in source.infolist():
            info = zipfile.ZipInfo(item.filename, date_time=_ZIP_DATE_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = item.external_attr
            target.writestr(info, source.read(item.filename))
    return out.getvalue()


def _internal_bytes(data: DemoData) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Formations"
    sheet.append(list(INTERNAL_HEADER))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    date_columns = {INTERNAL_HEADER.index(h) + 1 for h in INTERNAL_HEADER if h.startswith("Date")}
    for r in data.records:
        sheet.append(
            [
                r.matricule,
                r.nir or None,
                r.birth_name,
                r.usage_name or None,
                r.first_name,
                r.siret,
                r.site,
                r.service,
                r.title,
                r.type_label,
                r.category,
                r.organisme or None,
                r.organisme_siret or None,
                "oui" if r.internal else "non",
                r.proof,
                r.start,
                r.end,
                r.validity_start,
                r.validity_end,
                r.session,
            ]
        )
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            if cell.column in date_columns and cell.value is not None:
                cell.number_format = "DD/MM/YYYY"
    for letter, width in zip(
        "ABCDEFGHIJKLMNOPQRST",
        (10, 17, 16, 16, 14, 16, 14, 22, 60, 22, 10, 32, 16, 8, 10, 12, 12, 12, 12, 14),
        strict=True,
    ):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "A2"
    workbook.properties.creator = "Démonstration Passeport de prévention"
    workbook.properties.created = _FIXED_TIMESTAMP
    workbook.properties.modified = _FIXED_TIMESTAMP
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(workbook, archive).save()
    return _deterministic_zip(buffer.getvalue())


def _toml_text(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _employer_toml(data: DemoData) -> bytes:
    lines = [
        "# Employeur fictif de la démonstration (données générées par python -m lib.fakes.demo).",
        f"nom = {_toml_text(data.employer_name)}",
        f"siren = {_toml_text(data.siren)}",
    ]
    for est in data.establishments:
        lines += [
            "",
            "[[etablissements]]",
            f"siret = {_toml_text(est.siret)}",
            f"nom = {_toml_text(est.name)}",
            f"site = {_toml_text(est.site)}",
        ]
    return ("\n".join(lines) + "\n").encode("utf-8")


def _manifest_toml(files: Sequence[OfFile], data: DemoData | None = None) -> bytes:
    lines = [
        "# Jeu de démonstration : ce qui est chargé, et quand chaque fichier d'OF a été reçu.",
        f"demo_today = {DEMO_TODAY.isoformat()}",
        f"rule_set = {_toml_text(DEFAULT_RULE_SET)}",
        'employer = "employeur.toml"',
        'roster = "salaries.csv"',
        'internal = "formations.xlsx"',
    ]
    for f in files:
        lines += [
            "",
            "[[of_files]]",
            f"file = {_toml_text(f.path)}",
            f"kind = {_toml_text(f.provider.proof)}",
            f"organisme = {_toml_text(f.provider.name)}",
            f"organisme_siret = {_toml_text(f.provider.siret)}",
            f"received_on = {f.received_on.isoformat()}",
        ]
    if data is not None and data.corrections:
        ids = partner_ids(data)
        names = {p.key: p.name for p in data.providers}
        lines += ["", "# Corrections demandées par l'employeur (rejouées dans la base : lib/fakes/demo_store.py)."]
        for c in data.corrections:
            line = data.lines[c.line]
            lines += [
                "",
                "[[corrections]]",
                f"organisme = {_toml_text(names[line.provider])}",
                f"id_unique_partenaire = {_toml_text(ids[c.line])}",
                f"requested_on = {c.requested_on.isoformat()}",
                f"reason = {_toml_text(c.reason)}",
                f"situation = {_toml_text(c.situation)}",
            ]
            if c.answered_on is not None:
                lines.append(f"answered_on = {c.answered_on.isoformat()}")
    return ("\n".join(lines) + "\n").encode("utf-8")


# --- what the demo illustrates (README) ----------------------------------------------------------------


@dataclass(frozen=True)
class Situation:
    """One situation the demo contains at DEMO_TODAY: a stable code, a French label, a count, examples."""

    code: str
    label: str
    unit: str
    count: int
    examples: tuple[str, ...]


def _situation(code: str, label: str, unit: str, items: Sequence[str]) -> Situation:
    unique = sorted(set(items))
    return Situation(code, label, unit, len(items), tuple(unique[:4]))


def _record_deadlines(rules: RuleSet, r: InternalRecord) -> Deadlines:
    return compute_deadlines(rules, r.proof, training_end=r.end, validity_start=r.validity_start, category=r.category)


def demo_situations(data: DemoData, today: date = DEMO_TODAY) -> list[Situation]:
    """The situations the generator placed, counted from its own links between lines and records."""
    rules = load_rule_set(DEFAULT_RULE_SET)
    # « OF en retard » needs an OF deadline before the carence's entry into force (09/07/2026): only the
    # published text gives one (30/06/2026); the README shows it under that rule set, named.
    published = load_rule_set(_PUBLISHED_RULE_SET)
    providers = {p.key: p for p in data.providers}
    sessions = {s.reference: s for s in data.sessions}
    employer_sirets = {e.siret for e in data.establishments}
    declared = {ln.record for ln in data.lines if ln.record is not None}

    matricules = {e.nir[:13]: e.matricule for e in data.employees if e.nir}
    records = {(r.session, r.matricule): r for r in data.records}
    corrections = {data.lines[c.line].record: c for c in data.corrections if data.lines[c.line].record is not None}

    def line_label(ln: OfLine) -> str:
        who = matricules.get(ln.nir13, f"NIR {mask_nir(ln.nir13)}")
        return f"{who} – {ln.declaration} ({providers[ln.provider].name}, reçue le {_french(ln.received_on)})"

    def record_label(r: InternalRecord) -> str:
        return f"{r.matricule} – {r.type_label} du {_french(r.end)} ({r.session})"

    by_code: dict[str, list[str]] = defaultdict(list)
    asked_lines = {c.line for c in data.corrections}
    for index, ln in enumerate(data.lines):
        if not (ln.presence and ln.siret in employer_sirets):
            by_code["presence_non" if not ln.presence else "other"].append(line_label(ln))
            continue
        p = providers[ln.provider]
        d = compute_deadlines(
            rules,
            p.proof,
            training_end=ln.end,
            validity_start=ln.validity_start,
            category=sessions[ln.session].ttype.category,
        )
        by_code["of_late" if ln.received_on > d.of_deadline else "of_on_time"].append(line_label(ln))
        if index in asked_lines:  # on the correction path (see expected_correction_*), no longer « à vérifier »
            by_code["verification_correction_requested"].append(line_label(ln))
        else:
            by_code[verification_status(d, last_action=None, today=today).code].append(line_label(ln))
        for tag in ln.tags:
            by_code[tag].append(line_label(ln))
        if ln.record is not None and ln.title != records[ln.record].title:
            by_code["intitule_casse_accents"].append(line_label(ln))
        if ln.record is None and "inattendue_nir_inconnu" not in ln.tags:
            by_code["unexpected_known_nir"].append(line_label(ln))

    for r in data.records:
        key = (r.session, r.matricule)
        d = _record_deadlines(rules, r)
        if r.internal:
            status = internal_status(d, declared=False, today=today)
            code = f"internal_{status.code}"
            if status.code == "not_mandatory":
                code += "_before" if d.reference_date < rules.employer_obligation_start else "_category"
            label = record_label(r)
            if status.due_on is not None:
                label += f" → {_french(status.due_on)}"
            by_code[code].append(label)
            if status.code == "to_declare" and not r.nir:
                by_code["internal_missing_nir"].append(record_label(r))
        else:
            correction = corrections.get(key)
            status = expected_status(
                d,
                declared_by_of=key in declared,
                declared_in_carence=False,
                today=today,
                scope_from=employer_scope_from(rules, d.reference_date, r.category),
                correction_requested_on=None if correction is None else correction.requested_on,
                correction_answered=(
                    correction is not None and correction.answered_on is not None and correction.answered_on <= today
                ),
            )
            label = record_label(r)
            if correction is not None:
                label += f", correction demandée le {_french(correction.requested_on)}"
            by_code[f"expected_{status.code}"].append(label)
            earlier = expected_status(
                _record_deadlines(published, r), declared_by_of=key in declared, declared_in_carence=False,
                today=_OF_LATE_DAY,
            )  # fmt: skip
            if earlier.code == "of_late":
                by_code["expected_of_late_earlier"].append(record_label(r))
        if r.category is None:
            by_code["unknown_category"].append(record_label(r))
        validity = validity_status(r.validity_end, today=today, horizon_days=_VALIDITY_HORIZON_DAYS).code
        if validity == "no_expiry" and r.type_label in _LABELS_WITH_DURATION:
            validity = "no_expiry_recommended"
        by_code[f"validity_{validity}"].append(record_label(r))
        if "oubli_of" in data.tags.get(key, ()):
            by_code["oubli_of"].append(record_label(r))
    for e in data.employees:
        if e.exit is not None:
            by_code["employees_left"].append(f"{e.matricule} (sorti le {_french(e.exit)})")

    return [_situation(code, label, unit, by_code.get(code, [])) for code, label, unit in _SITUATIONS]


_OF_LATE_DAY = date(2026, 7, 1)  # between the 30/06/2026 OF deadline and the carence opening (09/07/2026)
_PUBLISHED_RULE_SET = "decret-2025-748"

_LABELS_WITH_DURATION: frozenset[str] = frozenset(t.type_label for t in CATALOGUE if t.validity_months)

_SITUATIONS: tuple[tuple[str, str, str], ...] = (
    ("of_on_time", "Déclaration d'OF reçue à temps (reçue au plus tard à l'échéance de l'OF)", "lignes"),
    ("of_late", "Déclaration d'OF reçue en retard (reçue après l'échéance de l'OF)", "lignes"),
    ("to_verify", "Déclaration « à vérifier » (échéance de vérification non passée)", "lignes"),
    ("deemed_verified", "Déclaration « réputée vérifiée » (échéance de vérification passée)", "lignes"),
    (
        "presence_non",
        "Ligne PRESENCE_EMPLOYEUR = NON (ancien salarié formé à titre personnel : pour information)",
        "lignes",
    ),
    (
        "unexpected_known_nir",
        "Déclaration inattendue : salarié connu, aucun enregistrement RH correspondant",
        "lignes",
    ),
    (
        "inattendue_sans_enregistrement",
        "… dont salarié déclaré par l'OF mais absent de la session côté RH",
        "lignes",
    ),
    (
        "autre_session",
        "… dont date de fin décalée de plus de 3 jours (autre session ?) ; l'enregistrement RH reste sans déclaration",
        "lignes",
    ),
    (
        "inattendue_nir_inconnu",
        "Déclaration inattendue : NIR absent du registre du personnel (intérimaire)",
        "lignes",
    ),
    (
        "ecart_date_tolerance",
        "Écart : date de fin décalée de 1 à 2 jours (dans la tolérance de 3 jours)",
        "lignes",
    ),
    ("ecart_nom", "Écart : nom du titulaire = nom d'usage au lieu du nom de naissance", "lignes"),
    ("ecart_siret", "Écart : SIRET d'un autre établissement de l'employeur", "lignes"),
    ("ecart_validite", "Écart : date de fin de validité différente", "lignes"),
    (
        "intitule_casse_accents",
        "Intitulé différent seulement par les accents ou la casse (doit correspondre)",
        "lignes",
    ),
    ("expected_declared_by_of", "Formation achetée : « déclarée par l'OF »", "enregistrements"),
    (
        "expected_awaiting_of",
        "Formation achetée : « en attente de l'OF » (échéance de l'OF non passée)",
        "enregistrements",
    ),
    (
        "expected_carence_due",
        "Formation achetée : « carence à déclarer » (l'OF n'a pas déclaré à temps)",
        "enregistrements",
    ),
    ("expected_carence_overdue", "Formation achetée : « carence en retard »", "enregistrements"),
    (
        "expected_not_mandatory",
        "Formation achetée : « non obligatoire » (avant le 01/09/2025, ou catégorie 3-4 avant le 01/07/2026)",
        "enregistrements",
    ),
    ("oubli_of", "… dont stagiaire oublié par l'OF dans une session qu'il a déclarée", "enregistrements"),
    (
        "expected_correction_not_made",
        "Formation achetée : « correction non faite » (correction demandée, l'OF n'a pas corrigé et la fenêtre "
        "de carence est ouverte, ou la demande a suivi l'échéance de l'OF) : carence à déclarer avec les valeurs "
        "de l'employeur, page Carence",
        "enregistrements",
    ),
    (
        "expected_corrected_by_of",
        "Formation achetée : « corrigée par l'OF » (un fichier ultérieur de l'OF a renvoyé la ligne corrigée)",
        "enregistrements",
    ),
    (
        "expected_outside_employer_scope",
        "Formation achetée : « non obligatoire (catégorie 3–4 avant le … pour l'employeur) » (correction "
        "demandée, mais la carence n'est pas due : catégorie 3-4 hors du champ de l'employeur)",
        "enregistrements",
    ),
    (
        "expected_of_late_earlier",
        "Au 01/07/2026 avec le jeu de règles « decret-2025-748 » (date de référence et jeu de règles à régler "
        "dans Paramètres) : « OF en retard — carence possible à partir du 09/07/2026 » (échéance de l'OF du "
        "30/06/2026 passée, carence pas encore en vigueur ; avec l'annonce du portail, l'OF a jusqu'au 30/09/2026)",
        "enregistrements",
    ),
    (
        "internal_not_mandatory_before",
        "Formation interne avant le 16/03/2026 : « non obligatoire »",
        "enregistrements",
    ),
    (
        "internal_not_mandatory_category",
        "Formation interne de catégorie 3-4 entre le 16/03/2026 et le 31/12/2026 : « non obligatoire »",
        "enregistrements",
    ),
    ("internal_to_declare", "Formation interne « à déclarer » (avec son échéance)", "enregistrements"),
    ("internal_overdue", "Formation interne « en retard »", "enregistrements"),
    (
        "internal_missing_nir",
        "Formation interne à déclarer sans NIR dans le fichier RH (l'export doit le "
        "signaler, ou le reprendre du registre quand il l'a)",
        "enregistrements",
    ),
    (
        "unknown_category",
        "Catégorie inconnue (vide) : traitée comme obligatoire, signalée",
        "enregistrements",
    ),
    ("validity_expired", "Validité « expirée »", "enregistrements"),
    ("validity_expiring_soon", "Validité « expire bientôt » (dans les 90 jours)", "enregistrements"),
    ("validity_valid", "Validité « valide »", "enregistrements"),
    (
        "validity_no_expiry",
        "« sans échéance » : type sans durée de validité (hauteur, gestes et postures, incendie)",
        "enregistrements",
    ),
    (
        "validity_no_expiry_recommended",
        "« sans échéance » alors qu'une durée est recommandée (proposer une durée)",
        "enregistrements",
    ),
    ("employees_left", "Salarié sorti (date de sortie en 2025-2026)", "salariés"),
)


RULE_SET_LISTS: tuple[tuple[str, str], ...] = (
    ("verification", "Déclarations d'OF à vérifier"),
    ("carence", "Formations achetées (carence)"),
    ("internal", "Déclarations internes"),
)


def rule_set_changes(data: DemoData, other: RuleSet, today: date = DEMO_TODAY) -> dict[str, Counter[tuple[str, str]]]:
    """Per list (RULE_SET_LISTS), how many lines change between the default and `other`, by (status under the
    default, status under `other`): another status, another due date, or other dates while the line is open on
    either side (the rule of lib/sql/rule_set_differences.sql; the demo's correction requests count as in the
    store)."""
    rules = load_rule_set(DEFAULT_RULE_SET)
    providers = {p.key: p for p in data.providers}
    categories = {s.reference: s.ttype.category for s in data.sessions}
    employer_sirets = {e.siret for e in data.establishments}
    declared = {ln.record for ln in data.lines if ln.record is not None}
    changes: dict[str, Counter[tuple[str, str]]] = {code: Counter() for code, _ in RULE_SET_LISTS}

    def count(code: str, a: Status, b: Status, dates_a: tuple[object, ...], dates_b: tuple[object, ...]) -> None:
        still_open = a.due_on is not None or b.due_on is not None
        if a.code != b.code or a.due_on != b.due_on or (still_open and dates_a != dates_b):
            changes[code][(a.label, b.label)] += 1

    asked = {c.line: c for c in data.corrections}
    corrected = {data.lines[c.line].record: c for c in data.corrections if data.lines[c.line].record is not None}
    for index, ln in enumerate(data.lines):
        if not (ln.presence and ln.siret in employer_sirets):
            continue
        p = providers[ln.provider]
        found = [
            compute_deadlines(
                rule_set, p.proof, training_end=ln.end, validity_start=ln.validity_start,
                category=categories[ln.session],
            )
            for rule_set in (rules, other)
        ]  # fmt: skip
        c = asked.get(index)
        a, b = (
            verification_status(
                d,
                last_action=None if c is None else "correction_requested",
                today=today,
                employer_space_opens=rule_set.employer_obligation_start,
                requested_on=None if c is None else c.requested_on,
                correction_answered=c is not None and c.answered_on is not None and c.answered_on <= today,
                scope_from=employer_scope_from(rule_set, d.reference_date, categories[ln.session]),
            )
            for d, rule_set in zip(found, (rules, other), strict=True)
        )
        count("verification", a, b, (found[0].verification_deadline,), (found[1].verification_deadline,))
    for r in data.records:
        found = [_record_deadlines(rule_set, r) for rule_set in (rules, other)]
        if r.internal:
            a, b = (internal_status(d, declared=False, today=today) for d in found)
            count("internal", a, b, (found[0].internal_deadline,), (found[1].internal_deadline,))
        else:
            is_declared = (r.session, r.matricule) in declared
            c = corrected.get((r.session, r.matricule))
            a, b = (
                expected_status(
                    d,
                    declared_by_of=is_declared,
                    declared_in_carence=False,
                    today=today,
                    scope_from=employer_scope_from(rule_set, d.reference_date, r.category),
                    correction_requested_on=None if c is None else c.requested_on,
                    correction_answered=c is not None and c.answered_on is not None and c.answered_on <= today,
                )
                for d, rule_set in zip(found, (rules, other), strict=True)
            )
            count(
                "carence",
                a,
                b,
                (found[0].of_deadline, found[0].carence_opens_on, found[0].carence_deadline),
                (found[1].of_deadline, found[1].carence_opens_on, found[1].carence_deadline),
            )
    return changes


def _table(header: Sequence[str], rows: Iterable[Sequence[object]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return lines


def _provider_rows(data: DemoData, today: date) -> list[tuple[object, ...]]:
    """Per OF: its files, its lines on time or late, and what the employer still waits for."""
    rules = load_rule_set(DEFAULT_RULE_SET)
    employer_sirets = {e.siret for e in data.establishments}
    categories = {s.reference: s.ttype.category for s in data.sessions}
    declared = {ln.record for ln in data.lines if ln.record is not None}
    rows: list[tuple[object, ...]] = []
    for p in data.providers:
        lines = [ln for ln in data.lines if ln.provider == p.key]
        for_employer = [ln for ln in lines if ln.presence and ln.siret in employer_sirets]
        late = 0
        for ln in for_employer:
            d = compute_deadlines(
                rules, p.proof, training_end=ln.end, validity_start=ln.validity_start,
                category=categories[ln.session],
            )  # fmt: skip
            late += ln.received_on > d.of_deadline
        statuses: Counter[str] = Counter()
        for r in data.records:
            if r.organisme == p.name:
                d = _record_deadlines(rules, r)
                is_declared = (r.session, r.matricule) in declared
                statuses[
                    expected_status(d, declared_by_of=is_declared, declared_in_carence=False, today=today).code
                ] += 1
        types = sorted({s.ttype.type_label for s in data.sessions if s.provider == p.key})
        deposits = sorted({ln.received_on for ln in lines})
        rows.append(
            (p.name, p.proof, ", ".join(types), ", ".join(_french(d) for d in deposits),
             len(for_employer) - late, late, statuses["carence_due"], statuses["awaiting_of"])
        )  # fmt: skip
    return rows


_README_INTRO = """# Données de démonstration

Jeu **entièrement fictif** (noms, NIR, SIRET générés par Faker `fr_FR`, graine fixe {seed}), produit par
`python -m lib.fakes.demo` (module `lib/fakes/demo.py`) : le relancer redonne exactement les mêmes octets. Ne pas
modifier ces fichiers à la main : modifier le générateur, puis régénérer.

Toutes les situations sont décrites **au {today}** (`DEMO_TODAY`), avec le jeu de règles par défaut
`{rule_set}` : le droit en vigueur, décret n° 2026-496 tel que le portail officiel en annonce les effets.
Ce que le décret 2025-748 tel que publié (`{published}`) changerait est compté plus bas (« Ce que change
l'autre jeu de règles »). Chargement dans la base : `python -m lib demo`.

## Fichiers
"""

_README_SITUATIONS = """
## Situations illustrées au {today}

Comptes par ligne des fichiers d'OF ou par enregistrement du fichier RH, avec quelques exemples (matricule et
session `FOR-aaaa-nnnn` = colonne « Référence » du fichier RH, ou `ID_DECLARATION` du fichier d'OF). Le
rapprochement se fait sur le NIR (13 caractères), l'intitulé normalisé (sans accents ni casse) et la date de
fin, à 3 jours près. `tests/test_demo.py` recalcule ces comptes à partir des fichiers eux-mêmes.
"""

_README_CORRECTIONS = """
## Demandes de correction de l'employeur

Rejouées dans la base par `python -m lib demo` (section `[[corrections]]` du manifeste), à leur date. Page
Vérification : statut de la ligne ; page Carence : « correction non faite » (carence à déclarer avec les valeurs
du fichier RH de l'employeur, celles de sa demande). Une demande est close (« corrigée par l'OF ») quand un
fichier de l'OF reçu après elle renvoie la ligne modifiée : ici, le fichier du jour indiqué renvoie la ligne
sous le même ID_UNIQUE_PARTENAIRE, avec les valeurs demandées.
"""

_README_RULES = """
Repères (rules.md §3b, jeu par défaut) : date de référence de septembre à décembre 2025 → échéance de l'OF
30/09/2026, vérification jusqu'au 31/12/2026, carence ouverte depuis le 01/10/2026 ; 1er trimestre 2026 →
30/09/2026 et 31/12/2026 (carence ouverte depuis le 01/10/2026) ; 2e et 3e trimestres 2026 → l'OF a jusqu'au
31/12/2026 ou au 31/03/2027 (en attente). Formations internes : du 16/03 au 31/03/2026 → à déclarer au plus
tard le 31/03/2027 (« avant le 1er avril 2027 » ; autre lecture : 31/12/2026) ; 2e trimestre 2026 →
31/03/2027 ; 3e → 30/06/2027 ; 4e → 30/09/2027 ; catégories 3-4 non obligatoires avant le 01/01/2027 (autre
lecture : à partir du 01/10/2026). Un justificatif de réussite (JDR) part de sa date de début de validité.

## Fiabilité des organismes de formation
"""

_README_PROVIDERS_NOTE = """
« Secours et Prévention … » déclare tout, à temps : c'est l'OF fiable. « … Électricité Formation » dépose
en juillet et en octobre 2026, après les échéances du 30/06 et du 30/09/2026, oublie des sessions entières
et des stagiaires : c'est l'OF peu fiable. « … Sécurité Incendie » écrit intitulés et noms en capitales sans
accents, ce qui ne doit pas empêcher le rapprochement. Les quelques carences chez les OF de catégories 3-4
viennent d'enregistrements RH à catégorie vide, traités comme obligatoires (le choix prudent de rules.md §3).

## Catalogue

Catégories du décret : 1, contenu et évaluation fixés par un texte ; 2, mène à une autorisation ou
habilitation délivrée par l'employeur ; 3, objectif fixé par un texte ; 4, obligation générale de
formation. Le classement est celui de l'employeur fictif. Validités : recommandations de rules.md §6
(fin = début + N mois − 1 jour).
"""

_README_OTHER_RULES = """
## Ce que change l'autre jeu de règles

Les mêmes données lues avec `{published}` (décret 2025-748 tel que publié) au lieu du jeu par défaut : lignes
dont le statut, l'échéance ou les dates (tant que la ligne est ouverte) changent, par liste et par passage
d'un statut à l'autre. Dans l'application : Paramètres → « Ce que changerait l'autre jeu de règles » (mêmes
comptes, calculés par la base, et la liste des lignes) ; page Salarié → « D'où viennent ces échéances ? »
donne les deux dates quand elles diffèrent ; le bandeau en haut de chaque page rappelle le jeu utilisé.
"""

_README_END = """
Codes : ceux du SST et du MAC SST sont les codes officiels ; RS6869 pour le CACES R489 cat. 3 reprend
l'exemple synthétique. Pour les autres formations, les compétences sont des codes qui existent dans le
référentiel ROME 4.0 v460 (les tests le vérifient) ; Formacodes et codes NSF sont **plausibles mais non
vérifiés** (le portail n'accepte que ceux de ses propres listes).

## Limites connues

- Aucun enregistrement RH sans nom de naissance : le lecteur du fichier RH refuse une telle ligne (colonne
  obligatoire) et le jeu doit se charger sans anomalie. L'identité incomplète est illustrée par le NIR :
  deux embauches d'octobre 2026 sans NIR au registre (formées en interne en novembre 2026 : à déclarer,
  l'export les signale), et deux enregistrements internes sans NIR alors que
  le registre l'a.
- Seuls les OF « Secours et Prévention … », « Hauteur et Ergonomie … » et « … Sécurité Incendie »
  déclarent parfois des formations non obligatoires, et jamais après l'échéance qu'elles auraient eue.
"""


def demo_readme(data: DemoData, files: Sequence[OfFile], today: date = DEMO_TODAY) -> str:
    """The French README of data/demo/: what each file is, which people and sessions show which situation."""
    kinds = Counter(f.provider.proof for f in files)
    internal_count = sum(1 for r in data.records if r.internal)
    parts = [
        _README_INTRO.format(
            seed=DEFAULT_SEED, today=_french(today), rule_set=DEFAULT_RULE_SET, published=PUBLISHED_RULE_SET
        )
    ]
    parts += _table(
        ("fichier", "contenu"),
        (
            ("`employeur.toml`",
             f"l'employeur « {data.employer_name} » (SIREN {data.siren}), 3 établissements"),
            ("`salaries.csv`", f"registre du personnel, {len(data.employees)} salariés : export SIRH `;`, "
             "Windows-1252, dates jj/mm/aaaa, en-têtes « N° SS », « SIRET établissement »"),
            ("`formations.xlsx`",
             f"{len(data.records)} enregistrements de formation ({internal_count} internes), "
             "en-têtes exacts du modèle, dates en cellules Excel"),
            ("`of/*.csv`",
             f"{len(files)} fichiers d'OF au format du portail ({kinds['ADF']} ADF, {kinds['JDR']} JDR)"),
            ("`manifest.toml`", "la liste des fichiers ; pour chaque fichier d'OF, l'organisme et la date de "
             "réception `received_on` (après l'échéance de l'OF : déclaration en retard)"),
            ("`catalogue_codes_demo.toml`", "**non produit par ce générateur** : catalogue de codes de "
             "l'entreprise fictive, chargé par `python -m lib demo` (`lib/fakes/demo_store.py`)"),
        ),
    )  # fmt: skip
    parts += ["", "Établissements :", ""]
    parts += _table(("SIRET", "nom", "site"), ((e.siret, e.name, e.site) for e in data.establishments))
    parts += ["", "Fichiers d'OF :", ""]
    parts += _table(
        ("fichier", "type", "organisme", "SIRET de l'OF", "reçu le"),
        ((f"`{f.path}`", f.provider.proof, f.provider.name, f.provider.siret, _french(f.received_on))
         for f in files),
    )  # fmt: skip
    parts.append(_README_SITUATIONS.format(today=_french(today)))
    parts += _table(
        ("code", "situation", "nombre", "exemples"),
        ((f"`{s.code}`", s.label, f"{s.count} {s.unit}", "<br>".join(s.examples) or "—")
         for s in demo_situations(data, today)),
    )  # fmt: skip
    parts.append(_README_CORRECTIONS)
    ids = partner_ids(data)
    names = {p.key: p.name for p in data.providers}
    matricules = {(r.session, r.matricule): r.matricule for r in data.records}
    parts += _table(
        ("situation", "organisme", "ID_UNIQUE_PARTENAIRE", "salarié", "demandée le", "motif", "corrigée le"),
        ((f"`{c.situation}`", names[data.lines[c.line].provider], ids[c.line],
          matricules.get(data.lines[c.line].record or ("", ""), "—"), _french(c.requested_on), c.reason,
          _french(c.answered_on) if c.answered_on else "—")
         for c in data.corrections),
    )  # fmt: skip
    parts.append(_README_RULES)
    parts += _table(
        ("organisme", "justificatif", "formations", "fichiers reçus le", "lignes à temps", "lignes en retard",
         "carences à déclarer", "en attente"),
        _provider_rows(data, today),
    )  # fmt: skip
    parts.append(_README_PROVIDERS_NOTE)
    parts += _table(
        ("type", "intitulé", "cat.", "validité", "certification", "compétences (ROME 4.0)", "Formacode",
         "NSF"),
        ((t.type_label, t.title, t.category, f"{t.validity_months} mois" if t.validity_months else "—",
          t.certification or "non certifiante", t.competences, t.formacodes or "—", t.nsf or "—")
         for t in CATALOGUE),
    )  # fmt: skip
    parts.append(_README_OTHER_RULES.format(published=PUBLISHED_RULE_SET))
    changes = rule_set_changes(data, load_rule_set(PUBLISHED_RULE_SET), today)
    parts += _table(
        ("liste", f"statut avec `{DEFAULT_RULE_SET}`", f"statut avec `{PUBLISHED_RULE_SET}`", "lignes"),
        ((label, a, b, n) for code, label in RULE_SET_LISTS for (a, b), n in sorted(changes[code].items())),
    )
    parts += ["", *(f"- {label} : {sum(changes[code].values())} ligne(s)" for code, label in RULE_SET_LISTS)]
    parts.append(_README_END)
    return "\n".join(parts)


def generate_demo(out_dir: Path, seed: int = DEFAULT_SEED) -> None:
    """Write the demo data set into out_dir (the same bytes for the same seed)."""
    data = build_demo_data(seed)
    files = of_files(data)
    out_dir.mkdir(parents=True, exist_ok=True)
    of_dir = out_dir / "of"
    of_dir.mkdir(exist_ok=True)
    for stale in of_dir.glob("*.csv"):
        stale.unlink()
    for f in files:
        (out_dir / f.path).write_bytes(f.content)
    (out_dir / "employeur.toml").write_bytes(_employer_toml(data))
    (out_dir / "salaries.csv").write_bytes(_roster_bytes(data))
    (out_dir / "formations.xlsx").write_bytes(_internal_bytes(data))
    (out_dir / "manifest.toml").write_bytes(_manifest_toml(files, data))
    (out_dir / "README.md").write_text(demo_readme(data, files), encoding="utf-8", newline="\n")


if __name__ == "__main__":
    generate_demo(DEMO_DIR)
    print(f"Données de démonstration écrites dans {DEMO_DIR}.")
