"""Sending the outbox exactly once: batches over one SMTP connection, a two-phase DATA, recovery.

    report = send_outbox(limit=None, company=None)     # -> SendReport; what `relance outbox send` runs
    recover_stale(now=None)                            # done at the start of every pass
    outbox_retry(message=row, actor=actor, force=False)

The protocol (docs/sending.md has the whole story):

1. **Claim** a batch of due rows (QUEUED, or FAILED_TRANSIENT whose `next_attempt_at` has come;
   `not_before` passed), oldest first, in one short transaction: status SENDING, phase `claimed`,
   `claimed_by` = "host:pid:random". PostgreSQL: `SELECT ... FOR UPDATE SKIP LOCKED`, so two
   workers never take the same rows; SQLite: the transaction is IMMEDIATE (one writer) and the
   UPDATE is conditional on the status, the rows read back by `claimed_by`.
2. Per row, on one SMTP connection: MAIL FROM, RCPT TO (to + cc + bcc), DATA, and the whole
   dot-stuffed message written *without* the final ".". Until that final "." a server must
   discard what it has (RFC 5321, 4.1.1.4): a crash here leaves the row `claimed`, and it is
   sent again later: nobody has received it.
3. **Commit** phase `committing` for the row (the same small transaction also records the
   outcome of the previous row: SENT, the audit event, the signal).
4. Write the final "." and read the reply. 250: the row is SENT (committed with the next row's
   step 3, or at the end of the batch). The crash window between the final "." and that commit
   is the ambiguous moment: the server may have accepted the message. Such a row is found in
   phase `committing` and becomes SENT with `unconfirmed=True`; it is never sent again
   automatically (a collector can resend it by hand: `relance outbox retry ID --force`).

Recovery: a row in SENDING whose worker is dead (same host, `os.kill(pid, 0)` fails or the
process is a zombie) is recovered at the start of the next pass; a row of another host (or of a
pid still alive) after `RELANCE_OUTBOX_LEASE_SECONDS` (600). `claimed` -> QUEUED, `committing` ->
SENT unconfirmed.

Other mail backends (an e-mail service through django-anymail, locmem, console...): the same
claim and phases around one `send_messages([message])` call per row; the call as a whole is the
ambiguous moment.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import re
import secrets
import smtplib
import socket
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, fields
from email.utils import parseaddr
from functools import lru_cache
from typing import Any, cast

from anymail.exceptions import AnymailAPIError, AnymailRecipientsRefused
from anymail.message import AnymailMessage
from django.conf import settings
from django.core.mail import mailers
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.backends.smtp import EmailBackend as SmtpEmailBackend
from django.db import connection, transaction
from django.db.models import (
    Field,
    Model,
    Q,
)
from django.dispatch import Signal
from django.utils import timezone

from relance.core.audit import Actor, record
from relance.core.batch import insert_sql, prepare_rows, preparer
from relance.core.errors import RelanceError
from relance.core.models import AuditEvent
from relance.core.sqlrows import model_plan
from relance.ledger.models import Company, Contact
from relance.messaging.mime import Attachment, Envelope, build_mime
from relance.messaging.models import OutboxAttachment, OutboxContent, OutboxMessage, OutboxStatus
from relance.messaging.signals import message_failed, message_sent

logger = logging.getLogger(__name__)

BATCH_SIZE = 50
# A sender that waited longer than this for more e-mails opens a new SMTP session (servers close
# idle ones: Postfix after 10 s when busy, 300 s otherwise).
IDLE_RECONNECT_SECONDS = 5.0
# PIPELINING (RFC 2920) for envelopes of at most this many commands; a longer one goes a command at
# a time, so that a blocking client never fills the TCP window before reading replies.
PIPELINING_MAX_COMMANDS = 50
DEFAULT_LEASE_SECONDS = 600
DEFAULT_BACKOFF_MINUTES = (1, 5, 15, 60, 240)
DEFAULT_MAX_ATTEMPTS = 6
DUE_STATUSES = (OutboxStatus.QUEUED, OutboxStatus.FAILED_TRANSIENT)

_LEADING_DOT = re.compile(rb"(?m)^\.")
# An ASCII dot-atom address (what nearly every address is); anything else goes through Django's parser.
_PLAIN_ADDRESS = re.compile(
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*@[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?\Z"
)


class OutboxError(RelanceError):
    code = "messaging.outbox"


def lease_seconds() -> int:
    return int(getattr(settings, "RELANCE_OUTBOX_LEASE_SECONDS", DEFAULT_LEASE_SECONDS))


def max_attempts() -> int:
    return max(1, int(getattr(settings, "RELANCE_OUTBOX_MAX_ATTEMPTS", DEFAULT_MAX_ATTEMPTS)))


def backoff(attempts: int) -> dt.timedelta:
    """The wait after the n-th failed attempt (1-based): 1, 5, 15, 60, 240 minutes, then the last again."""
    minutes: Sequence[float] = getattr(settings, "RELANCE_OUTBOX_BACKOFF_MINUTES", DEFAULT_BACKOFF_MINUTES)
    if not minutes:
        minutes = DEFAULT_BACKOFF_MINUTES
    return dt.timedelta(minutes=float(minutes[min(max(attempts, 1), len(minutes)) - 1]))


@dataclass(slots=True)
class SendReport:
    claimed: int = 0
    sent: int = 0
    unconfirmed: int = 0  # considered sent after a connection loss right after the final "."
    partial: int = 0  # sent, with some recipients refused
    failed_transient: int = 0
    failed_permanent: int = 0
    lost: int = 0  # claims taken over by another worker (lease expired) before the final "."
    recovered_requeued: int = 0
    recovered_unconfirmed: int = 0
    errors: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def summary(self) -> str:
        text = (
            f"{self.sent} sent, {self.failed_transient} to retry, {self.failed_permanent} failed"
            f" ({self.claimed} claimed"
        )
        extras = [
            (self.unconfirmed, "unconfirmed"),
            (self.partial, "with refused recipients"),
            (self.lost, "taken over"),
            (self.recovered_requeued, "recovered and queued again"),
            (self.recovered_unconfirmed, "recovered as sent unconfirmed"),
        ]
        text += "".join(f", {count} {label}" for count, label in extras if count)
        return text + ")"


# --- the worker's identity and the recovery of dead workers' rows -------------------------------


def new_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process
    try:  # a killed process that its parent has not reaped yet still has a pid: a zombie is dead
        with open(f"/proc/{pid}/stat", "rb") as handle:
            state = handle.read().rpartition(b")")[2].split()[:1]
    except OSError:
        return True
    return state != [b"Z"]


def _worker_dead(claimed_by: str, host: str) -> bool:
    parts = claimed_by.split(":")
    if len(parts) < 3 or parts[0] != host or not parts[1].isdigit():
        return False
    pid = int(parts[1])
    return pid != os.getpid() and not _pid_alive(pid)


# --- outcomes: what happened to a row, recorded in the next small transaction ------------------


@dataclass(slots=True)
class _Outcome:
    row: OutboxMessage
    kind: str  # sent | unconfirmed | transient | permanent | release
    reason: str = ""
    addresses: list[str] = field(default_factory=list)  # refused addresses (contacts to mark)
    at: dt.datetime = field(default_factory=timezone.now)
    provider_id: str = ""
    recovered: bool = False


def _event(at: dt.datetime, name: str, detail: str, **extra: Any) -> dict[str, Any]:
    return {"at": at.isoformat(), "event": name, "detail": detail[:1000], **extra}


def _emit(signal: Signal, row: OutboxMessage, **kwargs: Any) -> None:
    """Receivers run in a savepoint: their failure is logged and never undoes the send's outcome."""
    if not signal.has_listeners(OutboxMessage):
        return
    try:
        with transaction.atomic():
            signal.send(sender=OutboxMessage, message=row, **kwargs)
    except Exception:
        logger.exception("a receiver of %s failed for outbox message %s", signal, row.pk)


