"""What every form schema shares: the CSRF node and the common types.

``CSRFSchema`` is the base of every form; ``strip``, ``Euros`` and
``slug_validator`` are the one definition of each, used by every area.
"""
import re

import colander
import deform
from pyramid.csrf import get_csrf_token

from ..i18n import _

SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
MAX_SLUG = 120


@colander.deferred
def _deferred_csrf(node, kw):
    return get_csrf_token(kw["request"])


class CSRFSchema(colander.Schema):
    """Base of every form schema: carries the CSRF token Pyramid checks."""

    csrf_token = colander.SchemaNode(
        colander.String(), widget=deform.widget.HiddenWidget(), default=_deferred_csrf,
        missing=colander.drop,
    )


def strip(value):
    """Preparer: surrounding spaces out (what a person pasted)."""
    return value.strip() if isinstance(value, str) else value


def slug_validator(node, value, max_length=MAX_SLUG):
    """Lower-case letters, digits and single hyphens: an address segment or a code."""
    if not SLUG.fullmatch(value) or len(value) > max_length:
        raise colander.Invalid(node, _("Use lower-case letters, digits and single hyphens, "
                                       "without spaces or accents."))


class Euros(colander.Decimal):
    """An amount in euros as people type it: "45", "86,50", "86.50", "45,50 €".

    Refuses what is not a finite number ("NaN", "Infinity"); each form
    bounds the value with its own validator.
    """

    def __init__(self):
        super().__init__(quant="0.01")

    def deserialize(self, node, cstruct):
        if isinstance(cstruct, str):
            cstruct = cstruct.replace("€", "").replace("\u00a0", "").replace(",", ".").strip()
        value = super().deserialize(node, cstruct)
        if value is not colander.null and not value.is_finite():
            raise colander.Invalid(node, _("Give an amount in euros, e.g. 45,50."))
        return value
