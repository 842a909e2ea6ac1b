"""Turn a row of cells into typed field values, collecting one error per bad cell.

A `RowReader` is built once per file: it knows the mapping (field -> column) and the formats
detected from the sample (decimal separator and date format of each column). `read(cells)`
returns the typed values of the mapped fields and the list of (column, reason) problems.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from relance.core.money import is_known_currency
from relance.ledger.imports.mapping import FieldSpec
from relance.ledger.imports.values import (
    CellError,
    cell_text,
    detect_date_format,
    detect_decimal_separator,
    parse_amount,
    parse_bool,
    parse_date,
    parse_int,
)
from relance.ledger.models import CustomerStatus, InvoiceKind, PaymentMethod
from relance.ledger.validators import is_known_country

KIND_WORDS = {
    InvoiceKind.INVOICE: {"invoice", "inv", "facture", "fact", "fa", "f", "bill", "in", "i"},
    InvoiceKind.CREDIT_NOTE: {
        "credit note",
        "creditnote",
        "credit",
        "cn",
        "avoir",
        "av",
        "a",
        "note de credit",
        "credit memo",
        "cm",
        "c",
    },
    InvoiceKind.DEBIT_NOTE: {"debit note", "debitnote", "debit", "dn", "note de debit", "debit memo", "dm", "d"},
}
STATUS_WORDS = {
    CustomerStatus.ACTIVE: {"active", "actif", "ok", "normal"},
    CustomerStatus.PAUSED: {"paused", "pause", "suspendu", "en pause", "on hold", "hold"},
    CustomerStatus.LITIGATION: {"litigation", "litige", "contentieux", "legal"},
}
METHOD_WORDS = {
    PaymentMethod.TRANSFER: {"transfer", "bank transfer", "wire", "virement", "vir", "sepa", "sct", "credit transfer"},
    PaymentMethod.DIRECT_DEBIT: {"direct debit", "debit", "prelevement", "prlv", "sdd", "dd"},
    PaymentMethod.CARD: {"card", "credit card", "carte", "cb", "carte bancaire"},
    PaymentMethod.CHEQUE: {"cheque", "check", "chq", "chèque"},
    PaymentMethod.BILL_OF_EXCHANGE: {"bill of exchange", "lcr", "traite", "lettre de change", "effet", "bor"},
    PaymentMethod.CASH: {"cash", "especes", "espèces"},
    PaymentMethod.OTHER: {"other", "autre"},
}
ROLE_WORDS = {
    "accounts_payable": {
        "ap",
        "accounts payable",
        "accounts-payable",
        "payables",
        "comptabilite fournisseurs",
        "compta fournisseurs",
        "comptabilite",
        "compta",
        "comptable",
        "accounting",
        "billing",
        "facturation",
        "invoice",
        "invoices",
    },
    "buyer": {"buyer", "purchasing", "procurement", "acheteur", "achats", "achat"},
    "finance": {"finance", "cfo", "daf", "treasury", "tresorerie", "financial", "controller", "controleur de gestion"},
    "other": {"other", "autre", "sales", "commercial", "direction", "ceo", "manager"},
}
LANGUAGE_WORDS = {"en": {"en", "english", "anglais", "eng"}, "fr": {"fr", "french", "francais", "français", "fra"}}


def _plain(text: str) -> str:
    """Lower case, no accents, single spaces: `Comptabilité_Fournisseurs` -> `comptabilite fournisseurs`."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    return " ".join(stripped.replace("_", " ").replace("-", " ").split())


def _lookup(words: dict[Any, set[str]], text: str, what: str) -> Any:
    key = _plain(text)
    for value, synonyms in words.items():
        if key in {_plain(s) for s in synonyms} or key == _plain(str(value)):
            return value
    raise CellError(f"{text!r} is not a known {what}")


@dataclass(frozen=True, slots=True)
class Column:
    field: str
    index: int
    header: str
    parse: Callable[[object], Any]
    required: bool