def mark_contacts_failed(row: OutboxMessage, addresses: Iterable[str], reason: str, at: dt.datetime) -> int:
    """The ledger contacts of the row whose e-mail is one of `addresses` are marked as failing."""
    wanted = {a.strip().lower() for a in addresses if a.strip()}
    if not wanted or not row.contact_ids:
        return 0
    match = Q()
    for address in wanted:
        match |= Q(email__iexact=address)
    return (
        Contact.objects.filter(pk__in=list(row.contact_ids))
        .filter(match)
        .update(email_failed_at=at, email_failed_reason=reason[:300])
    )


def _audit_data(row: OutboxMessage, **extra: Any) -> dict[str, Any]:
    return {"subject": row.subject, "to": list(row.to), "message_id": row.message_id, **extra}


@lru_cache(maxsize=64)
def _update_sql(names: tuple[str, ...], with_phase: bool, vendor: str) -> tuple[str, tuple[Callable[[Any], Any], ...]]:
    """The UPDATE of `_update_claimed` for these columns, and how each value is prepared (once per
    set of columns: this runs twice per e-mail)."""
    meta = OutboxMessage._meta
    quote = connection.ops.quote_name
    columns, preparers = [], []
    for name in names:
        column = cast("Field[Any, Any]", meta.get_field(name))
        columns.append(f"{quote(str(column.column))} = %s")
        preparers.append(preparer(column))
    where = f"{quote('id')} = %s AND {quote('status')} = %s AND {quote('claimed_by')} = %s"
    if with_phase:
        where += f" AND {quote('phase')} = %s"
    sql = f"UPDATE {quote(meta.db_table)} SET {', '.join(columns)} WHERE {where}"  # noqa: S608
    return sql, tuple(preparers)


