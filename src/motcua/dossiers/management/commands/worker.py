"""``motcua worker`` — run background tasks and enqueue the dossier sweeps every N seconds.

With the default backend (``django_tasks_db.DatabaseBackend``, jobs in the application database)
the worker of django-tasks-db runs in the main thread and a daemon thread enqueues
``tasks.run_all_sweeps`` every ``--sweep-every`` seconds; Ctrl-C (SIGINT/SIGTERM) lets the running
task finish and stops both. With another backend (``MOTCUA_TASK_BACKEND``, e.g. Redis through
django-tasks-rq) only the sweep loop runs here and the backend's own worker executes the jobs.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.crypto import get_random_string
from django_tasks import DEFAULT_TASK_BACKEND_ALIAS, task_backends

logger = logging.getLogger("motcua.worker")


def uses_database_backend(alias: str = DEFAULT_TASK_BACKEND_ALIAS) -> bool:
    from django_tasks_db.backend import DatabaseBackend

    return isinstance(task_backends[alias], DatabaseBackend)


#: Tasks that follow the control sheet, enqueued with the sweeps when their app is installed:
#: monitoring aggregates (docs/monitoring.md), citizens' notifications (docs/portal.md), webhooks
#: and the national portal bridge (docs/integration.md).
FOLLOWERS = (
    ("motcua.monitoring", "motcua.monitoring.tasks", "refresh_metrics"),
    ("motcua.portal", "motcua.portal.tasks", "collect_notifications"),
    ("motcua.integrations", "motcua.integrations.tasks", "deliver_webhooks"),
)


def enqueue_sweeps() -> None:
    from importlib import import_module

    from django.apps import apps

    from motcua.dossiers.tasks import run_all_sweeps

    run_all_sweeps.enqueue()
    for app, module, name in FOLLOWERS:
        if apps.is_installed(app):
            getattr(import_module(module), name).enqueue()


class SweepLoop(threading.Thread):
    """Enqueue the sweeps now, then every ``every`` seconds, until ``stop()``."""

    def __init__(self, every: float, max_loops: int | None = None) -> None:
        super().__init__(name="motcua-sweep-loop", daemon=True)
        self.every = every
        self.max_loops = max_loops
        self.loops = 0
        self._stop_event = threading.Event()

    def run(self) -> None:
        from django.db import close_old_connections, connection

        try:
            while not self._stop_event.is_set():
                close_old_connections()
                try:
                    enqueue_sweeps()
                except Exception:  # a database hiccup must not kill the loop
                    logger.exception("could not enqueue the dossier sweeps")
                self.loops += 1
                if self.max_loops is not None and self.loops >= self.max_loops:
                    break
                self._stop_event.wait(self.every)
        finally:
            connection.close()

    def stop(self) -> None:
        self._stop_event.set()


@dataclass
class BackgroundWorker:
    """The worker loop started inside another process (``motcua demo``): a database worker
    thread and the sweep loop. Signals stay with the host process."""

    loop: SweepLoop
    worker: Any | None = None
    thread: threading.Thread | None = None

    def stop(self) -> None:
        self.loop.stop()
        if self.worker is not None:
            self.worker.running = False


def _db_worker(*, batch: bool, interval: float) -> Any:
    from django_tasks_db.management.commands.db_worker import Worker

    return Worker(
        queue_names=["default"],
        interval=interval,
        batch=batch,
        backend_name=DEFAULT_TASK_BACKEND_ALIAS,
        startup_delay=False,
        max_tasks=None,
        worker_id=f"motcua-{get_random_string(24)}",
        excluded_queue_names=[],
    )


def start_background_worker(sweep_every: float = 300.0, interval: float = 2.0) -> BackgroundWorker:
    """Start the sweep loop, plus a database worker thread when jobs live in the database."""
    loop = SweepLoop(sweep_every)
    handle = BackgroundWorker(loop=loop)
    if uses_database_backend():
        worker = _db_worker(batch=False, interval=interval)

        def run() -> None:
            from django.db import connection

            try:
                worker.run()
            finally:
                connection.close()

        handle.worker = worker
        handle.thread = threading.Thread(target=run, name="motcua-db-worker", daemon=True)
        handle.thread.start()
    loop.start()
    return handle


class Command(BaseCommand):
    help = (
        "Chạy tác vụ nền (django-tasks) và định kỳ xếp hàng các tác vụ quét hồ sơ "
        "(đóng hồ sơ không bổ sung, hạn tiếp nhận trực tuyến, quá hạn)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--sweep-every",
            type=float,
            default=300.0,
            help="Số giây giữa hai lần quét hồ sơ (mặc định 300).",
        )
        parser.add_argument(
            "--interval",
            type=float,
            default=1.0,
            help="Số giây chờ khi hàng đợi trống trước khi kiểm tra lại (mặc định 1).",
        )
        parser.add_argument(
            "--once",
            action="store_true",
            help="Xếp hàng một lượt quét, chạy hết tác vụ đang chờ rồi dừng (dùng khi kiểm thử).",
        )
        parser.add_argument(
            "--no-sweeps", action="store_true", help="Chỉ chạy tác vụ nền, không tự quét hồ sơ."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        every = float(options["sweep_every"])
        if every <= 0:
            raise CommandError("--sweep-every phải lớn hơn 0 giây.")
        once = bool(options["once"])
        database = uses_database_backend()
        self.stdout.write(
            "Bắt đầu tác vụ nền "
            + ("(hàng đợi trong cơ sở dữ liệu)" if database else "(backend cấu hình riêng)")
            + ("" if options["no_sweeps"] else f"; quét hồ sơ mỗi {every:g} giây")
            + ". Nhấn Ctrl-C để dừng."
        )
        if once:
            if not options["no_sweeps"]:
                enqueue_sweeps()
            if database:
                _db_worker(batch=True, interval=0).run()
            self.stdout.write("Đã chạy xong các tác vụ đang chờ; dừng.")
            return
        loop = None if options["no_sweeps"] else SweepLoop(every)
        try:
            if database:
                worker = _db_worker(batch=False, interval=float(options["interval"]))
                worker.configure_signals()
                if loop is not None:
                    loop.start()
                worker.run()  # returns after SIGINT/SIGTERM once the current task ends
            elif loop is not None:
                loop.start()
                while loop.is_alive():
                    loop.join(0.5)
        except (KeyboardInterrupt, SystemExit):
            pass  # the db worker exits with SystemExit(0) on a signal while idle
        finally:
            if loop is not None:
                loop.stop()
        self.stdout.write("Đã dừng tác vụ nền.")
