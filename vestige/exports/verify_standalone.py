"""Verify a Vestige evidence bundle offline, with nothing but Python 3.8 or later.

    python3 -S verify.py [--key VERIFIER_KEY] [BUNDLE_DIR]

BUNDLE_DIR defaults to the directory holding this script. The exit status is 0 if the bundle is
intact, 1 if it is not, and 2 for a usage error (such as a directory that is not a bundle). Every
failed check says what failed, where (file, line, ledger entry) and what was expected and found.

This file is copied unchanged into every bundle as verify.py. It uses the Python standard library
only, never Vestige, and implements from their specifications everything it relies on:

  - SHA-256 (hashlib) of every file, read in chunks, and of members inside zip files (zipfile);
  - Ed25519 signature verification (RFC 8032 section 5.1.7);
  - Merkle tree leaf hashes, inclusion proofs and consistency proofs (RFC 9162 section 2.1);
  - signed notes and log checkpoints (https://c2sp.org/signed-note, https://c2sp.org/tlog-checkpoint);
  - the message imprint and time of RFC 3161 time-stamp tokens (a minimal DER reader).

The checks, in order (the bundle format, "What verify.py checks"):

  1. Every file listed in SHA256SUMS exists and has that SHA-256; every other file in the bundle is
     listed (only SHA256SUMS and SHA256SUMS.sig cannot be); no path leaves the bundle.
  2. SHA256SUMS.sig is a valid Ed25519 signed note by the operator key over this SHA256SUMS.
  3. The checkpoint is signed by the same key and names the archive's origin; custody/operator.pub
     holds that key; the disclosed key.registered ledger entry registers it.
  4. Every line of custody/entries.jsonl has an inclusion proof leading to the checkpoint's root.
  5. Every exhibit's artifacts match, byte for byte, both the files in the bundle and the digests
     committed in its ledger entry.
  6. Every consistency proof leads from a signed earlier checkpoint to this one.
  7. Every time-stamp token's message imprint is the SHA-256 of its checkpoint note. The tokens'
     signatures and certificate chains are checked by `vestige verify-bundle`, not here.

What "intact" means: the bundle is, bit for bit, what the holder of the operator key exported, and
its ledger entries are in the log that key signed. The key itself is read from the bundle, so compare
it with the key the archive operator published, or give that key with --key: anyone can build a
self-consistent bundle under a key of their own.
"""

import sys

# Run as a script, Python puts this file's directory first on the module path, where a file in the
# bundle (hashlib.py, zipfile.py, even __future__.py) could stand in for a standard module. Take it
# off before importing anything else.
if __name__ == "__main__" and not sys.flags.isolated and not getattr(sys.flags, "safe_path", False):
    del sys.path[0]

import base64
import binascii
import hashlib
import json
import os
import stat
import zipfile
import zlib
from dataclasses import dataclass, field
from typing import IO, TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Sequence

    Point = tuple[int, int, int, int]  # extended coordinates (X, Y, Z, T), RFC 8032 s5.1.4

T = TypeVar("T")

FORMAT = "vestige-bundle/1"
MANIFEST = "manifest.json"
SUMS = "SHA256SUMS"
SUMS_SIG = "SHA256SUMS.sig"
UNLISTED = (SUMS, SUMS_SIG)  # the only files SHA256SUMS does not list
SUMS_NOTE_FIRST_LINE = "vestige.bundle/1"
CHECKPOINT = "custody/checkpoint.txt"
ENTRIES = "custody/entries.jsonl"
PROOFS = "custody/proofs.json"
OPERATOR_PUB = "custody/operator.pub"
ITEM_EVENTS = ("item.added", "item.captured", "item.imported")
SHA256_OID = "2.16.840.1.101.3.4.2.1"

CHUNK = 1 << 20  # files are hashed 1 MiB at a time: bundles can hold files of many gigabytes
MAX_METADATA = 1 << 28  # manifest, proofs, ledger lines and notes are read whole; refuse absurd sizes
SHOWN_PROBLEMS = 50  # per check, in the printed report; the Report keeps them all

PASSED = "passed"
FAILED = "FAILED"

OS_LITTER = (".DS_Store", "Thumbs.db", "desktop.ini")


# ====================================================================================================
# The report
# ====================================================================================================


@dataclass
class Step:
    """One numbered check and its outcome."""

    number: int
    title: str
    status: str = PASSED
    problems: "list[str]" = field(default_factory=list)
    notes: "list[str]" = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return self.status == PASSED

    def fail(self, problem: str) -> None:
        self.status = FAILED
        self.problems.append(problem)

    def to_json(self) -> "dict[str, Any]":
        return {
            "number": self.number,
            "title": self.title,
            "status": "passed" if self.passed else "failed",
            "problems": self.problems,
            "notes": self.notes,
        }

    def lines(self) -> "list[str]":
        out = [f"{self.number}. {self.title}: {self.status}"]
        out.extend(f"   {note}" for note in self.notes)
        out.extend(f"   - {problem}" for problem in self.problems[:SHOWN_PROBLEMS])
        if len(self.problems) > SHOWN_PROBLEMS:
            out.append(f"   ... and {len(self.problems) - SHOWN_PROBLEMS} more problems")
        return out


@dataclass
class Report:
    """The outcome of verifying one bundle: facts read from it, then the seven checks."""

    root: str
    facts: "list[tuple[str, str]]" = field(default_factory=list)
    steps: "list[Step]" = field(default_factory=list)

    @property
    def intact(self) -> bool:
        return len(self.steps) == CHECK_COUNT and all(s.passed for s in self.steps)

    @property
    def result_line(self) -> str:
        return "RESULT: INTACT" if self.intact else "RESULT: NOT INTACT"

    def step(self, number: int) -> Step:
        return next(s for s in self.steps if s.number == number)

    def header_lines(self) -> "list[str]":
        width = max([len(label) for label, _ in self.facts] + [0]) + 2
        out = [f"Vestige evidence bundle verifier ({FORMAT}), Python standard library only", ""]
        out.extend(f"{label + ':' if label else '':<{width}}{value}" for label, value in self.facts)
        out.append("")
        return out

    def lines(self) -> "list[str]":
        out = self.header_lines()
        for s in self.steps:
            out.extend(s.lines())
        out.extend(["", self.result_line])
        return out

    def text(self) -> str:
        return "\n".join(printable(line) for line in self.lines()) + "\n"

    def to_json(self) -> "dict[str, Any]":
        return {
            "bundle": self.root,
            "intact": self.intact,
            "facts": dict(self.facts),
            "checks": [s.to_json() for s in self.steps],
        }


class BundleProblem(Exception):
    """Something in the bundle is missing or malformed; the message says what and where."""


# ====================================================================================================
# The checklist
# ====================================================================================================

CHECK_COUNT = 7


def verify_bundle(root: str, key: "str | None" = None, out: "IO[str] | None" = None) -> Report:
    """Run the seven checks on the bundle directory ``root``; never raises for a damaged bundle.

    ``key`` is a verifier key string the operator key must equal (``--key``). When ``out`` is given,
    the report is written to it as the checks complete.
    """
    ctx = _Context(_Bundle(root), key)
    report = Report(ctx.bundle.root)
    try:
        report.facts = _facts(ctx)
    except Exception as exc:  # the header is informative only; the checks report every problem
        report.facts = [("Bundle", ctx.bundle.root), ("Manifest", f"{type(exc).__name__}: {exc}")]
    if out is not None:
        _emit(out, report.header_lines())

    def run(number: int, title: str, check: "Callable[[_Context, Step], None]") -> None:
        step = Step(number, title)
        try:
            check(ctx, step)
        except BundleProblem as exc:
            step.fail(str(exc))
        except Exception as exc:  # a file damaged in a way not foreseen must still give a reason
            step.fail(f"could not be completed: {type(exc).__name__}: {exc}")
        report.steps.append(step)
        if out is not None:
            _emit(out, step.lines())

    run(1, "Every file matches SHA256SUMS; none is missing, unlisted or outside the bundle", check_files)
    run(2, "SHA256SUMS.sig is the operator key's signature over this SHA256SUMS", check_sums_signature)
    run(3, "The checkpoint is signed by the operator key, which the ledger registered", check_checkpoint)
    run(4, "Every disclosed ledger entry is included in the checkpoint's tree", check_inclusion)
    run(5, "Every exhibit's artifacts match the bundle files and their ledger entry", check_exhibits)
    run(6, "Every earlier checkpoint is signed and consistent with this one", check_consistency)
    run(7, "Every time-stamp token covers its checkpoint note", check_timestamps)
    if out is not None:
        _emit(out, ["", report.result_line])
    return report


