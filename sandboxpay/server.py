"""``sandboxpay-serve``: run the sandbox provider with waitress on loopback."""

from __future__ import annotations

import argparse
import logging
import os

from sandboxpay.app import make_app


def parse_args(argv=None) -> argparse.Namespace:
    env = os.environ.get
    parser = argparse.ArgumentParser(
        prog="sandboxpay-serve",
        description="Serve the sandbox card payment provider (development only).")
    parser.add_argument("--host", default="127.0.0.1",
                        help="interface to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=6544, help="port (default 6544)")
    parser.add_argument("--db", default=env("SANDBOXPAY_DB", "var/sandboxpay.sqlite"),
                        help="SQLite file (default var/sandboxpay.sqlite; ':memory:' ok)")
    parser.add_argument("--api-key", default=env("SANDBOXPAY_API_KEY", "sk_test_olympix"),
                        help="merchant secret API key (env SANDBOXPAY_API_KEY)")
    parser.add_argument("--webhook-secret",
                        default=env("SANDBOXPAY_WEBHOOK_SECRET", "whsec_olympix"),
                        help="notification signing secret (env SANDBOXPAY_WEBHOOK_SECRET)")
    parser.add_argument("--public-url", default=None,
                        help="base URL buyers' browsers use (default http://HOST:PORT)")
    parser.add_argument("--notify-delay", type=float, default=5.0,
                        help="seconds before a 'delayed' test-card notification (default 5)")
    parser.add_argument("--notify-retries", type=int, default=8,
                        help="times a failed notification is sent again (default 8)")
    parser.add_argument("--notify-backoff", type=float, default=1.0,
                        help="seconds before the first retry, doubled each time (default 1)")
    parser.add_argument("--session-ttl", type=int, default=1800,
                        help="seconds before an unpaid session expires (default 1800)")
    parser.add_argument("--merchant-name", default="Olympix")
    parser.add_argument("--threads", type=int, default=4)
    return parser.parse_args(argv)


def main(argv=None) -> None:
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO,
                        format="%(asctime)s %(levelname)s [%(name)s] %(message)s")
    public_url = args.public_url or f"http://{args.host}:{args.port}"
    app = make_app({
        "sandboxpay.api_key": args.api_key,
        "sandboxpay.webhook_secret": args.webhook_secret,
        "sandboxpay.public_url": public_url,
        "sandboxpay.db": args.db,
        "sandboxpay.notify_delay": args.notify_delay,
        "sandboxpay.notify_retries": args.notify_retries,
        "sandboxpay.notify_backoff": args.notify_backoff,
        "sandboxpay.session_ttl": args.session_ttl,
        "sandboxpay.merchant_name": args.merchant_name,
    })
    import waitress

    logging.getLogger(__name__).info("sandboxpay on %s (db %s)", public_url, args.db)
    waitress.serve(app, host=args.host, port=args.port, threads=args.threads,
                   ident="sandboxpay")


if __name__ == "__main__":  # pragma: no cover
    main()
