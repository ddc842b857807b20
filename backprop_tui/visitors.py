"""Where the servers (``serve``, ``ssh``) make their visitors' folders, and how a server
killed with SIGKILL has its folders removed by the next one.

Each server run makes one private folder of its own in the temporary folder,
``backprop-tui-server-XXXXXXXX`` (mode 0700), and every visitor's folder inside
it (:meth:`VisitorFolders.make`, mode 0700). The server folder holds a lock file,
:data:`LOCK_NAME`, that the server keeps locked (``flock``) for as long as it
runs: the lock goes away with the server's process, however it ends, since only
the server holds it (the file is opened close-on-exec, so no app inherits it).

A server that stops normally removes its folder (:meth:`VisitorFolders.close`).
One that was killed cannot: :func:`sweep`, called as a server starts, removes
every ``backprop-tui-server-*`` folder of this user whose lock file exists and
is not locked (its server is gone). A folder whose lock is held (a server still
running) or that has no lock file (not a server's, or one being made) is left
alone, as is anything that is not a real folder (a symbolic link) or is not this
user's.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import stat
import tempfile
from pathlib import Path

PREFIX = "backprop-tui-server-"
"""The start of the name of each server's own folder in the temporary folder."""
LOCK_NAME = "server.lock"
"""The file in a server's folder that the server keeps locked while it runs."""
_NEW_LOCK = ".server.lock.new"
"""The lock file's name until it is locked: a server starting at the same moment never
finds it unlocked (see :func:`sweep`)."""
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_DIRECTORY = getattr(os, "O_DIRECTORY", 0)


class VisitorFolders:
    """One server run's folder of visitor folders, locked until :meth:`close`.

    Made in ``tmp`` (default: the temporary folder); an :class:`OSError` if it
    cannot be.
    """

    def __init__(self, tmp: str | os.PathLike | None = None) -> None:
        self.parent = Path(tempfile.mkdtemp(prefix=PREFIX, dir=tmp))  # mode 0700
        self.lock: int | None = None
        try:
            fd = os.open(self.parent / _NEW_LOCK,
                         os.O_RDWR | os.O_CREAT | os.O_EXCL | _CLOEXEC | _NOFOLLOW, 0o600)
            self.lock = fd
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # a new file: never blocks
            # Locked first, named second: a sweep finds no lock file, or a locked one.
            os.rename(self.parent / _NEW_LOCK, self.parent / LOCK_NAME)
        except BaseException:
            self.close()
            raise

    @property
    def lock_path(self) -> Path:
        return self.parent / LOCK_NAME

    def make(self, prefix: str) -> Path:
        """A new empty private folder (mode 0700) for one visitor, named ``prefix…``."""
        folder = Path(tempfile.mkdtemp(prefix=prefix, dir=self.parent))
        os.chmod(folder, 0o700)
        return folder

    def close(self) -> None:
        """Remove the server's folder, with every visitor folder still in it, and unlock."""
        shutil.rmtree(self.parent, ignore_errors=True)
        if self.lock is not None:
            with contextlib.suppress(OSError):
                os.close(self.lock)
            self.lock = None

    def __enter__(self) -> VisitorFolders:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def sweep(tmp: str | os.PathLike | None = None) -> list[Path]:
    """Remove the folders that servers now gone left in ``tmp`` (default: the temporary
    folder); returns the folders removed. Never raises: what cannot be read is left."""
    where = Path(tempfile.gettempdir() if tmp is None else tmp)
    removed = []
    try:
        with os.scandir(where) as found:
            entries = [entry for entry in found if entry.name.startswith(PREFIX)]
    except OSError:
        return []
    for entry in entries:
        folder = where / entry.name
        with contextlib.suppress(OSError):
            if _remove_if_abandoned(folder):
                removed.append(folder)
    return removed


def _remove_if_abandoned(folder: Path) -> bool:
    """Remove ``folder`` if it is this user's real folder whose lock file no one holds."""
    uid = os.getuid()
    info = os.lstat(folder)
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != uid:
        return False  # a symbolic link, a file, someone else's
    directory = os.open(folder, os.O_RDONLY | _DIRECTORY | _NOFOLLOW | _CLOEXEC)
    try:
        opened = os.fstat(directory)
        if (opened.st_dev, opened.st_ino) != (info.st_dev, info.st_ino):
            return False  # replaced meanwhile
        try:
            lock = os.open(LOCK_NAME, os.O_RDONLY | os.O_NONBLOCK | _NOFOLLOW | _CLOEXEC,
                           dir_fd=directory)
        except FileNotFoundError:
            return False  # no lock file: not a server's folder, or one being made
    finally:
        os.close(directory)
    try:
        lock_info = os.fstat(lock)
        if not stat.S_ISREG(lock_info.st_mode) or lock_info.st_uid != uid:
            return False
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False  # its server is still running
        # Its server is gone. Removed while locked: another server sweeping at the
        # same moment finds it locked and leaves it to this one.
        shutil.rmtree(folder, ignore_errors=True)
        return True
    finally:
        os.close(lock)
