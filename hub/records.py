"""Small value types describing canonical record changes, shared by the engines and hooks."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

ChangeAction = Literal["created", "updated", "deleted"]


@dataclass(frozen=True)
class RecordChange:
    """One canonical record that changed in the hub.

    :param external_id: the source's id of the record.
    :param action: ``created``, ``updated`` or ``deleted`` (deleted or voided at the source).
    :param record: the canonical record after the change (``None`` for deletions).
    """

    external_id: str
    action: ChangeAction
    record: dict[str, Any] | None = None


__all__ = ["ChangeAction", "RecordChange"]
