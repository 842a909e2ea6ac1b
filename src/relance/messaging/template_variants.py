"""A template's language variants and its shipped default: the template editor's writes beside
`services.template_save`.

    default_template(code="preventive", channel="email", language="fr") -> DefaultTemplate | None
    template_reset_default(company=c, code=..., channel=..., language="fr", actor=a) -> MessageTemplate
    template_variant_create(company=c, code=..., channel=..., language="fr", actor=a) -> MessageTemplate

A missing variant starts from the text shipped in that language when there is one, else from a
copy of the company's own variant (company language, then English), to be translated. Resetting
brings the shipped text back and marks the template as the default again. Both go through the
same compilation as saving (an unknown hashtag can never be stored) and record an audit event.
"""

from __future__ import annotations

from django.db import transaction

from relance.core.audit import Actor, record
from relance.ledger.models import Company
from relance.messaging.models import MessageTemplate
from relance.messaging.render import TemplateError
from relance.messaging.services import LANGUAGES, DefaultTemplate, _compile, default_templates, pick_language


def default_template(*, code: str, channel: str, language: str) -> DefaultTemplate | None:
    for shipped in default_templates():
        if (shipped.code, shipped.channel, shipped.language) == (code, channel, language):
            return shipped
    return None


def _store(
    *, company: Company, code: str, channel: str, language: str, name: str, subject: str, body: str, shipped: bool,
    body_format: str = "markdown",
) -> tuple[MessageTemplate, bool]:  # fmt: skip
    compiled = _compile(
        channel=channel,
        subject=subject,
        body_source=body,
        body_format=body_format,
        where=f"template {code} ({language})",
    )
    return MessageTemplate.objects.update_or_create(
        company=company,
        code=code,
        channel=channel,
        language=language,
        defaults={
            "name": name,
            "subject": subject.strip(),
            "body_format": body_format,
            "body_source": body,
            "body_html": compiled.body_html,
            "is_default": shipped,
        },
    )


@transaction.atomic
def template_reset_default(
    *, company: Company, code: str, channel: str, language: str, actor: Actor
) -> MessageTemplate:
    """Replace the company's text by the one shipped with Relance (TemplateError when none is)."""
    shipped = default_template(code=code, channel=channel, language=language)
    if shipped is None:
        raise TemplateError(f"no text is shipped for template {code} ({channel}, {language})")
    template, _created = _store(
        company=company, code=code, channel=channel, language=language, name=shipped.name,
        subject=shipped.subject, body=shipped.body, shipped=True,
    )  # fmt: skip
    record(
        actor=actor, code="messaging.template.reset", company=company, obj=template,
        data={"code": code, "channel": channel, "language": language},
    )  # fmt: skip
    return template


@transaction.atomic
def template_variant_create(
    *, company: Company, code: str, channel: str, language: str, actor: Actor
) -> MessageTemplate:
    """The missing `language` variant of a template, from the shipped text or a copy of another variant."""
    if language not in LANGUAGES:
        raise TemplateError(f"unsupported language {language!r}")
    variants = {t.language: t for t in MessageTemplate.objects.filter(company=company, code=code, channel=channel)}
    if language in variants:
        raise TemplateError(f"template {code} already exists in {language}")
    shipped = default_template(code=code, channel=channel, language=language)
    if shipped is not None:
        name, subject, body, source, is_shipped = shipped.name, shipped.subject, shipped.body, "default", True
        body_format = "markdown"
    else:
        origin = pick_language(variants, company.language, company.language)
        if origin is None:
            raise TemplateError(f"template {code} ({channel}) has no variant to start from")
        name, subject, body, source, is_shipped = (
            origin.name, origin.subject, origin.body_source, origin.language, False
        )  # fmt: skip
        body_format = origin.body_format
    template, _created = _store(
        company=company, code=code, channel=channel, language=language, name=name, subject=subject, body=body,
        shipped=is_shipped, body_format=body_format,
    )  # fmt: skip
    record(
        actor=actor, code="messaging.template.variant_created", company=company, obj=template,
        data={"code": code, "channel": channel, "language": language, "from": source},
    )  # fmt: skip
    return template
