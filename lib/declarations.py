"""The employer's own portal files (carence and internal declarations), built from its records and checked."""

from __future__ import annotations

import functools
import hashlib
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Literal

from lib import portal
from lib.identifiers import is_valid_siret, nir_problem
from lib.matching import normalized_text
from lib.validity import normalize_title

CATALOGUE_FILE = Path(__file__).resolve().parents[1] / "data" / "catalogue_codes.toml"

ProofKind = Literal["ADF", "JDR"]
Purpose = Literal["carence", "internal"]

LABEL_NIR = "NIR"
LABEL_BIRTH_NAME = "nom de naissance"
LABEL_SIRET = "SIRET de l'établissement"
LABEL_CODES = "codes du portail (Formacode, NSF…)"
LABEL_START = "date de début"
LABEL_END = "date de fin"
LABEL_VALIDITY_START = "date de début de validité"
LABEL_VALIDITY_END = "date de fin de validité"

_PURPOSE_TAG: Mapping[str, str] = {"carence": "CARENCE", "internal": "INTERNE"}
_PURPOSE_FILE: Mapping[str, str] = {"carence": "carence", "internal": "interne"}
_PURPOSE_LABEL: Mapping[str, str] = {"carence": "Carence", "internal": "Formation interne"}
_FORMACODES = re.compile(r"\d{5}(?:/\d{5}){0,4}", re.ASCII)
_NSF_CODES = re.compile(r"\d{3}[a-z]?(?:/\d{3}[a-z]?){0,2}", re.ASCII)
_COMPETENCES = re.compile(r"\d{6}(?:/\d{6}){2,9}", re.ASCII)
_RS_CODE = re.compile(r"RS\d{1,7}", re.ASCII)
_UNSAFE_TEXT = re.compile(r"[\x00-\x1f\x7f-\x9f\ufeff\u2028\u2029\s]+")
_PREFIX = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,99}", re.ASCII)
_SLUG_LENGTH = 30
_HASH_LENGTH = 8


# --- The catalogue of portal codes ---


class CatalogueError(ValueError):
    """A catalogue of codes that cannot be used; the message (French) names the file and the entry."""


@dataclass(frozen=True)
class TrainingCodes:
    """The portal codes that describe one type of training, with where they come from.

    `key` names the entry; it is the training type key of `data/validity_durations.toml`, unless the entry
    covers only part of a type: then `applies_to` names the type and `keywords` the words (normalised as
    `lib.validity.normalize_title` does) one of which the training title must contain.
    """

    key: str
    formation_certifiante: bool
    certification_visee: str
    domaine_formation: str
    specialite_formation: str
    competences: str
    type_jdr: str
    nom_jdr: str
    source: str
    certainty: str = ""
    applies_to: str = ""
    keywords: tuple[str, ...] = ()

    @property
    def training_key(self) -> str:
        return self.applies_to or self.key

    def gaps(self, kind: ProofKind) -> tuple[str, ...]:
        """The portal columns this entry leaves empty although a declaration of `kind` needs them."""
        needed: list[str] = []
        if self.formation_certifiante:
            if not self.certification_visee:
                needed.append("CERTIFICATION_VISEE")
        else:
            if not self.domaine_formation:
                needed.append("DOMAINE_FORMATION")
            if not self.specialite_formation:
                needed.append("SPECIALITE_FORMATION")
        if kind == "JDR":
            if not self.type_jdr:
                needed.append("TYPE_JDR")
            if not self.nom_jdr:
                needed.append("NOM_JDR")
        return tuple(needed)


def _entry_text(entry: Mapping[str, Any], name: str, where: str, *, required: bool) -> str:
    value = entry.get(name, "")
    if not isinstance(value, str):
        raise CatalogueError(f"{where} : « {name} » doit être un texte, reçu {value!r}.")
    value = value.strip()
    if required and not value:
        raise CatalogueError(f"{where} : « {name} » est obligatoire.")
    return value


