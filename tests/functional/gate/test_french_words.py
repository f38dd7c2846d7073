"""The gate's words in French: the serial reader's "(Acheté par …)", the ticket history's reasons."""
from olympix.models import Ticket
from olympix.scripts.gate import GateReader
from olympix.services import tickets as ticket_service
from tests.functional.helpers import in_request


def test_the_serial_reader_says_who_bought_in_the_readers_language(app, world, agent_app):
    _testapp, agent_id = agent_app
    lines = []
    reader = GateReader(app.registry, world.gates["a1"], agent_id, out=lines.append)
    reader.on_code(world.gates["a1"], world.mint(attendee=("Marie", "Dupont"))[2])
    assert lines[-1].startswith("ADMIT  Marie Dupont (Acheté par Ada Lovelace)"), lines


def test_the_ticket_history_gives_its_reasons_in_french(app, world, agent_app):
    testapp, _agent_id = agent_app
    ticket_id, serial, _code = world.mint(attendee=("Marie", "Dupont"))
    in_request(app, lambda request: ticket_service.reissue(
        request, request.dbsession.get(Ticket, ticket_id), first_name="Grace", last_name="Hopper",
        actor_id=None, reason="transfer"))
    page = testapp.get("/gate/@@ticket", {"q": str(serial)})
    history = page.html.select_one("ol, ul.history, .ticket-history") or page.html
    text = " ".join(history.get_text(" ").split())
    assert "nouveau nom du titulaire" in text and "(transfer)" not in text, text
