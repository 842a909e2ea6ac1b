"""Late-payment penalties: pure functions over dates, amounts and a dated rate table (no ORM).

    from relance.finance.penalties import InvoiceFacts, PaymentFact, compute_penalties, get_rule
    from relance.finance.rates_store import load_rate_book

    result = compute_penalties(
        invoice=InvoiceFacts(amount=Money.of("10000.00", "EUR"), due_date=date(2025, 3, 15)),
        payments=[PaymentFact(date=date(2025, 5, 14), amount=Money.of("10000.00", "EUR"))],
        as_of=date(2025, 6, 1),
        rule=get_rule("fr"),
        rates=load_rate_book(),
    )
    result.interest  # Money EUR 216.16; result.indemnity EUR 40.00; result.lines for a statement

The package is split by concern: `periods` (half-years), `rates` (in-memory rate tables and the
missing-rate error), `model` (value objects in and out), `rules` (one small object per
jurisdiction) and `engine` (the computation). Nothing here imports Django or the ledger (an
import-linter contract checks it): callers turn their invoices and allocations into
`InvoiceFacts` and `PaymentFact`, and `relance.finance.rates_store` reads the rate files.
The conventions (days, rounding, legal bases) are in docs/penalties.md.
"""

from relance.finance.penalties.engine import compute_penalties, div_round_half_up, interest_minor
from relance.finance.penalties.errors import MissingRateError, PenaltyError, RateFileError
from relance.finance.penalties.model import IndemnityLine, InterestLine, InvoiceFacts, PaymentFact, PenaltyResult
from relance.finance.penalties.periods import HalfYear
from relance.finance.penalties.rates import TABLES, RateBook, RateEntry, RateTable, TableSpec, parse_rate, table_spec
from relance.finance.penalties.rules import (
    DAY_BASIS,
    ContractRule,
    EUDefaultRule,
    FranceRule,
    GermanyRule,
    PenaltyRule,
    RateSegment,
    UnitedKingdomRule,
    get_rule,
    rule_codes,
)

__all__ = [
    "DAY_BASIS",
    "TABLES",
    "ContractRule",
    "EUDefaultRule",
    "FranceRule",
    "GermanyRule",
    "HalfYear",
    "IndemnityLine",
    "InterestLine",
    "InvoiceFacts",
    "MissingRateError",
    "PaymentFact",
    "PenaltyError",
    "PenaltyResult",
    "PenaltyRule",
    "RateBook",
    "RateEntry",
    "RateFileError",
    "RateSegment",
    "RateTable",
    "TableSpec",
    "UnitedKingdomRule",
    "compute_penalties",
    "div_round_half_up",
    "get_rule",
    "interest_minor",
    "parse_rate",
    "rule_codes",
    "table_spec",
]
