"""The #hashtags a template may use: what each shows, what data it needs, a sample value.

A hashtag is `#` followed by its lower-case name (`#total_overdue`). There are three kinds:
inline values (escaped text), URLs (usable as a link target, `[Pay](#payment_link)`, or bare) and
blocks (tables, the button, bank details), which stand alone on their own line. Each hashtag
renders twice: HTML for the HTML part and plain text for the text part. Nothing else is
interpreted: a template is text with holes, never code.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from babel.dates import format_date

from relance.core.money import Money
from relance.messaging.context import Line, MessageContext

HASHTAG_RE = re.compile(r"(?<![\w&/#])#([a-z][a-z0-9_]*)")

# What a context may provide. A hashtag lists the needs it depends on.
NEEDS = {
    "customer": "the customer",
    "contact": "the contact the message is addressed to",
    "collector": "the customer's collector",
    "statement": "the statement of account",
    "bank": "the company's bank details",
    "links": "the customer's signed links",
    "promise": "a promise to pay",
    "dispute": "a dispute",
    "deadline": "a payment deadline",
}


@dataclass(frozen=True, slots=True)
class Hashtag:
    name: str
    kind: str  # inline, url or block
    needs: frozenset[str]
    sample: str
    description: str
    text: Callable[[MessageContext], str]
    html: Callable[[MessageContext], str] | None = None  # blocks only; inline values are escaped text

    def render_html(self, context: MessageContext) -> str:
        if self.html is not None:
            return self.html(context)
        return html.escape(self.text(context), quote=True)


# --- labels and formats ---------------------------------------------------------------------

LABELS: dict[str, dict[str, str]] = {
    "en": {
        "invoice": "Invoice",
        "issued": "Date",
        "due": "Due date",
        "amount": "Amount",
        "open": "Still due",
        "days": "Days overdue",
        "penalties": "Penalties",
        "po": "Order",
        "total_overdue": "Total overdue",
        "total_not_due": "Total not yet due",
        "total": "Total",
        "credits": "Credits",
        "none": "None.",
        "button": "View my account, answer or pay",
        "holder": "Account holder",
        "iban": "IBAN",
        "bic": "BIC",
        "reference": "Reference to quote",
        "status_disputed": "disputed",
        "status_promised": "promised",
    },
    "fr": {
        "invoice": "Facture",
        "issued": "Date",
        "due": "Échéance",
        "amount": "Montant",
        "open": "Reste dû",
        "days": "Jours de retard",
        "penalties": "Pénalités",
        "po": "Commande",
        "total_overdue": "Total échu",
        "total_not_due": "Total non échu",
        "total": "Total",
        "credits": "Avoirs",
        "none": "Aucune.",
        "button": "Consulter mon compte, répondre ou payer",
        "holder": "Titulaire du compte",
        "iban": "IBAN",
        "bic": "BIC",
        "reference": "Référence à indiquer",
        "status_disputed": "contestée",
        "status_promised": "promise",
    },
}


def labels(language: str) -> dict[str, str]:
    return LABELS.get(language[:2], LABELS["en"])


@lru_cache(maxsize=8192)
def format_day(day: dt.date, language: str) -> str:
    """`12 Oct 2026` / `12 oct. 2026`: the medium date format of the reader's language."""
    return format_date(day, format="medium", locale=language)


def _amounts(values: list[str]) -> str:
    return " + ".join(values)


def _sum(context: MessageContext, attribute: str) -> str:
    language = context.language
    values = [getattr(t, attribute).format(language) for t in context.totals]
    return _amounts(values) if values else ""


def _date(value: dt.date | None, language: str) -> str:
    return format_day(value, language) if value else ""


# --- blocks ---------------------------------------------------------------------------------

