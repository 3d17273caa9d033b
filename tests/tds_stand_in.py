"""A local stand-in for SQL Server's side of a TDS connection, enough for Microsoft's real driver to answer for real.

No SQL Server can run here, but the driver (ODBC Driver 18, from the `mssql`
extra) can: this server speaks the first messages of the TDS protocol
([MS-TDS] 2.2) on 127.0.0.1 so that the client's own connection logic runs —
PRELOGIN with the encryption negotiation, the TLS handshake carried in PRELOGIN
packets (a self-signed certificate, so TrustServerCertificate matters), LOGIN7 —
and reports what a server would: a login error (18456 by default), a login
acknowledgement, or silence. After a login it answers every SQL batch with an
empty DONE, except a batch containing `silent_on`, which it never answers (a
query timeout), and it acknowledges the driver's ATTENTION.

It is not SQL Server: it runs no query and returns no rows. `received` records
what the client sent (packet types, the LOGIN7 user and database, SQL batches).
"""

from __future__ import annotations

import contextlib
import socket
import ssl
import struct
import threading
from dataclasses import dataclass, field
from pathlib import Path

PRELOGIN, LOGIN7, SQL_BATCH, RPC, ATTENTION, REPLY = 0x12, 0x10, 0x01, 0x03, 0x06, 0x04
ENCRYPT_OFF, ENCRYPT_ON, ENCRYPT_NOT_SUP, ENCRYPT_REQ = 0, 1, 2, 3


@dataclass
class Received:
    packets: list[int] = field(default_factory=list)
    client_encryption: int | None = None
    user: str | None = None
    database: str | None = None
    batches: list[str] = field(default_factory=list)
    rpc: list[bytes] = field(default_factory=list)
    tls: bool = False
    errors: list[str] = field(default_factory=list)


def self_signed(folder: Path, ip: str | None = None) -> tuple[Path, Path]:
    """A throw-away certificate for CN=localhost, or (`ip`) for that address, named in its SAN and usable as
    its own CA (cryptography comes with the mssql extra, via azure-identity)."""
    import datetime
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, ip or "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=2))
    )
    if ip is not None:
        san = x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(ip))])
        builder = builder.add_extension(san, False).add_extension(
            x509.BasicConstraints(ca=True, path_length=None), True
        )
    cert = builder.sign(key, hashes.SHA256())
    cert_path, key_path = folder / "tds.crt", folder / "tds.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_path, key_path


class TDSStandIn:
    """`mode`: "plain" (the server does not support encryption), "tls" (it encrypts, with `cert`),
    "silent" (accepts the TCP connection and never answers), "garbage" (answers PRELOGIN with junk).
    `login`: "fail" answers LOGIN7 with `error`; "ok" logs in. After a login, a batch containing a key of
    `batch_errors` gets that (number, severity, text) as a server error; one containing `silent_on` no answer."""

    def __init__(
        self,
        mode: str = "plain",
        *,
        cert: tuple[Path, Path] | None = None,
        login: str = "fail",
        error: tuple[int, int, str] = (18456, 14, "Login failed for user '{user}'."),
        silent_on: str = "WAITFOR",
        batch_errors: dict[str, tuple[int, int, str]] | None = None,
    ) -> None:
        self.mode, self.login, self.error, self.silent_on = mode, login, error, silent_on
        self.batch_errors = batch_errors or {}  # a batch containing the key is answered with that error
        self.received = Received()
        self.context: ssl.SSLContext | None = None
        if cert is not None:
            self.context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            self.context.minimum_version = ssl.TLSVersion.TLSv1_2
            self.context.maximum_version = ssl.TLSVersion.TLSv1_2  # TDS 7.4 carries TLS 1.2 in PRELOGIN packets
            self.context.load_cert_chain(str(cert[0]), str(cert[1]))
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self._open: list[socket.socket] = []
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def close(self) -> None:
        for conn in [self.sock, *self._open]:
            with contextlib.suppress(OSError):
                conn.close()

    def __enter__(self) -> TDSStandIn:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ connections

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self._open.append(conn)
            threading.Thread(target=self._session, args=(conn,), daemon=True).start()

    def _session(self, conn: socket.socket) -> None:
        conn.settimeout(60)
        try:
            _Session(self, conn).run()
        except (OSError, ssl.SSLError, EOFError, struct.error) as exc:
            self.received.errors.append(
                repr(exc)
            )  # the client gave up (a refused certificate, a timeout): as a server would, forget it
        finally:
            with contextlib.suppress(OSError):
                conn.close()


