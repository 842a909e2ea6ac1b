"""Workspace: the template editor (e-mails, letters, call scripts and task instructions).

A template's language variants are edited side by side. The body is Markdown with #hashtags; the
picker inserts them at the cursor, the preview renders what is being typed (debounced, htmx) on
sample data or on a chosen customer's real account, in a sandboxed iframe (the HTML part) and as
text. Saving goes through `messaging.services.template_save`, which compiles the template and
refuses unknown hashtags; nothing a user types is ever run as code.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from relance.collection.messages import EmailError, template_preview_for_customer
from relance.collection.models import Step
from relance.collection.services.templates import template_test_send
from relance.core.errors import RelanceError
from relance.ledger.selectors import company_today
from relance.messaging.hashtags import HASHTAG_RE, HASHTAGS
from relance.messaging.models import MessageTemplate, TemplateChannel
from relance.messaging.render import RenderError, TemplateError
from relance.messaging.services import LANGUAGES, template_preview, template_save
from relance.messaging.template_variants import default_template, template_reset_default, template_variant_create
from relance.web.access import workspace_view
from relance.web.editors.errors import message_for
from relance.web.editors.forms import NewTemplateForm, TemplateForm, TestSendForm
from relance.web.editors.hashtag_labels import picker_groups

LANGUAGE_NAMES = {"en": "English", "fr": "Français"}


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _channel(channel: str) -> str:
    if channel not in TemplateChannel.values:
        raise Http404
    return channel


def template_error_message(error: TemplateError, subject: str, body: str) -> str:
    """The error in the UI language when it is about unknown hashtags (naming them all)."""
    unknown = sorted({name for name in HASHTAG_RE.findall(f"{subject}\n{body}") if name not in HASHTAGS})
    if unknown:
        names = ", ".join(f"#{name}" for name in unknown)
        return _("Unknown hashtags: %(names)s. Pick them from the list of hashtags.") % {"names": names}
    return str(error.message)


# --- the list -----------------------------------------------------------------------------------


@workspace_view(manager=True)
def templates(request: HttpRequest) -> HttpResponse:
    return _list_page(request, NewTemplateForm())


def _list_page(request: HttpRequest, new_form: NewTemplateForm, status: int = 200) -> HttpResponse:
    company = request.ws.company  # type: ignore[attr-defined]
    wanted = request.GET.get("channel", "")
    rows_by_key: dict[tuple[str, str], dict[str, Any]] = {}
    queryset = MessageTemplate.objects.filter(company=company).only(
        "code", "channel", "language", "name", "is_default", "updated_at"
    )
    if wanted in TemplateChannel.values:
        queryset = queryset.filter(channel=wanted)
    for template in queryset.order_by("channel", "code", "language"):
        row = rows_by_key.setdefault(
            (template.channel, template.code),
            {"code": template.code, "channel": template.channel, "name": template.name, "variants": {}, "used_by": []},
        )
        row["variants"][template.language] = template
        if template.language == company.language:
            row["name"] = template.name
    for code, channel, scenario in Step.objects.filter(scenario__company=company).values_list(
        "template_code", "channel", "scenario__name"
    ):
        row = rows_by_key.get((channel, code))
        if row is not None and scenario not in row["used_by"]:
            row["used_by"].append(scenario)
    labels = dict(TemplateChannel.choices)
    rows = []
    for row in rows_by_key.values():
        row["channel_label"] = labels.get(row["channel"], row["channel"])
        row["languages"] = [(lang, row["variants"].get(lang)) for lang in LANGUAGES]
        rows.append(row)
    return render(
        request,
        "editors/template_list.html",
        {"section": "templates", "rows": rows, "channels": TemplateChannel.choices, "wanted": wanted,
         "new_form": new_form},
        status=status,
    )  # fmt: skip


@require_POST
@workspace_view(manager=True)
def template_new(request: HttpRequest) -> HttpResponse:
    form = NewTemplateForm(request.POST)
    if not form.is_valid():
        return _list_page(request, form, status=400)
    code, channel = form.cleaned_data["code"], form.cleaned_data["channel"]
    return redirect(reverse("editors:template", args=[channel, code]) + "?new=1")


# --- the editor ---------------------------------------------------------------------------------


def _variants(request: HttpRequest, channel: str, code: str) -> dict[str, MessageTemplate]:
    company = request.ws.company  # type: ignore[attr-defined]
    return {t.language: t for t in MessageTemplate.objects.filter(company=company, code=code, channel=channel)}


@workspace_view(manager=True)
def template_edit(request: HttpRequest, channel: str, code: str) -> HttpResponse:
    channel = _channel(channel)
    variants = _variants(request, channel, code)
    if not variants and request.GET.get("new") != "1" and request.method != "POST":
        raise Http404
    forms: dict[str, TemplateForm] = {}
    if request.method == "POST":
        ws = request.ws  # type: ignore[attr-defined]
        form = TemplateForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                template_save(
                    company=ws.company, code=code, channel=channel, language=data["language"], name=data["name"],
                    subject=data["subject"], body_source=data["body_source"], body_format=data["body_format"],
                    actor=ws.actor,
                )  # fmt: skip
            except TemplateError as error:
                form.add_error("body_source", template_error_message(error, data["subject"], data["body_source"]))
            else:
                messages.success(request, _("Template saved (%(language)s).") % {"language": data["language"].upper()})
                return redirect(reverse("editors:template", args=[channel, code]) + f"#variant-{data['language']}")
        language = request.POST.get("language", "")
        if language in LANGUAGES:
            forms[language] = form
    return _editor_page(request, channel, code, variants, forms, status=400 if forms else 200)


def _editor_page(
    request: HttpRequest, channel: str, code: str, variants: dict[str, MessageTemplate],
    forms: dict[str, TemplateForm], status: int = 200,
) -> HttpResponse:  # fmt: skip
    ws = request.ws  # type: ignore[attr-defined]
    columns = []
    for language in LANGUAGES:
        template = variants.get(language)
        form = forms.get(language)
        if form is None:
            initial = {"language": language, "body_format": "markdown"}
            if template is not None:
                initial.update(name=template.name, subject=template.subject, body_source=template.body_source,
                               body_format=template.body_format)  # fmt: skip
            form = TemplateForm(initial=initial, auto_id=f"id_{language}_%s")
        else:
            form.auto_id = f"id_{language}_%s"
        columns.append(
            {
                "language": language,
                "language_name": LANGUAGE_NAMES.get(language, language),
                "template": template,
                "form": form,
                "shipped": default_template(code=code, channel=channel, language=language) is not None,
                "can_copy": template is None and bool(variants),
            }
        )
    return render(
        request,
        "editors/template_edit.html",
        {
            "section": "templates",
            "code": code,
            "channel": channel,
            "channel_label": dict(TemplateChannel.choices).get(channel, channel),
            "columns": columns,
            "picker": picker_groups((get_language() or "en")[:2], ws.company.name),
            "is_email": channel == TemplateChannel.EMAIL,
            "test_form": TestSendForm(initial={"to": ws.user.email}),
        },
        status=status,
    )


@require_POST
@workspace_view(manager=True)
def template_preview_view(request: HttpRequest, channel: str, code: str) -> HttpResponse:
    """The rendered template as it is being typed: sample data, or a chosen customer's account."""
    ws = request.ws  # type: ignore[attr-defined]
    channel = _channel(channel)
    subject = request.POST.get("subject", "")
    body = request.POST.get("body_source", "")
    body_format = request.POST.get("body_format", "markdown")
    body_format = body_format if body_format in ("markdown", "html") else "markdown"
    language = request.POST.get("language", "en")
    language = language if language in LANGUAGES else "en"
    raw_customer = request.POST.get("customer", "")
    customer = ws.customer(raw_customer) if raw_customer.isdigit() else None
    context: dict[str, Any] = {"customer": customer, "language": language}
    try:
        if customer is not None:
            rendered = template_preview_for_customer(
                company=ws.company, customer=customer, subject=subject, body_source=body, body_format=body_format,
                language=language, today=company_today(ws.company),
            )  # fmt: skip
        else:
            rendered = template_preview(
                subject=subject, body_source=body, body_format=body_format, language=language,
                company_name=ws.company.name,
            )  # fmt: skip
    except TemplateError as error:
        context["error"] = template_error_message(error, subject, body)
    except (RenderError, RelanceError) as error:
        context["error"] = str(error.message)
    else:
        context["rendered"] = rendered
    return render(request, "editors/_preview.html", context)


