"""Files written honestly: a file appears complete (written, flushed, synced, renamed) or not at all."""

from __future__ import annotations

import errno
import os
import tempfile
from contextlib import suppress
from pathlib import Path

_ERRNO_FR = {
    errno.ENOSPC: "le disque est plein : libérez de la place ou choisissez un autre emplacement.",
    errno.EDQUOT: "le quota de disque est atteint : libérez de la place ou choisissez un autre emplacement.",
    errno.EACCES: "permission refusée : choisissez un emplacement où vous avez le droit d'écrire.",
    errno.EPERM: "opération non permise : choisissez un autre emplacement.",
    errno.EROFS: "le disque est en lecture seule : choisissez un autre emplacement.",
    errno.EISDIR: "c'est un dossier : indiquez un nom de fichier.",
    errno.ENOTDIR: "un élément du chemin n'est pas un dossier : vérifiez le chemin.",
    errno.ENOENT: "chemin introuvable : vérifiez le dossier indiqué.",
    errno.ENAMETOOLONG: "le nom est trop long : choisissez un nom plus court.",
    errno.EIO: "erreur d'entrée-sortie du disque : réessayez ou choisissez un autre emplacement.",
    errno.EEXIST: "le fichier existe déjà : choisissez un autre nom.",
}


def os_error_text(error: OSError) -> str:
    """A French sentence for a file-system error (the system's own text is in English)."""
    known = _ERRNO_FR.get(error.errno or 0)
    if known:
        return known
    return f"erreur du système de fichiers (code {error.errno}) : vérifiez le chemin, les droits et la place libre."


def fsync_file(path: Path) -> None:
    with path.open("rb") as handle:
        os.fsync(handle.fileno())


def sync_directory(path: Path) -> None:
    """Make a rename in `path` durable (a no-op where directories cannot be opened)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        with suppress(OSError):
            os.fsync(fd)
    finally:
        os.close(fd)


def write_atomically(path: Path, content: bytes) -> None:
    """Write `content` to `path` completely or not at all: a temporary file in the same folder, flushed,
    synced, then renamed over `path`. Any OSError leaves no temporary file and `path` as it was.
    """
    write_all_atomically([(Path(path), content)])


def write_all_atomically(contents: list[tuple[Path, bytes]]) -> None:
    """Several files, all or none: every temporary file is complete and synced before the first rename.

    Should a rename itself fail (rare: the data is already on disk), the files renamed so far stay.
    """
    temporaries: list[tuple[str, Path]] = []
    path = Path()
    try:
        for path, content in contents:
            path = Path(path)
            if path.is_dir():
                raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), str(path))
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".partiel", dir=path.parent)
            temporaries.append((temporary, path))
            with os.fdopen(fd, "wb") as handle:
                handle.write(content)
                handle.flush()
                os.fsync(handle.fileno())
        for temporary, path in temporaries:
            os.replace(temporary, path)
    except BaseException as error:
        for temporary, _ in temporaries:
            with suppress(OSError):
                os.unlink(temporary)
        if isinstance(error, OSError):
            error.filename = str(path)  # the file the user named, not our temporary one
        raise
    for folder in {path.parent for _, path in temporaries}:
        sync_directory(folder)
