"""A fake Zebra printer on a loopback port: records ZPL formats, answers ~HS, misbehaves on request.

Behaviour switches (set before the client connects):

* ``hang``: accept connections but never read or answer (a printer in an error state);
* ``drop_after_labels=N``: reset the connection as soon as the N-th format has arrived, before
  answering anything that came with it;
* ``fail_after_labels=N`` with ``fail_flags``: from the N-th format on, ~HS reports those flags
  (e.g. ``{"paper_out": True}``);
* ``flags``: the ~HS flags from the start (paper_out, paused, head_open, ribbon_out, ...).

No sleeps: threads block on sockets and events, and stop() wakes them with shutdown().
"""

from __future__ import annotations

import contextlib
import selectors
import socket
import struct
import threading
from dataclasses import dataclass, field

_FLAG_NAMES = (
    "paper_out",
    "paused",
    "buffer_full",
    "corrupt_ram",
    "under_temperature",
    "over_temperature",
    "head_open",
    "ribbon_out",
)


def host_status_reply(flags: dict[str, bool], labels_remaining: int = 0) -> bytes:
    """A ~HS answer as a Zebra printer sends it: three STX...ETX CR LF strings."""

    def bit(name: str) -> str:
        return "1" if flags.get(name) else "0"

    first = (
        f"030,{bit('paper_out')},{bit('paused')},0406,000,{bit('buffer_full')},0,0,000,"
        f"{bit('corrupt_ram')},{bit('under_temperature')},{bit('over_temperature')}"
    )
    second = f"001,0,{bit('head_open')},{bit('ribbon_out')},1,2,6,0,{labels_remaining:08d},1,000"
    third = "1234,0"
    return b"".join(b"\x02" + part.encode("ascii") + b"\x03\r\n" for part in (first, second, third))


def closed_port() -> int:
    """A loopback port nothing listens on (connecting to it is refused)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@dataclass
class FakeZebraPrinter:
    hang: bool = False
    drop_after_labels: int | None = None
    fail_after_labels: int | None = None
    fail_flags: dict[str, bool] = field(default_factory=dict)
    flags: dict[str, bool] = field(default_factory=dict)

    host: str = "127.0.0.1"
    port: int = 0
    labels: list[str] = field(default_factory=list)
    status_queries: int = 0
    connections: int = 0
    raw: bytearray = field(default_factory=bytearray)

    def __post_init__(self) -> None:
        unknown = set(self.flags) | set(self.fail_flags)
        unknown -= set(_FLAG_NAMES)
        if unknown:
            raise ValueError(f"unknown flags {sorted(unknown)}")
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._wake_read, self._wake_write = socket.socketpair()
        self._threads: list[threading.Thread] = []
        self._open: list[socket.socket] = []

    # -- lifecycle --

    def __enter__(self) -> FakeZebraPrinter:
        self._server.bind((self.host, 0))
        self._server.listen(8)
        self.port = self._server.getsockname()[1]
        acceptor = threading.Thread(target=self._accept_loop, name="fake-zebra-accept", daemon=True)
        acceptor.start()
        self._threads.append(acceptor)
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._wake_write.send(b"x")
        acceptor, *_ = self._threads
        acceptor.join(timeout=5)
        assert not acceptor.is_alive(), "the fake printer's accept loop did not stop"
        with self._lock:
            for connection in self._open:
                with contextlib.suppress(OSError):  # already closed by its handler
                    connection.shutdown(socket.SHUT_RDWR)
        for thread in self._threads[1:]:
            thread.join(timeout=5)
            assert not thread.is_alive(), f"{thread.name} did not stop"
        self._server.close()
        self._wake_read.close()
        self._wake_write.close()

    # -- serving --

    def _accept_loop(self) -> None:
        with selectors.DefaultSelector() as selector:
            selector.register(self._server, selectors.EVENT_READ)
            selector.register(self._wake_read, selectors.EVENT_READ)
            while not self._stop.is_set():
                for key, _ in selector.select():
                    if key.fileobj is self._wake_read:
                        return
                    connection, _address = self._server.accept()
                    with self._lock:
                        self.connections += 1
                        self._open.append(connection)
                    handler = threading.Thread(
                        target=self._handle, args=(connection,), name="fake-zebra-conn", daemon=True
                    )
                    self._threads.append(handler)
                    handler.start()

    def _current_flags(self) -> dict[str, bool]:
        if self.fail_after_labels is not None and len(self.labels) >= self.fail_after_labels:
            return {**self.flags, **self.fail_flags}
        return dict(self.flags)

    def _handle(self, connection: socket.socket) -> None:
        with connection:
            if self.hang:
                self._stop.wait()
                return
            pending = b""
            while True:
                try:
                    chunk = connection.recv(65536)
                except OSError:
                    return
                if not chunk:
                    return
                with self._lock:
                    self.raw.extend(chunk)
                pending += chunk
                while True:
                    status_at = pending.find(b"~HS")
                    end_at = pending.find(b"^XZ")
                    if status_at < 0 and end_at < 0:
                        break
                    if status_at >= 0 and (end_at < 0 or status_at < end_at):
                        pending = pending[:status_at] + pending[status_at + 3 :]
                        with self._lock:
                            self.status_queries += 1
                            reply = host_status_reply(self._current_flags())
                        connection.sendall(reply)
                        continue
                    label, pending = pending[: end_at + 3], pending[end_at + 3 :]
                    with self._lock:
                        self.labels.append(label.decode("utf-8").strip())
                        received = len(self.labels)
                    if self.drop_after_labels is not None and received >= self.drop_after_labels:
                        # Reset (not a graceful close), as a printer that is switched off or unplugged.
                        connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                        return