def _update_claimed(row: OutboxMessage, *, when_phase: str | None = None, **changes: Any) -> bool:
    """UPDATE the row if it is still SENDING under our claim. Plain SQL: this runs once or twice per
    message and the ORM's query building cost as much as the sending itself."""
    sql, preparers = _update_sql(tuple(changes), when_phase is not None, connection.vendor)
    params = [prepare(value) for prepare, value in zip(preparers, changes.values(), strict=True)]
    params += [row.pk, OutboxStatus.SENDING.value, row.claimed_by]
    if when_phase is not None:
        params.append(when_phase)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount == 1


def _insert(instance: Model) -> None:
    """INSERT one row in plain SQL (the values prepared by the fields, as the ORM would)."""
    sql, _fields = insert_sql(type(instance), connection.vendor)
    with connection.cursor() as cursor:
        cursor.execute(sql, prepare_rows([instance])[0])


def _apply(outcome: _Outcome, *, actor: Actor, report: SendReport) -> None:
    """Record one outcome. Runs inside a transaction; conditional on the claim still being ours."""
    row, at = outcome.row, outcome.at
    if outcome.kind == "release":
        if _update_claimed(row, status=OutboxStatus.QUEUED, phase="", claimed_by="", claimed_at=None):
            row.status, row.phase, row.claimed_by, row.claimed_at = OutboxStatus.QUEUED, "", "", None
            if outcome.recovered:
                report.recovered_requeued += 1
        return
    if outcome.kind in ("sent", "unconfirmed"):
        unconfirmed = outcome.kind == "unconfirmed"
        events = list(row.events)
        if unconfirmed:
            events.append(_event(at, "unconfirmed", outcome.reason))
        for address in outcome.addresses:
            events.append(_event(at, "refused", outcome.reason, recipient=address))
        changes: dict[str, Any] = {
            "status": OutboxStatus.SENT,
            "phase": "",
            "sent_at": at,
            "unconfirmed": unconfirmed,
            "events": events,
            "last_error": outcome.reason if outcome.addresses else ("" if not unconfirmed else outcome.reason),
        }
        if outcome.provider_id:
            changes["provider_id"] = outcome.provider_id[:200]
        if not _update_claimed(row, **changes):
            return
        for name, value in changes.items():
            setattr(row, name, value)
        if outcome.recovered:
            report.recovered_unconfirmed += 1
        else:
            report.sent += 1
            report.unconfirmed += unconfirmed
            report.partial += bool(outcome.addresses)
        _insert(
            AuditEvent(
                actor_kind=actor.kind,
                actor_label=actor.label[:200],
                actor_user_id=actor.user.pk if actor.user is not None else None,
                code="messaging.email.sent",
                company_id=row.company_id,
                customer_id=row.customer_id,
                object_type=OutboxMessage._meta.label_lower,
                object_id=str(row.pk),
                data=_audit_data(row, cc=list(row.cc), unconfirmed=unconfirmed, refused=outcome.addresses),
            )
        )  # what core.audit.record() writes, without the ORM's save machinery (once per e-mail sent)
        _emit(message_sent, row)
        if outcome.addresses:
            mark_contacts_failed(row, outcome.addresses, outcome.reason, at)
            _emit(message_failed, row, permanent=True, reason=outcome.reason, addresses=list(outcome.addresses))
        return
    attempts = row.attempts + 1
    permanent = outcome.kind == "permanent" or attempts >= max_attempts()
    reason = outcome.reason
    if outcome.kind == "transient" and permanent:
        reason = f"{reason} (gave up after {attempts} attempts)"
    changes = {
        "status": OutboxStatus.FAILED_PERMANENT if permanent else OutboxStatus.FAILED_TRANSIENT,
        "phase": "",
        "claimed_by": "",
        "claimed_at": None,
        "attempts": min(attempts, 32767),
        "next_attempt_at": None if permanent else at + backoff(attempts),
        "last_error": reason[:2000],
        "events": [*row.events, _event(at, "failed" if permanent else "deferred", reason, attempt=attempts)],
    }
    if not _update_claimed(row, **changes):
        return
    for name, value in changes.items():
        setattr(row, name, value)
    if permanent:
        report.failed_permanent += 1
        mark_contacts_failed(row, outcome.addresses, reason, at)
    else:
        report.failed_transient += 1
    data = _audit_data(row, permanent=permanent, reason=reason[:500], addresses=outcome.addresses, attempts=attempts)
    record(actor=actor, code="messaging.email.failed", company=row.company, customer=row.customer, obj=row, data=data)
    _emit(message_failed, row, permanent=permanent, reason=reason, addresses=list(outcome.addresses))


