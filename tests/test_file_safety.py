"""Files that are not what they seem: devices, FIFOs, sockets, folders, links, huge files,
names with escapes, and two writers wanting the same free name."""

from __future__ import annotations

import json
import os
import socket
import stat
import subprocess
import sys
import threading

import pytest

from backprop_tui import cli
from backprop_tui.model import FileError, Folder, load_session, save_session
from backprop_tui.model import files as files_module
from backprop_tui.model.files import (
    CSV_LIMIT,
    SESSION_LIMIT,
    VISITOR_FILES,
    read_text,
    shown_name,
    write_atomically,
)
from backprop_tui.model.limits import MAX_SAMPLES

from .test_cli import one_error_line, run
from .test_session import trained_session

TRAIN = ["train", "--x", "0,1", "--y", "0,1", "--steps", "3"]


def fifo(path):
    os.mkfifo(path)
    return path


@pytest.fixture
def specials(tmp_path):
    """A FIFO, a socket, a folder and, where allowed, a character device like /dev/null."""
    found = {"a FIFO": fifo(tmp_path / "pipe"), "a folder": tmp_path / "folder"}
    found["a folder"].mkdir()
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(tmp_path / "sock"))
    found["a socket"] = tmp_path / "sock"
    try:
        os.mknod(tmp_path / "null", stat.S_IFCHR | 0o666, os.makedev(1, 3))
        found["a character device"] = tmp_path / "null"
    except (PermissionError, OSError):
        pass  # not root: the other kinds still run
    yield found
    sock.close()


def kind_of(path) -> int:
    return stat.S_IFMT(os.lstat(path).st_mode)


# -- saving never replaces what is not a regular file ------------------------------------------

def test_a_save_refuses_devices_fifos_sockets_and_folders(specials):
    session = trained_session(steps=1)
    for kind, path in specials.items():
        before = kind_of(path)
        with pytest.raises(FileError, match=f"it is {kind}") as caught:
            save_session(session, path)
        assert "\n" not in str(caught.value)
        assert kind_of(path) == before, kind  # still what it was
        assert sorted(p.name for p in path.parent.iterdir() if p.name.startswith(".")) == []


def test_train_save_onto_a_special_file_exits_2_and_leaves_it(specials):
    for kind, path in specials.items():
        before = kind_of(path)
        one_error_line(run(*TRAIN, "--save", str(path)), "--save", kind)
        assert kind_of(path) == before, kind


def test_a_link_to_a_regular_file_is_followed_and_stays_a_link(tmp_path):
    real = tmp_path / "real.json"
    real.write_text("old")
    link = tmp_path / "link.json"
    link.symlink_to(real)
    save_session(trained_session(steps=2), link)
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert load_session(real).steps == 2


def test_a_link_to_nothing_or_to_a_fifo_is_refused(tmp_path):
    dangling = tmp_path / "dangling.json"
    dangling.symlink_to(tmp_path / "nowhere.json")
    to_fifo = tmp_path / "to-fifo"
    to_fifo.symlink_to(fifo(tmp_path / "pipe"))
    for link, words in ((dangling, "does not exist"), (to_fifo, "FIFO")):
        with pytest.raises(FileError, match=words):
            write_atomically(link, b"x", "session")
        assert link.is_symlink()
    assert not (tmp_path / "nowhere.json").exists()
    assert stat.S_ISFIFO(os.stat(tmp_path / "pipe").st_mode)
    one_error_line(run(*TRAIN, "--save", str(dangling)), "--save", "does not exist")


def test_a_file_that_turns_into_a_fifo_during_the_save_is_not_replaced(tmp_path, monkeypatch):
    target = tmp_path / "lesson.json"
    target.write_text("old")
    real_fsync = os.fsync

    def swap(fd):  # between the first check and the rename
        real_fsync(fd)
        if target.exists() and not stat.S_ISFIFO(os.lstat(target).st_mode):
            target.unlink()
            os.mkfifo(target)

    monkeypatch.setattr(os, "fsync", swap)
    with pytest.raises(FileError, match="FIFO"):
        write_atomically(target, b"new", "session")
    assert stat.S_ISFIFO(os.lstat(target).st_mode)
    assert [p.name for p in tmp_path.iterdir()] == ["lesson.json"]


