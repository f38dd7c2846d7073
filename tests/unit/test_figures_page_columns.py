"""The figures page shows a per-kind table with only the kinds seen in the period (the CSV has all)."""
from datetime import date

from olympix.services import figures
from olympix.views.backoffice import _page_specs


def test_only_the_kinds_seen_are_columns_of_the_page():
    spec = figures.TABLES["anomalies_per_day"]
    kinds = [c.key for c in spec.columns if c.key not in ("day", "total")]
    row = dict({k: 0 for k in kinds}, day=date(2026, 12, 1), total=3)
    row["screenshot"] = 3
    tables = {name: [] for name in figures.TABLES}
    tables["anomalies_per_day"] = [row, dict(row, screenshot=0, total=0)]
    shown = [c.key for c in _page_specs(tables)["anomalies_per_day"].columns]
    assert shown == ["day", "screenshot", "total"]
    assert len(spec.columns) == len(kinds) + 2  # the table itself (and its CSV) keeps every kind


def test_a_period_without_anomalies_keeps_day_and_total():
    tables = {name: [] for name in figures.TABLES}
    assert [c.key for c in _page_specs(tables)["anomalies_per_day"].columns] == ["day", "total"]
