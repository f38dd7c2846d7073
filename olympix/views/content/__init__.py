"""Site content: public pages, FAQ, news, contact form (public.py); the content
back office and its validation queue (backoffice.py); role management
(people.py)."""


def includeme(config):
    from ...i18n import _
    from ...security.permissions import Permission

    config.add_nav_item("/news", _("News"), Permission.SITE_VIEW, order=20)
    config.add_subscriber(_content_names, "pyramid.events.BeforeRender")


def _content_names(event):
    # Labels the content templates translate (states, kinds, groups, roles).
    from ...services import content as service

    if event.get("request") is None:
        return
    event.update(STATE_NAMES=service.STATE_NAMES, KIND_NAMES=service.KIND_NAMES,
                 FAQ_GROUP_NAMES=service.FAQ_GROUP_NAMES, ROLE_NAMES=service.ROLE_NAMES,
                 TRANSITION_NAMES=service.TRANSITION_NAMES,
                 item_label=lambda item: service.label(item, event["request"].locale_name))
