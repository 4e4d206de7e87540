"""The command line (`python -m lib …`): a thin face over the same functions the dashboard uses."""

from __future__ import annotations

import argparse
import getpass
import json
import re
import sys
import time
import traceback
from collections.abc import Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import NoReturn

from lib import access, digest, files, mailer, portal, reminder_job, report, settings
from lib.access import AccessConfigError
from lib.declarations import CatalogueError, InvalidExport
from lib.lists import ListContext
from lib.reminders import ReminderSettingsError
from lib.rules import DEFAULT_RULE_SET, RuleSet, RuleSetError, compute_deadlines
from lib.store import ExportFile, ImportResult, Purpose, Store, StoreError, default_db_path, today_default


class CliError(Exception):
    """A refusal of the command line, with its French message."""


_ARGPARSE_FR: tuple[tuple[str, str], ...] = (
    (r"the following arguments are required: (.*)", r"arguments obligatoires manquants : \1"),
    (
        r"argument (\S+): invalid choice: (.*) \(choose from (.*)\)",
        r"argument \1 : valeur \2 invalide (choix : \3)",
    ),
    (r"argument (\S+): expected one argument", r"l'argument \1 attend une valeur"),
    (r"argument (\S+): invalid (\w+) value: (.*)", r"argument \1 : valeur \3 invalide"),
    (r"unrecognized arguments: (.*)", r"arguments inconnus : \1"),
    (r"argument (\S+): (.*)", r"argument \1 : \2"),
)


class FrenchArgumentParser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        for pattern, replacement in _ARGPARSE_FR:
            if re.fullmatch(pattern, message):
                message = re.sub(pattern, replacement, message)
                break
        self.print_usage(sys.stderr)
        self.exit(2, f"Erreur : {message}\n")


MIN_CLI_DATE = date(1900, 1, 1)
MAX_CLI_DATE = date(2199, 12, 31)  # far enough for any deadline, near enough that date arithmetic never overflows
_ISO_DATE = re.compile(r"([0-9]{1,9})-([0-9]{1,2})-([0-9]{1,2})")
_FR_DATE = re.compile(r"([0-9]{1,2})/([0-9]{1,2})/([0-9]{1,9})")


def parse_cli_date(value: str) -> date:
    """AAAA-MM-JJ or jj/mm/aaaa, between 1900 and 2199."""
    text = value.strip()
    shown = text[:40]
    iso, french = _ISO_DATE.fullmatch(text), _FR_DATE.fullmatch(text)
    if iso:
        year, month, day = (int(g) for g in iso.groups())
    elif french:
        day, month, year = (int(g) for g in french.groups())
    else:
        raise argparse.ArgumentTypeError(f"date « {shown} » invalide (attendu AAAA-MM-JJ ou jj/mm/aaaa)")
    if not MIN_CLI_DATE.year <= year <= MAX_CLI_DATE.year:
        raise argparse.ArgumentTypeError(
            f"date « {shown} » hors limites : l'année doit être comprise entre {MIN_CLI_DATE.year} et "
            f"{MAX_CLI_DATE.year} (attendu AAAA-MM-JJ ou jj/mm/aaaa)"
        )
    try:
        return date(year, month, day)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"date « {shown} » invalide : ce jour n'existe pas (attendu AAAA-MM-JJ ou jj/mm/aaaa)"
        ) from None


def _read_file(path_text: str) -> tuple[bytes, str]:
    path = Path(path_text)
    if not path.exists():
        raise CliError(f"{path_text} : fichier introuvable.")
    if path.is_dir():
        raise CliError(f"{path_text} : c'est un dossier, pas un fichier.")
    return path.read_bytes(), path.name


def _print_problems(result: ImportResult) -> None:
    for problem in result.problems[:200]:
        where = []
        if problem.line is not None:
            where.append(f"ligne {problem.line}")
        if problem.column:
            where.append(f"colonne {problem.column}")
        prefix = f"{result.file_name}, {', '.join(where)} : " if where else ""
        print(f"  {prefix}{problem.message}", file=sys.stderr)
    if len(result.problems) > 200:
        print(f"  … et {len(result.problems) - 200} autre(s) problème(s).", file=sys.stderr)


DEFAULT_WAIT_SECONDS = 600.0  # a night job waits its turn behind the dashboard's reads


