"""Waiting for the page without `page.wait_for_function`.

Playwright's wait_for_function compiles its predicate with eval inside the
page, which olympix's Content-Security-Policy refuses (no 'unsafe-eval'):
poll `page.evaluate` from here instead (evaluated by the browser's debugger
protocol, outside the page's policy), bounded in time.
"""
import time

from playwright.sync_api import Error as PlaywrightError


def wait_for(page, expression, timeout=5000, interval=0.05):
    """Wait until ``expression`` (JavaScript) is truthy in the page; its value."""
    deadline = time.monotonic() + timeout / 1000
    last_error = None
    while True:
        try:
            value = page.evaluate(expression)
        except PlaywrightError as error:
            # The page is navigating, or not there yet (an element still
            # missing): false for now, as wait_for_function counts it.
            value, last_error = None, error
        if value:
            return value
        if time.monotonic() >= deadline:
            raise TimeoutError(f"after {timeout} ms, still false in the page: {expression}"
                               + (f" (last error: {last_error})" if last_error else ""))
        time.sleep(interval)
