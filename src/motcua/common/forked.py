"""Run tasks in forked processes, each with its own database connection (PostgreSQL only: a
forked child cannot share the parent's connection, and SQLite's test database is in memory).

Used by the simulator's parts (``motcua simulate --workers``) and by the monitoring rebuild and
verification (``motcua metrics rebuild|verify --processes``, docs/monitoring.md).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from motcua.common.errors import MotcuaError


def in_forked_processes(tasks: Sequence[Callable[[], Any]], *, what: str = "Mô phỏng") -> list[Any]:
    """Run each task in a forked process of its own (own database connection) and wait for all;
    the tasks' results in their order (sent back pickled). The first failure stops the others
    and is raised here as ``MotcuaError("<what> thất bại: …")``."""
    import multiprocessing as mp
    import queue as queue_module

    from django.db import connections

    connections.close_all()  # each child opens its own connection
    ctx = mp.get_context("fork")
    messages = ctx.Queue()
    children = [
        ctx.Process(target=_task_child, args=(k, task, messages), daemon=True)
        for k, task in enumerate(tasks)
    ]
    for child in children:
        child.start()
    results: list[Any] = [None] * len(tasks)
    failure: str | None = None
    finished = 0
    while finished < len(children) and failure is None:
        try:
            kind, k, value = messages.get(timeout=1.0)
        except queue_module.Empty:
            if any(c.exitcode not in (None, 0) for c in children):
                failure = "một tiến trình đã dừng bất thường"
            continue
        finished += 1
        if kind == "error":
            failure = str(value)
        else:
            results[k] = value
    for child in children:
        child.join(timeout=None if failure is None else 5)
        if child.is_alive():  # pragma: no cover - only after a failure elsewhere
            child.terminate()
            child.join()
    if failure is not None:
        raise MotcuaError(f"{what} thất bại: {failure}")
    return results


def _task_child(k: int, task: Callable[[], Any], messages: Any) -> None:  # pragma: no cover
    from django.db import connections

    try:
        result = task()
        messages.put(("done", k, result))
    except BaseException as exc:
        messages.put(("error", k, f"{type(exc).__name__}: {exc}"))
    finally:
        connections.close_all()
