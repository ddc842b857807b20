"""The README and the manual in docs/: the key tables of docs/keys.md are the key registries',
every relative link leads to a file and a heading that exist, the README stays a README, and
its test command is the one CI runs.

The key tables are made from the registries; after changing a key, remake them with

    python -m tests.test_docs
"""

from __future__ import annotations

import re
import shlex
import sys
from pathlib import Path
from urllib.parse import unquote

from markdown_it import MarkdownIt

from backprop_tui.present.keys import KEYS, Key, plain_keys
from backprop_tui.tui.network_screen import absent_keys

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
DOCS = ROOT / "docs"
KEYS_MD = DOCS / "keys.md"
MANUAL = ("command-line.md", "keys.md", "classroom.md", "benchmarks.md", "architecture.md")
REMAKE = "python -m tests.test_docs"
README_MAX_LINES = 200

MARKED = re.compile(r"(<!-- keys: (?P<name>[\w-]+) -->\n)(?P<table>.*?)(<!-- /keys -->)", re.S)
SHAPES = {"a chain (1,1,1)": (1, 1, 1), "a network of one input (1,4,1)": (1, 4, 1)}
"""Shapes whose keys differ, as the docs name them: a chain lacks the keys of a layer wider
than one, a network of other than 2 inputs the decision view."""