def _format_problems(codes: TrainingCodes) -> list[str]:
    problems: list[str] = []
    checks = (
        ("certification_visee", codes.certification_visee, _RS_CODE, "un code RS, ex. RS6550"),
        ("domaine_formation", codes.domaine_formation, _FORMACODES, "1 à 5 Formacodes de 5 chiffres"),
        ("specialite_formation", codes.specialite_formation, _NSF_CODES, "1 à 3 codes NSF, ex. 344r"),
        ("competences", codes.competences, _COMPETENCES, "3 à 10 codes ROME de 6 chiffres"),
    )
    for name, value, pattern, hint in checks:
        if value and not pattern.fullmatch(value):
            problems.append(f"« {name} » invalide : « {value} » ({hint}, séparés par « / »)")
    if codes.formation_certifiante and (codes.domaine_formation or codes.specialite_formation):
        problems.append("une formation certifiante n'a ni « domaine_formation » ni « specialite_formation »")
    if not codes.formation_certifiante and codes.certification_visee:
        problems.append("une formation non certifiante n'a pas de « certification_visee »")
    if codes.type_jdr and codes.type_jdr not in portal.TYPE_JDR_VALUES:
        problems.append(
            f"« type_jdr » invalide : « {codes.type_jdr} » (valeurs possibles {', '.join(portal.TYPE_JDR_VALUES)})"
        )
    return problems


def training_codes_from_entry(entry: Mapping[str, Any], where: str) -> TrainingCodes:
    """One catalogue entry (a TOML table, or the same keys from the settings), checked; `where` locates it."""
    certifying = entry.get("formation_certifiante")
    if not isinstance(certifying, bool):
        raise CatalogueError(f"{where} : « formation_certifiante » doit valoir true ou false.")
    keywords = entry.get("keywords", [])
    if not isinstance(keywords, list) or not all(isinstance(word, str) and normalize_title(word) for word in keywords):
        raise CatalogueError(f"{where} : « keywords » doit être une liste de textes non vides.")
    codes = TrainingCodes(
        key=_entry_text(entry, "key", where, required=True),
        formation_certifiante=certifying,
        certification_visee=_entry_text(entry, "certification_visee", where, required=False),
        domaine_formation=_entry_text(entry, "domaine_formation", where, required=False),
        specialite_formation=_entry_text(entry, "specialite_formation", where, required=False),
        competences=_entry_text(entry, "competences", where, required=False),
        type_jdr=_entry_text(entry, "type_jdr", where, required=False),
        nom_jdr=_entry_text(entry, "nom_jdr", where, required=False),
        source=_entry_text(entry, "source", where, required=True),
        certainty=_entry_text(entry, "certainty", where, required=False),
        applies_to=_entry_text(entry, "applies_to", where, required=False),
        keywords=tuple(normalize_title(word) for word in keywords),
    )
    problems = _format_problems(codes)
    if problems:
        raise CatalogueError(f"{where} : {' ; '.join(problems)}.")
    return codes


def parse_code_catalogue(text: str, name: str) -> dict[str, TrainingCodes]:
    """A catalogue written in TOML (`[[codes]]` tables), by entry key, in file order."""
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise CatalogueError(f"Catalogue des codes « {name} » illisible : {error}.") from error
    raw = document.get("codes")
    if not isinstance(raw, list):
        raise CatalogueError(f"Catalogue des codes « {name} » : la liste « codes » est absente.")
    catalogue: dict[str, TrainingCodes] = {}
    for index, entry in enumerate(raw, start=1):
        where = f"Catalogue des codes « {name} », codes[{index}]"
        if not isinstance(entry, dict):
            raise CatalogueError(f"{where} : une table est attendue.")
        codes = training_codes_from_entry(entry, where)
        if codes.key in catalogue:
            raise CatalogueError(f"{where} : la clé « {codes.key} » apparaît deux fois.")
        catalogue[codes.key] = codes
    return catalogue


