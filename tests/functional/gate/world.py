"""TRANSITION: the gate's world moved to ``tests/factories/gate.py``.

Kept only so that ``tests/functional/backoffice/test_access.py`` and
``bench/gate_scan.py`` keep importing it until they import the factory;
then this module goes.
"""
from tests.factories.gate import World, build_world  # noqa: F401
