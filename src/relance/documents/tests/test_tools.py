"""The tests' own tool check: skip without poppler/zbar locally, fail under CI."""

from __future__ import annotations

import pytest

from relance.documents.tests import tools


def test_missing_tool_skips_locally(monkeypatch):
    monkeypatch.setattr(tools.shutil, "which", lambda name: None)
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="apt-get install -y zbar-tools"):
        tools.require("zbarimg")


def test_missing_tool_fails_under_ci(monkeypatch):
    monkeypatch.setattr(tools.shutil, "which", lambda name: None)
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match=r"pdftotext is not installed .*poppler-utils.*CI must install it"):
        tools.require("pdftotext")
