"""The MIME builder: a line that starts with a dot needs no SMTP dot-stuffing, and still reads back."""

import email
import email.policy

from relance.messaging.mime import Envelope, build_mime


def test_lines_starting_with_a_dot_are_encoded_and_read_back_unchanged():
    text = ".starts with a dot\nmiddle\n.\n..two dots\nend"
    html = "<p>x</p>\n.dot in html\n"
    payload = build_mime(Envelope(from_email="a@b.example", to=["c@d.example"], subject="Dots", text=text, html=html))
    assert b"\n." not in payload  # nothing the SMTP layer would have to double
    assert not payload.startswith(b".")
    parsed = email.message_from_bytes(payload, policy=email.policy.default)
    assert parsed.get_body(("plain",)).get_content().replace("\r\n", "\n").rstrip("\n") == text
    assert ".dot in html" in parsed.get_body(("html",)).get_content()


def test_non_ascii_headers_are_encoded_words_that_read_back_whole():
    """Accents, a euro sign, emoji (4-byte UTF-8) and a long subject: every encoded word holds whole
    characters, lines stay short, and Python's parser gives the subject back unchanged."""
    import email
    import email.policy

    subjects = [
        "Relevé de compte n°42 — échéances",
        "€" * 40,
        "Rappel 📄 facture " + "é🙂" * 30,
        "x" * 44 + "é" + "ü" * 20,
    ]
    for subject in subjects:
        payload = build_mime(Envelope(from_email="a@b.example", to=["c@d.example"], subject=subject, text="t"))
        message = email.message_from_bytes(payload, policy=email.policy.default)
        assert message["Subject"] == subject
        lines = payload.split(b"\r\n\r\n", 1)[0].split(b"\r\n")
        subject_lines = lines[lines.index(next(x for x in lines if x.startswith(b"Subject:"))) :][:12]
        assert all(len(line) <= 78 for line in subject_lines if line.startswith((b"Subject:", b" =?")))


def _html_of(payload: bytes) -> tuple[str, str]:
    parsed = email.message_from_bytes(payload, policy=email.policy.default)
    part = parsed.get_body(("html",))
    return str(part["Content-Transfer-Encoding"]), part.get_content()


def test_html_goes_as_it_is_with_character_references_and_reads_back_the_same():
    """Short lines: the HTML part is sent as it is (7bit), every non-ASCII character written as a
    character reference, so what a mail client shows is the original text."""
    import html as htmllib

    rows = "".join(f'<tr><td>F-{i}</td><td style="text-align:right">1 234,56 €</td></tr>\n' for i in range(60))
    source = f"<p>Relevé de compte — échéances 🙂</p>\n<table>{rows}</table>\n<p>Merci.</p>"
    payload = build_mime(Envelope(from_email="a@b.example", to=["c@d.example"], subject="S", text="t", html=source))
    encoding, content = _html_of(payload)
    assert encoding == "7bit"
    assert payload.isascii()
    assert max(len(line) for line in payload.split(b"\r\n")) <= 998
    assert "&#8364;" in content
    assert htmllib.unescape(content).replace("\r\n", "\n").rstrip("\n") == source


def test_html_that_cannot_go_as_it_is_is_quoted_printable():
    """A line over SMTP's limit, a line starting with a dot, a carriage return, or non-ASCII inside a
    style block (where character references mean nothing): quoted-printable, read back unchanged."""
    cases = [
        "<p>" + "mot " * 400 + "</p>",
        "<p>x</p>\n.point\n",
        "<p>a\r\nb</p>",
        '<html><head><style>p::before { content: "é" }</style></head><body><p>é</p></body></html>',
    ]
    for source in cases:
        payload = build_mime(Envelope(from_email="a@b.example", to=["c@d.example"], subject="S", text="t", html=source))
        encoding, content = _html_of(payload)
        assert encoding == "quoted-printable", source[:30]
        assert content.replace("\r\n", "\n").rstrip("\n") == source.replace("\r\n", "\n").rstrip("\n"), source[:30]