class RowReader:
    def __init__(
        self,
        specs: Sequence[FieldSpec],
        mapping: dict[str, int],
        headers: list[str],
        sample: list[tuple[int, list[object]]],
        *,
        delimiter: str | None,
        options: dict[str, str] | None = None,
    ) -> None:
        options = options or {}
        self.formats: dict[str, str] = {}
        self.columns: list[Column] = []
        for spec in specs:
            if spec.name not in mapping:
                continue
            index = mapping[spec.name]
            values = [cells[index] for _n, cells in sample if index < len(cells) and isinstance(cells[index], str)]
            parser = self._parser(spec, values, delimiter, options)
            self.columns.append(Column(spec.name, index, headers[index], parser, spec.required))
        self._plan = [(c.field, c.index, c.header, c.parse, c.required) for c in self.columns]

    def _parser(
        self, spec: FieldSpec, samples: list[Any], delimiter: str | None, options: dict[str, str]
    ) -> Callable[[object], Any]:
        if spec.type == "amount":
            default = "," if delimiter == ";" else "."
            separator = options.get("decimal") or detect_decimal_separator(samples, default=default)
            self.formats[spec.name] = f"decimal {separator!r}"
            return lambda value: parse_amount(value, separator)
        if spec.type == "date":
            date_format = options.get("date_format") or detect_date_format(samples)
            self.formats[spec.name] = date_format
            return lambda value: parse_date(value, date_format)
        parsers: dict[str, Callable[[object], Any]] = {
            "int": parse_int,
            "bool": parse_bool,
            "currency": _currency,
            "country": _country,
            "language": lambda v: _lookup(LANGUAGE_WORDS, cell_text(v), "language (en or fr)"),
            "kind": lambda v: _lookup(KIND_WORDS, cell_text(v), "document type (invoice, credit note, debit note)"),
            "status": lambda v: _lookup(STATUS_WORDS, cell_text(v), "status (active, paused, litigation)"),
            "method": lambda v: _lookup(METHOD_WORDS, cell_text(v), "payment method"),
            "tags": _tags,
            "roles": _roles,
            "email": _email,
        }
        return parsers.get(spec.type, cell_text)

    def read(self, cells: list[object]) -> tuple[dict[str, Any], list[tuple[str, str]]]:
        # The hot loop of an import (a million rows): plain tuples, no attribute look-ups.
        values: dict[str, Any] = {}
        problems: list[tuple[str, str]] = []
        width = len(cells)
        for field, index, header, parse, required in self._plan:
            raw = cells[index] if index < width else None
            if raw is None or raw == "" or (type(raw) is str and not raw.strip()):
                if required:
                    problems.append((header, f"{field} is required"))
                continue
            try:
                values[field] = parse(raw)
            except CellError as exc:
                problems.append((header, str(exc)))
        return values, problems

    def header_of(self, field: str) -> str:
        for column in self.columns:
            if column.field == field:
                return column.header
        return field


def _currency(value: object) -> str:
    code = cell_text(value).upper()
    if code in {"€"}:
        code = "EUR"
    if not is_known_currency(code):
        raise CellError(f"{cell_text(value)!r} is not an ISO 4217 currency code")
    return code


def _country(value: object) -> str:
    code = cell_text(value).upper()
    if code == "UK":
        code = "GB"
    if not is_known_country(code):
        raise CellError(f"{cell_text(value)!r} is not an ISO 3166 country code")
    return code


def _tags(value: object) -> list[str]:
    text = cell_text(value)
    separator = "|" if "|" in text else ","
    return [tag.strip()[:50] for tag in text.split(separator) if tag.strip()]


def _roles(value: object) -> set[str]:
    text = cell_text(value)
    parts = [
        p for p in (part.strip() for part in text.replace("|", ",").replace(";", ",").replace("/", ",").split(",")) if p
    ]
    return {_lookup(ROLE_WORDS, part, "contact role (AP, buyer, finance, other)") for part in parts}


def _email(value: object) -> str:
    from django.core.exceptions import ValidationError
    from django.core.validators import validate_email

    text = cell_text(value)
    try:
        validate_email(text)
    except ValidationError:
        raise CellError(f"{text!r} is not an e-mail address") from None
    return text.lower()
