"""The links written into e-mails are served here: every shape in messaging.links resolves to its view.

E-mails stay in mailboxes for months, so these URLs are a contract: messaging builds them by string
substitution (no URL resolver while composing), and this test fails the day a route drifts from it.
"""

from __future__ import annotations

from django.urls import resolve, reverse

from relance.messaging import links
from relance.portal import payment_views, views

TOKEN = "AbC_-12:xyz"


def _path(url: str) -> str:
    assert url.startswith(links.base_url() + "/")
    return url.removeprefix(links.base_url())


def test_every_link_an_email_carries_resolves_to_the_portal_view_with_its_token():
    urls = links.link_urls(TOKEN)
    expected = {
        urls.page: (views.page, "portal:page", {}),
        urls.pay: (payment_views.pay, "portal:pay", {}),
        urls.statement_pdf: (views.statement_pdf, "portal:statement_pdf", {}),
        urls.statement_xlsx: (views.statement_xlsx, "portal:statement_xlsx", {}),
        urls.invoice_pdf(4711): (views.invoice_pdf, "portal:invoice_pdf", {"invoice_id": 4711}),
    }
    for url, (view, name, extra) in expected.items():
        match = resolve(_path(url))
        assert match.func is view, url
        assert match.view_name == name
        assert match.kwargs == {"token": TOKEN, **extra}
        assert reverse(name, kwargs=match.kwargs) == _path(url)


def test_the_colleague_link_resolves_to_the_colleague_view():
    path = "/" + links.COLLEAGUE.replace("{token}", TOKEN)
    assert resolve(path).func is views.colleague
    assert reverse("portal:colleague", args=[TOKEN]) == path


def test_a_token_with_characters_outside_the_url_alphabet_is_quoted():
    urls = links.link_urls("a/b?c")
    assert urls.page.endswith("/p/a%2Fb%3Fc/")
    assert urls.invoice_pdf(1).endswith("/p/a%2Fb%3Fc/invoices/1.pdf")


def test_links_carry_the_script_prefix_when_relance_is_mounted_below_a_path():
    from django.urls import set_script_prefix

    set_script_prefix("/relance/")
    try:
        urls = links.link_urls(TOKEN)
        assert urls.page == f"{links.base_url()}/relance/p/{TOKEN}/"
        assert urls.invoice_pdf(7) == f"{links.base_url()}/relance/p/{TOKEN}/invoices/7.pdf"
        assert reverse("portal:page", args=[TOKEN]) == f"/relance/p/{TOKEN}/"
    finally:
        set_script_prefix("/")
