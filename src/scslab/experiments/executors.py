"""Where the runs of a sweep execute: this process, local processes, or Dask.

All three are reached through the ``concurrent.futures`` interface
(``submit`` -> ``Future``), so the sweep loop does not know which it has.
Results never depend on the choice: each run's seed comes from its run index.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scslab.errors import RunError

#: A Dask config file for workers started from the command line
#: (``DASK_CONFIG=<this file> dask worker ...``): it stops the nanny from setting
#: ``MALLOC_TRIM_THRESHOLD_=65536``, which made numpy work twice as slow here.
DASK_CONFIG_FILE = Path(__file__).with_name("dask-workers.yaml")

#: The Dask setting that `DASK_CONFIG_FILE` holds, applied before making a LocalCluster.
DASK_MEMORY_SETTING = {"distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None}


def default_workers() -> int:
    """The cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


class InlineExecutor(Executor):
    """Runs each task in this process when it is submitted (``--workers 1``)."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        fut: Future[Any] = Future()
        try:
            fut.set_result(fn(*args, **kwargs))
        except BaseException as exc:
            if not isinstance(exc, Exception):
                raise
            fut.set_exception(exc)
        return fut


def _noop() -> int:
    return os.getpid()


@dataclass
class Pool:
    """An open executor and what the sweep loop needs to know about it.

    Attributes
    ----------
    executor : Executor
        The ``concurrent.futures`` interface.
    capacity : int
        Runs that execute at once (workers x threads).
    description : str
        For the summary: "1 process", "2 local processes", "Dask at tcp://...".
    can_rebuild : bool
        Whether a broken pool (a worker process died) can be replaced.
    """

    executor: Executor
    capacity: int
    description: str
    can_rebuild: bool = False
    _close: list[Callable[[], None]] = field(default_factory=list, repr=False)
    _factory: Callable[[], Executor] | None = field(default=None, repr=False)

    def rebuild(self) -> None:
        """Replace a broken process pool with a new one."""
        if self._factory is None:
            raise RunError("the executor cannot be rebuilt")
        self.executor.shutdown(wait=False, cancel_futures=True)
        self.executor = self._factory()
        self.executor.submit(_noop).result()

    def close(self, *, cancel: bool = False) -> None:
        if isinstance(self.executor, ProcessPoolExecutor):
            self.executor.shutdown(wait=not cancel, cancel_futures=True)
        else:  # Dask's ClientExecutor cancels what is pending on shutdown
            self.executor.shutdown(wait=not cancel)
        for fn in reversed(self._close):
            fn()


def _mp_context() -> Any:
    import multiprocessing as mp

    # fork starts workers in milliseconds; the pool is started before the sweep
    # opens its database or any progress thread, so the children are forked
    # from a single-threaded parent. Elsewhere (macOS, Windows) spawn.
    return mp.get_context("fork" if sys.platform.startswith("linux") else "spawn")


def local_pool(workers: int | None = None) -> Pool:
    """``workers`` local processes (default: the cores); 1 runs in this process."""
    n = default_workers() if workers is None else int(workers)
    if n < 1:
        raise RunError(f"--workers must be a whole number >= 1; got {n}")
    if n == 1:
        return Pool(InlineExecutor(), 1, "this process")

    def factory() -> Executor:
        return ProcessPoolExecutor(max_workers=n, mp_context=_mp_context())

    pool = Pool(factory(), n, f"{n} local processes", can_rebuild=True, _factory=factory)
    pool.executor.submit(_noop).result()  # start the workers now
    return pool


def dask_pool(scheduler: str, workers: int | None = None) -> Pool:
    """A Dask cluster: ``"local"`` starts one in this process, else connect to `scheduler`.

    Parameters
    ----------
    scheduler : str
        ``tcp://host:port`` of a running scheduler, or ``local`` for a
        `distributed.LocalCluster` of `workers` processes with one thread each.
    """
    try:
        import importlib

        dask: Any = importlib.import_module("dask")
        distributed: Any = importlib.import_module("distributed")  # untyped: keep it Any
    except ImportError:
        raise RunError("--scheduler needs Dask: pip install 'scslab[dask]'") from None
    closers: list[Callable[[], None]] = []
    if scheduler == "local":
        n = default_workers() if workers is None else int(workers)
        with dask.config.set(DASK_MEMORY_SETTING):
            cluster = distributed.LocalCluster(
                n_workers=n,
                threads_per_worker=1,
                processes=True,
                host="127.0.0.1",
                dashboard_address=None,
            )
        client = distributed.Client(cluster)
        closers = [cluster.close, client.close]
        where = f"a local Dask cluster of {n} processes"
    else:
        if workers is not None:
            raise RunError("give --workers or --scheduler, not both (the cluster has its workers)")
        try:
            client = distributed.Client(scheduler, timeout="10s")
        except (OSError, TimeoutError, ValueError) as exc:
            raise RunError(f"cannot reach the Dask scheduler at {scheduler!r}: {exc}") from None
        closers = [client.close]
        where = f"Dask at {scheduler}"
    capacity = sum(client.nthreads().values())
    if capacity == 0:
        try:
            client.wait_for_workers(1, timeout=30)
        except (TimeoutError, OSError):
            for fn in reversed(closers):
                fn()
            raise RunError(f"the Dask scheduler at {scheduler!r} has no workers") from None
        capacity = sum(client.nthreads().values())
    executor = client.get_executor(pure=False)
    return Pool(executor, capacity, f"{where} ({capacity} threads)", _close=closers)


def open_pool(workers: int | None = None, scheduler: str | None = None) -> Pool:
    """Local processes, or Dask when `scheduler` is given."""
    if scheduler:
        return dask_pool(scheduler, workers)
    return local_pool(workers)


if __name__ == "__main__":  # pragma: no cover - prints the config path for DASK_CONFIG
    print(DASK_CONFIG_FILE)
