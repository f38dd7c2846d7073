"""Builders of rows for tests, one module per aggregate.

Each takes a SQLAlchemy session (the ``dbsession`` fixture, or a
``Session(engine)`` of the test's own) and adds rows to it; the caller
commits. Sports and venues are found by slug or made, so several builders
in one test share them.
"""
