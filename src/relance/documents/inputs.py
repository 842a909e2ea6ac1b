"""What callers hand to the documents besides the ledger: penalties and promises.

The documents do not compute penalties (that is `relance.finance.penalties`) and do not read the
promise model (it lives in `collection`); they take these small, typed inputs instead, so any
caller — the penalty engine, a test, a one-off script — can pass them.

Penalties are a mapping **invoice number -> lines**. A line is anything with the attributes of
`PenaltyLineLike` (the engine's own line objects fit if they have them; `PenaltyLine` is the
ready-made dataclass):

* ``label``: text printed as is, in the reader's language ("Intérêts de retard", "Indemnité
  forfaitaire pour frais de recouvrement");
* ``amount``: `Money` in the invoice's currency;
* ``days``: the number of days the line covers, ``None`` for a fixed amount;
* ``rate``: the annual rate **in percent** (``Decimal("13.15")`` for 13.15 %), ``None`` for a
  fixed amount;
* ``legal_basis`` (optional attribute): "Code de commerce L441-10", "BGB §288(5)"...

The caller leaves out disputed invoices and anything it does not want to claim.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Protocol, runtime_checkable

from relance.core.money import Money


@runtime_checkable
class PenaltyLineLike(Protocol):
    """One penalty line of an invoice, as the documents read it."""

    @property
    def label(self) -> str: ...

    @property
    def amount(self) -> Money: ...

    @property
    def days(self) -> int | None: ...

    @property
    def rate(self) -> Decimal | None: ...


@dataclass(frozen=True, slots=True)
class PenaltyLine:
    """A ready-made `PenaltyLineLike`: interest (with days and rate) or a fixed indemnity (without)."""

    label: str
    amount: Money
    days: int | None = None
    rate: Decimal | None = None  # annual, in percent
    legal_basis: str = ""


Penalties = Mapping[str, Sequence[PenaltyLineLike]]


def legal_basis(line: PenaltyLineLike) -> str:
    return str(getattr(line, "legal_basis", "") or "")


def penalty_totals(penalties: Penalties | None, numbers: Iterable[str]) -> dict[str, Money]:
    """The sum of the penalty lines of the invoices `numbers`, per currency."""
    totals: dict[str, Money] = {}
    if not penalties:
        return totals
    for number in numbers:
        for line in penalties.get(number, ()):
            current = totals.get(line.amount.currency)
            totals[line.amount.currency] = line.amount if current is None else current + line.amount
    return totals


@dataclass(frozen=True, slots=True)
class PromiseInput:
    """A promise to pay as recorded (by a collector on the phone, or by the customer on the portal).

    ``means`` is a `ledger.PaymentMethod` value ("transfer", "cheque"...) or free text printed as
    is. ``invoice_numbers`` are the invoices the promise covers; ``promised_by`` is the person who
    made it ("Jeanne Martin, comptable fournisseurs"); ``made_at`` is when it was made.
    """

    payment_date: dt.date
    amount: Money
    means: str
    invoice_numbers: Sequence[str]
    promised_by: str
    made_at: dt.datetime | dt.date
    channel: str = ""  # "phone", "portal", "e-mail"... printed as is
    place: str = ""  # where it is signed; default the debtor's city
    invoice_amounts: Mapping[str, Money] = field(default_factory=dict)  # open amounts, when not read from a statement
