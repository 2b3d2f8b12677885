"""The archive's settings and health: config get|set|unset, doctor.

Settings are defaults for commands, kept in the archive's ``config.json`` so everyone working on the
archive captures the same way. Each value is checked with the rules the command's own option uses, when
it is set and again whenever it is read (a hand-edited config.json is not trusted either).
"""

from __future__ import annotations

import datetime as dt
import importlib.metadata
import json
import os
import platform
import shutil
import stat
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

import click
from sqlalchemy import Connection, func, select

from .. import errors
from ..archive import Archive, ArchiveConfig, SettingValue, tsa_roots
from ..clock import ntp_synchronized
from ..custody.ledger import LedgerReader
from ..store import catalog
from ..store.schema import ledger_entries, timestamps
from .base import _archive, _emit, _report_timestamps, _warn, cli, json_option, parse_size
from .capture_rules import CAPTURE_JOBS, CAPTURE_SETTLE, CAPTURE_TIMEOUT, PROXY_SCHEMES

# -- settings -----------------------------------------------------------------------------------------


def _by_click_type(kind: click.ParamType[Any, Any]) -> Callable[[object], SettingValue]:
    def parse(value: object) -> SettingValue:
        try:
            converted = kind.convert(value, None, None)
        except click.BadParameter as exc:
            raise errors.InputError(exc.message) from exc
        assert isinstance(converted, int | float)
        return converted

    return parse


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise errors.InputError(f"{value!r} is not text")
    return value.strip()


def _case(value: object) -> str:
    return catalog.check_case_id(_text(value))


def _proxy(value: object) -> str:
    proxy = _text(value)
    if not proxy.startswith(PROXY_SCHEMES) or not urlsplit(proxy).hostname:
        raise errors.InputError(
            f"{proxy!r} is not a proxy URL", hint="use http://, https://, socks5:// or socks5h://HOST:PORT"
        )
    return proxy


def _size(value: object) -> str:
    size = _text(value) if isinstance(value, str) else str(value)
    try:
        parse_size(size)
    except click.BadParameter as exc:
        raise errors.InputError(exc.message) from exc
    return size


def _id_pattern(value: object) -> str:
    from ..exports.exhibit_ids import parse_pattern

    return parse_pattern(_text(value)).text


@dataclass(frozen=True)
class Setting:
    key: str
    parse: Callable[[object], SettingValue]  # raises InputError; returns what config.json keeps
    default: SettingValue | None  # None: the command decides (no default case, no proxy)

    def check(self, value: object) -> SettingValue:
        try:
            return self.parse(value)
        except errors.InputError as exc:
            raise errors.InputError(f"{self.key}: {exc.message}", hint=exc.hint) from exc


SETTINGS = {
    s.key: s
    for s in (
        Setting("case", _case, None),
        Setting("proxy", _proxy, None),
        Setting("capture.timeout", _by_click_type(CAPTURE_TIMEOUT), 120.0),
        Setting("capture.max_size", _size, "2G"),
        Setting("capture.settle", _by_click_type(CAPTURE_SETTLE), 1.0),
        Setting("capture.jobs", _by_click_type(CAPTURE_JOBS), 1),
        Setting("export.id_pattern", _id_pattern, "{item}"),
    )
}
OPERATOR = "operator"
# Shown by ``config get``, changed only by their own commands.
READ_ONLY = {"tsa": "vestige tsa add URL --ca-file PEM", "tsa.auto": "vestige tsa auto on|off"}
KEYS = (OPERATOR, *SETTINGS, *READ_ONLY)


@dataclass(frozen=True)
class Settings:
    """The archive's settings with defaults applied: what capture, add and export use when not told."""

    operator: str
    case: str | None
    proxy: str | None
    capture_timeout: float
    capture_max_size: int  # bytes
    capture_settle: float
    capture_jobs: int
    export_id_pattern: str


def _stored(config: ArchiveConfig, key: str) -> SettingValue | None:
    """A setting's checked value from config.json, or its default."""
    spec = SETTINGS[key]
    if key not in config.settings:
        return spec.default
    try:
        return spec.parse(config.settings[key])
    except errors.InputError as exc:
        raise errors.InputError(
            f"the archive's setting {key} = {config.settings[key]!r} is invalid: {exc.message}",
            hint=f"fix it with: vestige config set {key} VALUE, or: vestige config unset {key}",
        ) from exc


