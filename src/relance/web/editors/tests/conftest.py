"""Fixtures of the editors' tests: a company with the shipped scenarios and templates, signed-in clients."""

from __future__ import annotations

import pytest
from django.test import Client

from relance.collection.standard import scenarios_install_standard
from relance.core.audit import Actor
from relance.messaging.services import templates_install_defaults


@pytest.fixture
def installed(company):
    """The company with the shipped scenarios (Standard is the default) and templates."""
    actor = Actor.system("test")
    scenarios_install_standard(company=company, actor=actor)
    templates_install_defaults(company=company, actor=actor)
    return company


@pytest.fixture
def login(member):
    """login(company, role) -> a Client signed in as a new member with that role."""

    def make(company, role: str = "credit_manager") -> Client:
        client = Client()
        client.force_login(member(company, role=role))
        return client

    return make


@pytest.fixture
def manager(installed, login) -> Client:
    return login(installed, "credit_manager")


@pytest.fixture
def standard(installed):
    from relance.collection.models import Scenario

    return Scenario.objects.get(company=installed, name="Standard")


@pytest.fixture
def own(standard):
    """An editable copy of Standard."""
    from relance.collection.services.scenarios import scenario_copy

    return scenario_copy(scenario=standard, name="Ours", actor=Actor.system("test"))
