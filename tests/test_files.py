"""Files the command line writes appear whole or not at all, and are recorded only once written; errors in French."""

from __future__ import annotations

import errno
import os
import shutil
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from lib import files
from lib.__main__ import explain, main
from lib.store import Store
from tests.store_content import rows_of


@pytest.fixture
def demo(demo_store_file: Path, tmp_path: Path) -> Store:
    (tmp_path / "base").mkdir()
    copy = tmp_path / "base" / "demo.duckdb"
    shutil.copy(demo_store_file, copy)
    return Store(copy)


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, out, err


def exports_of(store: Store) -> list[tuple[object, ...]]:
    return rows_of(store.path, ("exports", "export_lines"))["exports"]


def test_export_carence_writes_its_files_and_records_them(
    demo: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "sortie" / "carence.csv"
    code, printed, _ = run(capsys, "export-carence", "--today", "2026-12-31", "--out", str(out), "--db", str(demo.path))
    assert code == 0, printed
    assert out.read_bytes() == demo.export_content(int(demo.export_history()["id"].min()))
    assert len(exports_of(demo)) >= 1
    assert not [p for p in out.parent.iterdir() if p.name.endswith(".partiel")]


def test_export_carence_onto_a_directory_says_so_in_french_and_records_nothing(
    demo: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "dossier"
    folder.mkdir()
    before = exports_of(demo)
    code, _, err = run(capsys, "export-carence", "--today", "2026-12-31", "--out", str(folder), "--db", str(demo.path))
    assert code == 2
    assert f"--out {folder} est un dossier : indiquez un nom de fichier" in err
    assert exports_of(demo) == before
    assert list(folder.iterdir()) == []


def test_a_full_disk_while_writing_an_export_records_nothing_and_leaves_no_file(
    demo: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def disk_full(fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", disk_full)
    out = tmp_path / "sortie" / "carence.csv"
    before = rows_of(demo.path, ("exports", "export_lines", "partner_id_ledger"))
    code, printed, err = run(
        capsys, "export-carence", "--today", "2026-12-31", "--out", str(out), "--db", str(demo.path)
    )
    assert code == 2
    assert "le disque est plein" in err and "rien n'a été enregistré" in err
    assert str(out) in err and ".partiel" not in err
    assert "prêt à déposer" not in printed
    assert rows_of(demo.path, ("exports", "export_lines", "partner_id_ledger")) == before
    assert list(out.parent.iterdir()) == []


def test_a_failed_write_keeps_the_previous_file_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "rapport.ics"
    target.write_bytes(b"ancien")

    def disk_full(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", disk_full)
    with pytest.raises(OSError) as raised:
        files.write_atomically(target, b"nouveau")
    assert raised.value.filename == str(target)
    assert target.read_bytes() == b"ancien"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["rapport.ics"]


def test_calendar_onto_a_directory_is_refused_in_french(
    demo: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "calendar", "--today", "2026-11-23", "--out", str(tmp_path), "--db", str(demo.path))
    assert code == 2
    assert "c'est un dossier : indiquez un nom de fichier" in err


def test_backup_onto_an_existing_file_is_refused_in_french(
    demo: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    existing = tmp_path / "fichier"
    existing.write_text("x", encoding="utf-8")
    before = rows_of(demo.path, ("actions",))
    code, _, err = run(capsys, "backup", str(existing), "--db", str(demo.path))
    assert code == 2
    assert "est un fichier existant : indiquez le nom d'un dossier neuf" in err
    assert existing.read_text(encoding="utf-8") == "x"
    assert rows_of(demo.path, ("actions",)) == before


def test_a_backup_that_cannot_be_written_leaves_no_folder_and_no_audit_row(
    demo: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def disk_full(fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    before = rows_of(demo.path, ("actions",))
    monkeypatch.setattr(os, "fsync", disk_full)
    from lib.store import StoreError

    with pytest.raises(StoreError, match="le disque est plein.*Aucune sauvegarde n'a été enregistrée"):
        demo.backup(tmp_path / "sauvegarde")
    monkeypatch.undo()
    assert rows_of(demo.path, ("actions",)) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["base"]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("10000-01-01", "hors limites : l'année doit être comprise entre 1900 et 2199"),
        ("01/01/10000", "hors limites"),
        ("0001-01-01", "hors limites"),
        ("2026-02-30", "ce jour n'existe pas"),
        ("demain", "invalide (attendu AAAA-MM-JJ ou jj/mm/aaaa)"),
    ],
)
def test_a_date_argument_out_of_range_gets_a_french_message(
    value: str, message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["deadlines", "--type", "ADF", "--training-end", value, "--db", str(tmp_path / "x.duckdb")])
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_the_last_dates_accepted_compute_without_overflow(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys, "deadlines", "--type", "ADF", "--training-end", "31/12/2199", "--db", str(tmp_path / "x")
    )
    assert code == 0 and '"carence_deadline": "2200-12-31"' in out


@pytest.mark.parametrize(
    ("error", "message"),
    [
        (OverflowError("date value out of range"), "une date sort des limites"),
        (ValueError("year 10000 is out of range"), "une date sort des limites"),
        (OSError(errno.ENOSPC, "No space left on device", "/x/y.csv"), "Erreur : /x/y.csv : le disque est plein"),
        (PermissionError(errno.EACCES, "Permission denied", "/x"), "permission refusée"),
        (MemoryError(), "mémoire insuffisante"),
        (ValueError("some English text from a library"), "Erreur inattendue (ValueError)"),
    ],
)
def test_every_error_class_gets_a_french_message_and_a_non_zero_code(error: BaseException, message: str) -> None:
    text, code = explain(error)
    assert message in text and code != 0
    assert "No space" not in text and "Permission denied" not in text and "English" not in text


def test_a_french_value_error_raised_by_our_own_code_is_shown_as_it_is() -> None:
    from lib import calendar

    with pytest.raises(ValueError) as raised:
        calendar.deadlines_ics([], calendar_name="x", generated_at=datetime(2026, 1, 1))
    text, code = explain(raised.value)
    assert text == f"Erreur : {raised.value}" and "fuseau horaire" in text and code == 2


def test_a_date_overflow_inside_a_command_is_explained_in_french(
    demo: Store, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def overflow(*args: object, **kwargs: object) -> date:
        return date.max + timedelta(days=1)

    monkeypatch.setattr("lib.report.build_report", overflow)
    code, _, err = run(capsys, "report", "--today", "2026-11-23", "--db", str(demo.path))
    assert code == 2 and "une date sort des limites" in err
