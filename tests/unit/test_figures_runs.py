"""The runs that make a burst (services/figures/signals.runs): within a window, each row in one run at most."""
from datetime import datetime, timedelta

from olympix.services.figures.signals import runs

T0 = datetime(2026, 12, 3, 10, 0)


def at_minutes(*minutes):
    return [T0 + timedelta(minutes=m) for m in minutes]


def test_a_run_needs_its_minimum_within_the_window():
    window = timedelta(minutes=10)
    assert runs(at_minutes(0, 5, 10), lambda t: t, window, 3) == [at_minutes(0, 5, 10)]
    assert runs(at_minutes(0, 5, 11), lambda t: t, window, 3) == []


def test_rows_after_a_run_start_a_new_one_and_stragglers_are_skipped():
    rows = at_minutes(0, 1, 2, 3, 30, 50, 51, 52)
    assert runs(rows, lambda t: t, timedelta(minutes=10), 3) == [at_minutes(0, 1, 2, 3), at_minutes(50, 51, 52)]


def test_a_late_start_does_not_hide_a_run():
    # The first row alone, then a run starting at the second.
    assert runs(at_minutes(0, 9, 12, 15), lambda t: t, timedelta(minutes=10), 3) == [at_minutes(9, 12, 15)]
