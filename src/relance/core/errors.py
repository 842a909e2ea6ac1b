"""One error type with stable codes, so views, commands and the API can report it the same way."""

from __future__ import annotations


class RelanceError(Exception):
    """A business error a user can act on. `code` is stable; the message is for humans."""

    code = "relance.error"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        if code is not None:
            self.code = code
        self.message = message
