"""Reading and writing files safely: clear errors, and atomic saves.

A save writes a temporary file in the same folder, flushes it to the disk
(``fsync``) and renames it over the target with ``os.replace``, which is atomic:
a reader sees the old file or the new one, never half of one. When anything
fails, the temporary file is removed, the old file is left as it was, and a
:class:`FileError` says what went wrong.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
from pathlib import Path

from .errors import FileError


def _reason(exc: OSError) -> str:
    return exc.strerror or str(exc)


def read_text(path: str | os.PathLike, what: str, encoding: str = "utf-8") -> str:
    """The text of the file at ``path``; ``what`` names it in errors (``session``)."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise FileError(f"{os.fspath(path)}: cannot read the {what} file: {_reason(exc)}") from None
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise FileError(f"{os.fspath(path)}: line {line}: not UTF-8 text "
                        f"(is this a {what} file?)") from None


def _temporary(folder: Path, name: str, mode: int | None) -> tuple[int, Path]:
    """Create and open a new temporary file next to the target."""
    for _ in range(100):
        tmp = folder / f".{name}.{secrets.token_hex(4)}.tmp"
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except FileExistsError:
            continue
        if mode is not None:
            # Keep the default permissions rather than fail the save.
            with contextlib.suppress(OSError):
                os.chmod(tmp, mode)
        return fd, tmp
    raise FileExistsError(f"no free temporary file name in {folder}")


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable, where the system allows it."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def write_atomically(path: str | os.PathLike, data: bytes, what: str = "file") -> Path:
    """Replace the file at ``path`` by ``data``, all at once or not at all.

    ``what`` names the file in errors (``session``). The new file keeps the old
    one's permissions. Returns the path written.
    """
    target = Path(path)
    folder = target.parent
    old_mode = None
    if target.is_dir():
        raise FileError(f"{target}: cannot save the {what}: it is a folder")
    try:
        old_mode = stat.S_IMODE(target.stat().st_mode)
        existed = True
    except OSError:
        existed = False
    tmp: Path | None = None
    try:
        fd, tmp = _temporary(folder, target.name, old_mode)
        try:
            view = memoryview(data)
            while view:
                written = os.write(fd, view)
                view = view[written:]
            os.fsync(fd)  # os.write is unbuffered: the data is flushed once fsync returns
        finally:
            os.close(fd)
        os.replace(tmp, target)
        tmp = None
    except OSError as exc:
        kept = "the old file is unchanged" if existed else "nothing was written"
        raise FileError(f"{target}: cannot save the {what}: {_reason(exc)} ({kept})") from None
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
    _sync_folder(folder)
    return target
