"""Holders' and attendees' names are sealed in the database (issue #15.9) and shown in clear to their buyer."""
from sqlalchemy import select, text

from olympix.models import Order
from olympix.security import atrest
from tests.functional.booking.journey import CARD_OK, fresh, hold_and_pay_page, local, pay_at_provider


def raw(dbsession, sql, **params):
    fresh(dbsession)
    return dbsession.execute(text(sql), params).all()


def test_names_bought_through_the_forms_are_sealed_at_rest(testapp, app, buyer, make_event, sandbox, dbsession):
    sandbox_client, _pay_app = sandbox
    event = make_event(capacity=10)
    _order_page, to_provider = hold_and_pay_page(testapp, event, names=("Zoé", "Ängström"))
    testapp.get(local(pay_at_provider(sandbox_client, to_provider, CARD_OK).location))
    order = dbsession.scalar(select(Order))
    keys = app.registry.settings["olympix.data_keys.parsed"]

    stored = raw(dbsession, "SELECT attendee_first_name, attendee_last_name FROM tickets ORDER BY id")
    attendees = raw(dbsession, "SELECT first_name, last_name FROM order_attendees WHERE order_id = :o "
                               "ORDER BY position", o=order.id)
    for rows, table, columns in ((stored, "tickets", ("attendee_first_name", "attendee_last_name")),
                                 (attendees, "order_attendees", ("first_name", "last_name"))):
        assert len(rows) == 2
        for row, names in zip(rows, (("Ada", "Lovelace"), ("Zoé", "Ängström"))):
            for blob, name, column in zip(row, names, columns):
                assert isinstance(blob, bytes) and name.encode() not in blob
                assert atrest.unseal(keys, blob, f"{table}.{column}") == name.encode()

    my = testapp.get("/tickets/")
    assert "Zoé Ängström" in my and "Ada Lovelace" in my
