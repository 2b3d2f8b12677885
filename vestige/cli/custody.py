"""The custody ledger: verify, ledger log|proof|checkpoint, timestamp, tsa."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import click

from .. import errors
from ..archive import TsaConfig, timestamp_checkpoints
from ..custody.checkpoint import SignedCheckpoint
from ..custody.ledger import LedgerReader
from ..custody.signed_note import verifier_key
from ..custody.verify import Status, VerifyReport, record_verification, verify_archive
from ..store import catalog
from .base import EXISTING_FILE, _archive, _emit, _warn, cli, json_option


def _print_report(report: VerifyReport) -> None:
    marks = {Status.PASSED: "PASS", Status.FAILED: "FAIL", Status.NOT_CHECKED: "----"}
    for c in report.checks:
        click.echo(f"[{marks[c.status]}] {c.number}. {c.name}" + (f": {c.detail}" if c.detail else ""))
        for p in c.problems:
            click.echo(f"       - {p.line()}")
        for n in c.notes:
            click.echo(f"       note: {n}")
    verdict = "INTACT" if report.ok else f"PROBLEMS FOUND ({len(report.problems)})"
    click.echo(f"{verdict}  tree size {report.tree_size}  root {report.root}")


@cli.command()
@click.argument("item_ids", nargs=-1, metavar="[ITEM]...")
@click.option("--no-record", is_flag=True, help="Do not record this verification in the ledger (read-only).")
@json_option
@click.pass_context
def verify(ctx: click.Context, item_ids: tuple[str, ...], no_record: bool, as_json: bool) -> int:
    """Re-hash every blob and re-check the ledger, signatures, checkpoints and timestamps.

    Exit 0 when everything is intact, 1 when any problem is found.

    \b
    Example:
      vestige verify                 # the whole archive
      vestige verify UKR-2024-0001   # one exhibit, with its inclusion proofs
    """
    archive = _archive(ctx)
    report = verify_archive(archive, list(item_ids))
    data = report.to_json()
    if not no_record:
        try:
            data["recorded_as_entry"] = record_verification(archive, report)
        except errors.CustodyViolation as exc:
            data["recorded_as_entry"] = None
            _warn(f"this verification was not recorded: {exc.message}")
    _emit(as_json, data, lambda: _print_report(report))
    return errors.EXIT_OK if report.ok else errors.EXIT_PROBLEM


@cli.group()
def ledger() -> None:
    """Inspect the custody ledger: entries, proofs and the signed checkpoint."""


@ledger.command("log")
@click.option("--case", "case_id", default=None, help="Only entries of this case.")
@click.option("--item", "item_id", default=None, help="Only entries about this item.")
@click.option("--limit", type=click.IntRange(min=1), default=None, help="Only the last N entries.")
@json_option
@click.pass_context
def ledger_log(
    ctx: click.Context, case_id: str | None, item_id: str | None, limit: int | None, as_json: bool
) -> None:
    """Show ledger entries in order.

    \b
    Example:
      vestige ledger log --item UKR-2024-0001
    """
    archive = _archive(ctx)
    with archive.reading() as conn:
        reader = LedgerReader(conn)
        entries = reader.entries_about(item_id) if item_id else list(reader.entries())
    if case_id:
        entries = [e for e in entries if e.case == case_id]
    if limit:
        entries = entries[-limit:]
    data: list[dict[str, Any]] = [{**e.data, "leaf_hash": e.leaf_hash.hex()} for e in entries]

    def human() -> None:
        for d in data:
            click.echo(
                f"{d['index']:>6}  {d['time'][:19]}  {d['event']:<20} {d['subject'] or '':<24} "
                f"{d['actor']['name']}"
            )

    _emit(as_json, data, human)


@ledger.command("proof")
@click.argument("item_id", metavar="ITEM")
@json_option
@click.pass_context
def ledger_proof(ctx: click.Context, item_id: str, as_json: bool) -> None:
    """Inclusion proofs of an item's entries against the latest signed checkpoint (RFC 9162).

    \b
    Example:
      vestige ledger proof UKR-2024-0001 --json > proof.json
    """
    archive = _archive(ctx)
    with archive.reading() as conn:
        catalog.get_item(conn, item_id)
        reader = LedgerReader(conn)
        latest = reader.latest_checkpoint()
        if latest is None:
            raise errors.ArchiveError("the ledger has no signed checkpoint")
        proofs: list[dict[str, Any]] = [
            {
                "index": e.index,
                "entry": e.data,
                "leaf_hash": e.leaf_hash.hex(),
                "proof": [h.hex() for h in reader.inclusion_proof(e.index, latest.size)],
            }
            for e in reader.entries_about(item_id)
        ]
    data = {
        "item": item_id,
        "tree_size": latest.size,
        "root": latest.root.hex(),
        "checkpoint": latest.note,
        "entries": proofs,
    }

    def human() -> None:
        click.echo(f"item {item_id}: {len(proofs)} entries in tree of size {latest.size}")
        click.echo(f"root {latest.root.hex()}")
        for p in proofs:
            click.echo(f"  entry {p['index']} ({p['entry']['event']}) leaf {p['leaf_hash']}")
            for h in p["proof"]:
                click.echo(f"    {h}")

    _emit(as_json, data, human)


@ledger.command("checkpoint")
@json_option
@click.pass_context
def ledger_checkpoint(ctx: click.Context, as_json: bool) -> None:
    """Print the latest signed checkpoint (C2SP tlog-checkpoint) and the verifier key.

    \b
    Example:
      vestige ledger checkpoint > checkpoint.txt
    """
    archive = _archive(ctx)
    with archive.reading() as conn:
        latest = LedgerReader(conn).latest_checkpoint()
    if latest is None:
        raise errors.ArchiveError("the ledger has no signed checkpoint")
    cp = SignedCheckpoint.from_text(latest.note).checkpoint
    vkey = verifier_key(archive.key_name, archive.key().public_bytes)
    data = {
        "origin": cp.origin,
        "tree_size": cp.size,
        "root": cp.root.hex(),
        "root_base64": base64.b64encode(cp.root).decode(),
        "note": latest.note,
        "verifier_key": vkey,
        "created_at": latest.created_at,
    }
    _emit(as_json, data, latest.note.rstrip("\n"))


@cli.command()
@json_option
@click.pass_context
def timestamp(ctx: click.Context, as_json: bool) -> int:
    """Obtain RFC 3161 timestamps for the latest checkpoint from every configured TSA.

    Earlier failed attempts are retried. Exit 5 when any TSA could not be reached.

    \b
    Example:
      vestige tsa add https://freetsa.org/tsr --ca-file freetsa-ca.pem
      vestige timestamp
    """
    archive = _archive(ctx)
    results = timestamp_checkpoints(archive)
    failed = [r for r in results if r.state != "granted"]

    def human() -> None:
        if not results:
            click.echo("every checkpoint is already timestamped")
        for r in results:
            what = f"granted at {r.gen_time}" if r.state == "granted" else f"FAILED: {r.error}"
            click.echo(f"checkpoint {r.checkpoint_size}  {r.tsa_url}  {what}")

    _emit(as_json, [r.to_json() for r in results], human)
    if failed:
        click.echo(
            f"vestige: {len(failed)} timestamp request(s) failed and were recorded; "
            "retry with: vestige timestamp",
            err=True,
        )
        return errors.EXIT_UNAVAILABLE
    return errors.EXIT_OK


@cli.group()
def tsa() -> None:
    """Configure the Time-Stamp Authorities (RFC 3161) used by `vestige timestamp`."""


@tsa.command("add")
@click.argument("url")
@click.option(
    "--ca-file",
    type=EXISTING_FILE,
    default=None,
    help="PEM trust anchor(s) for this TSA's certificates.",
)
@json_option
@click.pass_context
def tsa_add(ctx: click.Context, url: str, ca_file: Path | None, as_json: bool) -> None:
    """Add a TSA by URL, with the CA certificate that its tokens must chain to.

    \b
    Example:
      vestige tsa add http://tsa.example/tsr --ca-file tsa-root.pem
    """
    from ..custody.timestamps import load_roots

    archive = _archive(ctx)
    if not url.startswith(("http://", "https://")):
        raise errors.InputError(f"TSA URL {url!r} must start with http:// or https://")
    if any(t.url == url for t in archive.config.tsa):
        raise errors.InputError(f"TSA {url} is already configured")
    rel = None
    if ca_file is not None:
        try:
            count = len(load_roots(ca_file))
        except ValueError as exc:
            raise errors.InputError(f"{ca_file}: not a PEM certificate file") from exc
        rel = f"tsa/{len(archive.config.tsa) + 1:02d}-{ca_file.name}"
        (archive.root / rel).write_bytes(ca_file.read_bytes())
        del count
    archive.config.tsa.append(TsaConfig(url, rel))
    archive.save_config()
    _emit(as_json, {"url": url, "ca_file": rel}, f"added TSA {url}")


@tsa.command("list")
@json_option
@click.pass_context
def tsa_list(ctx: click.Context, as_json: bool) -> None:
    """List configured TSAs."""
    archive = _archive(ctx)
    data = {
        "auto_timestamp": archive.config.auto_timestamp,
        "tsa": [t.to_json() for t in archive.config.tsa],
    }

    def human() -> None:
        for t in archive.config.tsa:
            click.echo(f"{t.url}  trust anchor: {t.ca_file or 'none'}")
        click.echo(f"timestamp after each checkpoint: {'on' if archive.config.auto_timestamp else 'off'}")

    _emit(as_json, data, human)


@tsa.command("auto")
@click.argument("state", type=click.Choice(["on", "off"]))
@json_option
@click.pass_context
def tsa_auto(ctx: click.Context, state: str, as_json: bool) -> None:
    """Timestamp every new checkpoint automatically (on) or only on request (off)."""
    archive = _archive(ctx)
    archive.config.auto_timestamp = state == "on"
    archive.save_config()
    _emit(
        as_json,
        {"auto_timestamp": archive.config.auto_timestamp},
        f"timestamp after each checkpoint: {state}",
    )
