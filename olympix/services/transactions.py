"""Side effects that follow the request's transaction."""
import logging

log = logging.getLogger(__name__)


def after_commit(request, callback):
    """Run ``callback()`` only once ``request.tm`` has committed.

    A failure of the callback (an SMS gateway down) is logged: the data is
    committed already and the person can ask for the message again.
    """

    def hook(committed):
        if not committed:
            return
        try:
            callback()
        except Exception:
            log.exception("after-commit side effect failed")

    request.tm.get().addAfterCommitHook(hook)
