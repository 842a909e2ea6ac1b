"""A realistic demo ledger, generated from a seed: `build_demo(today=...)`.

Design:
- Everything business-like is drawn from one `random.Random(seed)` in a fixed order and never
  depends on database ids, so the same seed and the same `today` give the same companies,
  customers, numbers, amounts and dates on any database (only ids and the password differ).
- Names and addresses come from small word lists (no Faker: the demo runs on a production
  install). E-mail domains are under the reserved `.example` TLD; phone numbers are in ranges
  reserved for fiction (Ofcom 020 7946 0xxx, ARCEP 01 99 00 xx xx, US 555-01xx).
- Money is integer minor units throughout; amounts are drawn from integer tiers (roughly
  log-uniform from 150 to 60,000), never through floats.
- The ledger is planned in memory first (invoices, credit notes, then payments with their
  allocations), then written with `bulk_create`, so a 3,000-invoice demo takes about a second.
- Each demo company gets an audit event `ledger.demo.created`: that is how `relance demo` tells a
  demo database from real data and refuses to touch the latter.
"""

from __future__ import annotations

import calendar
import datetime as dt
import secrets
import time
from collections import defaultdict
from dataclasses import dataclass, field
from random import Random

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils.text import slugify
from stdnum import luhn

from relance.accounts.models import Role, User
from relance.core.audit import Actor, record
from relance.core.models import AuditEvent
from relance.ledger.models import (
    Allocation,
    AllocationKind,
    Company,
    Contact,
    Customer,
    CustomerStatus,
    Invoice,
    InvoiceKind,
    Membership,
    Payment,
    PaymentMethod,
    Tag,
)

DEMO_EVENT = "ledger.demo.created"
ADMIN_USERNAME = "admin"
TAG_KEY_ACCOUNT = "key account"
TAG_PUBLIC = "public sector"
TAG_RISKY = "risky"
TAG_NEW = "new customer"
TAGS = (TAG_KEY_ACCOUNT, TAG_PUBLIC, TAG_RISKY, TAG_NEW)
DUE_FROM_DAYS = -120  # oldest due date, relative to today
DUE_TO_DAYS = 45  # latest due date, relative to today


@dataclass(frozen=True, slots=True)
class DemoUser:
    username: str
    first_name: str
    last_name: str
    language: str
    phone: str


COLLECTORS = (
    DemoUser("camille", "Camille", "Martin", "fr", "+33 1 99 00 45 10"),
    DemoUser("james", "James", "Smith", "en", "+44 20 7946 0123"),
)
DEMO_USERNAMES = (ADMIN_USERNAME, *(c.username for c in COLLECTORS))


@dataclass(frozen=True, slots=True)
class DemoResult:
    company_ids: tuple[int, ...]
    customers: int
    contacts: int
    invoices: int  # invoices and credit notes
    credit_notes: int
    payments: int
    allocations: int
    admin_username: str
    admin_password: str  # the collectors share it
    collector_usernames: tuple[str, ...]
    seconds: float  # build time, for the banner (not money)


# --- word lists --------------------------------------------------------------------------------

# fmt: off
FR_SURNAMES = (
    "Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Leroy", "Moreau", "Simon",
    "Laurent", "Lefebvre", "Michel", "Garcia", "David", "Bertrand", "Roux", "Vincent", "Fournier", "Morel",
    "Girard", "André", "Mercier", "Dupont", "Lambert", "Bonnet", "François", "Legrand", "Garnier", "Faure",
    "Rousseau", "Blanc", "Guérin", "Muller", "Henry", "Roussel", "Nicolas", "Perrin", "Morin", "Mathieu",
    "Clément", "Gauthier", "Dumont", "Fontaine", "Chevalier", "Robin", "Masson", "Gérard", "Boyer", "Denis",
    "Lemaire", "Duval", "Joly", "Roger", "Roche", "Noël", "Meyer", "Lucas", "Meunier", "Marchand",
    "Dufour", "Blanchard", "Barbier", "Brun", "Dumas", "Brunet", "Schmitt", "Leroux", "Colin", "Renard",
    "Arnaud", "Rolland", "Caron", "Aubert", "Giraud", "Leclerc", "Vidal", "Bourgeois", "Renaud", "Lemoine",
    "Picard", "Gaillard", "Lacroix", "Fabre", "Dupuis", "Olivier", "Hubert", "Guillot", "Rivière", "Le Gall",
    "Guillaume", "Moulin", "Berger", "Lecomte", "Ménard", "Fleury", "Deschamps", "Carpentier", "Benoît", "Maillard",
    "Aubry", "Vasseur", "Jacquet", "Collet", "Prévost", "Poirier", "Charpentier", "Royer", "Huet", "Baron",
)
FR_FIRST_NAMES = (
    "Sophie", "Julien", "Nathalie", "Thomas", "Isabelle", "Nicolas", "Céline", "Stéphane", "Aurélie", "Pierre",
    "Émilie", "Laurent", "Sandrine", "Antoine", "Claire", "Mathieu", "Valérie", "Olivier", "Hélène", "Sébastien",
    "Marion", "Christophe", "Élodie", "Vincent", "Caroline", "Guillaume", "Anne", "Frédéric", "Lucie", "Manon",
)
FR_TRADES = (
    "Transports", "Menuiserie", "Imprimerie", "Laboratoires", "Établissements", "Boulangerie", "Garage",
    "Charpenterie", "Plomberie", "Maçonnerie", "Fromagerie", "Brasserie", "Librairie", "Quincaillerie",
    "Conserverie", "Chaudronnerie", "Métallerie", "Papeterie", "Cabinet", "Pharmacie", "Hôtel", "Domaine",
)
FR_SECTORS = (
    "Logistique", "Distribution", "Industrie", "Conseil", "Emballages", "Bâtiment", "Électricité", "Agencement",
    "Froid Industriel", "Services", "Nettoyage", "Informatique", "Mobilier", "Signalétique", "Sécurité",
)
FR_REGIONS = (
    "du Rhône", "de l'Ouest", "du Vexin", "des Alpes", "de Provence", "du Nord", "de Bretagne", "du Littoral",
    "de la Loire", "du Sud-Ouest", "de Normandie", "du Jura", "de Sologne", "des Vosges",
)
BRAND_HEADS = (
    "Agri", "Bio", "Techni", "Norma", "Proxi", "Alti", "Éco", "Hydro", "Médi", "Océa", "Néo", "Axi", "Inno",
    "Vala", "Sol", "Terra", "Lumi", "Valo", "Quadri", "Opti",
)
BRAND_TAILS = ("flux", "pack", "tec", "sol", "log", "com", "nov", "via", "ma", "réa", "lys", "form", "pro", "vision")
FR_FORMS = (("SAS", 40), ("SARL", 30), ("SA", 10), ("EURL", 8), ("SNC", 2), ("", 10))
BE_FORMS = (("SRL", 60), ("SA", 30), ("SC", 10))
LEGAL_FORMS = frozenset({"SAS", "SARL", "SA", "EURL", "SNC", "SRL", "SC", "Ltd", "plc", "LLP", "Inc.", "LLC", "Corp.",
                         "GmbH"})

