"""The spoken call on display boards ("Mời công dân số 1024 đến quầy số 5"), synthesised by
espeak-ng (Debian package ``espeak-ng``, Vietnamese voice ``vi``). Off by default
(``MOTCUA_QUEUE_SPEECH``); without the program the board simply stays silent."""

from __future__ import annotations

import functools
import shutil
import subprocess

from django.conf import settings

TIMEOUT_SECONDS = 10


def speech_enabled() -> bool:
    return bool(getattr(settings, "MOTCUA_QUEUE_SPEECH", False)) and engine() is not None


def engine() -> str | None:
    return shutil.which("espeak-ng")


@functools.lru_cache(maxsize=256)
def spoken_wav(text: str) -> bytes | None:
    """The WAV audio of ``text`` read in Vietnamese, or None (engine missing or failing).
    Only texts built by ``selectors.call_text`` reach it; they are passed as one argument,
    never through a shell."""
    program = engine()
    if program is None or not text:
        return None
    try:
        done = subprocess.run(  # noqa: S603 - fixed program, text as one argument
            [program, "-v", "vi", "-s", "140", "--stdout", text],
            capture_output=True,
            timeout=TIMEOUT_SECONDS,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    if done.returncode != 0 or not done.stdout.startswith(b"RIFF"):
        return None
    return done.stdout
