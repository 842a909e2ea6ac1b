"""Importing customers, contacts and payments."""

import datetime as dt

import pytest

from relance.accounts.models import User
from relance.core.money import Money
from relance.ledger.imports.service import import_file
from relance.ledger.models import Allocation, Contact, Customer, Membership, Payment
from relance.ledger.selectors import customer_statement
from tests.factories import CustomerFactory, InvoiceFactory

AS_OF = dt.date(2026, 3, 31)

CUSTOMERS = (
    "Code client;Raison sociale;SIREN;N° TVA;Adresse;Code postal;Ville;Pays;Langue;Devise;Délai de paiement;"
    "Recouvreur;Étiquettes;Statut\n"
    "C001;Boulangerie Martin SARL;123456789;;12 rue de la Paix;75002;Paris;FR;fr;EUR;30;camille@example.com;"
    "grand compte|risqué;actif\n"
    "C002;Thames Tools Ltd;;;1 High Street;SW1A 1AA;London;UK;english;GBP;45;;;pause\n"
)


def imp(company, actor, kind, path, **kw):
    return import_file(company=company, kind=kind, path=path, actor=actor, as_of=AS_OF, **kw)


@pytest.fixture
def collector(company):
    user = User.objects.create_user("camille", email="camille@example.com")
    Membership.objects.create(user=user, company=company, role="collector")
    return user


def test_customers_with_french_headers_tags_collector_and_status(company, collector, actor, write_file):
    result = imp(company, actor, "customers", write_file("clients.csv", CUSTOMERS, "cp1252"))
    assert result.status == "applied", result.errors
    martin = Customer.objects.get(company=company, code="C001")
    assert (martin.name, martin.legal_id, martin.city, martin.country, martin.payment_terms_days) == (
        "Boulangerie Martin SARL",
        "123456789",
        "Paris",
        "FR",
        30,
    )
    assert martin.collector == collector
    assert sorted(t.name for t in martin.tags.all()) == ["grand compte", "risqué"]
    thames = Customer.objects.get(company=company, code="C002")
    assert (thames.country, thames.language, thames.currency, thames.status) == ("GB", "en", "GBP", "paused")
    again = imp(company, actor, "customers", write_file("clients.csv", CUSTOMERS, "cp1252"))
    assert (again.counters.created, again.counters.updated, again.counters.unchanged) == (0, 0, 2)


def test_customer_errors_name_row_and_column(company, actor, write_file):
    text = (
        "Code,Name,Country,Collector,Status\n"
        "A,Alpha,XX,,\n"  # row 2: unknown country
        "B,Beta,FR,nobody@example.com,\n"  # row 3: unknown collector
        "A,Again,FR,,\n"  # row 4: duplicated code
        "C,Gamma,FR,,zzz\n"  # row 5: unknown status
    )
    result = imp(company, actor, "customers", write_file("c.csv", text))
    assert result.status == "rejected"
    assert [(e.row, e.column) for e in result.errors] == [(2, "Country"), (3, "Collector"), (4, "Code"), (5, "Status")]
    assert not Customer.objects.exists()


def test_contacts_with_roles_and_identity_by_email(company, actor, write_file):
    CustomerFactory(company=company, code="C001")
    text = (
        "Code client,Nom,Email,Téléphone,Fonction,Principal\n"
        "C001,Julie Petit,Compta@Martin.example,+33 1 23 45 67 89,comptabilité fournisseurs,oui\n"
        "C001,Marc Roux,achats@martin.example,,acheteur / finance,non\n"
    )
    result = imp(company, actor, "contacts", write_file("contacts.csv", text))
    assert result.status == "applied", result.errors
    julie = Contact.objects.get(email="compta@martin.example")
    assert (julie.is_accounts_payable, julie.is_primary, julie.roles) == (True, True, ["accounts_payable"])
    assert Contact.objects.get(name="Marc Roux").roles == ["buyer", "finance"]
    # Same contact again with a new phone: updated, not duplicated.
    result = imp(company, actor, "contacts", write_file("c2.csv", text.replace("+33 1 23 45 67 89", "+33 6 00")))
    assert (result.counters.updated, result.counters.unchanged, Contact.objects.count()) == (1, 1, 2)


def test_contact_errors(company, actor, write_file):
    CustomerFactory(company=company, code="C001")
    text = (
        "Customer,Name,Email,Role\n"
        "C001,,,ap\n"  # row 2: neither name nor e-mail
        "C404,Zoe,zoe@x.example,ap\n"  # row 3: unknown customer
        "C001,Al,not-an-email,ap\n"  # row 4: bad e-mail
        "C001,Bo,b@x.example,pilot\n"  # row 5: unknown role
    )
    result = imp(company, actor, "contacts", write_file("c.csv", text))
    assert [(e.row, e.column) for e in result.errors] == [(2, "Email"), (3, "Customer"), (4, "Email"), (5, "Role")]
    assert not Contact.objects.exists()


def test_payments_are_allocated_to_the_invoice_named_and_reimport_is_idempotent(company, actor, write_file):
    customer = CustomerFactory(company=company, code="C001")
    InvoiceFactory(customer=customer, number="F-1", issue_date=dt.date(2026, 1, 1), amount=1000_00)
    text = (
        "N° règlement;Code client;Date règlement;Montant;Mode de règlement;Libellé;N° facture\n"
        "R-1;C001;15/02/2026;600,00;virement;VIR SEPA MARTIN F-1;F-1\n"
        "R-2;C001;20/02/2026;50,00;chèque;CHQ 1234567;\n"
    )
    path = write_file("reglements.csv", text)
    result = imp(company, actor, "payments", path)
    assert result.status == "applied", result.errors
    r1 = Payment.objects.get(external_ref="R-1")
    assert (r1.amount, r1.method, r1.date) == (600_00, "transfer", dt.date(2026, 2, 15))
    assert Payment.objects.get(external_ref="R-2").method == "cheque"
    statement = customer_statement(company=company, customer=customer, as_of=AS_OF)
    assert statement.totals["EUR"].overdue == Money.of("400.00", "EUR")
    assert statement.totals["EUR"].credits == Money.of("-50.00", "EUR")  # R-2 on account
    imp(company, actor, "payments", path)
    assert Allocation.objects.count() == 1
    assert Payment.objects.count() == 2


def test_payment_errors(company, actor, write_file):
    CustomerFactory(company=company, code="C001")
    text = (
        "Payment id,Customer,Date,Amount,Invoice\n"
        "P1,C001,2026-01-01,0,\n"
        "P2,C001,2027-01-01,10,\n"
        "P3,C001,2026-01-01,10,NOPE\n"
        "P3,C001,2026-01-01,10,\n"
    )
    result = imp(company, actor, "payments", write_file("p.csv", text))
    assert [(e.row, e.column) for e in result.errors] == [(2, "Amount"), (3, "Date"), (4, "Invoice"), (5, "Payment id")]
    assert not Payment.objects.exists()


def test_snapshot_mode_is_refused_for_other_kinds(company, actor, write_file):
    from relance.core.errors import RelanceError

    with pytest.raises(RelanceError, match="snapshot mode applies to invoices"):
        imp(company, actor, "customers", write_file("c.csv", CUSTOMERS), mode="snapshot")
