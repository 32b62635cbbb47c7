"""The Ray executor: ``qc scan --engine ray [--address auto|ray://host:10001]``.

The same work units as the local engine (a file, or a byte range / row-group run of a big
JSONL / Parquet file: qc/readers.py) run as Ray tasks, the profile pass and then the check
pass; the driver gathers results in input order, merges the profile and writes every report
itself, so the reports are byte-identical to ``-j 1``. Ray tasks rather than Ray Data: qc needs
ordered, exactly-once results per unit and a corpus-wide profile between the two passes, which
plain tasks give directly (Ray Data's ``map_batches`` would only add a shuffle-free wrapper
around the same units).

Requirements: ``pip install 'qc[ray]'`` on the driver and the workers, the same qc version
everywhere (the code digest is part of the cache key, and workers import qc), and the input
paths readable at the same path on every node (a shared or mounted file system). The rule set
and the profile are put once in the object store; each worker process loads them once per scan.
Without ``--address`` a local Ray is started with ``-j`` CPUs and stopped at the end; with
``--address auto`` / ``ray://…`` the running cluster is used and left running.
"""
from __future__ import annotations

import collections
import os
import uuid
from typing import Any, Callable, Iterable, Iterator

from .errors import ConfigError

_STATE: dict[str, Any] = {"started": False}
_WORKER: dict[str, Any] = {"token": None}


def _ray():
    try:
        import ray
    except ImportError:
        raise ConfigError("--engine ray needs Ray: pip install 'qc[ray]'") from None
    return ray


def ensure_ray(address: str | None, jobs: int | None):
    """Connect to (or start) Ray once per process."""
    ray = _ray()
    if not ray.is_initialized():
        kwargs: dict[str, Any] = {"include_dashboard": False, "log_to_driver": False, "ignore_reinit_error": True}
        try:
            if address:
                ray.init(address=address, **kwargs)
            else:
                ray.init(num_cpus=max(1, jobs or os.cpu_count() or 1), **kwargs)
                _STATE["started"] = True
        except (ConnectionError, RuntimeError, ValueError, OSError) as e:
            where = address or "a local Ray"
            raise ConfigError(f"--engine ray: cannot start or reach {where}: {e}") from None
    return ray


def shutdown() -> None:
    """Stop the Ray instance qc started itself (a cluster given by --address is left running)."""
    if _STATE["started"]:
        _ray().shutdown()
        _STATE["started"] = False


def _task(fn: Callable, token: str, init_box: list, item: Any) -> Any:
    """Runs in a Ray worker: set up qc's worker state once per scan phase, then do one unit."""
    if _WORKER["token"] != token:
        import ray

        from .engine import _init_worker

        init = ray.get(init_box[0])
        _init_worker(*init)
        _WORKER["token"] = token
    return fn(item)


def ray_map(fn: Callable, items: Iterable, init: tuple, *, address: str | None = None,
            jobs: int | None = None) -> Iterator:
    """``fn`` over ``items`` as Ray tasks, results in input order, a bounded number in flight."""
    ray = ensure_ray(address, jobs)
    remote = ray.remote(num_cpus=1, max_retries=2)(_task)
    token = uuid.uuid4().hex
    init_box = [ray.put(init)]  # boxed: the worker fetches it only when its token is new
    cpus = int(ray.cluster_resources().get("CPU", 1)) or 1
    window = max(4, 4 * cpus)
    pending: collections.deque = collections.deque()
    for item in items:
        pending.append(remote.remote(fn, token, init_box, item))
        if len(pending) >= window:
            yield ray.get(pending.popleft())
    while pending:
        yield ray.get(pending.popleft())


__all__ = ["ray_map", "ensure_ray", "shutdown"]
