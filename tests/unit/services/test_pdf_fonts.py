"""The PDF's font configuration: one per thread, kept (weasyprint's default leaks one per document)."""
import threading

from weasyprint.text.fonts import FontConfiguration

from olympix.services import ticket_pdf


def test_a_thread_renders_every_pdf_with_one_font_configuration():
    first = ticket_pdf.font_config()
    assert isinstance(first, FontConfiguration)
    assert ticket_pdf.font_config() is first


def test_another_thread_has_its_own():
    here = ticket_pdf.font_config()
    seen = []
    worker = threading.Thread(target=lambda: seen.append(ticket_pdf.font_config()))
    worker.start()
    worker.join()
    assert seen and seen[0] is not here and isinstance(seen[0], FontConfiguration)

