"""joblib parallelism that keeps workers × torch threads within one budget.

The budget is the number of torch threads of the calling process, which
the user sets as usual: ``torch.set_num_threads(n)`` or the environment
variable ``OMP_NUM_THREADS`` (torch's default is the number of cores).
uqgenomics' own joblib tasks (ensemble members with ``n_jobs``, streamed
prediction chunks) each run with ``budget // n_workers`` torch threads (at
least one), so that n_jobs workers never oversubscribe the cores: in worker
processes (loky, Dask, Ray) by setting their torch threads per task, with
the threading backend by lowering the shared pool for the duration of the
call. On a machine that other jobs keep busy, a budget of 1 avoids torch
threads waiting on each other at every operation.
"""

from __future__ import annotations

import contextlib
import os

import torch
from joblib import Parallel, delayed, effective_n_jobs
from joblib.parallel import get_active_backend


def threads_per_worker(n_jobs) -> int:
    """Torch threads each of ``n_jobs`` workers gets from the budget."""
    return max(1, torch.get_num_threads() // max(1, effective_n_jobs(n_jobs)))


def _run_with_threads(function, threads: int, parent: int, args, kwargs):
    if os.getpid() != parent:  # a worker process: its own torch thread pool
        torch.set_num_threads(threads)
    return function(*args, **kwargs)


@contextlib.contextmanager
def _shared_pool(n_jobs, threads: int):
    """With a thread-based backend, workers share this process's pool:
    lower it while they run."""
    backend, _ = get_active_backend()
    if not getattr(backend, "uses_threads", False) or effective_n_jobs(n_jobs) == 1:
        yield
        return
    before = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def parallel(calls, n_jobs, **parallel_kwargs):
    """``Parallel(n_jobs, **parallel_kwargs)`` over ``calls`` within the budget.

    Parameters
    ----------
    calls : iterable of (function, args, kwargs)
    n_jobs : int or None
    **parallel_kwargs
        Passed to ``joblib.Parallel`` (e.g. ``return_as='generator'``).

    Returns
    -------
    list or generator
        As ``Parallel`` returns them; a generator holds the budget until it
        is exhausted or closed.
    """
    threads, parent = threads_per_worker(n_jobs), os.getpid()
    tasks = (delayed(_run_with_threads)(function, threads, parent, args, kwargs)
             for function, args, kwargs in calls)
    if parallel_kwargs.get("return_as") in ("generator", "generator_unordered"):
        return _generate(tasks, n_jobs, threads, parallel_kwargs)
    with _shared_pool(n_jobs, threads):
        return Parallel(n_jobs=n_jobs, **parallel_kwargs)(tasks)


def _generate(tasks, n_jobs, threads, parallel_kwargs):
    with _shared_pool(n_jobs, threads):
        yield from Parallel(n_jobs=n_jobs, **parallel_kwargs)(tasks)
