"""Site content: public pages, FAQ, news (public.py); the contact form
(contact.py) and its inbox (inbox.py); the content back office and its
validation queue (backoffice.py, forms.py). People and roles are in
views/people.py."""
from ...i18n import _
from ...security.permissions import Permission


def includeme(config):
    config.add_nav_item("/news", _("News"), Permission.SITE_VIEW, order=20)
