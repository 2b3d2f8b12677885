"""The ``vestige`` command: a thin click layer. Errors become one line and an exit code, here only.

Nothing here imports the archive (SQLAlchemy and the rest, a quarter of a second): a command imports what
it needs, when it runs, so that ``vestige capture`` can start its browser first (``cli/capture.py``)."""

from __future__ import annotations

import errno
import gc
import importlib
import json
import os
import sys
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import click

from .. import __version__, errors

if TYPE_CHECKING:
    from ..archive import Archive

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


def resolve_archive_path(path: str | os.PathLike[str] | None) -> Path:
    return Path(path or os.environ.get("VESTIGE_ARCHIVE") or "vestige-archive").absolute()


def _archive(ctx: click.Context) -> Archive:
    from ..archive import Archive

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
    """Runs a command and turns every error into one line on stderr and a documented exit code.

    A command's module (``lazy``: command name -> module of this package) is imported when the command is
    looked up, so that ``vestige list`` does not import what ``vestige capture`` or ``vestige export``
    need; listing the commands (help, completion, the CLI reference) imports them all."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lazy: dict[str, str] = {}

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        module = self.lazy.get(cmd_name)
        if module is not None and cmd_name not in self.commands:
            importlib.import_module(f"{__package__}.{module}")  # its decorators register the command
        return super().get_command(ctx, cmd_name)

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
        except OSError as exc:
            if exc.errno == errno.ENOSPC:
                _fail(as_json, errors.ArchiveError("disk full: nothing was recorded for this command"))
            where = f"{exc.filename}: " if exc.filename else ""
            _fail(as_json, errors.ArchiveError(f"{where}{exc.strerror or exc}"))
        except Exception as exc:  # a database's error, or a bug: one line for users, the trace on request
            database = _database_failure(exc)
            if database is not None:
                _fail(as_json, database)
            if os.environ.get("VESTIGE_DEBUG"):
                traceback.print_exc()
            bug = errors.VestigeError(
                f"internal error: {type(exc).__name__}: {exc}",
                hint="set VESTIGE_DEBUG=1 for details and report it",
            )
            bug.exit_code, bug.kind = errors.EXIT_INTERNAL, "internal"
            _fail(as_json, bug)


def _database_failure(exc: Exception) -> errors.VestigeError | None:
    """What an error of the archive's database means for the user; None if ``exc`` is not one."""
    sa = sys.modules.get("sqlalchemy.exc")  # loaded if the command opened the archive, else not the cause
    if sa is None:
        return None
    if isinstance(exc, sa.OperationalError):
        if "locked" in str(exc.orig):
            return errors.ArchiveBusy("the archive database is locked by another process")
        return errors.ArchiveError(f"archive database error: {exc.orig}")
    if isinstance(exc, sa.DatabaseError):
        return errors.ArchiveError(f"archive database is damaged: {exc.orig}")
    return None


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


def human_size(size: int) -> str:
    """1536 -> '1.5 KiB'."""
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if value < 1024 or unit == "TiB":
            return f"{size} B" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")


_SIZE_UNITS = {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}


def parse_size(text: str) -> int:
    """``500M``, ``2G``, ``1048576`` -> bytes."""
    t = text.strip().upper().removesuffix("B").removesuffix("I")
    unit = t[-1] if t and t[-1] in _SIZE_UNITS else ""
    number = t[: len(t) - len(unit)]
    if not number.isdigit() or int(number) == 0:
        raise click.BadParameter(f"{text!r} is not a size like 500M or 2G")
    return int(number) * _SIZE_UNITS[unit]


def main() -> None:
    """The ``vestige`` command. What importing made, and at the end what the run made, is frozen out of
    the garbage collector: it would walk those objects again and again for nothing, and once more while
    the interpreter exits (a quarter of a second after each capture, measured in bench/capture.py)."""
    gc.freeze()
    try:
        cli.main()
    finally:
        gc.freeze()
