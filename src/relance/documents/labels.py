"""Every word printed on the documents, per language (English and French).

An in-code table rather than gettext: the documents are rendered in the *reader's* language,
thousands at a time, and a dictionary lookup costs nothing, needs no compiled catalogue and no
switch of the active Django language. To add a language, add its code to `LANGUAGES` and a column
to every entry of `LABELS` (a test checks that none is missing); see docs/documents.md.

Values are plain text, formatted with `str.format` placeholders; the caller escapes what it
inserts. Legal wording is kept close to the usual French and English practice and does not name
a jurisdiction unless the sentence is about the French Code civil, used only for French companies.
"""

from __future__ import annotations

LANGUAGES = ("en", "fr")
DEFAULT_LANGUAGE = "en"

LABELS: dict[str, dict[str, str]] = {
    # letterhead, footer, address blocks ----------------------------------------------------------
    "phone": {"en": "Tel. {value}", "fr": "Tél. {value}"},
    "registration": {"en": "Registration no. {value}", "fr": "Immatriculation {value}"},
    "vat": {"en": "VAT no. {value}", "fr": "N° TVA {value}"},
    "page": {"en": "Page {page} of {pages}", "fr": "Page {page} sur {pages}"},
    "customer_code": {"en": "Customer account", "fr": "Compte client"},
    "date": {"en": "Date", "fr": "Date"},
    "our_reference": {"en": "Our reference", "fr": "Notre référence"},
    # item kinds ----------------------------------------------------------------------------------
    "kind.invoice": {"en": "Invoice", "fr": "Facture"},
    "kind.debit_note": {"en": "Debit note", "fr": "Note de débit"},
    "kind.credit_note": {"en": "Credit note", "fr": "Avoir"},
    "kind.payment": {"en": "Unapplied payment", "fr": "Règlement non imputé"},
    # columns -------------------------------------------------------------------------------------
    "col.number": {"en": "Number", "fr": "Numéro"},
    "col.kind": {"en": "Type", "fr": "Type"},
    "col.issue_date": {"en": "Date", "fr": "Date"},
    "col.due_date": {"en": "Due date", "fr": "Échéance"},
    "col.days_late": {"en": "Days late", "fr": "Jours de retard"},
    "col.amount": {"en": "Amount", "fr": "Montant TTC"},
    "col.open_amount": {"en": "Open amount", "fr": "Reste dû"},
    "col.penalty": {"en": "Penalty", "fr": "Pénalité"},
    "col.penalty_amount": {"en": "Amount", "fr": "Montant"},
    "col.days": {"en": "Days", "fr": "Jours"},
    "col.rate": {"en": "Annual rate", "fr": "Taux annuel"},
    "col.legal_basis": {"en": "Legal basis", "fr": "Fondement"},
    "col.invoice": {"en": "Invoice", "fr": "Facture"},
    # penalty lines -------------------------------------------------------------------------------
    "penalty.detail": {"en": "{days} days at {rate} a year", "fr": "{days} jours au taux annuel de {rate}"},
    "penalty.days": {"en": "{days} days", "fr": "{days} jours"},
    # statement -----------------------------------------------------------------------------------
    "statement.title": {"en": "Statement of account", "fr": "Relevé de compte"},
    "statement.intro": {
        "en": "Please find below the status of your account on {date}: the items overdue, which are to be paid "
        "without delay, and the items not yet due, with their due dates.",
        "fr": "Veuillez trouver ci-dessous la situation de votre compte au {date} : les sommes échues, à régler "
        "sans délai, et les sommes non encore échues, avec leurs dates d'échéance.",
    },
    "statement.empty": {"en": "Your account has no open item.", "fr": "Votre compte ne présente aucune pièce ouverte."},
    "statement.overdue": {"en": "Overdue", "fr": "Échu"},
    "statement.not_due": {"en": "Not yet due", "fr": "Non échu"},
    "statement.credits": {"en": "Credits available", "fr": "Avoirs et règlements disponibles"},
    "statement.penalties_note": {
        "en": "Late-payment penalties are shown under each overdue invoice they apply to.",
        "fr": "Les pénalités de retard figurent sous chaque facture échue à laquelle elles s'appliquent.",
    },
    "statement.closing": {
        "en": "If you have paid in the meantime, please disregard the items concerned. For any question about "
        "this statement, contact us{contact}.",
        "fr": "Si vous avez réglé entre-temps, ne tenez pas compte des pièces concernées. Pour toute question sur "
        "ce relevé, contactez-nous{contact}.",
    },
    "statement.contact": {"en": " at {value}", "fr": " à {value}"},
    # totals --------------------------------------------------------------------------------------
    "totals.title": {"en": "Totals", "fr": "Totaux"},
    "totals.overdue": {"en": "Overdue", "fr": "Échu"},
    "totals.penalties": {"en": "Late-payment penalties", "fr": "Pénalités de retard"},
    "totals.overdue_with_penalties": {"en": "Overdue including penalties", "fr": "Échu, pénalités comprises"},
    "totals.not_due": {"en": "Not yet due", "fr": "Non échu"},
    "totals.credits": {"en": "Credits", "fr": "Avoirs et règlements"},
    "totals.balance": {"en": "Balance", "fr": "Solde"},
    # bank details and QR code --------------------------------------------------------------------
    "bank.title": {"en": "How to pay", "fr": "Règlement"},
    "bank.intro": {
        "en": "By bank transfer to the account below, quoting the reference.",
        "fr": "Par virement sur le compte ci-dessous, en indiquant la référence.",
    },
    "bank.beneficiary": {"en": "Beneficiary", "fr": "Bénéficiaire"},
    "bank.iban": {"en": "IBAN", "fr": "IBAN"},
    "bank.bic": {"en": "BIC", "fr": "BIC"},
    "bank.reference": {"en": "Reference", "fr": "Référence"},
    "bank.qr": {
        "en": "Scan with your banking app to pay {amount} by SEPA credit transfer.",
        "fr": "Scannez avec votre application bancaire pour payer {amount} par virement SEPA.",
    },
    # formal notice -------------------------------------------------------------------------------
    "notice.registered": {
        "en": "Registered letter with acknowledgement of receipt",
        "fr": "Lettre recommandée avec accusé de réception",
    },
    "notice.title": {"en": "Formal notice", "fr": "Mise en demeure"},
    "notice.place_date": {"en": "{place}, {date}", "fr": "{place}, le {date}"},
    "notice.deadline": {"en": "Deadline for payment", "fr": "Date limite de paiement"},
    "notice.subject_label": {"en": "Subject:", "fr": "Objet :"},
    "notice.subject": {
        "en": "Formal notice to pay (letter before action)",
        "fr": "Mise en demeure de payer",
    },
    "notice.salutation": {"en": "Dear Sir or Madam,", "fr": "Madame, Monsieur,"},
    "notice.creditor": {"en": "Creditor", "fr": "Créancier"},
    "notice.debtor": {"en": "Debtor", "fr": "Débiteur"},
    "notice.body": {
        "en": "Despite our previous reminders, the following invoices, issued by {creditor} to {debtor} and now "
        "past their due dates, remain unpaid:",
        "fr": "Malgré nos précédentes relances, les factures suivantes, émises par {creditor} à l'ordre de "
        "{debtor} et arrivées à échéance, demeurent impayées :",
    },
    "notice.penalties": {
        "en": "Late payment entitles us, by law and under our terms of sale, to the following late-payment "
        "interest and fixed compensation for recovery costs:",
        "fr": "Le retard de paiement rend exigibles de plein droit, en application de la loi et de nos conditions "
        "générales de vente, les pénalités de retard et l'indemnité forfaitaire pour frais de recouvrement "
        "suivantes :",
    },
    "notice.principal": {"en": "Principal outstanding", "fr": "Principal restant dû"},
    "notice.penalties_total": {
        "en": "Late-payment interest and compensation",
        "fr": "Pénalités de retard et indemnités",
    },
    "notice.credits": {"en": "Less credits available", "fr": "Sous déduction des avoirs et règlements"},
    "notice.total": {"en": "Total claimed", "fr": "Total réclamé"},
    "notice.demand": {
        "en": "We hereby formally demand that you pay the sum of {total} no later than {deadline}, that is within "
        "{days} days of the date of this letter.",
        "fr": "Par la présente, nous vous mettons en demeure de nous régler la somme de {total} au plus tard le "
        "{deadline}, soit dans un délai de {days} jours à compter de la date de la présente lettre.",
    },
    "notice.consequence": {
        "en": "If the full amount has not been received by that date, we will start legal proceedings to recover "
        "the debt without further notice, in particular by applying for a payment order, and will claim "
        "interest, compensation and the costs of proceedings in addition.",
        "fr": "À défaut de règlement intégral dans ce délai, nous engagerons sans autre avis une procédure "
        "judiciaire de recouvrement, notamment par voie d'injonction de payer, et réclamerons en outre les "
        "intérêts, indemnités et frais de procédure.",
    },
    "notice.civil_code": {
        "en": "This letter is a formal notice within the meaning of Article 1344 of the French Civil Code.",
        "fr": "La présente lettre vaut mise en demeure au sens de l'article 1344 du Code civil.",
    },
    "notice.already_paid": {
        "en": "If you have settled these amounts in the meantime, please disregard this letter and send us the "
        "details of your payment.",
        "fr": "Si vous avez réglé ces sommes entre-temps, nous vous prions de ne pas tenir compte de la présente "
        "et de nous communiquer les références de votre paiement.",
    },
    "notice.closing": {
        "en": "Yours faithfully,",
        "fr": "Veuillez agréer, Madame, Monsieur, l'expression de nos salutations distinguées.",
    },
    # promise to pay ------------------------------------------------------------------------------
    "promise.title": {
        "en": "Acknowledgement of debt and promise to pay",
        "fr": "Reconnaissance de dette et engagement de paiement",
    },
    "promise.parties": {"en": "Between", "fr": "Entre"},
    "promise.undersigned": {
        "en": "I, the undersigned, {person}, acting on behalf of {debtor}, hereby acknowledge that {debtor} owes "
        "{creditor} the following invoices, which are certain, liquid and payable:",
        "fr": "Je soussigné(e), {person}, agissant pour le compte de {debtor}, reconnais que {debtor} doit à "
        "{creditor} les factures suivantes, dont la créance est certaine, liquide et exigible :",
    },
    "promise.commitment": {
        "en": "{debtor} undertakes to pay the sum of {amount} no later than {date}, by {means}.",
        "fr": "{debtor} s'engage à régler la somme de {amount} au plus tard le {date}, par {means}.",
    },
    "promise.partial": {
        "en": "The balance of the invoices concerned, {rest}, remains due.",
        "fr": "Le solde des factures concernées, soit {rest}, reste dû.",
    },
    "promise.no_waiver": {
        "en": "This promise does not novate the debt; if it is not kept, the whole amount owed becomes payable "
        "immediately, together with late-payment penalties.",
        "fr": "Le présent engagement n'emporte pas novation de la créance ; à défaut de paiement à la date "
        "convenue, la totalité des sommes dues deviendra immédiatement exigible, pénalités de retard en sus.",
    },
    "promise.recorded": {
        "en": "Promise made on {when}{channel}.",
        "fr": "Engagement pris le {when}{channel}.",
    },
    "promise.channel": {"en": " ({value})", "fr": " ({value})"},
    "promise.done_at": {"en": "Signed at {place} on {date}", "fr": "Fait à {place}, le {date}"},
    "promise.in_words": {
        "en": "Amount in words, written by the debtor:",
        "fr": "Somme en toutes lettres, écrite de la main du débiteur :",
    },
    "promise.signature_debtor": {
        "en": "For the debtor: name, title, signature",
        "fr": "Pour le débiteur : nom, qualité, signature",
    },
    "promise.signature_creditor": {"en": "For the creditor", "fr": "Pour le créancier"},
    "promise.read_approved": {
        "en": "Preceded by the words “read and approved”",
        "fr": "Précédée de la mention « lu et approuvé »",
    },
    "promise.total_invoices": {"en": "Total of the invoices concerned", "fr": "Total des factures concernées"},
    # means of payment (the values of ledger.PaymentMethod) -----------------------------------------
    "means.transfer": {"en": "bank transfer", "fr": "virement bancaire"},
    "means.direct_debit": {"en": "direct debit", "fr": "prélèvement"},
    "means.card": {"en": "card", "fr": "carte bancaire"},
    "means.cheque": {"en": "cheque", "fr": "chèque"},
    "means.bill_of_exchange": {"en": "bill of exchange", "fr": "lettre de change"},
    "means.cash": {"en": "cash", "fr": "espèces"},
    "means.other": {"en": "another means", "fr": "un autre moyen"},
    # signature -----------------------------------------------------------------------------------
    "signature": {"en": "Signature", "fr": "Signature"},
}


def normalise_language(language: str | None) -> str:
    """``"fr-BE"``, ``"fr_FR"``, ``"FR"`` -> ``"fr"``; a language without a column -> English."""
    code = (language or "").replace("_", "-").split("-", 1)[0].lower()
    return code if code in LANGUAGES else DEFAULT_LANGUAGE


def label(language: str, key: str, **values: object) -> str:
    """The text of `key` in `language` (already normalised), with `values` substituted."""
    text = LABELS[key][language]
    return text.format(**values) if values else text
