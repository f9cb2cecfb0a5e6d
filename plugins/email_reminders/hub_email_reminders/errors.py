"""Errors specific to the email channel."""

from __future__ import annotations

from hub import RecipientRejected as BaseRecipientRejected


class RecipientRejected(BaseRecipientRejected):
    """The recipient address is unusable: malformed, or refused permanently (5xx) by the server.

    A :class:`hub.RecipientRejected` (so a :class:`hub.ConfigError`): never retried; what must
    change is the contact's address, not the channel. The collections engine marks this reminder
    failed for this recipient and keeps the channel running.

    :param recipient: the address as given.
    :param code: the SMTP reply code (e.g. 550), or ``None`` when refused before connecting.
    """

    def __init__(self, recipient: str, message: str, *, code: int | None = None) -> None:
        super().__init__(
            message,
            causes=[
                "the contact's email address is misspelled or no longer exists",
                "the receiving domain refuses mail from this sender",
            ],
        )
        self.recipient = recipient
        self.code = code
