"""The demo's injected situations: the employer's corrections, new hires and the anomaly injector."""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import date, timedelta

from lib.fakes.demo_model import (
    DEMO_TODAY,
    DemoCorrection,
    DemoData,
    Employee,
    Establishment,
    InternalRecord,
    OfLine,
    Provider,
    Session,
    _add_months,
    _ascii,
    _french,
    _nir,
)
from lib.fakes.demo_people import _holder_name, _is_active, _is_busy, _line_of
from lib.fakes.demo_situations import _record_deadlines
from lib.rules import LATE_SCOPE_CATEGORIES, Deadlines, RuleSet, compute_deadlines
from lib.statuses import employer_scope_from

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
