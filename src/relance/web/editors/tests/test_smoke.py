import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_pages_render(manager, standard, own):
    for url in [
        reverse("editors:scenarios"),
        reverse("editors:scenario", args=[standard.pk]),
        reverse("editors:scenario", args=[own.pk]) + "?add=1",
        reverse("editors:templates"),
        reverse("editors:template", args=["email", "preventive"]),
    ]:
        response = manager.get(url)
        assert response.status_code == 200, url
