"""Benchmark: taking seats with one conditional UPDATE vs. lock-read-then-write.

Runs both on the local MariaDB (127.0.0.1:3306, root, no password) in a
throw-away database, in the same run, with the same threads and the same
hot row, and prints each rate and their ratio. The candidate is what
services/booking.take_seats does::

    UPDATE events SET seats_left = seats_left - 1 WHERE id = 1 AND seats_left >= 1

The baseline is the usual read-then-write, made safe with a row lock::

    SELECT seats_left FROM events WHERE id = 1 FOR UPDATE; UPDATE ...; COMMIT

    .venv/bin/python bench/booking_hold.py [--threads 4] [--seconds 5]
"""
import argparse
import secrets
import threading
import time

import pymysql


def connect(db=None):
    return pymysql.connect(host="127.0.0.1", port=3306, user="root", password="", database=db, autocommit=False)


def conditional(cur):
    cur.execute("UPDATE events SET seats_left = seats_left - 1 WHERE id = 1 AND seats_left >= 1")
    return cur.rowcount == 1


def read_then_write(cur):
    cur.execute("SELECT seats_left FROM events WHERE id = 1 FOR UPDATE")
    (left,) = cur.fetchone()
    if left < 1:
        return False
    cur.execute("UPDATE events SET seats_left = %s WHERE id = 1", (left - 1,))
    return True


def run(db, fn, threads, seconds):
    setup = connect(db)
    with setup.cursor() as cur:
        cur.execute("UPDATE events SET seats_left = 100000000 WHERE id = 1")
    setup.commit()
    setup.close()
    counts = [0] * threads
    stop = time.monotonic() + seconds
    start_line = threading.Barrier(threads)

    def worker(i):
        conn = connect(db)
        cur = conn.cursor()
        start_line.wait()
        while time.monotonic() < stop:
            fn(cur)
            conn.commit()
            counts[i] += 1
        conn.close()

    pool = [threading.Thread(target=worker, args=(i,)) for i in range(threads)]
    began = time.monotonic()
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    return sum(counts) / (time.monotonic() - began)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=5)
    args = parser.parse_args()
    db = f"olympix_bench_{secrets.token_hex(3)}"
    admin = connect()
    with admin.cursor() as cur:
        cur.execute(f"CREATE DATABASE {db}")
        cur.execute(f"CREATE TABLE {db}.events (id INT PRIMARY KEY, seats_left INT NOT NULL, "
                    "CONSTRAINT seats_not_negative CHECK (seats_left >= 0)) ENGINE=InnoDB")
        cur.execute(f"INSERT INTO {db}.events VALUES (1, 0)")
    admin.commit()
    try:
        rates = {}
        for name, fn in (("baseline SELECT FOR UPDATE + UPDATE", read_then_write),
                         ("conditional UPDATE", conditional)):
            run(db, fn, args.threads, 1)  # warm up
            rates[name] = run(db, fn, args.threads, args.seconds)
            print(f"{name:<38} {rates[name]:>8.0f} holds/s  ({args.threads} threads, one hot row)")
        base, cand = rates.values()
        print(f"ratio conditional / baseline: {cand / base:.2f}x")
    finally:
        with admin.cursor() as cur:
            cur.execute(f"DROP DATABASE {db}")
        admin.close()


if __name__ == "__main__":
    main()
