"""Which tickets make a Duo/Family pack, and what its holder paid for them (services/resale.py sells them).

The primary sale mints a line's tickets seat after seat, in attendee order,
so a line of several packs is cut into packs by minting order; a transfer
re-issues a seat's ticket in the same order and line (``replaces_id``), and
is followed back to its seat.
"""
from sqlalchemy import select

from ..models import Ticket


def face_value(ticket):
    """What the holder paid for this seat (a Duo's price is shared by its two seats)."""
    line = ticket.order_line
    return line.unit_price_cents // line.seats_per_unit if line is not None else 0


def pack_of(request, ticket, order_tickets=None):
    """The current ticket of each seat of ``ticket``'s Duo/Family pack, in seat order ([ticket] for a Solo).

    ``order_tickets``: every ticket of ``ticket``'s order, when the caller has
    read them already (else its line's are read).

    A line of ``quantity`` packs minted its tickets seat after seat (one per
    attendee, in order): the n-th minted belongs to pack n // seats. A
    transfer re-issues a seat's ticket in the same order (``replaces_id``):
    it is followed back to the seat's first ticket.
    """
    line = ticket.order_line
    if line is None or line.seats_per_unit < 2:
        return [ticket]
    if order_tickets is None:
        rows = request.dbsession.scalars(select(Ticket).where(
            Ticket.order_id == ticket.order_id, Ticket.order_line_id == line.id).order_by(Ticket.id)).all()
    else:
        rows = sorted((t for t in order_tickets if t.order_line_id == line.id), key=lambda t: t.id)
    by_id = {row.id: row for row in rows}

    def first_of_seat(row):
        for _step in range(len(rows)):  # a chain of re-issues is at most every row
            if row.replaces_id not in by_id:
                break
            row = by_id[row.replaces_id]
        return row

    firsts = [row for row in rows if row.replaces_id not in by_id]
    pack = {row.id: i // line.seats_per_unit for i, row in enumerate(firsts)}
    replaced = {row.replaces_id for row in rows if row.replaces_id in by_id}
    mine = pack[first_of_seat(by_id.get(ticket.id, ticket)).id]
    return [row for row in rows if row.id not in replaced and pack[first_of_seat(row).id] == mine]


def pack_price(seats):
    """The face value of the live tickets ``seats`` of one pack: what its holder paid for them."""
    line = seats[0].order_line
    if len(seats) == line.seats_per_unit:
        return line.unit_price_cents  # the whole pack: its price exactly, not N rounded shares
    return sum(face_value(ticket) for ticket in seats)