def recover_stale(
    *, now: dt.datetime | None = None, actor: Actor | None = None, report: SendReport | None = None
) -> SendReport:
    """Rows in SENDING of a dead worker (or past the lease): `claimed` -> QUEUED, `committing` -> SENT unconfirmed."""
    now = now or timezone.now()
    actor = actor or Actor.system("outbox")
    report = report or SendReport()
    host = socket.gethostname()
    limit = now - dt.timedelta(seconds=lease_seconds())
    stale = [
        row
        for row in OutboxMessage.objects.filter(status=OutboxStatus.SENDING).select_related("company", "customer")
        if _worker_dead(row.claimed_by, host) or row.claimed_at is None or row.claimed_at < limit
    ]
    for row in stale:
        if row.phase == OutboxMessage.PHASE_COMMITTING:
            reason = (
                f"the worker {row.claimed_by} stopped after writing the end of the message and before recording "
                "the server's reply: considered sent, never resent automatically"
            )
            outcome = _Outcome(row, "unconfirmed", reason=reason, at=row.claimed_at or now, recovered=True)
        else:
            outcome = _Outcome(row, "release", recovered=True)
        with transaction.atomic():
            _apply(outcome, actor=actor, report=report)
        logger.warning("outbox message %s recovered from %s: %s", row.pk, row.claimed_by or "?", outcome.kind)
    return report


# --- claiming --------------------------------------------------------------------------------


def due_messages(  # type: ignore[no-untyped-def]
    *, now: dt.datetime, company: Company | None = None, ids: Sequence[int] | None = None
):
    queryset = OutboxMessage.objects.filter(status__in=DUE_STATUSES).filter(
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now),
        Q(not_before__isnull=True) | Q(not_before__lte=now),
    )
    if company is not None:
        queryset = queryset.filter(company=company)
    if ids is not None:
        queryset = queryset.filter(pk__in=list(ids))
    return queryset.order_by("created_at", "pk")


def claim_batch(
    *, worker: str, size: int, company: Company | None = None, ids: Sequence[int] | None = None
) -> list[OutboxMessage]:
    now = timezone.now()
    with transaction.atomic():
        selection = due_messages(now=now, company=company, ids=ids)
        if connection.features.has_select_for_update_skip_locked:
            selection = selection.select_for_update(skip_locked=True)
        ids = list(selection.values_list("pk", flat=True)[:size])
        if not ids:
            return []
        OutboxMessage.objects.filter(pk__in=ids, status__in=DUE_STATUSES).update(
            status=OutboxStatus.SENDING, phase=OutboxMessage.PHASE_CLAIMED, claimed_by=worker, claimed_at=now
        )
    return load_claimed(ids, worker)


def load_claimed(ids: Sequence[int], worker: str) -> list[OutboxMessage]:
    """The rows this worker claimed, with their parts and attachments, oldest first.

    Two plain-SQL reads (`core.sqlrows`: the instances the ORM would build, through the same
    converters): the ORM took about 100 µs a row to build this query's instances, a tenth of the
    sender's time per e-mail. The company and customer are not read: only a failure needs them
    (loaded then, lazily)."""
    message, content = model_plan(OutboxMessage, "m"), model_plan(OutboxContent, "c")
    quote = connection.ops.quote_name
    marks = ", ".join(["%s"] * len(ids))
    sql = (
        f"SELECT {message.columns}, {content.columns} FROM {quote(OutboxMessage._meta.db_table)} m "  # noqa: S608
        f"LEFT JOIN {quote(OutboxContent._meta.db_table)} c ON c.{quote('message_id')} = m.{quote('id')} "
        f"WHERE m.{quote('id')} IN ({marks}) AND m.{quote('status')} = %s AND m.{quote('claimed_by')} = %s "
        f"ORDER BY m.{quote('created_at')}, m.{quote('id')}"
    )
    rows: list[OutboxMessage] = []
    with connection.cursor() as cursor:
        cursor.execute(sql, [*ids, OutboxStatus.SENDING.value, worker])
        for values in cursor.fetchall():
            row = message.load(values[: message.width])
            if values[message.width] is not None:  # its parts (a row queued by hand may have none)
                body = content.load(values[message.width :])
                body._state.fields_cache["message"] = row
                row.__dict__["_body"] = body
            row.__dict__["_attachments"] = []
            rows.append(row)
        if rows:
            attachment = model_plan(OutboxAttachment, "a")
            by_id = {row.pk: row for row in rows}
            marks = ", ".join(["%s"] * len(by_id))
            cursor.execute(
                f"SELECT {attachment.columns} FROM {quote(OutboxAttachment._meta.db_table)} a "  # noqa: S608
                f"WHERE a.{quote('message_id')} IN ({marks}) ORDER BY a.{quote('id')}",
                list(by_id),
            )
            for values in cursor.fetchall():
                item = attachment.load(values)
                by_id[item.message_id].__dict__["_attachments"].append(item)
    return rows


