"""Two-factor authentication: set it up from the profile, sign in with a code, a code works once,
recovery codes, turning it off. The secret and the codes never reach the audit trail."""

import re
import time

from relance.accounts import totp
from relance.accounts.models import RecoveryCode, TOTPDevice
from relance.core.models import AuditEvent

from .conftest import PASSWORD, code_now


def sign_in_password(client, username):
    return client.post("/login/", {"username": username, "password": PASSWORD})


def test_a_user_sets_up_two_factor_from_the_profile(client, company, member):
    user = member(company, username="camille")
    client.force_login(user)
    page = client.get("/account/").content.decode()
    assert "Set up two-factor authentication" in page

    client.post("/account/two-factor/start/")
    page = client.get("/account/").content.decode()
    device = TOTPDevice.objects.get(user=user)
    assert device.confirmed_at is None
    assert 'src="data:image/svg+xml' in page  # the QR code
    assert device.secret[:4] in page  # the key to type by hand, in groups of four

    wrong = client.post(
        "/account/two-factor/confirm/", {"code": "000000" if code_now(device.secret) != "000000" else "111111"}
    )
    assert wrong.status_code == 400
    assert "That code is not right" in wrong.content.decode()

    response = client.post("/account/two-factor/confirm/", {"code": code_now(device.secret)})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    codes = re.findall(r"<code>([A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4})</code>", response.content.decode())
    assert len(codes) == 10
    stored = set(RecoveryCode.objects.filter(user=user).values_list("code_hash", flat=True))
    assert stored == {totp.recovery_code_hash(c) for c in codes}  # only hashes at rest
    device.refresh_from_db()
    assert device.confirmed_at is not None
    event = AuditEvent.objects.get(code="account.totp.enabled")
    assert event.actor_user_id == user.pk
    assert device.secret not in str(event.data)
    assert "10 recovery codes left" in client.get("/account/").content.decode()


def test_the_set_up_can_be_cancelled(client, company, member):
    user = member(company)
    client.force_login(user)
    client.post("/account/two-factor/start/")
    client.post("/account/two-factor/cancel/")
    assert not TOTPDevice.objects.filter(user=user).exists()


def test_with_two_factor_the_password_alone_does_not_sign_in(client, company, member, with_totp):
    user = member(company, username="camille")
    secret = with_totp(user)
    response = sign_in_password(client, "camille")
    assert response["Location"] == "/account/login/code/"
    assert "_auth_user_id" not in client.session
    assert client.get("/agenda/").status_code == 302  # still signed out

    page = client.get("/account/login/code/").content.decode()
    assert 'autocomplete="one-time-code"' in page
    response = client.post("/account/login/code/", {"code": code_now(secret)})
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.session["_auth_user_id"] == str(user.pk)
    assert AuditEvent.objects.get(code="account.login").data["second_factor"] == "totp"


def test_a_wrong_code_does_not_sign_in(client, company, member, with_totp):
    user = member(company, username="camille")
    secret = with_totp(user)
    sign_in_password(client, "camille")
    wrong = str((int(code_now(secret)) + 1) % 1_000_000).zfill(6)
    response = client.post("/account/login/code/", {"code": wrong})
    assert response.status_code == 200
    assert "That code is not right" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.get(code="account.login.failed").data["reason"] == "bad_code"


def test_a_code_is_never_accepted_twice(client, company, member, with_totp):
    user = member(company, username="camille")
    secret = with_totp(user)
    code = code_now(secret)
    sign_in_password(client, "camille")
    assert client.post("/account/login/code/", {"code": code}).status_code == 302
    client.post("/logout/")

    sign_in_password(client, "camille")
    replay = client.post("/account/login/code/", {"code": code})
    assert replay.status_code == 200
    assert "already used" in replay.content.decode()
    assert "_auth_user_id" not in client.session
    # the next step's code (the app shows it within 30 seconds) works
    assert client.post("/account/login/code/", {"code": code_now(secret, 1)}).status_code == 302


def test_an_older_code_is_refused_after_a_newer_one(client, company, member, with_totp):
    user = member(company, username="camille")
    secret = with_totp(user)
    sign_in_password(client, "camille")
    assert client.post("/account/login/code/", {"code": code_now(secret, 1)}).status_code == 302
    client.post("/logout/")
    sign_in_password(client, "camille")
    assert client.post("/account/login/code/", {"code": code_now(secret)}).status_code == 200


