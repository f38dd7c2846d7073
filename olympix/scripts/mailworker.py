"""``olympix mail-worker INI``: delivers the mail queue (services/mail_queue.py).

Run one or more beside the application nodes (systemd: deploy/); each
takes the oldest message, delivers it over SMTP (``mail.host``…), and
goes on until SIGTERM, which lets the message in hand finish.
"""
import signal

from ..services.email import SMTPEmailSender
from ..services.mail_queue import Worker
from ..services.shared_store import shared_store
from .common import CommandError, app_settings


def run_mail_worker(args):
    settings = app_settings(args.ini)
    store = shared_store(settings)
    if store is None:
        raise CommandError("the mail queue lives on Redis: set olympix.redis.url in the ini")
    worker = Worker(store, SMTPEmailSender.from_settings(settings), max_attempts=args.max_attempts)

    def stop(signum, frame):
        worker.stopping = True

    signal.signal(signal.SIGTERM, stop)
    taken = worker.run(max_messages=args.max_messages, once=args.once)
    print(f"{worker.delivered} message(s) delivered, {worker.failed} to retry, {worker.dead} dead "
          f"({taken} taken)")


def add_commands(sub):
    p = sub.add_parser("mail-worker", help="deliver the mail queue on Redis (production)")
    p.add_argument("ini")
    p.add_argument("--once", action="store_true", help="stop when the queue is empty")
    p.add_argument("--max-messages", type=int, default=None, help="stop after this many")
    p.add_argument("--max-attempts", type=int, default=5, help="tries before a message goes to the dead letters")
    p.set_defaults(run=run_mail_worker)
