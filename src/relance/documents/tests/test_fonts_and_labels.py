"""Fonts (no character may print as a black box), labels in every language, logos."""

from __future__ import annotations

import datetime as dt
from io import BytesIO
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas

from relance.core.money import Money
from relance.documents.fonts import BUILTIN, font_family, pdf_text, to_cp1252
from relance.documents.labels import LABELS, LANGUAGES, label, normalise_language
from relance.documents.payment_qr import EpcTransfer, QrCode
from relance.documents.pdf import statement_pdf
from relance.documents.tests.conftest import AS_OF
from relance.documents.tests.tools import decode_qr_codes, flat
from relance.documents.tests.tools import pdf_text as extract
from relance.ledger.selectors import customer_statement
from tests.factories import CustomerFactory, InvoiceFactory

DEJAVU = Path("/usr/share/fonts/truetype/dejavu")
BLACK_BOXES = ("\u25a0", "\ufffd")


@pytest.mark.parametrize(
    ("text", "printable"),
    [
        ("1\u202f234,56\u00a0€", "1\u00a0234,56\u00a0€"),  # Babel's French amount: narrow no-break space
        ("Œuvre « déjà » \u2013 5 €", "Œuvre « déjà » \u2013 5 €"),  # all in cp1252 (en dash too)
        ("Łódź, Kraków, Brașov, Győr", "Lódz, Kraków, Brasov, Gyor"),
        ("東京 ☎", "?? ?"),
        ("plain", "plain"),
    ],
)
def test_builtin_font_text(text, printable):
    assert to_cp1252(text) == printable
    assert pdf_text(text, BUILTIN) == printable
    printable.encode("cp1252")


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["fr", "en"])
def test_builtin_font_prints_no_black_box(billing_company, language):
    customer = CustomerFactory(
        company=billing_company, name="Łukasz Wiśniewski Sp. z o.o.", city="Łódź", language=language
    )
    InvoiceFactory(customer=customer, amount=1_234_567_89, due_date=dt.date(2026, 2, 1))
    statement = customer_statement(company=billing_company, customer=customer, as_of=AS_OF)

    text = extract(statement_pdf(company=billing_company, customer=customer, statement=statement))

    assert not any(box in text for box in BLACK_BOXES)
    assert "Lukasz Wisniewski Sp. z o.o." in text
    assert flat(Money(1_234_567_89, "EUR").format(language)) in flat(text)


@pytest.mark.django_db
def test_truetype_font_prints_every_script_it_has(billing_company, settings):
    regular, bold = DEJAVU / "DejaVuSans.ttf", DEJAVU / "DejaVuSans-Bold.ttf"
    if not (regular.is_file() and bold.is_file()):
        pytest.skip(f"DejaVu fonts not installed in {DEJAVU} (Debian package fonts-dejavu-core)")
    settings.RELANCE_PDF_FONTS = {"regular": str(regular), "bold": str(bold)}
    customer = CustomerFactory(company=billing_company, name="Łukasz Wiśniewski 東京", city="Łódź", language="fr")
    InvoiceFactory(customer=customer, amount=1_234_567_89, due_date=dt.date(2026, 2, 1))
    statement = customer_statement(company=billing_company, customer=customer, as_of=AS_OF)

    assert font_family().unicode
    data = statement_pdf(company=billing_company, customer=customer, statement=statement)

    assert b"DejaVu" in data  # embedded
    text = extract(data)
    assert "Łukasz Wiśniewski ??" in text  # DejaVu Sans has no CJK glyph: "?" rather than a box
    assert "Łódź" in text
    assert not any(box in text for box in BLACK_BOXES)
    assert flat(Money(1_234_567_89, "EUR").format("fr")) in flat(text)
    assert len(decode_qr_codes(data)) == 1


def test_builtin_font_by_default(settings):
    settings.RELANCE_PDF_FONTS = None
    assert font_family() is BUILTIN


