"""A Dask client for fleet jobs: an existing scheduler by address, or a LocalCluster on the loopback.

Dask is the `[fleet]` extra: it is imported inside these functions, never at module import, so the
default install can import (and the CLI can print --help) without it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

DEFAULT_WORKERS = 2
CONNECT_TIMEOUT_S = 10


class SchedulerUnreachableError(RuntimeError):
    """The --scheduler address did not answer (the CLI exits with status 3)."""


@contextmanager
def fleet_client(
    scheduler: str | None, workers: int = DEFAULT_WORKERS, timeout_s: float = CONNECT_TIMEOUT_S
) -> Iterator[Any]:
    """A connected `distributed.Client`: to `scheduler`, or to a LocalCluster of `workers` processes.

    The LocalCluster uses one thread per worker (the tasks are CPU-bound Python and numpy) and
    listens on 127.0.0.1 only, without a dashboard.
    """
    from distributed import Client, LocalCluster

    if scheduler:
        try:
            client = Client(scheduler, timeout=timeout_s)  # type: ignore[no-untyped-call]
        except (OSError, TimeoutError) as exc:
            raise SchedulerUnreachableError(f"cannot reach the Dask scheduler at {scheduler}: {exc}") from exc
        with client:
            yield client
        return
    with (
        LocalCluster(  # type: ignore[no-untyped-call]
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
            silence_logs=40,
        ) as cluster,
        Client(cluster) as client,  # type: ignore[no-untyped-call]
    ):
        yield client


Progress = Callable[[str], None]


def gather_in_order(
    client: Any,
    futures: list[Any],
    label: str,
    describe: Callable[[Any], str] | None = None,
    progress: Progress | None = None,
) -> list[Any]:
    """Results of `futures` in submission order; `progress` hears a line as each finishes."""
    from distributed import as_completed

    index = {f.key: i for i, f in enumerate(futures)}
    results: list[Any] = [None] * len(futures)
    started = time.perf_counter()
    finished = as_completed(futures)  # type: ignore[no-untyped-call]
    for done, future in enumerate(finished, start=1):
        results[index[future.key]] = result = future.result()
        extra = f" {describe(result)}" if describe is not None else ""
        if progress is not None:
            progress(f"{label}: {done}/{len(futures)} tasks{extra} ({time.perf_counter() - started:.1f} s)")
    return results


def batches(items: Iterable[Any], size: int) -> list[list[Any]]:
    """Consecutive blocks of at most `size` items."""
    out: list[list[Any]] = []
    for item in items:
        if not out or len(out[-1]) >= size:
            out.append([])
        out[-1].append(item)
    return out
