"""Reading and writing files safely: bounded reads, atomic saves, regular files only.

Every file this program reads goes through :func:`read_text` and every file it
writes through :func:`write_atomically`; :class:`Folder` says where the names
typed in the app may point (anywhere, or inside one visitor folder) and picks
free names for new files.

A read refuses what is not a regular file (a device such as ``/dev/zero``, a
FIFO, a socket, a folder) before opening it, opens without blocking, and reads
at most ``limit`` bytes: a larger file is refused with its size.

A save writes a temporary file in the same folder, flushes it to the disk
(``fsync``) and renames it over the target with ``os.replace``, which is atomic:
a reader sees the old file or the new one, never half of one. Only a regular
file or a new name is replaced: a device, a FIFO, a socket or a folder is
refused, and a symbolic link is followed to the regular file it names (the link
stays a link) or refused. When anything fails, the temporary file is removed,
the old file is left as it was, and a :class:`FileError` says what went wrong.

File names in messages are shown with control characters escaped
(:func:`shown_name`), so a name cannot move the cursor or change colours.
"""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Iterator
from pathlib import Path

try:
    import fcntl
except ImportError:  # Windows has none: there a check and its write are not one step
    fcntl = None  # type: ignore[assignment]

from .errors import FileError

KiB = 1024
MiB = 1024 * KiB

CSV_LIMIT = 16 * MiB
"""The largest CSV data file read (far more than the app's samples need)."""
SESSION_LIMIT = 4 * MiB
"""The largest session file read (a saved session is well under 1 MiB)."""

VISITOR_FILES = 50
"""In a visitor folder: the most files it may hold."""
VISITOR_BYTES = 20 * MiB
"""In a visitor folder: the most bytes its files may hold together."""
VISITOR_NAME = 100
"""In a visitor folder: the longest file name, in characters."""


def shown_name(path: str | os.PathLike) -> str:
    """``path`` as text fit for one message line: control characters escaped (``\\x1b``),
    as are other unprintable ones and bytes that are not text (``\\udcff``)."""
    name = os.fspath(path)
    if isinstance(name, bytes):
        name = os.fsdecode(name)
    if name.isprintable():
        return name
    return "".join(c if c.isprintable() else c.encode("unicode_escape", "backslashreplace")
                   .decode("ascii") for c in name)


def shown_value(text: str, limit: int = 40) -> str:
    """``text`` from a file, quoted for a message (``repr``), cut after ``limit`` characters."""
    if len(text) > limit:
        return repr(text[:limit]) + f"… ({len(text):,} characters)"
    return repr(text)


def size_text(size: int) -> str:
    """A size in bytes for a message: ``512 bytes``, ``3.5 KiB``, ``16 MiB``."""
    if size < KiB:
        return f"{size} bytes"
    unit, scale = ("MiB", MiB) if size >= MiB else ("KiB", KiB)
    return f"{size / scale:.1f}".rstrip("0").rstrip(".") + f" {unit}"


def _reason(exc: OSError) -> str:
    return exc.strerror or str(exc)


def _kind(mode: int) -> str:
    """What a file that is not a regular file is, in words."""
    for test, kind in ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a FIFO (named pipe)"),
                       (stat.S_ISSOCK, "a socket"), (stat.S_ISCHR, "a character device"),
                       (stat.S_ISBLK, "a block device"), (stat.S_ISLNK, "a symbolic link")):
        if test(mode):
            return kind
    return "a special file"


