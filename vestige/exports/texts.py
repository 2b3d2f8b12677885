"""README.txt and CERTIFICATION.txt: what a bundle's recipient reads first.

Plain text (UTF-8, LF), written for a lawyer or a court clerk, not a programmer: what is inside, how to
check it by hand with ordinary tools, and a certification the custodian can sign.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from typing import Any

from .exhibit import Exhibit


def _wrap(text: str) -> str:
    return "\n".join(textwrap.fill(p, 78) if p.strip() else "" for p in text.split("\n"))


def readme_text(manifest: dict[str, Any], exhibits: Sequence[Exhibit]) -> str:
    case = manifest["case"]
    cp = manifest["checkpoint"]
    arch = manifest["archive"]
    lines = [
        f"EVIDENCE BUNDLE - case {case['id']}" + (f": {case['title']}" if case.get("title") else ""),
        "=" * 78,
        "",
        _wrap(
            f"This bundle was exported by {manifest['software']} on {manifest['created']} (UTC) from the "
            f"evidence archive {arch['origin']}, operated by {arch['operator']}. It holds "
            f"{len(exhibits)} exhibit(s), their custody records, and everything needed to check, without "
            "installing anything, that each exhibit is exactly what was preserved and when."
        ),
        "",
        "EXHIBITS",
        "",
    ]
    for x in exhibits:
        lines.append(f"  {x.exhibit_id}  {x.title or '(untitled)'}")
        if x.url:
            lines.append(f"      {x.url}")
        lines.append(
            f"      preserved {x.started} UTC, state: {x.state}" + (f" ({x.reason})" if x.reason else "")
        )
    lines += [
        "",
        "WHAT IS INSIDE",
        "",
        "  REPORTS/<exhibit>.pdf   the exhibit report (PDF/A): what was preserved, how, when, by",
        "                          whom, every file's SHA-256 and BLAKE3, and its custody history",
        "  NATIVES/<exhibit>/      the exhibit's own files: screenshot, rendered HTML, media,",
        "                          provenance record, server certificates, files added by hand",
        "  IMAGES/<exhibit>.pdf    the web page printed to PDF by the browser at capture time",
        "  TEXT/<exhibit>.txt      the page's visible text",
        "  WACZ/<exhibit>.wacz     the web capture as a signed WACZ web archive: every request and",
        "                          response exactly as exchanged; open it in ReplayWeb.page",
        "  index.csv, index.xlsx   one row per exhibit",
        "  loadfile.dat, images.opt  Concordance/Relativity load file and Opticon image list",
        "  custody/                the chain-of-custody ledger entries for these exhibits, with",
        "                          proofs tying each to a signed checkpoint of the whole ledger,",
        "                          and trusted time-stamps (RFC 3161) where present",
        "  manifest.json           machine-readable description of all of the above",
        "  SHA256SUMS, B3SUMS      the SHA-256 and BLAKE3 of every file",
        "  SHA256SUMS.sig          the operator's signature over SHA256SUMS",
        "  verify.py               a verifier that needs only Python 3",
        "  CERTIFICATION.txt       the custodian's certification, to be signed",
        "",
        "HOW TO VERIFY",
        "",
        "1. Everything at once (Python 3.8 or later, no packages, no network):",
        "",
        "       python3 -S verify.py",
        "",
        _wrap(
            "   It checks every file's SHA-256, the operator's signatures on SHA256SUMS and on the "
            "ledger checkpoint, that each exhibit's files are the ones committed in its ledger entry, "
            "and that every ledger entry is included in the signed checkpoint. It ends with "
            "RESULT: INTACT (exit status 0) or RESULT: NOT INTACT (exit status 1) and says why."
        ),
        "",
        "2. By hand, with standard tools:",
        "",
        "       sha256sum -c SHA256SUMS        (coreutils; on macOS: shasum -a 256 -c SHA256SUMS)",
        "       b3sum -c B3SUMS                (the BLAKE3 tool, if installed)",
        "",
        _wrap(
            "   These show that no file changed after SHA256SUMS was written. On their own they do not "
            "show who wrote SHA256SUMS: its signature and the ledger proofs (step 1) do."
        ),
        "",
        "3. The operator's key. Every signature in this bundle is by the key",
        "",
        f"       {arch['verifier_key']}",
        f"       (fingerprint {arch['key_fingerprint']})",
        "",
        _wrap(
            "   Confirm this key with the operator through a separate channel (for example, the signed "
            "CERTIFICATION.txt on paper, or the key published by their organisation). The checkpoint "
            f"in custody/checkpoint.txt covers the first {cp['tree_size']} entries of the archive's "
            f"ledger and has the root hash {cp['root']}; a later bundle from the same archive must "
            'prove that its ledger extends this one (custody/proofs.json, "consistency").'
        ),
        "",
        "4. With Vestige installed, `vestige verify-bundle PATH` also checks the WACZ signatures and",
        "   the time-stamp tokens' signatures.",
        "",
        "The bundle format is described in full in Vestige's docs/bundle-format.md.",
        "",
    ]
    return "\n".join(lines)


def certification_text(manifest: dict[str, Any], exhibits: Sequence[Exhibit]) -> str:
    case = manifest["case"]
    arch = manifest["archive"]
    cp = manifest["checkpoint"]
    body = [
        "CERTIFICATION OF RECORDS GENERATED BY AN ELECTRONIC PROCESS",
        "AND OF DATA COPIED FROM AN ELECTRONIC DEVICE OR FILE",
        "",
        _wrap(
            "(Prepared in the spirit of US Federal Rules of Evidence 902(13) and 902(14); adapt it to the "
            "rules of the receiving court before signing.)"
        ),
        "",
        f"Case: {case['id']}" + (f" - {case['title']}" if case.get("title") else ""),
        f"Bundle created: {manifest['created']} (UTC)",
        f"Archive: {arch['origin']}",
        f"Operator key: {arch['verifier_key']}",
        f"Ledger checkpoint: {cp['tree_size']} entries, root {cp['root']}",
        "",
        "I, ______________________________ (name), ______________________________ (position),",
        "of ______________________________ (organisation), certify that:",
        "",
        _wrap(
            "1. I am a custodian of the records in this bundle, or otherwise qualified by my knowledge of "
            "the process that made them, which is described below."
        ),
        "",
        _wrap(
            "2. Web pages were preserved with Vestige " + manifest["software"].removeprefix("vestige ") + ". "
            "A Chromium browser, driven automatically, loaded each page through a recording proxy. The "
            "proxy wrote every request and response exchanged with the web servers, as exchanged, to a "
            "WARC file (ISO 28500), validated each server's TLS certificate and recorded the result. "
            "After the page had loaded and scrolled, the browser made a full-page screenshot, a PDF print, "
            "the rendered HTML and the visible text. A provenance record lists the times (UTC, from the "
            "capture computer's clock), the software versions, the options and every network exchange. "
            "Files not captured from the web were added as they were received."
        ),
        "",
        _wrap(
            "3. Each file was hashed with SHA-256 and BLAKE3 as it was stored, into a store where stored "
            "files are never modified. Each preservation, note, transfer and export was recorded as an "
            "entry in an append-only ledger whose entries form a Merkle tree (RFC 9162). Every change to "
            "the ledger is signed with the operator's Ed25519 key as a checkpoint, and checkpoints were "
            "time-stamped by an RFC 3161 time-stamping authority where shown in the exhibit reports."
        ),
        "",
        _wrap(
            "4. The SHA-256 hash values of the exhibits in this bundle are those recorded at the time of "
            "preservation, and the bundle's verifier (verify.py) confirms that they match the files "
            "produced, the ledger entries, and the signed checkpoint. The exhibits are:"
        ),
        "",
    ]
    for x in exhibits:
        primary = x.artifact("warc") or x.artifact("file") or x.artifact("document") or x.artifact("media")
        body.append(f"   {x.exhibit_id}  preserved {x.started} UTC  {x.url or x.title or ''}")
        if primary is not None:
            body.append(f"      {primary.role} SHA-256 {primary.sha256}")
    body += [
        "",
        _wrap(
            "5. The process produces an accurate result: the records were made at or near the time of the "
            "events they record by the process described, as a regular practice of the organisation."
        ),
        "",
        "I declare that the foregoing is true and correct.",
        "",
        "Signature: ______________________________     Date: ____________________",
        "",
        "Place: __________________________________",
        "",
    ]
    return "\n".join(body)
