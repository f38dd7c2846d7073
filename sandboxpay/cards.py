"""Card checks for the hosted page: Luhn, expiry, security code, brand, test cards.

Nothing here keeps or logs a card number: callers get back a ``CardCheck``
holding only the brand, the last four digits and the test-card behaviour.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field

# Outcome of a charge attempt.
SUCCESS = "success"
DECLINED = "card_declined"
INSUFFICIENT_FUNDS = "insufficient_funds"

# What happens to the notification of a successful charge.
NOTIFY_NOW = "now"
NOTIFY_LOST = "lost"
NOTIFY_DELAYED = "delayed"
NOTIFY_TWICE = "twice"


@dataclass(frozen=True)
class TestCard:
    number: str
    outcome: str
    notify: str
    label: str


TEST_CARDS = (
    TestCard("4242424242424242", SUCCESS, NOTIFY_NOW, "Payment succeeds"),
    TestCard("4000000000000002", DECLINED, NOTIFY_NOW, "Declined (card_declined)"),
    TestCard("4000000000009995", INSUFFICIENT_FUNDS, NOTIFY_NOW,
             "Declined (insufficient_funds)"),
    TestCard("4000000000000341", SUCCESS, NOTIFY_LOST,
             "Succeeds, the notification is lost (never sent)"),
    TestCard("4000000000003220", SUCCESS, NOTIFY_DELAYED,
             "Succeeds, the notification is delayed"),
    TestCard("4000000000000259", SUCCESS, NOTIFY_TWICE,
             "Succeeds, the notification is sent twice"),
)
_BY_NUMBER = {card.number: card for card in TEST_CARDS}

FAILURE_MESSAGES = {
    DECLINED: "Your card was declined.",
    INSUFFICIENT_FUNDS: "Your card has insufficient funds.",
}

_SEPARATORS = re.compile(r"[\s-]+")
_EXPIRY = re.compile(r"^\s*(\d{1,2})\s*/\s*(\d{2}|\d{4})\s*$")


def luhn_ok(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = ord(char) - 48
        if index % 2:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def brand_of(digits: str) -> str:
    """Card brand from the issuer identification number (IIN)."""
    if digits.startswith("4"):
        return "visa"
    if digits[:2] in ("34", "37"):
        return "amex"
    if "51" <= digits[:2] <= "55" or "2221" <= digits[:4] <= "2720":
        return "mastercard"
    return "unknown"


def parse_expiry(text: str) -> tuple[int, int] | None:
    """``MM/YY`` or ``MM/YYYY`` to (year, month), or None when malformed."""
    match = _EXPIRY.match(text or "")
    if not match:
        return None
    month, year = int(match.group(1)), int(match.group(2))
    if not 1 <= month <= 12:
        return None
    if year < 100:
        year += 2000
    return year, month


@dataclass
class CardCheck:
    """Result of checking the card form; never holds the full number."""

    errors: dict[str, str] = field(default_factory=dict)
    brand: str | None = None
    last4: str | None = None
    outcome: str = SUCCESS
    notify: str = NOTIFY_NOW

    @property
    def ok(self) -> bool:
        return not self.errors


def check_card(holder: str, number: str, expiry: str, cvc: str,
               today: datetime.date | None = None) -> CardCheck:
    today = today or datetime.date.today()
    result = CardCheck()
    errors = result.errors

    holder = (holder or "").strip()
    if not holder:
        errors["holder"] = "Enter the name printed on the card."
    elif len(holder) > 100:
        errors["holder"] = "The name is too long."

    digits = _SEPARATORS.sub("", number or "")
    if not digits:
        errors["number"] = "Enter the card number."
    elif not digits.isdigit() or not 12 <= len(digits) <= 19:
        errors["number"] = "The card number is not valid."
    elif not luhn_ok(digits):
        errors["number"] = "The card number is not valid (check the digits)."
    else:
        result.brand = brand_of(digits)
        result.last4 = digits[-4:]
        card = _BY_NUMBER.get(digits)
        if card is not None:
            result.outcome, result.notify = card.outcome, card.notify

    parsed = parse_expiry(expiry)
    if not (expiry or "").strip():
        errors["expiry"] = "Enter the expiry date (MM/YY)."
    elif parsed is None:
        errors["expiry"] = "The expiry date must look like MM/YY."
    elif parsed < (today.year, today.month):
        errors["expiry"] = "The card has expired."
    elif parsed > (today.year + 20, today.month):
        errors["expiry"] = "The expiry date is too far in the future."

    cvc = (cvc or "").strip()
    wanted = 4 if result.brand == "amex" else 3
    if not cvc:
        errors["cvc"] = "Enter the security code."
    elif not cvc.isdigit() or len(cvc) not in (3, 4):
        errors["cvc"] = "The security code is 3 or 4 digits."
    elif result.brand is not None and len(cvc) != wanted:
        errors["cvc"] = f"The security code of this card is {wanted} digits."

    if errors:
        result.brand = result.last4 = None
        result.outcome, result.notify = SUCCESS, NOTIFY_NOW
    return result
