"""The ``vestige`` command: a thin click layer. Errors become one line and an exit code, here only."""

from __future__ import annotations

import asyncio
import base64
import concurrent.futures
import contextlib
import errno
import getpass
import json
import os
import sys
import traceback
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import click
import sqlalchemy.exc

from . import __version__, errors
from .archive import Archive, TsaConfig, resolve_archive_path, timestamp_checkpoints
from .custody.checkpoint import SignedCheckpoint
from .custody.ledger import LedgerReader
from .custody.signed_note import verifier_key
from .custody.verify import Status, VerifyReport, record_verification, verify_archive
from .store import catalog
from .store.ingest import add_files, add_note

F = TypeVar("F", bound=Callable[..., Any])

EXISTING_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)
json_option = click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON.")


def _emit(as_json: bool, data: Any, human: str | Callable[[], None]) -> None:
    if as_json:
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
    elif callable(human):
        human()
    else:
        click.echo(human)


def _archive(ctx: click.Context) -> Archive:
    archive = Archive.open(ctx.obj["archive_path"])
    ctx.call_on_close(archive.close)
    return archive


def _warn(message: str) -> None:
    click.echo(f"vestige: warning: {message}", err=True)


def _report_timestamps(archive: Archive) -> list[dict[str, Any]]:
    out = [a.to_json() for a in archive.last_timestamps]
    for a in archive.last_timestamps:
        if a.state != "granted":
            _warn(f"timestamp from {a.tsa_url} failed ({a.error}); retry with: vestige timestamp")
    return out


class VestigeGroup(click.Group):
    """Runs a command and turns every error into one line on stderr and a documented exit code."""

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> NoReturn:
        argv = list(sys.argv[1:] if args is None else args)
        as_json = "--json" in argv
        try:
            rv = super().main(argv, prog_name or "vestige", complete_var, standalone_mode=False, **extra)
            sys.exit(rv if isinstance(rv, int) else 0)
        except click.exceptions.Exit as exc:
            sys.exit(exc.exit_code)
        except click.ClickException as exc:
            exc.show()
            sys.exit(exc.exit_code)
        except (click.exceptions.Abort, KeyboardInterrupt):
            click.echo("vestige: interrupted", err=True)
            sys.exit(errors.EXIT_INTERRUPTED)
        except errors.VestigeError as exc:
            _fail(as_json, exc)
        except sqlalchemy.exc.OperationalError as exc:
            if "locked" in str(exc.orig):
                _fail(as_json, errors.ArchiveBusy("the archive database is locked by another process"))
            _fail(as_json, errors.ArchiveError(f"archive database error: {exc.orig}"))
        except sqlalchemy.exc.DatabaseError as exc:
            _fail(as_json, errors.ArchiveError(f"archive database is damaged: {exc.orig}"))
        except OSError as exc:
            if exc.errno == errno.ENOSPC:
                _fail(as_json, errors.ArchiveError("disk full: nothing was recorded for this command"))
            where = f"{exc.filename}: " if exc.filename else ""
            _fail(as_json, errors.ArchiveError(f"{where}{exc.strerror or exc}"))
        except Exception as exc:  # a bug: one line for users, the trace on request
            if os.environ.get("VESTIGE_DEBUG"):
                traceback.print_exc()
            bug = errors.VestigeError(
                f"internal error: {type(exc).__name__}: {exc}",
                hint="set VESTIGE_DEBUG=1 for details and report it",
            )
            bug.exit_code, bug.kind = errors.EXIT_INTERNAL, "internal"
            _fail(as_json, bug)


def _fail(as_json: bool, exc: errors.VestigeError) -> NoReturn:
    if as_json:
        click.echo(
            json.dumps(
                {
                    "error": {
                        "kind": exc.kind,
                        "message": exc.message,
                        "hint": exc.hint,
                        "exit_code": exc.exit_code,
                    }
                }
            )
        )
    click.echo(f"vestige: error: {exc.diagnostics()}", err=True)
    sys.exit(exc.exit_code)