def read_text(path: str | os.PathLike, what: str, limit: int, encoding: str = "utf-8",
              follow_symlinks: bool = True, shown: str | None = None) -> str:
    """The text of the regular file at ``path``, at most ``limit`` bytes.

    ``what`` names the file in errors (``session``). Anything but a regular file
    is refused before it is opened (a FIFO would block, ``/dev/zero`` never ends);
    with ``follow_symlinks`` false a symbolic link is refused too. ``shown`` names
    the file in errors (default: ``path``, escaped).
    """
    name = shown_name(path) if shown is None else shown
    cannot = f"{name}: cannot read the {what} file"
    try:
        info = os.stat(path, follow_symlinks=follow_symlinks)
        if not stat.S_ISREG(info.st_mode):
            raise FileError(f"{cannot}: it is {_kind(info.st_mode)}, not a regular file")
        if info.st_size > limit:
            raise FileError(f"{cannot}: it holds {size_text(info.st_size)}, more than the "
                            f"{size_text(limit)} a {what} file may hold")
        flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
        if not follow_symlinks:
            flags |= getattr(os, "O_NOFOLLOW", 0)
        fd = os.open(path, flags)
        try:
            info = os.fstat(fd)  # what was opened, should the name have changed meanwhile
            if not stat.S_ISREG(info.st_mode):
                raise FileError(f"{cannot}: it is {_kind(info.st_mode)}, not a regular file")
            chunks, size = [], 0
            while size <= limit:
                chunk = os.read(fd, min(limit + 1 - size, MiB))
                if not chunk:
                    break
                chunks.append(chunk)
                size += len(chunk)
        finally:
            os.close(fd)
    except OSError as exc:
        raise FileError(f"{cannot}: {_reason(exc)}") from None
    if size > limit:  # a file that grew, or one whose size the system does not know
        raise FileError(f"{cannot}: it holds more than the {size_text(limit)} a {what} "
                        "file may hold")
    data = b"".join(chunks)
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise FileError(f"{name}: line {line}: not UTF-8 text (is this a {what} file?)") from None


def _temporary(folder: Path, name: str, mode: int | None) -> tuple[int, Path]:
    """Create and open a new temporary file next to the target."""
    for _ in range(100):
        tmp = folder / f".{name}.{os.urandom(4).hex()}.tmp"
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0),
                         0o666)
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


def writable_target(path: str | os.PathLike, what: str = "file", follow_symlinks: bool = True,
                    shown: str | None = None) -> tuple[Path, os.stat_result | None]:
    """Where a save to ``path`` writes, and what is there now (None: a new name).

    A :class:`FileError` when a save could not work there: not a regular file, a
    symbolic link to nothing (or any link, without ``follow_symlinks``), a folder
    that does not exist. ``shown`` names the file in errors (default: ``path``).
    """
    target = Path(path)
    name = shown_name(path) if shown is None else shown
    cannot = f"{name}: cannot save the {what}"
    try:
        info: os.stat_result | None = os.lstat(target)
    except FileNotFoundError:
        info = None
    except OSError as exc:
        raise FileError(f"{cannot}: {_reason(exc)} (nothing was written)") from None
    if info is not None and stat.S_ISLNK(info.st_mode):
        if not follow_symlinks:
            raise FileError(f"{cannot}: it is a symbolic link (nothing was written)")
        target = Path(os.path.realpath(target))
        try:
            info = os.stat(target)
        except OSError:
            raise FileError(f"{cannot}: it is a symbolic link to a file that does not "
                            "exist (nothing was written)") from None
    if info is not None and not stat.S_ISREG(info.st_mode):
        raise FileError(f"{cannot}: it is {_kind(info.st_mode)}, not a regular file "
                        "(nothing was written)")
    if info is None and not target.parent.is_dir():
        raise FileError(f"{cannot}: the folder it would go in does not exist "
                        "(nothing was written)")
    return target, info


