"""Waiting for a condition in the page without ``eval``.

The pages' Content-Security-Policy forbids evaluating strings as script
(no 'unsafe-eval'), which is how Playwright's ``wait_for_function`` polls a
predicate inside the page. ``page.evaluate`` goes through the DevTools
protocol, which the policy does not govern: poll it from here, bounded in
time.
"""
import time

from playwright.sync_api import Error as PlaywrightError


def wait_until(page, expression, timeout=30000, interval=0.05):
    """Wait until the JavaScript ``expression`` is truthy in ``page``; return its value."""
    deadline = time.monotonic() + timeout / 1000
    while True:
        try:
            value = page.evaluate(expression)
        except PlaywrightError as exc:  # the page is navigating: ask the next one
            if "context was destroyed" not in str(exc) and "navigat" not in str(exc):
                raise
            value = None
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"still false after {timeout} ms: {expression}")
        time.sleep(interval)