class _Session:
    def __init__(self, server: TDSStandIn, conn: socket.socket) -> None:
        self.server, self.conn = server, conn
        self.tls: ssl.SSLObject | None = None
        self.incoming = ssl.MemoryBIO()
        self.outgoing = ssl.MemoryBIO()
        self.plain = b""  # decrypted bytes not yet read

    def run(self) -> None:
        kind, payload = self.read_packet()
        self.server.received.packets.append(kind)
        if self.server.mode == "silent":
            self.conn.recv(1)  # until the client hangs up
            return
        if self.server.mode == "garbage":
            self.conn.sendall(b"HTTP/1.1 400 Bad Request\r\n\r\n")
            return
        client = _prelogin_option(payload, 0x01)
        self.server.received.client_encryption = client
        if self.server.mode == "tls":
            answer = ENCRYPT_ON if client in (ENCRYPT_ON, ENCRYPT_REQ) else ENCRYPT_REQ
        else:
            answer = ENCRYPT_NOT_SUP
        self.send_packet(REPLY, _prelogin_reply(answer))
        if self.server.mode == "tls":
            if client == ENCRYPT_NOT_SUP:
                return  # a client that cannot encrypt: SQL Server closes the connection
            self.handshake()
        elif client in (ENCRYPT_ON, ENCRYPT_REQ):
            return  # the client insists on encryption the server does not have: it hangs up
        while True:
            kind, payload = self.read_packet()
            self.server.received.packets.append(kind)
            if kind == LOGIN7:
                if not self.on_login(payload):
                    return
            elif kind == SQL_BATCH:
                text = _batch_text(payload)
                self.server.received.batches.append(text)
                if self.server.silent_on.upper() in text.upper():
                    continue  # never answered: the client's query timeout runs out, then it sends ATTENTION
                failing = next((e for k, e in self.server.batch_errors.items() if k.upper() in text.upper()), None)
                if failing is not None:
                    self.send_packet(REPLY, _error(*failing) + _done(0x0002, 0xC1))
                else:
                    self.send_packet(REPLY, _done(0x0000, 0xC1))
            elif kind == RPC:
                self.server.received.rpc.append(payload)
                self.send_packet(REPLY, b"\xfe" + struct.pack("<HHQ", 0x0000, 0xE0, 0))  # DONEPROC
            elif kind == ATTENTION:
                self.send_packet(REPLY, _done(0x0020, 0))  # DONE_ATTN acknowledges the cancel
            else:  # a transaction manager request (mssql-python rolls back on close): done, nothing to do
                self.send_packet(REPLY, _done(0x0000, 0))

    def on_login(self, payload: bytes) -> bool:
        user = _login_text(payload, 40)
        self.server.received.user = user
        self.server.received.database = _login_text(payload, 68)
        if self.server.login == "fail":
            number, severity, text = self.server.error
            tokens = _error(number, severity, text.format(user=user)) + _done(0x0002, 0)
            self.send_packet(REPLY, tokens)
            return False
        tokens = (
            _envchange(1, self.server.received.database or "master", "master")
            + _envchange(4, "4096", "4096")
            + _loginack()
            + _done(0x0000, 0)
        )
        self.send_packet(REPLY, tokens)
        return True

    # ------------------------------------------------------------------ TLS inside TDS

    def handshake(self) -> None:
        """TLS records travel inside PRELOGIN packets until the handshake ends ([MS-TDS] 3.3.5.1)."""
        assert self.server.context is not None
        self.tls = self.server.context.wrap_bio(self.incoming, self.outgoing, server_side=True)
        while True:
            try:
                self.tls.do_handshake()
                break
            except ssl.SSLWantReadError:
                self._flush_handshake()
                _kind, payload = self._read_raw_packet()
                self.incoming.write(payload)
        self._flush_handshake()
        self.server.received.tls = True

    def _flush_handshake(self) -> None:
        data = self.outgoing.read()
        if data:
            self.conn.sendall(_packet(PRELOGIN, data))

    # ------------------------------------------------------------------ packets

    def _recv(self, n: int) -> bytes:
        data = b""
        while len(data) < n:
            chunk = self.conn.recv(n - len(data))
            if not chunk:
                raise EOFError
            data += chunk
        return data

    def _read_raw_packet(self) -> tuple[int, bytes]:
        header = self._recv(8)
        kind, _status, length = struct.unpack(">BBH", header[:4])
        return kind, self._recv(length - 8)

    def _read_plain(self, n: int) -> bytes:
        """n bytes of the TDS stream: from the socket, or decrypted from TLS records once TLS is on."""
        if self.tls is None:
            return self._recv(n)
        while len(self.plain) < n:
            try:
                self.plain += self.tls.read(65536)
            except ssl.SSLWantReadError:
                chunk = self.conn.recv(65536)
                if not chunk:
                    raise EOFError from None
                self.incoming.write(chunk)
        data, self.plain = self.plain[:n], self.plain[n:]
        return data

    def read_packet(self) -> tuple[int, bytes]:
        """One TDS message (its packets joined until the end-of-message bit)."""
        body = b""
        while True:
            header = self._read_plain(8)
            kind, status, length = struct.unpack(">BBH", header[:4])
            body += self._read_plain(length - 8)
            if status & 0x01:
                return kind, body

    def send_packet(self, kind: int, payload: bytes) -> None:
        data = _packet(kind, payload)
        if self.tls is None:
            self.conn.sendall(data)
            return
        self.tls.write(data)
        self.conn.sendall(self.outgoing.read())


