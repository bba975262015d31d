"""Webhook signatures: HMAC-SHA256 over ``"<timestamp>.<body>"`` with the subscriber's secret.

Headers sent with every message::

    X-Motcua-Timestamp: 1772416800
    X-Motcua-Signature: v1=5d41402abc4b2a76b9719d911017c592...

The receiver recomputes ``hex(HMAC_SHA256(secret, timestamp + "." + raw_body))``, compares it in
constant time with the ``v1=`` value and refuses a timestamp more than 5 minutes away from its
clock (replays). :func:`verify` is the reference implementation of that recipe
(docs/integration.md shows it in ten lines).
"""

from __future__ import annotations

import hashlib
import hmac
import time

TOLERANCE_SECONDS = 300
TIMESTAMP_HEADER = "X-Motcua-Timestamp"
SIGNATURE_HEADER = "X-Motcua-Signature"


def sign(secret: str, timestamp: int, body: bytes) -> str:
    message = str(timestamp).encode() + b"." + body
    return "v1=" + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def verify(
    secret: str, timestamp: str, signature: str, body: bytes, *, now: float | None = None
) -> bool:
    """The receiver's check: a valid ``v1`` signature made within the tolerance."""
    try:
        moment = int(timestamp)
    except (TypeError, ValueError):
        return False
    current = time.time() if now is None else now
    if abs(current - moment) > TOLERANCE_SECONDS:
        return False
    return hmac.compare_digest(sign(secret, moment, body), signature.strip())
