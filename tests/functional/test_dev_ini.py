"""The newcomer's `./run serve` shows the product; the toolbar has an ini of its own."""
import os

import deform
import pytest
import webtest
from pyramid.paster import get_appsettings

from olympix import main

ROOT = os.path.join(os.path.dirname(__file__), "..", "..")
TOOLBAR_MARK = "pDebugToolbarHandle"


def home_page(ini_name, app_settings):
    settings = dict(get_appsettings(os.path.join(ROOT, ini_name)))
    # The ini's own values, on this run's database and fake backends.
    settings.update(app_settings)
    settings.pop("pyramid.includes", None)
    includes = get_appsettings(os.path.join(ROOT, ini_name)).get("pyramid.includes")
    if includes:
        settings["pyramid.includes"] = includes
    app = webtest.TestApp(main({}, **settings),
                          extra_environ={"HTTP_HOST": "localhost", "REMOTE_ADDR": "127.0.0.1"})
    return app.get("/").text


def test_the_served_demo_has_no_debug_toolbar(app_settings, testapp):
    assert TOOLBAR_MARK not in home_page("development.ini", app_settings)


def test_the_debug_ini_keeps_the_toolbar_for_development(app_settings, testapp):
    pytest.importorskip("pyramid_debugtoolbar")
    assert TOOLBAR_MARK in home_page("development-debug.ini", app_settings)


def deform_reloads():
    return deform.Form.default_renderer.loader.kwargs["auto_reload"]


def test_deform_rereads_its_templates_only_where_pyramid_does(app_settings, testapp):
    home_page("development.ini", app_settings)  # pyramid.reload_templates = true
    assert deform_reloads() is True
    settings = dict(app_settings, **{"pyramid.reload_templates": "false"})
    main({}, **settings)
    assert deform_reloads() is False  # production: no file stat per render
