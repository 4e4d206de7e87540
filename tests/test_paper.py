"""The passport on paper (lib/paper.py, lib/store/paper.py, `passport` / `audit-report`): PDFs read back."""

from __future__ import annotations

import io
import re
import subprocess
import sys
import unicodedata
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from pypdf import PdfReader

from lib import paper, settings
from lib.store import Store, StoreError

REPO = Path(__file__).resolve().parents[1]
GOLDEN = Path(__file__).resolve().parent / "golden"
TODAY = date(2026, 11, 23)
FULL_NIR = "183127512345678"
EDITION = paper.Edition(
    today=TODAY, rule_set="Droit en vigueur : décret n° 2026-496", certainty="texte lu", employer="Œuvres Lefèvre"
)
GOLDEN_PERSON = "MAT1174"
GOLDEN_SITE = "Saint Eugène"


def pages_of(content: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(content)).pages]


def text_of(content: bytes) -> str:
    return "\n".join(f"=== page {n} ===\n{text}" for n, text in enumerate(pages_of(content), start=1)) + "\n"


def person(**changes: object) -> paper.Person:
    values: dict[str, object] = {
        "matricule": "M0042",
        "name": "DUPONT-ŒIL Zoé (MARTIN)",
        "nir": FULL_NIR,
        "establishment": "Usine de Lyon",
        "siret": "12345678900011",
        "site": "Lyon",
        "service": "Maintenance",
        "entry_date": date(2019, 3, 4),
    }
    values.update(changes)
    return paper.Person(**values)  # type: ignore[arg-type]


def training(n: int = 0) -> paper.Training:
    return paper.Training(
        formation="SST",
        title=f"Sauveteur secouriste du travail — session {n}",
        start=date(2025, 1, 6),
        end=date(2025, 1, 7),
        validity_end=date(2027, 1, 6),
        state="valide",
        organisme="Secours Łódź",
    )


# ------------------------------------------------------------------------------------------ the core font's text


@pytest.mark.parametrize(
    ("given", "written"),
    [
        ("Zoé Lefèvre, « façade »", "Zoé Lefèvre, « façade »"),
        ("Œuvre d’art… — 3–4 €", "Œuvre d’art… — 3–4 €"),
        ("Łódź", "Lódz"),
        ("Dvořák", "Dvorák"),
        ("a\u202f;\u2009b", "a ; b"),
        ("x ≤ y → z", "x <= y -> z"),
        ("ligne\nsuivante\x00", "ligne suivante"),
        ("日本", "??"),
        (None, ""),
        (float("nan"), ""),
        (pd.NaT, ""),
    ],
)
def test_pdf_text_keeps_french_and_spells_the_rest_in_windows_1252(given: object, written: str) -> None:
    assert paper.pdf_text(given) == written
    paper.pdf_text(given).encode("cp1252")


# ------------------------------------------------------------------------------------------ passport


def test_the_passport_reads_back_with_the_masked_nir_french_labels_dates_pages_and_rule_set() -> None:
    passport = paper.Passport(
        person(),
        (training(),),
        of_declarations=(
            paper.Declaration(
                "SST", date(2025, 1, 7), "Secours Łódź", "à vérifier", date(2027, 1, 6), "rapprochée (dates)"
            ),
        ),
        bought=(paper.Declaration("SST", date(2025, 1, 7), "", "carence en retard", date(2026, 10, 31)),),
        internal=(paper.Declaration("Gestes et postures", date(2025, 9, 1), "", "à déclarer", date(2026, 12, 31)),),
    )
    content = paper.render_passport(passport, EDITION)
    assert content.startswith(b"%PDF-")
    text = "\n".join(pages_of(content))
    for expected in (
        "Passeport de prévention — Œuvres Lefèvre",
        "DUPONT-ŒIL Zoé (MARTIN)",
        "M0042",
        "1 83 12 ** *** *** **",
        "Usine de Lyon (SIRET 12345678900011)",
        "04/03/2019",
        "Sauveteur secouriste du travail — session 0",
        "06/01/2027",
        "valide",
        "Secours Lódz",
        "à vérifier",
        "carence en retard",
        "31/10/2026",
        "à déclarer",
        "Droit en vigueur : décret n° 2026-496",
        "édité le 23/11/2026",
        "Page 1/1",
    ):
        assert expected in text, expected
    assert FULL_NIR not in text.replace(" ", "")
    assert re.search(r"\b(None|nan|NaN|NaT)\b", text) is None


def test_a_person_without_nir_nor_declaration_says_so_in_french() -> None:
    content = paper.render_passport(paper.Passport(person(nir=None, in_roster=False), ()), EDITION)
    text = pages_of(content)[0]
    assert "NIR non renseigné" in text
    assert "Absent du registre du personnel" in text
    assert "Aucune formation enregistrée pour ce salarié." in text
    assert "Aucune déclaration d'organisme de formation reçue pour ce salarié." in text