EN_SURNAMES = (
    "Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Robinson", "Wright",
    "Thompson", "Evans", "Walker", "White", "Roberts", "Green", "Hall", "Wood", "Jackson", "Clarke",
    "Harrington", "Blackwood", "Ashford", "Whitfield", "Pemberton", "Fairbairn", "Hargreaves", "Thornton",
    "Holloway", "Fletcher", "Marsh", "Kendall", "Barlow", "Sutton", "Gallagher", "Doyle", "Murphy", "Kelly",
)
EN_FIRST_NAMES = (
    "Oliver", "Emma", "Charlotte", "Harry", "Sophie", "George", "Amelia", "Jack", "Olivia", "Thomas",
    "Emily", "William", "Jessica", "Daniel", "Hannah", "Matthew", "Lucy", "Samuel", "Grace", "Michael",
    "Rachel", "David", "Laura", "Robert", "Sarah", "Peter", "Helen", "Aidan", "Niamh", "Megan",
)
EN_PLACES = (
    "Northgate", "Riverside", "Oakfield", "Ashbourne", "Kingsway", "Highfield", "Westbrook", "Elmwood",
    "Thames", "Pennine", "Severn", "Mercia", "Wessex", "Cotswold", "Kestrel", "Brightwater", "Ironbridge",
    "Harbour", "Lakeside", "Greenway",
)
EN_SECTORS = (
    "Logistics", "Engineering", "Foods", "Packaging", "Supplies", "Components", "Systems", "Interiors",
    "Electrical", "Plastics", "Print", "Software", "Facilities", "Construction", "Freight", "Textiles",
)
DE_SURNAMES = ("Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Wagner", "Becker", "Hoffmann", "Schulz", "Koch")
DE_SECTORS = ("Maschinenbau", "Logistik", "Technik", "Handel", "Kunststoffe", "Elektronik", "Verpackung")

FR_STREETS = (
    "rue de la République", "avenue Victor Hugo", "boulevard Jean Jaurès", "rue des Lilas",
    "place du Général de Gaulle", "rue Pasteur", "avenue de la Gare", "rue des Écoles", "chemin du Moulin",
    "rue de l'Industrie", "rue Gambetta",
    "boulevard Voltaire", "allée des Acacias", "quai du Port", "rue Carnot", "rue Saint-Michel", "avenue de Verdun",
    "impasse des Tilleuls", "rue du Commerce", "rue des Artisans",
)
FR_LINE2 = ("ZI des Bruyères", "Bâtiment B", "ZA du Moulin", "Parc d'activités Les Landes", "CS 40012", "2e étage")
FR_CITIES = (
    ("Paris", "75011"), ("Paris", "75015"), ("Lyon", "69003"), ("Marseille", "13008"), ("Toulouse", "31000"),
    ("Nantes", "44000"), ("Bordeaux", "33000"), ("Lille", "59000"), ("Strasbourg", "67000"), ("Rennes", "35000"),
    ("Montpellier", "34000"), ("Nice", "06000"), ("Grenoble", "38000"), ("Dijon", "21000"), ("Angers", "49000"),
    ("Reims", "51100"), ("Le Havre", "76600"), ("Tours", "37000"), ("Clermont-Ferrand", "63000"),
    ("Limoges", "87000"), ("Rouen", "76000"), ("Orléans", "45000"), ("Caen", "14000"), ("Annecy", "74000"),
)
BE_STREETS = ("Rue de la Loi", "Avenue Louise", "Chaussée de Waterloo", "Rue Neuve", "Boulevard d'Avroy")
BE_CITIES = (("Bruxelles", "1000"), ("Liège", "4000"), ("Namur", "5000"), ("Charleroi", "6000"), ("Mons", "7000"))
GB_STREETS = (
    "High Street", "Station Road", "Church Lane", "Victoria Road", "Mill Lane", "King Street", "Queen's Road",
    "Park Avenue", "Bridge Street", "Market Place", "Canal Way", "Albert Road",
)
GB_LINE2 = ("Unit 4, Riverside Industrial Estate", "Suite 12", "Floor 3", "Unit 17, Enterprise Park")
GB_CITIES = (
    ("London", "EC1V 2NX"), ("London", "SE1 9GF"), ("Manchester", "M1 2AB"), ("Leeds", "LS1 4DY"),
    ("Bristol", "BS1 5TR"), ("Birmingham", "B2 4QA"), ("Edinburgh", "EH1 1YZ"), ("Glasgow", "G1 2FF"),
    ("Cardiff", "CF10 1EP"), ("Nottingham", "NG1 5FS"), ("Sheffield", "S1 2HE"), ("Newcastle upon Tyne", "NE1 7RU"),
)
IE_CITIES = (("Dublin", "D02 X285"), ("Cork", "T12 RW26"), ("Galway", "H91 E2K3"))
US_STREETS = ("Main Street", "Oak Avenue", "Market Street", "Commerce Drive", "Industrial Parkway", "5th Avenue")
US_CITIES = (
    ("New York, NY", "10001"), ("Boston, MA", "02110"), ("Chicago, IL", "60601"), ("Austin, TX", "78701"),
    ("Seattle, WA", "98101"), ("Atlanta, GA", "30303"),
)
DE_STREETS = ("Hauptstraße", "Bahnhofstraße", "Industriestraße", "Lindenallee", "Gartenweg")
DE_CITIES = (
    ("Berlin", "10115"), ("München", "80331"), ("Hamburg", "20095"), ("Köln", "50667"),
    ("Frankfurt am Main", "60311"), ("Stuttgart", "70173"),
)
# fmt: on

