"""``olympix mail-sink``: a local SMTP server for development.

Keeps each message as an .eml file under var/mail/ so that a developer can
read activation codes without any outside service.
"""
import asyncio
import os
import time
import uuid

from aiosmtpd.controller import Controller


class FolderHandler:
    def __init__(self, folder):
        self.folder = folder

    async def handle_DATA(self, server, session, envelope):
        os.makedirs(self.folder, exist_ok=True)
        name = f"{time.strftime('%Y%m%d-%H%M%S')}-{uuid.uuid4().hex[:6]}.eml"
        with open(os.path.join(self.folder, name), "wb") as fh:
            fh.write(envelope.original_content or envelope.content)
        print(f"mail for {', '.join(envelope.rcpt_tos)} -> {self.folder}/{name}", flush=True)
        return "250 Message accepted"


def run_mail_sink(args):
    controller = Controller(FolderHandler(args.folder), hostname="127.0.0.1", port=args.port)
    controller.start()
    print(f"mail sink on 127.0.0.1:{args.port}, messages in {args.folder}/", flush=True)
    try:
        asyncio.run(asyncio.Event().wait())
    except KeyboardInterrupt:
        pass
    finally:
        controller.stop()


def add_commands(sub):
    p = sub.add_parser("mail-sink", help="development SMTP server writing messages to a folder")
    p.add_argument("--port", type=int, default=8025)
    p.add_argument("--folder", default="var/mail")
    p.set_defaults(run=run_mail_sink)