@click.group(cls=VestigeGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--archive",
    "archive_path",
    type=click.Path(path_type=Path),
    default=None,
    help="Archive directory [env VESTIGE_ARCHIVE; default ./vestige-archive].",
)
@click.version_option(__version__, prog_name="vestige")
@click.pass_context
def cli(ctx: click.Context, archive_path: Path | None) -> None:
    """Vestige: preserve web evidence and prove its chain of custody.

    \b
    Example:
      vestige init --operator "A. Investigator"
      vestige add report.pdf video.mp4 --case UKR-2024 --note "received from witness W-12"
      vestige verify
    """
    ctx.ensure_object(dict)
    ctx.obj["archive_path"] = resolve_archive_path(archive_path)


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
@click.option("--case", "case_id", required=True, help="Case the exhibits belong to.")
@click.option("--note", default=None, help="A note recorded with each exhibit.")
@json_option
@click.pass_context
def add(ctx: click.Context, files: tuple[Path, ...], case_id: str, note: str | None, as_json: bool) -> None:
    """Preserve local files (videos, documents) as exhibits.

    \b
    Example:
      vestige add statement.pdf clip.mp4 --case UKR-2024 --note "from witness W-12"
    """
    archive = _archive(ctx)
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


def _print_item(item: catalog.ItemView, root: Path) -> None:
    click.echo(f"{item.id}  [{item.state}]  case {item.case}  {item.kind}")
    if item.title:
        click.echo(f"  title:   {item.title}")
    click.echo(f"  added:   {item.created_at}  (ledger entry {item.entry_index})")
    if item.reason:
        click.echo(f"  reason:  {item.reason}")
    for a in item.artifacts:
        click.echo(f"  {a.role}: {a.name or ''} {a.media_type} {a.size} bytes")
        click.echo(f"    sha256 {a.sha256}\n    blake3 {a.blake3}\n    {root / a.blob_path}")
    for n in item.notes:
        click.echo(f"  note ({n['created_at']}): {n['text']}")
    if item.tags:
        click.echo(f"  tags: {', '.join(item.tags)}")


@cli.command("list")
@click.option("--case", "case_id", default=None, help="Only this case.")
@json_option
@click.pass_context
def list_(ctx: click.Context, case_id: str | None, as_json: bool) -> None:
    """List exhibits.

    \b
    Example:
      vestige list --case UKR-2024
    """
    archive = _archive(ctx)
    with archive.reading() as conn:
        found = catalog.list_items(conn, case_id)

    def human() -> None:
        if not found:
            click.echo("no items")
        for it in found:
            size = sum(a.size for a in it.artifacts)
            click.echo(f"{it.id:<24} {it.state:<9} {it.created_at[:19]}  {size:>12}  {it.title or ''}")

    _emit(as_json, [i.to_json(archive.root) for i in found], human)


@cli.command()
@click.argument("item_id", metavar="ITEM")
@json_option
@click.pass_context
def show(ctx: click.Context, item_id: str, as_json: bool) -> None:
    """Show one exhibit with its artifacts and digests.

    \b
    Example:
      vestige show UKR-2024-0001
    """
    archive = _archive(ctx)
    with archive.reading() as conn:
        item = catalog.get_item(conn, item_id)
    _emit(as_json, item.to_json(archive.root), lambda: _print_item(item, archive.root))


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