def check_files(ctx: "_Context", step: Step) -> None:
    """1. SHA256SUMS lists every file with its SHA-256, and nothing else is in the bundle."""
    bundle = ctx.bundle
    listed: set[str] = set()
    hashed = 0
    entries, problems = parse_sums(bundle.read(SUMS), SUMS)
    for problem in problems:
        step.fail(problem)
    for line_no, expected, rel in entries:
        reason = path_problem(rel)
        if reason is not None:
            step.fail(f"{SUMS} line {line_no}: {rel!r}: {reason}")
            continue
        if rel in listed:
            step.fail(f"{SUMS} line {line_no}: {rel} is listed twice")
            continue
        listed.add(rel)
        try:
            actual, size = bundle.digest(rel)
        except BundleProblem as exc:
            step.fail(f"{exc} (listed in {SUMS} line {line_no})")
            continue
        hashed += size
        if actual != expected:
            step.fail(f"{rel}: SHA-256 is {actual}, {SUMS} line {line_no} says {expected}")
    # Nothing may be in the bundle that SHA256SUMS does not cover: no extra file, no link.
    for rel, kind in bundle.walk():
        if kind == "unreadable":
            step.fail(f"{rel}: directory cannot be read, so its files cannot be checked")
        elif kind == "link":
            if rel not in listed:  # a listed link was reported above
                step.fail(f"{rel}: is a symbolic link; a bundle holds no links")
        elif kind != "file":
            step.fail(f"{rel}: is not a regular file")
        elif rel not in listed and rel not in UNLISTED:
            name = rel.rsplit("/", 1)[-1]
            if name in OS_LITTER or name.startswith("._"):
                # Finder and Explorer leave these when someone only browses the folder; nothing in the
                # bundle refers to them, so they change no evidence.
                step.notes.append(f"ignored {rel}: a file the operating system's file browser made")
            else:
                step.fail(f"{rel}: is in the bundle but not listed in {SUMS}")
    if not bundle.exists(SUMS_SIG):
        step.fail(f"{SUMS_SIG} is missing")
    step.notes.append(f"{len(listed)} files listed, {_size_text(hashed)} hashed")


def check_sums_signature(ctx: "_Context", step: Step) -> None:
    """2. SHA256SUMS.sig: a signed note "vestige.bundle/1", the case ID, the SHA-256 of SHA256SUMS."""
    key = ctx.key()
    case_id = ctx.case_id()
    note = parse_signed_note(ctx.bundle.read(SUMS_SIG), SUMS_SIG)
    problem = signature_problem(note, key, SUMS_SIG)
    if problem is not None:
        step.fail(problem)
    sums_digest = ctx.bundle.digest(SUMS)[0]
    lines = note.text.split("\n")
    if len(lines) != 4:
        step.fail(f"{SUMS_SIG}: the signed text has {len(lines) - 1} lines; expected 3")
        return
    if lines[0] != SUMS_NOTE_FIRST_LINE:
        step.fail(f"{SUMS_SIG}: first line is {lines[0]!r}; expected {SUMS_NOTE_FIRST_LINE!r}")
    if lines[1] != case_id:
        step.fail(f"{SUMS_SIG}: signed for case {lines[1]!r}, but {MANIFEST} is for case {case_id!r}")
    if lines[2] != sums_digest:
        step.fail(
            f"{SUMS_SIG}: signs a {SUMS} with SHA-256 {lines[2]}, but this {SUMS} has SHA-256 {sums_digest}"
        )
    if problem is None and lines[2] == sums_digest:
        step.notes.append(f"signed by {key.name} (key id {key.key_id.hex()}) for case {case_id}")


def check_checkpoint(ctx: "_Context", step: Step) -> None:
    """3. The checkpoint, custody/operator.pub, the manifest and the ledger all name one key and origin."""
    key = ctx.key()
    manifest = ctx.manifest()
    origin = _get(manifest["archive"], "origin", str, f"{MANIFEST} archive")
    note, cp = ctx.checkpoint()
    problem = signature_problem(note, key, CHECKPOINT)
    if problem is not None:
        step.fail(problem)
    if cp.origin != origin:
        step.fail(f"{CHECKPOINT}: origin is {cp.origin!r}, but {MANIFEST} archive.origin is {origin!r}")
    # The manifest's summary of the checkpoint must be the checkpoint.
    summary = _get(manifest, "checkpoint", dict, MANIFEST)
    path = _get(summary, "path", str, f"{MANIFEST} checkpoint")
    size = _get(summary, "tree_size", int, f"{MANIFEST} checkpoint")
    root = _get(summary, "root", str, f"{MANIFEST} checkpoint")
    if path != CHECKPOINT:
        step.fail(f"{MANIFEST} checkpoint.path is {path!r}; expected {CHECKPOINT!r}")
    if size != cp.size:
        step.fail(f"{MANIFEST} checkpoint.tree_size is {size}, but {CHECKPOINT} has tree size {cp.size}")
    if root != cp.root.hex():
        step.fail(f"{MANIFEST} checkpoint.root is {root}, but {CHECKPOINT} has root {cp.root.hex()}")
    # custody/operator.pub holds the verifier key string, and nothing else.
    try:
        published = ctx.bundle.read(OPERATOR_PUB).decode("utf-8").strip()
    except UnicodeDecodeError:
        published = "(not UTF-8 text)"
    if published != key.text:
        step.fail(f"{OPERATOR_PUB} holds {published!r}, but the operator key is {key.text!r}")
    # The ledger registered the key: a disclosed, proven key.registered entry (check 4 proves it).
    registered = [e for e in ctx.entries() if e.data is not None and e.data.get("event") == "key.registered"]
    named = [e for e in registered if _details(e).get("verifier_key") == key.text]
    if not named:
        found = ", ".join(repr(_details(e).get("verifier_key")) for e in registered) or "none"
        step.fail(
            f"no disclosed key.registered entry in {ENTRIES} registers {key.text} (registered: {found})"
        )
    for e in named:
        public = _details(e).get("public_key")
        if public is not None and public != key.public_key.hex():
            step.fail(
                f"entry {e.index}: key.registered public_key is {public}, "
                f"but the operator key is {key.public_key.hex()}"
            )
    created = [e for e in ctx.entries() if e.data is not None and e.data.get("event") == "archive.created"]
    for e in created:
        if _details(e).get("origin") != origin:
            step.fail(
                f"entry {e.index}: archive.created origin is {_details(e).get('origin')!r}, not {origin!r}"
            )
    if named:
        step.notes.append(f"key registered by entry {', '.join(str(e.index) for e in named)}")
    step.notes.append(f"checkpoint: origin {cp.origin}, tree size {cp.size}, root {cp.root.hex()}")


