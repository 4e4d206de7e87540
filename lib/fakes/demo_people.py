"""The demo's employer, people, providers and sessions, and what the OFs declare."""

from __future__ import annotations

import calendar
import random
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import replace
from datetime import date, timedelta

from faker import Faker
from stdnum.fr import siret as stdnum_siret

from lib.fakes.demo_model import (
    _DECLARATION_LAG,
    _FIRST_MONTH,
    _LAST_SESSION_END,
    _SERVICES,
    _TYPES,
    DEMO_TODAY,
    HEADCOUNT,
    Employee,
    Establishment,
    InternalRecord,
    OfLine,
    Provider,
    Session,
    _add_business_days,
    _add_months,
    _ascii,
    _cp1252_name,
    _faker_siret,
    _nir,
    _random_date,
    _siret_of,
)
from lib.rules import RuleSet, compute_deadlines

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
    employees = [replace(e, matricule=f"MAT{1001 + i}", job=_job(e.service, i)) for i, e in enumerate(drafts)]
    return _with_managers(employees)


_JOBS: dict[str, tuple[str, ...]] = {
    "Production": ("Opérateur de production", "Opérateur de production", "Conducteur de ligne"),
    "Logistique": ("Cariste", "Préparateur de commandes"),
    "Maintenance": ("Technicien de maintenance", "Électricien de maintenance"),
    "Qualité": ("Technicien qualité",),
    "Administration": ("Assistant administratif", "Comptable"),
    "Sécurité et services généraux": ("Agent de sécurité incendie", "Agent des services généraux"),
}


def _job(service: str, index: int) -> str:
    """The employee's job title, from their service and rank (no draw: the rest of the demo stays the same)."""
    jobs = _JOBS[service]
    return jobs[index % len(jobs)]


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
