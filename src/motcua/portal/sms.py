"""SMS gateway interface. A real gateway is one class with ``send(to, text)`` named in
``MOTCUA_SMS_BACKEND``; development uses the file or console backend."""

from __future__ import annotations

import sys
import uuid
from pathlib import Path

from django.conf import settings
from django.utils import timezone


class FileBackend:
    """Writes each SMS to ``$MOTCUA_DATA_DIR/sms/<time>-<id>.txt``."""

    def send(self, to: str, text: str) -> None:
        folder = Path(settings.DATA_DIR) / "sms"
        folder.mkdir(parents=True, exist_ok=True)
        name = f"{timezone.now():%Y%m%d%H%M%S}-{uuid.uuid4().hex[:8]}.txt"
        (folder / name).write_text(f"To: {to}\n\n{text}\n", encoding="utf-8")


class ConsoleBackend:
    def send(self, to: str, text: str) -> None:
        sys.stdout.write(f"[SMS → {to}] {text}\n")
