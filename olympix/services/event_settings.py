"""An event's gate settings (issue #12.2) changed after its publication.

Phone-only entry and how long before the start the tickets become visible
are part of a published event's edit form, for editors and managers alike.
Like its texts, a change is a working copy on the event's content item
(``ContentItem.phone_only``, ``.tickets_visible_before``), reviewed in the
validation queue and copied onto the Event when a manager approves it
(``ContentItem.publish_settings``, run by the workflow's approval); until
then the gate, the order page and the m-ticket read the Event's current
values. A draft event (nothing sold yet) takes them outright
(``services/event_drafts.py``).
"""
from ..i18n import _
from ..models.content import EVENT_SETTINGS

NAMES = {"phone_only": _("Phone ticket only"),
         "tickets_visible_before": _("Tickets visible (hours before the start)")}


def current(event):
    """{name: value} of ``event``'s settings, as its texts' first form shows them."""
    return {name: getattr(event, name) for name in EVENT_SETTINGS}


def working(item):
    """{name: value} as the item's working copy has them: its own, else the event's."""
    source = item if item.phone_only is not None else item.event
    return {name: getattr(source, name) for name in EVENT_SETTINGS}


def save(item, data):
    """Keep the form's settings as the working copy of ``item`` (an event's texts)."""
    item.phone_only = bool(data.get("phone_only"))
    item.tickets_visible_before = data.get("tickets_visible_before")


def describe(request, item):
    """[(setting, before, after)] of the changes waiting for approval, in the reader's language."""
    default = request.registry.settings["olympix.tickets.visible_before"]

    def shown(name, value):
        if name == "phone_only":
            return _("yes") if value else _("no")
        if value is None:
            return _("the site's delay (${hours} h)", mapping={"hours": default})
        return _("${hours} h", mapping={"hours": value})

    translate = request.localizer.translate
    return [(translate(NAMES[name]), translate(shown(name, old)), translate(shown(name, new)))
            for name, (old, new) in item.settings_changes().items()]
