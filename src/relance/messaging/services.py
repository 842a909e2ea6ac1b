"""Templates as a company keeps them: save (checked), install the shipped ones, find one.

template_save(company=c, code="preventive", channel="email", language="fr", name=..., subject=...,
              body_source=..., body_format="markdown", actor=actor)   # TemplateError
templates_install_defaults(company=c, actor=actor) -> number created
template_for(company=c, code="preventive", channel="email", language="fr") -> MessageTemplate | None
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.db import transaction

from relance.core.audit import Actor, record
from relance.ledger.models import Company
from relance.messaging.context import MessageContext, sample_context
from relance.messaging.models import MailSettings, MessageTemplate, TemplateChannel
from relance.messaging.render import (
    CompiledTemplate,
    EmailLayout,
    RenderedEmail,
    TemplateError,
    compile_email,
    compile_template,
    render_email,
)

DEFAULTS_DIR = Path(__file__).parent / "defaults"
LANGUAGES = ("en", "fr")


@dataclass(frozen=True, slots=True)
class DefaultTemplate:
    code: str
    channel: str
    language: str
    name: str
    subject: str
    body: str


def _front_matter(path: Path) -> tuple[dict[str, str], str]:
    text = path.read_text(encoding="utf-8")
    if not text.startswith("---\n"):
        raise TemplateError(f"{path.name}: the file must start with a '---' front matter block")
    head, separator, body = text[4:].partition("\n---\n")
    if not separator:
        raise TemplateError(f"{path.name}: the front matter block is not closed with '---'")
    values: dict[str, str] = {}
    for line in head.splitlines():
        if not line.strip():
            continue
        key, colon, value = line.partition(":")
        if not colon:
            raise TemplateError(f"{path.name}: front matter line without 'key: value': {line!r}")
        value = value.strip()
        if value.startswith('"') and value.endswith('"'):
            value = json.loads(value)
        values[key.strip()] = value
    return values, body.strip() + "\n"


@cache
def default_templates() -> tuple[DefaultTemplate, ...]:
    """The templates shipped in messaging/defaults/<language>/<channel>/<code>.md."""
    found = []
    for path in sorted(DEFAULTS_DIR.glob("*/*/*.md")):
        language, channel = path.parent.parent.name, path.parent.name
        meta, body = _front_matter(path)
        found.append(
            DefaultTemplate(
                code=path.stem,
                channel=channel,
                language=language,
                name=meta.get("name", path.stem),
                subject=meta.get("subject", ""),
                body=body,
            )
        )
    return tuple(found)


def _compile(*, channel: str, subject: str, body_source: str, body_format: str, where: str) -> CompiledTemplate:
    if channel == TemplateChannel.EMAIL and not subject.strip():
        raise TemplateError(f"{where}: an e-mail template needs a subject")
    return compile_template(subject=subject, body_source=body_source, body_format=body_format, where=where)


@transaction.atomic
def template_save(
    *,
    company: Company,
    code: str,
    channel: str,
    language: str,
    name: str,
    subject: str,
    body_source: str,
    body_format: str = "markdown",
    actor: Actor,
) -> MessageTemplate:
    """Create or update a template; an unknown hashtag (or any other problem) raises TemplateError."""
    where = f"template {code} ({language})"
    compiled = _compile(channel=channel, subject=subject, body_source=body_source, body_format=body_format, where=where)
    template, created = MessageTemplate.objects.update_or_create(
        company=company,
        code=code,
        channel=channel,
        language=language,
        defaults={
            "name": name,
            "subject": subject.strip(),
            "body_format": body_format,
            "body_source": body_source,
            "body_html": compiled.body_html,
            "is_default": False,
        },
    )
    record(
        actor=actor,
        code="messaging.template.created" if created else "messaging.template.updated",
        company=company,
        obj=template,
        data={"code": code, "channel": channel, "language": language, "hashtags": sorted(compiled.hashtags)},
    )
    return template


@transaction.atomic
def templates_install_defaults(*, company: Company, actor: Actor) -> int:
    """Add the shipped templates the company does not have yet (edited ones are never replaced)."""
    MailSettings.objects.get_or_create(company=company)
    existing = set(MessageTemplate.objects.filter(company=company).values_list("code", "channel", "language"))
    new = []
    for default in default_templates():
        if (default.code, default.channel, default.language) in existing:
            continue
        compiled = _compile(
            channel=default.channel,
            subject=default.subject,
            body_source=default.body,
            body_format="markdown",
            where=f"default template {default.language}/{default.channel}/{default.code}",
        )
        new.append(
            MessageTemplate(
                company=company,
                code=default.code,
                channel=default.channel,
                language=default.language,
                name=default.name,
                subject=default.subject,
                body_format="markdown",
                body_source=default.body,
                body_html=compiled.body_html,
                is_default=True,
            )
        )
    MessageTemplate.objects.bulk_create(new)
    if new:
        record(
            actor=actor,
            code="messaging.template.installed",
            company=company,
            data={"templates": len(new)},
        )
    return len(new)


def template_for(*, company: Company, code: str, channel: str, language: str) -> MessageTemplate | None:
    """The template in the reader's language, else the company's language, else English, else any."""
    candidates = {t.language: t for t in MessageTemplate.objects.filter(company=company, code=code, channel=channel)}
    return pick_language(candidates, language, company.language)


def pick_language(
    candidates: dict[str, MessageTemplate], language: str, company_language: str
) -> MessageTemplate | None:  # fmt: skip
    for choice in (language, language[:2], company_language, "en"):
        if choice in candidates:
            return candidates[choice]
    return next(iter(candidates.values()), None)


class TemplateBook:
    """Every template of one channel of a company, read once (for runs that render many messages)."""

    def __init__(self, company: Company, channel: str) -> None:
        self.company = company
        self.by_code: dict[str, dict[str, MessageTemplate]] = {}
        for template in MessageTemplate.objects.filter(company=company, channel=channel):
            self.by_code.setdefault(template.code, {})[template.language] = template

    def get(self, code: str, language: str) -> MessageTemplate | None:
        return pick_language(self.by_code.get(code, {}), language, self.company.language)


def mail_settings(company: Company) -> MailSettings:
    settings_row, _ = MailSettings.objects.get_or_create(company=company)
    return settings_row


def template_preview(
    *,
    subject: str,
    body_source: str,
    body_format: str = "markdown",
    language: str = "en",
    context: MessageContext | None = None,
    company_name: str = "",
) -> RenderedEmail:
    """The e-mail a template gives with sample data (or the given context), as the customer sees it.
    Raises TemplateError (unknown hashtag...) or RenderError, like saving and sending would."""
    context = context or sample_context(language, company_name=company_name)
    compiled = compile_template(subject=subject, body_source=body_source, body_format=body_format)
    layout = EmailLayout(language, context.company_name, tuple(context.company_footer))
    return render_email(compile_email(compiled, layout), context)