@require_POST
@workspace_view(manager=True)
def template_variant(request: HttpRequest, channel: str, code: str) -> HttpResponse:
    ws = request.ws  # type: ignore[attr-defined]
    channel = _channel(channel)
    language = request.POST.get("language", "")
    try:
        template_variant_create(company=ws.company, code=code, channel=channel, language=language, actor=ws.actor)
    except TemplateError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("The %(language)s version was created: adapt it.") % {"language": language.upper()})
    return redirect(reverse("editors:template", args=[channel, code]) + f"#variant-{language}")


@require_POST
@workspace_view(manager=True)
def template_reset(request: HttpRequest, channel: str, code: str) -> HttpResponse:
    ws = request.ws  # type: ignore[attr-defined]
    channel = _channel(channel)
    language = request.POST.get("language", "")
    if language not in _variants(request, channel, code):
        raise Http404
    try:
        template_reset_default(company=ws.company, code=code, channel=channel, language=language, actor=ws.actor)
    except TemplateError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(
            request, _("The %(language)s version is the shipped text again.") % {"language": language.upper()}
        )
    return redirect(reverse("editors:template", args=[channel, code]) + f"#variant-{language}")


@require_POST
@workspace_view(manager=True)
def template_test(request: HttpRequest, channel: str, code: str) -> HttpResponse:
    """Send the saved version of one language variant, filled with a customer's account, to an address."""
    ws = request.ws  # type: ignore[attr-defined]
    channel = _channel(channel)
    language = request.POST.get("language", "")
    template = _variants(request, channel, code).get(language)
    if template is None:
        raise Http404
    form = TestSendForm(request.POST)
    context: dict[str, Any] = {"language": language}
    if not form.is_valid():
        context["error"] = (
            _("Choose a customer whose account fills the e-mail.") if "customer" in form.errors
            else " ".join(str(e) for e in form.errors.get("to", [])) or _("Check the address.")
        )  # fmt: skip
    else:
        customer = ws.customer(form.cleaned_data["customer"])
        try:
            message = template_test_send(
                company=ws.company, template=template, customer=customer, to=form.cleaned_data["to"],
                today=company_today(ws.company), actor=ws.actor,
            )  # fmt: skip
        except (EmailError, RenderError) as error:
            context["error"] = message_for(error)
        else:
            context["sent"] = message
    if _is_htmx(request):
        return render(request, "editors/_test_result.html", context)
    if "error" in context:
        messages.error(request, context["error"])
    else:
        messages.success(request, _("Test e-mail queued to %(to)s.") % {"to": ", ".join(context["sent"].to)})
    return redirect(reverse("editors:template", args=[channel, code]) + f"#variant-{language}")
