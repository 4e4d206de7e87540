"""Readers never block writers for long: shared reads, exclusive writes in arrival order, in one process or many.

No assertion here depends on how fast the machine is: waits are either released by the test itself or bounded
by a generous hang guard.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import pytest

from lib import store_lock
from lib.rules import load_rule_set
from lib.store import Store, StoreError
from tests.store_content import rows_of

REPO = Path(__file__).resolve().parents[1]
SAMPLE_ADF = REPO.parent / "shared" / "referentials" / "sample_adf_synthetic.csv"
TODAY = date(2026, 11, 23)
RULES = load_rule_set("decret-2025-748")
HANG_GUARD = 300.0  # seconds: only there so that a bug fails the test instead of hanging it


@pytest.fixture
def demo(demo_store_file: Path, tmp_path: Path) -> Store:
    copy = tmp_path / "demo.duckdb"
    shutil.copy(demo_store_file, copy)
    return Store(copy, wait=HANG_GUARD)


def of_file(tmp_path: Path, n: int) -> Path:
    lines = SAMPLE_ADF.read_text(encoding="utf-8").splitlines()
    path = tmp_path / f"of_{n}.csv"
    path.write_text(
        "\r\n".join([lines[0]] + [line.replace("EMP-2026-", f"L{n}-") for line in lines[1:]]) + "\r\n",
        encoding="utf-8",
    )
    return path


def turnstile_taken(db: Path) -> bool:
    """Whether somebody (a waiting writer) holds the turnstile right now."""
    turn, _ = store_lock.lock_paths(db)
    fd = os.open(turn, os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False


@contextmanager
def read_held_by_another_thread(store: Store) -> Iterator[None]:
    """A page's read, open in another thread of this process for as long as the block runs."""
    opened, release = threading.Event(), threading.Event()

    def hold() -> None:
        with store.read() as con:
            con.execute("SELECT count(*) FROM employees").fetchone()
            opened.set()
            release.wait(HANG_GUARD)

    thread = threading.Thread(target=hold)
    thread.start()
    assert opened.wait(HANG_GUARD)
    try:
        yield
    finally:
        release.set()
        thread.join(HANG_GUARD)


def test_many_reads_are_open_at_once(demo: Store) -> None:
    other = Store(demo.path, wait=HANG_GUARD)
    with demo.read() as first, other.read() as second:
        assert (
            first.execute("SELECT count(*) FROM employees").fetchone()
            == second.execute("SELECT count(*) FROM employees").fetchone()
        )


def test_a_writer_waits_for_the_reads_in_place_and_readers_arriving_later_queue_behind_it(demo: Store) -> None:
    """One process, like the dashboard's server: a read is open, a write arrives, then another read."""
    order: list[str] = []
    reading = threading.Event()
    release = threading.Event()
    errors: list[BaseException] = []

    def first_reader() -> None:
        with demo.read() as con:
            con.execute("SELECT count(*) FROM of_lines").fetchone()
            order.append("read 1 open")
            reading.set()
            release.wait(HANG_GUARD)
            order.append("read 1 closed")

    def writer() -> None:
        try:
            demo.set_setting("pp_test", "écrit", who="test")
            order.append("write done")
        except BaseException as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)

    threads = [threading.Thread(target=first_reader), threading.Thread(target=writer)]
    threads[0].start()
    assert reading.wait(HANG_GUARD)
    threads[1].start()
    guard = 0
    while not turnstile_taken(demo.path):  # the writer is now queued
        threading.Event().wait(0.01)
        guard += 1
        assert guard < HANG_GUARD * 100
    # A reader arriving now cannot pass the waiting writer, however long it is allowed to try.
    late = Store(demo.path, wait=0.2)
    with pytest.raises(StoreError, match="occupée par une écriture"):
        with late.read():
            pass
    assert order == ["read 1 open"]
    release.set()
    for thread in threads:
        thread.join(HANG_GUARD)
    assert errors == []
    assert order == ["read 1 open", "read 1 closed", "write done"]
    assert Store(demo.path).get_setting("pp_test") == "écrit"