@cli.command()
@click.option("--case", "case_id", required=True, help="The case to export.")
@click.option(
    "--out",
    required=True,
    type=click.Path(path_type=Path),
    help="Where to write the bundle: a new directory, or a .zip file.",
)
@click.option(
    "--items", "item_ids", multiple=True, metavar="ITEM", help="Export only these exhibits (repeatable)."
)
@click.option(
    "--id-pattern",
    default="{item}",
    show_default=True,
    help="Exhibit numbering for the recipient: fields {item} {case} {seq} {item_seq} {case_seq}.",
)
@click.option(
    "--case-seq", type=click.IntRange(min=0), default=1, show_default=True, help="Value of {case_seq}."
)
@json_option
@click.pass_context
def export(
    ctx: click.Context,
    case_id: str,
    out: Path,
    item_ids: tuple[str, ...],
    id_pattern: str,
    case_seq: int,
    as_json: bool,
) -> None:
    """Write a case's exhibits as a court-ready bundle that anyone can verify offline.

    The bundle holds a signed WACZ per web capture, the native files, a PDF/A report per exhibit, a
    CSV/XLSX index, a Concordance DAT and Opticon OPT production, the custody entries with their proofs,
    SHA256SUMS and B3SUMS, a standalone verify.py and a certification ready to sign. The export is
    recorded in the ledger.

    \b
    Example:
      vestige export --case UKR-2024 --out ukr-2024-bundle.zip --id-pattern "UKR-OTP-{case_seq:04d}-{seq:04d}"
      cd ukr-2024-bundle && python3 -S verify.py
    """
    from .exports.bundle import ExportOptions, export_case

    archive = _archive(ctx)
    result = export_case(archive, ExportOptions(case_id, out, item_ids, id_pattern, case_seq))
    data = result.to_json()
    data["timestamps"] = _report_timestamps(archive)

    def human() -> None:
        click.echo(f"exported {len(result.exhibits)} exhibit(s) of case {case_id} to {result.path}")
        for xid, item in result.exhibits:
            click.echo(f"  {xid}  ({item})")
        click.echo(f"{result.files} files, {result.bytes} bytes; SHA256SUMS sha256 {result.sha256sums}")
        click.echo(f"recorded as ledger entry {result.entry_index}; verify with: python3 -S verify.py")

    _emit(as_json, data, human)


def _tsa_ca(files: tuple[Path, ...]) -> list[Any] | None:
    from .custody.timestamps import load_roots

    roots: list[Any] = []
    for f in files:
        try:
            roots += load_roots(f)
        except ValueError as exc:
            raise errors.InputError(f"--tsa-ca {f}: not PEM certificates ({exc})") from exc
    return roots or None


def _print_bundle_check(lines: list[str]) -> None:
    for line in lines:
        click.echo(line)


@cli.command("verify-bundle")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@click.option(
    "--key", default=None, metavar="VERIFIER_KEY", help="The operator key the bundle must be signed with."
)
@click.option(
    "--tsa-ca",
    "tsa_ca",
    multiple=True,
    type=EXISTING_FILE,
    help="Trusted TSA root certificates (PEM); default: those the bundle carries.",
)
@json_option
@click.pass_context
def verify_bundle(
    ctx: click.Context, path: Path, key: str | None, tsa_ca: tuple[Path, ...], as_json: bool
) -> int:
    """Check an evidence bundle (directory or .zip): everything verify.py checks, plus the WACZ
    signatures and the time-stamp tokens' signatures. Needs no archive.

    Exit 0 when the bundle is intact, 1 when it is not (or is hostile), 2 for bad input.

    \b
    Example:
      vestige verify-bundle ukr-2024-bundle.zip --key "vestige.archive/1e87...+4e9779fe+AZeE..."
    """
    import tempfile

    from .exports.bundle_check import check_bundle
    from .exports.unpack import check_tree, extract_zip

    roots = _tsa_ca(tsa_ca)
    with tempfile.TemporaryDirectory(prefix="vestige-bundle-") as tmp:
        if path.is_dir():
            check_tree(path)
            root = path
        else:
            root = Path(tmp) / "bundle"
            root.mkdir()
            extract_zip(path, root)
        result = check_bundle(root, key=key, tsa_roots=roots)
        data = result.to_json()
        data["bundle"] = str(path)
        _emit(as_json, data, lambda: _print_bundle_check(result.lines()))
    return errors.EXIT_OK if result.intact else errors.EXIT_PROBLEM


