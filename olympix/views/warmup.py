"""deform's templates compiled at start-up, before any request is served.

Chameleon compiles a template the first time it renders it. On a threaded
server the first requests then compile the same templates at once, which
hit a CPython 3.11.7 error right after start (issue 15.7); compiled here,
once per process, every thread finds them ready. (gunicorn's sync workers
each compile their own, after the fork.)
"""
import glob
import logging
import os

import deform
from pyramid.events import ApplicationCreated, subscriber

log = logging.getLogger(__name__)


def deform_templates():
    """The file names of deform's own widget templates."""
    folder = os.path.join(os.path.dirname(deform.__file__), "templates")
    return sorted(os.path.relpath(path, folder) for path in glob.glob(os.path.join(folder, "**", "*.pt"),
                                                                         recursive=True))


def compile_deform_templates(renderer=None):
    """Load and compile every deform template with the renderer forms use; returns how many."""
    renderer = renderer or deform.Form.default_renderer
    count = 0
    for name in deform_templates():
        template = renderer.load(name)
        template.cook_check()
        count += 1
    return count


@subscriber(ApplicationCreated)
def warm_up(event):
    log.debug("%d deform templates compiled", compile_deform_templates())