def check_inclusion(ctx: "_Context", step: Step) -> None:
    """4. Every entries.jsonl line hashes to a leaf that an inclusion proof takes to the checkpoint root."""
    _, cp = ctx.checkpoint()
    proofs = ctx.proofs()
    size = _get(proofs, "tree_size", int, PROOFS)
    root = _get(proofs, "root", str, PROOFS)
    if size != cp.size:
        step.fail(f"{PROOFS} tree_size is {size}, but {CHECKPOINT} has tree size {cp.size}")
    if root != cp.root.hex():
        step.fail(f"{PROOFS} root is {root}, but {CHECKPOINT} has root {cp.root.hex()}")
    by_index: dict[int, tuple[bytes, list[bytes]]] = {}
    for n, item in enumerate(_get(proofs, "inclusion", list, PROOFS)):
        where = f"{PROOFS} inclusion[{n}]"
        try:
            index = _get(item, "index", int, where)
            leaf = _hex_hash(_get(item, "leaf_hash", str, where), f"{where}.leaf_hash")
            path = _hash_list(_get(item, "path", list, where), f"{where}.path")
        except BundleProblem as exc:
            step.fail(str(exc))
            continue
        if index in by_index:
            step.fail(f"{where}: a second inclusion proof for entry {index}")
            continue
        by_index[index] = (leaf, path)
    seen: set[int] = set()
    for e in ctx.entries():
        where = f"{ENTRIES} line {e.line_no}"
        if e.problem is not None or e.index is None:
            step.fail(f"{where}: {e.problem}")
            continue
        if e.index in seen:
            step.fail(f"{where}: entry {e.index} appears twice")
            continue
        seen.add(e.index)
        proof = by_index.get(e.index)
        if proof is None:
            step.fail(f"entry {e.index} ({where}): no inclusion proof in {PROOFS}")
            continue
        leaf = leaf_hash(e.raw)
        if leaf != proof[0]:
            step.fail(
                f"entry {e.index} ({where}): the line's leaf hash is {leaf.hex()}, "
                f"but {PROOFS} proves leaf {proof[0].hex()}: the line is not the entry that was logged"
            )
            continue
        if not verify_inclusion(leaf, e.index, cp.size, proof[1], cp.root):
            step.fail(
                f"entry {e.index} ({where}): the inclusion proof does not lead to the checkpoint root "
                f"{cp.root.hex()} (tree size {cp.size})"
            )
    for index in sorted(set(by_index) - seen):
        step.fail(f"{PROOFS} has an inclusion proof for entry {index}, but {ENTRIES} has no line for it")
    step.notes.append(f"{len(seen)} entries, in a log of {cp.size}")


def check_exhibits(ctx: "_Context", step: Step) -> None:
    """5. Each exhibit's artifacts: bundle bytes = manifest digests = digests in the ledger entry."""
    manifest = ctx.manifest()
    case_id = ctx.case_id()
    entries = {e.index: e for e in ctx.entries() if e.data is not None and e.index is not None}
    exhibits = _get(manifest, "exhibits", list, MANIFEST)
    artifact_count = 0
    exhibit_ids: set[str] = set()
    for n, exhibit in enumerate(exhibits):
        where = f"{MANIFEST} exhibits[{n}]"
        try:
            exhibit_id = _get(exhibit, "exhibit_id", str, where)
            item_id = _get(exhibit, "item_id", str, where)
            entry_index = _get(exhibit, "entry_index", int, where)
            artifacts = _get(exhibit, "artifacts", list, where)
        except BundleProblem as exc:
            step.fail(str(exc))
            continue
        if exhibit_id in exhibit_ids:
            step.fail(f"{where}: exhibit {exhibit_id} is listed twice")
        exhibit_ids.add(exhibit_id)
        label = f"exhibit {exhibit_id}"
        # (a) The bundle's bytes are the manifest's artifacts.
        in_manifest: set[tuple[Any, ...]] = set()
        for m, artifact in enumerate(artifacts):
            awhere = f"{where} artifacts[{m}]"
            try:
                committed = _artifact_key(artifact, awhere)
                path = _get(artifact, "path", str, awhere)
                member = artifact.get("member")
                if member is not None and not isinstance(member, str):
                    raise BundleProblem(f"{awhere}.member is not a string")
            except BundleProblem as exc:
                step.fail(str(exc))
                continue
            in_manifest.add(committed)
            artifact_count += 1
            role, _, size, sha256, _ = committed
            shown = f"{path} member {member}" if member else path
            try:
                actual, actual_size = (
                    ctx.bundle.member_digest(path, member) if member else ctx.bundle.digest(path)
                )
            except BundleProblem as exc:
                step.fail(f"{label} {role}: {exc}")
                continue
            if actual != sha256:
                step.fail(f"{label} {role} {shown}: SHA-256 is {actual}, {MANIFEST} says {sha256}")
            if actual_size != size:
                step.fail(f"{label} {role} {shown}: size is {actual_size} bytes, {MANIFEST} says {size}")
        for name in ("report", "wacz"):  # the exhibit report and the WACZ must be there too
            extra = exhibit.get(name)
            if extra is not None and not isinstance(extra, str):
                step.fail(f"{where}.{name} is not a string")
            elif extra is not None:
                try:
                    ctx.bundle.path(extra)
                except BundleProblem as exc:
                    step.fail(f"{label} {name}: {exc}")
        # (b) The manifest's artifacts are the ones the ledger entry committed when the item was logged.
        entry = entries.get(entry_index)
        if entry is None or entry.data is None:
            step.fail(f"{label}: its ledger entry {entry_index} is not disclosed in {ENTRIES}")
            continue
        data = entry.data
        if data.get("event") not in ITEM_EVENTS:
            step.fail(
                f"{label}: entry {entry_index} is a {data.get('event')!r} event, "
                "not item.added, item.captured or item.imported"
            )
            continue
        if data.get("subject") != item_id:
            step.fail(f"{label}: entry {entry_index} is about {data.get('subject')!r}, not item {item_id!r}")
            continue
        if data.get("case") != case_id:
            step.fail(f"{label}: entry {entry_index} belongs to case {data.get('case')!r}, not {case_id!r}")
        try:
            logged = {
                _artifact_key(a, f"entry {entry_index} details.artifacts[{k}]")
                for k, a in enumerate(
                    _get(_details(entry), "artifacts", list, f"entry {entry_index} details")
                )
            }
        except BundleProblem as exc:
            step.fail(f"{label}: {exc}")
            continue
        for a in sorted(in_manifest - logged, key=repr):
            step.fail(
                f"{label}: {_artifact_text(a)} is in {MANIFEST}, "
                f"but ledger entry {entry_index} did not commit it"
            )
        for a in sorted(logged - in_manifest, key=repr):
            step.fail(
                f"{label}: {_artifact_text(a)} was committed by ledger entry {entry_index}, "
                f"but is not in {MANIFEST}"
            )
    step.notes.append(f"{len(exhibits)} exhibits, {artifact_count} artifacts")


def check_consistency(ctx: "_Context", step: Step) -> None:
    """6. Each earlier checkpoint is signed by the operator key and this log extends it unchanged."""
    key = ctx.key()
    origin = _get(ctx.manifest()["archive"], "origin", str, f"{MANIFEST} archive")
    _, cp = ctx.checkpoint()
    proofs = ctx.proofs()
    items = _get(proofs, "consistency", list, PROOFS)
    for n, item in enumerate(items):
        where = f"{PROOFS} consistency[{n}]"
        try:
            from_size = _get(item, "from_size", int, where)
            from_root = _hex_hash(_get(item, "from_root", str, where), f"{where}.from_root")
            path_name = _get(item, "checkpoint", str, where)
            path = _hash_list(_get(item, "path", list, where), f"{where}.path")
            note, earlier = parse_checkpoint_note(ctx.bundle.read(path_name), path_name)
        except BundleProblem as exc:
            step.fail(str(exc))
            continue
        problem = signature_problem(note, key, path_name)
        if problem is not None:
            step.fail(problem)
        if earlier.origin != origin:
            step.fail(f"{path_name}: origin is {earlier.origin!r}, not {origin!r}")
        if earlier.size != from_size:
            step.fail(f"{where}: from_size is {from_size}, but {path_name} has tree size {earlier.size}")
        if earlier.root != from_root:
            step.fail(
                f"{where}: from_root is {from_root.hex()}, but {path_name} has root {earlier.root.hex()}"
            )
        if not verify_consistency(earlier.size, cp.size, earlier.root, cp.root, path):
            step.fail(
                f"{where}: the consistency proof does not lead from {path_name} (tree size {earlier.size}) "
                f"to {CHECKPOINT} (tree size {cp.size}): nothing shows this log extends the earlier one"
            )
        else:
            step.notes.append(f"{path_name} (tree size {earlier.size}) -> tree size {cp.size}")
    if not items:
        step.notes.append("no earlier checkpoints in this bundle")