@cli.command("import")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@click.option("--case", "case_id", default=None, help="Case to import into (default: the bundle's case).")
@click.option(
    "--key", default=None, metavar="VERIFIER_KEY", help="The operator key the bundle must be signed with."
)
@click.option(
    "--tsa-ca", "tsa_ca", multiple=True, type=EXISTING_FILE, help="Trusted TSA root certificates (PEM)."
)
@click.option(
    "--max-size", default="64G", show_default=True, help="Largest bundle accepted, unpacked (K/M/G)."
)
@json_option
@click.pass_context
def import_(
    ctx: click.Context,
    path: Path,
    case_id: str | None,
    key: str | None,
    tsa_ca: tuple[Path, ...],
    max_size: str,
    as_json: bool,
) -> None:
    """Receive a bundle from another archive: verify it in full, then store its exhibits as a custody
    transfer (both operators recorded). A bundle that fails any check, or tries path traversal,
    links or a zip bomb, is refused and nothing is stored.

    \b
    Example:
      vestige import ngo-bundle.zip --case UKR-2024 --key "vestige.archive/1e87...+4e9779fe+AZeE..."
    """
    from .exports.importer import import_bundle
    from .exports.unpack import Limits

    archive = _archive(ctx)
    if case_id is not None:
        catalog.check_case_id(case_id)
    result = import_bundle(
        archive,
        path,
        case=case_id,
        key=key,
        tsa_roots=_tsa_ca(tsa_ca),
        limits=Limits(max_total=parse_size(max_size)),
    )
    data = result.to_json()
    data["timestamps"] = _report_timestamps(archive)

    def human() -> None:
        click.echo(
            f"verified {path.name}: intact; from {result.source['operator']} ({result.source['archive']})"
        )
        for x in result.exhibits:
            click.echo(f"  {x.exhibit_id} -> {x.item_id or '-'}" + (f"  ({x.skipped})" if x.skipped else ""))

    _emit(as_json, data, human)


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
    from .custody.timestamps import load_roots

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


_SIZE_UNITS = {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}


def parse_size(text: str) -> int:
    """``500M``, ``2G``, ``1048576`` -> bytes."""
    t = text.strip().upper().removesuffix("B").removesuffix("I")
    unit = t[-1] if t and t[-1] in _SIZE_UNITS else ""
    number = t[: len(t) - len(unit)]
    if not number.isdigit() or int(number) == 0:
        raise click.BadParameter(f"{text!r} is not a size like 500M or 2G")
    return int(number) * _SIZE_UNITS[unit]


@cli.command()
@click.argument("urls", nargs=-1, required=True, metavar="URL...")
@click.option("--case", "case_id", default="inbox", show_default=True, help="Case the captures belong to.")
@click.option("--note", default=None, help="A note recorded with each capture.")
@click.option(
    "--proxy", default=None, help="Send all capture traffic through this upstream proxy (http://, socks5://)."
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=5),
    default=120,
    show_default=True,
    help="Total seconds allowed per URL.",
)
@click.option(
    "--max-size",
    default="2G",
    show_default=True,
    help="Largest body kept per resource (K/M/G); the capture total may be twice that.",
)
@click.option(
    "--settle",
    type=click.FloatRange(min=0.2, max=30),
    default=1.0,
    show_default=True,
    help="Seconds of network quiet that count as 'the page has finished' (late requests).",
)
@click.option(
    "--public-ip-resolver",
    default=None,
    metavar="URL",
    help="Opt in: record the capture's public IP, as this URL (answering with a bare IP) sees it.",
)
@click.option("--strict-tls", is_flag=True, help="Refuse a page whose certificate does not validate.")
@click.option(
    "--jobs",
    "-j",
    type=click.IntRange(1, 16),
    default=1,
    show_default=True,
    help="Captures at once, in one shared browser (one context each).",
)
@click.option(
    "--ca-file",
    type=EXISTING_FILE,
    default=None,
    help="Extra trust anchors (PEM) for validating servers' certificates.",
)
@json_option
@click.pass_context
def capture(
    ctx: click.Context,
    urls: tuple[str, ...],
    case_id: str,
    note: str | None,
    proxy: str | None,
    timeout: float,
    max_size: str,
    settle: float,
    public_ip_resolver: str | None,
    strict_tls: bool,
    ca_file: Path | None,
    jobs: int,
    as_json: bool,
) -> int:
    """Capture web pages with a real browser through a recording proxy into WARC evidence.

    Each URL becomes one exhibit: WARC (every request and response as sent), full-page screenshot,
    PDF print, rendered DOM, visible text, the server's certificates and a provenance record.
    Exit 0 when every capture is complete, 1 when any is partial or failed.

    \b
    Example:
      vestige capture https://t.me/s/example_channel --case UKR-2024 --note "channel preview"
    """
    from .archiver.capture import PROXY_SCHEMES, CaptureOptions, check_url

    archive = _archive(ctx)
    catalog.check_case_id(case_id)
    for url in urls:
        check_url(url)
    if public_ip_resolver:
        check_url(public_ip_resolver)
    if proxy and not proxy.startswith(PROXY_SCHEMES):
        raise errors.InputError(f"--proxy {proxy!r}: use http://, https://, socks5:// or socks5h://")
    limit = parse_size(max_size)
    opts = CaptureOptions(
        timeout=timeout,
        max_resource_bytes=limit,
        max_total_bytes=2 * limit,
        proxy=proxy,
        strict_tls=strict_tls,
        extra_ca=ca_file,
        operator=archive.config.operator,
        case=case_id,
        settle=settle,
        public_ip_resolver=public_ip_resolver,
    )
    rows = asyncio.run(_capture_batch(archive, urls, opts, case_id, note, jobs, as_json))
    out = [rows[i] for i in range(len(urls))]
    if as_json:
        click.echo(json.dumps(out, indent=2, ensure_ascii=False))
    return errors.EXIT_OK if all(r["state"] == "complete" for r in out) else errors.EXIT_PROBLEM