def test_a_long_passport_runs_over_several_pages_each_numbered_with_the_headings_repeated() -> None:
    content = paper.render_passport(paper.Passport(person(), tuple(training(n) for n in range(90))), EDITION)
    pages = pages_of(content)
    assert len(pages) >= 3
    for number, text in enumerate(pages, start=1):
        assert f"Page {number}/{len(pages)}" in text
        assert "Passeport de prévention — Œuvres Lefèvre" in text
    assert "Valide jusqu'au" in pages[1]  # the table's headings again on the next page
    every = "\n".join(pages)
    assert all(f"session {n}" in every for n in range(90))


def test_the_same_inputs_give_the_same_bytes() -> None:
    passport = paper.Passport(person(), (training(),))
    assert paper.render_passport(passport, EDITION) == paper.render_passport(passport, EDITION)


# ------------------------------------------------------------------------------------------ audit report


def audit(**changes: object) -> paper.SiteAudit:
    item = paper.Item("DURAND Léa", "M7", "Habilitation électrique B0", date(2026, 10, 1), "expirée")
    values: dict[str, object] = {
        "site": "Lyon",
        "establishments": ("Usine de Lyon",),
        "headcount": 12,
        "expired": (item,),
        "expiring": (),
        "carence_overdue": (
            paper.Item("MARTIN Paul", "M8", "CACES R489", date(2026, 9, 30), "carence en retard", "Centre Girard"),
        ),
        "internal_overdue": (),
        "corrections_not_made": (
            paper.Item("PETIT Ana", "M9", "MAC SST", date(2027, 6, 30), "correction non faite", "Secours 42"),
        ),
    }
    values.update(changes)
    return paper.SiteAudit(**values)  # type: ignore[arg-type]


def test_the_audit_report_without_requirements_says_the_compliance_rate_is_not_provided() -> None:
    text = "\n".join(pages_of(paper.render_site_audit(audit(), EDITION)))
    for expected in (
        "Rapport d'audit — site Lyon",
        "Salariés présents : 12",
        "Taux de formations obligatoires valides : non renseigné",
        "Formations expirées (1)",
        "DURAND Léa",
        "01/10/2026",
        "Formations qui expirent dans les 90 jours (0)",
        "Carences en retard (1)",
        "Centre Girard",
        "Déclarations internes en retard (0)",
        "Corrections demandées et non faites (1)",
        "correction non faite",
        "Droit en vigueur : décret n° 2026-496",
        "édité le 23/11/2026",
        "Page 1/1",
    ):
        assert expected in text, expected


def test_the_audit_report_shows_the_compliance_rate_of_the_frame_it_is_given() -> None:
    compliance = pd.DataFrame(
        {"requirement": ["SST (10 % du site)", "Habilitation B0"], "required": [2, 6], "valid": [2, 4]}
    )
    text = "\n".join(pages_of(paper.render_site_audit(audit(compliance=compliance), EDITION)))
    assert "Taux de formations obligatoires valides : 75 % (6 sur 8)." in text
    assert "Habilitation B0 6 4 2 67 %" in text
    assert "non renseigné" not in text


def test_a_compliance_frame_without_its_columns_is_refused_in_french() -> None:
    with pytest.raises(ValueError, match="colonne\\(s\\) manquante\\(s\\) valid"):
        paper.compliance_rows(pd.DataFrame({"requirement": ["SST"], "required": [1]}))


# ------------------------------------------------------------------------------------------ from the store


def test_the_store_fetches_only_the_persons_rows_and_only_the_sites_rows(demo_store_file: Path) -> None:
    store = Store(demo_store_file)
    rules = settings.active_rules(store)
    rows = store.passport_rows(GOLDEN_PERSON, rules=rules, today=TODAY)
    assert rows is not None and rows.employee is not None
    assert not rows.validities.empty
    for frame in (rows.validities, rows.expected, rows.internal):
        assert set(frame["matricule"]) <= {GOLDEN_PERSON}
    assert set(rows.of_declarations["nir"]) == {rows.employee["nir"]}
    site = store.site_rows(GOLDEN_SITE, rules=rules, today=TODAY)
    assert site is not None and site.headcount > 0
    for frame in (site.validities, site.expected, site.internal):
        assert set(frame["person_site"]) == {GOLDEN_SITE}
    assert store.passport_rows("INCONNU", rules=rules, today=TODAY) is None
    assert store.site_rows("Atlantide", rules=rules, today=TODAY) is None
    with pytest.raises(StoreError, match="Site « Atlantide » inconnu \\(sites connus : Guibert-la-Forêt"):
        store.site_audit_pdf("Atlantide", rules=rules, today=TODAY)


def golden_name(kind: str, key: str) -> Path:
    ascii_key = unicodedata.normalize("NFKD", key).encode("ascii", "ignore").decode().replace(" ", "-")
    return GOLDEN / f"{kind}_{ascii_key}_{TODAY:%Y%m%d}.txt"