def check_timestamps(ctx: "_Context", step: Step) -> None:
    """7. Each RFC 3161 token's message imprint is the SHA-256 of the checkpoint note it names."""
    proofs = ctx.proofs()
    items = _get(proofs, "timestamps", list, PROOFS)
    # A token only dates a checkpoint this bundle verifies: the current one or a proven earlier one.
    checkpoints = {CHECKPOINT}
    for item in _get(proofs, "consistency", list, PROOFS):
        if isinstance(item, dict) and isinstance(item.get("checkpoint"), str):
            checkpoints.add(item["checkpoint"])
    for n, item in enumerate(items):
        where = f"{PROOFS} timestamps[{n}]"
        try:
            note_path = _get(item, "checkpoint", str, where)
            token_path = _get(item, "token", str, where)
            token = parse_timestamp_token(ctx.bundle.read(token_path), token_path)
            note_digest = hashlib.sha256(ctx.bundle.read(note_path)).digest()
        except BundleProblem as exc:
            step.fail(str(exc))
            continue
        if note_path not in checkpoints:
            step.fail(
                f"{where}: {note_path} is neither {CHECKPOINT} "
                "nor an earlier checkpoint with a consistency proof"
            )
        if token.hash_oid != SHA256_OID:
            step.fail(f"{token_path}: message imprint uses hash algorithm {token.hash_oid}; expected SHA-256")
        elif token.hashed_message != note_digest:
            step.fail(
                f"{token_path}: message imprint is {token.hashed_message.hex()}, "
                f"but {note_path} has SHA-256 {note_digest.hex()}"
            )
        listed_time = item.get("gen_time")
        token_time = token.gen_time_iso
        if isinstance(listed_time, str) and listed_time[:19] != token_time[:19]:
            step.fail(f"{where}: gen_time is {listed_time}, but the token's genTime is {token.gen_time}")
        tsa = item.get("tsa")
        by = f" by {tsa}" if isinstance(tsa, str) else ""
        step.notes.append(f"{token_path}: {note_path} time-stamped {token_time}{by}")
    if not items:
        step.notes.append("no time-stamp tokens in this bundle")
    else:
        step.notes.append(
            "not checked here: the tokens' signatures and certificate chains "
            "(signature checked by vestige verify-bundle)"
        )


# ====================================================================================================
# What the checks share: the bundle's files, parsed once
# ====================================================================================================


class _Bundle:
    """Reads inside the bundle directory only: no absolute paths, no '..', no symbolic links."""

    def __init__(self, root: str) -> None:
        self.root = os.path.realpath(root)
        self._digests: dict[str, tuple[str, int]] = {}

    def path(self, rel: str) -> str:
        """The file system path of the regular file ``rel``; BundleProblem if it is not one."""
        reason = path_problem(rel)
        if reason is not None:
            raise BundleProblem(f"{rel!r}: {reason}")
        current = self.root
        mode = 0
        for part in rel.split("/"):
            current = os.path.join(current, part)
            try:
                mode = os.lstat(current).st_mode
            except FileNotFoundError:
                raise BundleProblem(f"{rel}: missing") from None
            except OSError as exc:
                raise BundleProblem(f"{rel}: cannot be read ({exc.strerror})") from None
            if stat.S_ISLNK(mode):
                raise BundleProblem(f"{rel}: is or passes through a symbolic link; a bundle holds no links")
        if not stat.S_ISREG(mode):
            raise BundleProblem(f"{rel}: not a regular file")
        return current

    def exists(self, rel: str) -> bool:
        try:
            self.path(rel)
        except BundleProblem:
            return False
        return True

    def read(self, rel: str) -> bytes:
        """A small file's bytes (a manifest, proofs, ledger lines, notes, tokens)."""
        full = self.path(rel)
        try:
            with open(full, "rb") as fp:
                data = fp.read(MAX_METADATA + 1)
        except OSError as exc:
            raise BundleProblem(f"{rel}: cannot be read ({exc.strerror})") from None
        if len(data) > MAX_METADATA:
            raise BundleProblem(f"{rel}: larger than {MAX_METADATA} bytes, too large to be what it claims")
        return data

    def digest(self, rel: str) -> "tuple[str, int]":
        """SHA-256 (hex) and size of a file, read in chunks; each file is read once per run."""
        if rel not in self._digests:
            full = self.path(rel)
            sha = hashlib.sha256()
            size = 0
            try:
                with open(full, "rb") as fp:
                    while True:
                        chunk = fp.read(CHUNK)
                        if not chunk:
                            break
                        sha.update(chunk)
                        size += len(chunk)
            except OSError as exc:
                raise BundleProblem(f"{rel}: cannot be read ({exc.strerror})") from None
            self._digests[rel] = (sha.hexdigest(), size)
        return self._digests[rel]

    def member_digest(self, rel: str, member: str) -> "tuple[str, int]":
        """SHA-256 (hex) and size of the member ``member`` of the zip file ``rel``, read in chunks."""
        full = self.path(rel)
        sha = hashlib.sha256()
        size = 0
        try:
            with zipfile.ZipFile(full) as archive:
                infos = [info for info in archive.infolist() if info.filename == member]
                if len(infos) != 1:
                    found = "no member" if not infos else f"{len(infos)} members"
                    raise BundleProblem(f"{rel}: the zip file has {found} named {member!r}")
                with archive.open(infos[0]) as fp:
                    while True:
                        chunk = fp.read(CHUNK)
                        if not chunk:
                            break
                        sha.update(chunk)
                        size += len(chunk)
        except (
            zipfile.BadZipFile,
            zipfile.LargeZipFile,
            zlib.error,
            EOFError,
            OSError,
            NotImplementedError,
        ) as exc:
            raise BundleProblem(f"{rel}: not a readable zip file ({exc})") from None
        except RuntimeError as exc:  # zipfile's error for encrypted members
            raise BundleProblem(f"{rel}: member {member!r} cannot be read ({exc})") from None
        return sha.hexdigest(), size

    def walk(self) -> "Iterator[tuple[str, str]]":
        """Every entry below the root as (relative path, kind): file, link, other or unreadable."""
        unreadable: list[str] = []

        def on_error(exc: OSError) -> None:
            unreadable.append(os.path.relpath(exc.filename or self.root, self.root).replace(os.sep, "/"))

        for dirpath, dirnames, filenames in os.walk(self.root, onerror=on_error):
            rel_dir = os.path.relpath(dirpath, self.root)
            for name in sorted(dirnames + filenames):
                rel = name if rel_dir == "." else f"{rel_dir}/{name}".replace(os.sep, "/")
                try:
                    mode = os.lstat(os.path.join(dirpath, name)).st_mode
                except OSError:
                    yield rel, "unreadable"
                    continue
                if stat.S_ISLNK(mode):
                    yield rel, "link"
                elif stat.S_ISREG(mode):
                    yield rel, "file"
                elif not stat.S_ISDIR(mode):  # directories are walked into
                    yield rel, "other"
        for rel in unreadable:
            yield rel, "unreadable"


@dataclass(frozen=True)
class _EntryLine:
    """One line of custody/entries.jsonl: exactly the bytes whose leaf hash is in the log."""

    line_no: int
    raw: bytes
    data: "dict[str, Any] | None"
    problem: "str | None"

    @property
    def index(self) -> "int | None":
        value = self.data.get("index") if self.data is not None else None
        return value if isinstance(value, int) and not isinstance(value, bool) else None


class _Context:
    """The bundle and what the checks read from it, each parsed once (and failing the same way)."""

    def __init__(self, bundle: _Bundle, pinned_key: "str | None") -> None:
        self.bundle = bundle
        self.pinned_key = pinned_key
        self._loaded: dict[str, tuple[Any, BundleProblem | None]] = {}

    def _once(self, name: str, load: "Callable[[], T]") -> T:
        if name not in self._loaded:
            try:
                self._loaded[name] = (load(), None)
            except BundleProblem as exc:
                self._loaded[name] = (None, exc)
        value, error = self._loaded[name]
        if error is not None:
            message = str(error)
            raise BundleProblem(
                message if message.startswith("cannot check: ") else f"cannot check: {message}"
            )
        result: T = value
        return result

    def manifest(self) -> "dict[str, Any]":
        return self._once("manifest", self._load_manifest)

    def _load_manifest(self) -> "dict[str, Any]":
        manifest = parse_json(self.bundle.read(MANIFEST), MANIFEST)
        if not isinstance(manifest, dict):
            raise BundleProblem(f"{MANIFEST} is not a JSON object")
        fmt = manifest.get("format")
        if fmt != FORMAT:
            raise BundleProblem(f"{MANIFEST} format is {fmt!r}; this verifier reads {FORMAT!r}")
        _get(_get(manifest, "case", dict, MANIFEST), "id", str, f"{MANIFEST} case")
        archive = _get(manifest, "archive", dict, MANIFEST)
        _get(archive, "origin", str, f"{MANIFEST} archive")
        _get(archive, "verifier_key", str, f"{MANIFEST} archive")
        return manifest

    def case_id(self) -> str:
        value: str = self.manifest()["case"]["id"]
        return value

    def key(self) -> "VerifierKey":
        return self._once("key", self._load_key)

    def _load_key(self) -> "VerifierKey":
        text = self.manifest()["archive"]["verifier_key"]
        key = parse_verifier_key(text, f"{MANIFEST} archive.verifier_key")
        if self.pinned_key is not None and self.pinned_key != text:
            raise BundleProblem(
                f"{MANIFEST} names the operator key {text}, not the key given with --key {self.pinned_key}"
            )
        return key

    def checkpoint(self) -> "tuple[SignedNote, Checkpoint]":
        return self._once(
            "checkpoint", lambda: parse_checkpoint_note(self.bundle.read(CHECKPOINT), CHECKPOINT)
        )

    def proofs(self) -> "dict[str, Any]":
        return self._once("proofs", self._load_proofs)

    def _load_proofs(self) -> "dict[str, Any]":
        proofs = parse_json(self.bundle.read(PROOFS), PROOFS)
        if not isinstance(proofs, dict):
            raise BundleProblem(f"{PROOFS} is not a JSON object")
        return proofs

    def entries(self) -> "list[_EntryLine]":
        return self._once("entries", lambda: parse_entries(self.bundle.read(ENTRIES)))