def attachments_of(row: OutboxMessage) -> list[OutboxAttachment]:
    """The row's attachments: loaded with the claim, else read now."""
    loaded = row.__dict__.get("_attachments")
    return list(row.attachments.all()) if loaded is None else loaded


# --- building the message ---------------------------------------------------------------------


def envelope_of(row: OutboxMessage) -> Envelope:
    return Envelope(
        from_email=row.from_email,
        to=list(row.to),
        cc=list(row.cc),
        subject=row.subject,
        text=row.text,
        html=row.html,
        reply_to=row.reply_to,
        message_id=row.message_id,
        headers={str(name): str(value) for name, value in (row.headers or {}).items()},
        attachments=[Attachment(a.filename, a.mimetype, bytes(a.content)) for a in attachments_of(row)],
    )


def mime_of(row: OutboxMessage) -> bytes:
    return build_mime(envelope_of(row))


def _reply(code: int, message: bytes | str) -> str:
    text = message.decode("utf-8", "replace") if isinstance(message, bytes) else message
    return f"{code} {' '.join(text.split())}".strip()


# --- the senders --------------------------------------------------------------------------------


class _Sender:
    """The claim, the outcome commits and the `committing` phase; subclasses talk to the server."""

    def __init__(self, *, backend: BaseEmailBackend, actor: Actor, report: SendReport) -> None:
        self.backend = backend
        self.actor = actor
        self.report = report
        self.worker = new_worker_id()
        self.pending: list[_Outcome] = []
        self.atomic: transaction.Atomic | None = None
        self.stopped = False

    def apply_pending(self) -> None:
        """Record the outcomes waiting in the open transaction (opened if needed), without committing.

        The transaction is committed by the next `commit()`, just before the next final ".". Until
        then a row answered 250 is still `committing`: a crash there makes it SENT unconfirmed,
        never sent again. (In the normal flow `commit()` has just applied everything: this records
        only outcomes found between a commit and the server's reply.)
        """
        if not self.pending:
            return
        pending, self.pending = self.pending, []
        if self.atomic is None:
            self.atomic = transaction.atomic()
            self.atomic.__enter__()
        for outcome in pending:
            _apply(outcome, actor=self.actor, report=self.report)

    def commit(self, committing: OutboxMessage | None = None) -> bool:
        """One small transaction: the outcomes waiting, then `committing` for the row about to finish."""
        claimed = True
        try:
            self.apply_pending()
            if committing is not None:
                if self.atomic is None:
                    self.atomic = transaction.atomic()
                    self.atomic.__enter__()
                claimed = _update_claimed(
                    committing, when_phase=OutboxMessage.PHASE_CLAIMED, phase=OutboxMessage.PHASE_COMMITTING
                )
        except BaseException as exc:
            self.rollback(exc)
            raise
        atomic, self.atomic = self.atomic, None
        if atomic is not None:
            atomic.__exit__(None, None, None)
        if committing is not None and claimed:
            committing.phase = OutboxMessage.PHASE_COMMITTING
        return claimed

    def rollback(self, exc: BaseException) -> None:
        """An unexpected error: what the open transaction recorded is undone (the rows stay SENDING and
        are recovered: `committing` ones as SENT unconfirmed, never twice)."""
        atomic, self.atomic = self.atomic, None
        if atomic is not None:
            atomic.__exit__(type(exc), exc, exc.__traceback__)

    def outcome(self, row: OutboxMessage, kind: str, reason: str = "", **kwargs: Any) -> None:
        self.pending.append(_Outcome(row, kind, reason=reason, **kwargs))

    def send_batch(self, rows: list[OutboxMessage]) -> None:
        raise NotImplementedError

    def close(self) -> None:
        try:
            self.commit()
        finally:
            self.close_backend()

    def close_backend(self) -> None:
        try:
            self.backend.close()
        except Exception:  # closing a broken connection must not hide the outcome
            logger.debug("closing the mail backend failed", exc_info=True)


