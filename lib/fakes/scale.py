"""Generator of large, consistent, fake data sets at the portal's limits (roster, HR records, OF files)."""

from __future__ import annotations

import calendar
import itertools
import random
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import BinaryIO

from faker import Faker
from stdnum import luhn

from lib.fakes.scale_jobs import JOBS, SCALE_REQUIREMENTS
from lib.portal import ADF_COLUMNS, JDR_COLUMNS, MAX_FILE_BYTES, MAX_HOLDERS_PER_DECLARATION
from lib.records import INTERNAL_FIELDS, ROSTER_FIELDS

ROSTER_HEADER: tuple[str, ...] = tuple(spec.header_fr for spec in ROSTER_FIELDS)
INTERNAL_HEADER: tuple[str, ...] = tuple(spec.header_fr for spec in INTERNAL_FIELDS)

WINDOW_START = date(2025, 9, 1)
"""The first training end date: the data set covers the trainings of 09/2025 … today."""
DECLARATION_LAG_DAYS = 10
"""Sessions end at least this many days before `today`: the last ones have had time to be declared."""
OF_LINES_PER_EMPLOYEE = 10
ESTABLISHMENTS = 20
SIRENS = 3
PROVIDERS = 30

UNKNOWN_LINE_SHARE = 0.02
"""OF lines for a person, or a training, the employer has no record of."""
UNDECLARED_SESSION_SHARE = 0.03
FORGOTTEN_HOLDER_SHARE = 0.02
"""With the undeclared sessions, about 5 % of the bought records have no OF line (carence)."""
NAME_DISCREPANCY_SHARE = 0.02
"""OF lines whose NOM_TITULAIRE is not the birth name (usage name, or a letter dropped)."""
DATE_DISCREPANCY_SHARE = 0.02
"""Declared sessions whose OF dates are one day later than the HR record's."""
NO_EMPLOYER_SHARE = 0.005
"""OF lines with PRESENCE_EMPLOYEUR = NON (the OF did not fill in the employer)."""
IN_HOUSE_SHARE = 0.12
"""In-house records (« Interne » = oui) per bought record."""

_CHUNK_LINES = 20_000
_MAX_EMPTY_SESSIONS = 10_000
_FIRST_ENTRY = date(1990, 1, 2)
_NO_EXIT = date.max.toordinal()
_FEMALE_SHARE = 0.42
_USAGE_NAME_SHARE = 0.3
_ENTRY_IN_WINDOW_SHARE = 0.12
_EXIT_SHARE = 0.04
_LA_POSTE_SIREN = "356000000"


@dataclass(frozen=True)
class ScaleFiles:
    """What generate_scale wrote: the HR files, the OF files (path, organisme, SIRET), and the sizes."""

    roster: Path
    requirements: Path  # exigences.csv: the employer's required trainings
    internal: tuple[Path, ...]  # formations.csv, formations_2.csv … (each under the import limit)
    of_files: tuple[tuple[Path, str, str], ...]
    establishments: tuple[tuple[str, str, str], ...]  # (siret, name, site)
    adf_lines: int
    jdr_lines: int
    bytes_written: int


@dataclass(frozen=True)
class ScaleTraining:
    """One training of the generator's catalogue, with the short portal codes an OF writes for it."""

    code: str
    title: str
    type_label: str
    category: int
    validity_months: int  # 0: no end of validity
    days: int
    size: tuple[int, int]
    competences: str
    group: str
    weight: float
    nsf: str = "344r"
    formacodes: str = "42829"
    certification: str = ""
    modality: str = "PRESENTIEL"
    jdr_name: str = ""


