"""The servers' imports write nothing on stderr, and hide no warning but the one meant.

asyncssh 2.24 names cryptography's DSA classes when imported, and cryptography 51
deprecates DSA: ten lines of ``CryptographyDeprecationWarning`` before every line
the ssh server says. ``ssh.import_asyncssh`` ignores that one warning, during that
import only.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from backprop_tui.ssh import asyncssh_missing

pytestmark = pytest.mark.skipif(asyncssh_missing() is not None, reason="asyncssh is not installed")

SERVER_IMPORTS = textwrap.dedent("""
    import backprop_tui.cli
    import backprop_tui.serve
    import backprop_tui.ssh as ssh
    ssh.asyncssh_missing()
    asyncssh = ssh.import_asyncssh()
    asyncssh.generate_private_key("ssh-ed25519")
    import aiohttp, textual_serve
""")


def python(code: str, *options: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *options, "-c", code], capture_output=True,
                          text=True, timeout=60)


@pytest.mark.parametrize("options", [(), ("-W", "default"), ("-X", "dev")])
def test_every_import_the_servers_make_writes_nothing_on_stderr(options: tuple[str, ...]) -> None:
    pytest.importorskip("aiohttp")
    done = python(SERVER_IMPORTS, *options)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""


def test_other_warnings_stay_visible_after_asyncssh_is_imported() -> None:
    done = python(textwrap.dedent("""
        import warnings
        before = list(warnings.filters)
        from backprop_tui import ssh
        ssh.import_asyncssh()
        assert warnings.filters == before, "the filter outlived the import"
        from cryptography.utils import CryptographyDeprecationWarning
        warnings.warn("DSA is deprecated (later)", CryptographyDeprecationWarning)
        warnings.warn("something else", DeprecationWarning)
    """), "-W", "default")
    assert done.returncode == 0, done.stderr
    assert "DSA is deprecated (later)" in done.stderr
    assert "something else" in done.stderr


def test_an_error_after_asyncssh_is_loaded_is_one_line(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "backprop_tui", "ssh", "--port", "2222",
                           "--host-key", str(tmp_path)], capture_output=True, text=True,
                          timeout=60, cwd=tmp_path)
    assert done.returncode == 2
    assert len(done.stderr.splitlines()) == 1, done.stderr
    assert "--host-key" in done.stderr
