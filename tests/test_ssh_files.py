"""``backprop-tui ssh``'s own files: the password file and the host key.

Both are read as every file of the program is (``model.files.read_text``): what is
not a regular file is refused before it is opened (a FIFO would hang the server
at start, ``/dev/zero`` would fill the memory), and a file larger than a few KiB
is refused with its size. A host key is refused, as OpenSSH's server refuses
it, when others could read or change it (group or other permission bits, another
owner), when it is reached through a symbolic link, and when it is an RSA key
below 2048 bits. Each refusal is one line on stderr naming the option, exit 2.

The server runs as a subprocess whose address space is limited (:data:`MEMORY`):
a read that never ends fails there with a MemoryError rather than taking the
machine's memory, and a FIFO that blocks fails the test after :data:`WAIT` seconds.
"""

from __future__ import annotations

import os
import resource
import socket
import stat
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

WAIT = 30.0
"""Seconds the server may take to refuse a file (it takes about half a second)."""
MEMORY = 1 << 30
"""The server's address space, in bytes: ample for refusing a file, not for /dev/zero."""

try:
    from backprop_tui.ssh import SshError, import_asyncssh, load_host_key, read_password

    asyncssh: Any = import_asyncssh()
except ImportError as exc:  # pragma: no cover - CI installs the ssh extra
    pytestmark = pytest.mark.skip(reason=f"{exc.name} is not installed (pip install -e '.[test]')")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))


