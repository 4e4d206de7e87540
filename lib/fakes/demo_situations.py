"""What the demo illustrates: the situations of rules.md §5 and what the other rule set changes."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from lib.fakes.demo_model import (
    _VALIDITY_HORIZON_DAYS,
    CATALOGUE,
    DEMO_TODAY,
    DemoData,
    InternalRecord,
    OfLine,
    _french,
)
from lib.identifiers import mask_nir
from lib.rules import DEFAULT_RULE_SET, Deadlines, RuleSet, compute_deadlines, load_rule_set
from lib.statuses import (
    Status,
    employer_scope_from,
    expected_status,
    internal_status,
    validity_status,
    verification_status,
)

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