@dataclass(slots=True)
class _Prepared:
    row: OutboxMessage
    sender: str = ""
    recipients: list[str] = field(default_factory=list)
    invalid: list[str] = field(default_factory=list)
    payload: bytes = b""
    error: str = ""


class SmtpSender(_Sender):
    """MAIL, RCPT, DATA written by hand on Django's SMTP connection, to split DATA in two phases."""

    backend: SmtpEmailBackend

    def connection(self) -> smtplib.SMTP:
        conn = self.backend.connection
        if conn is None:
            self.backend.open()
            conn = self.backend.connection
            if conn is None:
                raise smtplib.SMTPConnectError(-1, b"the SMTP backend did not open a connection")
            if conn.sock is not None:
                # The final "." goes alone after a commit: without TCP_NODELAY, Nagle's algorithm holds
                # it until the server's delayed ACK (40 ms on Linux), 25 messages a second at most.
                conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            conn.ehlo_or_helo_if_needed()
        return conn

    def drop(self) -> None:
        """Close the socket without QUIT: in the middle of DATA, QUIT would be message text."""
        conn = self.backend.connection
        self.backend.connection = None
        if conn is not None:
            with contextlib.suppress(OSError):
                conn.close()

    def reset(self, conn: smtplib.SMTP) -> None:
        try:
            conn.rset()
        except OSError:
            self.drop()

    def send_batch(self, rows: list[OutboxMessage]) -> None:
        for index, row in enumerate(rows):
            try:
                conn = self.connection()
            except OSError as exc:  # smtplib's errors are OSErrors too
                self.drop()
                reason = f"cannot connect to the SMTP server {self.backend.host}:{self.backend.port}: {exc}"
                self.report.errors.append(reason)
                for waiting in rows[index:]:
                    self.outcome(waiting, "transient", reason)
                self.stopped = True
                break
            ready = self.ahead if self.ahead is not None and self.ahead.row is row else self.prepare(row)
            self.ahead = None
            self.send_one(conn, ready, rows[index + 1] if index + 1 < len(rows) else None)
        self.commit()

    ahead: _Prepared | None = None

    def address(self, value: str) -> str:
        """The addr-spec of "Name <addr>" or "addr": a fast path for plain ASCII, else Django's checks."""
        if value.isascii() and "\r" not in value and "\n" not in value:
            addr = value[value.rindex("<") + 1 : -1] if value.endswith(">") and "<" in value else value.strip()
            if _PLAIN_ADDRESS.match(addr):
                return addr
        return self.backend.prep_address(value)

    def prepare(self, row: OutboxMessage) -> _Prepared:
        """Addresses checked and the MIME built: done for the next row while the server answers this one."""
        ready = _Prepared(row)
        try:
            ready.sender = self.address(row.from_email)
        except ValueError as exc:
            ready.error = f"invalid sender address: {exc}"
            return ready
        seen: set[str] = set()
        for value in [*row.to, *row.cc, *row.bcc]:
            try:
                address = self.address(value)
            except ValueError:
                ready.invalid.append(parseaddr(value)[1] or value)
                continue
            if address.lower() not in seen:
                seen.add(address.lower())
                ready.recipients.append(address)
        if not ready.recipients:
            ready.error = f"no valid recipient address: {', '.join(ready.invalid)}"
            return ready
        payload = mime_of(row)
        if b"\n." in payload or payload.startswith(b"."):  # a plain search is 20x faster than the regex
            payload = _LEADING_DOT.sub(b"..", payload)
        ready.payload = payload if payload.endswith(b"\r\n") else payload + b"\r\n"
        return ready

    def envelope(self, conn: smtplib.SMTP, ready: _Prepared, payload: bytes) -> list[tuple[int, bytes]]:
        """MAIL FROM and RCPT TO, and their replies. With PIPELINING (RFC 2920; every MTA offers it),
        MAIL, the RCPTs and DATA go in one write and their replies are read together: one round trip
        instead of two plus one per recipient. Without it, the DATA reply is not in the list."""
        size = f" SIZE={len(payload)}" if conn.does_esmtp and conn.has_extn("size") else ""
        commands = [f"MAIL FROM:<{ready.sender}>{size}\r\n", *(f"RCPT TO:<{a}>\r\n" for a in ready.recipients)]
        if conn.does_esmtp and conn.has_extn("pipelining") and len(commands) < PIPELINING_MAX_COMMANDS:
            conn.send("".join(commands) + "DATA\r\n")
            return [conn.getreply() for _ in range(len(commands) + 1)]
        replies = []
        for command in commands:
            conn.send(command)
            replies.append(conn.getreply())
            if replies[0][0] != 250:  # no recipient after a refused sender
                break
        return replies

    def send_one(self, conn: smtplib.SMTP, ready: _Prepared, upcoming: OutboxMessage | None) -> None:
        row, payload = ready.row, ready.payload
        if ready.error:
            self.outcome(row, "permanent", ready.error, addresses=ready.invalid)
            return
        stage = "MAIL FROM"
        refused: dict[str, str] = {address: "invalid address" for address in ready.invalid}
        try:
            stage = "the envelope (MAIL FROM, RCPT TO)"
            replies = self.envelope(conn, ready, payload)
            stage = "MAIL FROM"
            pipelined = len(replies) == len(ready.recipients) + 2
            data_code, data_text = replies[-1] if pipelined else (0, b"")
            code, text = replies[0]
            if code != 250:
                if data_code == 354:  # a pipelined DATA accepted after all: only closing abandons it
                    self.drop()
                self.refused(conn, row, code, text, stage, reset=data_code != 354)
                return
            stage = "RCPT TO"
            deferred: dict[str, str] = {}
            accepted = 0
            for address, (code, text) in zip(ready.recipients, replies[1:], strict=False):
                if code in (250, 251):
                    accepted += 1
                elif code == 421:
                    raise smtplib.SMTPServerDisconnected(_reply(code, text))
                elif 400 <= code < 500:
                    deferred[address] = _reply(code, text)
                else:
                    refused[address] = _reply(code, text)
            if deferred or not accepted:
                if data_code == 354:  # the pipelined DATA was accepted: only closing abandons the message
                    self.drop()
                else:
                    self.reset(conn)
                if deferred:  # nobody has it yet: the whole message waits, so that it is sent once to everyone
                    detail = "; ".join(f"{a}: {r}" for a, r in deferred.items())
                    self.outcome(row, "transient", f"recipient deferred at RCPT TO: {detail}")
                else:
                    detail = "; ".join(f"{a}: {r}" for a, r in refused.items())
                    self.outcome(row, "permanent", f"every recipient refused: {detail}", addresses=list(refused))
                return
            stage = "DATA"
            if not pipelined:
                data_code, data_text = conn.docmd("data")
            if data_code != 354:
                self.refused(conn, row, data_code, data_text, stage)
                return
            conn.send(payload)  # everything but the final "."
        except OSError as exc:
            self.drop()
            self.outcome(row, "transient", f"connection lost at {stage}: {exc}")
            return
        if not self.commit(committing=row):
            # The lease expired and another worker took the row: abandon this DATA unfinished.
            self.drop()
            self.report.lost += 1
            return
        try:
            conn.send(b".\r\n")
            # While the server works on the end of DATA: build the next message.
            self.apply_pending()
            if upcoming is not None:
                self.ahead = self.prepare(upcoming)
            code, text = conn.getreply()
        except OSError as exc:
            self.drop()
            self.outcome(row, "unconfirmed", f"connection lost after the end of DATA, before the reply: {exc}")
            return
        if code == 250:
            reason = "refused recipients: " + "; ".join(f"{a}: {r}" for a, r in refused.items()) if refused else ""
            self.outcome(row, "sent", reason, addresses=list(refused))
        else:
            self.refused(conn, row, code, text, "end of DATA", reset=False)

    def refused(
        self, conn: smtplib.SMTP, row: OutboxMessage, code: int, text: bytes, stage: str, reset: bool = True
    ) -> None:
        reason = f"{stage}: {_reply(code, text)}"
        if code == 421 or code < 0:
            self.drop()
        elif reset:
            self.reset(conn)
        self.outcome(row, "permanent" if code >= 500 else "transient", reason)