def start_server(folder: Path, *args: str) -> subprocess.CompletedProcess:
    """``backprop-tui ssh`` with ``args`` in ``folder``, which is expected to refuse to start."""
    try:
        return subprocess.run(
            [sys.executable, "-m", "backprop_tui", "ssh", "--port", str(free_port()), *args],
            cwd=folder, capture_output=True, text=True, timeout=WAIT, preexec_fn=_limit_memory,
            stdin=subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired:  # run() has killed it
        pytest.fail(f"the server neither refused {args} nor exited within {WAIT} s")


def write_key(path: Path, key: Any, mode: int = 0o600, fmt: str = "openssh") -> Path:
    path.write_bytes(key.export_private_key(fmt))
    path.chmod(mode)
    return path


@pytest.fixture(scope="module")
def ed25519() -> Any:
    return asyncssh.generate_private_key("ssh-ed25519")


# ------------------------------------------------------------- refused at start

Case = Callable[[Path, Any], list[str]]
"""Makes the files of one case in a folder; returns the server's arguments."""


def _fifo(option: str, name: str) -> Case:
    def make(folder: Path, key: Any) -> list[str]:
        os.mkfifo(folder / name, 0o600)
        return [option, name]
    return make


def _too_large(option: str, name: str, size: int) -> Case:
    def make(folder: Path, key: Any) -> list[str]:
        (folder / name).write_bytes(b"x" * size)  # one line, no line break
        (folder / name).chmod(0o600)
        return [option, name]
    return make


def _key_with_mode(mode: int) -> Case:
    def make(folder: Path, key: Any) -> list[str]:
        write_key(folder / "key", key, mode)
        return ["--host-key", "key"]
    return make


def _symlink(folder: Path, key: Any) -> list[str]:
    write_key(folder / "key", key)
    (folder / "link").symlink_to("key")
    return ["--host-key", "link"]


def _dangling_symlink(folder: Path, key: Any) -> list[str]:
    (folder / "link").symlink_to("nowhere")
    return ["--host-key", "link"]


def _rsa_1024(folder: Path, key: Any) -> list[str]:
    write_key(folder / "key", asyncssh.generate_private_key("ssh-rsa", key_size=1024))
    return ["--host-key", "key"]


def _not_a_key(folder: Path, key: Any) -> list[str]:
    (folder / "key").write_text("not a key\n")
    (folder / "key").chmod(0o600)
    return ["--host-key", "key"]


def _owned_by_another_user(folder: Path, key: Any) -> list[str]:
    write_key(folder / "key", key)
    os.chown(folder / "key", 65534, 65534)  # nobody
    return ["--host-key", "key"]


def _dev_zero(option: str) -> Case:
    return lambda folder, key: [option, "/dev/zero"]


CASES: list[Any] = [
    pytest.param(_fifo("--password-file", "password"), "--password-file",
                 ["FIFO", "not a regular file"], id="password-fifo"),
    pytest.param(_dev_zero("--password-file"), "--password-file",
                 ["/dev/zero", "character device"], id="password-dev-zero"),
    pytest.param(_too_large("--password-file", "password", 5 * 1024), "--password-file",
                 ["5 KiB", "more than the 4 KiB"], id="password-too-large"),
    pytest.param(_fifo("--host-key", "key"), "--host-key",
                 ["FIFO", "not a regular file"], id="key-fifo"),
    pytest.param(_dev_zero("--host-key"), "--host-key",
                 ["/dev/zero", "character device"], id="key-dev-zero"),
    pytest.param(_too_large("--host-key", "key", 100 * 1024), "--host-key",
                 ["100 KiB", "more than the 64 KiB"], id="key-too-large"),
    pytest.param(_key_with_mode(0o644), "--host-key",
                 ["0644", "too open", "chmod 600 key"], id="key-mode-644"),
    pytest.param(_key_with_mode(0o640), "--host-key",
                 ["0640", "too open", "chmod 600 key"], id="key-mode-640-group"),
    pytest.param(_key_with_mode(0o604), "--host-key",
                 ["0604", "too open", "chmod 600 key"], id="key-mode-604-other"),
    pytest.param(_symlink, "--host-key",
                 ["link", "symbolic link", "give the file itself"], id="key-symlink"),
    pytest.param(_dangling_symlink, "--host-key",
                 ["link", "symbolic link"], id="key-dangling-symlink"),
    pytest.param(_rsa_1024, "--host-key", ["RSA", "1024 bits", "2048"], id="key-rsa-1024"),
    pytest.param(_not_a_key, "--host-key", ["not a private key"], id="key-not-a-key"),
    pytest.param(_owned_by_another_user, "--host-key", ["owned by", "nobody", "chown"],
                 id="key-other-owner",
                 marks=pytest.mark.skipif(os.geteuid() != 0, reason="chown needs root")),
]


@pytest.mark.parametrize("make, option, words", CASES)
def test_a_file_the_server_must_not_use_exits_2_with_one_line(
        tmp_path: Path, ed25519: Any, make: Case, option: str, words: list[str]) -> None:
    args = make(tmp_path, ed25519)
    before = {path.name: path.lstat() for path in tmp_path.iterdir()}
    done = start_server(tmp_path, *args)
    assert done.returncode == 2, done.stderr
    assert done.stdout == ""
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith(f"backprop-tui: error: argument {option}: "), lines[0]
    for word in words:
        assert word in lines[0], lines[0]
    # Nothing was made or replaced: no new key next to a refused one.
    after = {path.name: path.lstat() for path in tmp_path.iterdir()}
    assert after.keys() == before.keys()
    for name, info in before.items():
        assert (after[name].st_ino, after[name].st_mtime_ns) == (info.st_ino, info.st_mtime_ns)


# ------------------------------------------------------------- used

def test_a_good_ed25519_key_is_used(tmp_path: Path, ed25519: Any) -> None:
    path = write_key(tmp_path / "key", ed25519)
    key, created = load_host_key(path)
    assert not created
    assert key.export_public_key() == ed25519.export_public_key()
    assert key.get_fingerprint() == ed25519.get_fingerprint()


@pytest.mark.parametrize("fmt", ["openssh", "pkcs8-pem", "pkcs8-der"])
def test_an_rsa_key_of_2048_bits_is_used(tmp_path: Path, fmt: str) -> None:
    rsa = asyncssh.generate_private_key("ssh-rsa", key_size=2048)
    key, created = load_host_key(write_key(tmp_path / "key", rsa, fmt=fmt))
    assert not created
    assert key.export_public_key() == rsa.export_public_key()


def test_an_rsa_key_below_2048_bits_is_refused(tmp_path: Path) -> None:
    rsa = asyncssh.generate_private_key("ssh-rsa", key_size=1024)
    with pytest.raises(SshError, match=r"^argument --host-key: .*1024 bits"):
        load_host_key(write_key(tmp_path / "key", rsa))


def test_a_key_made_by_the_server_is_0600_and_used_again(tmp_path: Path) -> None:
    path = tmp_path / "key"
    old = os.umask(0)  # even with nothing masked, the new key is the owner's alone
    try:
        made, created = load_host_key(path)
    finally:
        os.umask(old)
    assert created
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_ISREG(path.lstat().st_mode)
    again, created = load_host_key(path)
    assert not created
    assert again.export_public_key() == made.export_public_key()


@pytest.mark.parametrize("text", ["correct horse\n", "correct horse\r\n", "correct horse"])
def test_a_good_password_file_is_read(tmp_path: Path, text: str) -> None:
    (tmp_path / "password").write_bytes(text.encode())
    assert read_password(tmp_path / "password") == "correct horse"


def test_a_password_file_of_4_kib_is_read(tmp_path: Path) -> None:
    (tmp_path / "password").write_text("p" * 4095 + "\n")
    assert read_password(tmp_path / "password") == "p" * 4095