# Invoice amounts in minor units: (low, high, weight) tiers, roughly log-uniform 150 to 60,000.
AMOUNT_TIERS = (
    (15_000, 60_000, 30),
    (60_000, 250_000, 36),
    (250_000, 900_000, 22),
    (900_000, 2_500_000, 9),
    (2_500_000, 6_000_000, 3),
)
# Payment behaviour: name -> (min delay, max delay) in days after the due date, and weight.
PROFILES = {"punctual": (0, 4), "normal": (2, 20), "late": (10, 45), "very_late": (25, 85)}
PROFILE_WEIGHTS = (("punctual", 30), ("normal", 40), ("late", 20), ("very_late", 10))


# --- small helpers ------------------------------------------------------------------------------


def _weighted[T](rng: Random, options: tuple[tuple[T, int], ...]) -> T:
    """One option chosen with integer weights (cumulative integers, no float arithmetic)."""
    pick = rng.randrange(sum(weight for _, weight in options))
    for option, weight in options:
        if pick < weight:
            return option
        pick -= weight
    raise AssertionError("unreachable")


def _weekday_within(day: dt.date, low: dt.date, high: dt.date) -> dt.date:
    """Move a Saturday or Sunday to the nearest weekday inside [low, high], if there is one."""
    if day.weekday() < 5:
        return day
    forward = day + dt.timedelta(days=7 - day.weekday())
    backward = day - dt.timedelta(days=day.weekday() - 4)
    for candidate in (forward, backward) if day.weekday() == 6 else (backward, forward):
        if low <= candidate <= high:
            return candidate
    return day


def _next_weekday(day: dt.date) -> dt.date:
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    return day


def _random_date(rng: Random, low: dt.date, high: dt.date) -> dt.date:
    return low + dt.timedelta(days=rng.randint(0, (high - low).days))


def _french_siren(rng: Random) -> str:
    base = str(rng.randint(30_000_000, 99_999_999))
    return base + luhn.calc_check_digit(base)


def _french_vat(siren: str) -> str:
    return f"FR{int(siren + '12') % 97:02d}{siren}"


def _uk_vat(rng: Random) -> str:
    digits = str(rng.randint(1_000_000, 9_999_999))
    total = sum(weight * int(d) for weight, d in zip((8, 7, 6, 5, 4, 3, 2), digits, strict=True))
    return f"GB{digits}{(-total) % 97:02d}"


def _french_of(city: str) -> str:
    """'de Lyon', "d'Orléans": the French preposition with elision before a vowel."""
    return f"d'{city}" if city[0] in "AEIOUYÉÈÂÎÔH" else f"de {city}"


def _without_legal_form(name: str) -> str:
    words = name.split()
    if len(words) > 1 and words[-1] in LEGAL_FORMS:
        words = words[:-1]
    return " ".join(words)


def _domain(name: str) -> str:
    """A reserved-TLD e-mail domain from a company name, without its legal form: `picard-et-fils.example`."""
    return f"{slugify(_without_legal_form(name))[:40].strip('-')}.example"


def _phone(rng: Random, country: str) -> str:
    """A phone number in a range reserved for fiction, or blank where we know none."""
    if country == "FR":
        return f"+33 1 99 00 {rng.randint(10, 99)} {rng.randint(10, 99)}"
    if country == "GB":
        return f"+44 20 7946 0{rng.randint(0, 999):03d}"
    if country == "US":
        return f"+1 212 555 01{rng.randint(0, 99):02d}"
    return ""


def _last_day_of_month(day: dt.date) -> dt.date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def _payment_run(day: dt.date, habit: str) -> dt.date:
    """Customers that pay in runs: on the 10th, at month end, or on Fridays."""
    if habit == "10th":
        if day.day <= 10:
            return day.replace(day=10)
        return (_last_day_of_month(day) + dt.timedelta(days=1)).replace(day=10)
    if habit == "month_end":
        return _last_day_of_month(day)
    if habit == "friday":
        return day + dt.timedelta(days=(4 - day.weekday()) % 7)
    return day


# --- plans ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _CompanySpec:
    name: str
    legal_name: str
    legal_id: str
    vat_id: str
    address_line1: str
    postal_code: str
    city: str
    country: str
    currency: str
    timezone: str
    language: str
    email: str
    phone: str
    website: str
    iban: str
    bic: str
    invoice_prefix: str
    credit_prefix: str
    countries: tuple[tuple[str, int], ...]  # customer countries and weights


