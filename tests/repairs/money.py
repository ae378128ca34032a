"""Helpers for repair money at the register."""

import uuid

from pos.drawer import Tender
from repairs.payments import Till


def till_at(shift, method: str = "cash", handed=None, reference: str = "", key=None) -> Till:  # noqa: ANN001
    return Till(shift=shift, tender=Tender(method=method, handed=handed, reference=reference),
                idempotency_key=key or uuid.uuid4())