def settings(archive: Archive) -> Settings:
    """The archive's settings, every value checked; raises InputError (exit 2) on a bad stored value,
    since silently ignoring, say, a configured proxy would send captures out the wrong way."""
    c = archive.config

    def text_or_none(key: str) -> str | None:
        value = _stored(c, key)
        return None if value is None else str(value)

    def number(key: str) -> float:
        value = _stored(c, key)
        assert isinstance(value, int | float), key  # parsed, and every number setting has a default
        return value

    return Settings(
        operator=c.operator,
        case=text_or_none("case"),
        proxy=text_or_none("proxy"),
        capture_timeout=float(number("capture.timeout")),
        capture_max_size=parse_size(str(_stored(c, "capture.max_size"))),
        capture_settle=float(number("capture.settle")),
        capture_jobs=int(number("capture.jobs")),
        export_id_pattern=str(_stored(c, "export.id_pattern")),
    )


def _known_key(key: str) -> str:
    if key not in KEYS:
        raise errors.InputError(f"unknown setting {key!r}", hint="settings: " + ", ".join(KEYS))
    return key


def _row(config: ArchiveConfig, key: str) -> dict[str, Any]:
    """One setting as ``config get`` shows it: the raw stored value (even an invalid one) or the default."""
    if key == OPERATOR:
        return {"key": key, "value": config.operator, "set": True}
    if key == "tsa":
        return {"key": key, "value": [t.to_json() for t in config.tsa], "set": bool(config.tsa)}
    if key == "tsa.auto":
        return {"key": key, "value": config.auto_timestamp, "set": config.auto_timestamp}
    if key in config.settings:
        return {"key": key, "value": config.settings[key], "set": True}
    return {"key": key, "value": SETTINGS[key].default if key in SETTINGS else None, "set": False}


def _shown(row: dict[str, Any]) -> str:
    value = row["value"]
    if row["key"] == "tsa":
        return "; ".join(t["url"] + (f" (CA {t['ca_file']})" if t["ca_file"] else "") for t in value)
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "" if value is None else str(value)


@cli.group()
def config() -> None:
    """The archive's settings: defaults for capture, add and export, and the operator name."""


@config.command("get")
@click.argument("key", required=False)
@json_option
@click.pass_context
def config_get(ctx: click.Context, key: str | None, as_json: bool) -> None:
    """Show one setting's value, or every setting (TSAs included).

    \b
    Example:
      vestige config get
      vestige config get capture.timeout
    """
    archive = _archive(ctx)
    if key is not None:
        row = _row(archive.config, _known_key(key))
        _emit(as_json, row, lambda: click.echo(_shown(row)) if row["value"] not in (None, []) else None)
        return
    unknown = sorted(set(archive.config.settings) - set(SETTINGS))
    rows = [_row(archive.config, k) for k in (*KEYS, *unknown)]

    def human() -> None:
        width = max(len(r["key"]) for r in rows)
        for r in rows:
            value = _shown(r) or "-"
            if r["key"] in SETTINGS and not r["set"]:
                value += "  (default)" if r["value"] is not None else "  (not set)"
            elif r["key"] in unknown:
                value += "  (unknown to this version of Vestige)"
            elif r["key"] in SETTINGS:
                try:
                    SETTINGS[r["key"]].check(r["value"])
                except errors.InputError as exc:
                    value += f"  (invalid: {exc.diagnostics()})"
            click.echo(f"{r['key']:<{width}}  {value}")

    _emit(as_json, rows, human)


