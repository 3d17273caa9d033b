"""HTTP exchanges share one TLS context per process (`tls.py`): certificates are still verified, the
CA bundle `SSL_CERT_FILE` names is honoured, and the bundle is loaded once, not once per request."""

from __future__ import annotations

import ssl
from pathlib import Path

import httpx
import pytest
from github_stand_in import TOKEN, GitHubStandIn
from tds_stand_in import self_signed

from mkdocs_schema_sync import tls
from mkdocs_schema_sync.settings import GitHubSettings
from mkdocs_schema_sync.sync.github import GitHub, GitHubError


@pytest.fixture
def https_stand_in(tmp_path: Path):  # type: ignore[no-untyped-def]
    cert, key = self_signed(tmp_path, ip="127.0.0.1")
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
