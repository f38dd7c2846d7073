"""Password policy and hashing (argon2id).

Policy, after NIST SP 800-63B and ASVS 6.2.11: at least 8 characters, at
most 128, no composition rules; refused when among commonly used passwords,
when it is little more than a context word (the site's name, the person's
e-mail address or names: "olympix2024", "ada@example.test", "Lovelace1815")
or a trivial repetition ("aaaaaaaa", "abcabcabc").
"""
import re
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_LENGTH = 8
MAX_LENGTH = 128


@lru_cache(maxsize=1)
def common_passwords():
    # zxcvbn ships the 30,000 most used passwords of public leaks.
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(FREQUENCY_LISTS["passwords"])


# Words everybody tries on this site.
SITE_WORDS = ("olympix", "olympics", "olympic", "olympiques", "olympique", "paris", "jeux", "tickets",
              "billet", "billets", "billetterie")
MIN_OWN_LETTERS = 4  # what must be left once context words, digits and signs are taken out
_NOT_LETTERS = re.compile(r"[\W\d_]+")


def context_words(email="", *names):
    """The words a password must be more than: the site's, the e-mail address (and its parts), the names."""
    words = set(SITE_WORDS)
    email = (email or "").lower()
    if email:
        local, _at, domain = email.partition("@")
        words.update([email, local, *re.split(r"[._+\-]", local), *domain.split(".")[:-1]])
    for name in names:
        words.update(part for part in re.split(r"[\s'’\-]+", (name or "").lower()))
    return sorted((w for w in words if len(w) >= 3), key=len, reverse=True)


def _repetitive(lower):
    if len(set(lower)) <= 2:
        return True
    # The same short unit over and over: "abcabcabc", "1231231231".
    return any(len(lower) % size == 0 and lower == lower[:size] * (len(lower) // size) for size in range(1, 5))


def password_problem(password, context=()):
    """Why ``password`` is refused, as a message id, or None when fine.

    ``context`` lists the words it must be more than (``context_words``);
    the site's own words are always in it.
    """
    if len(password) < MIN_LENGTH:
        return "password_too_short"
    if len(password) > MAX_LENGTH:
        return "password_too_long"
    lower = password.lower()
    if lower in common_passwords():
        return "password_too_common"
    if _repetitive(lower):
        return "password_repetitive"
    rest = lower
    for word in sorted({*SITE_WORDS, *context}, key=len, reverse=True):
        rest = rest.replace(word, "")
    if len(_NOT_LETTERS.sub("", rest)) < MIN_OWN_LETTERS:
        return "password_context"
    return None


class Passwords:
    """Hash and verify with argon2id; the cost comes from the settings."""

    def __init__(self, time_cost=2, memory_cost=19456, parallelism=1):
        self.hasher = PasswordHasher(
            time_cost=time_cost, memory_cost=memory_cost, parallelism=parallelism
        )
        # Verified against unknown e-mails so that sign-in takes as long
        # whether or not the account exists.
        self._dummy = self.hasher.hash("olympix-dummy-password")

    @classmethod
    def from_settings(cls, settings):
        return cls(
            settings["olympix.argon2.time_cost"],
            settings["olympix.argon2.memory_cost"],
            settings["olympix.argon2.parallelism"],
        )

    def hash(self, password):
        return self.hasher.hash(password)

    def verify(self, stored_hash, password):
        try:
            return self.hasher.verify(stored_hash or self._dummy, password) and bool(stored_hash)
        except (VerificationError, InvalidHashError):
            return False

    def burn(self, password):
        """Spend the time of one verification, for an unknown account."""
        self.verify(None, password)

    def needs_rehash(self, stored_hash):
        return self.hasher.check_needs_rehash(stored_hash)