_TABLE = (
    '<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" '
    'style="border-collapse:collapse;width:100%;margin:8px 0 16px 0;font-size:14px">'
)
_TH = '<th align="{align}" style="text-align:{align};padding:6px 8px;border-bottom:2px solid #1f3a5f;color:#1f3a5f;font-weight:bold">'  # noqa: E501
_TD = '<td align="{align}" style="text-align:{align};padding:6px 8px;border-bottom:1px solid #dde3ea{extra}">'
_TD_TOTAL = '<td align="{align}" style="text-align:{align};padding:6px 8px;font-weight:bold">'
_TH_L, _TH_R = _TH.format(align="left"), _TH.format(align="right")
_TD_L, _TD_R = _TD.format(align="left", extra=""), _TD.format(align="right", extra=";white-space:nowrap")
_TD_DATE = _TD.format(align="left", extra=";white-space:nowrap")
_TOTAL_L, _TOTAL_R = _TD_TOTAL.format(align="left"), _TD_TOTAL.format(align="right")


def _columns(overdue: bool, penalties: bool) -> list[str]:
    columns = ["invoice", "issued", "due", "open"]
    if overdue:
        columns.append("days")
        if penalties:
            columns.append("penalties")
    return columns


def _cell_text(line: Line, column: str, language: str) -> str:
    if column == "invoice":
        return line.number
    if column == "issued":
        return format_day(line.issue_date, language)
    if column == "due":
        return format_day(line.due_date, language)
    if column == "open":
        return line.open_amount.format(language)
    if column == "days":
        return str(line.days_overdue) if line.days_overdue > 0 else ""
    if column == "penalties":
        return line.penalties.format(language) if line.penalties else ""
    raise KeyError(column)


def _status_note(line: Line, words: dict[str, str]) -> str:
    if line.status in ("disputed", "promised"):
        return words[f"status_{line.status}"]
    return ""


def items_table_html(lines: list[Line], context: MessageContext, *, overdue: bool, total_key: str) -> str:
    language = context.language
    words = labels(language)
    if not lines:
        return f'<p style="margin:0 0 16px 0">{html.escape(words["none"])}</p>'
    columns = _columns(overdue, context.penalties_shown)
    parts = [_TABLE, "<tr>"]
    for column in columns:
        parts.append(_TH_L if column in ("invoice", "issued", "due") else _TH_R)
        parts.append(html.escape(words[column]))
        parts.append("</th>\n")
    parts.append("</tr>\n")
    escape = html.escape
    for line in lines:
        parts.append("<tr>")
        for column in columns:
            value = escape(_cell_text(line, column, language))
            if column == "invoice":
                parts.append(_TD_L)
                if line.pdf_url:
                    parts.append(f'<a href="{escape(line.pdf_url)}" style="color:#1f5fa8">{value}</a>')
                else:
                    parts.append(value)
                note = _status_note(line, words)
                if note:
                    parts.append(f' <span style="color:#8a5a00">({escape(note)})</span>')
            else:
                parts.append(_TD_DATE if column in ("issued", "due") else _TD_R)
                parts.append(value)
            parts.append("</td>\n")
        parts.append("</tr>\n")
    currencies = sorted({line.open_amount.currency for line in lines})
    for currency in currencies:
        total = sum((line.open_amount.minor for line in lines if line.open_amount.currency == currency), 0)
        amount = Money(total, currency).format(language)
        label = words[total_key] + (f" ({currency})" if len(currencies) > 1 else "")
        span = columns.index("open")
        parts.append(f"<tr>{_TOTAL_L.replace('<td ', f'<td colspan="{span}" ')}{escape(label)}</td>")
        parts.append(f"{_TOTAL_R}{escape(amount)}</td>\n")
        parts.append("<td></td>" * (len(columns) - span - 1))
        parts.append("</tr>\n")
    parts.append("</table>")
    return "".join(parts)