def test_missing_font_file_is_a_clear_error(settings, tmp_path):
    settings.RELANCE_PDF_FONTS = {"regular": str(tmp_path / "nope.ttf")}
    with pytest.raises(FileNotFoundError, match=r"nope\.ttf"):
        font_family()


def test_every_label_exists_in_every_language():
    for key, texts in LABELS.items():
        assert set(texts) == set(LANGUAGES), key
        for language in LANGUAGES:
            assert texts[language].strip(), (key, language)


def test_labels_have_the_same_placeholders_in_every_language():
    import string

    def fields(text: str) -> set[str]:
        return {name for _, name, _, _ in string.Formatter().parse(text) if name}

    for key, texts in LABELS.items():
        assert len({frozenset(fields(text)) for text in texts.values()}) == 1, key


@pytest.mark.parametrize(
    ("given", "expected"),
    [("fr", "fr"), ("fr-BE", "fr"), ("FR_fr", "fr"), ("en-GB", "en"), ("de", "en"), ("", "en"), (None, "en")],
)
def test_normalise_language(given, expected):
    assert normalise_language(given) == expected


def test_label_formats_values():
    assert label("fr", "page", page=1, pages=3) == "Page 1 sur 3"


def test_fixed_mask_qr_codes_decode(tmp_path):
    """Many payloads (so many different module patterns), all read back by zbar, one code per page."""
    transfers = [
        EpcTransfer(
            name=name,
            iban="FR7630006000011234567890189",
            amount=Money(minor, "EUR"),
            reference=reference,
            bic=bic,
        )
        for name, minor, reference, bic in [
            ("Atelier Durand SAS", 1, "RF71C00042", "AGRIFRPP"),
            ("Société Été Ölçü", 99_999_999_999, "RF18539007547034", ""),
            ("A" * 70, 123_45, "RF58ID7", "AGRIFRPPXXX"),
            ("Z", 100_000_00, "RF82C42B", ""),
            ("Bäckerei Müller GmbH & Co. KG", 7_77, "RF35C1", "DEUTDEFF"),
            ("O'Brien & Sons Ltd", 50_00, "RF71C00042", "AIBKIE2D"),
        ]
    ]
    buffer = BytesIO()
    canvas = Canvas(buffer, pagesize=A4)
    for index, transfer in enumerate(transfers):
        QrCode(transfer.qr_matrix(), 90 + 10 * index).drawOn(canvas, 60 + 40 * index, 500 - 50 * index)
        canvas.showPage()
    canvas.save()

    assert sorted(decode_qr_codes(buffer.getvalue())) == sorted(t.payload() for t in transfers)


@pytest.mark.django_db
def test_logo_is_drawn_and_a_missing_logo_is_skipped(billing_company, customer, statement, settings, tmp_path):
    from PIL import Image

    settings.MEDIA_ROOT = tmp_path
    image = BytesIO()
    Image.new("RGB", (300, 100), (31, 58, 95)).save(image, format="PNG")
    billing_company.logo.save("logo.png", ContentFile(image.getvalue()), save=True)

    data = statement_pdf(company=billing_company, customer=customer, statement=statement)
    assert b"/Subtype /Image" in data

    Path(billing_company.logo.path).unlink()
    data = statement_pdf(company=billing_company, customer=customer, statement=statement)
    assert b"/Subtype /Image" not in data
    assert "Relevé de compte" in extract(data)


def test_lines_break_at_plain_spaces_only():
    from relance.documents.blocks import split_lines

    text = "due on 15\u00a0March\u00a02026 for 1\u00a0234,56\u00a0€ in all"
    lines = split_lines(text, "Helvetica", 10, 60)
    assert " ".join(lines) == text
    assert "15\u00a0March\u00a02026" in lines
    assert any(line.startswith("1\u00a0234,56\u00a0€") for line in lines)
    assert split_lines("word", "Helvetica", 10, 1) == ["word"]