def _cell(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|")


def key_table(keys: tuple[Key, ...]) -> str:
    """The Markdown table of ``keys``: each key as the key lines show it, and its help (with a
    blank line before and after, between the marker comments)."""
    rows = [f"| `{key.shown}` | {_cell(key.help)} |" for key in keys]
    return "\n".join(["", "| key | does |", "|---|---|", *rows, "", ""])


def absent_table() -> str:
    """The Markdown table of the keys a shape has no use for, and what the screen says."""
    rows = [f"| `{key}` | {name} | {_cell(why)} |"
            for name, shape in SHAPES.items() for key, why in absent_keys(shape).items()]
    return "\n".join(["", "| absent key | on | says, and does nothing else |", "|---|---|---|",
                      *rows, "", ""])


def plain_table() -> str:
    """The Markdown table of the plain mode's keys and what each does there."""
    rows = [f"| `{key.shown}` | {_cell((key.plain or '').replace('{steps}', 'N steps'))} |"
            for key in plain_keys()]
    return "\n".join(["", "| plain key | does in --plain |", "|---|---|", *rows, "", ""])


TABLES = {"all": lambda: key_table(KEYS), "absent": absent_table, "plain": plain_table}
"""What each ``<!-- keys: NAME -->`` marker of the docs holds: every key of the one registry
(``backprop_tui/tui/keys.py``), and the keys a shape has no use for (``absent_keys``)."""


def with_key_tables(text: str) -> str:
    """``text`` with every table between ``<!-- keys: NAME -->`` and ``<!-- /keys -->`` made
    again from the registry NAME."""

    def table(match: re.Match[str]) -> str:
        return match.group(1) + TABLES[match["name"]]() + match.group(4)

    return MARKED.sub(table, text)


def _markdown() -> MarkdownIt:
    return MarkdownIt("commonmark").enable("table")


def _text(inline) -> str:
    """The text of an inline token as a reader sees it (code spans without their backticks)."""
    return "".join(child.content for child in inline.children or ()
                   if child.type in ("text", "code_inline", "html_inline"))


def key_rows(text: str) -> list[tuple[str, str]]:
    """(key, does) of every row of every table whose first column is ``key``."""
    tokens = _markdown().parse(text)
    rows: list[tuple[str, str]] = []
    i = 0
    while i < len(tokens):
        if tokens[i].type != "table_open":
            i += 1
            continue
        head = next(t for t in tokens[i:] if t.type == "inline")  # the first column's
        end = next(j for j in range(i, len(tokens)) if tokens[j].type == "table_close")
        if _text(head) == "key":
            in_body = False
            cells: list[str] = []
            for token in tokens[i:end]:
                if token.type == "tbody_open":
                    in_body = True
                elif in_body and token.type == "inline":
                    cells.append(_text(token))
                elif in_body and token.type == "tr_close":
                    rows.append((cells[0], cells[1] if len(cells) > 1 else ""))
                    cells = []
        i = end + 1
    return rows


def test_the_key_tables_are_made_from_the_key_registry():
    text = KEYS_MD.read_text(encoding="utf-8")
    found = {match["name"]: match["table"] for match in MARKED.finditer(text)}
    assert set(found) == set(TABLES), (
        f"docs/keys.md has key tables {sorted(found)}, the docs make {sorted(TABLES)}")
    where = "backprop_tui/tui/keys.py"
    shown = dict(key_rows(found["all"]))
    problems = []
    for key in KEYS:
        if key.shown not in shown:
            problems.append(f"`{key.shown}` ({where}) is missing from docs/keys.md")
        elif shown[key.shown] != key.help:
            problems.append(f"`{key.shown}` says {shown[key.shown]!r} in docs/keys.md, "
                            f"{key.help!r} in {where}")
    registered = {key.shown for key in KEYS}
    problems += [f"docs/keys.md lists `{k}`, which {where} does not have"
                 for k in shown if k not in registered]
    problems += [f"{name}: the table is not as {REMAKE} makes it"
                 for name, table in found.items() if table != TABLES[name]()]
    assert not problems, "\n".join(problems) + f"\nremake the tables: {REMAKE}"


def test_every_key_in_the_docs_is_a_registered_key_with_its_help():
    helps = {(key.shown, key.help) for key in KEYS}
    shown = {key.shown for key in KEYS}
    rows = [(path.name, row) for path in [README, *sorted(DOCS.glob("*.md"))]
            for row in key_rows(path.read_text(encoding="utf-8"))]
    assert rows, "docs/keys.md has no table of keys"
    unknown = [f"{name}: `{key}` is in no key registry" for name, (key, _) in rows if key not in shown]
    wrong = [f"{name}: `{key}` says {does!r}, which is not its help in a registry"
             for name, (key, does) in rows if key in shown and (key, does) not in helps]
    assert not unknown + wrong, "\n".join(unknown + wrong) + f"\nremake the tables: {REMAKE}"
    documented = {key for _, (key, _) in rows}
    assert shown <= documented, f"keys missing from docs/keys.md: {sorted(shown - documented)}"


def github_anchor(heading: str) -> str:
    """GitHub's anchor of a heading: lower case, punctuation dropped, spaces to hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-")


def anchors(path: Path) -> set[str]:
    tokens = _markdown().parse(path.read_text(encoding="utf-8"))
    seen: dict[str, int] = {}
    out = set()
    for opening, inline in zip(tokens, tokens[1:]):
        if opening.type == "heading_open":
            anchor = github_anchor(_text(inline))
            count = seen.get(anchor, 0)
            seen[anchor] = count + 1
            out.add(anchor if count == 0 else f"{anchor}-{count}")
    return out


def links(path: Path) -> list[str]:
    tokens = _markdown().parse(path.read_text(encoding="utf-8"))
    return [str(child.attrs["href"]) for token in tokens if token.type == "inline"
            for child in token.children or () if child.type == "link_open"]


def test_every_relative_link_leads_to_a_file_and_heading_that_exist():
    pages = [README, *sorted(DOCS.glob("*.md"))]
    broken = []
    for page in pages:
        for href in links(page):
            if re.match(r"[a-z][a-z0-9+.-]*:", href, re.I):
                continue  # https:, mailto:
            target, _, anchor = href.partition("#")
            file = (page.parent / unquote(target)).resolve() if target else page
            name = page.relative_to(ROOT)
            if not file.exists():
                broken.append(f"{name}: {href}: no file {target}")
            elif anchor and file.suffix == ".md" and unquote(anchor) not in anchors(file):
                broken.append(f"{name}: {href}: no heading #{anchor} in {file.relative_to(ROOT)}; "
                              f"there are {sorted(anchors(file))}")
    assert not broken, "\n".join(broken)


def test_the_readme_links_every_page_of_the_manual():
    linked = {href.partition("#")[0] for href in links(README)}
    for name in MANUAL:
        assert (DOCS / name).exists(), f"docs/{name} is missing"
        assert f"docs/{name}" in linked, f"README.md does not link docs/{name}"


def test_the_readme_is_a_readme():
    lines = README.read_text(encoding="utf-8").count("\n")
    assert lines <= README_MAX_LINES, (
        f"README.md has {lines} lines, at most {README_MAX_LINES}: move the manual to docs/")


def _commands(text: str) -> list[str]:
    """The shell commands of ``text``, one a line or joined by ``&&``, comments left out."""
    return [part.strip() for line in text.splitlines()
            for part in line.split("#", 1)[0].split("&&") if part.strip()]


def test_the_readme_test_command_is_the_one_ci_runs():
    readme = README.read_text(encoding="utf-8")
    section = readme.split("\n## Install and test\n", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```sh\n(.*?)```", section, re.S)
    assert len(blocks) == 1, "the README's Install and test section should hold one sh block"
    readme_commands = _commands(blocks[0])
    apt = [c for c in readme_commands if c.startswith("apt-get")]
    readme_commands = [c for c in readme_commands if not c.startswith("apt-get")]

    ci = (ROOT / ".ci/run").read_text(encoding="utf-8")
    ci_commands = _commands(ci)
    start = ci_commands.index("python3 -m venv .venv")
    assert readme_commands == ci_commands[start:], (
        f"README.md runs {readme_commands}, .ci/run runs {ci_commands[start:]}")

    # the system packages: those .ci/run installs when missing
    wanted = set(re.findall(r"missing\+=\((\S+)\)", ci))
    installed = {word for c in apt if "install" in c for word in shlex.split(c)
                 if not word.startswith("-") and word not in ("apt-get", "install")}
    assert installed == wanted, f"README.md installs {sorted(installed)}, .ci/run {sorted(wanted)}"


def main() -> None:
    """Remake the key tables of docs/keys.md from the registries."""
    text = KEYS_MD.read_text(encoding="utf-8")
    new = with_key_tables(text)
    if new != text:
        KEYS_MD.write_text(new, encoding="utf-8")
        print(f"remade the key tables of {KEYS_MD.relative_to(ROOT)}", file=sys.stderr)


if __name__ == "__main__":
    main()