# -- free names are claimed, never checked and then written -----------------------------------

def test_a_free_name_that_appears_after_the_check_is_never_overwritten(tmp_path, monkeypatch):
    """Another writer creates the name between a look and a write: no look is trusted."""
    (tmp_path / "backprop-handout-1.md").write_text("theirs")
    monkeypatch.setattr(os.path, "lexists", lambda path: False)
    monkeypatch.setattr(os.path, "exists", lambda path: False)
    folder = Folder(tmp_path)
    path = folder.write_new("backprop-handout", ".md", b"mine", "handout")
    assert path.name == "backprop-handout-2.md" and path.read_bytes() == b"mine"
    assert (tmp_path / "backprop-handout-1.md").read_text() == "theirs"


def test_writers_at_once_each_get_their_own_name(tmp_path):
    folder = Folder(tmp_path)
    paths: list = []
    barrier = threading.Barrier(8)

    def writer(k: int) -> None:
        barrier.wait(timeout=10)
        for _ in range(4):
            paths.append(folder.write_new("backprop-screenshot", ".svg", str(k).encode(),
                                          "screenshot"))

    threads = [threading.Thread(target=writer, args=(k,)) for k in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(paths) == len(set(paths)) == 32
    assert len(list(tmp_path.iterdir())) == 32  # no temporary file left, none lost


# -- bounded reads, regular files only ----------------------------------------------------------

def test_reading_a_fifo_is_refused_without_blocking(tmp_path):
    pipe = fifo(tmp_path / "pipe")
    with pytest.raises(FileError, match="FIFO"):
        read_text(pipe, "CSV", CSV_LIMIT)
    # The command line too, in a process that would hang on open() if it tried.
    one_error_line(run("trace", "--data", str(pipe)), "--data", "FIFO")
    one_error_line(run("trace", "--session", str(pipe)), "--session", "FIFO")


def test_dev_zero_and_folders_are_refused_as_data():
    one_error_line(run("trace", "--data", "/dev/zero"), "--data", "character device")
    one_error_line(run("trace", "--session", "/dev/zero"), "--session", "character device")
    one_error_line(run("trace", "--data", "/"), "--data", "folder")


def test_files_over_the_limits_are_refused_with_their_size(tmp_path):
    big = tmp_path / "big.csv"
    with open(big, "wb") as f:
        f.truncate(CSV_LIMIT + 1)  # sparse: costs no disk
    line = one_error_line(run("trace", "--data", str(big)), "--data", "16 MiB")
    assert "big.csv" in line
    session = tmp_path / "big.json"
    with open(session, "wb") as f:
        f.truncate(SESSION_LIMIT + 1)
    one_error_line(run("trace", "--session", str(session)), "--session", "4 MiB")


def test_a_file_whose_size_is_unknown_is_still_read_at_most_to_the_limit(tmp_path, monkeypatch):
    path = tmp_path / "grows.csv"
    path.write_bytes(b"x" * 5000)
    real_stat = os.stat

    def says_empty(p, *args, **kwargs):  # like /proc files: size 0, content anyway
        info = real_stat(p, *args, **kwargs)
        return os.stat_result((info.st_mode, *info[1:6], 0, *info[7:]))

    monkeypatch.setattr(files_module.os, "stat", says_empty)
    with pytest.raises(FileError, match="more than the 1 KiB"):
        read_text(path, "CSV", 1024)


def test_a_ten_megabyte_line_is_one_line_of_error(tmp_path):
    path = tmp_path / "line.csv"
    path.write_text("1" * 10_000_000)
    line = one_error_line(run("trace", "--data", str(path)), "--data", "line 1")
    assert len(line) < 300


def test_a_long_cell_is_quoted_short(tmp_path):
    path = tmp_path / "long.csv"
    path.write_text("x,y\n0,0\n" + "z" * 5000 + ",1\n")
    line = one_error_line(run("trace", "--data", str(path)), "--data", "line 3", "5,000")
    assert len(line) < 300


# -- the app's sample cap -----------------------------------------------------------------------

def many_samples(path, n: int):
    path.write_text("x,y\n" + "".join(f"{k / n},{k % 2}\n" for k in range(n)))
    return path


@pytest.mark.parametrize("n", [MAX_SAMPLES + 1, 100_000])
def test_the_app_refuses_more_samples_than_it_takes(tmp_path, n, monkeypatch, capsys):
    started = []
    monkeypatch.setattr("backprop_tui.tui.app.run_app", lambda *a, **k: started.append(a) or 0)
    data = many_samples(tmp_path / "many.csv", n)
    assert cli.main(["--data", str(data)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--data" in err[0] and str(MAX_SAMPLES) in err[0], err
    xs = ",".join(str(k) for k in range(MAX_SAMPLES + 1))
    assert cli.main(["--x", xs, "--y", xs]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--x" in err[0] and str(MAX_SAMPLES) in err[0], err
    assert started == []
    # At the cap, the app starts; train takes any number.
    assert cli.main(["--data", str(many_samples(tmp_path / "just.csv", MAX_SAMPLES))]) == 0
    assert len(started) == 1
    assert run("train", "--data", str(data), "--steps", "1", "--json").returncode == 0


def test_a_session_with_more_samples_than_the_app_takes_is_refused_by_the_app(tmp_path,
                                                                              monkeypatch,
                                                                              capsys):
    monkeypatch.setattr("backprop_tui.tui.app.run_app", lambda *a, **k: 0)
    data = many_samples(tmp_path / "many.csv", 200)
    saved = tmp_path / "many.json"
    assert run("train", "--data", str(data), "--steps", "2", "--save", str(saved)).returncode == 0
    assert cli.main(["--session", str(saved)]) == 2
    err = capsys.readouterr().err.strip()
    assert "--session" in err and "200" in err


# -- numbers a session file cannot hold ---------------------------------------------------------

@pytest.mark.parametrize("field, value, words", [
    ("steps", "9" * 5000, ["thousands of digits"]),
    ("steps", str(2**63), ["steps", "too large"]),
    ("steps", str(2**64 + 5), ["steps", "too large"]),
    ("batch_size", "1" + "0" * 4000, ["batch_size", "digits"]),
])
def test_huge_whole_numbers_in_a_session_are_refused_in_one_line(tmp_path, field, value, words):
    path = tmp_path / "lesson.json"
    save_session(trained_session(steps=3), path)
    text = path.read_text()
    data = json.loads(text)
    text = text.replace(f'"{field}": {data[field]}', f'"{field}": {value}')
    assert value in text
    path.write_text(text)
    with pytest.raises(FileError) as caught:
        load_session(path)
    message = str(caught.value)
    assert all(w in message for w in words) and len(message) < 200, message
    one_error_line(run("train", "--session", str(path), "--steps", "1"), "--session")


def test_a_huge_count_in_the_history_is_refused(tmp_path):
    path = tmp_path / "lesson.json"
    save_session(trained_session(steps=3), path)
    data = json.loads(path.read_text())
    data["history"]["start"] = 2**63
    path.write_text(json.dumps(data))
    with pytest.raises(FileError, match="history.start"):
        load_session(path)


# -- names with escapes are shown escaped -------------------------------------------------------

def test_control_characters_in_names_are_shown_escaped():
    assert shown_name("plain name.json") == "plain name.json"
    assert shown_name("\x1b[31mred\x07.json") == "\\x1b[31mred\\x07.json"
    assert shown_name("a\nb\u202e.csv") == "a\\nb\\u202e.csv"
    assert shown_name(os.fsdecode(b"bad\xff.csv")) == "bad\\udcff.csv"


def test_the_command_line_never_prints_a_control_character(tmp_path):
    name = tmp_path / "\x1b]0;pwned\x07\x1b[2J.csv"
    done = run("trace", "--data", str(name))
    line = one_error_line(done, "--data", "\\x1b]0;pwned\\x07")
    assert "\x1b" not in done.stderr and "\x07" not in done.stderr
    name.write_text("x,y\n0,1\n")
    saved = tmp_path / "s\x1b[2J.json"
    done = run("train", "--data", str(name), "--steps", "1", "--save", str(saved))
    assert done.returncode == 0, done.stderr
    assert "\x1b" not in done.stdout and "s\\x1b[2J.json" in done.stdout
    assert "x1b]0;pwned" in line


# -- the visitor folder's rules -----------------------------------------------------------------

@pytest.mark.parametrize("name", [
    "../evil", "..", ".", "/etc/passwd", "~/x", "~root", "sub/x.json", "a\\b", ".hidden",
    "x" * 101, "a\x1bb", "a..b", "",
])
def test_a_visitor_folder_refuses_names_that_could_leave_it(tmp_path, name):
    with pytest.raises(FileError, match="refused"):
        Folder(tmp_path).path(name)


def test_a_visitor_folder_takes_plain_names(tmp_path):
    folder = Folder(tmp_path)
    assert folder.path("mine.json") == tmp_path / "mine.json"
    assert folder.path("a b-c_1.csv") == tmp_path / "a b-c_1.csv"


def test_a_visitor_folder_neither_reads_nor_writes_through_links(tmp_path):
    outside = tmp_path / "outside.csv"
    outside.write_text("x,y\n0,1\n")
    inside = tmp_path / "in"
    inside.mkdir()
    (inside / "link.csv").symlink_to(outside)
    folder = Folder(inside)
    with pytest.raises(FileError, match="link|Too many levels"):
        folder.read_text(inside / "link.csv", "CSV", CSV_LIMIT)
    with pytest.raises(FileError, match="symbolic link"):
        folder.write(inside / "link.csv", b"x,y\n", "CSV")
    assert outside.read_text() == "x,y\n0,1\n"


def test_a_visitor_folder_holds_a_bounded_number_of_files_and_bytes(tmp_path, monkeypatch):
    folder = Folder(tmp_path)
    for _ in range(VISITOR_FILES):
        folder.write_new("f", ".txt", b"x", "file")
    with pytest.raises(FileError, match=f"holds {VISITOR_FILES} files"):
        folder.write_new("f", ".txt", b"x", "file")
    folder.write(tmp_path / "f-1.txt", b"rewritten", "file")  # an existing file: fine
    monkeypatch.setattr(files_module, "VISITOR_BYTES", 100)
    with pytest.raises(FileError, match="more than 100 bytes"):
        folder.write(tmp_path / "f-1.txt", b"y" * 60, "file")
    assert (tmp_path / "f-1.txt").read_bytes() == b"rewritten"
    assert len(list(tmp_path.iterdir())) == VISITOR_FILES


def test_visitor_dir_is_an_app_option_checked_on_the_command_line(tmp_path, monkeypatch,
                                                                  capsys):
    seen = {}
    monkeypatch.setattr("backprop_tui.tui.app.run_app",
                        lambda lesson, **kw: seen.update(kw) or 0)
    assert cli.main(["--visitor-dir", str(tmp_path)]) == 0
    assert seen["folder"].visitor == tmp_path
    assert cli.main(["--visitor-dir", str(tmp_path / "missing")]) == 2
    assert "--visitor-dir" in capsys.readouterr().err
    assert cli.main(["--visitor-dir", str(tmp_path), "train"]) == 2
    assert "app only" in capsys.readouterr().err
    helped = subprocess.run([sys.executable, "-m", "backprop_tui", "--help"],
                            capture_output=True, text=True, timeout=60, check=False).stdout
    assert "for servers: keep every file the app reads or writes" in " ".join(helped.split())
