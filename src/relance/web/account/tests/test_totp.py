"""RFC 6238 / RFC 4226 worked out: the published test vectors, the window and the URI."""

from urllib.parse import parse_qs, urlparse

from relance.accounts import totp

RFC_KEY = b"12345678901234567890"


def test_hotp_matches_rfc_4226_appendix_d():
    expected = ["755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583", "399871", "520489"]
    assert [totp.hotp(RFC_KEY, counter) for counter in range(10)] == expected


def test_totp_matches_rfc_6238_appendix_b_with_sha1():
    for at, code in [(59, "94287082"), (1111111109, "07081804"), (1234567890, "89005924"), (2000000000, "69279037")]:
        assert totp.hotp(RFC_KEY, totp.time_step(at), digits=8) == code


def test_a_code_is_accepted_one_step_early_or_late_but_not_two():
    secret = totp.random_secret()
    now = 1_800_000_000.0
    step = totp.time_step(now)
    assert totp.matching_step(secret, totp.code_at(secret, now), at=now) == step
    assert totp.matching_step(secret, totp.code_at(secret, now - 30), at=now) == step - 1
    assert totp.matching_step(secret, totp.code_at(secret, now + 30), at=now) == step + 1
    far = totp.code_at(secret, now - 90)
    if far not in {totp.code_at(secret, now + d) for d in (-30, 0, 30)}:  # a 1-in-a-million collision aside
        assert totp.matching_step(secret, far, at=now) is None


def test_typed_codes_may_have_spaces_but_not_letters():
    secret = totp.random_secret()
    now = 1_800_000_000.0
    code = totp.code_at(secret, now)
    assert totp.matching_step(secret, f"{code[:3]} {code[3:]}", at=now) is not None
    assert totp.matching_step(secret, "12a456", at=now) is None
    assert totp.matching_step(secret, "", at=now) is None


def test_secrets_are_160_bits_of_base32():
    secret = totp.random_secret()
    assert len(totp.secret_bytes(secret)) == 20
    assert secret != totp.random_secret()


def test_the_provisioning_uri_is_what_authenticator_apps_read():
    uri = totp.provisioning_uri("JBSWY3DPEHPK3PXP", account="camille@example.test", issuer="Relance")
    parsed = urlparse(uri)
    assert parsed.scheme == "otpauth"
    assert parsed.netloc == "totp"
    assert parsed.path == "/Relance:camille@example.test"
    assert parse_qs(parsed.query) == {
        "secret": ["JBSWY3DPEHPK3PXP"],
        "issuer": ["Relance"],
        "algorithm": ["SHA1"],
        "digits": ["6"],
        "period": ["30"],
    }


def test_recovery_codes_are_grouped_and_hashed_whatever_the_case_or_dashes():
    code = totp.recovery_code()
    assert len(code) == 19
    assert code.count("-") == 3
    assert totp.recovery_code_hash(code) == totp.recovery_code_hash(code.lower().replace("-", " "))
    assert code not in totp.recovery_code_hash(code)
