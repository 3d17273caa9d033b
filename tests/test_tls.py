"""HTTP exchanges share one TLS context per process (`tls.py`): certificates are still verified, the
CA bundle `SSL_CERT_FILE` names is honoured, and the bundle is loaded once, not once per request."""

from __future__ import annotations

import datetime
import ipaddress
import ssl
from pathlib import Path

import httpx
import pytest
from github_stand_in import TOKEN, GitHubStandIn

from mkdocs_schema_sync import tls
from mkdocs_schema_sync.settings import GitHubSettings
from mkdocs_schema_sync.sync.github import GitHub, GitHubError


def _certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "github.crt", folder / "github.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_path, key_path


@pytest.fixture
def https_stand_in(tmp_path: Path):  # type: ignore[no-untyped-def]
    cert, key = _certificate(tmp_path)
    server = GitHubStandIn()
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.server.socket = context.wrap_socket(server.server.socket, server_side=True)
    tls.tls_context.cache_clear()
    yield server, cert
    server.close()
    tls.tls_context.cache_clear()  # built again without the test's SSL_CERT_FILE


def _github(server: GitHubStandIn) -> GitHub:
    url = server.url.replace("http://", "https://")
    return GitHub(GitHubSettings(repository="acme/data-docs", api_url=url), TOKEN, timeout=10)


def test_an_unknown_certificate_is_refused(https_stand_in, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    server, _ = https_stand_in
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    with pytest.raises(GitHubError, match=r"CERTIFICATE_VERIFY_FAILED|certificate verify failed"):
        _github(server).check_access()
    assert server.requests == []  # nothing was sent over a connection it could not trust


def test_ssl_cert_file_is_honoured_and_the_bundle_loaded_once(https_stand_in, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    server, cert = https_stand_in
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))
    built: list[int] = []
    real = httpx.create_ssl_context

    def counting(*args, **kwargs):  # type: ignore[no-untyped-def]
        built.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(httpx, "create_ssl_context", counting)
    github = _github(server)
    github.check_access()
    assert github.find_open_pr("schema-sync/x") is None
    github.check_access()
    assert len(server.requests) == 3 and len(built) == 1  # before: one CA bundle per request