def load_code_catalogue(
    path: Path = CATALOGUE_FILE, extra: Mapping[str, TrainingCodes] | None = None
) -> dict[str, TrainingCodes]:
    """The catalogue file, overridden and extended by `extra` (the user's own entries, from the settings)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise CatalogueError(f"Catalogue des codes « {path.name} » illisible : {error}.") from error
    catalogue = parse_code_catalogue(text, path.name)
    catalogue.update(extra or {})
    return catalogue


def codes_for(
    catalogue: Mapping[str, TrainingCodes], training_key: str | None, training_title: str
) -> TrainingCodes | None:
    """The entry for a training: one narrowed by keywords found in its title first, else its type's own."""
    if not training_key:
        return None
    padded = f" {normalize_title(training_title)} "
    for codes in catalogue.values():
        if (
            codes.keywords
            and codes.training_key == training_key
            and any(f" {word} " in padded for word in codes.keywords)
        ):
            return codes
    own = catalogue.get(training_key)
    return own if own is not None and not own.keywords else None


# --- Declarations ---


@dataclass(frozen=True)
class DeclarationInput:
    """One training of one employee to declare: an internal record with the roster's identity data."""

    record_id: int
    proof_kind: ProofKind
    matricule: str | None
    nir: str | None
    birth_name: str | None
    first_name: str | None
    training_title: str
    training_key: str | None
    start_date: date | None
    end_date: date
    validity_start: date | None
    validity_end: date | None
    establishment_siret: str | None


@dataclass(frozen=True)
class MissingData:
    """A training that cannot be declared yet, what it lacks (French labels) and what to do, in French."""

    record_id: int
    matricule: str | None
    who: str
    training: str
    missing: tuple[str, ...]
    message: str


@dataclass(frozen=True)
class Assignment:
    """Which identifiers a record was given in a file (to record in the ledger once the file is deposited)."""

    record_id: int
    id_declaration: str
    id_unique_partenaire: str


@dataclass(frozen=True)
class DeclarationFile:
    """One portal file; `assignments[i]` is the record behind `rows[i]` (file line i + 2)."""

    kind: ProofKind
    file_name: str
    rows: tuple[dict[str, str], ...]
    assignments: tuple[Assignment, ...]

    def to_bytes(self) -> bytes:
        return portal.write_portal_file(self.kind, self.rows)


@dataclass(frozen=True)
class DeclarationBatch:
    files: tuple[DeclarationFile, ...]
    missing: tuple[MissingData, ...]


class InvalidExport(ValueError):
    """A generated file the portal validator refuses; the message (French) names each line and column."""

    def __init__(self, file: DeclarationFile, report: portal.ValidationReport, shown: int = 20) -> None:
        self.report = report
        records = {line: a.record_id for line, a in enumerate(file.assignments, start=2)}
        parts = list(report.file_errors)
        for error in report.line_errors[:shown]:
            where = f"ligne {error.line}"
            if error.line in records:
                where += f" (enregistrement n° {records[error.line]})"
            if error.column:
                where += f", colonne {error.column} (« {error.value} »)"
            parts.append(f"{where} : {error.message}")
        if len(report.line_errors) > shown:
            parts.append(f"et {len(report.line_errors) - shown} autre(s) erreur(s)")
        super().__init__(
            f"Le fichier « {file.file_name} » n'a pas été produit : il ne respecte pas le contrat du portail. "
            + " ; ".join(parts)
            + ". Corrigez les données (ou le catalogue des codes) puis relancez l'export."
        )


@functools.lru_cache(maxsize=65536)
def _clean(value: str | None) -> str:
    """Text safe in a `|` file: control characters and runs of spaces folded to one space, `|` to `-`."""
    if not value:
        return ""
    return _UNSAFE_TEXT.sub(" ", value).replace(portal.SEPARATOR, "-").strip()