@config.command("set")
@click.argument("key")
@click.argument("value")
@json_option
@click.pass_context
def config_set(ctx: click.Context, key: str, value: str, as_json: bool) -> None:
    """Set a setting; each value is checked as the command's own option would check it.

    Options given on the command line win over settings. Changing the operator name is recorded in the
    custody ledger.

    \b
    Keys:
      case               default case for capture and add
      operator           the name in every new ledger entry (the key stays the same)
      proxy              upstream proxy for captures: http, https, socks5 or socks5h://HOST:PORT
      capture.timeout    seconds per URL (>= 5; default 120)
      capture.max_size   largest body kept per resource (default 2G)
      capture.settle     seconds after load late requests are awaited (0.2-30; default 1)
      capture.jobs       captures at once (1-16; default 1)
      export.id_pattern  exhibit numbering in bundles (default {item})

    \b
    Example:
      vestige config set case UKR-2024
      vestige config set proxy socks5h://127.0.0.1:9050
      vestige config set operator "Olena Kovalenko"
    """
    archive = _archive(ctx)
    _known_key(key)
    if key in READ_ONLY:
        raise errors.InputError(f"{key} is not set here", hint=f"use: {READ_ONLY[key]}")
    previous = _row(archive.config, key)["value"]
    entry: int | None = None
    if key == OPERATOR:
        entry = archive.rename_operator(value)
    else:
        checked = SETTINGS[key].check(value)

        def change(c: ArchiveConfig) -> None:
            c.settings[key] = checked

        archive.update_config(change)
        if key == "case":
            with archive.reading() as conn:
                if not catalog.case_exists(conn, str(checked)):
                    _warn(f"case {checked} does not exist yet; create it with: vestige case create {checked}")
    row = {**_row(archive.config, key), "previous": previous, "entry_index": entry}
    stamps = _report_timestamps(archive)
    if stamps:
        row["timestamps"] = stamps
    recorded = f" (recorded as ledger entry {entry})" if entry is not None else ""
    _emit(as_json, row, f"{key} = {_shown(row)}{recorded}")


@config.command("unset")
@click.argument("key")
@json_option
@click.pass_context
def config_unset(ctx: click.Context, key: str, as_json: bool) -> None:
    """Remove a setting, so the command's own default applies again.

    \b
    Example:
      vestige config unset proxy
    """
    archive = _archive(ctx)
    if key not in archive.config.settings:  # a key a newer Vestige wrote can be removed too
        _known_key(key)
        if key == OPERATOR or key in READ_ONLY:
            hint = "set another with: vestige config set operator NAME" if key == OPERATOR else READ_ONLY[key]
            raise errors.InputError(f"{key} cannot be unset", hint=hint)
    previous = _row(archive.config, key)["value"]

    def change(c: ArchiveConfig) -> None:
        c.settings.pop(key, None)

    archive.update_config(change)
    row = {**_row(archive.config, key), "previous": previous}
    default = _shown(row)
    _emit(as_json, row, f"{key} unset" + (f" (default: {default})" if default else ""))


# -- doctor -------------------------------------------------------------------------------------------

Status = Literal["ok", "warning", "problem"]
PACKAGES = ("vestige", "playwright", "mitmproxy", "warcio", "weasyprint")
LOW_DISK_BYTES = 5 << 30
LOW_DISK_FRACTION = 0.10
VERY_LOW_DISK_BYTES = 1 << 30
VERIFY_AGE_DAYS = 30


@dataclass(frozen=True)
class Finding:
    check: str
    status: Status
    detail: str
    fix: str | None = None
    data: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "check": self.check,
            "status": self.status,
            "detail": self.detail,
            "fix": self.fix,
            **self.data,
        }


def check_python() -> Finding:
    return Finding("python", "ok", f"Python {platform.python_version()} ({sys.executable})")


def check_packages() -> Finding:
    versions: dict[str, str | None] = {}
    for name in PACKAGES:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = None
    missing = [n for n, v in versions.items() if v is None]
    detail = ", ".join(f"{n} {v or 'MISSING'}" for n, v in versions.items())
    if missing:
        return Finding(
            "packages",
            "problem",
            detail,
            "reinstall Vestige: make dev (or: pip install -e .)",
            {"versions": versions},
        )
    return Finding("packages", "ok", detail, data={"versions": versions})