BOUGHT_TRAININGS: tuple[ScaleTraining, ...] = (
    ScaleTraining("SST", "SST formation initiale", "SST", 1, 24, 2, (6, 10), "115650/400635/114955", "secours", 10),
    ScaleTraining("MACSST", "MAC SST", "MAC SST", 1, 24, 1, (5, 10), "115650/400635/114955", "secours", 12),
    ScaleTraining(
        "R489C1", "CACES R489 cat. 1", "CACES R489", 2, 60, 2, (3, 6), "484039/125180/110468", "conduite", 6, "311u"
    ),
    ScaleTraining(
        "R486B", "CACES R486 cat. B", "CACES R486", 2, 60, 2, (3, 6), "400708/121599/200061", "conduite", 4, "311u"
    ),
    ScaleTraining(
        "HEB0", "Habilitation électrique B0-H0V", "Habilitation électrique", 2, 36, 1, (4, 9),
        "403171/104562/489618", "electricite", 8, "255r",
    ),
    ScaleTraining(
        "HEBS", "Habilitation électrique BS-BE", "Habilitation électrique", 2, 36, 2, (3, 7),
        "403186/104562/489618", "electricite", 4, "255r",
    ),
    ScaleTraining("AIPR", "AIPR opérateur", "AIPR", 2, 60, 1, (3, 6), "403964/103810/108256", "electricite", 3, "231r"),
    ScaleTraining(
        "HAUT", "Travail en hauteur", "Travail en hauteur", 3, 0, 1, (4, 8), "400771/400772/477022", "ergonomie", 5
    ),
    ScaleTraining(
        "GP", "Gestes et postures", "Gestes et postures", 4, 0, 1, (6, 12), "100016/400094/404181", "ergonomie", 10
    ),
    ScaleTraining(
        "PRAP", "PRAP IBC", "PRAP", 3, 24, 2, (5, 10), "300147/118520/100906", "ergonomie", 5, modality="MIXTE"
    ),
    ScaleTraining(
        "EPI", "Équipier de première intervention", "Incendie / EPI", 3, 0, 1, (8, 12), "121832/107093/118846",
        "incendie", 10,
    ),
    ScaleTraining(
        "SENS", "Sensibilisation aux risques (e-learning)", "Sensibilisation", 4, 0, 1, (50, 500),
        "404181/300147/485168", "elearning", 0.35, modality="A_DISTANCE",
    ),
)  # fmt: skip
"""Trainings bought from OFs and declared in ADF files (3 ROME competence codes each, to keep lines short)."""

JDR_TRAINING = ScaleTraining(
    "R489C3", "CACES R489 cat. 3", "CACES R489", 2, 60, 3, (3, 6), "484039/400631/485099", "conduite", 1,
    nsf="", formacodes="", certification="RS6869", jdr_name="CACES R489 catégorie 3",
)  # fmt: skip
"""The certifying training declared with a justificatif de réussite (JDR file) rather than an ADF."""

IN_HOUSE_TRAININGS: tuple[ScaleTraining, ...] = (
    ScaleTraining("ACC", "Accueil sécurité", "Accueil sécurité", 3, 0, 1, (2, 8), "", "interne", 5),
    ScaleTraining("CONS", "Consignes de sécurité du site", "Consignes sécurité", 4, 0, 1, (5, 15), "", "interne", 3),
    BOUGHT_TRAININGS[8],  # Gestes et postures, also taught in-house
    BOUGHT_TRAININGS[10],  # Équipier de première intervention, also taught in-house
)
"""Trainings the employer delivers itself (« Interne » = oui, no organisme, no OF line)."""

_ALL_TRAININGS: tuple[ScaleTraining, ...] = (*BOUGHT_TRAININGS, JDR_TRAINING, *IN_HOUSE_TRAININGS[:2])
_INDEX: dict[str, int] = {t.code: i for i, t in enumerate(_ALL_TRAININGS)}

_PROVIDER_GROUPS: tuple[tuple[str, str], ...] = (
    ("conduite", "Centre de conduite {}"),
    ("secours", "Secours et Prévention {}"),
    ("electricite", "{} Électricité Formation"),
    ("ergonomie", "Ergonomie et Santé {}"),
    ("incendie", "{} Sécurité Incendie"),
    ("multi", "Institut {} Formation"),
    ("secours", "Secours et Prévention {}"),
    ("conduite", "Centre de conduite {}"),
    ("electricite", "{} Électricité Formation"),
    ("ergonomie", "Ergonomie et Santé {}"),
    ("elearning", "Campus Prévention {}"),
)
"""Provider i belongs to _PROVIDER_GROUPS[i % 11]; provider 0 (conduite) also sends the JDR file."""

_QUALIFICATIONS: tuple[str, ...] = (
    "FORMATEUR_D_ADULTES_FORMATION_SPECIALISEE",
    "PREVENTEUR",
    "ANCIEN_PROFESSIONNEL",
    "RESPONSABLE_QHSE",
    "",
)
_SITE_KINDS = ("Siège", "Usine", "Plateforme logistique", "Atelier", "Agence", "Dépôt")
_SERVICES: tuple[str, ...] = ("Production", "Logistique", "Maintenance", "Qualité", "Administration", "Sécurité")
_SERVICE_WEIGHTS: tuple[int, ...] = (40, 25, 12, 8, 10, 5)