async def _capture_batch(
    archive: Archive,
    urls: tuple[str, ...],
    opts: Any,
    case_id: str,
    note: str | None,
    jobs: int,
    as_json: bool,
) -> dict[int, dict[str, Any]]:
    """Capture ``urls`` ``jobs`` at a time in one browser; store each as it finishes, in one thread.

    Each capture's scratch directory lives until its exhibit is stored (or refused), then goes."""
    from .archiver.capture import CaptureJob, capture_all
    from .store.ingest import add_capture

    rows: dict[int, dict[str, Any]] = {}
    scratch_dirs: dict[int, contextlib.AbstractContextManager[Path]] = {}
    position: dict[int, int] = {}  # id(job) -> index in urls

    def make_jobs() -> Iterator[CaptureJob]:
        for i, url in enumerate(urls):
            holder = archive.blobs.work_dir("capture-")
            job = CaptureJob(url, opts, holder.__enter__())
            scratch_dirs[i] = holder
            position[id(job)] = i
            yield job

    loop = asyncio.get_running_loop()
    with (
        archive.blobs.work_dir("session-") as scratch,
        concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="vestige-ingest") as ingest,
    ):
        try:
            async for job, outcome in capture_all(make_jobs(), scratch, concurrency=jobs):
                i = position[id(job)]
                try:
                    if isinstance(outcome, errors.VestigeError):  # --strict-tls: nothing is kept
                        click.echo(f"vestige: error: {outcome.diagnostics()}", err=True)
                        rows[i] = {"id": None, "url": job.url, "state": "refused", "reason": str(outcome)}
                    else:
                        item = (
                            await loop.run_in_executor(ingest, add_capture, archive, outcome, case_id, note)
                        ).item
                        rows[i] = {
                            "id": item.id,
                            "url": job.url,
                            "final_url": outcome.final_url,
                            "state": outcome.state,
                            "reason": outcome.reason,
                            "http_status": outcome.http_status,
                            "title": outcome.title,
                            "artifacts": [a.to_json(archive.root) for a in item.artifacts],
                        }
                finally:
                    scratch_dirs.pop(i).__exit__(None, None, None)
                if not as_json:
                    r = rows[i]
                    click.echo(
                        f"{r['id'] or '-'}  {r['state']:<8} {r.get('http_status') or '-'}  {job.url}"
                        + (f"\n  reason: {r['reason']}" if r["reason"] else "")
                    )
        finally:
            for holder in scratch_dirs.values():  # captures cut short: their scratch goes too
                holder.__exit__(None, None, None)
    return rows


def main() -> None:
    cli.main()