def parse_entries(data: bytes) -> "list[_EntryLine]":
    """Split entries.jsonl into lines; each must be one ledger entry in canonical JSON (RFC 8785)."""
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    out: list[_EntryLine] = []
    for n, raw in enumerate(lines, 1):
        try:
            value = parse_json(raw, "the line")
            if not isinstance(value, dict):
                raise BundleProblem("the line is not a JSON object")
            # The hash covers these exact bytes; only the canonical form makes them unambiguous.
            canonical = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
            if canonical.encode("utf-8") != raw:
                raise BundleProblem("the line is not in canonical JSON form (RFC 8785)")
            index = value.get("index")
            if not isinstance(index, int) or isinstance(index, bool) or index < 0:
                raise BundleProblem("the entry has no valid 'index'")
            out.append(_EntryLine(n, raw, value, None))
        except BundleProblem as exc:
            out.append(_EntryLine(n, raw, None, str(exc)))
    return out


def parse_sums(data: bytes, what: str) -> "tuple[list[tuple[int, str, str]], list[str]]":
    """Parse `sha256sum` output: lines '<hex>  <path>' (or ' *' for binary mode); return entries, problems."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return [], [f"{what} is not UTF-8 text (byte {exc.start})"]
    entries: list[tuple[int, str, str]] = []
    problems: list[str] = []
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    for n, line in enumerate(lines, 1):
        # sha256sum escapes a name holding '\\' or a newline and marks the line with a leading '\\'.
        escaped = line.startswith("\\")
        body = line[1:] if escaped else line
        digest, separator, name = body[:64], body[64:66], body[66:]
        if not (_is_hex(digest, 64) and separator in ("  ", " *") and name):
            problems.append(f"{what} line {n} is not '<sha256 hex>  <path>': {line[:100]!r}")
            continue
        if escaped:
            name = name.replace("\\\\", "\x00").replace("\\n", "\n").replace("\x00", "\\")
        entries.append((n, digest.lower(), name))
    if not lines:
        problems.append(f"{what} lists no files")
    return entries, problems


def path_problem(rel: str) -> "str | None":
    """Why ``rel`` cannot be a bundle path (relative, '/'-separated, no '..'), or None if it can."""
    if not rel:
        return "empty path"
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in rel):
        return "control character in the path"
    if rel.startswith(("/", "\\")) or (len(rel) > 1 and rel[1] == ":" and rel[0].isalpha()):
        return "absolute path: it leaves the bundle"
    if "\\" in rel:
        return "backslash in the path"
    parts = rel.split("/")
    if ".." in parts:
        return "'..' in the path: it leaves the bundle"
    if "" in parts or "." in parts:
        return "empty or '.' path component"
    return None


def parse_json(data: bytes, what: str) -> Any:
    """Strict JSON: UTF-8, no duplicate keys, no NaN or Infinity."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BundleProblem(f"{what} is not UTF-8 text (byte {exc.start})") from None
    try:
        return json.loads(text, object_pairs_hook=_unique_keys, parse_constant=_no_constant)
    except (ValueError, RecursionError) as exc:
        raise BundleProblem(f"{what} is not valid JSON: {exc}") from None


def _unique_keys(pairs: "list[tuple[str, Any]]") -> "dict[str, Any]":
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"duplicate key {key!r}")
        out[key] = value
    return out


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


_KINDS = {str: "a string", int: "an integer", list: "a list", dict: "an object"}


def _get(obj: Any, key: str, kind: type, where: str) -> Any:
    """``obj[key]``, which must be of type ``kind``; BundleProblem naming ``where`` otherwise."""
    if not isinstance(obj, dict):
        raise BundleProblem(f"{where} is not a JSON object")
    if key not in obj:
        raise BundleProblem(f"{where} has no {key!r}")
    value = obj[key]
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise BundleProblem(f"{where}.{key} is not {_KINDS.get(kind, kind.__name__)}: {str(value)[:80]!r}")
    return value


def _details(entry: _EntryLine) -> "dict[str, Any]":
    details = entry.data.get("details") if entry.data is not None else None
    return details if isinstance(details, dict) else {}


def _is_hex(text: str, length: int) -> bool:
    return len(text) == length and all(c in "0123456789abcdefABCDEF" for c in text)


def _hex_hash(text: str, where: str) -> bytes:
    if not (_is_hex(text, 64) and text == text.lower()):
        raise BundleProblem(f"{where} is not a SHA-256 hash in lower-case hex: {text[:80]!r}")
    return bytes.fromhex(text)


def _hash_list(values: "list[Any]", where: str) -> "list[bytes]":
    out = []
    for n, value in enumerate(values):
        if not isinstance(value, str):
            raise BundleProblem(f"{where}[{n}] is not a string")
        out.append(_hex_hash(value, f"{where}[{n}]"))
    return out


def _artifact_key(artifact: Any, where: str) -> "tuple[Any, ...]":
    """What the ledger commits to for an artifact: (role, name, size, sha256, blake3)."""
    role = _get(artifact, "role", str, where)
    name = artifact.get("name")
    if name is not None and not isinstance(name, str):
        raise BundleProblem(f"{where}.name is not a string")
    size = _get(artifact, "size", int, where)
    sha256 = _get(artifact, "sha256", str, where)
    blake3 = _get(artifact, "blake3", str, where)  # compared as text: hashlib has no BLAKE3
    return (role, name, size, sha256, blake3)


def _artifact_text(a: "tuple[Any, ...]") -> str:
    role, name, size, sha256, blake3 = a
    return f"{role} {name!r} ({size} bytes, sha256 {sha256}, blake3 {blake3})"


def _facts(ctx: _Context) -> "list[tuple[str, str]]":
    """What the bundle says about itself, for the report's header (as read, before any check)."""
    facts = [("Bundle", ctx.bundle.root)]
    try:
        manifest = ctx.manifest()
    except BundleProblem as exc:
        return [*facts, ("Manifest", str(exc).replace("cannot check: ", "", 1))]

    def text(obj: Any, *keys: str) -> str:
        for k in keys:
            obj = obj.get(k) if isinstance(obj, dict) else None
        return "(not given)" if obj is None else str(obj)

    title = text(manifest, "case", "title")
    facts.append(("Case", text(manifest, "case", "id") + ("" if title == "(not given)" else f": {title}")))
    facts.append(
        (
            "Archive",
            f"{text(manifest, 'archive', 'origin')} (operator {text(manifest, 'archive', 'operator')})",
        )
    )
    facts.append(("Operator key", text(manifest, "archive", "verifier_key")))
    facts.append(("", "compare this key with the one the archive operator published (or pass it with --key)"))
    cp = manifest.get("checkpoint")
    facts.append(("Checkpoint", f"tree size {text(cp, 'tree_size')}, root {text(cp, 'root')}"))
    facts.append(("Created", f"{text(manifest, 'created')} by {text(manifest, 'software')}"))
    exhibits = manifest.get("exhibits")
    facts.append(("Exhibits", str(len(exhibits)) if isinstance(exhibits, list) else "(not given)"))
    return facts