def test_threads_of_one_process_read_and_write_without_a_configuration_conflict(demo: Store, tmp_path: Path) -> None:
    """Read-only and read-write connections never coexist in one process: no « different configuration »."""
    files = [of_file(tmp_path, n) for n in range(3)]
    stop = threading.Event()
    errors: list[str] = []
    reads = [0] * 4

    def reader(index: int) -> None:
        while not stop.is_set() or reads[index] < 2:
            try:
                demo.workflow_summary("of_declarations", rules=RULES, today=TODAY)
                demo.counts()
                reads[index] += 1
            except Exception as error:  # noqa: BLE001 - the assertion lists them
                errors.append(repr(error))
                return

    threads = [threading.Thread(target=reader, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    try:
        results = [demo.import_of_file(path.read_bytes(), path.name, organisme="Fil", today=TODAY) for path in files]
        ids = demo.record_action("of_line", ["x|1", "x|2"], "accepted", reason="test", who="test")
    finally:
        stop.set()
        for thread in threads:
            thread.join(HANG_GUARD)
    assert errors == []
    assert [r.status for r in results] == ["imported"] * 3
    assert len(ids) == 2
    assert demo.sql("SELECT count(*) AS n FROM of_lines WHERE organisme = 'Fil'")["n"].iloc[0] == 3 * 7


def test_a_write_that_never_gets_its_turn_is_refused_in_french_and_changes_nothing(demo: Store) -> None:
    before = rows_of(demo.path, ("settings", "actions"))
    impatient = Store(demo.path, wait=0)
    with read_held_by_another_thread(demo):
        with pytest.raises(StoreError) as refused:
            impatient.set_setting("pp_test", "jamais")
    assert "est restée occupée (lecture en cours" in str(refused.value)
    assert "rien n'a été modifié" in str(refused.value)
    assert "--wait" in str(refused.value)
    assert rows_of(demo.path, ("settings", "actions")) == before


def cli(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "lib", *args],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
    )


def test_the_cli_import_says_it_waits_while_a_page_reads_then_imports(demo: Store, tmp_path: Path) -> None:
    path = of_file(tmp_path, 9)
    with demo.read():
        process = cli("import", str(path), "--kind", "of", "--organisme", "Nuit", "--today", "2026-11-23",
                      "--db", str(demo.path))  # fmt: skip
        assert process.stderr is not None
        first = process.stderr.readline()  # blocks until the CLI says it waits: the read is still open
        assert first.startswith("La base est occupée (lecture en cours)… attente (jusqu'à 600 s)")
    out, err = process.communicate(timeout=HANG_GUARD)
    assert process.returncode == 0, err
    assert "Traceback" not in err
    assert out.strip()
    assert demo.sql("SELECT count(*) AS n FROM of_lines WHERE organisme = 'Nuit'")["n"].iloc[0] == 7


def test_the_cli_wait_can_be_shortened_and_a_refusal_leaves_the_store_as_it_was(demo: Store, tmp_path: Path) -> None:
    path = of_file(tmp_path, 8)
    before = rows_of(demo.path, ("imports", "of_lines", "actions"))
    with demo.read():
        process = cli("import", str(path), "--kind", "of", "--organisme", "Nuit", "--today", "2026-11-23",
                      "--db", str(demo.path), "--wait", "0")  # fmt: skip
        out, err = process.communicate(timeout=HANG_GUARD)
    assert process.returncode == 2
    assert out == ""
    assert "est restée occupée (lecture en cours" in err and "--wait SECONDES" in err
    assert "Traceback" not in err
    assert rows_of(demo.path, ("imports", "of_lines", "actions")) == before


def test_the_cli_wait_option_is_checked() -> None:
    process = cli("report", "--today", "2026-11-23", "--wait", "beaucoup")
    out, err = process.communicate(timeout=HANG_GUARD)
    assert process.returncode == 2
    assert "« beaucoup » n'est pas un nombre de secondes" in err
