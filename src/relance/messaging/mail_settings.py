"""A company's mail settings from the workspace: saving them, describing the mail server the
installation is configured with (settings.MAILERS, never its password), and the "send a test
e-mail" check.

The test e-mail is sent at once through the configured Django mailer, not through the outbox: its
purpose is to tell the administrator, in the page, whether the server accepts mail and, when it
does not, what it answered.
"""

from __future__ import annotations

import smtplib
import socket
from dataclasses import dataclass
from email.utils import formataddr
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, mailers
from django.utils import timezone

from relance.core.audit import Actor, record
from relance.core.changes import fields_update
from relance.ledger.models import Company
from relance.messaging.models import MailSettings

EDITABLE = frozenset({"from_name", "from_email", "reply_to_collector", "archive_bcc", "attach_statement_pdf",
                      "invoice_pdfs", "link_validity_days", "max_attachment_bytes"})  # fmt: skip
# Options of a mailer that are shown to the administrator; a password or API key never is.
SHOWN_OPTIONS = ("host", "port", "username", "use_tls", "use_ssl", "timeout")


def mail_settings_for(company: Company) -> MailSettings:
    """The company's row, or unsaved defaults when it has none yet."""
    return MailSettings.objects.filter(company=company).first() or MailSettings(company=company)


def mail_settings_update(*, company: Company, values: dict[str, object], actor: Actor) -> list[str]:
    unknown = set(values) - EDITABLE
    if unknown:
        raise ValueError(f"not editable here: {', '.join(sorted(unknown))}")
    row = mail_settings_for(company)
    return fields_update(instance=row, values=values, actor=actor, code="messaging.settings.updated", company=company)


def sender_of(company: Company, row: MailSettings | None = None) -> str:
    """The From header the company's e-mails carry (settings, else company e-mail, else the default)."""
    row = row or mail_settings_for(company)
    address = row.from_email or company.email or settings.DEFAULT_FROM_EMAIL
    return formataddr((row.from_name or company.name, address))


def mail_server_description() -> dict[str, object]:
    """The default mailer's backend and its public options, for display."""
    config: dict[str, Any] = dict(settings.MAILERS.get("default", {}))
    options: dict[str, Any] = dict(config.get("OPTIONS") or {})
    shown: dict[str, object] = {name: options[name] for name in SHOWN_OPTIONS if options.get(name) not in (None, "")}
    if options.get("password"):
        shown["password"] = "set"  # noqa: S105 - says a password is configured, never its value
    return {"backend": str(config.get("BACKEND", "")), "options": shown}


@dataclass(frozen=True, slots=True)
class MailTestResult:
    ok: bool
    sender: str
    to: str
    error: str = ""


def _describe(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        parts = [f"{address}: {code} {_text(reply)}" for address, (code, reply) in exc.recipients.items()]
        return "the server refused the recipient (" + "; ".join(parts) + ")"
    if isinstance(exc, smtplib.SMTPSenderRefused):
        return f"the server refused the sender {exc.sender}: {exc.smtp_code} {_text(exc.smtp_error)}"
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return f"authentication failed: {exc.smtp_code} {_text(exc.smtp_error)}"
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"the server answered {exc.smtp_code} {_text(exc.smtp_error)}"
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused: no mail server listens at the configured host and port"
    if isinstance(exc, socket.timeout | TimeoutError):
        return "the mail server did not answer in time"
    if isinstance(exc, socket.gaierror):
        return f"the mail server's host name cannot be resolved ({exc})"
    return f"{type(exc).__name__}: {exc}"


def _text(reply: bytes | str) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)


def mail_test_send(*, company: Company, to: str, actor: Actor) -> MailTestResult:
    """Send one short e-mail to `to` now, with the company's sender; report the server's answer.

    Recorded on the audit trail as `messaging.settings.test_sent` (ok or the error)."""
    row = mail_settings_for(company)
    sender = sender_of(company, row)
    message = EmailMessage(
        subject=f"Relance: test e-mail from {company.name}",
        body=(
            f"This is a test e-mail sent from the settings of {company.name} in Relance "
            f"on {timezone.now():%Y-%m-%d %H:%M} UTC.\n\nIf you read it, the mail server accepts Relance's e-mails.\n"
        ),
        from_email=sender,
        to=[to],
        bcc=[row.archive_bcc] if row.archive_bcc else [],
        headers={"Auto-Submitted": "auto-generated"},
    )
    try:
        sent = mailers.default.send_messages([message])
    except Exception as exc:  # every backend has its own errors; the page shows what happened
        result = MailTestResult(ok=False, sender=sender, to=to, error=_describe(exc))
    else:
        ok = bool(sent)
        result = MailTestResult(ok=ok, sender=sender, to=to, error="" if ok else "the mailer sent nothing")
    record(
        actor=actor, code="messaging.settings.test_sent", company=company,
        data={"to": to, "ok": result.ok, "error": result.error[:500]},
    )  # fmt: skip
    return result