def check_chromium() -> Finding:
    from ..archiver.browser import BrowserMissing, find_chromium

    fix = "install it: sudo apt-get install chromium (or set VESTIGE_CHROMIUM to a Chromium binary)"
    try:
        path = find_chromium(None)  # Debian's, on PATH or VESTIGE_CHROMIUM: no need to start Playwright
    except BrowserMissing:
        try:
            from playwright.sync_api import sync_playwright

            with sync_playwright() as pw:
                path = find_chromium(pw)  # Playwright's own build, if one is installed
        except Exception as exc:  # BrowserMissing, or Playwright's driver failing to start
            return Finding("chromium", "problem", f"no Chromium found ({exc})", fix)
    configured = os.environ.get("VESTIGE_CHROMIUM")
    try:
        proc = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=30, check=False)
        version = (proc.stdout.strip().splitlines() or [""])[0]
    except (OSError, subprocess.TimeoutExpired) as exc:
        return Finding("chromium", "problem", f"{path} does not run ({exc})", fix, {"path": path})
    if proc.returncode != 0 or not version:
        why = (proc.stderr.strip().splitlines() or ["no version printed"])[-1]
        return Finding("chromium", "problem", f"{path} --version failed: {why}", fix, {"path": path})
    data = {"path": path, "version": version}
    if configured and configured != path:
        return Finding(
            "chromium",
            "warning",
            f"VESTIGE_CHROMIUM={configured} is not executable; using {path} ({version})",
            "point VESTIGE_CHROMIUM at a Chromium binary, or unset it",
            data,
        )
    return Finding("chromium", "ok", f"{version} ({path})", data=data)


def check_disk(root: Path) -> Finding:
    where = root
    while not where.exists() and where != where.parent:
        where = where.parent
    usage = shutil.disk_usage(where)
    free_gib = usage.free / (1 << 30)
    detail = f"{free_gib:.1f} GiB free of {usage.total / (1 << 30):.1f} GiB on the archive's filesystem"
    data = {"free": usage.free, "total": usage.total}
    fix = "free space or move the archive to a larger disk (captures may use twice --max-size each)"
    if usage.free < VERY_LOW_DISK_BYTES:
        return Finding("disk", "problem", detail, fix, data)
    if usage.free < LOW_DISK_BYTES or usage.free < LOW_DISK_FRACTION * usage.total:
        return Finding("disk", "warning", detail, fix, data)
    return Finding("disk", "ok", detail, data=data)


def check_clock(archive: Archive | None, now: dt.datetime | None = None) -> Finding:
    """The system clock dates every entry and capture. Offline, the anchors are NTP's word and the
    ledger itself: the newest checkpoint must not be in the future."""
    now = now or dt.datetime.now(dt.UTC)
    stamp = now.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    synced = ntp_synchronized()
    data = {"utc": stamp, "ntp_synchronized": synced}
    detail = (
        f"system clock {stamp[:19]}Z UTC; NTP sync " + {True: "active", False: "off", None: "unknown"}[synced]
    )
    if archive is not None:
        with archive.reading() as conn:
            newest = LedgerReader(conn).latest_checkpoint()
        if newest is not None and newest.created_at > stamp:
            return Finding(
                "clock",
                "problem",
                f"{detail}; the clock is behind the archive's newest checkpoint ({newest.created_at})",
                "set the system clock right (e.g. enable NTP) before recording anything",
                data,
            )
    if synced is False:
        return Finding("clock", "warning", detail, "enable NTP: sudo timedatectl set-ntp true", data)
    if synced is None:
        return Finding(
            "clock", "warning", detail, "make sure the host keeps its clock synchronised (NTP, chrony)", data
        )
    return Finding("clock", "ok", detail, data=data)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def check_keys(archive: Archive) -> Finding:
    keys_dir = archive.private_key_path.parent
    if not archive.private_key_path.exists():
        return Finding(
            "keys",
            "problem",
            f"operator key {archive.private_key_path} is missing",
            "restore it from your backup",
        )
    exposed = [
        k
        for k in (archive.private_key_path, keys_dir / "wacz-signing.pem")
        if k.exists() and _mode(k) & 0o077
    ]
    if exposed:
        return Finding(
            "keys",
            "problem",
            "; ".join(f"{k} is mode {_mode(k):04o}" for k in exposed) + ": other users can read it",
            "run: chmod 600 " + " ".join(map(str, exposed)),
        )
    if _mode(keys_dir) & 0o077:
        return Finding(
            "keys",
            "warning",
            f"{keys_dir} is mode {_mode(keys_dir):04o}: other users can see the key files",
            f"run: chmod 700 {keys_dir}",
        )
    return Finding("keys", "ok", f"{archive.private_key_path} 0600, {keys_dir} 0700")


