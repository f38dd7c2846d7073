"""Password policy and hashing (argon2id).

Policy, after NIST SP 800-63B: at least 8 characters, at most 128, no
composition rules, refused when among commonly used passwords.
"""
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


def password_problem(password):
    """Why ``password`` is refused, as a message id, or None when fine."""
    if len(password) < MIN_LENGTH:
        return "password_too_short"
    if len(password) > MAX_LENGTH:
        return "password_too_long"
    if password.lower() in common_passwords():
        return "password_too_common"
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
