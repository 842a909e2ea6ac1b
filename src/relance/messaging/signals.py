"""What the outbox reports to the rest of the application (messaging never imports its callers).

    message_sent(sender=OutboxMessage, message=row)
        the server (or the e-mail service) accepted the message, or the worker stopped in the
        ambiguous moment and the row is considered sent (`row.unconfirmed` is then True).
    message_failed(sender=OutboxMessage, message=row, permanent=bool, reason=str, addresses=list[str])
        `permanent=False`: a transient error, the outbox retries later (row.next_attempt_at).
        `permanent=True`: the outbox gave up (5xx, refused address, bounce reported by a webhook,
        too many attempts). `addresses` lists the addresses refused or bounced (the ledger contacts
        with those addresses are already marked); it is empty when the message itself was refused.
        A message sent to some recipients while others were refused sends `message_sent`, then
        `message_failed(permanent=True, addresses=[the refused ones])`.

Receivers run inside the transaction that records the outcome, in a savepoint: what they write
is committed with the row's new status. An exception in a receiver is logged and rolls back what
the receivers of that one signal wrote for that one message (the savepoint), never the outcome
of the send.
"""

from __future__ import annotations

from django.dispatch import Signal

message_sent = Signal()
message_failed = Signal()