def _size_text(size: int) -> str:
    if size < 1000:
        return f"{size} bytes"
    value = size / 1000
    units = ["KB", "MB", "GB", "TB"]
    while value >= 1000 and len(units) > 1:
        value /= 1000
        units.pop(0)
    return f"{value:.1f} {units[0]}"


# ====================================================================================================
# Ed25519 signature verification, RFC 8032 section 5.1
# ====================================================================================================

_P = 2**255 - 19  # s5.1: the field GF(p)
_L = 2**252 + 27742317777372353535851937790883648493  # s5.1: the order of the base point B
_D = -121665 * pow(121666, _P - 2, _P) % _P  # s5.1: the curve constant d = -121665/121666
_SQRT_M1 = pow(2, (_P - 1) // 4, _P)  # s5.1.3: a square root of -1 modulo p
_NEUTRAL = (0, 1, 1, 0)  # s5.1.4: the neutral element (x, y) = (0, 1)


def ed25519_verify(public_key: bytes, message: bytes, signature: bytes) -> bool:
    """RFC 8032 s5.1.7: is ``signature`` a valid Ed25519 signature of ``message`` by ``public_key``?"""
    if len(public_key) != 32 or len(signature) != 64:
        return False
    # 1. Decode R (the first half of the signature) and the public key A as points, and S (the
    #    second half) as an integer; a point that does not decode, or S >= L, makes the signature invalid.
    r_point = _decode_point(signature[:32])
    a_point = _decode_point(public_key)
    s = int.from_bytes(signature[32:], "little")
    if r_point is None or a_point is None or s >= _L:
        return False
    # 2. k = SHA-512(dom2(F, C) || R || A || PH(M)); for Ed25519, dom2 is empty and PH the identity.
    k = int.from_bytes(hashlib.sha512(signature[:32] + public_key + message).digest(), "little") % _L
    # 3. Check the group equation [8][S]B = [8]R + [8][k]A, as [8]([S]B - R - [k]A) = neutral.
    difference = _point_add(_scalar_mult(s, _BASE), _negate(_point_add(r_point, _scalar_mult(k, a_point))))
    for _ in range(3):
        difference = _point_double(difference)
    return _is_neutral(difference)


def _recover_x(y: int, sign: int) -> "int | None":
    """RFC 8032 s5.1.3 steps 1-4: the x with parity ``sign`` of the curve point with this y, if any."""
    # 1. y must be smaller than p (a canonical encoding).
    if y >= _P:
        return None
    # 2. x^2 = (y^2 - 1) / (d y^2 + 1) = u / v; the candidate root is x = u v^3 (u v^7)^((p-5)/8).
    u = (y * y - 1) % _P
    v = (_D * y * y + 1) % _P
    x = u * pow(v, 3, _P) * pow(u * pow(v, 7, _P), (_P - 5) // 8, _P) % _P
    # 3. Either x, or x times sqrt(-1), is the root; otherwise u/v is not a square: no such point.
    if v * x * x % _P == u:
        pass
    elif v * x * x % _P == -u % _P:
        x = x * _SQRT_M1 % _P
    else:
        return None
    # 4. x = 0 has no negative; otherwise pick the root whose lowest bit is the sign bit.
    if x == 0 and sign == 1:
        return None
    if x & 1 != sign:
        x = _P - x
    return x


def _decode_point(data: bytes) -> "Point | None":
    """RFC 8032 s5.1.3: decode 32 bytes (y little-endian, sign of x in the top bit) to a point."""
    if len(data) != 32:
        return None
    n = int.from_bytes(data, "little")
    y = n & ((1 << 255) - 1)
    x = _recover_x(y, n >> 255)
    if x is None:
        return None
    return (x, y, 1, x * y % _P)


def _point_add(p: "Point", q: "Point") -> "Point":
    """RFC 8032 s5.1.4: addition in extended homogeneous coordinates (X, Y, Z, T), x = X/Z, y = Y/Z."""
    x1, y1, z1, t1 = p
    x2, y2, z2, t2 = q
    a = (y1 - x1) * (y2 - x2) % _P
    b = (y1 + x1) * (y2 + x2) % _P
    c = t1 * 2 * _D * t2 % _P
    d = z1 * 2 * z2 % _P
    e, f, g, h = b - a, d - c, d + c, b + a
    return (e * f % _P, g * h % _P, f * g % _P, e * h % _P)


def _point_double(p: "Point") -> "Point":
    """RFC 8032 s5.1.4: doubling in extended homogeneous coordinates."""
    x1, y1, z1, _ = p
    a = x1 * x1 % _P
    b = y1 * y1 % _P
    c = 2 * z1 * z1 % _P
    h = a + b
    e = h - (x1 + y1) * (x1 + y1)
    g = a - b
    f = c + g
    return (e * f % _P, g * h % _P, f * g % _P, e * h % _P)


def _negate(p: "Point") -> "Point":
    x, y, z, t = p
    return (-x % _P, y, z, -t % _P)


def _scalar_mult(k: int, p: "Point") -> "Point":
    """[k]P by double-and-add, most significant bit first (verification handles public data only)."""
    result = _NEUTRAL
    for bit in bin(k)[2:]:
        result = _point_double(result)
        if bit == "1":
            result = _point_add(result, p)
    return result


def _is_neutral(p: "Point") -> bool:
    x, y, z, _ = p
    return x % _P == 0 and (y - z) % _P == 0


def _base_point() -> "Point":
    # s5.1: B is the point with y = 4/5 and a positive (even) x.
    y = 4 * pow(5, _P - 2, _P) % _P
    x = _recover_x(y, 0)
    if x is None:  # pragma: no cover - arithmetic fact
        raise AssertionError("no base point")
    return (x, y, 1, x * y % _P)


_BASE = _base_point()


# ====================================================================================================
# Merkle tree proofs, RFC 9162 section 2.1 (SHA-256)
# ====================================================================================================


def leaf_hash(entry: bytes) -> bytes:
    """RFC 9162 s2.1.1: the hash of a leaf is SHA-256(0x00 || entry)."""
    return hashlib.sha256(b"\x00" + entry).digest()


def _node_hash(left: bytes, right: bytes) -> bytes:
    """RFC 9162 s2.1.1: the hash of an interior node is SHA-256(0x01 || left || right)."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def verify_inclusion(leaf: bytes, index: int, tree_size: int, path: "Sequence[bytes]", root: bytes) -> bool:
    """RFC 9162 s2.1.3.2: does ``path`` prove that ``leaf`` is leaf ``index`` of the tree with ``root``?"""
    # 1. The leaf must be inside the tree.
    if not 0 <= index < tree_size:
        return False
    # 2. fn is the leaf's index and sn the last index, at each level as we climb.
    fn, sn = index, tree_size - 1
    # 3. r is the hash computed so far.
    r = leaf
    # 4. Climb one level per path element.
    for p in path:
        # a. A path longer than the tree is high is invalid.
        if sn == 0:
            return False
        # b. p is a left sibling when fn is a right child, or when fn is the last node of its level
        #    (then climb past the levels where fn is a left child without a sibling).
        if fn & 1 or fn == sn:
            r = _node_hash(p, r)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = _node_hash(r, p)
        # c. Up one level.
        fn >>= 1
        sn >>= 1
    # 5. The path must have reached the top, at the expected root.
    return sn == 0 and r == root


def verify_consistency(size1: int, size2: int, root1: bytes, root2: bytes, path: "Sequence[bytes]") -> bool:
    """RFC 9162 s2.1.4.2: does ``path`` prove that the tree (size2, root2) extends (size1, root1)?"""
    if size1 == size2:  # the same tree: no proof is needed, and the roots must be equal
        return not path and root1 == root2
    if not 0 < size1 < size2:
        return False
    # 1. An empty proof proves nothing.
    if not path:
        return False
    # 2. If size1 is an exact power of 2, its root is a node of the larger tree: the proof starts there.
    nodes = list(path)
    if size1 & (size1 - 1) == 0:
        nodes.insert(0, root1)
    # 3. fn and sn are the last indexes of the two trees.
    fn, sn = size1 - 1, size2 - 1
    # 4. Skip the levels where the old tree's last node is a right child (it is inside a full subtree).
    while fn & 1:
        fn >>= 1
        sn >>= 1
    # 5. fr rebuilds the old root, sr the new root, both from the first node.
    fr = sr = nodes[0]
    # 6. Climb one level per remaining node c.
    for c in nodes[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = _node_hash(c, fr)
            sr = _node_hash(c, sr)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = _node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    # 7. Both roots must come out, and the path must have reached the top of the new tree.
    return fr == root1 and sr == root2 and sn == 0


# ====================================================================================================
# Signed notes and checkpoints (https://c2sp.org/signed-note, https://c2sp.org/tlog-checkpoint)
# ====================================================================================================

_SIGNATURE_PREFIX = "\u2014 "  # an em dash and a space
_ED25519_TYPE = b"\x01"


@dataclass(frozen=True)
class VerifierKey:
    """A note verifier key: ``<name>+<hex key id>+<base64(0x01 || 32-byte Ed25519 public key)>``."""

    text: str
    name: str
    key_id: bytes
    public_key: bytes


@dataclass(frozen=True)
class NoteSignature:
    name: str
    key_id: bytes
    signature: bytes


@dataclass(frozen=True)
class SignedNote:
    text: str  # the signed text, ending in a newline
    signatures: "tuple[NoteSignature, ...]"


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    size: int
    root: bytes


def note_key_id(name: str, public_key: bytes) -> bytes:
    """signed-note: an Ed25519 key's ID is SHA-256(name || 0x0A || 0x01 || public key)[:4]."""
    return hashlib.sha256(name.encode("utf-8") + b"\n" + _ED25519_TYPE + public_key).digest()[:4]


def parse_verifier_key(text: str, what: str) -> VerifierKey:
    """Parse a verifier key string and check that its key ID belongs to its name and key."""
    name, _, rest = text.partition("+")
    id_hex, _, b64 = rest.partition("+")  # the base64 may itself hold '+'
    if not name or any(c.isspace() for c in name) or not b64:
        raise BundleProblem(f"{what} is not a verifier key '<name>+<key id>+<key>': {text[:100]!r}")
    if not _is_hex(id_hex, 8):
        raise BundleProblem(f"{what}: key id {id_hex!r} is not 8 hex digits")
    raw = _b64decode(b64)
    if raw is None or len(raw) != 33 or raw[:1] != _ED25519_TYPE:
        raise BundleProblem(f"{what}: not an Ed25519 key (base64 of 0x01 and 32 bytes)")
    key = VerifierKey(text, name, note_key_id(name, raw[1:]), raw[1:])
    if key.key_id.hex() != id_hex.lower():
        raise BundleProblem(f"{what}: key id is {id_hex}, but the name and key give {key.key_id.hex()}")
    return key


def parse_signed_note(data: bytes, what: str) -> SignedNote:
    """signed-note: UTF-8 text ending in a newline, a blank line, then lines '— <name> <base64>'."""
    try:
        note = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BundleProblem(f"{what} is not UTF-8 text (byte {exc.start})") from None
    if not note.endswith("\n"):
        raise BundleProblem(f"{what} does not end with a newline")
    split = note.rfind("\n\n")
    if split < 0:
        raise BundleProblem(f"{what} has no blank line before its signatures")
    text, block = note[: split + 1], note[split + 2 :]
    signatures = []
    for n, line in enumerate(block.split("\n")[:-1], 1):
        if not line.startswith(_SIGNATURE_PREFIX):
            raise BundleProblem(f"{what}: signature line {n} does not start with an em dash: {line[:80]!r}")
        name, _, b64 = line[len(_SIGNATURE_PREFIX) :].partition(" ")
        raw = _b64decode(b64)
        if not name or raw is None:
            raise BundleProblem(f"{what}: signature line {n} is not '— <key name> <base64>': {line[:80]!r}")
        if len(raw) < 5:
            raise BundleProblem(f"{what}: signature line {n} is too short to hold a key id and a signature")
        signatures.append(NoteSignature(name, raw[:4], raw[4:]))
    if not signatures:
        raise BundleProblem(f"{what} carries no signature")
    return SignedNote(text, tuple(signatures))


def signature_problem(note: SignedNote, key: VerifierKey, what: str) -> "str | None":
    """None if the note carries a valid signature by ``key``; otherwise what is wrong."""
    candidates = [s for s in note.signatures if s.name == key.name and s.key_id == key.key_id]
    if not candidates:
        found = ", ".join(f"{s.name} (key id {s.key_id.hex()})" for s in note.signatures)
        wanted = f"{key.name} (key id {key.key_id.hex()})"
        return f"{what}: no signature by the operator key {wanted}; signed by: {found}"
    message = note.text.encode("utf-8")
    if any(ed25519_verify(key.public_key, message, s.signature) for s in candidates):
        return None
    signer = f"{key.name} (key id {key.key_id.hex()})"
    return f"{what}: the signature by {signer} does not verify: the signed text was changed"


def parse_checkpoint(text: str, what: str) -> Checkpoint:
    """tlog-checkpoint: the origin line, the tree size in decimal, the base64 root, extension lines."""
    lines = text.split("\n")
    if len(lines) < 4 or lines[-1] != "":
        raise BundleProblem(f"{what}: a checkpoint needs origin, tree size and root lines")
    origin, size_text, root_text = lines[0], lines[1], lines[2]
    if not origin:
        raise BundleProblem(f"{what}: the origin line is empty")
    leading_zero = size_text.startswith("0") and size_text != "0"
    if not size_text or any(c not in "0123456789" for c in size_text) or leading_zero:
        raise BundleProblem(f"{what}: tree size {size_text[:40]!r} is not a decimal number")
    root = _b64decode(root_text)
    if root is None or len(root) != 32:
        raise BundleProblem(f"{what}: root {root_text[:60]!r} is not a base64 SHA-256 hash")
    return Checkpoint(origin, int(size_text), root)


def parse_checkpoint_note(data: bytes, what: str) -> "tuple[SignedNote, Checkpoint]":
    note = parse_signed_note(data, what)
    return note, parse_checkpoint(note.text, what)


def _b64decode(text: str) -> "bytes | None":
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, ValueError, UnicodeEncodeError):
        return None


# ====================================================================================================
# RFC 3161 time-stamp tokens: a minimal DER walk to TSTInfo (RFC 3161 s2.4.2, RFC 5652 s5)
# ====================================================================================================

_SEQUENCE, _INTEGER, _OCTET_STRING, _OID, _GENERALIZED_TIME, _EXPLICIT_0 = 0x30, 0x02, 0x04, 0x06, 0x18, 0xA0
_ID_SIGNED_DATA = "1.2.840.113549.1.7.2"
_ID_CT_TSTINFO = "1.2.840.113549.1.9.16.1.4"


@dataclass(frozen=True)
class TimestampToken:
    hash_oid: str  # TSTInfo.messageImprint.hashAlgorithm
    hashed_message: bytes  # TSTInfo.messageImprint.hashedMessage
    gen_time: str  # TSTInfo.genTime as written (GeneralizedTime)

    @property
    def gen_time_iso(self) -> str:
        """genTime as ISO 8601 ('20261124093321.5Z' -> '2026-11-24T09:33:21.5Z')."""
        t = self.gen_time
        if len(t) < 15 or not t[:14].isdigit() or not t.endswith("Z"):
            return t
        return f"{t[0:4]}-{t[4:6]}-{t[6:8]}T{t[8:10]}:{t[10:12]}:{t[12:14]}{t[14:]}"


def parse_timestamp_token(data: bytes, what: str) -> TimestampToken:
    """Find the message imprint and genTime in a TimeStampResp, or in a bare TimeStampToken.

    Only the structure is read: the token's signature is not checked here.
    """
    try:
        tag, start, end = _der_header(data, 0, len(data))
        if tag != _SEQUENCE or end != len(data):
            raise BundleProblem("it is not one DER SEQUENCE")
        top = _der_children(data, start, end)
        token = (tag, start, end)
        if top and top[0][0] == _SEQUENCE:
            # TimeStampResp ::= SEQUENCE { status PKIStatusInfo, timeStampToken ContentInfo OPTIONAL }
            status = _der_children(data, top[0][1], top[0][2])
            _expect(status, 0, _INTEGER, "PKIStatusInfo.status")
            value = int.from_bytes(data[status[0][1] : status[0][2]], "big", signed=True)
            if value not in (0, 1):  # granted, grantedWithMods
                raise BundleProblem(f"the time-stamp authority refused the request (PKIStatus {value})")
            if len(top) < 2:
                raise BundleProblem("the response holds no token")
            token = top[1]
        # ContentInfo ::= SEQUENCE { contentType id-signedData, content [0] EXPLICIT SignedData }
        content_info = _der_children(data, token[1], token[2])
        _expect(content_info, 0, _OID, "ContentInfo.contentType")
        if _oid_text(data, content_info[0]) != _ID_SIGNED_DATA:
            raise BundleProblem("ContentInfo is not id-signedData")
        _expect(content_info, 1, _EXPLICIT_0, "ContentInfo.content")
        signed_data_seq = _der_children(data, content_info[1][1], content_info[1][2])
        _expect(signed_data_seq, 0, _SEQUENCE, "SignedData")
        # SignedData ::= SEQUENCE { version, digestAlgorithms, encapContentInfo, ... }
        signed_data = _der_children(data, signed_data_seq[0][1], signed_data_seq[0][2])
        _expect(signed_data, 2, _SEQUENCE, "SignedData.encapContentInfo")
        # EncapsulatedContentInfo ::= SEQUENCE { eContentType id-ct-TSTInfo,
        #                                        eContent [0] EXPLICIT OCTET STRING }
        encap = _der_children(data, signed_data[2][1], signed_data[2][2])
        _expect(encap, 0, _OID, "eContentType")
        if _oid_text(data, encap[0]) != _ID_CT_TSTINFO:
            raise BundleProblem("the signed content is not a TSTInfo")
        _expect(encap, 1, _EXPLICIT_0, "eContent")
        octets = _der_children(data, encap[1][1], encap[1][2])
        _expect(octets, 0, _OCTET_STRING, "eContent OCTET STRING")
        tst = data[octets[0][1] : octets[0][2]]
        # TSTInfo ::= SEQUENCE { version, policy, messageImprint, serialNumber, genTime, ... }
        tag, start, end = _der_header(tst, 0, len(tst))
        if tag != _SEQUENCE:
            raise BundleProblem("TSTInfo is not a SEQUENCE")
        info = _der_children(tst, start, end)
        _expect(info, 2, _SEQUENCE, "TSTInfo.messageImprint")
        _expect(info, 4, _GENERALIZED_TIME, "TSTInfo.genTime")
        # MessageImprint ::= SEQUENCE { hashAlgorithm AlgorithmIdentifier, hashedMessage OCTET STRING }
        imprint = _der_children(tst, info[2][1], info[2][2])
        _expect(imprint, 0, _SEQUENCE, "messageImprint.hashAlgorithm")
        _expect(imprint, 1, _OCTET_STRING, "messageImprint.hashedMessage")
        algorithm = _der_children(tst, imprint[0][1], imprint[0][2])
        _expect(algorithm, 0, _OID, "hashAlgorithm.algorithm")
        gen_time = tst[info[4][1] : info[4][2]].decode("ascii", errors="replace")
        return TimestampToken(_oid_text(tst, algorithm[0]), tst[imprint[1][1] : imprint[1][2]], gen_time)
    except BundleProblem as exc:
        raise BundleProblem(f"{what}: not a readable RFC 3161 time-stamp token: {exc}") from None


def _der_header(data: bytes, pos: int, limit: int) -> "tuple[int, int, int]":
    """Read the DER element at ``pos``: (first tag byte, content start, content end)."""
    if pos >= limit:
        raise BundleProblem("truncated DER")
    tag = data[pos]
    pos += 1
    if tag & 0x1F == 0x1F:  # a high tag number: base-128 digits follow
        while pos < limit and data[pos] & 0x80:
            pos += 1
        pos += 1
    if pos >= limit:
        raise BundleProblem("truncated DER")
    first = data[pos]
    pos += 1
    if first < 0x80:
        length = first
    elif first == 0x80:
        raise BundleProblem("indefinite length: BER, not DER")
    else:
        count = first & 0x7F
        if count > 8 or pos + count > limit:
            raise BundleProblem("truncated DER")
        length = int.from_bytes(data[pos : pos + count], "big")
        pos += count
    if pos + length > limit:
        raise BundleProblem("truncated DER")
    return tag, pos, pos + length


def _der_children(data: bytes, start: int, end: int) -> "list[tuple[int, int, int]]":
    """The elements inside a constructed element's content."""
    out = []
    pos = start
    while pos < end:
        tag, content_start, content_end = _der_header(data, pos, end)
        out.append((tag, content_start, content_end))
        pos = content_end
    return out


def _expect(elements: "list[tuple[int, int, int]]", index: int, tag: int, what: str) -> None:
    if len(elements) <= index or elements[index][0] != tag:
        raise BundleProblem(f"{what} is missing or of the wrong type")


def _oid_text(data: bytes, element: "tuple[int, int, int]") -> str:
    """An OBJECT IDENTIFIER in dotted form (X.690 s8.19)."""
    numbers = []
    value = 0
    for byte in data[element[1] : element[2]]:
        value = value << 7 | byte & 0x7F
        if not byte & 0x80:
            numbers.append(value)
            value = 0
    if not numbers:
        return ""
    first = min(numbers[0] // 40, 2)
    return ".".join(str(n) for n in [first, numbers[0] - 40 * first, *numbers[1:]])


# ====================================================================================================
# Command line
# ====================================================================================================

USAGE = "usage: python3 -S verify.py [--key VERIFIER_KEY] [BUNDLE_DIR]"

# Text from the bundle is printed; keep terminal control and direction-changing characters inert.
_ESCAPES = {c: f"\\x{c:02x}" for c in [*range(0x20), *range(0x7F, 0xA0)]}
_ESCAPES.update({c: f"\\u{c:04x}" for c in [0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A)]})


def printable(line: str) -> str:
    return line.translate(_ESCAPES)


def _emit(out: "IO[str]", lines: "list[str]") -> None:
    for line in lines:
        out.write(printable(line) + "\n")
    out.flush()


def _usage_error(message: str) -> int:
    sys.stderr.write(f"verify.py: {message}\n{USAGE}\n")
    return 2


def main(argv: "Sequence[str] | None" = None) -> int:
    """Verify the bundle named on the command line; return the exit status (0, 1 or 2)."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:  # a terminal that cannot show a character gets an escape, not an error
            reconfigure(errors="backslashreplace")
    args = list(sys.argv[1:] if argv is None else argv)
    key = None
    paths = []
    while args:
        arg = args.pop(0)
        if arg in ("-h", "--help"):
            sys.stdout.write(f"{USAGE}\n\n{__doc__}")
            return 0
        if arg == "--key":
            if not args:
                return _usage_error("--key needs a verifier key")
            key = args.pop(0)
        elif arg.startswith("--key="):
            key = arg[len("--key=") :]
        elif arg.startswith("-") and arg != "-":
            return _usage_error(f"unknown option {arg}")
        else:
            paths.append(arg)
    if len(paths) > 1:
        return _usage_error("give one bundle directory")
    root = paths[0] if paths else os.path.dirname(os.path.abspath(__file__))
    if not os.path.isdir(root):
        if os.path.isfile(root) and root.lower().endswith(".zip"):
            return _usage_error(
                f"{root} is a zip file: unzip it, then run verify.py in the unzipped directory"
            )
        return _usage_error(f"{root} is not a directory")
    if not any(os.path.lexists(os.path.join(root, name)) for name in (MANIFEST, SUMS)):
        return _usage_error(f"{root} is not a Vestige bundle: it has neither {MANIFEST} nor {SUMS}")
    if key is not None:
        try:
            parse_verifier_key(key, "--key")
        except BundleProblem as exc:
            return _usage_error(str(exc))
    try:
        report = verify_bundle(root, key=key, out=sys.stdout)
    except KeyboardInterrupt:
        sys.stdout.write("\ninterrupted\nRESULT: NOT INTACT\n")
        return 1
    except Exception as exc:  # never a traceback: say what happened and fail
        sys.stdout.write(
            f"\nverification could not complete: {type(exc).__name__}: {exc}\nRESULT: NOT INTACT\n"
        )
        return 1
    return 0 if report.intact else 1


if __name__ == "__main__":
    sys.exit(main())
