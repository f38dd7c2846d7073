"""Text messages: an HTTP gateway in production, an outbox folder in development.

Both send after the transaction commits. templates/sms/<name>.txt.jinja2
holds each message.
"""
import json
import logging
import os
import time
import urllib.request
import uuid

from pyramid.renderers import render
from zope.interface import implementer

from ..interfaces import ISMSSender
from .transactions import after_commit

log = logging.getLogger(__name__)


@implementer(ISMSSender)
class HTTPSMSSender:
    """POSTs ``{"to": ..., "text": ...}`` as JSON with a bearer token."""

    def __init__(self, url, token, timeout=5):
        self.url = url
        self.token = token
        self.timeout = timeout

    @classmethod
    def from_settings(cls, settings):
        return cls(settings["olympix.sms.url"], settings["olympix.sms.token"])

    def deliver(self, phone, text):
        body = json.dumps({"to": phone, "text": text, "id": str(uuid.uuid4())}).encode()
        request = urllib.request.Request(
            self.url,
            data=body,
            method="POST",
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {self.token}"},
        )
        with urllib.request.urlopen(request, timeout=self.timeout) as response:
            response.read()

    def send(self, request, phone, text):
        after_commit(request, lambda: self.deliver(phone, text))


@implementer(ISMSSender)
class OutboxSMSSender:
    """Writes each message as a file in a folder, for development."""

    def __init__(self, folder):
        self.folder = folder

    @classmethod
    def from_settings(cls, settings):
        return cls(settings["olympix.sms.outbox"])

    def deliver(self, phone, text):
        os.makedirs(self.folder, exist_ok=True)
        name = f"{time.strftime('%Y%m%d-%H%M%S')}-{uuid.uuid4().hex[:8]}.txt"
        with open(os.path.join(self.folder, name), "w", encoding="utf-8") as fh:
            fh.write(f"To: {phone}\n\n{text}\n")
        log.info("SMS to %s written to %s", phone, name)

    def send(self, request, phone, text):
        after_commit(request, lambda: self.deliver(phone, text))


def send_sms(request, name, phone, **values):
    text = render(f"olympix:templates/sms/{name}.txt.jinja2", values, request=request).strip()
    request.find_service(ISMSSender).send(request, phone, text)
    return text