def write_atomically(path: str | os.PathLike, data: bytes, what: str = "file",
                     follow_symlinks: bool = True, shown: str | None = None) -> Path:
    """Replace the regular file at ``path`` (or create it) by ``data``, all at once or not at all.

    ``what`` names the file in errors (``session``). The new file keeps the old
    one's permissions. A symbolic link is followed to its regular file, which is
    replaced (refused without ``follow_symlinks``). ``shown`` names the file in
    errors (default: ``path``). Returns the path given.
    """
    target, info = writable_target(path, what, follow_symlinks, shown)
    folder = target.parent
    old_mode = None if info is None else stat.S_IMODE(info.st_mode)
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
        # The target may have changed while writing: still never replace a special file.
        writable_target(target, what, False, shown_name(path) if shown is None else shown)
        os.replace(tmp, target)
        tmp = None
    except OSError as exc:
        kept = "the old file is unchanged" if info is not None else "nothing was written"
        name = shown_name(path) if shown is None else shown
        raise FileError(f"{name}: cannot save the {what}: {_reason(exc)} "
                        f"({kept})") from None
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
    _sync_folder(folder)
    return Path(path)


class Folder:
    """Where the app reads and writes the files named in it.

    ``Folder()``: anywhere; a name typed in the app is a path (``~`` is the home
    folder), new files go to the current folder. ``Folder(visitor)``: for
    servers; every file stays inside ``visitor``: a name must be a plain file
    name (no ``/``, ``..``, ``~``, leading dot, control character; at most
    :data:`VISITOR_NAME` characters), symbolic links are neither read nor
    written, and the folder holds at most :data:`VISITOR_FILES` files and
    :data:`VISITOR_BYTES` bytes. Checking those limits and making the file are
    one step (:meth:`_room`): writers at once, threads or processes, never pass them.
    """

    def __init__(self, visitor: str | os.PathLike | None = None) -> None:
        self.visitor = None if visitor is None else Path(os.path.abspath(visitor))

    def check(self) -> None:
        """A :class:`FileError` unless the visitor folder is an existing folder."""
        if self.visitor is not None and not self.visitor.is_dir():
            raise FileError(f"{shown_name(self.visitor)}: not an existing folder")

    def _here(self, name: str) -> Path:
        if self.visitor is not None:
            return self.visitor
        try:
            return Path.cwd()
        except OSError as exc:
            raise FileError(f"cannot write {name} in the current folder: {_reason(exc)}") from None

    def path(self, name: str) -> Path:
        """The file a name typed in the app stands for, or a :class:`FileError` saying why not."""
        if self.visitor is None:
            return Path(name).expanduser()
        problem = None
        if not name:
            problem = "give a file name"
        elif len(name) > VISITOR_NAME:
            problem = f"longer than {VISITOR_NAME} characters"
        elif not name.isprintable():
            problem = "it holds a control character"
        elif "/" in name or "\\" in name or name in (".", ".."):
            problem = "give a file name alone, without a folder"
        elif name.startswith("."):
            problem = "a name may not start with a dot"
        elif name.startswith("~"):
            problem = "a name may not start with ~"
        elif ".." in name:
            problem = "a name may not hold .."
        if problem is not None:
            raise FileError(f"{shown_value(name)}: refused: {problem} (files stay in this "
                            "app's own folder)")
        return self.visitor / name

    def shown(self, path: str | os.PathLike) -> str:
        """``path`` as messages show it: its name in a visitor folder, else relative to
        the current folder when inside it; control characters escaped."""
        if self.visitor is not None:
            return shown_name(Path(path).name)
        try:
            full = os.path.abspath(path)
            relative = os.path.relpath(full)
        except (OSError, ValueError):  # the current folder is gone
            return shown_name(path)
        return shown_name(full if relative.startswith("..") else relative)

    def named(self, path: str | os.PathLike) -> str:
        """``path`` as error messages name it: as given, or its name alone in a visitor
        folder (the server's folders are not the visitor's business)."""
        return shown_name(Path(path).name if self.visitor is not None else path)

    def read_text(self, path: str | os.PathLike, what: str, limit: int,
                  encoding: str = "utf-8") -> str:
        """:func:`read_text`, with symbolic links refused in a visitor folder."""
        return read_text(path, what, limit, encoding, follow_symlinks=self.visitor is None,
                         shown=self.named(path))

    @contextlib.contextmanager
    def _room(self, what: str) -> Iterator[None]:
        """In a visitor folder, hold the folder's lock (``flock`` on the folder itself)
        while it is checked and written: no other writer, in this process or another,
        counts the files between a check and the file it allows."""
        if self.visitor is None or fcntl is None:
            yield
            return
        try:
            fd = os.open(self.visitor, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0)
                         | getattr(os, "O_CLOEXEC", 0))
        except OSError as exc:
            raise FileError(f"cannot save the {what}: the folder cannot be read: "
                            f"{_reason(exc)} (nothing was written)") from None
        try:
            with contextlib.suppress(OSError):  # a file system without locks: save anyway
                fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # and with it the lock

    def _check_room(self, path: Path | None, size: int, what: str) -> None:
        """In a visitor folder, refuse writing ``size`` bytes to ``path`` (None: a new file)
        when the folder would pass its limits on files and bytes."""
        if self.visitor is None:
            return
        count, total = 0, size
        try:
            with os.scandir(self.visitor) as entries:
                for entry in entries:
                    if path is not None and entry.name == path.name:
                        continue
                    try:
                        if entry.is_file(follow_symlinks=False):
                            total += entry.stat(follow_symlinks=False).st_size
                    except FileNotFoundError:
                        continue  # gone meanwhile (another save's temporary file)
                    count += 1
        except OSError as exc:
            raise FileError(f"cannot save the {what}: the folder cannot be read: "
                            f"{_reason(exc)} (nothing was written)") from None
        if (path is None or not os.path.lexists(path)) and count >= VISITOR_FILES:
            raise FileError(f"cannot save the {what}: this app's folder holds {count} files, "
                            f"the most allowed (nothing was written)")
        if total > VISITOR_BYTES:
            raise FileError(f"cannot save the {what} ({size_text(size)}): this app's folder "
                            f"would hold more than {size_text(VISITOR_BYTES)} "
                            "(nothing was written)")

    def write(self, path: str | os.PathLike, data: bytes, what: str) -> Path:
        """:func:`write_atomically` to ``path``, within the limits of a visitor folder."""
        path = Path(path)
        with self._room(what):
            self._check_room(path, len(data), what)
            return write_atomically(path, data, what, follow_symlinks=self.visitor is None,
                                    shown=self.named(path))

    def claim(self, stem: str, suffix: str, plain_first: bool = False) -> Path:
        """A new empty file, stem-1, stem-2, … (stem first if ``plain_first``), created with
        ``O_EXCL``: two writers never get the same name. A :class:`FileError` when the
        folder cannot be used."""
        folder = self._here(f"{stem}{suffix}")
        with self._room(f"{stem}{suffix}"):
            self._check_room(None, 0, f"{stem}{suffix}")
            return self._create(folder, stem, suffix, plain_first)

    def _create(self, folder: Path, stem: str, suffix: str, plain_first: bool) -> Path:
        """The first free name of :meth:`claim`'s, created empty."""
        k = 0 if plain_first else 1
        while True:
            name = f"{stem}{suffix}" if k == 0 else f"{stem}-{k}{suffix}"
            path = folder / name
            try:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL
                             | getattr(os, "O_CLOEXEC", 0), 0o666)
            except FileExistsError:
                k = 2 if k == 0 else k + 1
                continue
            except OSError as exc:
                where = "this app's folder" if self.visitor is not None else "the current folder"
                raise FileError(f"cannot write {stem}{suffix} in {where}: "
                                f"{_reason(exc)}") from None
            os.close(fd)
            return path

    def write_new(self, stem: str, suffix: str, data: bytes, what: str,
                  plain_first: bool = False) -> Path:
        """Write ``data`` to a new file claimed by :meth:`claim`; nothing is left on failure."""
        path = self.claim(stem, suffix, plain_first)
        try:
            return self.write(path, data, what)
        except FileError:
            with contextlib.suppress(OSError):
                os.unlink(path)
            raise


ANYWHERE = Folder()
"""Files named anywhere, new files in the current folder (the command line's way)."""
