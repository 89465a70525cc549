"""Fault tests get their own stack and web app (they kill and restart servers)."""

from tests.browser.conftest import stack, web  # noqa: F401  (fixtures)
