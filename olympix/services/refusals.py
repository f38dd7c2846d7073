"""The one shape of "a business rule said no"."""


class Refused(Exception):
    """A rule said no; ``message`` is for the person (a TranslationString)."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message
