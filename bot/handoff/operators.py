"""Who acts on a handed-over conversation, and the refusals they can meet.

Shared by the handoff (which checks them), the console (which logs operators in and
turns the refusals into HTTP statuses) and the hub (which holds one per socket): so
it imports nothing of theirs.
"""
from __future__ import annotations

from dataclasses import dataclass, field

API_OPERATOR = "api"  # the automation token's operator: a supervisor's tool without a console


class HandoffError(Exception):
    status = 400


class TooMany(HandoffError):
    status = 429


class NotFound(HandoffError):
    status = 404


class Conflict(HandoffError):
    status = 409


class Forbidden(HandoffError):
    status = 403


@dataclass(frozen=True)
class Operator:
    name: str
    role: str = "operator"  # or "supervisor"
    skills: tuple[str, ...] = field(default_factory=tuple)

    @property
    def supervisor(self) -> bool:
        return self.role == "supervisor"