def items_table_text(lines: list[Line], context: MessageContext, *, overdue: bool, total_key: str) -> str:
    language = context.language
    words = labels(language)
    if not lines:
        return words["none"]
    columns = _columns(overdue, context.penalties_shown)
    rows = [[words[c] for c in columns]]
    for line in lines:
        row = [_cell_text(line, c, language) for c in columns]
        note = _status_note(line, words)
        if note:
            row[0] = f"{row[0]} ({note})"
        rows.append(row)
    open_index = columns.index("open")
    totals = []
    for currency in sorted({line.open_amount.currency for line in lines}):
        total = sum((line.open_amount.minor for line in lines if line.open_amount.currency == currency), 0)
        label = words[total_key] + (f" ({currency})" if len({ln.open_amount.currency for ln in lines}) > 1 else "")
        totals.append((label, Money(total, currency).format(language)))
    widths = [max(len(row[i]) for row in rows) for i in range(len(columns))]
    widths[open_index] = max(widths[open_index], *(len(amount) for _, amount in totals))
    out = []
    for row in rows:
        cells = [
            cell.ljust(widths[i]) if columns[i] in ("invoice", "issued", "due") else cell.rjust(widths[i])
            for i, cell in enumerate(row)
        ]
        out.append("  ".join(cells).rstrip())
    before = sum(widths[:open_index]) + 2 * open_index
    for label, amount in totals:
        out.append(f"{label.ljust(before - 2)}  {amount.rjust(widths[open_index])}")
    return "\n".join(out)


def _button_html(context: MessageContext) -> str:
    if not context.page_url:
        return ""
    url = html.escape(context.page_url, quote=True)
    label = html.escape(labels(context.language)["button"])
    return (
        '<table role="presentation" cellpadding="0" cellspacing="0" border="0" style="margin:16px 0">'
        '<tr><td align="center" bgcolor="#1f5fa8" style="border-radius:4px;background:#1f5fa8">'
        f'<a href="{url}" style="display:inline-block;padding:12px 24px;color:#ffffff;'
        f'font-weight:bold;text-decoration:none;font-size:15px">{label}</a>'
        "</td></tr></table>"
    )


def _button_text(context: MessageContext) -> str:
    return f"{labels(context.language)['button']}: {context.page_url}" if context.page_url else ""


def _iban(iban: str) -> str:
    compact = iban.replace(" ", "")
    return " ".join(compact[i : i + 4] for i in range(0, len(compact), 4))


def _bank_rows(context: MessageContext) -> list[tuple[str, str]]:
    bank = context.bank
    if bank is None:
        return []
    words = labels(context.language)
    rows = [(words["holder"], bank.holder), (words["iban"], _iban(bank.iban))]
    if bank.bic:
        rows.append((words["bic"], bank.bic))
    if bank.reference:
        rows.append((words["reference"], bank.reference))
    return rows


def _bank_html(context: MessageContext) -> str:
    rows = "".join(
        f'<tr><td style="padding:2px 12px 2px 0;color:#555555">{html.escape(k)}</td>'
        f'<td style="padding:2px 0;font-family:Consolas,Menlo,monospace">{html.escape(v)}</td></tr>'
        for k, v in _bank_rows(context)
    )
    return f'<table role="presentation" cellpadding="0" cellspacing="0" border="0" style="margin:8px 0 16px 0">{rows}</table>'  # noqa: E501


def _bank_text(context: MessageContext) -> str:
    return "\n".join(f"{k}: {v}" for k, v in _bank_rows(context))


# --- the registry ---------------------------------------------------------------------------


def _inline(name: str, needs: str, sample: str, description: str, text: Callable[[MessageContext], str]) -> Hashtag:
    return Hashtag(name, "inline", frozenset(needs.split()), sample, description, text)


def _url(name: str, sample: str, description: str, text: Callable[[MessageContext], str]) -> Hashtag:
    return Hashtag(name, "url", frozenset({"links"}), sample, description, text)


def _table(
    name: str, description: str, pick: Callable[[MessageContext], list[Line]], overdue: bool, total: str
) -> Hashtag:
    return Hashtag(
        name, "block", frozenset({"statement"}), "(table)", description,
        text=lambda c: items_table_text(pick(c), c, overdue=overdue, total_key=total),
        html=lambda c: items_table_html(pick(c), c, overdue=overdue, total_key=total),
    )  # fmt: skip


