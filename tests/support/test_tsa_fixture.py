"""Prove the local TSA fixture produces replies that rfc3161-client accepts."""

from __future__ import annotations

import subprocess
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import rfc3161_client
from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID

from .tsa import OPENSSL, LocalTsa, TsaPki, free_port_url, make_tsa_pki


@pytest.fixture
def pki(tmp_path: Path) -> TsaPki:
    return make_tsa_pki(tmp_path / "tsa")


def _post(url: str, body: bytes, content_type: str = "application/timestamp-query") -> bytes:
    req = urllib.request.Request(url, data=body, method="POST", headers={"Content-Type": content_type})
    with urllib.request.urlopen(req, timeout=10) as resp:
        assert resp.status == 200
        assert resp.headers["Content-Type"] == "application/timestamp-reply"
        data: bytes = resp.read()
        return data


def _timestamp(
    url: str, message: bytes
) -> tuple[rfc3161_client.TimeStampRequest, rfc3161_client.TimeStampResponse]:
    request = rfc3161_client.TimestampRequestBuilder().data(message).nonce(nonce=True).build()
    reply = _post(url, request.as_bytes())
    return request, rfc3161_client.decode_timestamp_response(reply)


def test_pki_shape(pki: TsaPki) -> None:
    tsa_cert = x509.load_pem_x509_certificate(pki.tsa_cert_pem.read_bytes())
    root = x509.load_pem_x509_certificate(pki.root_cert_pem.read_bytes())
    eku = tsa_cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage)
    assert eku.critical
    assert list(eku.value) == [ExtendedKeyUsageOID.TIME_STAMPING]
    ku = tsa_cert.extensions.get_extension_for_class(x509.KeyUsage).value
    assert ku.digital_signature and ku.content_commitment
    assert tsa_cert.issuer == root.subject
    tsa_cert.verify_directly_issued_by(root)
    assert len(x509.load_pem_x509_certificates(pki.chain_pem.read_bytes())) == 2


def test_reply_verifies_with_rfc3161_client(pki: TsaPki) -> None:
    root = x509.load_pem_x509_certificate(pki.root_cert_pem.read_bytes())
    with LocalTsa(pki) as tsa:
        assert tsa.url.startswith("http://127.0.0.1:") and tsa.url.endswith("/tsr")
        request, response = _timestamp(tsa.url, b"hello")
        assert tsa.requests_served == 1

    assert response.status == rfc3161_client.PKIStatus.GRANTED
    assert response.tst_info.nonce == request.nonce
    assert response.tst_info.policy.dotted_string == "1.2.3.4.1"
    assert len(response.signed_data.certificates) == 2  # TSA cert + root, each once
    verifier = rfc3161_client.VerifierBuilder.from_request(request).add_root_certificate(root).build()
    assert verifier.verify_message(response, b"hello") is True


def test_reply_verifies_with_openssl(pki: TsaPki, tmp_path: Path) -> None:
    request = rfc3161_client.TimestampRequestBuilder().data(b"hello").build()
    with LocalTsa(pki) as tsa:
        reply = _post(tsa.url, request.as_bytes())
    (tmp_path / "q.tsq").write_bytes(request.as_bytes())
    (tmp_path / "r.tsr").write_bytes(reply)
    proc = subprocess.run(
        [OPENSSL, "ts", "-verify", "-in", str(tmp_path / "r.tsr"),
         "-queryfile", str(tmp_path / "q.tsq"), "-CAfile", str(pki.root_cert_pem)],
        capture_output=True, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert b"Verification: OK" in proc.stdout


def test_verification_fails_for_other_message(pki: TsaPki) -> None:
    root = x509.load_pem_x509_certificate(pki.root_cert_pem.read_bytes())
    with LocalTsa(pki) as tsa:
        request, response = _timestamp(tsa.url, b"hello")
    verifier = rfc3161_client.VerifierBuilder.from_request(request).add_root_certificate(root).build()
    with pytest.raises(rfc3161_client.VerificationError):
        verifier.verify_message(response, b"goodbye")


def test_verification_fails_against_foreign_root(pki: TsaPki, tmp_path: Path) -> None:
    other_root = x509.load_pem_x509_certificate(make_tsa_pki(tmp_path / "other").root_cert_pem.read_bytes())
    with LocalTsa(pki) as tsa:
        request, response = _timestamp(tsa.url, b"hello")
    verifier = rfc3161_client.VerifierBuilder.from_request(request).add_root_certificate(other_root).build()
    with pytest.raises(rfc3161_client.VerificationError):
        verifier.verify_message(response, b"hello")


def test_concurrent_requests(pki: TsaPki) -> None:
    root = x509.load_pem_x509_certificate(pki.root_cert_pem.read_bytes())
    messages = [f"msg-{i}".encode() for i in range(16)]
    with LocalTsa(pki) as tsa, ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda m: _timestamp(tsa.url, m), messages))
        assert tsa.requests_served == len(messages)
    serials = set()
    for message, (request, response) in zip(messages, results, strict=True):
        verifier = rfc3161_client.VerifierBuilder.from_request(request).add_root_certificate(root).build()
        assert verifier.verify_message(response, message) is True
        serials.add(response.tst_info.serial_number)
    assert len(serials) == len(messages)


def test_fail_with_503(pki: TsaPki) -> None:
    request = rfc3161_client.TimestampRequestBuilder().data(b"hello").build()
    with LocalTsa(pki, fail_with=503) as tsa:
        with pytest.raises(urllib.error.HTTPError) as excinfo:
            _post(tsa.url, request.as_bytes())
        assert excinfo.value.code == 503
        assert tsa.requests_served == 0
        assert tsa.requests_received == 1


def test_non_post_is_405(pki: TsaPki) -> None:
    with LocalTsa(pki) as tsa:
        with pytest.raises(urllib.error.HTTPError) as excinfo:
            urllib.request.urlopen(tsa.url, timeout=10)
        assert excinfo.value.code == 405
        assert excinfo.value.headers["Allow"] == "POST"


def test_wrong_content_type_is_415(pki: TsaPki) -> None:
    with LocalTsa(pki) as tsa:
        with pytest.raises(urllib.error.HTTPError) as excinfo:
            _post(tsa.url, b"x", content_type="application/octet-stream")
        assert excinfo.value.code == 415


def test_server_stops_on_exit(pki: TsaPki) -> None:
    with LocalTsa(pki) as tsa:
        url = tsa.url
    with pytest.raises(urllib.error.URLError) as excinfo:
        _post(url, b"x")
    assert isinstance(excinfo.value.reason, ConnectionRefusedError)


def test_free_port_url_refuses_connection() -> None:
    url = free_port_url()
    assert url.startswith("http://127.0.0.1:") and url.endswith("/tsr")
    with pytest.raises(urllib.error.URLError) as excinfo:
        _post(url, b"x")
    assert isinstance(excinfo.value.reason, ConnectionRefusedError)
