"""The collection engine's pure decision logic: facts in, decisions with reasons out (no ORM)."""
