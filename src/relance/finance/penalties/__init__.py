"""Late-payment penalties: pure functions over dates, amounts and a dated rate table (no ORM)."""