# ---------------------------------------------------------------------- message building ([MS-TDS] 2.2.6, 2.2.7)


def _packet(kind: int, payload: bytes) -> bytes:
    return struct.pack(">BBHHBB", kind, 0x01, len(payload) + 8, 0, 1, 0) + payload


def _prelogin_option(payload: bytes, wanted: int) -> int | None:
    i = 0
    while i < len(payload) and payload[i] != 0xFF:
        token, offset, length = struct.unpack(">BHH", payload[i : i + 5])
        if token == wanted and length:
            return payload[offset]
        i += 5
    return None


def _prelogin_reply(encryption: int) -> bytes:
    options = [
        (0x00, bytes([16, 0, 0x10, 0x7A, 0, 0])),  # VERSION 16.0.4218 (SQL Server 2022)
        (0x01, bytes([encryption])),
        (0x02, b"\x00"),  # INSTOPT
        (0x03, b""),  # THREADID
        (0x04, b"\x00"),  # MARS off
    ]
    offset = 5 * len(options) + 1
    head, data = b"", b""
    for token, value in options:
        head += struct.pack(">BHH", token, offset + len(data), len(value))
        data += value
    return head + b"\xff" + data


def _b_varchar(text: str) -> bytes:
    return bytes([len(text)]) + text.encode("utf-16-le")


def _us_varchar(text: str) -> bytes:
    return struct.pack("<H", len(text)) + text.encode("utf-16-le")


def _error(number: int, severity: int, text: str) -> bytes:
    body = struct.pack("<iBB", number, 1, severity) + _us_varchar(text) + _b_varchar("STANDIN") + _b_varchar("")
    body += struct.pack("<i", 1)
    return b"\xaa" + struct.pack("<H", len(body)) + body


def _done(status: int, command: int) -> bytes:
    return b"\xfd" + struct.pack("<HHQ", status, command, 0)


def _envchange(kind: int, new: str, old: str) -> bytes:
    body = bytes([kind]) + _b_varchar(new) + _b_varchar(old)
    return b"\xe3" + struct.pack("<H", len(body)) + body


def _loginack() -> bytes:
    body = b"\x01" + bytes([0x74, 0x00, 0x00, 0x04]) + _b_varchar("Microsoft SQL Server") + bytes([16, 0, 0x10, 0x7A])
    return b"\xad" + struct.pack("<H", len(body)) + body


def _login_text(payload: bytes, at: int) -> str:
    """A LOGIN7 string by its offset/length pair at `at` (40: user name, 68: database)."""
    offset, chars = struct.unpack("<HH", payload[at : at + 4])
    return payload[offset : offset + 2 * chars].decode("utf-16-le", "replace")


def _batch_text(payload: bytes) -> str:
    headers = struct.unpack("<I", payload[:4])[0] if len(payload) >= 4 else 0
    return payload[headers:].decode("utf-16-le", "replace")