@pytest.mark.parametrize(
    ("kind", "key"),
    [("passeport", GOLDEN_PERSON), ("audit", GOLDEN_SITE)],
)
def test_the_demo_pdfs_read_back_as_the_reviewed_golden_text(demo_store_file: Path, kind: str, key: str) -> None:
    """Golden text, not bytes: the extracted text is what a reviewer can check line by line against the demo;
    the bytes are stable too (fixed creation date), which test_the_same_inputs_give_the_same_bytes holds."""
    store = Store(demo_store_file)
    rules = settings.active_rules(store)
    if kind == "passeport":
        content = store.passport_pdf(key, rules=rules, today=TODAY)
    else:
        content = store.site_audit_pdf(key, rules=rules, today=TODAY)
    assert text_of(content) == golden_name(kind, key).read_text(encoding="utf-8")


# ------------------------------------------------------------------------------------------ command line


def run(*args: str | Path, db: Path) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "lib", *map(str, args), "--db", str(db)]
    result = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    assert "Traceback" not in result.stderr, result.stderr
    return result


def test_the_commands_write_the_same_pdfs_as_the_store(demo_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "sortie" / "passeport.pdf"
    result = run("passport", GOLDEN_PERSON, "--out", out, "--today", "23/11/2026", db=demo_db)
    assert result.returncode == 0, result.stderr
    assert "passeport de prévention du salarié MAT1174" in result.stdout
    assert text_of(out.read_bytes()) == golden_name("passeport", GOLDEN_PERSON).read_text(encoding="utf-8")
    report = out.parent / "audit.pdf"
    result = run("audit-report", "--site", GOLDEN_SITE, "--out", report, "--today", "2026-11-23", db=demo_db)
    assert result.returncode == 0, result.stderr
    assert text_of(report.read_bytes()) == golden_name("audit", GOLDEN_SITE).read_text(encoding="utf-8")
    assert sorted(p.name for p in out.parent.iterdir()) == ["audit.pdf", "passeport.pdf"]  # nothing left over


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["passport", "INCONNU"], "Erreur : Matricule « INCONNU » inconnu"),
        (["audit-report", "--site", "Atlantide"], "Erreur : Site « Atlantide » inconnu"),
    ],
)
def test_an_unknown_matricule_or_site_exits_2_in_french_and_writes_nothing(
    demo_db: Path, tmp_path: Path, args: list[str], message: str
) -> None:
    folder = tmp_path / "sortie"
    folder.mkdir()
    result = run(*args, "--out", folder / "x.pdf", "--today", "2026-11-23", db=demo_db)
    assert result.returncode == 2
    assert result.stderr.startswith(message)
    assert list(folder.iterdir()) == []


def test_an_output_that_is_a_folder_or_a_missing_store_is_refused_in_french(demo_db: Path, tmp_path: Path) -> None:
    result = run("passport", GOLDEN_PERSON, "--out", tmp_path, db=demo_db)
    assert result.returncode == 2
    assert "est un dossier" in result.stderr
    result = run("audit-report", "--site", GOLDEN_SITE, "--out", tmp_path / "a.pdf", db=tmp_path / "absente.duckdb")
    assert result.returncode == 2
    assert "n'existe pas" in result.stderr
    assert not (tmp_path / "a.pdf").exists()


# ------------------------------------------------------------------------------------------ screens


@pytest.mark.usefixtures("fresh_streamlit_caches")
def test_the_salarie_page_and_the_dashboard_offer_the_pdfs(demo_db: Path) -> None:
    from tests.test_pages import open_page, rendered_text

    at = open_page("views/salarie.py", matricule=GOLDEN_PERSON)
    assert not at.exception
    assert "Passeport en PDF" in rendered_text(at)
    at = open_page("views/tableau_de_bord.py")
    assert not at.exception
    text = rendered_text(at)
    # The protos escape the apostrophe.
    assert "Rapport d\\'audit (PDF)" in text and "Télécharger le rapport d\\'audit" in text
    assert [str(o) for o in at.selectbox(key="audit_site").options] == Store(demo_db).sites()


def test_the_dashboard_starts_without_loading_the_pdf_library() -> None:
    """fpdf2 (0.4 s of imports) is loaded when a PDF is made, not by every start of the server."""
    repo = Path(__file__).resolve().parents[1]
    probe = "import sys; import lib.ui, lib.store, lib.paper; print('fpdf' in sys.modules)"
    started = subprocess.run([sys.executable, "-c", probe], cwd=repo, capture_output=True, text=True, check=True)
    assert started.stdout.strip() == "False"
    made = "import sys; import lib.paper_pdf; print('fpdf' in sys.modules)"
    loaded = subprocess.run([sys.executable, "-c", made], cwd=repo, capture_output=True, text=True, check=True)
    assert loaded.stdout.strip() == "True"