def _store(args: argparse.Namespace) -> Store:
    """The store of --db, waiting up to --wait seconds for its turn, and saying so on stderr while it waits."""
    wait = float(args.wait)

    def waiting(holder: str) -> None:
        print(f"La base est occupée ({holder} en cours)… attente (jusqu'à {wait:.0f} s).", file=sys.stderr, flush=True)

    return Store(args.db, wait=wait, on_wait=waiting)


def _wait_seconds(value: str) -> float:
    try:
        seconds = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"« {value} » n'est pas un nombre de secondes") from None
    if not 0 <= seconds <= 86_400:
        raise argparse.ArgumentTypeError(f"{value} : de 0 à 86400 secondes")
    return seconds


# ---------------------------------------------------------------------- commands


def cmd_validate(args: argparse.Namespace) -> int:
    data, name = _read_file(args.file)
    store = _store(args)
    competences = store.competence_codes()
    parsed = portal.parse_portal_file(data, name, today=args.today or today_default(), competences=competences)
    report = parsed.report
    if args.json:
        print(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
    else:
        for warning in report.warnings:
            print(f"Avertissement : {warning}", file=sys.stderr)
        if report.valid:
            print(f"{name} : fichier {report.kind} valide ({len(parsed.rows)} ligne(s)).")
        else:
            for message in report.file_errors:
                print(f"{name} : {message}", file=sys.stderr)
            for error in report.line_errors:
                print(f"{name}, ligne {error.line}, colonne {error.column} : {error.message}", file=sys.stderr)
    return 0 if report.valid else 1


def cmd_import(args: argparse.Namespace) -> int:
    data, name = _read_file(args.file)
    store = _store(args)
    today = args.today or today_default()
    if args.kind == "of":
        result = store.import_of_file(
            data,
            name,
            organisme=args.organisme,
            organisme_siret=args.organisme_siret,
            today=today,
            received_on=args.received_on,
        )
    elif args.kind == "competences":
        result = store.import_competences(data, name)
    else:
        result = store.import_records(data, name, args.kind, accept_warnings=args.accept_warnings)
    if result.status == "to_confirm":
        print(result.message.replace("importez-le quand même", "relancez avec --accept-warnings"), file=sys.stderr)
        for warning in result.unfamiliar:
            print(f"Avertissement : {warning}", file=sys.stderr)
        return 3
    if result.ok:
        print(result.message)
        for warning in result.warnings:
            print(f"Avertissement : {warning}", file=sys.stderr)
        return 0
    print(result.message, file=sys.stderr)
    _print_problems(result)
    return 1


def cmd_demo(args: argparse.Namespace) -> int:
    from lib.fakes import demo_store  # fake-data generators stay out of the runtime imports (lib/fakes/)

    summary = demo_store.build_demo_store(_store(args), replace=args.replace)
    print(summary)
    return 0


def cmd_deadlines(args: argparse.Namespace) -> int:
    store = _store(args)
    rules = settings.active_rules(store if store.path.exists() else None, args.rule_set)
    if args.type == "ADF" and args.training_end is None:
        raise CliError("--training-end est obligatoire pour une attestation (ADF).")
    if args.type == "JDR" and args.validity_start is None:
        raise CliError("--validity-start est obligatoire pour un justificatif de réussite (JDR).")
    if args.category is not None and args.category not in (1, 2, 3, 4):
        raise CliError(f"--category {args.category} : la catégorie va de 1 à 4.")
    result = compute_deadlines(
        rules,
        args.type,
        training_end=args.training_end,
        validity_start=args.validity_start,
        category=args.category,
    )
    print(json.dumps(result.to_json_dict(), ensure_ascii=False))
    return 0


def _workflow_context(store: Store) -> tuple[RuleSet, settings.Preferences]:
    if not store.path.exists():
        raise CliError(f"La base {store.path} n'existe pas : importez d'abord vos fichiers (ou `python -m lib demo`).")
    return settings.active_rules(store), settings.preferences(store)


def _export_targets(out: Path, batch_files: tuple[ExportFile, ...]) -> list[Path]:
    """The first file at --out, the others next to it named by their portal kind."""
    return [
        out if index == 0 else out.with_name(f"{out.stem}_{file.portal_kind}{out.suffix or '.csv'}")
        for index, file in enumerate(batch_files)
    ]


def _export(args: argparse.Namespace, purpose: Purpose) -> int:
    store = _store(args)
    out = Path(args.out)
    if out.is_dir():
        raise CliError(f"--out {out} est un dossier : indiquez un nom de fichier (par exemple {out / 'carence.csv'}).")
    rules, prefs = _workflow_context(store)
    written: list[Path] = []

    def write_files(batch_files: tuple[ExportFile, ...]) -> None:
        targets = _export_targets(out, batch_files)
        try:
            files.write_all_atomically([(t, f.content) for t, f in zip(targets, batch_files, strict=True)])
        except OSError as error:
            raise CliError(
                f"{error.filename or out} : {files.os_error_text(error)} Aucun fichier écrit, rien n'a été enregistré."
            ) from error
        written.extend(targets)

    try:
        batch = store.generate_export(
            purpose,
            rules=rules,
            today=args.today,
            catalogue=settings.code_catalogue(store),
            tolerance_days=prefs.tolerance_days,
            on_files=write_files,
        )
    except BaseException:
        for path in written:  # written, but the record failed: a file nobody can confirm must not stay
            path.unlink(missing_ok=True)
        raise
    label = "carence" if purpose == "carence" else "formation interne"
    for missing in batch.missing:
        print(f"Non exporté : {missing.message}", file=sys.stderr)
    if not batch.files:
        if batch.missing:
            print(
                f"Aucun fichier écrit : {len(batch.missing)} {label}(s) à compléter (voir ci-dessus).", file=sys.stderr
            )
            return 1
        print(f"Rien à déclarer ({label}) au {args.today:%d/%m/%Y} : aucun fichier écrit.")
        return 0
    for target, file in zip(_export_targets(out, batch.files), batch.files, strict=True):
        print(
            f"{target} : fichier {file.portal_kind} de {file.lines} ligne(s), valide, prêt à déposer sur le portail "
            f"(n° {file.export_id} ; confirmez le dépôt dans le tableau de bord)."
        )
    return 1 if batch.missing else 0


def cmd_export_carence(args: argparse.Namespace) -> int:
    return _export(args, "carence")


def cmd_export_internal(args: argparse.Namespace) -> int:
    return _export(args, "internal")


def _report_inputs(store: Store, prefs: settings.Preferences, today: date, since: date) -> report.ReportInputs:
    """What the report and the calendar read, asked as the dashboard asks it (lib.digest.report_inputs)."""
    asker = store.asker(ListContext(today=today, horizon_days=prefs.horizon_days))
    return digest.report_inputs(asker, today=today, since=since, horizon_days=prefs.horizon_days)


def cmd_calendar(args: argparse.Namespace) -> int:
    store = _store(args)
    _, prefs = _workflow_context(store)
    inputs = _report_inputs(store, prefs, args.today, report.last_week(args.today))
    content, count = digest.calendar_ics(inputs, today=args.today, generated_at=datetime.now(UTC))
    _write_output(Path(args.out), content)
    print(f"{args.out} : {count} échéance(s), à importer dans Outlook ou votre agenda.")
    return 0


def _write_output(path: Path, content: bytes) -> None:
    """One file written completely or not at all, with a French message when the disk says no."""
    try:
        files.write_atomically(path, content)
    except OSError as error:
        raise CliError(f"{path} : {files.os_error_text(error)} Aucun fichier écrit.") from error


def cmd_generate(args: argparse.Namespace) -> int:
    from lib.fakes import scale  # fake-data generators stay out of the runtime imports (lib/fakes/)

    if args.employees < 1:
        raise CliError("--employees doit être au moins 1.")
    started = time.perf_counter()
    files = scale.generate_scale(Path(args.out), employees=args.employees, of_lines=args.of_lines, seed=args.seed)
    print(
        f"{args.out} : {args.employees} salariés, {files.adf_lines} lignes ADF et {files.jdr_lines} lignes JDR dans "
        f"{len(files.of_files)} fichier(s) d'OF, formations dans {len(files.internal)} fichier(s), "
        f"{files.bytes_written / 1e6:.0f} Mo en "
        f"{time.perf_counter() - started:.1f} s."
    )
    return 0


def cmd_hash_password(args: argparse.Namespace) -> int:
    """Read a password (hidden when typed, or one line of standard input) and print its secrets.toml hash."""
    password = getpass.getpass("Mot de passe : ") if sys.stdin.isatty() else sys.stdin.readline().rstrip("\n")
    if not password:
        raise CliError("mot de passe vide.")
    print(access.hash_password(password))
    return 0


def cmd_backup(args: argparse.Namespace) -> int:
    print(_store(args).backup(Path(args.directory)))
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    print(_store(args).restore(Path(args.directory)))
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    store = _store(args)
    rules, prefs = _workflow_context(store)
    last = store.get_setting(report.LAST_REPORT_SETTING)
    since = date.fromisoformat(last) if last and date.fromisoformat(last) < args.today else report.last_week(args.today)
    inputs = _report_inputs(store, prefs, args.today, since)
    data = report.build_report(
        inputs,
        today=args.today,
        since=since,
        rule_set=f"{rules.name} ({rules.certainty})",
        horizon_days=prefs.horizon_days,
    )
    if args.format == "json":
        print(json.dumps(data, ensure_ascii=False, indent=2))
    elif args.format == "html":
        print(report.render_html(data), end="")
    else:
        print(report.render_markdown(data), end="")
    store.set_setting(report.LAST_REPORT_SETTING, args.today.isoformat())
    return 0


def cmd_remind(args: argparse.Namespace) -> int:
    store = _store(args)
    _workflow_context(store)
    plan = reminder_job.plan(store, args.today)
    for site, manager, items in plan.unrouted:
        print(
            f"Sans destinataire : {items} échéance(s) du site « {site or '—'} », responsable « {manager or '—'} » "
            "(ajoutez son e-mail dans Paramètres › Rappels par e-mail).",
            file=sys.stderr,
        )
    if args.dry_run is not None:
        directory = Path(args.dry_run)
        if directory.exists() and not directory.is_dir():
            raise CliError(f"--dry-run {directory} : c'est un fichier, indiquez un dossier.")
        try:
            smtp = mailer.configured_smtp(args.secrets)
            sender = smtp.sender
        except mailer.MailError:
            sender = reminder_job.DRY_RUN_SENDER
        written = reminder_job.write_dry_run(plan, directory, sender=sender)
        print(f"{directory} : {len(written)} message(s) écrit(s) en .eml, rien n'a été envoyé ni enregistré.")
        return 0
    if not plan.messages:
        print(f"Aucun rappel à envoyer au {args.today:%d/%m/%Y} (déjà envoyés : {plan.already_sent}).")
        return 0
    result = reminder_job.send(store, plan, mailer.configured_smtp(args.secrets), today=args.today)
    for _message, reason in result.refused:
        print(f"Non envoyé : {reason}", file=sys.stderr)
    print(result.summary())
    return 1 if result.refused else 0


def _pdf_out(text: str) -> Path:
    out = Path(text)
    if out.is_dir():
        raise CliError(
            f"--out {out} est un dossier : indiquez un nom de fichier (par exemple {out / 'passeport.pdf'})."
        )
    return out


def cmd_passport(args: argparse.Namespace) -> int:
    out = _pdf_out(args.out)
    store = _store(args)
    _workflow_context(store)  # refuses a missing store or an unreadable rule set before anything is drawn
    content = store.passport_pdf(args.matricule, today=args.today or today_default())
    _write_output(out, content)
    print(f"{out} : passeport de prévention du salarié {args.matricule} (PDF).")
    return 0


def cmd_audit_report(args: argparse.Namespace) -> int:
    out = _pdf_out(args.out)
    store = _store(args)
    _workflow_context(store)  # refuses a missing store or an unreadable rule set before anything is drawn
    content = store.site_audit_pdf(args.site, today=args.today or today_default())
    _write_output(out, content)
    print(f"{out} : rapport d'audit du site {args.site} (PDF).")
    return 0


# ---------------------------------------------------------------------- parser


def build_parser() -> argparse.ArgumentParser:
    parser = FrenchArgumentParser(
        prog="python -m lib",
        description="Passeport de prévention : outils en ligne de commande de l'employeur.",
    )
    common = FrenchArgumentParser(add_help=False)
    common.add_argument(
        "--db",
        type=Path,
        default=None,
        help=f"base DuckDB (défaut : $PASSEPORT_DB, sinon {default_db_path()})",
    )
    common.add_argument(
        "--wait",
        type=_wait_seconds,
        default=DEFAULT_WAIT_SECONDS,
        metavar="SECONDES",
        help=f"attente maximale si la base est occupée (défaut : {DEFAULT_WAIT_SECONDS:.0f} s)",
    )
    sub = parser.add_subparsers(dest="command", required=True, parser_class=FrenchArgumentParser)

    p = sub.add_parser("validate", parents=[common], help="contrôler un fichier du portail sans l'importer")
    p.add_argument("file")
    p.add_argument("--json", action="store_true", help="rapport JSON")
    p.add_argument("--today", type=parse_cli_date, help="date du jour (dates futures refusées)")
    p.set_defaults(handler=cmd_validate)

    p = sub.add_parser("import", parents=[common], help="charger un fichier dans la base")
    p.add_argument("file")
    p.add_argument("--kind", required=True, choices=["of", "internal", "roster", "competences"])
    p.add_argument("--organisme", help="organisme de formation déclarant (défaut : le nom du fichier)")
    p.add_argument("--organisme-siret", help="SIRET de l'organisme déclarant")
    p.add_argument("--received-on", type=parse_cli_date, help="date de la déclaration (défaut : aujourd'hui)")
    p.add_argument("--today", type=parse_cli_date, help="date du jour (dates futures refusées)")
    p.add_argument(
        "--accept-warnings",
        action="store_true",
        help="importer un export RH même si des SIRET ne sont pas les vôtres ou des salariés sont absents du "
        "registre (sans cette option, rien n'est enregistré et le code de sortie est 3)",
    )
    p.set_defaults(handler=cmd_import)

    p = sub.add_parser("demo", parents=[common], help="construire la base de démonstration")
    p.add_argument("--replace", action="store_true", help="remplacer une base existante")
    p.set_defaults(handler=cmd_demo)

    p = sub.add_parser("deadlines", parents=[common], help="échéances légales d'une formation")
    p.add_argument("--type", required=True, choices=["ADF", "JDR"])
    p.add_argument("--training-end", type=parse_cli_date)
    p.add_argument("--validity-start", type=parse_cli_date)
    p.add_argument("--category", type=int)
    p.add_argument(
        "--rule-set",
        help="jeu de règles de data/rules/ (sans extension) ; par défaut celui de la base, sinon "
        f"{DEFAULT_RULE_SET} (le droit en vigueur)",
    )
    p.set_defaults(handler=cmd_deadlines)

    p = sub.add_parser("export-carence", parents=[common], help="fichier du portail des carences à déclarer")
    p.add_argument("--today", type=parse_cli_date, required=True, help="date du jour")
    p.add_argument("--out", required=True, help="fichier à écrire")
    p.set_defaults(handler=cmd_export_carence)

    p = sub.add_parser("export-internal", parents=[common], help="fichier du portail des formations internes")
    p.add_argument("--today", type=parse_cli_date, required=True, help="date du jour")
    p.add_argument("--out", required=True, help="fichier à écrire")
    p.set_defaults(handler=cmd_export_internal)

    p = sub.add_parser("report", parents=[common], help="rapport hebdomadaire")
    p.add_argument("--today", type=parse_cli_date, required=True, help="date du jour")
    p.add_argument("--format", choices=["md", "json", "html"], default="md")
    p.set_defaults(handler=cmd_report)

    p = sub.add_parser("generate", help="jeu de données fictif à grande échelle (tests de charge)")
    p.add_argument("--employees", type=int, required=True)
    p.add_argument("--of-lines", type=int, help="lignes de déclaration des OF (défaut : 10 par salarié)")
    p.add_argument("--seed", type=int, default=2026)
    p.add_argument("--out", required=True, help="dossier à écrire")
    p.set_defaults(handler=cmd_generate, db=None)

    p = sub.add_parser("hash-password", help="empreinte d'un mot de passe pour .streamlit/secrets.toml")
    p.set_defaults(handler=cmd_hash_password, db=None)

    p = sub.add_parser("backup", parents=[common], help="sauvegarder la base dans un dossier neuf")
    p.add_argument("directory")
    p.set_defaults(handler=cmd_backup)

    p = sub.add_parser("restore", parents=[common], help="restaurer la base depuis une sauvegarde")
    p.add_argument("directory")
    p.set_defaults(handler=cmd_restore)

    p = sub.add_parser("calendar", parents=[common], help="agenda .ics des échéances (Outlook)")
    p.add_argument("--today", type=parse_cli_date, required=True, help="date du jour")
    p.add_argument("--out", required=True, help="fichier .ics à écrire")
    p.set_defaults(handler=cmd_calendar)

    p = sub.add_parser("remind", parents=[common], help="envoyer les rappels par e-mail (RH et responsables)")
    p.add_argument("--today", type=parse_cli_date, required=True, help="date du jour")
    p.add_argument(
        "--dry-run",
        metavar="DOSSIER",
        help="écrire les messages en .eml dans ce dossier, sans rien envoyer ni enregistrer",
    )
    p.add_argument(
        "--secrets",
        type=Path,
        default=None,
        help=f"fichier de configuration SMTP (défaut : ${mailer.SECRETS_ENV}, sinon {mailer.DEFAULT_SECRETS})",
    )
    p.set_defaults(handler=cmd_remind)

    p = sub.add_parser("passport", parents=[common], help="passeport de prévention d'un salarié en PDF")
    p.add_argument("matricule")
    p.add_argument("--out", required=True, help="fichier PDF à écrire")
    p.add_argument("--today", type=parse_cli_date, help="date du jour (défaut : aujourd'hui)")
    p.set_defaults(handler=cmd_passport)

    p = sub.add_parser("audit-report", parents=[common], help="rapport d'audit d'un site en PDF (contrôle)")
    p.add_argument("--site", required=True, help="site, tel qu'écrit dans le registre du personnel")
    p.add_argument("--out", required=True, help="fichier PDF à écrire")
    p.add_argument("--today", type=parse_cli_date, help="date du jour (défaut : aujourd'hui)")
    p.set_defaults(handler=cmd_audit_report)

    return parser


_DATE_RANGE_FR = (
    "une date sort des limites que l'outil sait calculer : vérifiez les dates indiquées (--today, --training-end, "
    f"--validity-start, --received-on, entre {MIN_CLI_DATE:%d/%m/%Y} et {MAX_CLI_DATE:%d/%m/%Y}) et la date de "
    "référence des Paramètres."
)
_PYTHON_DATE_ERRORS = re.compile(
    r"year -?\d+ is out of range|date value out of range|day is out of range for month|month must be in 1\.\.12"
    r"|Invalid isoformat string|does not match format|unconverted data remains"
)
_LIB_DIR = Path(__file__).resolve().parent


def _raised_by_lib(error: BaseException) -> bool:
    """The error comes from a `raise` of our own code (whose messages are French), not from Python's."""
    frames = traceback.extract_tb(error.__traceback__)
    if not frames:
        return False
    last = frames[-1]
    return Path(last.filename).resolve().parent == _LIB_DIR and (last.line or "").lstrip().startswith("raise")


def explain(error: BaseException) -> tuple[str, int]:
    """The French message and exit code of an error of a command (never a traceback)."""
    if isinstance(
        error,
        CliError
        | StoreError
        | RuleSetError
        | InvalidExport
        | CatalogueError
        | AccessConfigError
        | mailer.MailError
        | ReminderSettingsError,
    ):
        return f"Erreur : {error}", 2
    if isinstance(error, OSError):
        where = f"{error.filename} : " if error.filename else ""
        return f"Erreur : {where}{files.os_error_text(error)}", 2
    if isinstance(error, ValueError) and _PYTHON_DATE_ERRORS.search(str(error)):
        return f"Erreur : {_DATE_RANGE_FR}", 2
    if isinstance(error, OverflowError):
        return (
            f"Erreur : {_DATE_RANGE_FR} Un nombre trop grand (--employees, --of-lines) donne la même erreur : "
            "indiquez une valeur plus petite.",
            2,
        )
    if isinstance(error, MemoryError):
        return (
            "Erreur : mémoire insuffisante pour cette opération. Fermez d'autres programmes ou réduisez le fichier.",
            3,
        )
    if isinstance(error, ValueError) and _raised_by_lib(error) and str(error):
        return f"Erreur : {error}", 2
    return (
        f"Erreur inattendue ({type(error).__name__}). L'opération n'a pas abouti ; les écritures dans la base "
        "sont annulées en cas d'erreur. Signalez ce message à l'équipe.",
        3,
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.db is None:
        args.db = default_db_path()
    try:
        code: int = args.handler(args)
        return code
    except KeyboardInterrupt:
        print("Interrompu.", file=sys.stderr)
        return 130
    except Exception as error:  # noqa: BLE001 - never show a traceback to a user
        message, code = explain(error)
        print(message, file=sys.stderr)
        return code


if __name__ == "__main__":
    sys.exit(main())
