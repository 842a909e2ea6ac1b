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
