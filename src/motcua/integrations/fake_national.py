"""A small stand-in for the national portal, for the tests and the demo (the real interface is
not public). It listens on a local port and

* receives the sync pushes of motcua (``POST /sync``), checks their HMAC signature and keeps
  every record and the latest state per ``MaHoSo``;
* receives the pushes of e-results to the applicants' personal data stores
  (``POST /kho``, same signature), files each under its owner and answers the store
  reference (``{"MaTaiLieuKho": …}``, the same one for the same ``MaKetQua``);
  ``GET /kho/<SoDinhDanh or MaSoDoanhNghiep>`` lists an owner's store;
* submits dossiers to motcua's inbound endpoint like the portal would (:meth:`submit`).

``fail_next`` makes the next requests answer 503 (an outage, for the retry tests).

Run it for the demo with ``motcua fake_national --port 8765`` and point a subscription of kind
“Đồng bộ Cổng Dịch vụ công quốc gia” at ``http://127.0.0.1:8765/sync`` (and one of kind
“Đẩy kết quả vào Kho dữ liệu của tổ chức, cá nhân” at ``http://127.0.0.1:8765/kho``).
"""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from motcua.integrations import signing


@dataclass
class FakeNationalPortal:
    secret: str
    host: str = "127.0.0.1"
    port: int = 0
    records: list[dict[str, Any]] = field(default_factory=list)
    #: Every push into a personal data store the portal accepted, in order.
    store: list[dict[str, Any]] = field(default_factory=list)
    #: Store reference per ``MaKetQua`` (the portal files a result once, answers the same ref).
    store_refs: dict[str, str] = field(default_factory=dict)
    rejected: int = 0
    fail_next: int = 0
    attempts: int = 0
    _server: ThreadingHTTPServer | None = None

    @property
    def sync_url(self) -> str:
        return f"http://{self.host}:{self.port}/sync"

    @property
    def store_url(self) -> str:
        return f"http://{self.host}:{self.port}/kho"

    def owner_store(self, identifier: str) -> list[dict[str, Any]]:
        """The pushes filed under a personal ID or enterprise code."""
        return [
            r for r in self.store if identifier in (r.get("SoDinhDanh"), r.get("MaSoDoanhNghiep"))
        ]

    def latest(self, code: str) -> dict[str, Any] | None:
        found = [r for r in self.records if r.get("MaHoSo") == code]
        return found[-1] if found else None

    def statuses(self, code: str) -> list[int]:
        return [r["TrangThaiHoSo"] for r in self.records if r.get("MaHoSo") == code]

    def start(self) -> FakeNationalPortal:
        portal = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                portal.attempts += 1
                if portal.fail_next > 0:
                    portal.fail_next -= 1
                    self._answer(503, b"")
                    return
                ok = self.path in ("/sync", "/kho") and signing.verify(
                    portal.secret,
                    self.headers.get(signing.TIMESTAMP_HEADER, ""),
                    self.headers.get(signing.SIGNATURE_HEADER, ""),
                    body,
                )
                if not ok:
                    portal.rejected += 1
                    self._answer(401, b"")
                    return
                record = json.loads(body)
                if self.path == "/sync":
                    portal.records.append(record)
                    self._answer(200, b"")
                    return
                if not (record.get("SoDinhDanh") or record.get("MaSoDoanhNghiep")):
                    portal.rejected += 1
                    self._answer(422, b'{"loi": "Thieu chu so huu kho"}')
                    return
                portal.store.append(record)
                key = str(record.get("MaKetQua"))
                ref = portal.store_refs.setdefault(key, f"KHO-{len(portal.store_refs) + 1:06d}")
                self._answer(200, json.dumps({"MaTaiLieuKho": ref}).encode())

            def _answer(self, status: int, data: bytes) -> None:
                self.send_response(status)
                if data:
                    self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                key = self.path.rsplit("/", 1)[-1]
                found: Any = (
                    portal.owner_store(key) if self.path.startswith("/kho/") else portal.latest(key)
                )
                data = json.dumps(found, ensure_ascii=False).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                return

        self._server = ThreadingHTTPServer((self.host, self.port), Handler)
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    @staticmethod
    def submit(base_url: str, key: str, dossier: dict[str, Any]) -> tuple[int, Any]:
        """POST a dossier to motcua's inbound endpoint, as the portal would."""
        request = urllib.request.Request(  # noqa: S310 - a URL given by the operator
            base_url.rstrip("/") + "/api/v1/national/dossiers",
            data=json.dumps(dossier, ensure_ascii=False).encode(),
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {key}"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read() or b"null")
