"""The demo's files: OF portal files, roster CSV, internal XLSX, employer and manifest TOML."""

from __future__ import annotations

import csv
import io
import re
import unicodedata
import zipfile
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

import openpyxl
from openpyxl.styles import Font
from openpyxl.writer.excel import ExcelWriter

from lib.fakes.demo_anomalies import _corrected_line
from lib.fakes.demo_model import (
    _FIXED_TIMESTAMP,
    _MONTHS_FR,
    _ZIP_DATE_TIME,
    DEMO_TODAY,
    INTERNAL_HEADER,
    ROSTER_HEADER,
    DemoData,
    OfLine,
    Provider,
    _french,
)
from lib.portal import write_portal_file
from lib.reminders import SiteManager, managers_csv
from lib.rules import DEFAULT_RULE_SET

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
                e.job,
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
        'requirements = "exigences.csv"',
        'site_managers = "responsables.csv"',
        f"hr_emails = [{_toml_text(DEMO_HR_EMAIL)}]",
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


DEMO_REQUIREMENTS: tuple[tuple[str, str, str, str, str, str, str], ...] = (
    # (poste, service, site, formation requise, intitulé contenant, part minimale, commentaire)
    ("", "Production", "", "PRAP", "", "", "Manutentions répétées sur les lignes"),
    ("", "Logistique", "", "PRAP", "", "", "Port de charges"),
    ("Cariste", "", "", "CACES", "R489", "", "Chariots élévateurs R489"),
    ("", "Maintenance", "", "Habilitation électrique", "BR", "", "Interventions sur installations électriques"),
    ("", "Maintenance", "", "SST", "", "", "Travail isolé en atelier"),
    ("", "Sécurité et services généraux", "", "SSIAP", "", "", "Service de sécurité incendie"),
    ("", "", "", "SST", "", "10 %", "Au moins 10 % de sauveteurs secouristes par site"),
)
"""The demo employer's required trainings (its choices, not the law), one state of « Manquants » each at least."""


def _requirements_bytes() -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(
        ("Poste", "Service", "Site", "Formation requise", "Intitulé contenant", "Part minimale de l'effectif (%)",
         "Commentaire")
    )  # fmt: skip
    writer.writerows(DEMO_REQUIREMENTS)
    return b"\xef\xbb\xbf" + buffer.getvalue().encode("utf-8")


DEMO_HR_EMAIL = "rh@example.org"
"""The demo's HR address for the reminders: example.org is reserved for examples (RFC 2606), nothing reaches it."""


def demo_email(name: str) -> str:
    """« Gérard Masse » → gerard.masse@example.org: a reserved domain, so a demo message reaches nobody."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii").lower()
    return ".".join(re.findall(r"[a-z0-9]+", plain)) + "@example.org"


def _managers_bytes(data: DemoData) -> bytes:
    """Every (site, manager) of the roster with a made-up address: the reminders of the demo have recipients."""
    pairs = sorted({(data.establishments[e.establishment].site, e.manager) for e in data.employees if e.manager})
    return managers_csv(SiteManager(site, manager, demo_email(manager)) for site, manager in pairs)
