"""Write docs/cli.md, the command-line reference, from the commands' own --help.

Run `make docs` after changing a command; tests/test_cli.py fails while docs/cli.md is out of date.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from vestige.cli import cli

OUT = Path(__file__).resolve().parents[1] / "docs" / "cli.md"


def _commands(group: click.Group, prefix: list[str]) -> list[tuple[list[str], click.Command]]:
    out: list[tuple[list[str], click.Command]] = []
    for name in sorted(group.commands):
        cmd = group.commands[name]
        out.append(([*prefix, name], cmd))
        if isinstance(cmd, click.Group):
            out += _commands(cmd, [*prefix, name])
    return out


def render() -> str:
    parts = [
        "# Vestige command-line reference",
        "",
        "Generated from each command's `--help` by `tools/cli_reference.py` (`make docs`);",
        "do not edit by hand.",
        "",
    ]
    root = click.Context(
        cli, info_name="vestige", terminal_width=100, max_content_width=100, **cli.context_settings
    )
    parts += ["## vestige", "", "```text", cli.get_help(root).rstrip(), "```", ""]
    for path, cmd in _commands(cli, []):
        ctx = click.Context(
            cmd,
            info_name=" ".join(["vestige", *path]),
            parent=root,
            terminal_width=100,
            max_content_width=100,
        )
        parts += [f"## vestige {' '.join(path)}", "", "```text", cmd.get_help(ctx).rstrip(), "```", ""]
    return "\n".join(parts)


def main() -> int:
    text = render()
    if "--check" in sys.argv:
        return 0 if OUT.exists() and OUT.read_text() == text else 1
    OUT.write_text(text)
    print(f"wrote {OUT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
