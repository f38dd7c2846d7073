"""The gate: scanning tickets at the venue's entrances.

``includeme`` registers what the gate offers the other areas (the barcode
drawing service) and, as the area grows, its device API and its services.
"""
from ..interfaces import IBarcodeService
from .barcode import BarcodeService


def includeme(config):
    config.register_service(BarcodeService(), IBarcodeService)
