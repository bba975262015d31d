"""English as the second language: every catalogue is complete and compiled, pages stay
Vietnamese unless English is chosen, the switch works, the API follows Accept-Language.

Catalogues live per app in ``src/motcua/<app>/locale/en/LC_MESSAGES/django.po`` with the
Vietnamese text as msgid (docs/i18n.md).
"""

from __future__ import annotations

import ast
import gettext
from pathlib import Path

import pytest

import motcua

PACKAGE = Path(motcua.__file__).parent
CATALOGUES = sorted(PACKAGE.glob("*/locale/en/LC_MESSAGES/django.po")) + sorted(
    PACKAGE.glob("locale/en/LC_MESSAGES/django.po")
)


def parse_po(path: Path) -> tuple[dict[str, str], list[str]]:
    """msgid → msgstr (plural forms joined by NUL, as in a .mo), and the fuzzy msgids."""
    entries: dict[str, str] = {}
    fuzzy: list[str] = []
    current: dict[str, list[str]] = {}
    key = ""
    flags = ""

    def flush() -> None:
        nonlocal current, flags
        if "msgid" in current:
            msgid = "".join(current["msgid"])
            if "msgid_plural" in current:
                msgid = msgid + "\x00" + "".join(current["msgid_plural"])
                forms = sorted(k for k in current if k.startswith("msgstr["))
                msgstr = "\x00".join("".join(current[k]) for k in forms)
            else:
                msgstr = "".join(current.get("msgstr", []))
            if msgid:
                entries[msgid] = msgstr
                if "fuzzy" in flags:
                    fuzzy.append(msgid)
        current = {}
        flags = ""

    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if line.startswith("#,"):
            flush()
            flags = line
            continue
        if not line or line.startswith("#"):
            continue
        if line.startswith('"'):
            current[key].append(ast.literal_eval(line))
            continue
        word, _, rest = line.partition(" ")
        if word == "msgid" and "msgid" in current:
            saved = flags
            flush()
            flags = saved
        key = word
        current[key] = [ast.literal_eval(rest)]
    flush()
    return entries, fuzzy


def test_there_are_catalogues() -> None:
    assert any(p.parts[-5] == "common" for p in CATALOGUES)


@pytest.mark.parametrize("po", CATALOGUES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_catalogue_is_complete_and_compiled(po: Path) -> None:
    entries, fuzzy = parse_po(po)
    assert entries, "empty catalogue"
    assert not fuzzy, f"fuzzy entries left: {fuzzy[:3]}"
    missing = [m for m, s in entries.items() if not s or any(not f for f in s.split("\x00"))]
    assert not missing, f"untranslated: {missing[:5]}"
    mo = po.with_suffix(".mo")
    assert mo.exists(), f"compile it: msgfmt -o {mo} {po}"
    with mo.open("rb") as fh:
        compiled = gettext.GNUTranslations(fh)
    catalog = {k: v for k, v in compiled._catalog.items() if k}  # type: ignore[attr-defined]
    flat: dict[str, str] = {}
    for key, value in catalog.items():
        if isinstance(key, tuple):
            msgid = key[0]
            flat.setdefault(msgid, "")
            flat[msgid] = (flat[msgid] + "\x00" + value) if flat[msgid] else value
        else:
            flat[key] = value
    plain = {k.split("\x00")[0]: v for k, v in entries.items()}
    assert flat == plain, f"{mo.name} is stale: run msgfmt -o {mo} {po}"


def test_pages_are_vietnamese_even_for_an_english_browser(client, db) -> None:
    page = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert '<html lang="vi">' in page
    assert "Trung tâm Phục vụ hành chính công" in page
    assert "Public Administrative Service Center" not in page


def test_the_switch_turns_pages_english_and_back(client, db) -> None:
    response = client.post("/ngon-ngu/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    assert response["Location"] == "/"
    page = client.get("/").content.decode()
    assert '<html lang="en">' in page
    assert "Public Administrative Service Center" in page
    assert 'value="vi"' in page  # the switch now offers Vietnamese
    client.post("/ngon-ngu/setlang/", {"language": "vi", "next": "/"})
    assert "Trung tâm Phục vụ hành chính công" in client.get("/").content.decode()


def test_an_unknown_language_is_ignored(client, db) -> None:
    client.cookies["django_language"] = "fr"
    page = client.get("/").content.decode()
    assert '<html lang="vi">' in page


def test_an_outside_next_address_is_not_followed(client, db) -> None:
    response = client.post(
        "/ngon-ngu/setlang/", {"language": "en", "next": "https://evil.example/"}
    )
    assert response.status_code == 302
    assert "evil.example" not in response["Location"]


def test_the_api_follows_accept_language(client, db) -> None:
    url = "/api/v1/catalogue/procedures/9.999999"
    english = client.get(url, HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    vietnamese = client.get(url, HTTP_ACCEPT_LANGUAGE="vi")
    assert english.json()["message"] == "Procedure not found."
    assert vietnamese.json()["message"] == "Không tìm thấy thủ tục."
    assert "Accept-Language" in english["Vary"]
