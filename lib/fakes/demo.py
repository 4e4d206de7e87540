"""Deterministic generator of the demo data set (data/demo/): fake employer, roster, trainings, OF files.

Everything is fake (Faker fr_FR, fixed seed) and meant to be read at DEMO_TODAY with the default rule set:
the sessions, declaration dates and injected anomalies are placed so that every situation of rules.md §5
(and every kind of discrepancy the reconciliation looks for) occurs. Regenerate with `python -m lib.fakes.demo`.

This module builds the data (build_demo_data) and writes the files (generate_demo); the parts live in sibling
modules of one purpose each: demo_model (constants, catalogue, dataclasses, helpers), demo_people (employer,
people, providers, sessions, OF declarations), demo_anomalies (injected anomalies, corrections), demo_files
(the files' bytes), demo_situations (situations, rule-set changes), demo_readme. Their public names are
re-exported here.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import replace
from pathlib import Path

from faker import Faker

from lib.fakes.demo_anomalies import _Injector, _planned_corrections, _with_new_hires
from lib.fakes.demo_files import (
    OfFile,
    _employer_toml,
    _internal_bytes,
    _managers_bytes,
    _manifest_toml,
    _requirements_bytes,
    _roster_bytes,
    of_files,
    partner_ids,
)
from lib.fakes.demo_model import (
    CATALOGUE,
    DEFAULT_SEED,
    DEMO_DIR,
    DEMO_TODAY,
    HEADCOUNT,
    INTERNAL_HEADER,
    ROSTER_HEADER,
    DemoCorrection,
    DemoData,
    Employee,
    Establishment,
    InternalRecord,
    OfLine,
    Proof,
    Provider,
    Session,
    TrainingType,
)
from lib.fakes.demo_people import (
    _SCRIPTED,
    _declared_on,
    _employees,
    _employer,
    _fill_sessions,
    _line_of,
    _providers,
    _record_of,
    _session_shells,
)
from lib.fakes.demo_readme import demo_readme
from lib.fakes.demo_situations import RULE_SET_LISTS, Situation, demo_situations, rule_set_changes
from lib.rules import DEFAULT_RULE_SET, load_rule_set

__all__ = [
    "CATALOGUE",
    "DEFAULT_SEED",
    "DEMO_DIR",
    "DEMO_TODAY",
    "DemoCorrection",
    "DemoData",
    "Employee",
    "Establishment",
    "HEADCOUNT",
    "INTERNAL_HEADER",
    "InternalRecord",
    "OfFile",
    "OfLine",
    "Proof",
    "Provider",
    "ROSTER_HEADER",
    "RULE_SET_LISTS",
    "Session",
    "Situation",
    "TrainingType",
    "build_demo_data",
    "demo_readme",
    "demo_situations",
    "generate_demo",
    "of_files",
    "partner_ids",
    "rule_set_changes",
]


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
    (out_dir / "exigences.csv").write_bytes(_requirements_bytes())
    (out_dir / "responsables.csv").write_bytes(_managers_bytes(data))
    (out_dir / "manifest.toml").write_bytes(_manifest_toml(files, data))
    (out_dir / "README.md").write_text(demo_readme(data, files), encoding="utf-8", newline="\n")


if __name__ == "__main__":
    generate_demo(DEMO_DIR)
    print(f"Données de démonstration écrites dans {DEMO_DIR}.")