@dataclass(slots=True)
class _CustomerPlan:
    customer: Customer
    tags: list[str]
    profile: str
    habit: str  # payment run habit
    method: str
    never_pay_percent: int
    uses_po: bool
    big: bool  # key accounts buy more and bigger
    weight: int  # share of the invoices


@dataclass(slots=True)
class _ItemPlan:
    """An invoice or credit note, and what happens to it."""

    customer: _CustomerPlan
    kind: str
    issue_date: dt.date
    due_date: dt.date
    amount: int
    currency: str
    po_number: str = ""
    invoice: Invoice | None = None
    source: _ItemPlan | None = None  # the invoice a credit note refers to
    credit_allocated: int = 0  # on an invoice: credit-note allocation received
    credit_date: dt.date | None = None


@dataclass(slots=True)
class _PaymentPlan:
    customer: _CustomerPlan
    date: dt.date
    currency: str
    method: str
    lines: list[tuple[_ItemPlan, int]] = field(default_factory=list)  # invoice, amount allocated
    on_account: int = 0  # amount not allocated
    partial: bool = False
    payment: Payment | None = None

    @property
    def amount(self) -> int:
        return sum(amount for _, amount in self.lines) + self.on_account


def _french_company() -> _CompanySpec:
    siren = "843179243"  # Luhn-valid; the VAT key below is computed from it
    return _CompanySpec(
        name="Atelier Durand SAS",
        legal_name="Atelier Durand SAS",
        legal_id=siren,
        vat_id=_french_vat(siren),
        address_line1="18 rue de la Roquette",
        postal_code="75011",
        city="Paris",
        country="FR",
        currency="EUR",
        timezone="Europe/Paris",
        language="fr",
        email="compta@atelier-durand.example",
        phone="+33 1 99 00 12 34",
        website="https://www.atelier-durand.example",
        iban="FR7630006000011234567890189",
        bic="AGRIFRPP",
        invoice_prefix="FA",
        credit_prefix="AV",
        countries=(("FR", 80), ("BE", 5), ("GB", 6), ("US", 4), ("DE", 5)),
    )


def _uk_company() -> _CompanySpec:
    return _CompanySpec(
        name="Northwind Components Ltd",
        legal_name="Northwind Components Limited",
        legal_id="08123456",
        vat_id="GB980780684",
        address_line1="12 Harbour Yard",
        postal_code="SE1 9GF",
        city="London",
        country="GB",
        currency="GBP",
        timezone="Europe/London",
        language="en",
        email="accounts@northwind-components.example",
        phone="+44 20 7946 0500",
        website="https://www.northwind-components.example",
        iban="GB29NWBK60161331926819",
        bic="NWBKGB2L",
        invoice_prefix="INV",
        credit_prefix="CN",
        countries=(("GB", 85), ("IE", 15)),
    )


