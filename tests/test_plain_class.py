"""The plain mode following a class, its messages fed by hand (the same over OpenSSH with
TERM=dumb is in tests/test_ssh_class.py): what it says of the teacher's lesson, how often,
and that every line stays plain ASCII of at most 80 columns."""

from __future__ import annotations

import io

from backprop_tui.hub import Seat
from backprop_tui.model.follow import Shared
from backprop_tui.plain import Plain, Terminal

from .test_plain import assert_plain, chain_lesson


class FakeLink(Seat):
    """A class's hub played by hand: what the plain mode sends is kept."""

    def __init__(self) -> None:
        super().__init__()
        self.connected = True
        self.sent: list[tuple[str, dict]] = []

    def send(self, kind: str, **fields: object) -> None:
        self.sent.append((kind, fields))


def following(answers: str = "") -> tuple[Plain, FakeLink, io.StringIO, list[float]]:
    out = io.StringIO()
    clock = [0.0]
    plain = Plain(chain_lesson(), Terminal(io.StringIO(answers), out), lambda: clock[0], 100,
                  False)
    link = FakeLink()
    plain.link = link  # type: ignore[assignment]
    plain.class_message("welcome", {"name": "bob", "teacher": False, "teaching": "ann",
                                    "following": True})
    return plain, link, out, clock


def state(lesson, view=None) -> dict:
    step = lesson.last_step
    return {"shared": Shared(lesson.to_session(), lesson.phase,
                             None if step is None else step.old, view or {}).to_dict()}


def test_each_phase_of_the_teacher_is_said_once_and_each_state_is_acknowledged():
    plain, link, out, _ = following()
    teacher = chain_lesson()
    teacher.forward()
    plain.class_message("state", state(teacher))
    plain.class_message("state", state(teacher))  # the same again: nothing new said
    teacher.backward()
    plain.class_message("state", state(teacher, {"shown_layer": 3}))
    teacher.step()
    plain.class_message("state", state(teacher))
    text = out.getvalue()
    assert text.count("ann: the forward pass.") == 1
    assert "C = +0.1804" in text
    assert "ann: the backward pass, layer (L)." in text
    assert "dC/dw(L) = minus 0.1047 (approx)" in text
    assert "ann: the update step." in text
    assert [kind for kind, _ in link.sent] == ["shown"] * 4
    assert_plain(text)


def test_training_is_said_at_most_every_ten_seconds():
    plain, _, out, clock = following()
    teacher = chain_lesson()
    plain.class_message("state", state(teacher))
    for second in range(1, 31):
        teacher.train(50)
        clock[0] = float(second)
        plain.class_message("state", state(teacher))
    lines = [line for line in out.getvalue().splitlines() if "is training" in line]
    assert len(lines) == 3  # at 1 s, 11 s and 21 s of 30


def test_a_class_question_is_answered_in_a_line_and_its_result_said():
    plain, link, out, _ = following("abc\n0.5\n")
    teacher = chain_lesson()
    teacher.backward()
    view = {"shown_layer": 3, "quizzing": True, "question": "7", "asked": "∂C/∂a(L)",
            "quiz": 0}
    plain.class_message("state", state(teacher, view))
    assert ("answer", {"id": "7", "text": "0.5"}) in link.sent  # "abc" refused first
    plain.class_message("result", {"id": "7", "symbol": "∂C/∂a(L)", "value": -0.8495,
                                   "yours": "0.5", "right": False})
    text = out.getvalue()
    assert "Class question from ann: dC/da(L) = ?" in text
    assert "type a number" in text
    assert "Revealed: dC/da(L) = minus 0.8495; your 0.5 is off by +1.3495 (+159%)." in text
    assert "2(a(L) minus y)" not in text  # the hidden factor's formula is not said
    assert_plain(text)


def test_a_following_lesson_refuses_keys_in_one_line_and_f_goes_ones_own_way():
    plain, link, out, _ = following()
    plain.lesson.locked = link.locked_text()
    plain.press("f")
    assert "following ann: F goes your own way" in out.getvalue()
    assert plain.lesson.phase == "none"
    plain.press("F")
    assert ("follow", {"following": False}) in link.sent
    plain.press("f")
    assert plain.lesson.phase == "forward"