@functools.lru_cache(maxsize=8192)
def _french(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def _who(item: DeclarationInput) -> str:
    name = " ".join(part for part in (_clean(item.birth_name).upper(), _clean(item.first_name)) if part)
    matricule = _clean(item.matricule)
    if name and matricule:
        return f"{name} (matricule {matricule})"
    if name:
        return name
    if matricule:
        return f"matricule {matricule}"
    return f"enregistrement n° {item.record_id}"


@dataclass(frozen=True)
class _Holder:
    item: DeclarationInput
    nir: str
    name: str
    siret: str
    codes: TrainingCodes
    title: str


def _holder_or_problems(
    item: DeclarationInput, catalogue: Mapping[str, TrainingCodes], today: date
) -> _Holder | list[tuple[str, str]]:
    """What the portal needs from one record, or each (label, French phrase) it lacks."""
    problems: list[tuple[str, str]] = []
    nir = (item.nir or "").replace(" ", "")
    if not nir:
        problems.append((LABEL_NIR, "NIR absent"))
    else:
        problem = nir_problem(nir)
        if problem is not None:
            problems.append((LABEL_NIR, f"NIR invalide ({problem})"))
    name = _clean(item.birth_name).upper()
    if not name:
        problems.append((LABEL_BIRTH_NAME, "nom de naissance absent"))
    elif len(name) > portal.MAX_LENGTHS["NOM_TITULAIRE"]:
        problems.append(
            (
                LABEL_BIRTH_NAME,
                f"nom de naissance « {name} » de {len(name)} caractères : le portail en accepte "
                f"{portal.MAX_LENGTHS['NOM_TITULAIRE']} au plus, à saisir tel que sur la pièce d'identité",
            )
        )
    siret = (item.establishment_siret or "").replace(" ", "")
    if not siret:
        problems.append((LABEL_SIRET, "SIRET de l'établissement absent"))
    elif not is_valid_siret(siret):
        problems.append((LABEL_SIRET, f"SIRET de l'établissement « {siret} » invalide"))
    if item.start_date is None:
        problems.append((LABEL_START, "date de début de formation absente"))
    elif item.start_date > item.end_date:
        problems.append(
            (
                LABEL_START,
                f"date de début {_french(item.start_date)} postérieure à la fin {_french(item.end_date)}",
            )
        )
    if item.end_date > today:
        problems.append((LABEL_END, f"formation non terminée au {_french(today)} (fin le {_french(item.end_date)})"))
    validity_start = item.validity_start or item.end_date
    if validity_start < item.end_date:
        problems.append(
            (
                LABEL_VALIDITY_START,
                f"début de validité {_french(validity_start)} antérieur à la fin de formation {_french(item.end_date)}",
            )
        )
    if item.validity_end is not None and item.validity_end < validity_start:
        problems.append(
            (
                LABEL_VALIDITY_END,
                f"fin de validité {_french(item.validity_end)} antérieure au début de validité "
                f"{_french(validity_start)}",
            )
        )
    title = _clean(item.training_title)[: portal.MAX_LENGTHS["NOM_FORMATION"]].strip()
    codes = codes_for(catalogue, item.training_key, item.training_title)
    subject = item.training_key or title
    if codes is None:
        problems.append((LABEL_CODES, f"codes du portail inconnus pour « {subject} » : complétez le catalogue"))
    elif codes.gaps(item.proof_kind):
        problems.append(
            (
                LABEL_CODES,
                f"codes du portail incomplets pour « {subject} » ({', '.join(codes.gaps(item.proof_kind))} "
                f"à renseigner pour un fichier {item.proof_kind}) : complétez le catalogue",
            )
        )
    if problems or codes is None:
        return problems
    return _Holder(item, nir[:13], name, siret, codes, title)


def _missing(item: DeclarationInput, problems: list[tuple[str, str]]) -> MissingData:
    labels = tuple(dict.fromkeys(label for label, _ in problems))
    title = _clean(item.training_title)
    who = _who(item)
    phrases = " ; ".join(phrase for _, phrase in problems)
    return MissingData(
        record_id=item.record_id,
        matricule=item.matricule,
        who=who,
        training=title,
        missing=labels,
        message=f"{who}, formation « {title} » du {_french(item.end_date)} : {phrases}.",
    )


_GroupKey = tuple[str, ...]


def _group_key(purpose: Purpose, holder: _Holder) -> _GroupKey:
    item, codes = holder.item, holder.codes
    return (
        purpose,
        item.proof_kind,
        item.training_key or "",
        normalized_text(item.training_title),
        item.start_date.isoformat() if item.start_date else "",
        item.end_date.isoformat(),
        "OUI" if codes.formation_certifiante else "NON",
        codes.certification_visee,
        codes.domaine_formation,
        codes.specialite_formation,
        codes.competences,
        codes.type_jdr if item.proof_kind == "JDR" else "",
        codes.nom_jdr if item.proof_kind == "JDR" else "",
    )


def _declaration_stem(key: _GroupKey, end: date) -> str:
    purpose, _, training_key, title = key[:4]
    words = (training_key.replace("_", " ") or title).upper().split()
    slug = "-".join(words)[:_SLUG_LENGTH].strip("-") or "FORMATION"
    digest = hashlib.sha256("\x1f".join(key).encode("utf-8")).hexdigest()[:_HASH_LENGTH]
    return f"{_PURPOSE_TAG[purpose]}-{end:%Y%m%d}-{slug}-{digest}"


def _partner_id(prefix: str, record_id: int, taken: frozenset[str] | set[str]) -> str:
    n = 1
    while f"{prefix}-{record_id}-{n}" in taken:
        n += 1
    return f"{prefix}-{record_id}-{n}"


def _reference(purpose: Purpose, title: str, end: date, part: int, parts: int) -> str:
    head = f"{_PURPOSE_LABEL[purpose]} – "
    tail = f" – {_french(end)}" + (f" ({part}/{parts})" if parts > 1 else "")
    room = portal.MAX_LENGTHS["REFERENCE_DECLARATION"] - len(head) - len(tail)
    return f"{head}{title[:room].strip()}{tail}"


def _row(
    kind: ProofKind, holder: _Holder, title: str, declaration: str, reference: str, partner: str
) -> dict[str, str]:
    item, codes = holder.item, holder.codes
    assert item.start_date is not None
    row = {
        "ID_DECLARATION": declaration,
        "REFERENCE_DECLARATION": reference,
        "ID_UNIQUE_PARTENAIRE": partner,
        "NOM_FORMATION": title,
        "DATE_DEBUT_FORMATION": _french(item.start_date),
        "DATE_FIN_FORMATION": _french(item.end_date),
        "MODALITE_DISPENSE": "",
        "COMPETENCE_TRANSFERABLE": codes.competences,
        "QUALIFICATION_FORMATEUR": "",
        "FORMATION_CERTIFIANTE": "OUI" if codes.formation_certifiante else "NON",
        "CERTIFICATION_VISEE": codes.certification_visee,
        "DOMAINE_FORMATION": codes.domaine_formation,
        "SPECIALITE_FORMATION": codes.specialite_formation,
        "NIR": holder.nir,
        "NOM_TITULAIRE": holder.name,
        "PRESENCE_EMPLOYEUR": "OUI",
        "SIRET_EMPLOYEUR": holder.siret,
        "REFERENCE_EMPLOYEUR": _clean(item.matricule)[: portal.MAX_LENGTHS["REFERENCE_EMPLOYEUR"]],
        "DATE_DEBUT_VALIDITE": _french(item.validity_start or item.end_date),
        "DATE_FIN_VALIDITE": _french(item.validity_end) if item.validity_end else "",
    }
    if kind == "JDR":
        row.update(
            {
                "TYPE_JDR": codes.type_jdr,
                "NOM_JDR": _clean(codes.nom_jdr),
                "NOM_OPTION_SPECIALITE": "",
                "MODE_OBTENTION": "",
                "PRESENCE_FORMATION": "OUI",
                "RESULTAT_OBTENU": "",
                "MENTION_OBTENUE": "",
                "LIEN_PREUVE": "",
                "IDENTIFIANT_PREUVE": "",
            }
        )
    columns = portal.columns_of(kind)
    return {column: row[column] for column in columns}


def declaration_file_name(purpose: Purpose, kind: ProofKind, today: date) -> str:
    """E.g. `carence_ADF_20261123.csv`: no character the portal forbids in a file name."""
    return f"{_PURPOSE_FILE[purpose]}_{kind}_{today:%Y%m%d}.csv"


def build_declarations(
    inputs: Sequence[DeclarationInput],
    *,
    purpose: Purpose,
    catalogue: Mapping[str, TrainingCodes],
    used_partner_ids: frozenset[str],
    prefix: str,
    today: date,
) -> DeclarationBatch:
    """The portal files declaring `inputs` (one per proof kind), and the records that lack data to be declared.

    Holders of the same training (type, title, dates, codes) share one ID_DECLARATION, 500 at most each
    (guide ADF, section 2); beyond, the declaration is split (-01, -02…). ID_UNIQUE_PARTENAIRE is
    `prefix-record-n` with the smallest n ≥ 1 not in `used_partner_ids`, the ledger of the identifiers already
    deposited: the portal refuses an identifier used before, so a file built again after a deposit gets new
    ones, and one built twice before gets the same. The same inputs always give the same bytes.
    """
    if not _PREFIX.fullmatch(prefix):
        raise ValueError(
            f"Préfixe d'identifiant « {prefix} » invalide : lettres, chiffres, « - », « _ » ou « . » "
            "(100 caractères au plus)."
        )
    seen: set[int] = set()
    for item in inputs:
        if item.record_id in seen:
            raise ValueError(f"Enregistrement n° {item.record_id} présent deux fois dans les déclarations.")
        seen.add(item.record_id)

    missing: list[MissingData] = []
    groups: dict[_GroupKey, list[_Holder]] = {}
    for item in sorted(inputs, key=lambda entry: entry.record_id):
        found = _holder_or_problems(item, catalogue, today)
        if isinstance(found, _Holder):
            groups.setdefault(_group_key(purpose, found), []).append(found)
        else:
            missing.append(_missing(item, found))

    rows: dict[ProofKind, list[tuple[str, dict[str, str], Assignment]]] = {"ADF": [], "JDR": []}
    limit = portal.MAX_HOLDERS_PER_DECLARATION
    for key, holders in groups.items():
        kind = holders[0].item.proof_kind
        end = holders[0].item.end_date
        title = min(holder.title for holder in holders)
        stem = _declaration_stem(key, end)
        ordered = sorted(
            holders,
            key=lambda h: (normalized_text(h.name), normalized_text(h.item.first_name), h.item.record_id),
        )
        parts = (len(ordered) + limit - 1) // limit
        for part in range(parts):
            declaration = f"{stem}-{part + 1:02d}"
            reference = _reference(purpose, title, end, part + 1, parts)
            for position, holder in enumerate(ordered[part * limit : (part + 1) * limit]):
                record_id = holder.item.record_id
                partner = _partner_id(prefix, record_id, used_partner_ids)
                row = _row(kind, holder, title, declaration, reference, partner)
                sort_key = f"{declaration}\x1f{position:06d}"
                rows[kind].append((sort_key, row, Assignment(record_id, declaration, partner)))

    files: list[DeclarationFile] = []
    for kind in ("ADF", "JDR"):
        entries = sorted(rows[kind], key=lambda entry: entry[0])
        if entries:
            files.append(
                DeclarationFile(
                    kind=kind,
                    file_name=declaration_file_name(purpose, kind, today),
                    rows=tuple(row for _, row, _ in entries),
                    assignments=tuple(assignment for _, _, assignment in entries),
                )
            )
    missing.sort(key=lambda entry: (normalized_text(entry.who), entry.record_id))
    return DeclarationBatch(files=tuple(files), missing=tuple(missing))


def validated_bytes(file: DeclarationFile, *, today: date, competences: frozenset[str] | None) -> bytes:
    """The file's bytes once the portal validator (as for an employer) accepts them; InvalidExport otherwise."""
    data = file.to_bytes()
    report = portal.parse_portal_file(
        data, file.file_name, today=today, competences=competences, declarant="employer"
    ).report
    if not report.valid or report.kind != file.kind:
        raise InvalidExport(file, report)
    return data
