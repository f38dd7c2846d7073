"""The templates' remembered ``_()`` (views/fragments.py) says what Jinja2's newstyle gettext says."""
import jinja2
import pytest

from olympix.i18n import make_localizers
from olympix.views.fragments import remembered_gettext


class Request:
    def __init__(self, localizer):
        self.localizer = localizer
        self.registry = type("Registry", (), {"settings": {"jinja2.i18n.domain": "olympix"}})()


@pytest.fixture(scope="module")
def localizers():
    return make_localizers()


def render(localizers, source, lang="fr", autoescape=True, **values):
    env = jinja2.Environment(extensions=["jinja2.ext.i18n"], autoescape=autoescape)
    localizer = localizers[lang]
    env.install_gettext_callables(lambda m: localizer.translate(m, domain="olympix"),
                                  lambda s, p, n: localizer.pluralize(s, p, n, domain="olympix"), newstyle=True)
    usual = env.from_string(source).render(request=Request(localizer), **values)
    remembered = [env.from_string(source).render(request=Request(localizer), _=remembered_gettext, **values)
                  for _ in range(2)]  # the second from what the first kept
    assert remembered == [usual, usual]
    return usual


def test_the_same_words_as_jinja2(localizers):
    assert render(localizers, '{{ _("Book") }}') == "Réserver"
    assert render(localizers, '{{ _("Book") }}', lang="en") == "Book"
    assert render(localizers, '{{ _("Sessions found: %(num)s", num=n) }}', n=3) == "Sessions trouvées : 3"
    # Values are escaped, the translation is not; "%%" reads "%" as Jinja2's own gettext does.
    assert render(localizers, '{{ _("Go to the results (%(num)s)", num=n) }}', n="<b>") == \
        "Aller aux résultats (&lt;b&gt;)"
    assert render(localizers, '{{ _("100%% sure") }}') == "100% sure"
    assert render(localizers, '{{ _("<b>%(x)s</b>", x=v) }}', autoescape=False, v="<i>") == "<b><i></b>"
    # Any name can be a value, "message" and "context" too (Jinja2's own takes them all).
    assert render(localizers, '{{ _("%(message)s, %(context)s", message="a", context="b") }}') == "a, b"


def test_without_a_request_jinja2_translates_as_usual(localizers):
    env = jinja2.Environment(extensions=["jinja2.ext.i18n"], autoescape=True)
    env.install_gettext_callables(lambda m: m.upper(), lambda s, p, n: s, newstyle=True)
    assert env.from_string('{{ _("book") }}').render(_=remembered_gettext) == "BOOK"