def test_a_recovery_code_signs_in_once(client, company, member):
    from relance.accounts import services

    user = member(company, username="camille")
    device = services.totp_enrolment_start(user=user)
    codes = services.totp_enrolment_confirm(user=user, code=code_now(device.secret), actor=_actor(user))
    sign_in_password(client, "camille")
    response = client.post("/account/login/code/", {"code": codes[0].lower()})
    assert response.status_code == 302
    assert AuditEvent.objects.get(code="account.login").data["second_factor"] == "recovery_code"
    assert "9 recovery codes left" in client.get("/account/").content.decode()
    client.post("/logout/")
    sign_in_password(client, "camille")
    assert client.post("/account/login/code/", {"code": codes[0]}).status_code == 200  # spent
    assert client.post("/account/login/code/", {"code": codes[1]}).status_code == 302


def test_the_code_step_is_throttled_and_then_starts_over(client, company, member, with_totp):
    user = member(company, username="camille")
    secret = with_totp(user)
    sign_in_password(client, "camille")
    wrong = str((int(code_now(secret)) + 500_000) % 1_000_000).zfill(6)
    for _attempt in range(5):
        client.post("/account/login/code/", {"code": wrong})
    response = client.post("/account/login/code/", {"code": code_now(secret)})
    assert response["Location"] == "/login/"
    assert "_auth_user_id" not in client.session
    assert "Too many failed attempts" in client.get("/login/").content.decode()
    assert sign_in_password(client, "camille").status_code == 429


def test_the_code_step_needs_a_fresh_password_step(client, company, member, with_totp, monkeypatch):
    from relance.web.account import auth

    user = member(company, username="camille")
    secret = with_totp(user)
    assert client.get("/account/login/code/")["Location"] == "/login/"  # nobody gave a password
    sign_in_password(client, "camille")
    monkeypatch.setattr(auth, "PENDING_SECONDS", -1)
    assert client.post("/account/login/code/", {"code": code_now(secret)})["Location"] == "/login/"
    assert "_auth_user_id" not in client.session


def test_a_password_change_between_the_steps_cancels_the_sign_in(client, company, member, with_totp):
    user = member(company, username="camille")
    secret = with_totp(user)
    sign_in_password(client, "camille")
    user.set_password("another-long-password")
    user.save()
    assert client.post("/account/login/code/", {"code": code_now(secret)})["Location"] == "/login/"
    assert "_auth_user_id" not in client.session


def test_turning_two_factor_off_needs_a_code(client, company, member, with_totp):
    user = member(company, username="camille")
    secret = with_totp(user)
    client.force_login(user)
    page = client.get("/account/").content.decode()
    assert "Turn two-factor authentication off" in page
    wrong = str((int(code_now(secret)) + 500_000) % 1_000_000).zfill(6)
    assert client.post("/account/two-factor/disable/", {"code": wrong}).status_code == 400
    assert TOTPDevice.objects.filter(user=user).exists()
    assert client.post("/account/two-factor/disable/", {"code": code_now(secret)}).status_code == 302
    assert not TOTPDevice.objects.filter(user=user).exists()
    assert AuditEvent.objects.get(code="account.totp.disabled").data == {"proved_with": "totp"}
    client.post("/logout/")
    assert sign_in_password(client, "camille")["Location"] == "/"  # the password is enough again


def test_new_recovery_codes_replace_the_old_ones(client, company, member):
    from relance.accounts import services

    user = member(company, username="camille")
    device = services.totp_enrolment_start(user=user)
    old = services.totp_enrolment_confirm(user=user, code=code_now(device.secret, -1), actor=_actor(user))
    client.force_login(user)
    response = client.post("/account/two-factor/recovery-codes/", {"code": code_now(device.secret)})
    assert response.status_code == 200
    new = re.findall(r"<code>([A-Z2-7-]{19})</code>", response.content.decode())
    assert len(new) == 10
    assert not set(new) & set(old)
    assert services.second_factor_verify(user=user, code=old[0]) is None
    assert services.second_factor_verify(user=user, code=new[0]) == "recovery_code"
    assert AuditEvent.objects.filter(code="account.recovery_codes.regenerated").count() == 1


def test_no_secret_or_code_is_written_to_the_trail(client, company, member):
    from relance.accounts import services

    user = member(company, username="camille")
    device = services.totp_enrolment_start(user=user)
    codes = services.totp_enrolment_confirm(user=user, code=code_now(device.secret), actor=_actor(user))
    sign_in_password(client, "camille")
    client.post("/account/login/code/", {"code": codes[3]})
    trail = str(list(AuditEvent.objects.values_list("data", flat=True)))
    assert device.secret not in trail
    assert not any(code in trail for code in codes)


def _actor(user):
    from relance.core.audit import Actor

    return Actor.for_user(user)


def test_codes_race_only_one_wins(company, member, with_totp):
    from relance.accounts import services

    user = member(company)
    secret = with_totp(user)
    at = time.time()
    code = totp.code_at(secret, at)
    assert services.second_factor_verify(user=user, code=code, at=at) == "totp"
    assert services.second_factor_verify(user=user, code=code, at=at) is None
