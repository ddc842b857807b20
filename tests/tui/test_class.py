"""A class that follows its teacher, in one process: the hub on a Unix socket, one real app
(the teacher's or a student's), and the other side played by plain socket clients speaking
the hub's protocol. The same over OpenSSH is in tests/test_ssh_class.py."""

from __future__ import annotations

import asyncio
import csv
import json
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backprop_tui.hub import AnswerLog, Hub, message
from backprop_tui.model.files import Folder
from backprop_tui.model.follow import Shared
from backprop_tui.tui.app import BackpropApp
from backprop_tui.tui.class_link import ClassLink

from .helpers import lecture, screen_text, wait_until


@pytest.fixture
def socket_dir():
    folder = Path(tempfile.mkdtemp(prefix="bt-hub-", dir="/tmp"))  # short: a socket path
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


async def until(pilot, condition) -> None:
    """Wait for what the hub and the app do between them (30 s at most: a busy machine)."""
    await wait_until(pilot, condition, 30.0)


class Peer:
    """An app's side of the hub played by hand."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer
        self.seen: list[dict] = []

    @classmethod
    async def join(cls, path: Path, token: str) -> Peer:
        reader, writer = await asyncio.open_unix_connection(str(path), limit=2**24)
        writer.write(message("hello", token=token))
        return cls(reader, writer)

    def send(self, kind: str, **fields) -> None:
        self.writer.write(message(kind, **fields))

    async def next(self, kind: str, seconds: float = 30.0, where=lambda data: True) -> dict:
        async def read() -> dict:
            while True:
                line = await self.reader.readline()
                assert line, "the hub closed the connection"
                data = json.loads(line)
                self.seen.append(data)
                if data["kind"] == "state":
                    self.send("shown")  # as an app does once it has drawn it
                if data["kind"] == kind and where(data):
                    return data
        return await asyncio.wait_for(read(), seconds)

    def close(self) -> None:
        self.writer.close()


async def hub_in(folder: Path, answers: Path | None = None) -> tuple[Hub, Path, list[str]]:
    said: list[str] = []
    hub = Hub(said.append, None if answers is None else AnswerLog(answers))
    path = folder / "hub"
    await hub.start(path)
    return hub, path, said


def teacher_state(keys: str) -> dict:
    lesson = lecture()
    for key in keys:
        {"f": lesson.forward, "b": lesson.backward, "s": lesson.step}[key]()
    step = lesson.last_step
    return Shared(lesson.to_session(), lesson.phase,
                  None if step is None else step.old, {"shown_layer": 3}).to_dict()


async def test_a_student_follows_the_teacher_and_goes_their_own_way(socket_dir):
    hub, path, said = await hub_in(socket_dir)
    teacher_token, _ = hub.admit("ann", teacher=True)
    token, name = hub.admit("bob", teacher=False)
    teacher = await Peer.join(path, teacher_token)
    await teacher.next("welcome")
    app = BackpropApp(lecture(), link=ClassLink(str(path), token))
    async with app.run_test(size=(100, 32)) as pilot:
        link = app.link
        await until(pilot, lambda: link.teaching == "ann")
        assert "following ann" in "\n".join(screen_text(app))
        teacher.send("state", shared=teacher_state("f"))
        await until(pilot, lambda: app.lesson.phase == "forward")
        assert f"{app.lesson.forward_pass.mean_cost:.4f}" == "0.1804"
        assert any("C = 0.1804" in line or "0.1804" in line for line in screen_text(app))
        # a key that would change the lesson is refused in one line; nothing changes
        version = app.lesson.version
        for key in ("s", "r", "t", "o"):
            await pilot.press(key)
            assert app.lesson.version == version
        assert "following ann: F goes your own way" in "\n".join(screen_text(app))
        # a key that would move the view away from the teacher's is put back, with that line
        await pilot.press("left_square_bracket")
        assert app.main.shown_layer == 3
        # F: their own way, from the lesson as it is
        await pilot.press("F")
        await teacher.next("roster", where=lambda d: any(
            m["name"] == "bob" and not m["following"] for m in d["members"]))
        await pilot.press("s")
        assert app.lesson.phase == "step" and app.lesson.steps_done == 1
        teacher.send("state", shared=teacher_state("fb"))  # not followed now
        await pilot.pause(0.2)
        assert app.lesson.phase == "step"
        # F again: the teacher's newest state
        await pilot.press("F")
        await until(pilot, lambda: app.lesson.phase == "backward")
        assert app.lesson.steps_done == 0
        # the teacher drops: the student goes on, on their own, with a banner
        teacher.close()
        await until(pilot, lambda: link.teaching is None)
        assert "teacher is away" in "\n".join(screen_text(app))
        await pilot.press("s")
        assert app.lesson.phase == "step"
        # the teacher is back: the student follows again
        teacher_token, _ = hub.admit("ann", teacher=True)
        teacher = await Peer.join(path, teacher_token)
        teacher.send("state", shared=teacher_state("fbs"))
        await until(pilot, lambda: link.teaching == "ann" and app.lesson.steps_done == 1
                         and app.lesson.phase == "step")
    teacher.close()
    await hub.close()
    assert any("bob joined as a student" in line for line in said)
    assert any("ann left" in line for line in said)


async def test_the_teacher_asks_the_class_and_sees_the_tally(socket_dir):
    answers = socket_dir / "answers.csv"
    hub, path, said = await hub_in(socket_dir, answers)
    token, _ = hub.admit("ann", teacher=True)
    students = []
    for name in ("bob", "cy"):
        student_token, _ = hub.admit(name, teacher=False)
        students.append(await Peer.join(path, student_token))
    app = BackpropApp(lecture(), link=ClassLink(str(path), token))
    async with app.run_test(size=(120, 36)) as pilot:
        link = app.link
        await until(pilot, lambda: link.teacher and len(link.roster) == 3)
        await pilot.press("f")
        for student in students:
            state = await student.next("state", where=lambda d: d["shared"]["phase"] == "forward")
        shared = Shared.from_dict(state["shared"])
        assert shared.session.network.flat_w.tolist() == app.lesson.network.flat_w.tolist()
        await pilot.press("z", "b")
        state = await students[0].next("state", where=lambda d: d["shared"]["view"]["question"])
        question = state["shared"]["view"]["question"]
        await students[1].next("state", where=lambda d: d["shared"]["view"]["question"])
        truth = app.main.quiz_state()[1][0].value
        students[0].send("answer", id=question, text=repr(truth))
        students[1].send("answer", id=question, text="0.5")
        await until(pilot, lambda: link.tally.get("answered") == 2)
        screen = "\n".join(screen_text(app))
        assert "answered 2 of 2" in screen and "50% right" in screen
        # the roster: both here, both answered
        await pilot.press("W")
        roster = "\n".join(screen_text(app))
        assert "bob" in roster and "cy" in roster and roster.count("✓ answered") == 2
        await pilot.press("escape")
        # enter on the empty answer reveals: every student gets their own result
        app.main.query_one("#quiz-answer").focus()
        await pilot.press("enter")
        right = await students[0].next("result")
        wrong = await students[1].next("result")
        assert right["right"] is True and wrong["right"] is False
        assert right["value"] == truth
    for student in students:
        student.close()
    await hub.close()
    rows = list(csv.reader(answers.open()))
    assert rows[0] == ["time", "name", "question", "answer", "result"]
    assert [(r[1], r[4]) for r in rows[1:]] == [("bob", "right"), ("cy", "wrong")]


async def test_the_hub_names_limits_and_keeps_a_returning_students_answers(socket_dir):
    clock = [0.0]
    hub = Hub(lambda line: None, clock=lambda: clock[0], keep_seconds=60)
    path = socket_dir / "hub"
    await hub.start(path)
    t, _ = hub.admit("ann", teacher=True)
    teacher = await Peer.join(path, t)
    a, name_a = hub.admit("bob", teacher=False)
    bob = await Peer.join(path, a)
    await bob.next("welcome")
    b, name_b = hub.admit("bob", teacher=False)
    assert (name_a, name_b) == ("bob", "bob#2")
    teacher.send("ask", id="1", symbol="∂C/∂w(L)", value=0.25)
    await teacher.next("roster")
    bob.send("answer", id="1", text="0.25")
    await bob.next("note", where=lambda d: "sent" in d["text"])
    # text that is not an answer: refused with a note, never counted
    for text in ("\x1b[2J", "x" * 40, "abc"):
        bob.send("answer", id="1", text=text)
        await bob.next("note")
    # more than 10 messages a second: dropped with a note
    for _ in range(12):
        bob.send("follow", following=True)
    note = await bob.next("note", where=lambda d: "dropped" in d["text"])
    assert "a second" in note["text"]
    assert hub.question.tally.answered == 1
    # bob drops and comes back under his name: the same member, his answer kept
    bob.close()
    await asyncio.sleep(0.1)
    clock[0] = 30
    again, name = hub.admit("bob", teacher=False)
    assert name == "bob"
    bob = await Peer.join(path, again)
    welcome = await bob.next("welcome")
    assert welcome["name"] == "bob"
    assert hub.members["bob"].answers == {"1": "0.25"}
    # gone longer than the idle limit: the name is free and the answers forgotten
    bob.close()
    await asyncio.sleep(0.1)
    clock[0] = 200
    _, name = hub.admit("bob", teacher=False)
    assert hub.members["bob"].answers == {}
    teacher.close()
    await hub.close()


def test_a_file_that_is_not_an_answers_file_is_refused_and_kept(tmp_path):
    from backprop_tui.model.errors import FileError

    other = tmp_path / "notes.csv"
    other.write_text("my,own,notes\n")
    with pytest.raises(FileError, match="not an answers file"):
        AnswerLog(other)
    assert other.read_text() == "my,own,notes\n"
    log = AnswerLog(tmp_path / "a.csv")
    log.record("=HYPERLINK(1)", "1 ∂C/∂w(L)", "-0.5", False)
    log.close()
    rows = list(csv.reader((tmp_path / "a.csv").open()))
    assert rows[1][1] == "'=HYPERLINK(1)" and rows[1][3] == "-0.5"
    AnswerLog(tmp_path / "a.csv").close()  # its own file: appended to


async def test_the_next_state_waits_until_the_app_has_shown_the_one_before(socket_dir):
    hub, path, _ = await hub_in(socket_dir)
    t, _ = hub.admit("ann", teacher=True)
    s, _ = hub.admit("bob", teacher=False)
    teacher = await Peer.join(path, t)
    reader, writer = await asyncio.open_unix_connection(str(path), limit=2**24)
    writer.write(message("hello", token=s))
    for n in range(50):
        teacher.send("state", n=n)
        await asyncio.sleep(0.005)
    await asyncio.sleep(0.3)
    states = []
    while True:  # what reached the student's app, which has not said it has shown any
        try:
            line = await asyncio.wait_for(reader.readline(), 0.3)
        except asyncio.TimeoutError:
            break
        data = json.loads(line)
        if data["kind"] == "state":
            states.append(data["n"])
    assert len(states) == 1  # one on its way, the rest waiting as one (the newest)
    writer.write(message("shown"))
    line = await asyncio.wait_for(reader.readline(), 5)
    assert json.loads(line)["n"] == 49
    writer.close()
    teacher.close()
    await hub.close()


def test_a_slow_app_is_sent_only_the_newest_state():
    from backprop_tui.hub import Member

    member = Member("bob", False, "t")
    for n in range(100):
        member.put("state", message("state", n=n))
    member.put("note", message("note", text="x"))
    assert list(member.pending) == ["state", "note"]
    assert json.loads(member.pending["state"])["n"] == 99


async def test_once_the_teacher_has_shown_a_layers_factors_no_question_is_asked(socket_dir):
    """The teacher's quiz with every factor answered: the student is asked nothing either (an answer
    typed then is told so, not sent)."""
    hub, path, _ = await hub_in(socket_dir)
    teacher_token, _ = hub.admit("ann", teacher=True)
    token, _ = hub.admit("bob", teacher=False)
    teacher = await Peer.join(path, teacher_token)
    app = BackpropApp(lecture(), link=ClassLink(str(path), token))
    lesson = lecture()
    lesson.backward()
    async with app.run_test(size=(100, 32)) as pilot:
        await until(pilot, lambda: app.link.teaching == "ann")
        view = {"shown_layer": 3, "quizzing": True, "question": "1", "quiz": 0}
        teacher.send("state", shared=Shared(lesson.to_session(), "backward", None,
                                            view).to_dict())
        await until(pilot, lambda: app.main.quiz_state() is not None
                    and app.main.quiz_state()[2] == 0)
        done = dict(view, question=None, quiz=None)
        teacher.send("state", shared=Shared(lesson.to_session(), "backward", None,
                                            done).to_dict())
        await until(pilot, lambda: app.main.quiz_state()[2] is None)
        assert "class question" in "\n".join(screen_text(app))
        assert not any("∂C/∂a(L) =" in line and "quiz" in line for line in screen_text(app))
    teacher.close()
    await hub.close()


async def test_the_newest_teacher_connection_leads_and_the_class_is_not_told_the_teacher_left(
        socket_dir):
    hub, path, said = await hub_in(socket_dir)
    first, _ = hub.admit("ann", teacher=True)
    token, _ = hub.admit("bob", teacher=False)
    old = await Peer.join(path, first)
    bob = await Peer.join(path, token)
    await bob.next("welcome")
    second, name = hub.admit("ann", teacher=True)  # the old connection is still there
    assert name == "ann#2"
    new = await Peer.join(path, second)
    await new.next("welcome")
    assert await asyncio.wait_for(old.reader.read(), 10) is not None  # closed by the hub
    await bob.next("teacher", where=lambda d: d["name"] == "ann#2")
    new.send("state", shared=teacher_state("f"))
    await bob.next("state")
    await asyncio.sleep(0.3)  # the old connection's end has been handled by now
    assert hub.teacher is not None and hub.teacher.name == "ann#2"
    assert hub.state is not None  # the teacher's state kept: nobody was told ann left
    assert not [d for d in bob.seen if d["kind"] == "teacher" and d["name"] is None]
    new.close()
    bob.close()
    await hub.close()


STUDENT_KEYS = ("f", "b", "s", "space", "t", "r", "l", "a", "d", "n", "p", "e", "c", "o", "k",
                "u", "U", "x", "z", "S", "D", "M", "h", "g", "T", "W", "left", "right",
                "left_square_bracket", "right_square_bracket", "tab", "enter", "escape",
                "question_mark", "0", "5", "minus")


@settings(max_examples=6, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(STUDENT_KEYS).map(lambda k: ("key", k)),
                          st.sampled_from("fbs").map(lambda k: ("teacher", k))),
                min_size=1, max_size=25))
def test_a_following_student_s_keys_never_change_the_teachers_lesson(steps):
    """Whatever a following student presses, their lesson is the teacher's last state and
    the app stays up (any shape's keys, the dialogs and fields among them)."""
    asyncio.run(_student_storm(steps))


async def _student_storm(steps) -> None:
    folder = Path(tempfile.mkdtemp(prefix="bt-hub-", dir="/tmp"))
    try:
        hub, path, _ = await hub_in(folder)
        teacher_token, _ = hub.admit("ann", teacher=True)
        token, _ = hub.admit("bob", teacher=False)
        teacher = await Peer.join(path, teacher_token)
        lesson = lecture()
        app = BackpropApp(lecture(), folder=Folder(str(folder)),
                          link=ClassLink(str(path), token))
        async with app.run_test(size=(80, 24)) as pilot:
            await until(pilot, lambda: app.link.teaching == "ann")
            teacher.send("state", shared=Shared(lesson.to_session(), "none").to_dict())
            for kind, key in steps:
                if kind == "teacher":
                    {"f": lesson.forward, "b": lesson.backward, "s": lesson.step}[key]()
                    step = lesson.last_step
                    teacher.send("state", shared=Shared(
                        lesson.to_session(), lesson.phase,
                        None if step is None or lesson.phase != "step" else step.old,
                        {}).to_dict())
                    await until(pilot, lambda: (app.lesson.steps_done, app.lesson.phase)
                                == (lesson.steps_done, lesson.phase))
                else:
                    await pilot.press(key)
                    await pilot.pause()
                    # the key changed nothing of the lesson the teacher sent
                    assert app.lesson.network.flat_w.tolist() == lesson.network.flat_w.tolist()
                    assert app.lesson.network.flat_b.tolist() == lesson.network.flat_b.tolist()
                    assert app.lesson.samples.x.tolist() == lesson.samples.x.tolist()
                    assert app.lesson.steps_done == lesson.steps_done
                    assert app.lesson.lr == lesson.lr
            await pilot.press("escape", "escape")
            await until(pilot, lambda: app.lesson.steps_done == lesson.steps_done
                        and app.lesson.phase == lesson.phase)
            assert app.lesson.network.flat_w.tolist() == lesson.network.flat_w.tolist()
            assert app.lesson.samples.x.tolist() == lesson.samples.x.tolist()
            assert app.lesson.lr == lesson.lr and app.link.following
        assert app.return_code is None or app.return_code == 0
        teacher.close()
        await hub.close()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


async def test_a_student_follows_a_teachers_xor_lesson_neuron_by_neuron(socket_dir):
    """Two real apps on one hub, the lesson a 2,2,1 network: the teacher's keys (the
    backward pass, another neuron, another parameter, the nudge check, the decision view)
    reach the student's screen, whose selection, derivation, nudge and batch table are
    the teacher's and whose numbers are the model's for the teacher's values."""
    from .helpers import xor_lesson

    hub, path, _ = await hub_in(socket_dir)
    teacher_token, _ = hub.admit("ann", teacher=True)
    token, _ = hub.admit("bob", teacher=False)
    teacher = BackpropApp(xor_lesson(), link=ClassLink(str(path), teacher_token))
    student = BackpropApp(xor_lesson(), link=ClassLink(str(path), token))
    async with teacher.run_test(size=(120, 36)) as lead, \
            student.run_test(size=(120, 36)) as follow:
        await until(follow, lambda: student.link.teaching == "ann")
        await lead.press("f", "b", "b", "right_curly_bracket", "c", "c", "e", "D")
        chosen = ("shown_layer", "neuron", "weight", "parameter", "nudging", "view",
                  "behind")
        mine = tuple(getattr(teacher.main, name) for name in chosen)
        assert mine[:4] == (1, 2, 2, "b") and mine[4]

        def caught_up() -> bool:
            return (student.lesson.phase == "backward"
                    and tuple(getattr(student.main, name) for name in chosen) == mine)

        await until(follow, caught_up)
        await follow.pause()
        bp = student.lesson.backward_pass
        assert bp is not None
        assert float(bp.mean_dC_db[0][1]) == float(teacher.lesson.backward_pass.mean_dC_db[0][1])
        for widget in ("#derivation", "#nudge", "#batch", "#decision"):
            assert screen_text_of(student, widget) == screen_text_of(teacher, widget), widget
        assert "∂C/∂b₂(L−1)" in screen_text_of(student, "#nudge")
    await hub.close()


def screen_text_of(app: BackpropApp, selector: str) -> str:
    from .helpers import text_of

    return text_of(app.query_one(selector))
