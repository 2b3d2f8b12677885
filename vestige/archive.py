"""An archive is a directory: catalog database, blobs, operator key, kept checkpoints and config.

Layout::

    vestige.db            catalog and ledger (SQLite, WAL)
    config.json           archive id, origin, operator, TSAs, settings (defaults for commands)
    keys/operator.key     Ed25519 private key, mode 0600
    keys/operator.pub     its public key (PEM)
    blobs/sha256/..       content-addressed evidence, read-only
    checkpoints/N.txt     every signed checkpoint, one file each, read-only
    tsa/                  TSA trust anchors
    tmp/                  temp files of writers in progress
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy.exc
from sqlalchemy import Connection, Engine, create_engine, event, text

from . import __version__
from .clock import Clock, SaltFactory, random_salt, utc_now
from .custody.checkpoint import SignedCheckpoint
from .custody.keys import OperatorKey, create_key, load_key
from .custody.ledger import LedgerReader, LedgerWriter
from .custody.signed_note import verifier_key
from .custody.timestamps import TimestampAttempt, attempt, granted_for, load_roots, stored_tokens
from .errors import (
    ArchiveBusy,
    ArchiveError,
    ArchiveNotFound,
    CustodyViolation,
    InputError,
    SchemaTooNew,
)
from .faults import crash_point
from .store.blobs import BlobStore
from .store.schema import SCHEMA_REVISION

FORMAT = "vestige-archive/1"
DB_NAME = "vestige.db"
CONFIG_NAME = "config.json"
LOCK_TIMEOUT = float(os.environ.get("VESTIGE_LOCK_TIMEOUT", "120"))
MIGRATIONS = Path(__file__).parent / "store" / "migrations"


@dataclass
class TsaConfig:
    url: str
    ca_file: str | None = None  # relative to the archive root

    def to_json(self) -> dict[str, Any]:
        return {"url": self.url, "ca_file": self.ca_file}


SettingValue = str | int | float


@dataclass
class ArchiveConfig:
    archive_id: str
    origin: str
    operator: str
    created_at: str
    tsa: list[TsaConfig] = field(default_factory=list)
    auto_timestamp: bool = False
    # Defaults for commands (``vestige config set``), by dotted key; checked by ``cli.settings``.
    # Archives made before settings existed have none, and keys this version does not know are kept.
    settings: dict[str, SettingValue] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "archive_id": self.archive_id,
            "origin": self.origin,
            "operator": self.operator,
            "created_at": self.created_at,
            "tsa": [t.to_json() for t in self.tsa],
            "auto_timestamp": self.auto_timestamp,
            "settings": dict(sorted(self.settings.items())),
        }

    @classmethod
    def from_json(cls, data: Any) -> ArchiveConfig:
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise ValueError("not a Vestige archive config")
        settings = data.get("settings", {})
        if not isinstance(settings, dict) or not all(
            isinstance(v, str | int | float) and not isinstance(v, bool) for v in settings.values()
        ):
            raise ValueError("settings must map keys to strings or numbers")
        return cls(
            archive_id=str(data["archive_id"]),
            origin=str(data["origin"]),
            operator=str(data["operator"]),
            created_at=str(data["created_at"]),
            tsa=[TsaConfig(str(t["url"]), t.get("ca_file")) for t in data.get("tsa", [])],
            auto_timestamp=bool(data.get("auto_timestamp", False)),
            settings={str(k): v for k, v in settings.items()},
        )


def check_operator_name(name: str) -> str:
    """The operator's display name, as it goes into every ledger entry's actor."""
    name = name.strip()
    if not name or len(name) > 200 or any(ord(c) < 32 or ord(c) == 127 for c in name):
        raise InputError("operator name must be 1-200 printable characters")
    return name


def read_config(path: Path) -> ArchiveConfig:
    try:
        return ArchiveConfig.from_json(json.loads(path.read_text()))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ArchiveError(f"archive config {path} is unreadable or damaged") from exc


def _make_engine(db_path: Path) -> Engine:
    engine = create_engine(f"sqlite:///{db_path}", connect_args={"timeout": LOCK_TIMEOUT})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # transactions are begun below, explicitly
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=FULL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # A writer takes SQLite's write lock at BEGIN, so its reads see the state it will extend.
        conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.info.get("write") else "BEGIN")

    return engine


def _alembic_config(conn: Connection) -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = conn
    return cfg


def _known_revisions() -> tuple[set[str], str]:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory(str(MIGRATIONS))
    head = script.get_current_head()
    assert head is not None
    return {r.revision for r in script.walk_revisions()}, head


class Archive:
    def __init__(
        self,
        root: Path,
        config: ArchiveConfig,
        *,
        clock: Clock = utc_now,
        salt: SaltFactory = random_salt,
    ) -> None:
        self.root = root
        self.config = config
        self.clock = clock
        self.salt = salt
        self.engine = _make_engine(self.db_path)
        self.blobs = BlobStore(root / "blobs", root / "tmp")
        self._key: OperatorKey | None = None
        self.last_timestamps: list[TimestampAttempt] = []  # from auto-timestamping the last append

    # --- paths -------------------------------------------------------------------------------------
    @property
    def db_path(self) -> Path:
        return self.root / DB_NAME

    @property
    def config_path(self) -> Path:
        return self.root / CONFIG_NAME

    @property
    def private_key_path(self) -> Path:
        return self.root / "keys" / "operator.key"

    @property
    def public_key_path(self) -> Path:
        return self.root / "keys" / "operator.pub"

    @property
    def checkpoints_dir(self) -> Path:
        return self.root / "checkpoints"

    @property
    def key_name(self) -> str:
        return self.config.origin

    # --- lifecycle ---------------------------------------------------------------------------------
    @classmethod
    def create(cls, root: Path, operator: str, *, clock: Clock = utc_now) -> Archive:
        operator = check_operator_name(operator)
        if root.exists() and (not root.is_dir() or any(root.iterdir())):
            raise InputError(f"{root} already exists and is not an empty directory")
        archive_id = uuid.uuid4().hex
        config = ArchiveConfig(archive_id, f"vestige.archive/{archive_id}", operator, clock())
        try:
            for sub in ("keys", "blobs", "checkpoints", "tsa", "tmp"):
                (root / sub).mkdir(parents=True, exist_ok=True)
            os.chmod(root / "keys", 0o700)
        except OSError as exc:
            raise InputError(f"cannot create archive at {root}: {exc.strerror}") from exc
        archive = cls(root, config, clock=clock)
        archive._key = create_key(archive.private_key_path, archive.public_key_path)
        with archive.engine.connect() as conn:
            from alembic import command

            command.upgrade(_alembic_config(conn), "head")
            conn.commit()
        archive.save_config()
        key = archive._key
        with archive.appending() as w:
            w.append(
                "archive.created",
                None,
                None,
                {
                    "archive_id": archive_id,
                    "origin": config.origin,
                    "format": FORMAT,
                    "software": f"vestige {__version__}",
                },
            )
            w.append(
                "key.registered",
                key.fingerprint,
                None,
                {
                    "operator": operator,
                    "key_name": archive.key_name,
                    "algorithm": "ed25519",
                    "public_key": key.public_bytes.hex(),
                    "verifier_key": verifier_key(archive.key_name, key.public_bytes),
                },
            )
        return archive

    @classmethod
    def open(cls, root: Path) -> Archive:
        config_path = root / CONFIG_NAME
        if not config_path.exists():
            raise ArchiveNotFound(
                f"no Vestige archive at {root}",
                hint=f"create one with: vestige --archive {root} init",
            )
        config = read_config(config_path)
        if not (root / DB_NAME).exists():
            raise ArchiveError(f"archive catalog {root / DB_NAME} is missing")
        archive = cls(root, config)
        archive._check_schema()
        return archive

    def _check_schema(self) -> None:
        try:
            with self.engine.connect() as conn:
                rev = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
        except sqlalchemy.exc.DatabaseError as exc:
            raise ArchiveError(f"archive catalog {self.db_path} is damaged or not a database") from exc
        if rev == SCHEMA_REVISION:
            return  # the current schema: no need to load alembic (a quarter of a command's start-up)
        known, head = _known_revisions()
        if rev not in known:
            raise SchemaTooNew(
                f"archive catalog has schema {rev!r}, newer than this Vestige knows",
                hint="upgrade Vestige to open it",
            )
        if rev != head:
            with self._locked(), self.engine.connect() as conn:
                from alembic import command

                command.upgrade(_alembic_config(conn), "head")
                conn.commit()

    def schema_version(self) -> str | None:
        with self.reading() as conn:
            value = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
        return None if value is None else str(value)

    def save_config(self) -> None:
        tmp = self.config_path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.config.to_json(), indent=2) + "\n")
        os.replace(tmp, self.config_path)

    def update_config(self, change: Callable[[ArchiveConfig], None]) -> ArchiveConfig:
        """Change the config as it is on disk now, under the archive lock, and save it atomically.

        Another process may have saved the config since this one opened the archive: re-reading it
        first keeps that change instead of overwriting it with a stale copy."""
        with self._locked():
            config = read_config(self.config_path)
            change(config)
            self.config = config
            self.save_config()
        return config

    def registered_operator(self) -> str | None:
        """The operator name under which the ledger last registered the operator key."""
        with self.reading() as conn:
            return _registered_operator(LedgerReader(conn), self.key().fingerprint)

    def rename_operator(self, name: str) -> int | None:
        """Record a new operator name for the same key; returns the ledger entry, or None if unchanged.

        The name goes into the actor of every later entry, so the change is itself a custody event: the
        operator key is registered again under the new name (same key, so ``verify`` and bundle
        checks accept it, and bundles disclose it with the archive's other key entries). The entry is
        committed before the config is saved; a crash in between leaves the ledger ahead, and running
        the rename again saves the config without a second entry."""
        name = check_operator_name(name)
        key = self.key()
        index: int | None = None
        with self.appending() as w:
            previous = _registered_operator(w, key.fingerprint) or self.config.operator
            if name != previous:
                details = {
                    "operator": name,
                    "previous_operator": previous,
                    "reason": "operator name changed",
                    "key_name": self.key_name,
                    "algorithm": "ed25519",
                    "public_key": key.public_bytes.hex(),
                    "verifier_key": verifier_key(self.key_name, key.public_bytes),
                }
                index = w.append("key.registered", key.fingerprint, None, details).index

        def set_name(config: ArchiveConfig) -> None:
            config.operator = name

        if index is not None or self.config.operator != name:
            self.update_config(set_name)
        return index

    def close(self) -> None:
        self.engine.dispose()

    def key(self) -> OperatorKey:
        if self._key is None:
            self._key = load_key(self.private_key_path)
        return self._key

    def actor(self) -> dict[str, str]:
        return {"name": self.config.operator, "key": self.key().fingerprint}

    # --- reading -----------------------------------------------------------------------------------
    @contextlib.contextmanager
    def reading(self) -> Iterator[Connection]:
        """A read transaction: one consistent snapshot of catalog and ledger."""
        with self.engine.connect() as conn, conn.begin():
            yield conn

    # --- appending ---------------------------------------------------------------------------------
    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        fd = os.open(self.root / ".lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            deadline = time.monotonic() + LOCK_TIMEOUT
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        raise ArchiveBusy(
                            f"archive {self.root} is locked by another Vestige process",
                            hint="wait for it to finish, or raise VESTIGE_LOCK_TIMEOUT",
                        ) from None
                    time.sleep(0.02)
            yield
        finally:
            os.close(fd)

    @contextlib.contextmanager
    def appending(self) -> Iterator[LedgerWriter]:
        """Serialise an append: lock, one write transaction, a signed checkpoint, commit.

        Everything appended inside the block commits together with the checkpoint over it, or not at all.
        The checkpoint file is written after the commit; a crash before that is repaired on the next run.
        """
        with self._locked():
            self.repair()
            signed: SignedCheckpoint | None = None
            with self.engine.connect() as conn:
                conn.info["write"] = True
                try:
                    with conn.begin():
                        writer = self._writer(conn)
                        yield writer
                        if writer.appended:
                            signed = writer.sign_checkpoint(self.config.origin, self.key_name, self.key())
                            crash_point("before-commit")
                finally:
                    conn.info.pop("write", None)
            crash_point("after-commit")
            if signed is not None:
                self._write_checkpoint_file(signed.checkpoint.size, signed.to_text())
        if signed is not None and self.config.auto_timestamp and self.config.tsa:
            self.last_timestamps = timestamp_checkpoints(self)

    def _writer(self, conn: Connection) -> LedgerWriter:
        """A writer over a ledger that still matches its newest signed checkpoint.

        Entries and their checkpoint commit together, so a mismatch is never a crash: it means the
        ledger was altered. Signing over it would bless the change, so the append is refused.
        """
        try:
            writer = LedgerWriter(conn, self.actor(), self.clock, self.salt)
        except LookupError as exc:
            raise CustodyViolation(
                f"the ledger's stored tree is incomplete ({exc}); refusing to append",
                hint="run: vestige verify",
            ) from exc
        latest = writer.latest_checkpoint()
        if latest is None and writer.tree_size == 0:
            return writer
        valid = latest is not None and (
            SignedCheckpoint.from_text(latest.note).verify(self.key_name, self.key().public_bytes)
        )
        if latest is None or not valid or (latest.size, latest.root) != (writer.tree_size, writer.root()):
            covered = latest.size if latest else 0
            raise CustodyViolation(
                f"the ledger ({writer.tree_size} entries) does not match its newest signed checkpoint "
                f"(size {covered}); refusing to sign over it",
                hint="run: vestige verify",
            )
        return writer

    def kept_checkpoint_files(self) -> dict[int, Path]:
        """The checkpoint files on disk, by tree size."""
        return {int(p.stem): p for p in self.checkpoints_dir.glob("*.txt") if p.stem.isdigit()}

    def checkpoint_file(self, size: int) -> Path:
        return self.checkpoints_dir / f"{size:012d}.txt"

    def _write_checkpoint_file(self, size: int, note: str) -> None:
        path = self.checkpoint_file(size)
        tmp = self.root / "tmp" / f"checkpoint-{size}.{os.getpid()}"
        tmp.parent.mkdir(exist_ok=True)
        tmp.write_text(note)
        os.chmod(tmp, 0o444)
        os.replace(tmp, path)

    def repair(self) -> dict[str, int]:
        """Finish what a killed writer left: drop stale temp files, write missing newest checkpoints.

        Only checkpoints newer than every file on disk are written: a gap further back is not a crash
        but a deletion, and verification must report it.
        """
        removed = self.blobs.clean_stale_temp()
        newest_file = max(self.kept_checkpoint_files(), default=-1)
        written = 0
        with self.reading() as conn:
            for cp in LedgerReader(conn).checkpoints():
                if cp.size > newest_file:
                    self._write_checkpoint_file(cp.size, cp.note)
                    written += 1
        return {"temp_files_removed": removed, "checkpoint_files_written": written}


def _registered_operator(reader: LedgerReader, key_fingerprint: str) -> str | None:
    for entry in reversed(reader.entries_about(key_fingerprint)):
        name = entry.data["details"].get("operator") if entry.event == "key.registered" else None
        if isinstance(name, str) and name:
            return name
    return None


def tsa_roots(archive: Archive, tsa: TsaConfig) -> list[Any]:
    if not tsa.ca_file:
        return []
    try:
        return load_roots(archive.root / tsa.ca_file)
    except (OSError, ValueError) as exc:
        raise ArchiveError(f"TSA trust anchor {tsa.ca_file} is unreadable: {exc}") from exc


def timestamp_checkpoints(archive: Archive) -> list[TimestampAttempt]:
    """Get tokens from every configured TSA for the newest checkpoint and for any earlier checkpoint
    whose earlier attempt failed. Every attempt, failed or granted, is recorded."""
    if not archive.config.tsa:
        raise InputError("no TSA configured", hint="add one with: vestige tsa add URL --ca-file PEM")
    results: list[TimestampAttempt] = []
    with archive._locked(), archive.engine.connect() as conn:
        conn.info["write"] = True
        try:
            with conn.begin():
                reader = LedgerReader(conn)
                cps = {cp.size: cp for cp in reader.checkpoints()}
                latest = max(cps, default=None)
                if latest is None:
                    raise ArchiveError("the ledger has no checkpoint to timestamp")
                failed = {(a.checkpoint_size, a.tsa_url) for a in stored_tokens(conn) if a.state == "failed"}
                for tsa in archive.config.tsa:
                    roots = tsa_roots(archive, tsa)
                    wanted = {latest} | {size for size, url in failed if url == tsa.url}
                    for size in sorted(wanted):
                        if granted_for(conn, size, tsa.url):
                            continue
                        results.append(attempt(conn, size, cps[size].note, tsa.url, roots, archive.clock()))
        finally:
            conn.info.pop("write", None)
    return results
