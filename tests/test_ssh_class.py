"""``backprop-tui ssh --class``: the teacher and the students as real OpenSSH clients in
pseudo-terminals, each screen read through a terminal emulator (see tests/test_ssh.py)."""

from __future__ import annotations

import csv
import subprocess
from pathlib import Path

import pytest

from backprop_tui.present.format import number

from . import test_ssh
from .test_ssh import Client, SshServer, default_cost, run

pytestmark = getattr(test_ssh, "pytestmark", [])  # skipped as test_ssh is (no ssh, asyncssh)

STUDENT = ["-o", "BatchMode=no", "-o", "PubkeyAuthentication=no"]
"""A student's client: no key offered; the class lets them in without a prompt."""


@pytest.fixture
def teacher_key(tmp_path: Path) -> Path:
    key = tmp_path / "teacher"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
    return key


def teacher_options(key: Path) -> list[str]:
    return ["-i", str(key), "-o", "IdentitiesOnly=yes"]


def test_a_class_follows_answers_and_goes_on_when_the_teacher_drops(
        tmp_path: Path, teacher_key: Path, clients: list[Client]) -> None:
    answers = tmp_path / "answers.csv"
    server = SshServer(tmp_path, "--class", "--teacher-key", f"{teacher_key}.pub",
                       "--answers", str(answers))
    try:
        teacher = Client(server.port, *teacher_options(teacher_key), user="ann", cols=120,
                         rows=36)
        clients.append(teacher)
        teacher.wait_for("teaching 0")
        students = [Client(server.port, *STUDENT, user=name) for name in ("bob", "cy")]
        clients.extend(students)
        for student in students:
            student.wait_for("following ann")
        teacher.wait_for("teaching 2 · 2 following")
        server.wait_for_line("cy joined as a student")
        # the teacher's f reaches both screens without a key of theirs
        teacher.press("f")
        cost = f"C {number(default_cost(), signed=True)}"
        assert cost == "C +0.1804"
        for student in students:
            student.wait_for(cost)
        # a key that would change the lesson is refused in one line
        students[0].press("s")
        students[0].wait_for("following ann: F goes your own way")
        # the teacher asks: both students are asked the same hidden factor
        teacher.press("z")
        teacher.press("b")
        for student in students:
            student.wait_for("class question · ∂C/∂a(L) =")
        truth = 2 * (0.5753 - 1.0)  # 2·(a(L) − y), a(L) as the screen shows it
        students[0].press(f"{truth:.4f}\r")
        students[1].press("0.5\r")
        teacher.wait_for("answered 2 of 2")
        teacher.wait_for("50% right")
        teacher.press("\r")  # enter on the empty answer reveals it to the class
        students[0].wait_for("is right")
        students[1].wait_for("is off by")
        # the teacher drops: the students go on by themselves
        teacher.kill()
        for student in students:
            student.wait_for("teacher is away")
        students[1].press("\x1b")  # leave the answer field
        students[1].pump(0.5)  # (escape then s at once would be alt+s)
        students[1].press("s")
        students[1].wait_for("phase: step")
        server.wait_for_line("ann left")
    finally:
        server.stop()
    rows = list(csv.reader(answers.open()))
    assert rows[0] == ["time", "name", "question", "answer", "result"]
    assert sorted((r[1], r[4]) for r in rows[1:]) == [("bob", "right"), ("cy", "wrong")]


def test_class_options_are_refused_in_one_line_when_they_do_not_go_together(
        tmp_path: Path) -> None:
    (tmp_path / "keys").write_text("not a key\n")
    for args, says in (
            (["--class"], "needs --teacher-key"),
            (["--teacher-key", "keys"], "add --class"),
            (["--answers", "a.csv"], "add --class"),
            (["--class", "--teacher-key", "keys"], "authorized_keys"),
            (["--class", "--teacher-key", "missing"], "--teacher-key"),
            (["--class", "--teacher-key", "keys", "--password-file", "keys"],
             "--class-code-file"),
    ):
        done = run("ssh", "--port", "1", *args, cwd=tmp_path)
        assert done.returncode == 2, (args, done.stderr)
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1 and says in lines[0], (args, done.stderr)
        assert "Traceback" not in done.stderr


def test_a_student_in_the_plain_mode_follows_and_answers_in_lines(
        tmp_path: Path, teacher_key: Path, clients: list[Client]) -> None:
    server = SshServer(tmp_path, "--class", "--teacher-key", f"{teacher_key}.pub")
    try:
        teacher = Client(server.port, *teacher_options(teacher_key), user="ann", cols=120,
                         rows=36)
        clients.append(teacher)
        teacher.wait_for("teaching 0")
        student = Client(server.port, *STUDENT, user="dee", term="dumb")
        clients.append(student)
        student.wait_for("ann teaches and this")
        teacher.wait_for("teaching 1 · 1 following")
        teacher.press("f")
        student.wait_for("ann: the forward pass.")
        student.wait_for("C = +0.1804")
        student.press("s")  # refused while following, in one line
        student.wait_for("following ann: F goes your own way")
        teacher.press("z")
        teacher.press("b")
        student.wait_for("Class question from ann: dC/da(L) = ?")
        student.press("-0.8495\r")
        teacher.wait_for("answered 1 of 1")
        teacher.press("\r")
        student.wait_for("Revealed: dC/da(L) = minus 0.8495; your -0.8495 is right.")
        raw = bytes(student.raw)
        assert b"\x1b" not in raw  # lines only, as the plain mode writes them
    finally:
        server.stop()


def test_the_teachers_public_key_alone_does_not_make_the_teacher(
        tmp_path: Path, teacher_key: Path, clients: list[Client]) -> None:
    """Offering the teacher's public key without its private key (the public key is public)
    lets the client in as a student only."""
    alone = tmp_path / "only-public"
    alone.mkdir()
    (alone / "id_ed25519.pub").write_text((tmp_path / "teacher.pub").read_text())
    server = SshServer(tmp_path, "--class", "--teacher-key", f"{teacher_key}.pub")
    try:
        pretender = Client(server.port, "-o", "BatchMode=no", "-i",
                           str(alone / "id_ed25519.pub"), "-o", "IdentitiesOnly=yes",
                           user="mallory")
        clients.append(pretender)
        pretender.wait_for("teacher is away")  # a student, and no teacher here
        line = server.wait_for_line("mallory joined")
        assert "as a student" in line
    finally:
        server.stop()
