"""Who may see and do what in the workspace.

Every workspace view is wrapped by `workspace_view`: it requires a signed-in user, resolves the
company being worked on (kept in the session, switchable among the user's memberships) and the
user's role there, and refuses any change (a non-GET request) from a read-only member — centrally,
so no form can forget it. Views then read `request.ws` (a `Workspace`) and query only through it:
`ws.customers()` is the portfolio the user may see, always restricted to the current company.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from relance.accounts.models import Role
from relance.core.audit import Actor
from relance.ledger.models import Company, Customer, Membership

if TYPE_CHECKING:
    from relance.accounts.models import User

SESSION_KEY = "relance_company_id"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
MANAGERS = frozenset({Role.ADMINISTRATOR, Role.CREDIT_MANAGER})


@dataclass(slots=True)
class Workspace:
    """The signed-in user working on one company, with their role there."""

    user: User
    company: Company
    role: str
    sees_all_customers: bool
    companies: list[Company] = field(default_factory=list)

    @property
    def role_label(self) -> str:
        return str(Role(self.role).label)

    @property
    def can_write(self) -> bool:
        return self.role != Role.READ_ONLY

    @property
    def is_manager(self) -> bool:
        """Administrators and credit managers: scenarios, templates, imports, all customers."""
        return self.role in MANAGERS

    @property
    def is_admin(self) -> bool:
        """Administrators: company settings, mail server, users."""
        return self.role == Role.ADMINISTRATOR

    @property
    def sees_all(self) -> bool:
        return self.role != Role.COLLECTOR or self.sees_all_customers

    @property
    def actor(self) -> Actor:
        return Actor.for_user(self.user)

    def customers(self, *, all_customers: bool = False) -> QuerySet[Customer]:
        """The customers this user works on. A collector sees their portfolio unless allowed to see
        all (and asks for it with `all_customers=True`)."""
        queryset = Customer.objects.filter(company_id=self.company.pk)
        if self.role == Role.COLLECTOR and not (all_customers and self.sees_all_customers):
            queryset = queryset.filter(collector_id=self.user.pk)
        return queryset

    def customer(self, pk: int | str) -> Customer:
        """One customer of the current company, 404 otherwise (never another company's)."""
        return get_object_or_404(self.customers(all_customers=True), pk=pk)


def workspaces_for(user: User) -> list[tuple[Company, str, bool]]:
    """(company, role, sees_all_customers) for every company the user may work on."""
    if user.is_superuser:
        return [(company, Role.ADMINISTRATOR, True) for company in Company.objects.order_by("name")]
    rows = Membership.objects.filter(user_id=user.pk).select_related("company").order_by("company__name")
    return [(m.company, m.role, m.sees_all_customers) for m in rows]


def resolve_workspace(request: HttpRequest) -> Workspace | None:
    user = request.user
    options = workspaces_for(user)  # type: ignore[arg-type]
    if not options:
        return None
    wanted = request.session.get(SESSION_KEY)
    chosen = next((o for o in options if o[0].pk == wanted), options[0])
    company, role, sees_all = chosen
    return Workspace(
        user=user,  # type: ignore[arg-type]
        company=company,
        role=role,
        sees_all_customers=sees_all,
        companies=[o[0] for o in options],
    )


def workspace_view(
    view: Callable[..., HttpResponse] | None = None, *, manager: bool = False, admin: bool = False
) -> Any:
    """Decorate a workspace view: signed in, a company chosen, read-only members can only read.

    `manager=True` limits the view to administrators and credit managers, `admin=True` to
    administrators. Sets `request.ws`.
    """

    def decorate(func: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @functools.wraps(func)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            ws = resolve_workspace(request)
            if ws is None:
                return render(request, "web/no_company.html", status=403)
            if request.method not in SAFE_METHODS and not ws.can_write:
                raise PermissionDenied("read-only")
            if (admin and not ws.is_admin) or (manager and not ws.is_manager):
                raise PermissionDenied("role")
            request.ws = ws  # type: ignore[attr-defined]
            return func(request, *args, **kwargs)

        return wrapper

    if view is not None:
        return decorate(view)
    return decorate
