"""Fixtures shared by every test: companies, customers and a helper to write import files."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from relance.core.audit import Actor

SHARED_DATA = Path(__file__).resolve().parent.parent / "shared" / "data"


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    """Files written by a test (promise PDFs, uploads) go to its own temporary folder."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _send_window_open_all_day(request, monkeypatch):
    """The suite runs at any hour. A company's send window (08:00-18:00 by default) holds an e-mail
    composed outside it until the next opening, so a test that sends would pass by day and fail in
    the evening: here the window is open all day, except in tests marked `send_window`, which pin
    the clock and test the window itself."""
    if request.node.get_closest_marker("send_window") is None:
        from relance.collection import messages

        monkeypatch.setattr(messages, "_not_before", lambda company, now: None)


@pytest.fixture
def shared_data() -> Path:
    """../shared/data: skipped when absent, except under CI where it must be there."""
    if not SHARED_DATA.is_dir():
        if os.environ.get("CI"):
            pytest.fail(f"{SHARED_DATA} is missing; CI must run with ../shared beside the project")
        pytest.skip(f"{SHARED_DATA} not found (reference data lives beside the project)")
    return SHARED_DATA


@pytest.fixture
def actor() -> Actor:
    return Actor.system("test")


@pytest.fixture
def company(db):
    from tests.factories import CompanyFactory

    return CompanyFactory(name="Atelier Durand SAS")


@pytest.fixture
def other_company(db):
    from tests.factories import CompanyFactory

    return CompanyFactory(name="Northwind Ltd", country="GB", currency="GBP", timezone="Europe/London", language="en")


@pytest.fixture
def member(db):
    """member(company, role="collector", username=None, sees_all=False) -> a User with that role there.

    Its password is "x-very-long-password"."""
    from relance.accounts.models import User
    from relance.ledger.models import Membership

    counter = iter(range(1, 10_000))

    def make(company, role: str = "collector", username: str | None = None, sees_all: bool = False):
        name = username or f"{role}{next(counter)}"
        user = User.objects.create_user(name, email=f"{name}@example.test", password="x-very-long-password")  # noqa: S106
        Membership.objects.create(user=user, company=company, role=role, sees_all_customers=sees_all)
        return user

    return make


@pytest.fixture
def write_file(tmp_path):
    """write_file("x.csv", text, encoding="utf-8") -> Path of a file written byte for byte."""

    def write(name: str, text: str, encoding: str = "utf-8") -> Path:
        path = tmp_path / name
        path.write_bytes(text.encode(encoding))
        return path

    return write


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Playwright drives Debian's Chromium (never a downloaded browser); skipped when absent, but
    required under CI."""
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is missing; scripts/system-packages installs it")
        pytest.skip("chromium not installed (scripts/system-packages installs it)")
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "1")  # the sync Playwright API runs an event loop
    return {
        **browser_type_launch_args,
        "executable_path": path,
        "args": ["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
    }