class BackendSender(_Sender):
    """Any other Django mail backend: one `send_messages` call per row, the call being the ambiguous moment."""

    def message(self, row: OutboxMessage) -> AnymailMessage:
        message = AnymailMessage(
            subject=row.subject,
            body=row.text,
            from_email=row.from_email,
            to=list(row.to),
            cc=list(row.cc),
            bcc=list(row.bcc),
            reply_to=[row.reply_to] if row.reply_to else [],
            headers={**{str(k): str(v) for k, v in (row.headers or {}).items()}, "Message-ID": row.message_id},
            connection=self.backend,
        )
        if row.html:
            message.attach_alternative(row.html, "text/html")
        for attachment in attachments_of(row):
            message.attach(attachment.filename, bytes(attachment.content), attachment.mimetype)
        message.metadata = {"relance_outbox": str(row.uuid)}  # comes back in e-mail services' webhooks
        return message

    def send_batch(self, rows: list[OutboxMessage]) -> None:
        for row in rows:
            message = self.message(row)
            if not self.commit(committing=row):
                self.report.lost += 1
                continue
            try:
                count = self.backend.send_messages([message])
            except AnymailRecipientsRefused as exc:
                addresses = [parseaddr(a)[1] for a in message.recipients()]
                self.outcome(row, "permanent", f"every recipient refused: {exc}", addresses=addresses)
                continue
            except AnymailAPIError as exc:
                status = getattr(exc, "status_code", None)
                permanent = isinstance(status, int) and 400 <= status < 500 and status not in (408, 429)
                self.outcome(row, "permanent" if permanent else "transient", f"e-mail service: {exc}")
                continue
            except Exception as exc:  # the backend says it did not send: taken at its word, retried later
                self.outcome(row, "transient", f"{type(exc).__name__}: {exc}")
                continue
            if not count:
                self.outcome(row, "transient", "the mail backend reported nothing sent")
                continue
            status = message.anymail_status
            refused = sorted(
                address
                for address, recipient in (status.recipients or {}).items()
                if recipient.status in ("rejected", "invalid")
            )
            ids = status.message_id  # one id, a set of ids (one per recipient), or None
            provider_id = "" if ids is None else str(ids) if not isinstance(ids, set) else str(sorted(ids)[0])
            reason = f"refused recipients: {', '.join(refused)}" if refused else ""
            self.outcome(row, "sent", reason, addresses=refused, provider_id=provider_id or "")


