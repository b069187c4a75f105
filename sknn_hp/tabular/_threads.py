"""Thread limits for a search: this process and its joblib worker processes."""

import contextlib

__all__ = ["limit_threads"]


@contextlib.contextmanager
def limit_threads(threads, n_jobs=1):
    """Limit the threads of this process and of the search's worker processes.

    In this process: torch's intra-op threads (``torch.set_num_threads``) and the BLAS/OpenMP
    pools (threadpoolctl). For ``n_jobs != 1`` under joblib's default (loky) backend, the worker
    processes are started with ``inner_max_num_threads=threads``, which sets ``OMP_NUM_THREADS``
    and the BLAS variables there, so torch in each worker uses ``threads`` threads too. Another
    joblib backend (dask, ray) is left as configured. Everything is restored on exit.

    Parameters
    ----------
    threads : int or None
        Threads per process; None changes nothing.
    n_jobs : int, default=1
        The search's ``n_jobs``.
    """
    if threads is None:
        yield
        return
    if int(threads) < 1:
        raise ValueError(f"threads must be >= 1, got {threads!r}.")
    import torch
    from joblib import parallel_config
    from joblib.parallel import LokyBackend, get_active_backend
    from threadpoolctl import threadpool_limits

    before = torch.get_num_threads()
    torch.set_num_threads(int(threads))
    try:
        with contextlib.ExitStack() as stack:
            stack.enter_context(threadpool_limits(int(threads)))
            if n_jobs != 1 and isinstance(get_active_backend()[0], LokyBackend):
                stack.enter_context(parallel_config(backend="loky", inner_max_num_threads=int(threads)))
            yield
    finally:
        torch.set_num_threads(before)
