"""docs/cli.md, the generated command-line reference, matches the commands as they are."""

from __future__ import annotations

from tools.cli_reference import OUT, render


def test_cli_reference_is_up_to_date() -> None:
    assert OUT.read_text() == render(), "docs/cli.md is out of date: run `make docs`"


def test_every_command_is_in_the_reference() -> None:
    text = render()
    for name in ("capture", "export", "verify-bundle", "import", "ledger proof", "tsa auto"):
        assert f"## vestige {name}\n" in text
