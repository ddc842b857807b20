"""The README's test command is the one CI runs."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_readme_test_command_is_what_ci_runs():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Install and test", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```sh\n(.*?)```", section, re.S).group(1)
    commands = [c.strip() for line in block.splitlines() if not line.startswith("apt-get")
                for c in line.split("#", 1)[0].split("&&") if c.strip()]
    ci = [line.strip() for line in (ROOT / ".ci/run").read_text().splitlines()
          if line.strip() and not line.lstrip().startswith("#")]
    assert commands[0] == "python3 -m venv .venv"
    position = 0
    for command in commands:
        assert command in ci[position:], f"{command!r} is not run by .ci/run (in this order)"
        position = ci.index(command, position) + 1
    assert ci[-1] == commands[-1] == "pytest"
