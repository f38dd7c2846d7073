"""The benchmark harness's own pieces (bench/): cheap, no server, no database.

CI does not run the benchmarks; this only keeps their parsing and
statistics honest (a wrong form parser or counter would make every
figure wrong without failing).
"""
import os
import socket
import struct
import sys
import threading
import time

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "bench"))

import _harness  # noqa: E402
from _sqlcount import StatementCounter, difference  # noqa: E402

DEFORM_PAGE = """
<form id="other"><input name="x" value="1"></form>
<form id="form" action="/orders/ABC/@@pay" method="post">
  <input type="hidden" name="_charset_" value="UTF-8">
  <input type="hidden" name="csrf_token" value="tok">
  <input type="hidden" name="__start__" value="seat0:mapping">
  <input name="first_name" value="Ada"><input name="last_name" value="Lovelace">
  <input type="hidden" name="__end__" value="seat0:mapping">
  <input type="radio" name="offer" value="1"><input type="radio" name="offer" value="2" checked>
  <select name="channel"><option value="email">e</option><option value="sms" selected>s</option></select>
  <button type="submit" name="submit" value="submit">Pay</button>
</form>
"""


def test_form_fields_keeps_order_hidden_markers_and_choices():
    action, fields = _harness.form_fields(DEFORM_PAGE, "form")
    assert action == "/orders/ABC/@@pay"
    assert fields == [["_charset_", "UTF-8"], ["csrf_token", "tok"], ["__start__", "seat0:mapping"],
                      ["first_name", "Ada"], ["last_name", "Lovelace"], ["__end__", "seat0:mapping"],
                      ["offer", "2"], ["channel", "sms"]]
    with pytest.raises(_harness.FlowError):
        _harness.form_fields(DEFORM_PAGE, "missing")


def test_percentiles_are_nearest_rank_in_milliseconds():
    p = _harness.percentiles([i / 1000 for i in range(1, 101)])
    assert (p["p50"], p["p95"], p["p99"], p["n"]) == (50.0, 95.0, 99.0, 100)
    assert _harness.percentiles([])["p50"] is None


def test_closed_loop_is_bounded_by_count_and_by_time():
    by_count = _harness.closed_loop("t", 3, lambda s, i: _harness.Sample(True), 50, 10)
    assert len(by_count.samples) == 50
    began = time.monotonic()
    by_time = _harness.closed_loop("t", 2, lambda s, i: (time.sleep(0.01), _harness.Sample(True))[1], 10**6, 0.3)
    assert time.monotonic() - began < 2 and 0 < len(by_time.samples) < 100


def test_only_loopback_targets():
    assert _harness.loopback_only("http://127.0.0.1:1/x")
    with pytest.raises(SystemExit):
        _harness.loopback_only("http://10.0.0.1/")


def _packet(seq, payload):
    return struct.pack("<I", len(payload))[:3] + bytes([seq]) + payload


def test_statement_counter_reads_command_packets_only():
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    received = []

    def upstream():
        conn, _ = server.accept()
        while True:
            data = conn.recv(65536)
            if not data:
                break
            received.append(data)
        conn.close()

    threading.Thread(target=upstream, daemon=True).start()
    counter = StatementCounter(upstream=server.getsockname())
    try:
        client = socket.create_connection(("127.0.0.1", counter.port))
        stream = (_packet(1, b"handshake response") + _packet(0, b"\x03SELECT 1") + _packet(0, b"\x03 commit")
                  + _packet(0, b"\x0e") + _packet(0, b"\x03/* c */ INSERT INTO t VALUES (1)") + _packet(2, b"\x03SELECT"))
        client.sendall(stream[:7])
        time.sleep(0.05)
        client.sendall(stream[7:])  # a packet split across reads
        deadline = time.monotonic() + 3
        while sum(counter.snapshot().values()) < 4 and time.monotonic() < deadline:
            time.sleep(0.02)
        client.close()
        assert difference(counter.snapshot(), {}) == {"SELECT": 1, "COMMIT": 1, "PING": 1, "INSERT": 1}
    finally:
        counter.close()
        server.close()


def test_the_room_gives_each_purchase_an_account_of_its_own():
    import _room

    pool = _room.AccountPool(["a", "b"])
    taken = {pool.take(), pool.take()}
    assert taken == {"a", "b"} and pool.take() is None and len(pool) == 0
    # Every buyer in flight, plus what the queue admits during the loop and its burst.
    assert _room.accounts_for(32, 120, 6) == 32 + 32 + 8
    assert _room.accounts_for(8, 0, 6) == 16


def test_the_room_counts_polls_from_the_samples():
    import _room

    result = _harness.LoopResult("x", 1, 1.0, [_harness.Sample(True, "polls:3"), _harness.Sample(True, "polls:1"),
                                              _harness.Sample(False, "no account left")], [])
    assert _room.polls_of(result) == [3, 1]
