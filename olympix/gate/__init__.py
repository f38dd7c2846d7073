"""The gate: scanning tickets at the venue's entrances.

A vertical slice above the views: ``scan.py`` decides (the hot path),
``verdicts.py`` says it in words, ``services.py`` and ``tokens.py`` hold the
rules that take the request, ``api.py`` is the devices' JSON API,
``desk.py`` the agents' pages, ``admin.py`` the administrators' gates and
tokens; ``barcode.py`` and ``serial_reader.py`` draw and read the codes.

``includeme`` registers what the gate offers: the barcode drawing (other
areas find it as ``IBarcodeService``), the scan settings parsed once (the
``ScanConfig`` service), the device API, and the "Gate" entry of the main
navigation. The pages' views are found by the application's ``scan()``.
"""
from ..i18n import _
from ..interfaces import IBarcodeService
from ..resources.gate import GateApi
from ..security.permissions import Permission
from . import api
from .barcode import BarcodeService
from .scan import ScanConfig


def includeme(config):
    config.register_service(BarcodeService(), IBarcodeService)
    config.register_service(ScanConfig.from_settings(config.get_settings()), ScanConfig)
    # The devices' contract, in one place: bearer-token devices send no
    # cookie, so the view opts out of the CSRF check and does its own for
    # browser sessions.
    config.add_view(api.scan_view, context=GateApi, name="scans", request_method="POST",
                    permission=Permission.GATE_SCAN, require_csrf=False, renderer="json")
    # Offline gates (offline.py, sync.py): the bundle to judge without the
    # server, and the upload of what was judged meanwhile.
    config.add_view(api.bundle_view, context=GateApi, name="bundle", request_method="GET",
                    permission=Permission.GATE_SCAN, renderer="json")
    config.add_view(api.sync_view, context=GateApi, name="sync", request_method="POST",
                    permission=Permission.GATE_SCAN, require_csrf=False, renderer="json")
    config.add_nav_item("/gate/", _("Gate"), Permission.GATE_SCAN, order=70)