def check_ledger(archive: Archive) -> Finding:
    """A quick look, not a verification: schema, and the ledger's size against its newest checkpoint."""
    schema = archive.schema_version()
    with archive.reading() as conn:
        reader = LedgerReader(conn)
        size = reader.size()
        newest = reader.latest_checkpoint()
    data = {"schema": schema, "entries": size, "checkpoint_size": newest.size if newest else None}
    detail = f"schema {schema}, {size} ledger entries"
    if newest is None or newest.size != size:
        covered = newest.size if newest else 0
        return Finding(
            "ledger",
            "problem",
            f"{detail}, but the newest signed checkpoint covers {covered}",
            "run: vestige verify (it names what differs)",
            data,
        )
    if not archive.checkpoint_file(newest.size).exists():
        return Finding(
            "ledger",
            "warning",
            f"{detail}; the newest checkpoint's file is not written yet",
            "the next command that records anything writes it; vestige verify reports on it",
            data,
        )
    return Finding("ledger", "ok", f"{detail}, all covered by the newest signed checkpoint", data=data)


def _last_full_verify(conn: Connection) -> dict[str, Any] | None:
    # verify.completed has no subject: the subject index finds it without reading the whole ledger.
    q = (
        select(ledger_entries.c.body)
        .where(ledger_entries.c.subject.is_(None), ledger_entries.c.event == "verify.completed")
        .order_by(ledger_entries.c.idx.desc())
    )
    for (body,) in conn.execute(q):
        data: dict[str, Any] = json.loads(body)
        if data["details"].get("scope") == "all":
            return data
    return None


def check_verified(archive: Archive, now: dt.datetime | None = None) -> Finding:
    now = now or dt.datetime.now(dt.UTC)
    with archive.reading() as conn:
        last = _last_full_verify(conn)
    if last is None:
        return Finding(
            "verified", "warning", "the archive has never been fully verified", "run: vestige verify"
        )
    when = last["time"]
    result = last["details"].get("result")
    data = {"last_verify": when, "result": result, "entry_index": last["index"]}
    if result != "intact":
        return Finding(
            "verified",
            "problem",
            f"the last full verify ({when}) found problems",
            "run: vestige verify, and see what it names",
            data,
        )
    age = now - dt.datetime.strptime(when, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=dt.UTC)
    if age > dt.timedelta(days=VERIFY_AGE_DAYS):
        return Finding(
            "verified",
            "warning",
            f"last full verify {when}, {age.days} days ago: intact",
            "run: vestige verify",
            data,
        )
    return Finding("verified", "ok", f"last full verify {when}: intact", data=data)


def check_operator(archive: Archive) -> Finding:
    registered = archive.registered_operator()
    name = archive.config.operator
    if registered != name:
        return Finding(
            "operator",
            "warning",
            f"config.json names the operator {name!r}, but the ledger registered the key to {registered!r}",
            f'record the name in the ledger: vestige config set operator "{name}"',
        )
    return Finding("operator", "ok", f"{name} ({archive.key().fingerprint})")


def check_settings(archive: Archive) -> Finding:
    bad, unknown = [], []
    for key in sorted(archive.config.settings):
        if key not in SETTINGS:
            unknown.append(key)
            continue
        try:
            _stored(archive.config, key)
        except errors.InputError as exc:
            bad.append((key, exc.message))
    if bad:
        key = bad[0][0]
        return Finding(
            "settings",
            "problem",
            "; ".join(m for _, m in bad),
            f"vestige config set {key} VALUE, or: vestige config unset {key}",
        )
    if unknown:
        return Finding(
            "settings",
            "warning",
            f"unknown settings (from a newer Vestige?): {', '.join(unknown)}",
            f"vestige config unset {unknown[0]}",
        )
    return Finding("settings", "ok", f"{len(archive.config.settings)} set, the rest at their defaults")