_ALL: list[Hashtag] = [
    _inline("customer_name", "customer", "Dupont Industrie SAS", "The customer's name", lambda c: c.customer_name),
    _inline("customer_code", "customer", "C-00042", "The customer's account code", lambda c: c.customer_code),
    _inline("contact_name", "contact", "Marie Leroy", "The addressee's name (may be empty)", lambda c: c.contact_name),
    _inline("company_name", "", "Acme Supplies", "Your company's name", lambda c: c.company_name),
    _inline("collector_name", "collector", "Camille Martin", "The collector's name", lambda c: c.collector_name),
    _inline(
        "collector_email", "collector", "camille@acme.example", "The collector's e-mail", lambda c: c.collector_email
    ),
    _inline("collector_phone", "collector", "+33 1 23 45 67 89", "The collector's phone", lambda c: c.collector_phone),
    _inline("total_overdue", "statement", "2 469,12 €", "Total overdue", lambda c: _sum(c, "overdue")),
    _inline("total_not_due", "statement", "1 500,00 €", "Total not yet due", lambda c: _sum(c, "not_due")),
    _inline(
        "total_open", "statement", "3 969,12 €", "Total open (overdue + not due - credits)", lambda c: _sum(c, "open")
    ),
    _inline(
        "total_overdue_with_penalties",
        "statement",
        "2 549,30 €",
        "Overdue plus penalties",
        lambda c: _sum(c, "overdue_with_penalties"),
    ),
    _inline("penalties", "statement", "80,18 €", "Late-payment penalties to date", lambda c: _sum(c, "penalties")),
    _inline(
        "oldest_due_date",
        "statement",
        "12 oct. 2026",
        "The oldest overdue due date",
        lambda c: _date(c.oldest_due_date, c.language),
    ),
    _inline("days_overdue", "statement", "43", "Days overdue of the oldest invoice", lambda c: str(c.days_overdue)),
    _inline(
        "promise_date",
        "promise",
        "15 déc. 2026",
        "The promised payment date",
        lambda c: _date(c.promise_date, c.language),
    ),
    _inline(
        "promise_amount",
        "promise",
        "2 469,12 €",
        "The promised amount",
        lambda c: c.promise_amount.format(c.language) if c.promise_amount else "",
    ),
    _inline(
        "payment_reference",
        "bank",
        "RF18 C000 42",
        "The reference to quote on the transfer",
        lambda c: c.bank.reference if c.bank else "",
    ),
    _inline(
        "payment_deadline",
        "deadline",
        "8 déc. 2026",
        "The date by which payment is requested",
        lambda c: _date(c.payment_deadline, c.language),
    ),
    _inline("dispute_reason", "dispute", "Quantité", "The reason of the dispute", lambda c: c.dispute_reason),
    _inline("today", "", "24 nov. 2026", "Today's date", lambda c: format_day(c.today, c.language)),
    _url(
        "interactive_page_url", "https://…/p/…", "The customer's interactive page (link target)", lambda c: c.page_url
    ),
    _url("payment_link", "https://…/p/…/pay", "Where the customer pays online", lambda c: c.payment_url),
    _url("statement_pdf_link", "https://…/statement.pdf", "The statement as a PDF", lambda c: c.statement_pdf_url),
    _url(
        "statement_excel_link",
        "https://…/statement.xlsx",
        "The statement as an Excel file",
        lambda c: c.statement_excel_url,
    ),
    _table("items_overdue", "Table of overdue items", lambda c: c.overdue, True, "total_overdue"),
    _table("items_not_due", "Table of items not yet due", lambda c: c.not_due, False, "total_not_due"),
    _table("items_all", "Table of every open item", lambda c: [*c.overdue, *c.not_due, *c.credits], True, "total"),
    Hashtag(
        "dispute_items",
        "block",
        frozenset({"dispute"}),
        "(table)",
        "Table of the disputed items",
        text=lambda c: items_table_text(c.disputed, c, overdue=False, total_key="total"),
        html=lambda c: items_table_html(c.disputed, c, overdue=False, total_key="total"),
    ),
    Hashtag(
        "bank_details",
        "block",
        frozenset({"bank"}),
        "(IBAN, BIC, reference)",
        "Your bank details",
        _bank_text,
        _bank_html,
    ),
    Hashtag(
        "interactive_page_button",
        "block",
        frozenset({"links"}),
        "(button)",
        "A button to the customer's interactive page",
        _button_text,
        _button_html,
    ),
]

HASHTAGS: dict[str, Hashtag] = {tag.name: tag for tag in _ALL}
