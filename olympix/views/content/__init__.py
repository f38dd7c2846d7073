"""Site content: public pages, FAQ, contact form (public.py); the content
back office and its validation queue (backoffice.py); role management
(people.py)."""
from ...i18n import _
from ...security.permissions import Permission


def includeme(config):
    # The back office's entry in the main navigation (editors, managers,
    # administrators); other areas' staff pages hang under /backoffice too.
    config.add_nav_item("/backoffice/content", _("Back office"), Permission.CONTENT_EDIT, order=80)
