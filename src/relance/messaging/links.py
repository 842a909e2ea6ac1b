"""Signed, expiring, revocable links to a customer's interactive page and documents.

    link, token = issue_link(customer=c, contact=k, days=60, reference="action:12")
    urls = link_urls(token)                     # page, pay, statement PDF/Excel, invoice PDFs
    link = resolve(token)                       # LinkError: invalid, expired or revoked
    revoke_links(customer=c, actor=actor)       # every live link of the customer

The token is the link row's random key (192 bits) signed with the site's secret (Django's
signing, its own salt): a guessed or altered token fails the signature before any database
look-up; the row then says whether the link has expired or was revoked. The portal serves the
URLs; messaging only makes them.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from urllib.parse import quote

from django.conf import settings
from django.core import signing
from django.db import connections
from django.urls import get_script_prefix
from django.utils import timezone

from relance.core.audit import Actor, record
from relance.core.errors import RelanceError
from relance.core.sqlrows import model_plan
from relance.ledger.models import Company, Contact, Customer
from relance.messaging.models import AccessLink

SALT = "relance.messaging.access-link"


class LinkError(RelanceError):
    code = "messaging.link.invalid"

    def __init__(self, reason: str, link: AccessLink | None = None) -> None:
        super().__init__(f"link {reason}")
        self.reason = reason  # invalid, expired, revoked
        self.link = link


def _signer() -> signing.Signer:
    return signing.Signer(salt=SALT)


def token_for(link: AccessLink) -> str:
    return _signer().sign(link.key)


def new_link(
    *,
    customer: Customer,
    contact: Contact | None = None,
    days: int = 60,
    reference: str = "",
    now: dt.datetime | None = None,
) -> AccessLink:
    """An unsaved link row (callers bulk-create them); see `issue_link`."""
    now = now or timezone.now()
    return AccessLink(
        company_id=customer.company_id,
        customer=customer,
        contact=contact,
        key=secrets.token_urlsafe(24),
        expires_at=now + dt.timedelta(days=days),
        reference=reference[:60],
    )


def issue_link(
    *, customer: Customer, contact: Contact | None = None, days: int = 60, reference: str = ""
) -> tuple[AccessLink, str]:
    link = new_link(customer=customer, contact=contact, days=days, reference=reference)
    link.save()
    return link, token_for(link)


def resolve(token: str, *, now: dt.datetime | None = None) -> AccessLink:
    try:
        key = _signer().unsign(token)
    except signing.BadSignature:
        raise LinkError("invalid") from None
    link = _link_by_key(key)
    if link is None:
        raise LinkError("invalid")
    if link.revoked_at is not None:
        raise LinkError("revoked", link)
    if link.expires_at <= (now or timezone.now()):
        raise LinkError("expired", link)
    return link


def _link_by_key(key: str) -> AccessLink | None:
    """The link row with its customer, company and contact, in one plain SQL query (what
    `select_related("customer", "contact", "company")` reads, without building the ORM query)."""
    link_plan, customer_plan = model_plan(AccessLink, "l"), model_plan(Customer, "cu")
    company_plan, contact_plan = model_plan(Company, "co"), model_plan(Contact, "ct")
    quote = connections[link_plan.db].ops.quote_name
    sql = (
        f"SELECT {link_plan.columns}, {customer_plan.columns}, {company_plan.columns}, {contact_plan.columns} "  # noqa: S608 - names from the models
        f"FROM {quote(AccessLink._meta.db_table)} l "
        f"INNER JOIN {quote(Customer._meta.db_table)} cu ON cu.id = l.customer_id "
        f"INNER JOIN {quote(Company._meta.db_table)} co ON co.id = l.company_id "
        f"LEFT OUTER JOIN {quote(Contact._meta.db_table)} ct ON ct.id = l.contact_id "
        f"WHERE l.{quote('key')} = %s"
    )
    with connections[link_plan.db].cursor() as cursor:
        cursor.execute(sql, [key])
        row = cursor.fetchone()
    if row is None:
        return None
    start = 0
    parts = []
    for plan in (link_plan, customer_plan, company_plan, contact_plan):
        parts.append(row[start : start + plan.width])
        start += plan.width
    link = link_plan.load(parts[0])
    link.customer = customer_plan.load(parts[1])
    link.company = company_plan.load(parts[2])
    link.contact = contact_plan.load(parts[3]) if link.contact_id is not None else None
    return link  # type: ignore[no-any-return]


def revoke_links(*, customer: Customer, actor: Actor) -> int:
    count = AccessLink.objects.filter(customer=customer, revoked_at__isnull=True).update(
        revoked_at=timezone.now(), revoked_by=actor.label[:200]
    )
    if count:
        record(
            actor=actor,
            code="messaging.link.revoked",
            company=customer.company,
            customer=customer,
            data={"links": count},
        )
    return count


def base_url() -> str:
    return str(getattr(settings, "RELANCE_BASE_URL", "http://127.0.0.1:8000")).rstrip("/")


@dataclass(frozen=True, slots=True)
class LinkUrls:
    token: str
    page: str
    pay: str
    statement_pdf: str
    statement_xlsx: str
    _invoice_prefix: str

    def invoice_pdf(self, invoice_id: int) -> str:
        return f"{self._invoice_prefix}{invoice_id}.pdf"


# The customer's links, as written into e-mails that stay in mailboxes for months: a contract that
# outlives any release, so the shapes live here and the portal's URLconf serves exactly these
# (`portal/urls.py` builds its routes from them; a test resolves every one). Building a link is a
# string substitution: no URL resolver, so composing e-mails does not import the web interface.
PAGE = "p/{token}/"
PAY = "p/{token}/pay/"
STATEMENT_PDF = "p/{token}/statement.pdf"
STATEMENT_XLSX = "p/{token}/statement.xlsx"
INVOICE_PDF = "p/{token}/invoices/{invoice_id}.pdf"
COLLEAGUE = "c/{token}/"


def route(shape: str) -> str:
    """The URLconf route of a link shape: `p/{token}/` -> `p/<str:token>/`."""
    return shape.replace("{token}", "<str:token>").replace("{invoice_id}", "<int:invoice_id>")


def portal_url(shape: str, token: str) -> str:
    """The absolute URL of a link shape (`PAGE`, `COLLEAGUE`...) for a token: the site's address,
    the script prefix ("/", or FORCE_SCRIPT_NAME when Relance is mounted below a path), the shape."""
    return base_url() + get_script_prefix() + shape.replace("{token}", quote(token, safe=":-_"))


def link_urls(token: str) -> LinkUrls:
    return LinkUrls(
        token=token,
        page=portal_url(PAGE, token),
        pay=portal_url(PAY, token),
        statement_pdf=portal_url(STATEMENT_PDF, token),
        statement_xlsx=portal_url(STATEMENT_XLSX, token),
        _invoice_prefix=portal_url(INVOICE_PDF, token).removesuffix("{invoice_id}.pdf"),
    )
