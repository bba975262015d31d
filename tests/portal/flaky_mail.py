"""An e-mail backend whose server can be "down": the real send path of Django, only the
transport fails (``smtplib.SMTPServerDisconnected``) while ``DOWN`` is set."""

from __future__ import annotations

import smtplib
from collections.abc import Sequence
from typing import Any

from django.core.mail.backends.locmem import EmailBackend

DOWN = {"value": False}


class FlakyBackend(EmailBackend):
    def send_messages(self, messages: Sequence[Any]) -> int:
        if DOWN["value"]:
            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        return super().send_messages(messages)
