"""What a user does to their own account: the second factor (TOTP and recovery codes), the sign-in
and password events of the audit trail.

Every change is one transaction and one audit event with its author. Secrets and codes are never
written to the audit trail or to logs: events carry only what happened.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from relance.accounts import totp
from relance.accounts.models import RecoveryCode, TOTPDevice
from relance.core import audit
from relance.core.audit import Actor
from relance.core.errors import RelanceError

if TYPE_CHECKING:
    from relance.accounts.models import User

RECOVERY_CODES = 10
ISSUER = "Relance"


class SecondFactorError(RelanceError):
    code = "accounts.second_factor"


# --- second factor -------------------------------------------------------------------------


def totp_enabled(*, user: User) -> bool:
    return TOTPDevice.objects.filter(user_id=user.pk, confirmed_at__isnull=False).exists()


def totp_enrolment_start(*, user: User) -> TOTPDevice:
    """The pending device whose QR code the user scans; the same one until confirmed or restarted."""
    device, _created = TOTPDevice.objects.get_or_create(user=user, defaults={"secret": totp.random_secret()})
    if device.confirmed_at is not None:
        raise SecondFactorError(_("Two-factor authentication is already on."), code="accounts.totp.already_on")
    return device


def totp_enrolment_cancel(*, user: User) -> None:
    """Forget a set-up not confirmed yet (the next start shows a new QR code)."""
    TOTPDevice.objects.filter(user_id=user.pk, confirmed_at__isnull=True).delete()


def totp_provisioning_uri(*, device: TOTPDevice) -> str:
    account = device.user.email or device.user.get_username()
    return totp.provisioning_uri(device.secret, account=account, issuer=ISSUER)


def totp_enrolment_confirm(*, user: User, code: str, actor: Actor, at: float | None = None) -> list[str]:
    """Switch the second factor on with a first right code; returns the new recovery codes (the only
    time they are readable)."""
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().filter(user_id=user.pk).first()
        if device is None or device.confirmed_at is not None:
            raise SecondFactorError(_("Start the set-up again."), code="accounts.totp.not_pending")
        step = totp.matching_step(device.secret, code, at=time.time() if at is None else at)
        if step is None:
            raise SecondFactorError(
                _("That code is not right. Check the time on your phone and type the code shown now."),
                code="accounts.totp.bad_code",
            )
        device.confirmed_at = timezone.now()
        device.last_used_step = step
        device.save(update_fields=["confirmed_at", "last_used_step"])
        codes = _recovery_codes_replace(user)
        audit.record(actor=actor, code="account.totp.enabled", obj=user)
    return codes


def totp_disable(*, user: User, code: str, actor: Actor, at: float | None = None) -> None:
    """Switch the second factor off; a current code (or a recovery code) proves the user holds it."""
    with transaction.atomic():
        method = second_factor_verify(user=user, code=code, at=at)
        if method is None:
            raise SecondFactorError(_("That code is not right."), code="accounts.totp.bad_code")
        TOTPDevice.objects.filter(user_id=user.pk).delete()
        RecoveryCode.objects.filter(user_id=user.pk).delete()
        audit.record(actor=actor, code="account.totp.disabled", obj=user, data={"proved_with": method})


def recovery_codes_regenerate(*, user: User, code: str, actor: Actor, at: float | None = None) -> list[str]:
    """New recovery codes (the old ones stop working), after a right code."""
    with transaction.atomic():
        if not totp_enabled(user=user):
            raise SecondFactorError(_("Two-factor authentication is off."), code="accounts.totp.off")
        method = second_factor_verify(user=user, code=code, at=at)
        if method is None:
            raise SecondFactorError(_("That code is not right."), code="accounts.totp.bad_code")
        codes = _recovery_codes_replace(user)
        audit.record(actor=actor, code="account.recovery_codes.regenerated", obj=user)
    return codes


def recovery_codes_left(*, user: User) -> int:
    return RecoveryCode.objects.filter(user_id=user.pk, used_at__isnull=True).count()


def second_factor_verify(*, user: User, code: str, at: float | None = None) -> str | None:
    """ "totp" or "recovery_code" when `code` is right, else None. Each code works once: a TOTP code
    of a step already used (or older) is refused, a recovery code is spent."""
    device = TOTPDevice.objects.filter(user_id=user.pk, confirmed_at__isnull=False).first()
    if device is None:
        return None
    cleaned = totp.normalise_code(code)
    if cleaned.isdigit():
        step = totp.matching_step(device.secret, cleaned, at=time.time() if at is None else at)
        if step is None:
            return None
        # One conditional UPDATE: two requests racing with the same code cannot both win.
        won = TOTPDevice.objects.filter(pk=device.pk, last_used_step__lt=step).update(last_used_step=step)
        return "totp" if won else None
    spent = RecoveryCode.objects.filter(
        user_id=user.pk, code_hash=totp.recovery_code_hash(cleaned), used_at__isnull=True
    ).update(used_at=timezone.now())
    return "recovery_code" if spent else None


def _recovery_codes_replace(user: User) -> list[str]:
    RecoveryCode.objects.filter(user_id=user.pk).delete()
    codes = [totp.recovery_code() for _i in range(RECOVERY_CODES)]
    RecoveryCode.objects.bulk_create(
        [RecoveryCode(user_id=user.pk, code_hash=totp.recovery_code_hash(code)) for code in codes]
    )
    return codes


# --- sign-in, profile and password events --------------------------------------------------


def login_record(*, user: User, ip: str, second_factor: str = "") -> None:
    data: dict[str, Any] = {"ip": ip}
    if second_factor:
        data["second_factor"] = second_factor
    audit.record(actor=Actor.for_user(user), code="account.login", obj=user, data=data)


def login_failure_record(*, username: str, ip: str, reason: str) -> None:
    """A refused sign-in. The actor is unknown (nobody proved who they are): the name typed is data."""
    audit.record(
        actor=Actor.system("sign-in"),
        code="account.login.failed",
        data={"username": username[:150], "ip": ip, "reason": reason},
    )


def logout_record(*, user: User, ip: str) -> None:
    audit.record(actor=Actor.for_user(user), code="account.logout", obj=user, data={"ip": ip})


def password_changed_record(*, user: User, actor: Actor, how: str) -> None:
    """`how`: "changed" (on the profile, knowing the old one) or "reset" (through the e-mailed link)."""
    audit.record(actor=actor, code=f"account.password.{how}", obj=user)


def profile_update(*, user: User, changes: dict[str, Any], actor: Actor) -> list[str]:
    """Save the user's own details; returns the names of the fields that changed (the audit data)."""
    allowed = {"first_name", "last_name", "email", "phone", "language"}
    changed = [name for name, value in changes.items() if name in allowed and getattr(user, name) != value]
    if not changed:
        return []
    with transaction.atomic():
        for name in changed:
            setattr(user, name, changes[name])
        user.save(update_fields=changed)
        audit.record(actor=actor, code="account.profile.updated", obj=user, data={"fields": sorted(changed)})
    return changed