def check_tsa(archive: Archive) -> Finding:
    """TSA configuration and the state of the newest checkpoint's tokens. Reachability is not tried."""
    tsas = archive.config.tsa
    if not tsas:
        return Finding(
            "tsa",
            "warning",
            "no Time-Stamp Authority configured: nothing outside the archive dates the ledger",
            "vestige tsa add URL --ca-file PEM, then: vestige tsa auto on",
        )
    for tsa in tsas:
        try:
            if tsa.ca_file and not tsa_roots(archive, tsa):
                raise errors.ArchiveError(f"TSA trust anchor {tsa.ca_file} holds no certificate")
        except errors.ArchiveError as exc:
            return Finding("tsa", "problem", exc.message, f"vestige tsa add {tsa.url} --ca-file PEM")
    with archive.reading() as conn:
        newest = LedgerReader(conn).latest_checkpoint()
        rows = conn.execute(
            select(timestamps.c.checkpoint_size, timestamps.c.tsa_url, timestamps.c.state).distinct()
        ).all()
        granted = conn.execute(
            select(func.max(timestamps.c.gen_time)).where(timestamps.c.state == "granted")
        ).scalar()
    done = {(size, url) for size, url, state in rows if state == "granted"}
    pending = {(size, url) for size, url, state in rows if state == "failed"} - done
    auto = "on" if archive.config.auto_timestamp else "off"
    detail = f"{len(tsas)} TSA(s), auto {auto}; newest token {granted or 'none'}"
    data = {
        "tsa": [t.to_json() for t in tsas],
        "auto": archive.config.auto_timestamp,
        "newest_token": granted,
    }
    if pending:
        return Finding(
            "tsa",
            "warning",
            f"{detail}; {len(pending)} failed attempt(s) to retry",
            "run: vestige timestamp",
            data,
        )
    if newest is not None and not any(size == newest.size for size, _ in done):
        return Finding(
            "tsa", "warning", f"{detail}; the newest checkpoint has no token", "run: vestige timestamp", data
        )
    return Finding("tsa", "ok", detail + " (reachability not checked)", data=data)


def run_doctor(archive_path: Path) -> list[Finding]:
    findings = [check_python(), check_packages(), check_chromium(), check_disk(archive_path)]
    try:
        archive: Archive | None = Archive.open(archive_path)
    except errors.VestigeError as exc:
        archive = None
        findings.append(Finding("archive", "problem", exc.message, exc.hint))
    if archive is None:
        findings.append(check_clock(None))
        return findings
    try:
        findings.append(Finding("archive", "ok", f"{archive_path} ({archive.config.origin})"))
        for check in (
            check_clock,
            check_keys,
            check_ledger,
            check_verified,
            check_operator,
            check_settings,
            check_tsa,
        ):
            try:
                findings.append(check(archive))
            except errors.VestigeError as exc:
                findings.append(
                    Finding(check.__name__.removeprefix("check_"), "problem", exc.message, exc.hint)
                )
    finally:
        archive.close()
    return findings


MARKS = {"ok": "  ok  ", "warning": " warn ", "problem": "PROBLEM"}


@cli.command()
@json_option
@click.pass_context
def doctor(ctx: click.Context, as_json: bool) -> int:
    """Check the browser, versions, disk space, clock, key permissions and the archive's health.

    Each check is ok, a warning or a problem, with how to fix it. Nothing goes into the ledger. Exit 0 when
    there is no problem (warnings allowed), 1 otherwise. For a full check of the evidence: vestige verify.

    \b
    Example:
      vestige doctor
    """
    findings = run_doctor(ctx.obj["archive_path"])
    problems = sum(f.status == "problem" for f in findings)
    warnings = sum(f.status == "warning" for f in findings)
    result = "problems" if problems else "warnings" if warnings else "ok"
    data = {"result": result, "checks": [f.to_json() for f in findings]}

    def human() -> None:
        for f in findings:
            click.echo(f"[{MARKS[f.status]:^7}] {f.check:<9} {f.detail}")
            if f.fix and f.status != "ok":
                click.echo(f"{'':<10}{'':<10}fix: {f.fix}")
        click.echo(f"{problems} problem(s), {warnings} warning(s)")

    _emit(as_json, data, human)
    return errors.EXIT_PROBLEM if problems else errors.EXIT_OK
