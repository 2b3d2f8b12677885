"""Court bundles: export, verify-bundle, import."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from .. import errors
from ..store import catalog
from .base import EXISTING_FILE, _archive, _emit, _report_timestamps, cli, json_option, parse_size
from .settings import settings


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
    default=None,
    help="Exhibit numbering for the recipient: fields {item} {case} {seq} {item_seq} {case_seq} "
    "[config: export.id_pattern; default: {item}].",
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
    id_pattern: str | None,
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
    from ..exports.bundle import ExportOptions, export_case

    archive = _archive(ctx)
    pattern = id_pattern or settings(archive).export_id_pattern
    result = export_case(archive, ExportOptions(case_id, out, item_ids, pattern, case_seq))
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
    from ..custody.timestamps import load_roots

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

    from ..exports.bundle_check import check_bundle
    from ..exports.unpack import check_tree, extract_zip

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
    from ..exports.importer import import_bundle
    from ..exports.unpack import Limits

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
