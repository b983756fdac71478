"""A fake PostgreSQL server on 127.0.0.1 that records who connects and can stall on purpose.

It speaks just enough of the protocol for libpq: it refuses SSL and GSS encryption, reads the
startup message (user, database), asks for a cleartext password and records it, and then either
stalls (``stall="startup"``: before any answer; ``stall="query"``: after a complete login, on
the first query) or closes the connection.
"""

from __future__ import annotations

import socket
import struct
import threading
from dataclasses import dataclass, field

SSL_REQUEST = 80877103
GSS_REQUEST = 80877104


@dataclass
class Connection:
    startup: dict[str, str] = field(default_factory=dict)
    password: str | None = None


class FakePostgres:
    def __init__(self, stall: str | None = None) -> None:
        self.stall = stall
        self.connections: list[Connection] = []
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._open: list[socket.socket] = []
        self._stop = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    def url(self, user: str = "app", password: str | None = None, database: str = "app") -> str:
        secret = f":{password}" if password is not None else ""
        return f"postgresql://{user}{secret}@127.0.0.1:{self.port}/{database}?sslmode=disable"

    def __enter__(self) -> FakePostgres:
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._listener.close()
        for client in self._open:
            client.close()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            self._open.append(client)
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        record = Connection()
        self.connections.append(record)
        try:
            self._login(client, record)
        except OSError:
            return
        if self.stall is not None:
            self._stop.wait()  # never answer (the client must give up by itself)
        client.close()

    def _login(self, client: socket.socket, record: Connection) -> None:
        while True:
            (length,) = struct.unpack("!i", _read(client, 4))
            body = _read(client, length - 4)
            (code,) = struct.unpack("!i", body[:4])
            if code in (SSL_REQUEST, GSS_REQUEST):
                client.sendall(b"N")
                continue
            pairs = body[4:].split(b"\0")
            record.startup = {
                pairs[i].decode(): pairs[i + 1].decode() for i in range(0, len(pairs) - 1, 2)
            }
            break
        if self.stall == "startup":
            return
        client.sendall(b"R" + struct.pack("!ii", 8, 3))  # AuthenticationCleartextPassword
        kind = _read(client, 1)
        (length,) = struct.unpack("!i", _read(client, 4))
        message = _read(client, length - 4)
        if kind == b"p":
            record.password = message.rstrip(b"\0").decode()
        client.sendall(b"R" + struct.pack("!ii", 8, 0))  # AuthenticationOk
        for name, value in (("server_version", "16.0"), ("client_encoding", "UTF8")):
            payload = name.encode() + b"\0" + value.encode() + b"\0"
            client.sendall(b"S" + struct.pack("!i", len(payload) + 4) + payload)
        client.sendall(b"K" + struct.pack("!iii", 12, 1, 2))  # BackendKeyData
        client.sendall(b"Z" + struct.pack("!i", 5) + b"I")  # ReadyForQuery


def _read(client: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = client.recv(size - len(data))
        if not chunk:
            raise OSError("closed")
        data += chunk
    return data
