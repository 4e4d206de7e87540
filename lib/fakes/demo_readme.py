"""The demo's README (data/demo/README.md), written from the data it describes."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import date

from lib.fakes.demo_files import DEMO_HR_EMAIL, OfFile, partner_ids
from lib.fakes.demo_model import CATALOGUE, DEFAULT_SEED, DEMO_TODAY, DemoData, _french
from lib.fakes.demo_situations import RULE_SET_LISTS, _record_deadlines, demo_situations, rule_set_changes
from lib.rules import DEFAULT_RULE_SET, PUBLISHED_RULE_SET, compute_deadlines, load_rule_set
from lib.statuses import expected_status


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
            ("`exigences.csv`", "les formations que l'employeur fictif exige par poste, service ou site (ses choix, "
             "pas la loi) : PRAP en production et logistique, CACES R489 pour les caristes, habilitation BR et "
             "SST en maintenance, SSIAP à la sécurité, 10 % de SST par site ; chargé dans Paramètres → Formations "
             "requises, il fait apparaître chaque état de l'écran « Manquants »"),
            ("`responsables.csv`", "les responsables de chaque site (colonne « Responsable » du registre) avec "
             "une adresse inventée en `@example.org`, domaine réservé aux exemples : `python -m lib remind "
             "--dry-run DOSSIER` et l'aperçu de Paramètres → Rappels par e-mail montrent les messages, qui "
             f"n'atteindraient personne ; l'adresse RH de la démonstration est `{DEMO_HR_EMAIL}`"),
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
