"""Count the statements the application sends to MariaDB: a loopback TCP proxy.

The shared server's global counters (``SHOW GLOBAL STATUS LIKE 'Com_%'``,
``Questions``) also count every other engineer's test run, and
performance_schema is off; so the application under measurement is
pointed at this proxy, which relays the bytes to 127.0.0.1:3306 unchanged
and reads the client's side of the MySQL protocol: each command packet
(sequence id 0) is one COM_QUERY (counted by its first keyword: SELECT,
INSERT, UPDATE, COMMIT, ROLLBACK…), COM_PING, COM_QUIT, and so on.
Handshake and authentication packets have other sequence ids and are not
counted. Used only for counting (it adds latency): never in timed loops.
"""
from __future__ import annotations

import collections
import re
import socket
import threading

COMMANDS = {0x01: "QUIT", 0x02: "INIT_DB", 0x0e: "PING", 0x16: "PREPARE", 0x17: "EXECUTE", 0x19: "CLOSE_STMT",
            0x1f: "RESET_CONNECTION", 0x11: "CHANGE_USER", 0x1b: "SET_OPTION"}
_WORD = re.compile(rb"\s*(?:/\*.*?\*/\s*)*([A-Za-z]+)", re.S)


class StatementCounter:
    def __init__(self, upstream=("127.0.0.1", 3306)):
        self.upstream = upstream
        self.counts = collections.Counter()
        self.texts = collections.Counter()  # normalised statement text -> count
        self.lock = threading.Lock()
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(64)
        self.port = self.listener.getsockname()[1]
        self._closed = False
        self.sockets = []
        threading.Thread(target=self._accept, daemon=True).start()

    def url(self, database):
        return f"mysql+pymysql://root@127.0.0.1:{self.port}/{database}?charset=utf8mb4"

    def snapshot(self):
        with self.lock:
            return collections.Counter(self.counts)

    def text_snapshot(self):
        with self.lock:
            return collections.Counter(self.texts)

    def close(self):
        self._closed = True
        self.listener.close()
        for s in self.sockets:
            try:
                s.close()
            except OSError:
                pass

    def _accept(self):
        while not self._closed:
            try:
                client, _addr = self.listener.accept()
            except OSError:
                return
            server = socket.create_connection(self.upstream)
            for s in (client, server):
                s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self.sockets += [client, server]
            threading.Thread(target=self._pump, args=(server, client, None), daemon=True).start()
            threading.Thread(target=self._pump, args=(client, server, bytearray()), daemon=True).start()

    def _pump(self, source, target, buffer):
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    break
                if buffer is not None:
                    # Counted before it is relayed: by the time the
                    # application has MariaDB's answer, its statement is in
                    # the counts (a snapshot right after a request sees it).
                    buffer += data
                    self._parse(buffer)
                target.sendall(data)
        except OSError:
            pass
        finally:
            for s in (source, target):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def _parse(self, buffer):
        while len(buffer) >= 4:
            length = buffer[0] | buffer[1] << 8 | buffer[2] << 16
            if len(buffer) < 4 + length:
                return
            seq, payload = buffer[3], bytes(buffer[4:4 + length])
            del buffer[:4 + length]
            if seq != 0 or not payload:
                continue
            command = payload[0]
            if command == 0x03:  # COM_QUERY
                match = _WORD.match(payload[1:200])
                name = match.group(1).upper().decode() if match else "QUERY?"
                text = _normalise(payload[1:].decode("utf-8", "replace"))
            else:
                name = COMMANDS.get(command, f"COM_{command:#04x}")
                text = name
            with self.lock:
                self.counts[name] += 1
                self.texts[text] += 1


_LITERALS = re.compile(r"'(?:[^'\\]|\\.)*'|\b\d+\b|0x[0-9a-fA-F]+|_binary'[^']*'")


def _normalise(statement):
    """The statement with its literals as ?, whitespace collapsed: one line per kind of query."""
    return " ".join(_LITERALS.sub("?", statement).split())[:300]


def difference(after, before):
    out = collections.Counter(after)
    out.subtract(before)
    return {k: v for k, v in out.items() if v}
