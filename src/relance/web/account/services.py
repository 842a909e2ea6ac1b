"""Who belongs to a company, with which role: the team page's changes.

`Membership` lives in `ledger` (beside `Company`); `accounts` is below `ledger` and cannot hold these
services, so they live here, in the workspace area that uses them. Each change is one transaction
and one audit event on the company's trail with its author.

The company always keeps at least one administrator: demoting or removing the last one is refused
(the administrators' rows are locked first, so two administrators removing each other at the same
moment cannot both succeed).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from relance.accounts.models import Role, User
from relance.core import audit
from relance.core.audit import Actor
from relance.core.errors import RelanceError
from relance.ledger.models import Company, Membership

if TYPE_CHECKING:
    from django.db.models import QuerySet


class MembershipError(RelanceError):
    code = "account.membership"


def members_of(*, company: Company) -> QuerySet[Membership]:
    return Membership.objects.filter(company_id=company.pk).select_related("user").order_by("user__username")


def user_find(*, identifier: str) -> User | None:
    """An active user by username (exact, case-insensitive) or e-mail address; None when unknown or
    when several users share that e-mail."""
    identifier = identifier.strip()
    if not identifier:
        return None
    by_name = User.objects.filter(username__iexact=identifier, is_active=True).first()
    if by_name is not None:
        return by_name
    by_email = list(User.objects.filter(email__iexact=identifier, is_active=True)[:2])
    return by_email[0] if len(by_email) == 1 else None


def membership_add(*, company: Company, user: User, role: str, sees_all_customers: bool, actor: Actor) -> Membership:
    role = Role(role)
    try:
        with transaction.atomic():
            membership = Membership.objects.create(
                company=company, user=user, role=role, sees_all_customers=sees_all_customers
            )
            audit.record(
                actor=actor,
                code="account.membership.added",
                company=company,
                obj=membership,
                data={"user": user.get_username(), "role": role.value, "sees_all_customers": sees_all_customers},
            )
    except IntegrityError:
        raise MembershipError(
            _("%(user)s is already a member of %(company)s.") % {"user": user, "company": company.name},
            code="account.membership.exists",
        ) from None
    return membership


def user_invite(
    *,
    company: Company,
    username: str,
    email: str,
    first_name: str,
    last_name: str,
    language: str,
    role: str,
    sees_all_customers: bool,
    actor: Actor,
) -> Membership:
    """A new user without a password (they choose it from the e-mailed link) and their membership."""
    if User.objects.filter(username__iexact=username).exists():
        raise MembershipError(_("The username %(name)s is taken.") % {"name": username}, code="account.user.exists")
    if User.objects.filter(email__iexact=email).exists():
        raise MembershipError(
            _("A user with the e-mail %(email)s already exists: add them as an existing user.") % {"email": email},
            code="account.user.exists",
        )
    with transaction.atomic():
        user = User(username=username, email=email, first_name=first_name, last_name=last_name, language=language)
        user.set_unusable_password()
        user.save()
        audit.record(actor=actor, code="account.user.invited", company=company, obj=user, data={"user": username})
        return membership_add(company=company, user=user, role=role, sees_all_customers=sees_all_customers, actor=actor)


def _membership_locked(company: Company, pk: int | str) -> Membership:
    membership = (
        Membership.objects.select_for_update().select_related("user").filter(company_id=company.pk, pk=pk).first()
    )
    if membership is None:
        raise Membership.DoesNotExist
    return membership


def _other_administrators(company: Company, membership: Membership) -> int:
    administrators = list(
        Membership.objects.select_for_update()
        .filter(company_id=company.pk, role=Role.ADMINISTRATOR)
        .exclude(pk=membership.pk)
        .values_list("pk", flat=True)
    )
    return len(administrators)


def membership_role_change(*, company: Company, pk: int | str, role: str, actor: Actor) -> Membership:
    role = Role(role)
    with transaction.atomic():
        membership = _membership_locked(company, pk)
        if membership.role == role:
            return membership
        if membership.role == Role.ADMINISTRATOR and not _other_administrators(company, membership):
            raise MembershipError(
                _("%(user)s is the last administrator of %(company)s: make someone else administrator first.")
                % {"user": membership.user, "company": company.name},
                code="account.membership.last_administrator",
            )
        before = membership.role
        membership.role = role
        membership.save(update_fields=["role"])
        audit.record(
            actor=actor,
            code="account.membership.role_changed",
            company=company,
            obj=membership,
            data={"user": membership.user.get_username(), "from": before, "to": role.value},
        )
    return membership


def membership_sees_all_set(*, company: Company, pk: int | str, sees_all_customers: bool, actor: Actor) -> Membership:
    with transaction.atomic():
        membership = _membership_locked(company, pk)
        if membership.sees_all_customers == sees_all_customers:
            return membership
        membership.sees_all_customers = sees_all_customers
        membership.save(update_fields=["sees_all_customers"])
        audit.record(
            actor=actor,
            code="account.membership.sees_all_changed",
            company=company,
            obj=membership,
            data={"user": membership.user.get_username(), "sees_all_customers": sees_all_customers},
        )
    return membership


def membership_remove(*, company: Company, pk: int | str, actor: Actor) -> User:
    """Take the user out of the company (the user and their history stay). Returns the user."""
    with transaction.atomic():
        membership = _membership_locked(company, pk)
        if membership.role == Role.ADMINISTRATOR and not _other_administrators(company, membership):
            raise MembershipError(
                _("%(user)s is the last administrator of %(company)s and cannot be removed.")
                % {"user": membership.user, "company": company.name},
                code="account.membership.last_administrator",
            )
        user = membership.user
        audit.record(
            actor=actor,
            code="account.membership.removed",
            company=company,
            obj=membership,
            data={"user": user.get_username(), "role": membership.role},
        )
        membership.delete()
    return user