# --- small helpers -----------------------------------------------------------------------------------


def _slug(text: str) -> str:
    ascii_text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    cleaned = "".join(c if c.isalnum() else " " for c in ascii_text.lower())
    return "-".join(cleaned.split())


def _siren(rng: random.Random, used: set[str]) -> str:
    while True:
        body = str(rng.randrange(10_000_000, 100_000_000))
        siren = body + luhn.calc_check_digit(body)
        if siren not in used and siren != _LA_POSTE_SIREN:
            used.add(siren)
            return siren


def _siret(siren: str, establishment_number: int) -> str:
    """A SIRET of `siren`: a 4-digit establishment number, then the Luhn key over the 14 digits."""
    body = f"{siren}{establishment_number:04d}"
    return body + luhn.calc_check_digit(body)


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def _unique(draw: Callable[[], str], attempts: int, limit: int = 30) -> list[str]:
    """Distinct values of `draw` (in draw order, so deterministic for a seeded Faker), at most `limit` long."""
    seen: dict[str, None] = {}
    for _ in range(attempts):
        value = draw().strip()
        if value and len(value) <= limit and "|" not in value and ";" not in value and '"' not in value:
            seen.setdefault(value, None)
    return list(seen)


class _Dates:
    """jj/mm/aaaa texts and validity ends of day ordinals, cached: the same few hundred days recur."""

    def __init__(self) -> None:
        self._texts: dict[int, str] = {0: ""}
        self._ends: dict[tuple[int, int], int] = {}

    def text(self, ordinal: int) -> str:
        found = self._texts.get(ordinal)
        if found is None:
            found = date.fromordinal(ordinal).strftime("%d/%m/%Y")
            self._texts[ordinal] = found
        return found

    def validity_end(self, start: int, months: int) -> int:
        """The last valid day (an ordinal), or 0 when the training has no end of validity."""
        if months == 0:
            return 0
        found = self._ends.get((start, months))
        if found is None:
            found = (_add_months(date.fromordinal(start), months) - timedelta(days=1)).toordinal()
            self._ends[(start, months)] = found
        return found


class _Writer:
    """Lines written by chunks to one file (CRLF line ends), counting the bytes."""

    def __init__(self, path: Path, header: str, *, bom: bool) -> None:
        self.path = path
        self._file: BinaryIO = path.open("wb")
        self._lines: list[str] = []
        self.bytes = 0
        if bom:
            self._file.write(b"\xef\xbb\xbf")
            self.bytes += 3
        self.add(header)

    def add(self, line: str) -> None:
        self._lines.append(line)
        if len(self._lines) >= _CHUNK_LINES:
            self._flush()

    def add_block(self, block: bytes) -> None:
        self._flush()
        self._file.write(block)
        self.bytes += len(block)

    def _flush(self) -> None:
        if self._lines:
            data = ("\r\n".join(self._lines) + "\r\n").encode("utf-8")
            self._file.write(data)
            self.bytes += len(data)
            self._lines.clear()

    def close(self) -> int:
        self._flush()
        self._file.close()
        return self.bytes


# --- the people ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Provider:
    name: str
    siret: str
    prefix: str
    group: str
    qualification: str
    writes_reference: bool  # fills REFERENCE_EMPLOYEUR with the employee's matricule


@dataclass(slots=True)
class _People:
    """The roster, column by column (lists indexed by employee): 100k objects would be slower."""

    matricule: list[str] = field(default_factory=list)
    nir: list[str] = field(default_factory=list)
    birth_name: list[str] = field(default_factory=list)
    usage_name: list[str] = field(default_factory=list)
    first_name: list[str] = field(default_factory=list)
    establishment: list[int] = field(default_factory=list)
    service: list[str] = field(default_factory=list)
    entry: list[int] = field(default_factory=list)
    exit: list[int] = field(default_factory=list)


@dataclass(slots=True)
class _Session:
    """One session while generating: its trainees (employee indices), who the OF forgot, the OF's extra lines."""

    number: int
    training: ScaleTraining
    provider: int  # -1: delivered in-house
    establishment: int
    start: int
    end: int
    people: list[int]
    declared: bool
    forgotten: set[int]
    shifted: bool = False
    extras: list[tuple[str, str, int]] = field(default_factory=list)  # (NIR, holder name, employee or -1)

    def holders(self) -> int:
        return len(self.people) - len(self.forgotten) + len(self.extras)


