"""Who may open the store file, and when: shared for readers, exclusive for a writer, in arrival order.

DuckDB lets several processes open one file read-only at once, but a read-write open needs the file alone, and
one process cannot hold the same file open read-only and read-write at the same time. Left to itself, a writer
that meets readers fails at once; polling again and again, it starves while readers keep reopening.

So every opening of the store first takes an advisory lock (`fcntl.flock`) on a sidecar file, `<db>.lock`:
shared for a read, exclusive for a write. Before that, everyone passes through a turnstile, `<db>.turn`, held
exclusively for an instant by a reader and, by a writer, for as long as it waits for the readers in place to
finish: readers that arrive after a waiting writer queue behind it, so a writer waits at most for the reads
already running. Each acquisition opens its own file description, so two threads of one process (the dashboard's
server reads and writes) exclude each other exactly as two processes do, and a read-only connection is always
closed before a read-write one opens. Waits are bounded by a timeout; nothing here imports DuckDB.
"""

from __future__ import annotations

import fcntl
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

Mode = Literal["read", "write"]
Notify = Callable[[str], None]

_FIRST_SLEEP = 0.005
_MAX_SLEEP = 0.05
NOTIFY_AFTER_SECONDS = 0.5  # say « attente » only when the wait is noticeable


class LockTimeout(Exception):
    """The store stayed busy for the whole allowed wait."""

    def __init__(self, mode: Mode, waited: float, holder: str) -> None:
        super().__init__(mode, waited, holder)
        self.mode = mode
        self.waited = waited
        self.holder = holder  # "lecture" or "écriture": what we were waiting for


class LockUnavailable(Exception):
    """The sidecar lock file cannot be created or opened (a read-only folder, for example)."""


@dataclass
class _Held:
    mode: Mode
    depth: int


_local = threading.local()


def _held() -> dict[str, _Held]:
    held: dict[str, _Held] | None = getattr(_local, "held", None)
    if held is None:
        held = {}
        _local.held = held
    return held


def lock_paths(db: Path) -> tuple[Path, Path]:
    """The two sidecar files of a store: the turnstile and the lock proper."""
    return db.with_name(db.name + ".turn"), db.with_name(db.name + ".lock")


def _open(path: Path, mode: Mode) -> int:
    try:
        return os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o666)
    except PermissionError as error:
        if mode == "read":
            try:
                return os.open(path, os.O_RDONLY | os.O_CLOEXEC)
            except OSError:
                pass
        raise LockUnavailable(str(path)) from error
    except OSError as error:
        raise LockUnavailable(str(path)) from error


def _acquire(fd: int, operation: int, deadline: float, on_busy: Callable[[], None]) -> bool:
    """Take the flock, polling (without blocking) until the deadline; False if it never came."""
    sleep = _FIRST_SLEEP
    while True:
        try:
            fcntl.flock(fd, operation | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            pass
        now = time.monotonic()
        if now >= deadline:
            return False
        on_busy()
        time.sleep(min(sleep, deadline - now))
        sleep = min(sleep * 2, _MAX_SLEEP)


@contextmanager
def hold(db: Path, mode: Mode, *, timeout: float, notify: Notify | None = None) -> Iterator[Mode]:
    """Hold the store for `mode` until the block ends; yields the mode to open DuckDB in.

    Re-entrant within a thread: inside a write, a nested read or write opens read-write (the process already has
    the file that way); inside a read, a nested read stays read-only and a nested write is a programming error.
    """
    key = str(db.resolve())
    held = _held()
    current = held.get(key)
    if current is not None:
        if mode == "write" and current.mode == "read":
            raise RuntimeError("écriture demandée pendant une lecture de la même base (erreur de programmation)")
        current.depth += 1
        try:
            yield current.mode
        finally:
            current.depth -= 1
        return

    turn_path, lock_path = lock_paths(db)
    started = time.monotonic()
    deadline = started + timeout
    told: set[str] = set()

    def busy(holder: str) -> Callable[[], None]:
        def on_busy() -> None:
            if notify is not None and holder not in told and time.monotonic() - started >= NOTIFY_AFTER_SECONDS:
                told.add(holder)
                notify(holder)

        return on_busy

    turn = _open(turn_path, mode)
    lock = -1
    try:
        if not _acquire(turn, fcntl.LOCK_EX, deadline, busy("écriture")):
            raise LockTimeout(mode, time.monotonic() - started, "écriture")
        lock = _open(lock_path, mode)
        operation = fcntl.LOCK_EX if mode == "write" else fcntl.LOCK_SH
        if not _acquire(lock, operation, deadline, busy("lecture" if mode == "write" else "écriture")):
            raise LockTimeout(mode, time.monotonic() - started, "lecture" if mode == "write" else "écriture")
        os.close(turn)  # releases the turnstile: the next in line may queue on the lock proper
        turn = -1
        held[key] = _Held(mode, 1)
        try:
            yield mode
        finally:
            del held[key]
    finally:
        if turn >= 0:
            os.close(turn)
        if lock >= 0:
            os.close(lock)  # closing the description releases the flock