class _Generator:
    """Plans one company's customers and ledger from the shared random generator."""

    def __init__(self, rng: Random, spec: _CompanySpec, company: Company, today: dt.date) -> None:
        self.rng = rng
        self.spec = spec
        self.company = company
        self.today = today
        self.names: set[str] = set()

    # customers ---------------------------------------------------------------------------------
    def customer_name(self, country: str, public: bool) -> str:
        """A name no other customer has, even without the legal form ("Picard et Fils" once)."""
        for _ in range(50):
            name = self._one_name(country, public)
            if _without_legal_form(name) not in self.names:
                self.names.add(_without_legal_form(name))
                return name
        name = f"{self._one_name(country, public)} {len(self.names) + 1}"
        self.names.add(name)
        return name

    def _one_name(self, country: str, public: bool) -> str:
        rng = self.rng
        if country in {"FR", "BE"}:
            city = rng.choice(FR_CITIES if country == "FR" else BE_CITIES)[0]
            if public:
                head = rng.choice(("Mairie", "Centre hospitalier", "Université", "Communauté d'agglomération"))
                return f"{head} {_french_of(city)}"
            surname = rng.choice(FR_SURNAMES)
            kind = rng.randrange(5)
            if kind == 0:
                base = f"{rng.choice(FR_TRADES)} {surname}"
            elif kind == 1:
                base = f"{surname} et Fils"
            elif kind == 2:
                base = f"{surname} {rng.choice(FR_SECTORS)}"
            elif kind == 3:
                base = f"{rng.choice(BRAND_HEADS)}{rng.choice(BRAND_TAILS)} {rng.choice(FR_SECTORS)}"
            else:
                base = f"{rng.choice(FR_TRADES)} {rng.choice(FR_REGIONS)}"
            form = _weighted(rng, FR_FORMS if country == "FR" else BE_FORMS)
            return f"{base} {form}".strip()
        if country == "DE":
            return f"{rng.choice(DE_SURNAMES)} {rng.choice(DE_SECTORS)} GmbH"
        cities = {"GB": GB_CITIES, "IE": IE_CITIES, "US": US_CITIES}[country]
        if public and country == "GB":
            city = rng.choice(cities)[0]
            pattern = rng.choice(("{c} City Council", "{c} NHS Foundation Trust", "University of {c}"))
            return pattern.format(c=city)
        kind = rng.randrange(4)
        if kind == 0:
            base = f"{rng.choice(EN_SURNAMES)} {rng.choice(EN_SECTORS)}"
        elif kind == 1:
            base = f"{rng.choice(EN_SURNAMES)} & Sons"
        elif kind == 2:
            base = f"{rng.choice(EN_PLACES)} {rng.choice(EN_SECTORS)}"
        else:
            base = f"{rng.choice(EN_SURNAMES)} {rng.choice(EN_SURNAMES)} {rng.choice(EN_SECTORS)}"
        if country == "US":
            return f"{base} {rng.choice(('Inc.', 'LLC', 'Corp.'))}"
        return f"{base} {_weighted(rng, (('Ltd', 85), ('plc', 10), ('LLP', 5)))}"

    def address(self, country: str) -> tuple[str, str, str, str]:
        """line1, line2, postal code, city."""
        rng = self.rng
        number = rng.randint(1, 180)
        line2 = ""
        if country == "FR":
            city, postal = rng.choice(FR_CITIES)
            if rng.randrange(4) == 0:
                line2 = rng.choice(FR_LINE2)
            return f"{number} {rng.choice(FR_STREETS)}", line2, postal, city
        if country == "BE":
            city, postal = rng.choice(BE_CITIES)
            return f"{rng.choice(BE_STREETS)} {number}", line2, postal, city
        if country == "DE":
            city, postal = rng.choice(DE_CITIES)
            return f"{rng.choice(DE_STREETS)} {number}", line2, postal, city
        if country == "US":
            city, postal = rng.choice(US_CITIES)
            if rng.randrange(3) == 0:
                line2 = f"Suite {rng.randint(1, 9)}00"
            return f"{number * 10} {rng.choice(US_STREETS)}", line2, postal, city
        city, postal = rng.choice(GB_CITIES if country == "GB" else IE_CITIES)
        if rng.randrange(4) == 0:
            line2 = rng.choice(GB_LINE2)
        return f"{number} {rng.choice(GB_STREETS)}", line2, postal, city

    def customers(self, count: int, collectors: dict[str, User]) -> list[_CustomerPlan]:
        rng = self.rng
        plans: list[_CustomerPlan] = []
        for index in range(1, count + 1):
            country = _weighted(rng, self.spec.countries)
            public = country in {"FR", "GB"} and rng.randrange(100) < 8
            name = self.customer_name(country, public)
            language = "fr" if country in {"FR", "BE"} else "en"
            currency = {"GB": "GBP", "US": "USD", "IE": "EUR"}.get(country, "EUR")
            line1, line2, postal, city = self.address(country)
            legal_id = vat_id = ""
            if country == "FR":
                legal_id = _french_siren(rng)
                vat_id = _french_vat(legal_id)
            elif country == "GB" and not public:
                legal_id = f"{rng.randint(1_000_000, 13_999_999):08d}"
                vat_id = _uk_vat(rng)
            terms = 30 if public else _weighted(rng, ((30, 55), (45, 25), (60, 20)))
            collector_key = language if rng.randrange(10) else ""
            customer = Customer(
                company=self.company,
                code=f"C{index:05d}",
                name=name,
                legal_id=legal_id,
                vat_id=vat_id,
                address_line1=line1,
                address_line2=line2,
                postal_code=postal,
                city=city,
                country=country,
                language=language,
                currency="" if currency == self.spec.currency else currency,
                payment_terms_days=None if terms == 30 and rng.randrange(2) else terms,
                collector=collectors.get(collector_key),
            )
            tags = [TAG_PUBLIC] if public else []
            profile = _weighted(rng, PROFILE_WEIGHTS)
            if public:
                profile = _weighted(rng, (("late", 60), ("very_late", 40)))
            method = PaymentMethod.TRANSFER
            if not public:
                method = _weighted(
                    rng,
                    (
                        (PaymentMethod.TRANSFER, 70),
                        (PaymentMethod.DIRECT_DEBIT, 12),
                        (PaymentMethod.CHEQUE, 10 if country == "FR" else 0),
                        (PaymentMethod.CARD, 4),
                        (PaymentMethod.BILL_OF_EXCHANGE, 4 if country == "FR" else 0),
                    ),
                )
            plans.append(
                _CustomerPlan(
                    customer=customer,
                    tags=tags,
                    profile=profile,
                    habit=_weighted(rng, (("", 65), ("10th", 12), ("month_end", 13), ("friday", 10))),
                    method=method,
                    never_pay_percent=3,
                    uses_po=public or rng.randrange(100) < 35,
                    big=False,
                    weight=rng.choice((1, 1, 1, 2, 2, 3, 4, 6, 9)),
                )
            )
        self._segments(plans)
        return plans

    def _segments(self, plans: list[_CustomerPlan]) -> None:
        """Key accounts, risky and new customers, paused and litigation statuses, by sampling."""
        rng = self.rng
        count = len(plans)
        private = [p for p in plans if TAG_PUBLIC not in p.tags]
        for plan in rng.sample(private, min(len(private), max(1, count // 12))):
            plan.tags.append(TAG_KEY_ACCOUNT)
            plan.big = True
            plan.weight *= 3
            plan.profile = _weighted(rng, (("punctual", 50), ("normal", 50)))
        ordinary = [p for p in private if TAG_KEY_ACCOUNT not in p.tags]
        risky = rng.sample(ordinary, min(len(ordinary), max(1, count // 16)))
        for plan in risky:
            plan.tags.append(TAG_RISKY)
            plan.profile = "very_late"
            plan.never_pay_percent = 30
            plan.method = PaymentMethod.TRANSFER
        for plan in rng.sample(plans, min(count, max(1, count // 20))):
            if TAG_NEW not in plan.tags:
                plan.tags.append(TAG_NEW)
        for plan in rng.sample(risky, min(len(risky), max(1, count // 50))):
            plan.customer.status = CustomerStatus.LITIGATION
            plan.never_pay_percent = 90
        candidates = [p for p in plans if p.customer.status == CustomerStatus.ACTIVE]
        for plan in rng.sample(candidates, min(len(candidates), max(1, count // 33))):
            plan.customer.status = CustomerStatus.PAUSED

    def contacts(self, plans: list[_CustomerPlan]) -> list[Contact]:
        rng = self.rng
        contacts: list[Contact] = []
        for plan in plans:
            customer = plan.customer
            french = customer.language == "fr"
            first_names, surnames = (FR_FIRST_NAMES, FR_SURNAMES) if french else (EN_FIRST_NAMES, EN_SURNAMES)
            domain = _domain(customer.name)
            how_many = _weighted(rng, ((1, 30), (2, 40), (3, 30)))
            for position in range(how_many):
                first, last = rng.choice(first_names), rng.choice(surnames)
                person = f"{first} {last}"
                email = f"{slugify(first)}.{slugify(last).replace('-', '')}@{domain}"
                contact = Contact(
                    company=self.company,
                    customer=customer,
                    name=person,
                    email=email,
                    phone=_phone(rng, customer.country),
                    is_primary=position == 0,
                )
                if position == 0:
                    contact.is_accounts_payable = True
                    if rng.randrange(10) < 4:  # a shared mailbox rather than a person
                        contact.name = "Comptabilité fournisseurs" if french else "Accounts Payable"
                        mailbox = rng.choice(
                            ("compta", "factures", "comptabilite.fournisseurs")
                            if french
                            else ("accounts.payable", "ap", "invoices")
                        )
                        contact.email = f"{mailbox}@{domain}"
                elif position == 1:
                    contact.is_buyer = True
                else:
                    contact.is_finance = True
                contacts.append(contact)
        return contacts

    # ledger --------------------------------------------------------------------------------------
    def amount(self, plan: _CustomerPlan) -> int:
        rng = self.rng
        tier = _weighted(rng, tuple((index, weight) for index, (_, _, weight) in enumerate(AMOUNT_TIERS)))
        if plan.big and rng.randrange(2):
            tier = min(tier + 1, len(AMOUNT_TIERS) - 1)
        low, high, _ = AMOUNT_TIERS[tier]
        if plan.customer.country != "FR":  # exports: no French VAT
            return rng.randint(low, high)
        net = rng.randint(-(-low * 100 // 120), high * 100 // 120)
        return min(max(net + (net * 20 + 50) // 100, low), high)  # 20% VAT, rounded half up to the cent

    def invoices(self, plans: list[_CustomerPlan], count: int) -> list[_ItemPlan]:
        rng = self.rng
        today = self.today
        buyers = rng.choices(plans, weights=[p.weight for p in plans], k=count)
        items: list[_ItemPlan] = []
        for plan in buyers:
            customer = plan.customer
            terms = customer.payment_terms_days or self.company.default_payment_terms_days
            low = today + dt.timedelta(days=DUE_FROM_DAYS - terms)
            high = today + dt.timedelta(days=min(DUE_TO_DAYS, terms) - terms)
            issue = _weekday_within(_random_date(rng, low, high), low, high)
            po = ""
            if plan.uses_po and rng.randrange(10) < 8:
                if TAG_PUBLIC in plan.tags and customer.language == "fr":
                    po = f"EJ{issue.year}-{rng.randint(1, 99999):05d}"
                else:
                    po = f"4500{rng.randint(0, 999_999):06d}"
            items.append(
                _ItemPlan(
                    customer=plan,
                    kind=InvoiceKind.INVOICE,
                    issue_date=issue,
                    due_date=issue + dt.timedelta(days=terms),
                    amount=self.amount(plan),
                    currency=customer.currency or self.spec.currency,
                    po_number=po,
                )
            )
        return items

    def credit_notes(self, invoices: list[_ItemPlan], count: int) -> list[_ItemPlan]:
        """Credit notes on earlier invoices; about 70% are allocated to the invoice they correct."""
        rng = self.rng
        today = self.today
        oldest = today + dt.timedelta(days=DUE_FROM_DAYS)
        eligible = [
            item
            for item in invoices
            if item.issue_date + dt.timedelta(days=40) >= oldest and item.issue_date + dt.timedelta(days=2) <= today
        ]
        notes: list[_ItemPlan] = []
        for source in rng.sample(eligible, min(count, len(eligible))):
            low = max(source.issue_date + dt.timedelta(days=2), oldest)
            high = min(source.issue_date + dt.timedelta(days=40), today)
            issue = _weekday_within(_random_date(rng, low, high), low, high)
            # a quarter cancel the whole invoice, the others a part of it
            amount = source.amount if rng.randrange(4) == 0 else max(source.amount * rng.randint(5, 60) // 100, 1_000)
            note = _ItemPlan(
                customer=source.customer,
                kind=InvoiceKind.CREDIT_NOTE,
                issue_date=issue,
                due_date=issue,
                amount=amount,
                currency=source.currency,
                po_number=source.po_number,
                source=source,
            )
            if rng.randrange(10) < 7:
                source.credit_allocated = amount
                source.credit_date = issue
            notes.append(note)
        return notes

    def payments(self, invoices: list[_ItemPlan], plans: list[_CustomerPlan]) -> list[_PaymentPlan]:
        """Full payments (grouped per customer and day), partial payments and payments on account."""
        rng = self.rng
        today = self.today
        grouped: dict[tuple[int, str, dt.date], _PaymentPlan] = {}
        payments: list[_PaymentPlan] = []
        for item in invoices:
            plan = item.customer
            to_pay = item.amount - item.credit_allocated
            roll = rng.randrange(100)
            low, high = PROFILES[plan.profile]
            delay = 0 if plan.method == PaymentMethod.DIRECT_DEBIT else rng.randint(low, high)
            if item.due_date > today:
                # not yet due: a few pay early
                if roll >= 6 or item.issue_date + dt.timedelta(days=2) > today or plan.never_pay_percent > 50:
                    continue
                date = _random_date(rng, item.issue_date + dt.timedelta(days=2), today)
                partial = False
            else:
                if roll < plan.never_pay_percent:
                    continue
                partial = roll < plan.never_pay_percent + 8
                date = _next_weekday(_payment_run(item.due_date + dt.timedelta(days=delay), plan.habit))
            if item.credit_date is not None:
                date = max(date, item.credit_date)  # the customer waited for the credit note
            if to_pay <= 0 or date > today:
                continue
            if partial:
                unit = 100  # whole units of the currency
                amount = max(to_pay * rng.randint(20, 70) // 100 // unit * unit, unit)
                if amount >= to_pay:
                    continue
                part = _PaymentPlan(plan, date, item.currency, plan.method, partial=True)
                part.lines.append((item, amount))
                payments.append(part)
                continue
            key = (id(plan), item.currency, date)
            grouped_payment = grouped.get(key)
            if grouped_payment is None:
                grouped_payment = grouped[key] = _PaymentPlan(plan, date, item.currency, plan.method)
                payments.append(grouped_payment)
            grouped_payment.lines.append((item, to_pay))
        # payments on account, not allocated to any invoice
        payers = [p for p in plans if p.customer.status != CustomerStatus.LITIGATION]
        for plan in rng.sample(payers, min(len(payers), max(1, len(plans) // 25))):
            date = _weekday_within(
                _random_date(rng, today - dt.timedelta(days=75), today), today - dt.timedelta(days=75), today
            )
            amount = rng.choice((500, 1_000, 1_500, 2_000, 2_500, 5_000)) * 100
            currency = plan.customer.currency or self.spec.currency
            payments.append(_PaymentPlan(plan, date, currency, PaymentMethod.TRANSFER, on_account=amount))
        return payments


def _reference(payment: _PaymentPlan) -> str:
    french = payment.customer.customer.language == "fr"
    numbers = ", ".join(item.invoice.number for item, _ in payment.lines if item.invoice is not None)
    if payment.on_account:
        text = "Acompte sur commandes" if french else "Payment on account"
    elif payment.partial:
        text = f"Acompte {numbers}" if french else f"Part payment {numbers}"
    else:
        text = f"Règlement {numbers}" if french else f"Payment {numbers}"
    return text[:140]


def _payment_order(payment: _PaymentPlan) -> tuple[dt.date, str, str, int]:
    """Chronological, then by customer and first invoice: the order of the bank statement lines."""
    first = payment.lines[0][0].invoice if payment.lines else None
    return payment.date, payment.customer.customer.code, first.number if first is not None else "", payment.amount


def _number_items(items: list[_ItemPlan], prefix: str) -> None:
    """Chronological numbers per year, as an invoicing system would give: FA2026-00042."""
    sequence: dict[int, int] = defaultdict(int)
    for _, item in sorted(enumerate(items), key=lambda pair: (pair[1].issue_date, pair[0])):
        year = item.issue_date.year
        sequence[year] += 1
        if item.invoice is not None:
            item.invoice.number = f"{prefix}{year}-{sequence[year]:05d}"


# --- users ----------------------------------------------------------------------------------------


def _demo_users(password_hash: str, domain: str) -> tuple[User, dict[str, User]]:
    """The administrator and the collectors, created or updated, all with the same password."""
    user_model = get_user_model()
    admin, _ = user_model._default_manager.get_or_create(username=ADMIN_USERNAME)
    admin.first_name, admin.last_name = "Demo", "Administrator"
    admin.email = f"admin@{domain}"
    admin.is_staff = admin.is_superuser = admin.is_active = True
    admin.password = password_hash
    admin.save()
    collectors: dict[str, User] = {}
    for spec in COLLECTORS:
        user, _ = user_model._default_manager.get_or_create(username=spec.username)
        user.first_name, user.last_name = spec.first_name, spec.last_name
        user.email = f"{slugify(spec.first_name)}.{slugify(spec.last_name)}@{domain}"
        user.language = spec.language
        user.phone = spec.phone
        user.is_active = True
        user.password = password_hash
        user.save()
        collectors[spec.language] = user
    return admin, collectors


def new_password() -> str:
    return secrets.token_urlsafe(12)


def reset_demo_passwords() -> str:
    """Give the demo users a new shared password (creating the administrator if missing); return it."""
    password = new_password()
    password_hash = make_password(password)
    user_model = get_user_model()
    if not user_model._default_manager.filter(username=ADMIN_USERNAME).exists():
        user_model._default_manager.create_superuser(ADMIN_USERNAME, "admin@atelier-durand.example", None)
    user_model._default_manager.filter(username__in=DEMO_USERNAMES).update(password=password_hash)
    return password


def demo_company_ids() -> list[int]:
    """Companies created by the demo (those with a `ledger.demo.created` audit event)."""
    ids = AuditEvent.objects.filter(code=DEMO_EVENT, company__isnull=False).values_list("company_id", flat=True)
    return sorted(set(ids))


def delete_demo() -> None:
    """Delete the demo companies with everything in them, and the demo users.

    Row by row through the ORM rather than `flush`: only what the demo made goes, and it works
    inside a transaction on PostgreSQL too (TRUNCATE does not with deferred constraints pending).
    """
    ids = demo_company_ids()
    with transaction.atomic():
        Allocation.objects.filter(company_id__in=ids).delete()
        Payment.objects.filter(company_id__in=ids).delete()
        Invoice.objects.filter(company_id__in=ids).delete()
        Customer.objects.filter(company_id__in=ids).delete()
        AuditEvent.objects.filter(company_id__in=ids).delete()
        Company.objects.filter(pk__in=ids).delete()
        get_user_model()._default_manager.filter(username__in=DEMO_USERNAMES).delete()


# --- the build ------------------------------------------------------------------------------------


def _build_company(
    rng: Random,
    spec: _CompanySpec,
    *,
    today: dt.date,
    customers: int,
    items: int,
    collectors: dict[str, User],
    admin: User,
) -> tuple[Company, dict[str, int]]:
    company = Company.objects.create(
        name=spec.name,
        legal_name=spec.legal_name,
        legal_id=spec.legal_id,
        vat_id=spec.vat_id,
        address_line1=spec.address_line1,
        postal_code=spec.postal_code,
        city=spec.city,
        country=spec.country,
        currency=spec.currency,
        timezone=spec.timezone,
        language=spec.language,
        email=spec.email,
        phone=spec.phone,
        website=spec.website,
        iban=spec.iban,
        bic=spec.bic,
        default_payment_terms_days=30,
    )
    generator = _Generator(rng, spec, company, today)

    members = [Membership(user=admin, company=company, role=Role.ADMINISTRATOR, sees_all_customers=True)]
    # Customers are assigned by language: in the French company Camille has the French-speaking
    # customers and James the export ones; in the UK company James has them all.
    portfolio = dict(collectors) if spec.language == "fr" else {"en": collectors["en"]}
    members += [Membership(user=user, company=company, role=Role.COLLECTOR) for user in portfolio.values()]
    Membership.objects.bulk_create(members)

    tags = {tag.name: tag for tag in Tag.objects.bulk_create([Tag(company=company, name=name) for name in TAGS])}
    plans = generator.customers(customers, portfolio)
    Customer.objects.bulk_create([plan.customer for plan in plans])
    through = Customer.tags.through
    through.objects.bulk_create(
        [through(customer_id=plan.customer.pk, tag_id=tags[name].pk) for plan in plans for name in plan.tags]
    )
    contacts = generator.contacts(plans)
    Contact.objects.bulk_create(contacts)

    credit_count = items // 20
    invoices = generator.invoices(plans, items - credit_count)
    notes = generator.credit_notes(invoices, credit_count)
    for item in (*invoices, *notes):
        item.invoice = Invoice(
            company=company,
            customer=item.customer.customer,
            kind=item.kind,
            number="",
            issue_date=item.issue_date,
            due_date=item.due_date,
            amount=item.amount,
            currency=item.currency,
            po_number=item.po_number,
        )
    _number_items(invoices, spec.invoice_prefix)
    _number_items(notes, spec.credit_prefix)
    Invoice.objects.bulk_create([item.invoice for item in (*invoices, *notes) if item.invoice is not None])

    payments = generator.payments(invoices, plans)
    ordered = sorted(payments, key=_payment_order)
    for sequence, plan in enumerate(ordered, start=1):
        plan.payment = Payment(
            company=company,
            customer=plan.customer.customer,
            external_ref=f"PAY-{sequence:06d}",
            date=plan.date,
            amount=plan.amount,
            currency=plan.currency,
            method=plan.method,
            reference=_reference(plan),
        )
    Payment.objects.bulk_create([plan.payment for plan in ordered if plan.payment is not None])

    allocations = [
        Allocation(
            company=company,
            invoice=note.source.invoice,
            kind=AllocationKind.CREDIT_NOTE,
            credit_note=note.invoice,
            amount=note.amount,
            date=note.issue_date,
        )
        for note in notes
        if note.source is not None and note.source.credit_allocated
    ]
    allocations += [
        Allocation(
            company=company,
            invoice=item.invoice,
            kind=AllocationKind.PAYMENT,
            payment=plan.payment,
            amount=amount,
            date=plan.date,
        )
        for plan in ordered
        for item, amount in plan.lines
    ]
    Allocation.objects.bulk_create(allocations)

    counts = {
        "customers": len(plans),
        "contacts": len(contacts),
        "invoices": len(invoices) + len(notes),
        "credit_notes": len(notes),
        "payments": len(ordered),
        "allocations": len(allocations),
    }
    return company, counts


def build_demo(*, seed: int = 2026, today: dt.date, customers: int = 300, invoices: int = 3000) -> DemoResult:
    """Create the demo companies, users and ledger; return what was made and the admin password.

    `customers` and `invoices` are totals over both companies (`invoices` counts credit notes
    too, about 5%); the UK company gets about a twelfth of each. Due dates spread from 120 days
    before `today` to 45 days after it; no item is issued after `today`.
    """
    if customers < 6 or invoices < 40:
        raise ValueError("the demo needs at least 6 customers and 40 invoices")
    started = time.perf_counter()
    rng = Random(seed)  # noqa: S311 - reproducible demo data, not a secret
    small_customers = max(2, customers // 12)
    small_items = max(20, invoices // 12)
    password = new_password()
    with transaction.atomic():
        admin, collectors = _demo_users(make_password(password), "atelier-durand.example")
        counts: dict[str, int] = defaultdict(int)
        companies = []
        for spec, n_customers, n_items in (
            (_french_company(), customers - small_customers, invoices - small_items),
            (_uk_company(), small_customers, small_items),
        ):
            company, made = _build_company(
                rng,
                spec,
                today=today,
                customers=n_customers,
                items=n_items,
                collectors=collectors,
                admin=admin,
            )
            for key, value in made.items():
                counts[key] += value
            record(
                actor=Actor.system("demo"),
                code=DEMO_EVENT,
                company=company,
                obj=company,
                data={"seed": seed, "today": today.isoformat(), **made},
            )
            companies.append(company)
    return DemoResult(
        company_ids=tuple(company.pk for company in companies),
        customers=counts["customers"],
        contacts=counts["contacts"],
        invoices=counts["invoices"],
        credit_notes=counts["credit_notes"],
        payments=counts["payments"],
        allocations=counts["allocations"],
        admin_username=ADMIN_USERNAME,
        admin_password=password,
        collector_usernames=tuple(spec.username for spec in COLLECTORS),
        seconds=time.perf_counter() - started,
    )
