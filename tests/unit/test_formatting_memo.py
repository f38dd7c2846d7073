"""The formatter remembers what it wrote (issue 11: the catalogue formats the
same prices and dates on every request): the same answers, computed once."""
from datetime import datetime, timezone
from decimal import Decimal
from unittest import mock
from zoneinfo import ZoneInfo

from olympix import formatting
from olympix.formatting import Formatter
from olympix.i18n import make_localizers

LOCALIZERS = make_localizers()
WHEN = datetime(2026, 8, 5, 18, 0, tzinfo=timezone.utc)
TAHITI = ZoneInfo("Pacific/Tahiti")


def fresh(lang):
    """A formatter on a new localizer: a memo of its own."""
    return Formatter(make_localizers()[lang])


def test_remembered_answers_equal_computed_ones():
    for lang in ("fr", "en"):
        memo, plain = Formatter(LOCALIZERS[lang]), fresh(lang)
        for _ in range(2):  # the second round comes from the memo
            assert memo.money(4500) == plain.money(4500)
            assert memo.euros(Decimal("42.50")) == plain.euros(Decimal("42.50"))
            assert memo.count(2000) == plain.count(2000)
            for style in ("long", "short", "numeric", "seconds"):
                assert memo.datetime(WHEN, style) == plain.datetime(WHEN, style)
                assert memo.datetime(WHEN, style, tz=TAHITI, zone=True) == plain.datetime(WHEN, style, TAHITI, True)
            assert memo.time(WHEN, tz=TAHITI, zone=True) == plain.time(WHEN, TAHITI, zone=True)
            assert memo.date(WHEN, "short") == plain.date(WHEN, "short")


def test_each_value_is_formatted_once_per_language():
    fr = fresh("fr")
    with mock.patch.object(formatting, "format_currency", wraps=formatting.format_currency) as spy:
        assert fr.money(4500) == fr.money(4500) == fr.money(4500)
        assert spy.call_count == 1
        fr.money(5000)
        assert spy.call_count == 2
        Formatter(fr.localizer).money(4500)  # the next request, same language: remembered
        assert spy.call_count == 2
        fresh("en").money(4500)  # another language: its own answer
        assert spy.call_count == 3


def test_arguments_are_part_of_the_key():
    fr = fresh("fr")
    assert fr.datetime(WHEN, "long") != fr.datetime(WHEN, "short")
    assert fr.datetime(WHEN) != fr.datetime(WHEN, tz=TAHITI)
    assert fr.datetime(WHEN, tz=TAHITI) != fr.datetime(WHEN, tz=TAHITI, zone=True)
    assert fr.time(WHEN) != fr.time(WHEN, zone=True)


def test_the_memo_is_bounded():
    fr = fresh("fr")
    for cents in range(formatting.MEMO_LIMIT * 2):
        fr.money(cents)
    assert len(fr._memo) <= formatting.MEMO_LIMIT
    assert fr.money(12345) == fresh("fr").money(12345)


def test_the_localizer_remembers_plain_translations_and_still_fills_values():
    from olympix.i18n import _, _p

    fr = make_localizers()["fr"]
    with mock.patch.object(type(fr).__mro__[1], "translate", autospec=True,
                           side_effect=type(fr).__mro__[1].translate) as spy:
        first = fr.translate("Sold out", domain="olympix")
        assert fr.translate("Sold out", domain="olympix") == first and spy.call_count == 1
        assert first != "Sold out"  # translated, not echoed
    # Values to fill are never remembered: each call fills its own.
    assert fr.translate(_("Only ${count} seats left", mapping={"count": "3"})) != \
        fr.translate(_("Only ${count} seats left", mapping={"count": "4"}))
    # A message with a context is its own key (one French word, two genders).
    order, ticket = fr.translate(_p("order", "Cancelled")), fr.translate(_p("ticket", "Cancelled"))
    assert (order, ticket) == ("Annulée", "Annulé")
    assert fr.translate(_p("order", "Cancelled")) == order and fr.translate(_p("ticket", "Cancelled")) == ticket
