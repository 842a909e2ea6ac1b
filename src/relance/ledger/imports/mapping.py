"""Which column of the file feeds which field.

Each file kind declares its fields, their type, whether they are required, and the headers
English and French ERPs commonly write for them. Headers are compared after normalisation
(lower case, accents and punctuation removed), so `Date d'échéance`, `DATE_ECHEANCE` and
`date echeance` all match. A mapping given by the user wins over the saved mapping, which wins
over recognition. A field mapped to no column ("") is left out, even when a header would match.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from relance.core.errors import RelanceError


class MappingError(RelanceError):
    code = "import.mapping"


@dataclass(frozen=True, slots=True)
class FieldSpec:
    name: str
    type: str  # text, amount, date, int, bool, currency, country, language, kind, status, method, tags, roles, email
    required: bool = False
    synonyms: tuple[str, ...] = ()
    help: str = ""


def normalize_header(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return re.sub(r"[^a-z0-9]", "", stripped.lower())


# fmt: off
CUSTOMER_CODE = FieldSpec(
    "customer_code",
    "text",
    True,
    (
        "customer code", "customer id", "customer", "customer number", "customer no", "customer account", "account",
        "account code", "client", "code client", "client code", "compte client", "numero client", "num client",
        "n client", "tiers", "code tiers", "compte tiers", "debtor", "debtor code",
    ),
    "the customer's code, as in the customers file",
)

FIELDS: dict[str, tuple[FieldSpec, ...]] = {
    "customers": (
        FieldSpec("code", "text", True, (*CUSTOMER_CODE.synonyms, "code"), "unique code of the customer"),
        FieldSpec("name", "text", True, ("name", "customer name", "company name", "company", "nom", "nom client",
                                         "raison sociale", "client name", "denomination", "societe")),
        FieldSpec("legal_id", "text", False, ("registration number", "company number", "legal id", "siren", "siret",
                                              "company registration", "numero siren", "numero siret", "rcs")),
        FieldSpec("vat_id", "text", False, ("vat", "vat number", "vat id", "tax id", "tva", "numero tva", "n tva",
                                            "tva intracommunautaire", "numero de tva", "vat no")),
        FieldSpec("address_line1", "text", False, ("address", "address 1", "address line 1", "street", "adresse",
                                                   "adresse 1", "adresse ligne 1", "rue")),
        FieldSpec("address_line2", "text", False, ("address 2", "address line 2", "adresse 2", "adresse ligne 2",
                                                   "complement adresse", "complement")),
        FieldSpec("postal_code", "text", False, ("postal code", "postcode", "zip", "zip code", "code postal", "cp")),
        FieldSpec("city", "text", False, ("city", "town", "ville", "localite", "commune")),
        FieldSpec("country", "country", False, ("country", "country code", "pays", "code pays")),
        FieldSpec("language", "language", False, ("language", "lang", "langue")),
        FieldSpec("currency", "currency", False, ("currency", "devise", "monnaie")),
        FieldSpec("payment_terms_days", "int", False, ("payment terms", "payment terms days", "terms", "terms days",
                                                        "delai de paiement", "delai paiement", "conditions de paiement",
                                                        "jours")),
        FieldSpec("collector", "text", False, ("collector", "collector email", "account manager", "recouvreur",
                                               "charge de recouvrement", "gestionnaire")),
        FieldSpec("tags", "tags", False, ("tags", "tag", "segment", "segments", "etiquettes", "categorie",
                                          "category")),
        FieldSpec("status", "status", False, ("status", "statut", "etat")),
    ),
    "contacts": (
        CUSTOMER_CODE,
        FieldSpec("external_ref", "text", False, ("contact id", "contact code", "id contact", "code contact")),
        FieldSpec("name", "text", False, ("name", "contact", "contact name", "full name", "nom", "nom contact",
                                          "nom complet", "interlocuteur")),
        FieldSpec("email", "email", False, ("email", "e mail", "mail", "email address", "adresse email", "courriel",
                                            "adresse mail")),
        FieldSpec("phone", "text", False, ("phone", "telephone", "tel", "phone number", "mobile", "portable")),
        FieldSpec("roles", "roles", False, ("role", "roles", "function", "fonction", "type")),
        FieldSpec("language", "language", False, ("language", "lang", "langue")),
        FieldSpec("is_primary", "bool", False, ("primary", "main", "principal", "contact principal", "main contact")),
    ),
    "invoices": (
        FieldSpec("number", "text", True, ("invoice number", "invoice no", "invoice", "invoice id", "number",
                                           "document number", "document no", "doc number", "numero facture",
                                           "n facture", "no facture", "num facture", "facture", "numero",
                                           "numero piece", "num piece", "piece", "numero de facture",
                                           "reference facture")),
        CUSTOMER_CODE,
        FieldSpec("customer_name", "text", False, ("customer name", "client name", "nom client", "raison sociale"),
                  "used only to create unknown customers when asked to"),
        FieldSpec("kind", "kind", False, ("type", "document type", "kind", "doc type", "type de piece", "type piece",
                                          "type document", "nature")),
        FieldSpec("issue_date", "date", True, ("invoice date", "issue date", "date", "document date", "date facture",
                                               "date emission", "date de facture", "date piece", "date d emission")),
        FieldSpec("due_date", "date", False, ("due date", "payment due", "due", "date echeance", "echeance",
                                              "date d echeance", "date limite de paiement")),
        FieldSpec("amount", "amount", True, ("amount", "invoice amount", "total", "total amount", "amount incl tax",
                                             "total incl tax", "gross amount", "montant", "montant ttc", "total ttc",
                                             "montant facture")),
        FieldSpec("open_amount", "amount", False, ("open amount", "balance", "remaining", "amount due",
                                                   "outstanding", "residual", "open", "montant restant",
                                                   "reste a payer", "solde", "montant du", "restant du",
                                                   "montant ouvert")),
        FieldSpec("currency", "currency", False, ("currency", "devise", "monnaie", "cur")),
        FieldSpec("po_number", "text", False, ("po", "po number", "purchase order", "order number", "bon de commande",
                                               "commande", "numero commande", "ref commande", "n commande")),
        FieldSpec("pdf_url", "text", False, ("pdf", "pdf url", "document url", "link", "lien pdf", "url")),
        FieldSpec("settled_date", "date", False, ("settled date", "paid date", "payment date", "date paid",
                                                  "date reglement", "date de reglement", "date de paiement",
                                                  "date paiement", "date solde")),
    ),
    "payments": (
        FieldSpec("external_ref", "text", True, ("payment id", "payment number", "payment reference id",
                                                 "transaction id", "payment no", "id", "numero reglement",
                                                 "n reglement", "ref reglement", "id reglement",
                                                 "numero paiement")),
        CUSTOMER_CODE,
        FieldSpec("date", "date", True, ("payment date", "date", "value date", "date valeur", "date reglement",
                                         "date paiement", "date de paiement")),
        FieldSpec("amount", "amount", True, ("amount", "payment amount", "montant", "montant regle",
                                             "montant reglement", "montant paiement")),
        FieldSpec("currency", "currency", False, ("currency", "devise", "monnaie")),
        FieldSpec("method", "method", False, ("method", "payment method", "mode", "mode de reglement",
                                              "mode reglement", "mode de paiement", "moyen de paiement")),
        FieldSpec("reference", "text", False, ("reference", "remittance", "remittance information", "libelle",
                                               "communication", "description", "memo")),
        FieldSpec("invoice_number", "text", False, ("invoice", "invoice number", "invoice no", "facture",
                                                    "numero facture", "n facture")),
    ),
}
# fmt: on


def field_specs(kind: str) -> tuple[FieldSpec, ...]:
    try:
        return FIELDS[kind]
    except KeyError:
        raise MappingError(f"unknown import kind {kind!r}; expected one of {', '.join(FIELDS)}") from None


def detect_mapping(
    kind: str, headers: list[str], *, explicit: dict[str, str] | None = None, saved: dict[str, str] | None = None
) -> tuple[dict[str, int], list[str]]:
    """Field name -> column index, and the problems found (empty when the mapping is usable).

    An explicit (or saved) empty column name means "this field is not imported": recognition does
    not fill it (a required field left out is a problem)."""
    specs = {spec.name: spec for spec in field_specs(kind)}
    by_norm: dict[str, int] = {}
    for index, header in enumerate(headers):
        by_norm.setdefault(normalize_header(header), index)
    problems: list[str] = []
    mapping: dict[str, int] = {}
    left_out: set[str] = set()
    used: set[int] = set()
    for source, given in (("given", explicit or {}), ("saved", saved or {})):
        for field_name, header in given.items():
            if field_name in mapping or field_name in left_out:
                continue
            if field_name not in specs:
                if source == "given":
                    problems.append(f"unknown field {field_name!r} (fields: {', '.join(specs)})")
                continue
            if not header:
                left_out.add(field_name)
                continue
            found = by_norm.get(normalize_header(header))
            if found is None:
                if source == "given":
                    problems.append(f"column {header!r} mapped to {field_name} is not in the file")
                continue
            mapping[field_name] = found
            used.add(found)
    for spec in specs.values():
        if spec.name in mapping or spec.name in left_out:
            continue
        for synonym in (spec.name, *spec.synonyms):
            match = by_norm.get(normalize_header(synonym))
            if match is not None and match not in used:
                mapping[spec.name] = match
                used.add(match)
                break
    missing = [spec.name for spec in specs.values() if spec.required and spec.name not in mapping]
    if missing:
        problems.append(
            f"no column for required field(s) {', '.join(missing)}; columns in the file: "
            f'{", ".join(repr(h) for h in headers)}. Give a mapping such as --map {missing[0]}="<column>"'
        )
    return mapping, problems


def resolve_mapping(
    kind: str, headers: list[str], *, explicit: dict[str, str] | None = None, saved: dict[str, str] | None = None
) -> dict[str, int]:
    """Field name -> column index. Raises MappingError naming every problem at once."""
    mapping, problems = detect_mapping(kind, headers, explicit=explicit, saved=saved)
    if problems:
        raise MappingError("; ".join(problems))
    return mapping
