"""The front door and the docs: a short README that starts with the two commands, links that lead
somewhere, and documented command lines whose commands, options and make targets exist."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import pytest

from pipeline.cli import main

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
DOCS = sorted((ROOT / "docs").glob("*.md"))
PAGES = [README, *DOCS]
TWO_LEVEL = {"evaluate", "review"}  # commands whose second word is a subcommand
LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")


def fenced_lines(path: Path) -> list[str]:
    """The lines inside ``` blocks, continuation backslashes joined; not in ```text blocks (a
    command's printed output)."""
    lines, inside, output, joined = [], False, False, ""
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("```"):
            inside, output = not inside, line.strip() == "```text"
            continue
        if inside and not output:
            joined += line.rstrip("\\").rstrip() + " " if line.rstrip().endswith("\\") else line
            if not line.rstrip().endswith("\\"):
                lines.append(joined)
                joined = ""
    return lines


def documented_commands() -> list[tuple[str, list[str], list[str]]]:
    """(page, command path, --options) of every `secmine ...` line in a code block."""
    found = []
    for page in PAGES:
        for line in fenced_lines(page):
            words = line.split("#")[0].split()
            if not words or Path(words[0]).name != "secmine" or len(words) < 2:
                continue
            path = words[1:3] if words[1] in TWO_LEVEL else words[1:2]
            options = [w.strip("[]").split("=")[0] for w in words if w.strip("[").startswith("--")]
            found.append((page.name, path, options))
    return found


def help_text(path: list[str]) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out), pytest.raises(SystemExit) as stop:
        main([*path, "--help"])
    assert stop.value.code == 0, f"secmine {' '.join(path)} --help failed"
    return out.getvalue()


def test_readme_is_short_and_starts_with_the_two_commands():
    lines = README.read_text(encoding="utf-8").splitlines()
    assert len(lines) <= 150, f"README.md has {len(lines)} lines; the manual belongs in docs/"
    first_block = fenced_lines(README)[:2]
    assert [line.split()[:2] for line in first_block] == [["make", "run"], ["make", "test"]]
    assert README.read_text(encoding="utf-8").index("make run") < 200


def test_every_docs_page_is_linked_from_the_readme():
    text = README.read_text(encoding="utf-8")
    missing = [page.name for page in DOCS if f"(docs/{page.name})" not in text]
    assert not missing, f"not linked from README.md: {missing}"


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_relative_links_lead_to_files(page):
    broken = [target for target in LINK.findall(page.read_text(encoding="utf-8"))
              if "://" not in target and not (page.parent / target).exists()]
    assert not broken, f"{page.name}: broken links {broken}"


def test_documented_commands_and_options_exist():
    commands = documented_commands()
    assert any(path == ["run"] for _, path, _ in commands)
    helps: dict[tuple[str, ...], str] = {}
    unknown = []
    for page, path, options in commands:
        text = helps.setdefault(tuple(path), help_text(path))
        unknown += [f"{page}: secmine {' '.join(path)} {option}" for option in options
                    if not re.search(rf"(?<![\w-]){re.escape(option)}(?![\w-])", text)]
    assert not unknown, f"options not known to the command line: {unknown}"


def test_documented_make_targets_exist():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    targets = set(re.findall(r"^([a-z][\w-]*):", makefile, flags=re.M))
    used = {m for page in PAGES for m in re.findall(r"`make ([a-z][\w-]*)`|^make ([a-z][\w-]*)",
                                                   page.read_text(encoding="utf-8"), flags=re.M) for m in m if m}
    assert used and used <= targets, f"make targets documented but not in the Makefile: {used - targets}"
