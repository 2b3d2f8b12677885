"""``vestige verify-bundle``: the standalone verifier's seven checks, plus what needs libraries.

8. Every WACZ's signature (ECDSA, as ReplayWeb.page checks it) is valid and made with a WACZ signing
   key the disclosed ledger registered for this archive.
9. Every RFC 3161 time-stamp token's signature verifies, and its certificate chain leads to a trusted
   TSA root: the roots given with ``--tsa-ca``, else the TSA certificates the bundle carries (whose
   fingerprints the report shows, to confirm out of band).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from ..custody.timestamps import verify_token
from . import verify_standalone as standalone
from .unpack import HostileBundle, check_name
from .wacz import verify_wacz

TSA_ROOTS = "custody/tsa-roots.pem"


@dataclass
class BundleCheck:
    root: Path
    report: standalone.Report
    extra: list[standalone.Step] = field(default_factory=list)

    @property
    def steps(self) -> list[standalone.Step]:
        return [*self.report.steps, *self.extra]

    @property
    def intact(self) -> bool:
        return self.report.intact and all(s.passed for s in self.extra)

    def lines(self) -> list[str]:
        out = self.report.header_lines()
        for s in self.steps:
            out.extend(s.lines())
        out.extend(["", "RESULT: INTACT" if self.intact else "RESULT: NOT INTACT"])
        return out

    def to_json(self) -> dict[str, Any]:
        data = self.report.to_json()
        data["checks"] += [s.to_json() for s in self.extra]
        data["intact"] = self.intact
        return data


def check_bundle(
    root: Path, *, key: str | None = None, tsa_roots: list[x509.Certificate] | None = None
) -> BundleCheck:
    """All nine checks on the bundle directory ``root``; never raises for a damaged bundle."""
    result = BundleCheck(root, standalone.verify_bundle(str(root), key))
    entries = _entries(root)
    wacz_step = standalone.Step(8, "Every WACZ is signed with a WACZ key the ledger registered")
    try:
        _check_waczs(root, entries, wacz_step)
    except Exception as exc:  # a malformed manifest is already a failure of the checks above
        wacz_step.fail(f"could not be completed: {type(exc).__name__}: {exc}")
    tsa_step = standalone.Step(9, "Every time-stamp token's signature verifies to a TSA root")
    try:
        _check_tokens(root, tsa_roots, tsa_step)
    except Exception as exc:
        tsa_step.fail(f"could not be completed: {type(exc).__name__}: {exc}")
    result.extra = [wacz_step, tsa_step]
    return result


def _inside(root: Path, rel: object) -> Path:
    """A path the bundle names, only if it stays inside the bundle (HostileBundle otherwise)."""
    path = root / check_name(str(rel))
    if any(p.is_symlink() for p in [path, *path.parents] if p.is_relative_to(root)):
        raise HostileBundle(f"bundle path {str(rel)[:200]!r} goes through a symlink")
    return path


def _entries(root: Path) -> list[dict[str, Any]]:
    out = []
    try:
        for line in (root / "custody/entries.jsonl").read_text(encoding="utf-8").splitlines():
            try:
                data = json.loads(line)
            except ValueError:
                continue
            if isinstance(data, dict):
                out.append(data)
    except OSError:
        pass
    return out


def _wacz_keys(entries: list[dict[str, Any]]) -> set[str]:
    keys = set()
    for e in entries:
        details = e.get("details")
        if (
            e.get("event") == "key.registered"
            and isinstance(details, dict)
            and details.get("purpose") == "wacz-signing"
            and isinstance(details.get("public_key_b64"), str)
        ):
            keys.add(details["public_key_b64"])
    return keys


def _check_waczs(root: Path, entries: list[dict[str, Any]], step: standalone.Step) -> None:
    manifest = json.loads((root / "manifest.json").read_text(encoding="utf-8"))
    registered = _wacz_keys(entries)
    count = 0
    for x in manifest.get("exhibits", []):
        rel = x.get("wacz")
        if not rel:
            continue
        count += 1
        check = verify_wacz(_inside(root, rel))
        for p in check.problems:
            step.fail(f"{rel}: {p.code.value}: {p.detail}" + (f" ({p.member})" if p.member else ""))
        if check.ok and not check.signed:
            step.fail(f"{rel}: not signed")
        elif check.ok and check.public_key not in registered:
            step.fail(f"{rel}: signed with a key the disclosed ledger does not register")
    step.notes.append(f"{count} WACZ files; {len(registered)} registered WACZ signing key(s)")


def _check_tokens(root: Path, given: list[x509.Certificate] | None, step: standalone.Step) -> None:
    proofs = json.loads((root / "custody/proofs.json").read_text(encoding="utf-8"))
    stamps = proofs.get("timestamps", [])
    if given:
        roots, where = given, "the TSA roots given with --tsa-ca"
    else:
        try:
            roots = x509.load_pem_x509_certificates((root / TSA_ROOTS).read_bytes())
        except (OSError, ValueError):
            roots = []
        where = f"the TSA certificates in {TSA_ROOTS}; confirm their fingerprints out of band"
        for cert in roots:
            der = cert.public_bytes(serialization.Encoding.DER)
            step.notes.append(
                f"TSA root {cert.subject.rfc4514_string()} sha256 {hashlib.sha256(der).hexdigest()}"
            )
    if stamps and not roots:
        step.fail("no TSA root to check the tokens against (give --tsa-ca PEM)")
        return
    for t in stamps:
        note = _inside(root, t["checkpoint"]).read_bytes()
        token = _inside(root, t["token"]).read_bytes()
        try:
            gen_time = verify_token(token, note, roots)
        except ValueError as exc:
            step.fail(f"{t['token']}: {exc}")
            continue
        step.notes.append(f"{t['token']}: signed by {t.get('tsa')} at {gen_time}")
    step.notes.append(f"{len(stamps)} token(s), checked against {where}")