def sender_for(*, actor: Actor, report: SendReport) -> _Sender:
    backend = mailers.default
    if isinstance(backend, SmtpEmailBackend):
        return SmtpSender(backend=backend, actor=actor, report=report)
    return BackendSender(backend=backend, actor=actor, report=report)


# --- services ------------------------------------------------------------------------------------


def send_outbox(
    *,
    limit: int | None = None,
    company: Company | None = None,
    ids: Sequence[int] | None = None,
    batch_size: int = BATCH_SIZE,
    actor: Actor | None = None,
    more: Callable[[], bool] | None = None,
) -> SendReport:
    """Send what is due, batch after batch over one connection, until nothing is due or `limit` rows were claimed.

    `company` and `ids` narrow the selection (`relance send-test` sends its one message with `ids`).
    `more`, for a sender working beside the process that queues the e-mails: called when nothing is
    due, it waits until more may have been queued (True: claim again, on the same connection) or
    the producer has finished and its last e-mails were claimed (False).
    """
    actor = actor or Actor.system("outbox")
    report = recover_stale(actor=actor)
    sender = sender_for(actor=actor, report=report)
    try:
        while limit is None or report.claimed < limit:
            size = batch_size if limit is None else min(batch_size, limit - report.claimed)
            rows = claim_batch(worker=sender.worker, size=size, company=company, ids=ids)
            if not rows:
                if more is None:
                    break
                waited_from = time.monotonic()
                if not more():
                    break
                if time.monotonic() - waited_from > IDLE_RECONNECT_SECONDS:
                    sender.close_backend()  # the server may have dropped an idle session: a new one
                continue
            report.claimed += len(rows)
            sender.send_batch(rows)
            if sender.stopped:
                break
    except BaseException as exc:
        sender.rollback(exc)  # the rows stay SENDING and are recovered by the next pass
        sender.close_backend()
        raise
    sender.close()
    return report


def outbox_retry(*, message: OutboxMessage, actor: Actor, force: bool = False) -> OutboxMessage:
    """Queue a message again now. A sent one (confirmed or not) only with `force`: it will be received twice."""
    with transaction.atomic():
        row = OutboxMessage.objects.select_for_update().get(pk=message.pk)
        if row.status == OutboxStatus.SENDING:
            raise OutboxError(f"outbox message {row.pk} is being sent by {row.claimed_by}; try again later")
        if row.status == OutboxStatus.SENT and not force:
            state = "sent (unconfirmed)" if row.unconfirmed else "sent"
            raise OutboxError(f"outbox message {row.pk} was {state}; use --force to send it again")
        previous = row.status
        now = timezone.now()
        row.events = [*row.events, _event(now, "retry", f"queued again by {actor.label} (was {previous})")]
        row.status, row.phase, row.attempts, row.next_attempt_at = OutboxStatus.QUEUED, "", 0, None
        row.claimed_by, row.claimed_at, row.sent_at, row.unconfirmed = "", None, None, False
        row.save(
            update_fields=[
                "status", "phase", "attempts", "next_attempt_at", "claimed_by", "claimed_at", "sent_at",
                "unconfirmed", "events",
            ]
        )  # fmt: skip
        record(
            actor=actor,
            code="messaging.email.retry",
            company=row.company,
            customer=row.customer,
            obj=row,
            data=_audit_data(row, previous=previous, forced=force),
        )
    return row
