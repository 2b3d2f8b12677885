"""Commands on exhibits: init, add, note, transfer (list, show, search and tag are in finding.py)."""

from __future__ import annotations

import getpass
from pathlib import Path

import click

from .. import errors
from ..archive import Archive
from ..custody.signed_note import verifier_key
from ..store import catalog
from ..store.ingest import add_files, add_note
from .base import _archive, _emit, _report_timestamps, cli, json_option
from .settings import settings


@cli.command()
@click.option(
    "--operator",
    envvar="VESTIGE_OPERATOR",
    default=None,
    help="Operator name [env VESTIGE_OPERATOR; default: your OS user name].",
)
@json_option
@click.pass_context
def init(ctx: click.Context, operator: str | None, as_json: bool) -> None:
    """Create an archive with a new Ed25519 operator key.

    \b
    Example:
      vestige --archive ./evidence init --operator "A. Investigator"
    """
    path: Path = ctx.obj["archive_path"]
    archive = Archive.create(path, operator or getpass.getuser())
    ctx.call_on_close(archive.close)
    key = archive.key()
    data = {
        "archive": str(path),
        "archive_id": archive.config.archive_id,
        "operator": archive.config.operator,
        "key_fingerprint": key.fingerprint,
        "verifier_key": verifier_key(archive.key_name, key.public_bytes),
    }
    _emit(
        as_json,
        data,
        f"Created archive {path}\n  operator: {archive.config.operator}\n"
        f"  key:      {key.fingerprint}\n  (private key: {archive.private_key_path}, mode 0600)",
    )


@cli.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--case", "case_id", default=None, help="Case the exhibits belong to [config: case].")
@click.option("--note", default=None, help="A note recorded with each exhibit.")
@json_option
@click.pass_context
def add(
    ctx: click.Context, files: tuple[Path, ...], case_id: str | None, note: str | None, as_json: bool
) -> None:
    """Preserve local files (videos, documents) as exhibits.

    \b
    Example:
      vestige add statement.pdf clip.mp4 --case UKR-2024 --note "from witness W-12"
    """
    archive = _archive(ctx)
    case_id = case_id or settings(archive).case
    if case_id is None:
        raise errors.InputError(
            "no case given", hint="pass --case ID, or set one: vestige config set case ID"
        )
    added = add_files(archive, list(files), case_id, note)
    out = [{**a.item.to_json(archive.root), "duplicate_of": a.duplicate_of} for a in added]
    stamps = _report_timestamps(archive)

    def human() -> None:
        for a in added:
            art = a.item.artifacts[0]
            click.echo(f"{a.item.id}  {art.name}  {art.size} bytes  sha256:{art.sha256}")
            if a.duplicate_of:
                click.echo(f"  same content as {', '.join(a.duplicate_of)}")

    _emit(as_json, {"items": out, "timestamps": stamps} if stamps else out, human)


@cli.command()
@click.argument("item_id", metavar="ITEM")
@click.argument("text")
@json_option
@click.pass_context
def note(ctx: click.Context, item_id: str, text: str, as_json: bool) -> None:
    """Add a note to an exhibit (a custody event; nothing is edited in place).

    \b
    Example:
      vestige note UKR-2024-0001 "Shown to witness W-12 on 2024-03-02"
    """
    archive = _archive(ctx)
    index = add_note(archive, item_id, text)
    _emit(as_json, {"item": item_id, "entry_index": index}, f"noted on {item_id} (entry {index})")


@cli.command()
@click.argument("item_ids", nargs=-1, metavar="[ITEM]...")
@click.option("--to", "to", required=True, help="Who receives custody.")
@click.option("--reason", default=None, help="Why custody changes hands.")
@json_option
@click.pass_context
def transfer(
    ctx: click.Context, item_ids: tuple[str, ...], to: str, reason: str | None, as_json: bool
) -> None:
    """Record a transfer of custody of exhibits to another person or body.

    \b
    Example:
      vestige transfer UKR-2024-0001 UKR-2024-0002 --to "ICC OTP evidence unit" --reason "submission"
    """
    archive = _archive(ctx)
    if not item_ids:
        raise errors.InputError("name at least one item to transfer")
    if not to.strip():
        raise errors.InputError("--to must name the recipient")
    indexes = []
    with archive.appending() as writer:
        for item_id in item_ids:
            item = catalog.get_item(writer.conn, item_id)
            details = {"to": to, "from": archive.config.operator, "reason": reason}
            indexes.append(writer.append("custody.transferred", item.id, item.case, details).index)
    _emit(
        as_json,
        {"items": list(item_ids), "to": to, "entries": indexes},
        f"custody of {len(item_ids)} item(s) transferred to {to}",
    )
