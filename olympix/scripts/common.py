"""What sub-commands share: loading the ini, a request in a transaction."""
import contextlib

from pyramid.paster import bootstrap, get_appsettings, setup_logging

from ..security import atrest
from ..settings import SettingsError, parse


class CommandError(Exception):
    """A clear message for the operator; the command exits with status 2."""


def app_settings(ini):
    """The parsed settings of ``ini``; the sealed columns open with its data keys from then on."""
    try:
        settings = parse(get_appsettings(ini))
    except SettingsError as exc:
        raise CommandError(str(exc)) from None
    except FileNotFoundError:
        raise CommandError(f"no such ini file: {ini}") from None
    atrest.install(settings["olympix.data_keys.parsed"])
    return settings


@contextlib.contextmanager
def app_request(ini):
    """A request bound to the application, inside one transaction."""
    app_settings(ini)  # clear errors before bootstrap's traceback
    setup_logging(ini)
    with bootstrap(ini) as env:
        request = env["request"]
        with request.tm:
            yield request
