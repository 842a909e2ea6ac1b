"""Helpers of the browser tests (Playwright in real Chromium)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from django.conf import settings
from django.test import Client

DOCS = Path(__file__).resolve().parent.parent / "docs" / "screenshots"


def screenshot(page, name: str, artefacts: Path) -> None:  # type: ignore[no-untyped-def]
    """A full-page screenshot kept with the test artefacts; with RELANCE_SAVE_SCREENSHOTS=1 it also
    replaces docs/screenshots/<name> (the pictures of the README)."""
    path = artefacts / name
    page.screenshot(path=str(path), full_page=True)
    if os.environ.get("RELANCE_SAVE_SCREENSHOTS"):
        DOCS.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, DOCS / name)


def use_session_of(page, live_server, user) -> None:  # type: ignore[no-untyped-def]
    """The browser is signed in as `user` (a session made by Django's test client, its cookie
    given to the browser): for tests whose subject is not the sign-in form itself."""
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}])
