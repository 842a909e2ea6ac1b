"""Sending the outbox to a real SMTP server (aiosmtpd on loopback): once, in order, with retries.

`SmtpServer` is shared with the other test_sending_*.py files.
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import html
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
import time_machine
from aiosmtpd.controller import Controller
from django.core.management import call_command
from django.utils import timezone

from relance.core.models import AuditEvent
from relance.ledger.models import Contact
from relance.messaging.models import OutboxAttachment, OutboxMessage, OutboxStatus
from relance.messaging.sending import (
    OutboxError,
    backoff,
    outbox_retry,
    recover_stale,
    send_outbox,
)
from relance.messaging.signals import message_failed, message_sent
from tests.factories import CustomerFactory

# --- a real SMTP server -------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    content: bytes

    @property
    def message(self) -> email.message.EmailMessage:
        return email.message_from_bytes(self.content, policy=email.policy.default)  # type: ignore[return-value]

    @property
    def message_id(self) -> str:
        return str(self.message["Message-ID"])


@dataclass
class Handler:
    """Stores what it receives. `rcpt_replies[address]` / `data_reply` answer instead of 250; hooks run first."""

    received: list[Received] = field(default_factory=list)
    rcpt_replies: dict[str, str] = field(default_factory=dict)
    data_replies: list[str] = field(default_factory=list)  # consumed one per DATA, then 250
    on_rcpt: Callable[[int, str], None] | None = None  # (number of RCPT seen, address)
    on_data: Callable[[int, Received], None] | None = None  # (number of messages stored, message)
    rcpt_count: int = 0
    pipelining: bool = False  # offer PIPELINING (RFC 2920), as every MTA does
    buffered_at_rcpt: list[bytes] = field(default_factory=list)
    connections: int = 0  # EHLOs: one per SMTP session
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        session.host_name = hostname
        self.connections += 1
        if self.pipelining:
            responses.insert(-1, "250-PIPELINING")
        return responses

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        # What the client had already written when this RCPT is handled (asyncio's reader buffer).
        self.buffered_at_rcpt.append(bytes(server._reader._buffer))
        with self.lock:
            self.rcpt_count += 1
            count = self.rcpt_count
        if self.on_rcpt is not None:
            self.on_rcpt(count, address)
        reply = self.rcpt_replies.get(address)
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.data_replies:
            return self.data_replies.pop(0)
        item = Received(envelope.mail_from, list(envelope.rcpt_tos), bytes(envelope.original_content))
        with self.lock:
            self.received.append(item)
            count = len(self.received)
        if self.on_data is not None:
            self.on_data(count, item)
        return "250 Message accepted for delivery"


class SmtpServer:
    def __init__(self, *, pipelining: bool = False) -> None:
        self.handler = Handler(pipelining=pipelining)
        self.port = free_port()
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)

    def __enter__(self) -> SmtpServer:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()

    @property
    def received(self) -> list[Received]:
        return self.handler.received

    def mailer(self) -> dict[str, object]:
        return {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": self.port, "timeout": 10},
        }


@pytest.fixture(params=[False, True], ids=["one-command-at-a-time", "pipelining"])
def smtp(settings, request):
    """Every test runs against a server without and with PIPELINING: the envelope is then sent in one
    write and its replies read together, and every outcome must be the same."""
    with SmtpServer(pipelining=request.param) as server:
        settings.MAILERS = {"default": server.mailer()}
        yield server


@pytest.fixture
def customer(company):
    return CustomerFactory(company=company, code="C-42", name="Dupont & Fils")


@pytest.fixture
def signals():
    seen: list[tuple[str, dict]] = []

    def on_sent(sender, message, **kwargs):
        seen.append(("sent", {"message": message, **kwargs}))

    def on_failed(sender, message, **kwargs):
        seen.append(("failed", {"message": message, **kwargs}))

    message_sent.connect(on_sent, dispatch_uid="test-sent")
    message_failed.connect(on_failed, dispatch_uid="test-failed")
    yield seen
    message_sent.disconnect(dispatch_uid="test-sent")
    message_failed.disconnect(dispatch_uid="test-failed")


_counter = iter(range(1, 10**9))


def queue(company, customer=None, *, to=None, cc=(), bcc=(), contacts=(), attachment=False, **fields) -> OutboxMessage:
    n = next(_counter)
    row = OutboxMessage.objects.create(
        company=company,
        customer=customer,
        reference=f"action:{n}",
        message_id=f"<m{n}.{company.pk}@durand.example>",
        from_email="Atelier Durand <factures@durand.example>",
        to=list(to or [f"Marie Leroy <marie{n}@dupont.example>"]),
        cc=list(cc),
        bcc=list(bcc),
        reply_to="Camille Martin <camille@durand.example>",
        contact_ids=[c.pk for c in contacts],
        subject=f"Relevé de compte n°{n} — échéances",
        text=f"Bonjour,\n.\n.ligne qui commence par un point\nMerci. {n}\n",
        html=f"<p>Bonjour, <b>1 234,56 €</b> {n}</p>",
        headers={"X-Relance-Customer": "C-42"},
        **fields,
    )
    if attachment:
        OutboxAttachment.objects.create(
            message=row, filename="statement.pdf", content=b"%PDF-1.4\n" + bytes(range(256))
        )
    return row


def refresh(row: OutboxMessage) -> OutboxMessage:
    row.refresh_from_db()
    return row


# --- tests -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_queued_messages_arrive_once_whole_and_in_order_over_one_connection(smtp, company, customer, signals):
    rows = [queue(company, customer, attachment=i == 0, cc=["Buyer <buyer@dupont.example>"]) for i in range(5)]
    rows[0].bcc = ["archive@durand.example"]
    rows[0].save()

    report = send_outbox()

    assert (report.claimed, report.sent, report.failed_transient, report.failed_permanent) == (5, 5, 0, 0)
    assert [r.message_id for r in smtp.received] == [r.message_id for r in rows]
    first = smtp.received[0]
    assert first.mail_from == "factures@durand.example"  # envelope sender: the row's from address
    assert first.rcpt_tos == [parse(rows[0].to[0]), "buyer@dupont.example", "archive@durand.example"]
    message = first.message
    assert message["Subject"] == rows[0].subject
    assert "archive" not in str(message)  # a blind copy is not in the headers
    assert message["Reply-To"] == "Camille Martin <camille@durand.example>"
    assert message["X-Relance-Customer"] == "C-42"
    assert message.get_body(("plain",)).get_content().splitlines()[1:3] == [".", ".ligne qui commence par un point"]
    assert "1 234,56 €" in html.unescape(message.get_body(("html",)).get_content())  # as a mail client shows it
    [pdf] = list(message.iter_attachments())
    assert pdf.get_filename() == "statement.pdf"
    assert pdf.get_content().startswith(b"%PDF-1.4")
    for row in rows:
        row = refresh(row)
        assert (row.status, row.phase, row.unconfirmed) == (OutboxStatus.SENT, "", False)
        assert row.sent_at is not None
        assert row.attempts == 0
    assert [kind for kind, _ in signals] == ["sent"] * 5
    assert signals[0][1]["message"].status == OutboxStatus.SENT
    events = AuditEvent.objects.filter(code="messaging.email.sent").order_by("id")
    assert events.count() == 5
    assert events[0].customer_id == customer.pk
    assert events[0].data["message_id"] == rows[0].message_id
    assert send_outbox().claimed == 0  # nothing twice


def parse(address: str) -> str:
    return address.rpartition("<")[2].rstrip(">")


@pytest.mark.django_db
def test_not_before_next_attempt_limit_and_company_filter(smtp, company, other_company, customer):
    later = queue(company, customer, not_before=timezone.now() + dt.timedelta(hours=2))
    waiting = queue(company, customer, status=OutboxStatus.FAILED_TRANSIENT, attempts=1,
                    next_attempt_at=timezone.now() + dt.timedelta(minutes=5))  # fmt: skip
    cancelled = queue(company, customer, status=OutboxStatus.CANCELLED)
    due = [queue(company, customer) for _ in range(3)]
    foreign = queue(other_company)

    assert send_outbox(limit=2, company=company).sent == 2
    assert send_outbox(company=company).sent == 1
    assert [r.message_id for r in smtp.received] == [r.message_id for r in due]
    assert refresh(foreign).status == OutboxStatus.QUEUED
    assert refresh(later).status == OutboxStatus.QUEUED
    assert refresh(cancelled).status == OutboxStatus.CANCELLED
    with time_machine.travel(timezone.now() + dt.timedelta(hours=3)):
        assert send_outbox(ids=[waiting.pk]).sent == 1
        assert send_outbox().sent == 2
    assert refresh(waiting).status == OutboxStatus.SENT


@pytest.mark.django_db
def test_a_4xx_is_retried_with_back_off_then_sent_once(smtp, company, customer, signals):
    row = queue(company, customer)
    smtp.handler.data_replies = ["451 4.3.0 try again later", "452 4.3.1 still busy"]
    start = timezone.now()

    with time_machine.travel(start, tick=False):
        report = send_outbox()
    assert (report.sent, report.failed_transient) == (0, 1)
    row = refresh(row)
    assert (row.status, row.attempts) == (OutboxStatus.FAILED_TRANSIENT, 1)
    assert row.next_attempt_at == start + dt.timedelta(minutes=1)
    assert "451" in row.last_error
    assert row.events[-1]["event"] == "deferred"
    assert signals[-1][0] == "failed"
    assert signals[-1][1]["permanent"] is False

    with time_machine.travel(start + dt.timedelta(seconds=30), tick=False):
        assert send_outbox().claimed == 0  # not before its time
    with time_machine.travel(start + dt.timedelta(minutes=1), tick=False):
        send_outbox()
    row = refresh(row)
    assert (row.status, row.attempts) == (OutboxStatus.FAILED_TRANSIENT, 2)
    assert row.next_attempt_at == start + dt.timedelta(minutes=6)
    with time_machine.travel(start + dt.timedelta(minutes=6), tick=False):
        assert send_outbox().sent == 1
    assert refresh(row).status == OutboxStatus.SENT
    assert [r.message_id for r in smtp.received] == [row.message_id]


def test_back_off_schedule_and_its_setting(settings):
    assert [backoff(n) for n in (1, 2, 3, 4, 5, 6)] == [dt.timedelta(minutes=m) for m in (1, 5, 15, 60, 240, 240)]
    settings.RELANCE_OUTBOX_BACKOFF_MINUTES = [2, 3]
    assert [backoff(n).total_seconds() for n in (1, 2, 3)] == [120, 180, 180]


@pytest.mark.django_db
def test_transient_errors_become_permanent_after_the_last_attempt(smtp, company, customer, settings, signals):
    settings.RELANCE_OUTBOX_MAX_ATTEMPTS = 2
    row = queue(company, customer)
    smtp.handler.data_replies = ["421 4.4.2 closing", "450 4.2.0 mailbox busy"]
    send_outbox()
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=2)):
        send_outbox()
    row = refresh(row)
    assert (row.status, row.attempts) == (OutboxStatus.FAILED_PERMANENT, 2)
    assert "gave up after 2 attempts" in row.last_error
    assert signals[-1][1]["permanent"] is True
    assert smtp.received == []


@pytest.mark.django_db
def test_a_refused_address_fails_permanently_marks_the_contact_and_signals(smtp, company, customer, signals):
    contact = Contact.objects.create(company=company, customer=customer, name="Marie", email="Marie@Dupont.example")
    other = Contact.objects.create(company=company, customer=customer, name="Paul", email="paul@dupont.example")
    smtp.handler.rcpt_replies["marie@dupont.example"] = "550 5.1.1 <marie@dupont.example>: no such user"
    row = queue(company, customer, to=["Marie <marie@dupont.example>"], contacts=[contact, other])
    ok = queue(company, customer)

    report = send_outbox()

    assert (report.sent, report.failed_permanent) == (1, 1)
    row = refresh(row)
    assert row.status == OutboxStatus.FAILED_PERMANENT
    assert "550 5.1.1" in row.last_error
    contact.refresh_from_db()
    other.refresh_from_db()
    assert contact.email_failed_at is not None
    assert "no such user" in contact.email_failed_reason
    assert other.email_failed_at is None
    [(_kind, data)] = [s for s in signals if s[0] == "failed"]
    assert data["permanent"] is True
    assert data["addresses"] == ["marie@dupont.example"]
    assert data["message"].pk == row.pk
    assert AuditEvent.objects.filter(code="messaging.email.failed", object_id=str(row.pk)).count() == 1
    assert [r.message_id for r in smtp.received] == [ok.message_id]  # the connection went on after RSET


@pytest.mark.django_db
def test_a_5xx_at_the_end_of_data_fails_permanently_without_blaming_the_address(smtp, company, customer, signals):
    contact = Contact.objects.create(company=company, customer=customer, email="marie@dupont.example")
    row = queue(company, customer, to=["marie@dupont.example"], contacts=[contact])
    smtp.handler.data_replies = ["554 5.7.1 message content rejected"]
    send_outbox()
    row = refresh(row)
    assert row.status == OutboxStatus.FAILED_PERMANENT
    assert "554 5.7.1" in row.last_error
    contact.refresh_from_db()
    assert contact.email_failed_at is None
    assert signals[-1][1]["addresses"] == []


@pytest.mark.django_db
def test_an_invalid_address_is_refused_before_the_server(smtp, company, customer, signals):
    row = queue(company, customer, to=["not an address\r\nBcc: evil@x.example"])
    send_outbox()
    assert refresh(row).status == OutboxStatus.FAILED_PERMANENT
    assert signals[-1][1]["permanent"] is True
    assert smtp.received == []


@pytest.mark.django_db
def test_partial_refusal_sends_to_the_accepted_and_records_the_refused(smtp, company, customer, signals):
    bad = Contact.objects.create(company=company, customer=customer, email="gone@dupont.example")
    good = Contact.objects.create(company=company, customer=customer, email="ap@dupont.example")
    smtp.handler.rcpt_replies["gone@dupont.example"] = "550 5.1.1 user unknown"
    row = queue(company, customer, to=["ap@dupont.example"], cc=["gone@dupont.example"], contacts=[bad, good])

    report = send_outbox()

    assert (report.sent, report.partial) == (1, 1)
    [received] = smtp.received
    assert received.rcpt_tos == ["ap@dupont.example"]
    row = refresh(row)
    assert row.status == OutboxStatus.SENT
    assert "gone@dupont.example: 550 5.1.1" in row.last_error
    assert [(e["event"], e["recipient"]) for e in row.events] == [("refused", "gone@dupont.example")]
    bad.refresh_from_db()
    good.refresh_from_db()
    assert bad.email_failed_at is not None
    assert good.email_failed_at is None
    assert [kind for kind, _ in signals] == ["sent", "failed"]
    assert signals[1][1]["addresses"] == ["gone@dupont.example"]
    assert signals[1][1]["permanent"] is True


@pytest.mark.django_db
def test_a_4xx_for_one_recipient_holds_the_whole_message(smtp, company, customer):
    smtp.handler.rcpt_replies["slow@dupont.example"] = "450 4.2.1 mailbox busy"
    row = queue(company, customer, to=["ap@dupont.example", "slow@dupont.example"])
    send_outbox()
    assert refresh(row).status == OutboxStatus.FAILED_TRANSIENT
    assert smtp.received == []  # nobody has it: it will be sent once, to everyone


@pytest.mark.django_db
def test_with_pipelining_the_envelope_is_one_write_and_a_deferred_recipient_abandons_the_data(
    settings, company, customer
):
    """MAIL, RCPT and DATA leave together when the server offers PIPELINING; when a recipient is then
    deferred the server has already said 354: the connection is closed without the final "." (so
    nobody gets a partial send) and the next message goes over a new connection."""
    with SmtpServer(pipelining=True) as server:
        settings.MAILERS = {"default": server.mailer()}
        server.handler.rcpt_replies["slow@dupont.example"] = "450 4.2.1 mailbox busy"
        held = queue(company, customer, to=["ap@dupont.example", "slow@dupont.example"])
        sent = queue(company, customer, to=["ap@dupont.example"])

        report = send_outbox()

        assert b"DATA\r\n" in server.handler.buffered_at_rcpt[0]  # written before any reply was read
        assert (report.sent, report.failed_transient) == (1, 1)
        assert refresh(held).status == OutboxStatus.FAILED_TRANSIENT
        assert "450 4.2.1" in refresh(held).last_error
        assert [r.message_id for r in server.received] == [sent.message_id]


@pytest.mark.django_db
def test_without_pipelining_each_command_waits_for_its_reply(settings, company, customer):
    with SmtpServer(pipelining=False) as server:
        settings.MAILERS = {"default": server.mailer()}
        queue(company, customer, to=["ap@dupont.example"])
        assert send_outbox().sent == 1
        assert b"DATA" not in server.handler.buffered_at_rcpt[0]


@pytest.mark.django_db
def test_server_down_is_a_transient_error_for_the_batch(settings, company, customer):
    settings.MAILERS = {
        "default": {"BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                    "OPTIONS": {"host": "127.0.0.1", "port": free_port(), "timeout": 2}}
    }  # fmt: skip
    rows = [queue(company, customer) for _ in range(3)]
    report = send_outbox()
    assert report.failed_transient == 3
    assert report.errors
    assert {refresh(r).status for r in rows} == {OutboxStatus.FAILED_TRANSIENT}


@pytest.mark.django_db
def test_a_receiver_that_fails_does_not_undo_the_send(smtp, company, customer):
    def broken(sender, message, **kwargs):
        Contact.objects.create(company=company, customer=customer, email="written@by.receiver")
        raise RuntimeError("receiver bug")

    message_sent.connect(broken, dispatch_uid="broken")
    try:
        row = queue(company, customer)
        assert send_outbox().sent == 1
    finally:
        message_sent.disconnect(dispatch_uid="broken")
    assert refresh(row).status == OutboxStatus.SENT
    assert not Contact.objects.filter(email="written@by.receiver").exists()  # its savepoint rolled back


@pytest.mark.django_db
def test_recovery_requeues_claimed_rows_and_keeps_committing_rows_as_sent_unconfirmed(
    smtp, company, customer, settings, signals
):
    now = timezone.now()
    dead = f"{socket.gethostname()}:999999999:dead"  # no such pid
    remote = "other-host:123:abcd"
    claimed = queue(company, customer, status=OutboxStatus.SENDING, phase=OutboxMessage.PHASE_CLAIMED,
                    claimed_by=dead, claimed_at=now)  # fmt: skip
    committing = queue(company, customer, status=OutboxStatus.SENDING, phase=OutboxMessage.PHASE_COMMITTING,
                       claimed_by=dead, claimed_at=now)  # fmt: skip
    other_host = queue(company, customer, status=OutboxStatus.SENDING, phase=OutboxMessage.PHASE_CLAIMED,
                       claimed_by=remote, claimed_at=now)  # fmt: skip

    report = send_outbox()

    assert (report.recovered_requeued, report.recovered_unconfirmed, report.sent) == (1, 1, 1)
    assert [r.message_id for r in smtp.received] == [claimed.message_id]
    committing = refresh(committing)
    assert (committing.status, committing.unconfirmed) == (OutboxStatus.SENT, True)
    assert committing.events[-1]["event"] == "unconfirmed"
    assert refresh(other_host).status == OutboxStatus.SENDING  # another host: wait for the lease
    assert AuditEvent.objects.get(code="messaging.email.sent", object_id=str(committing.pk)).data["unconfirmed"]

    with time_machine.travel(now + dt.timedelta(seconds=settings.RELANCE_OUTBOX_LEASE_SECONDS + 1)):
        report = recover_stale()
    assert report.recovered_requeued == 1
    assert refresh(other_host).status == OutboxStatus.QUEUED


@pytest.mark.django_db
def test_retry_by_hand(company, customer, actor):
    failed = queue(company, customer, status=OutboxStatus.FAILED_PERMANENT, attempts=3, last_error="550")
    assert outbox_retry(message=failed, actor=actor).status == OutboxStatus.QUEUED
    assert refresh(failed).attempts == 0
    sent = queue(company, customer, status=OutboxStatus.SENT, unconfirmed=True, sent_at=timezone.now())
    with pytest.raises(OutboxError, match="unconfirmed"):
        outbox_retry(message=sent, actor=actor)
    row = outbox_retry(message=sent, actor=actor, force=True)
    assert (row.status, row.unconfirmed, row.sent_at) == (OutboxStatus.QUEUED, False, None)
    assert AuditEvent.objects.filter(code="messaging.email.retry").count() == 2


@pytest.mark.django_db
def test_other_backends_get_a_django_message_with_the_same_headers(company, customer, settings, signals):
    from django.core import mail

    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    row = queue(company, customer, attachment=True, bcc=["archive@durand.example"])
    report = send_outbox()
    assert report.sent == 1
    [sent] = mail.outbox
    assert sent.extra_headers["Message-ID"] == row.message_id
    assert sent.bcc == ["archive@durand.example"]
    parsed = email.message_from_bytes(sent.message().as_bytes(), policy=email.policy.default)
    assert parsed["Message-ID"] == row.message_id
    assert parsed["X-Relance-Customer"] == "C-42"
    assert [a.get_filename() for a in parsed.iter_attachments()] == ["statement.pdf"]
    assert refresh(row).status == OutboxStatus.SENT
    assert signals[0][0] == "sent"


@pytest.mark.django_db
def test_anymail_backends_store_the_services_message_id(company, customer, settings):
    settings.MAILERS = {"default": {"BACKEND": "anymail.backends.test.EmailBackend"}}
    row = queue(company, customer)
    assert send_outbox().sent == 1
    row = refresh(row)
    assert row.status == OutboxStatus.SENT
    assert row.provider_id


@pytest.mark.django_db
def test_a_backend_error_is_retried(company, customer, settings):
    settings.MAILERS = {"default": {"BACKEND": "relance.messaging.tests.test_sending.BrokenBackend"}}
    row = queue(company, customer)
    assert send_outbox().failed_transient == 1
    row = refresh(row)
    assert row.status == OutboxStatus.FAILED_TRANSIENT
    assert "ConnectionRefusedError" in row.last_error


class BrokenBackend:
    def __init__(self, **kwargs):
        pass

    def open(self):
        return None

    def close(self):
        return None

    def send_messages(self, messages):
        raise ConnectionRefusedError("service down")


@pytest.mark.django_db
def test_the_command(smtp, company, customer, capsys):
    rows = [queue(company, customer) for _ in range(2)]
    call_command("outbox", "status")
    assert "Queued" in capsys.readouterr().out
    call_command("outbox", "send", "--limit", "1")
    assert "1 sent" in capsys.readouterr().out
    call_command("outbox", "send")
    assert refresh(rows[1]).status == OutboxStatus.SENT
    refresh(rows[0])
    OutboxMessage.objects.filter(pk=rows[0].pk).update(status=OutboxStatus.FAILED_PERMANENT)
    call_command("outbox", "retry", str(rows[0].pk))
    assert "queued again" in capsys.readouterr().out
    assert refresh(rows[0]).status == OutboxStatus.QUEUED


@pytest.mark.django_db
def test_the_task(smtp, company, customer):
    from relance.messaging.tasks import send_outbox_task

    queue(company, customer)
    result = send_outbox_task.enqueue(limit=10, company_id=company.pk)
    assert result.return_value["sent"] == 1


@pytest.mark.django_db
def test_the_claimed_rows_are_what_the_orm_would_load(company, customer):
    """The sender's plain-SQL read of its claimed rows gives the ORM's instances: every field, the
    parts and the attachments (one row without parts at all: its parts read as empty)."""
    from relance.messaging.models import OutboxContent
    from relance.messaging.sending import attachments_of, claim_batch, new_worker_id

    rows = [queue(company, customer, attachment=True, cc=["b@dupont.example"]), queue(company, None)]
    OutboxContent.objects.filter(message=rows[1]).delete()
    worker = new_worker_id()
    claimed = claim_batch(worker=worker, size=10)
    assert [r.pk for r in claimed] == [r.pk for r in rows]
    for row in claimed:
        expected = OutboxMessage.objects.get(pk=row.pk)
        for f in OutboxMessage._meta.concrete_fields:
            assert getattr(row, f.attname) == getattr(expected, f.attname), f.name
        assert (row.text, row.html) == (expected.text, expected.html)
        assert [(a.filename, bytes(a.content)) for a in attachments_of(row)] == [
            (a.filename, bytes(a.content)) for a in expected.attachments.all()
        ]
    assert claimed[0].html.startswith("<p>Bonjour")
    assert len(attachments_of(claimed[0])) == 1
    assert (claimed[1].text, claimed[1].html, attachments_of(claimed[1])) == ("", "", [])


@pytest.mark.django_db
@pytest.mark.parametrize("pipelining", [False, True], ids=["one-command-at-a-time", "pipelining"])
def test_after_a_long_wait_for_more_the_sender_opens_a_new_session(
    settings, company, customer, monkeypatch, pipelining
):
    """A sender waiting beside the composer (`send_outbox(more=...)`) may wait longer than the
    server keeps an idle session: after such a wait it opens a new one, and the next e-mail leaves."""
    from aiosmtpd.controller import Controller

    import relance.messaging.sending as sending

    monkeypatch.setattr(sending, "IDLE_RECONNECT_SECONDS", 0.5)
    server = SmtpServer(pipelining=pipelining)
    server.controller = Controller(server.handler, hostname="127.0.0.1", port=server.port, timeout=1)
    with server:
        settings.MAILERS = {"default": server.mailer()}
        first = queue(company, customer)
        late: list[OutboxMessage] = []

        def more() -> bool:
            if late:
                return False
            time.sleep(1.6)  # longer than the server's idle timeout (1 s)
            late.append(queue(company, customer))
            return True

        report = send_outbox(company=company, more=more)

        assert report.sent == 2
        assert refresh(first).status == OutboxStatus.SENT
        assert refresh(late[0]).status == OutboxStatus.SENT
        assert server.handler.connections == 2
        assert [r.message_id for r in server.received] == [first.message_id, late[0].message_id]
