"""Building the demo store from the committed demo files in data/demo/ (see its manifest)."""

from __future__ import annotations

import time
import tomllib
from datetime import date
from pathlib import Path
from typing import Any, Literal

from lib.reminders import HR_EMAILS_KEY, parse_emails, parse_managers_csv
from lib.requirements import parse_requirements
from lib.settings import CATALOGUE_SETTING
from lib.store import REPO_ROOT, Store, StoreError

DEMO_DIR = REPO_ROOT / "data" / "demo"


def _manifest(demo_dir: Path) -> dict[str, Any]:
    path = demo_dir / "manifest.toml"
    if not path.exists():
        raise StoreError(f"Données de démonstration absentes : {path} introuvable.")
    with path.open("rb") as handle:
        return tomllib.load(handle)


def _line_exists(store: Store, entry: dict[str, Any]) -> bool:
    found = store.sql(
        "SELECT count(*) AS n FROM of_lines WHERE organisme = $o AND id_unique_partenaire = $i",
        {"o": entry["organisme"], "i": entry["id_unique_partenaire"]},
    )
    return bool(found["n"].iloc[0])


def build_demo_store(store: Store, *, replace: bool = False, demo_dir: Path = DEMO_DIR) -> str:
    """Load the roster, internal records, establishments and OF files of the demo; a French summary back."""
    if store.path.exists():
        if not replace:
            raise StoreError(f"La base {store.path} existe déjà ; ajoutez --replace pour la reconstruire.")
        store.path.unlink()
        wal = store.path.with_name(store.path.name + ".wal")
        if wal.exists():
            wal.unlink()
    started = time.perf_counter()
    manifest = _manifest(demo_dir)
    with (demo_dir / manifest["employer"]).open("rb") as handle:
        employer = tomllib.load(handle)
    store.set_establishments([(e["siret"], e["nom"], e.get("site", e["nom"])) for e in employer["etablissements"]])
    store.set_setting("employer_name", employer.get("nom", ""))
    # The demo's situations are described at its own date (data/demo/README.md): the dashboard shows them
    # there, whatever today is; Paramètres says so and can switch to the real date.
    store.set_setting("reference_date", manifest["demo_today"].isoformat())
    catalogue = demo_dir / "catalogue_codes_demo.toml"
    if catalogue.exists():
        store.set_setting(CATALOGUE_SETTING, catalogue.read_text(encoding="utf-8"))
    messages = []
    hr_files: tuple[tuple[Literal["roster", "internal"], str], ...] = (("roster", "roster"), ("internal", "internal"))
    for kind, key in hr_files:
        path = demo_dir / manifest[key]
        result = store.import_records(path.read_bytes(), path.name, kind, who="démonstration")
        if not result.ok:
            raise StoreError(f"{result.message} {[p.message for p in result.problems[:5]]}")
        messages.append(result.message)
    if manifest.get("requirements"):
        path = demo_dir / manifest["requirements"]
        chosen = parse_requirements(path.read_bytes(), path.name)
        store.replace_requirements(chosen, who="démonstration")
        messages.append(f"{len(chosen)} formation(s) requise(s) chargée(s).")
    if manifest.get("site_managers"):
        # Made-up addresses at example.org (reserved for examples): the reminders have recipients, and reach nobody.
        path = demo_dir / manifest["site_managers"]
        messages.append(
            store.replace_site_managers(parse_managers_csv(path.read_bytes(), path.name), who="démonstration")
        )
    if manifest.get("hr_emails"):
        store.set_setting(HR_EMAILS_KEY, "\n".join(parse_emails(" ".join(manifest["hr_emails"]))))
    for entry in manifest["of_files"]:
        path = demo_dir / entry["file"]
        received: date = entry["received_on"]
        result = store.import_of_file(
            path.read_bytes(),
            path.name,
            organisme=entry["organisme"],
            organisme_siret=entry.get("organisme_siret"),
            today=received,
            received_on=received,
            who="démonstration",
        )
        if not result.ok:
            raise StoreError(f"{result.message} {[p.message for p in result.problems[:5]]}")
        messages.append(result.message)
    for entry in manifest.get("corrections", []):
        # The employer's correction requests, on their own day: the correction path counts from it, and a line
        # the OF sends again in a file received later reads as corrected.
        key = f"{entry['organisme']}|{entry['id_unique_partenaire']}"
        if not _line_exists(store, entry):
            raise StoreError(f"Correction de démonstration sur une ligne absente : « {key} ».")
        store.record_action(
            "of_line",
            [key],
            "correction_requested",
            reason=entry["reason"],
            who="démonstration",
            effective_on=entry["requested_on"],
        )
    if manifest.get("corrections"):
        messages.append(f"{len(manifest['corrections'])} demande(s) de correction rejouée(s).")
    elapsed = time.perf_counter() - started
    return "\n".join(messages + [f"Base de démonstration construite dans {store.path} en {elapsed:.1f} s."])