class _NirMaker:
    """Unique, valid 13-character NIRs (sex, year, month, department 01–95 but 20, commune, order)."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self.used: set[str] = set()

    def make(self, female: bool, year: int) -> str:
        rng = self._rng
        while True:
            department = rng.randint(1, 94)
            department += department >= 20  # no « 20 »: Corsica is 2A / 2B
            nir = (
                f"{2 if female else 1}{year % 100:02d}{rng.randint(1, 12):02d}{department:02d}"
                f"{rng.randint(1, 989):03d}{rng.randint(1, 999):03d}"
            )
            if nir not in self.used:
                self.used.add(nir)
                return nir


def _with_key(nir: str) -> str:
    return f"{nir}{97 - int(nir) % 97:02d}"


# --- the generator ------------------------------------------------------------------------------------


class _Generator:
    def __init__(self, employees: int, of_lines: int, seed: int, today: date) -> None:
        self.rng = random.Random(seed)
        self.today = today
        self.first_day = WINDOW_START.toordinal()
        self.last_end = (today - timedelta(days=DECLARATION_LAG_DAYS)).toordinal()
        self.span = self.last_end - self.first_day + 1
        self.employees = employees
        self.of_lines = of_lines
        self.dates = _Dates()
        faker = Faker("fr_FR")
        faker.seed_instance(seed)
        self.last_names = [name.upper() for name in _unique(faker.last_name, 3000)]
        self.female_names = _unique(faker.first_name_female, 2000)
        self.male_names = _unique(faker.first_name_male, 2000)
        cities = _unique(faker.city, 2000)
        self.nirs = _NirMaker(self.rng)
        self.establishments = self._establishments(cities)
        self.providers = self._providers(_unique(faker.last_name, 3000))
        self.people = _People()
        self.pools: list[list[int]] = [[] for _ in self.establishments]
        self.keys: set[int] = set()  # (employee, training, end day): no HR record twice
        self.sessions: list[_Session] = []
        self.partner_numbers: dict[str, int] = {p.prefix: 0 for p in self.providers}

    # establishments and providers

    def _establishments(self, cities: Sequence[str]) -> tuple[tuple[str, str, str], ...]:
        used: set[str] = set()
        sirens = [_siren(self.rng, used) for _ in range(SIRENS)]
        found = []
        for i in range(ESTABLISHMENTS):
            city = cities[i % len(cities)]
            site = city if i < len(cities) else f"{city} {i // len(cities) + 1}"
            siren = sirens[0 if i < ESTABLISHMENTS // 2 else 1 if i < ESTABLISHMENTS * 4 // 5 else 2]
            found.append((_siret(siren, 10 + 11 * i), f"{_SITE_KINDS[i % len(_SITE_KINDS)]} de {site}", site))
        return tuple(found)

    def _providers(self, last_names: Sequence[str]) -> tuple[_Provider, ...]:
        used: set[str] = {siret[:9] for siret, _, _ in self.establishments}
        providers = []
        for i in range(PROVIDERS):
            group, pattern = _PROVIDER_GROUPS[i % len(_PROVIDER_GROUPS)]
            name = pattern.format(last_names[i % len(last_names)])
            siret = _siret(_siren(self.rng, used), self.rng.randrange(1, 100))
            qualification = self.rng.choice(_QUALIFICATIONS)
            providers.append(_Provider(name, siret, f"OF{i + 1:02d}", group, qualification, i % 3 != 2))
        return tuple(providers)

    def _providers_of(self, training: ScaleTraining) -> tuple[list[int], list[float]]:
        chosen = [
            i
            for i, p in enumerate(self.providers)
            if p.group == training.group or (p.group == "multi" and training.group != "elearning")
        ]
        weights = [self.rng.uniform(0.2, 1.0) ** 2 for _ in chosen]
        return chosen, weights

    # people

    def build_people(self) -> None:
        rng = self.rng
        people = self.people
        establishments = range(len(self.establishments))
        cumulated = list(itertools.accumulate(1 / (i + 1) ** 0.7 for i in establishments))
        services = list(itertools.accumulate(_SERVICE_WEIGHTS))
        before_window = (WINDOW_START - timedelta(days=1)).toordinal()
        first_entry = _FIRST_ENTRY.toordinal()
        last_entry = (self.today - timedelta(days=30)).toordinal()
        for i in range(self.employees):
            female = rng.random() < _FEMALE_SHARE
            birth_name = rng.choice(self.last_names)
            usage_name = ""
            if female and rng.random() < _USAGE_NAME_SHARE:
                usage_name = rng.choice(self.last_names)
                if usage_name == birth_name:
                    usage_name = ""
            establishment = rng.choices(establishments, cum_weights=cumulated)[0]
            if rng.random() < _ENTRY_IN_WINDOW_SHARE and last_entry > self.first_day:
                entry = rng.randint(self.first_day, last_entry)
            else:
                entry = rng.randint(first_entry, before_window)
            leaving = _NO_EXIT
            if rng.random() < _EXIT_SHARE:
                earliest = max(entry + 60, self.first_day)
                if earliest < self.today.toordinal():
                    leaving = rng.randint(earliest, self.today.toordinal() - 1)
            people.matricule.append(f"M{i + 1:07d}")
            people.nir.append(self.nirs.make(female, rng.randint(1961, 2006)))
            people.birth_name.append(birth_name)
            people.usage_name.append(usage_name)
            people.first_name.append(rng.choice(self.female_names if female else self.male_names))
            people.establishment.append(establishment)
            people.service.append(rng.choices(_SERVICES, cum_weights=services)[0])
            people.entry.append(entry)
            people.exit.append(leaving)
            self.pools[establishment].append(i)

    def write_roster(self, path: Path) -> int:
        people = self.people
        managers: dict[tuple[int, str], int] = {}
        heads: dict[int, int] = {}
        for i in range(self.employees):
            heads.setdefault(people.establishment[i], i)
            managers.setdefault((people.establishment[i], people.service[i]), i)
        writer = _Writer(path, ";".join(ROSTER_HEADER), bom=True)
        text = self.dates.text
        for i in range(self.employees):
            establishment = people.establishment[i]
            siret, _, site = self.establishments[establishment]
            manager = managers[(establishment, people.service[i])]
            if manager == i:
                manager = heads[establishment]
            manager_name = "" if manager == i else f"{people.first_name[manager]} {self._name(manager)}"
            leaving = people.exit[i]
            jobs = JOBS[people.service[i]]
            job = jobs[i % len(jobs)]
            writer.add(
                f"{people.matricule[i]};{_with_key(people.nir[i])};{people.birth_name[i]};{people.usage_name[i]};"
                f"{people.first_name[i]};{siret};{site};{people.service[i]};{job};{manager_name};"
                f"{text(people.entry[i])};{'' if leaving == _NO_EXIT else text(leaving)}"
            )
        return writer.close()

    def _name(self, employee: int) -> str:
        return self.people.usage_name[employee] or self.people.birth_name[employee]

    # sessions

    def _end_day(self, training: ScaleTraining) -> int:
        end = self.rng.randint(self.first_day + training.days, self.last_end)
        weekday = date.fromordinal(end).weekday()
        return end - max(0, weekday - 4)  # sessions end on a working day

    def _candidates(self, training: ScaleTraining, establishment: int, start: int, end: int) -> list[int]:
        pool = self.pools[establishment]
        size = min(self.rng.randint(*training.size), len(pool))
        people = self.people
        index = _INDEX[training.code]
        chosen = []
        for employee in self.rng.sample(pool, size):
            key = (employee * len(_ALL_TRAININGS) + index) * self.span + end - self.first_day
            if people.entry[employee] <= start and people.exit[employee] >= end and key not in self.keys:
                self.keys.add(key)
                chosen.append(employee)
        return chosen

    def _new_session(self, training: ScaleTraining, provider: int, declared: bool) -> _Session:
        establishment = self.people.establishment[self.rng.randrange(self.employees)]
        end = self._end_day(training)
        start = end - training.days + 1
        people = self._candidates(training, establishment, start, end)
        return _Session(len(self.sessions) + 1, training, provider, establishment, start, end, people, declared, set())

    def _add_sessions(
        self, trainings: Sequence[ScaleTraining], target: int, *, provider_of: Callable[[ScaleTraining], int], of: bool
    ) -> int:
        """Sessions until `target` holders are declared (`of`) or `target` records exist (in-house); the count."""
        rng = self.rng
        weights = [t.weight for t in trainings]
        remaining = target
        empty = 0
        while remaining > 0:
            training = rng.choices(trainings, weights)[0]
            declared = of and rng.random() >= UNDECLARED_SESSION_SHARE
            session = self._new_session(training, provider_of(training), declared)
            if not session.people:
                empty += 1
                if empty > _MAX_EMPTY_SESSIONS:
                    raise ValueError(
                        f"Impossible de placer {target} lignes pour {self.employees} salariés : "
                        "trop de formations par salarié sur la période."
                    )
                continue
            empty = 0
            kept = []
            for employee in session.people:
                if remaining == 0:
                    break
                kept.append(employee)
                if declared and rng.random() < FORGOTTEN_HOLDER_SHARE:
                    session.forgotten.add(employee)
                elif declared or not of:
                    remaining -= 1
            session.people = kept
            session.shifted = declared and rng.random() < DATE_DISCREPANCY_SHARE
            self.sessions.append(session)
        return target

    def build_sessions(self, jdr_lines: int) -> int:
        """Every session; the number of unknown OF lines added to the declared ones."""
        rng = self.rng
        unknown = round(self.of_lines * UNKNOWN_LINE_SHARE)
        choosers = {t.code: self._providers_of(t) for t in BOUGHT_TRAININGS}

        def provider_of(training: ScaleTraining) -> int:
            chosen, weights = choosers[training.code]
            return rng.choices(chosen, weights)[0]

        self._add_sessions(BOUGHT_TRAININGS, self.of_lines - unknown, provider_of=provider_of, of=True)
        bought = sum(len(s.people) for s in self.sessions)
        self._add_sessions((JDR_TRAINING,), jdr_lines, provider_of=lambda _: 0, of=True)
        self._add_sessions(IN_HOUSE_TRAININGS, round(bought * IN_HOUSE_SHARE), provider_of=lambda _: -1, of=False)
        declared = [s for s in self.sessions if s.declared and s.training is not JDR_TRAINING]
        for _ in range(unknown):
            self._add_unknown_line(declared)
        return unknown

    def _add_unknown_line(self, declared: Sequence[_Session]) -> None:
        """One OF line the employer cannot match: someone it does not employ, or an employee without record."""
        rng = self.rng
        session = rng.choice(declared)
        while session.holders() >= MAX_HOLDERS_PER_DECLARATION:
            session = rng.choice(declared)
        if rng.random() < 0.5:
            pool = self.pools[session.establishment]
            present = set(session.people).union(e for _, _, e in session.extras)
            index = _INDEX[session.training.code]
            for _ in range(5):
                employee = rng.choice(pool)
                key = (employee * len(_ALL_TRAININGS) + index) * self.span + session.end - self.first_day
                if employee not in present and key not in self.keys:
                    self.keys.add(key)
                    nir = self.people.nir[employee]
                    session.extras.append((nir, self.people.birth_name[employee], employee))
                    return
        female = rng.random() < _FEMALE_SHARE
        nir = self.nirs.make(female, rng.randint(1961, 2006))
        session.extras.append((nir, rng.choice(self.last_names), -1))

    # files

    def write_internal(self, folder: Path, max_file_bytes: int) -> tuple[list[Path], int]:
        """The HR training records (formations.csv, then formations_2.csv … past `max_file_bytes`, the
        importer's own limit): the paths and the bytes written."""
        people = self.people
        dates = self.dates
        text = dates.text
        header = ";".join(INTERNAL_HEADER)
        paths: list[Path] = []
        size = 0
        writer: _Writer | None = None
        for session in sorted(self.sessions, key=lambda s: (s.end, s.number)):
            training = session.training
            siret, _, site = self.establishments[session.establishment]
            if session.provider < 0:
                organisme, organisme_siret, internal = "", "", "oui"
            else:
                provider = self.providers[session.provider]
                organisme, organisme_siret, internal = provider.name, provider.siret, "non"
            proof = "JDR" if training is JDR_TRAINING else "ADF"
            end = text(session.end)
            validity_end = text(dates.validity_end(session.end, training.validity_months))
            tail = (
                f"{training.title};{training.type_label};{training.category};{organisme};{organisme_siret};"
                f"{internal};{proof};{text(session.start)};{end};{end};{validity_end};S{session.number:07d}"
            )
            block = "".join(
                f"{people.matricule[e]};{people.nir[e]};{people.birth_name[e]};{people.usage_name[e]};"
                f"{people.first_name[e]};{siret};{site};{people.service[e]};{tail}\r\n"
                for e in session.people
            ).encode("utf-8")
            if writer is not None and writer.bytes + len(block) > max_file_bytes:
                size += writer.close()
                writer = None
            if writer is None:
                part = f"_{len(paths) + 1}" if paths else ""
                writer = _Writer(folder / f"formations{part}.csv", header, bom=True)
                paths.append(writer.path)
            writer.add_block(block)
        if writer is None:  # no session at all: the header alone
            writer = _Writer(folder / "formations.csv", header, bom=True)
            paths.append(writer.path)
        return paths, size + writer.close()

    def _holder_name(self, employee: int) -> str:
        birth_name = self.people.birth_name[employee]
        if self.rng.random() >= NAME_DISCREPANCY_SHARE:
            return birth_name
        usage_name = self.people.usage_name[employee]
        if usage_name:
            return usage_name
        if len(birth_name) <= 3:
            return birth_name + "E"
        cut = self.rng.randrange(1, len(birth_name) - 1)  # a letter dropped, never the first nor the last
        return birth_name[:cut] + birth_name[cut + 1 :]

    def _holder_lines(
        self, session: _Session, provider: _Provider, head: str, middle: str, tail: str, *, jdr: bool
    ) -> list[str]:
        """Each holder's line: `head`, ID_UNIQUE_PARTENAIRE, `middle`, the holder's columns, `tail` (validity)."""
        rng = self.rng
        people = self.people
        siret = self.establishments[session.establishment][0]
        lines = []
        holders = [(people.nir[e], self._holder_name(e), e) for e in session.people if e not in session.forgotten]
        for nir, name, employee in (*holders, *session.extras):
            self.partner_numbers[provider.prefix] += 1
            number = self.partner_numbers[provider.prefix]
            if rng.random() < NO_EMPLOYER_SHARE:
                employer = "NON||"
            else:
                reference = people.matricule[employee] if provider.writes_reference and employee >= 0 else ""
                employer = f"OUI|{siret}|{reference}"
            line = f"{head}{provider.prefix}-{number:07d}|{middle}|{nir}|{name}|{employer}|{tail}"
            lines.append(f"{line}|Admis|||{provider.prefix}-C{number:07d}" if jdr else line)
        return lines

    def write_of_files(self, folder: Path, max_file_bytes: int) -> list[tuple[Path, str, str, str, int]]:
        """One ADF file per OF (split when it would pass `max_file_bytes`), then the JDR file: (path, OF, SIRET,
        kind, lines)."""
        folder.mkdir(parents=True, exist_ok=True)
        by_provider: dict[int, list[_Session]] = {}
        for session in self.sessions:
            if session.declared and session.training is not JDR_TRAINING:
                by_provider.setdefault(session.provider, []).append(session)
        written: list[tuple[Path, str, str, str, int]] = []
        for index, provider in enumerate(self.providers):
            sessions = sorted(by_provider.get(index, ()), key=lambda s: (s.end, s.number))
            if sessions:
                written.extend(self._write_provider(folder, provider, sessions, "ADF", max_file_bytes))
        jdr = sorted(
            (s for s in self.sessions if s.declared and s.training is JDR_TRAINING), key=lambda s: (s.end, s.number)
        )
        if jdr:
            written.extend(self._write_provider(folder, self.providers[0], jdr, "JDR", max_file_bytes))
        return written

    def _training_columns(self, session: _Session, provider: _Provider, kind: str) -> tuple[str, str, int]:
        """The session's REFERENCE_DECLARATION, its training columns (NOM_FORMATION … SPECIALITE_FORMATION) and
        the OF's end day (one day late in a session with a date discrepancy)."""
        training = session.training
        shift = 1 if session.shifted else 0
        start, end = session.start + shift, session.end + shift
        text = self.dates.text
        site = self.establishments[session.establishment][2]
        reference = f"{training.code} {text(end)[3:]} {site}"
        certifying = "OUI" if training.certification else "NON"
        competences = f"{training.competences}|" if kind == "ADF" else ""
        columns = (
            f"{training.title}|{text(start)}|{text(end)}|{training.modality}|{competences}"
            f"{provider.qualification}|{certifying}|{training.certification}|{training.formacodes}|{training.nsf}"
        )
        return reference, columns, end

    def _write_provider(
        self, folder: Path, provider: _Provider, sessions: Sequence[_Session], kind: str, max_file_bytes: int
    ) -> list[tuple[Path, str, str, str, int]]:
        header = "|".join(ADF_COLUMNS if kind == "ADF" else JDR_COLUMNS)
        stem = f"{_slug(provider.name)}_{kind}_{self.today:%Y%m%d}"
        files: list[tuple[Path, str, str, str, int]] = []
        writer: _Writer | None = None
        lines_in_file = 0
        declaration = 0
        text = self.dates.text
        for session in sessions:
            training = session.training
            reference, columns, end = self._training_columns(session, provider, kind)
            declaration += 1
            validity = f"{text(end)}|{text(self.dates.validity_end(end, training.validity_months))}"
            if kind == "ADF":
                head = f"{provider.prefix}-{declaration:06d}|{reference}|"
                lines = self._holder_lines(session, provider, head, columns, validity, jdr=False)
            else:
                head = f"{provider.prefix}-J{declaration:06d}|{reference}|"
                middle = f"CERTIFICAT|{training.jdr_name}||PAR_ADMISSION|{training.competences}|OUI|{columns}"
                lines = self._holder_lines(session, provider, head, middle, validity, jdr=True)
            if not lines:
                continue
            block = ("\r\n".join(lines) + "\r\n").encode("utf-8")
            if writer is not None and writer.bytes + len(block) > max_file_bytes:
                files.append((writer.path, provider.name, provider.siret, kind, lines_in_file))
                writer.close()
                writer = None
            if writer is None:
                part = f"_{len(files) + 1}" if files else ""
                writer = _Writer(folder / f"{stem}{part}.csv", header, bom=False)
                lines_in_file = 0
            writer.add_block(block)
            lines_in_file += len(lines)
        if writer is not None:
            files.append((writer.path, provider.name, provider.siret, kind, lines_in_file))
            writer.close()
        return files


def generate_scale(
    out_dir: Path,
    *,
    employees: int,
    of_lines: int | None = None,
    seed: int = 2026,
    today: date = date(2026, 11, 23),
    max_file_bytes: int = MAX_FILE_BYTES,
) -> ScaleFiles:
    """Write a large fake data set into `out_dir`: salaries.csv, formations*.csv and of/*.csv.

    `employees` people over 20 establishments; `of_lines` ADF holder lines (default 10 per employee) split
    into one file per OF (never more than `max_file_bytes`), plus one JDR file. The HR records are derived
    from the OF lines so that the data stay consistent: about 98 % of the OF lines match a record (same
    NIR, title and end date, a few with a name or a one-day date discrepancy), about 5 % of the bought
    records have no OF line (carence), and 12 % more records are in-house trainings. Hence there are about
    `of_lines / employees` records per employee. Same arguments, same bytes.
    """
    if employees < 1:
        raise ValueError("Le nombre de salariés doit être au moins 1.")
    lines = OF_LINES_PER_EMPLOYEE * employees if of_lines is None else of_lines
    if lines < 1:
        raise ValueError("Le nombre de lignes d'organismes de formation doit être au moins 1.")
    if today - timedelta(days=DECLARATION_LAG_DAYS) < WINDOW_START + timedelta(days=30):
        raise ValueError(f"La date du jour doit être postérieure au {WINDOW_START + timedelta(days=40):%d/%m/%Y}.")
    jdr_lines = min(5000, max(12, lines // 250))
    generator = _Generator(employees, lines, seed, today)
    out_dir.mkdir(parents=True, exist_ok=True)
    generator.build_people()
    roster = out_dir / "salaries.csv"
    size = generator.write_roster(roster)
    (out_dir / "exigences.csv").write_bytes(b"\xef\xbb\xbf" + SCALE_REQUIREMENTS.encode("utf-8"))
    generator.build_sessions(jdr_lines)
    internal, internal_bytes = generator.write_internal(out_dir, max_file_bytes)
    size += internal_bytes
    written = generator.write_of_files(out_dir / "of", max_file_bytes)
    size += sum(path.stat().st_size for path, _, _, _, _ in written)
    return ScaleFiles(
        roster=roster,
        requirements=out_dir / "exigences.csv",
        internal=tuple(internal),
        of_files=tuple((path, name, siret) for path, name, siret, _, _ in written),
        establishments=generator.establishments,
        adf_lines=sum(count for _, _, _, kind, count in written if kind == "ADF"),
        jdr_lines=sum(count for _, _, _, kind, count in written if kind == "JDR"),
        bytes_written=size,
    )
