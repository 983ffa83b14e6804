"""Checking several files at once: one worker process per core, each file's outcome handed
back in the files' order.

A file's results depend on that file alone, so a run over several files checks them in a pool of
processes, as linters do (`derive check -j N`; by default as many as the cores this process may
use, never more than the files; the longest files are started first). What a run prints does not
depend on the number of workers: the outcomes come back in the order of the files (the tests
compare the bytes). On Linux, in a process of one thread, the workers are forked (SymPy and
derive already imported), else spawned. Each saves the disk caches after every file it checks,
merged with what the others wrote (`derive.arithcache.save_json`). A worker that dies (killed,
out of memory) costs its file an internal error; the files it had not finished are checked
again, each in a process of its own. DERIVE_DEBUG=1 checks in this process, so that a bug shows
its traceback.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from derive.errors import Crashed, InputError
from derive.results import FileReport

if TYPE_CHECKING:  # a check of one file imports no process pool (about 25 ms)
    from concurrent.futures import Future
    from multiprocessing.context import BaseContext

__all__ = ["check_files", "usable_cores"]


Outcome = FileReport | InputError | Crashed


def usable_cores() -> int:
    """The cores this process may run on (its affinity, where the system says)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def check_files(files: Sequence[tuple[Path, str]], *, symbolic: bool = False,
                jobs: int | None = None) -> Iterator[tuple[str, Outcome]]:
    """(display name, report or error) of each file, in order: `jobs` worker processes (None:
    one per usable core), or this process alone when there is one job or one file, or under
    DERIVE_DEBUG=1 (where a bug raises)."""
    jobs = min(jobs or usable_cores(), len(files))
    if jobs <= 1 or os.environ.get("DERIVE_DEBUG") == "1":
        for path, name in files:
            yield name, _checked(path, name, symbolic)
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    context = multiprocessing.get_context(_start_method())
    pool = ProcessPoolExecutor(jobs, mp_context=context, initializer=_quiet_worker)
    try:
        futures = {}
        for k in sorted(range(len(files)), key=lambda k: -_size(files[k][0])):
            futures[k] = pool.submit(_worker, *files[k], symbolic)  # the longest first
        for k, (path, name) in enumerate(files):
            yield name, _outcome(futures[k], path, name, symbolic, context)
    except BaseException:  # interrupted (Ctrl-C), or the output closed: stop the workers now
        for process in list(getattr(pool, "_processes", {}).values()):
            process.terminate()
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown()


def _quiet_worker() -> None:
    """A worker leaves Ctrl-C to the parent, which stops it (no worker's traceback)."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _outcome(future: Future, path: Path, name: str, symbolic: bool,
             context: BaseContext) -> Outcome:
    """A file's outcome from the pool; once a worker has died (the pool is then broken), each
    file not done is checked in a process of its own, so only the file that kills its worker
    costs an internal error."""
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    try:
        return future.result()
    except BrokenProcessPool:
        with ProcessPoolExecutor(1, mp_context=context, initializer=_quiet_worker) as alone:
            try:
                return alone.submit(_worker, path, name, symbolic).result()
            except BrokenProcessPool as exc:
                return Crashed(type(exc).__name__, "the process checking this file died "
                                                   "(killed, or out of memory?)")
    except Exception as exc:  # its outcome could not be handed back (not picklable): a bug
        return Crashed(type(exc).__name__, str(exc))


def _start_method() -> str:
    """"fork" on Linux in a process of one thread (SymPy and derive already imported, so the
    workers start at once); "spawn" elsewhere, and where a library runs threads of its own
    (JAX's, say), which a fork would copy in whatever state they hold (a deadlock)."""
    if sys.platform.startswith("linux"):
        try:
            if len(os.listdir("/proc/self/task")) == 1:
                return "fork"
        except OSError:
            pass
    return "spawn"


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _checked(path: Path, name: str, symbolic: bool) -> Outcome:
    from derive.check import check_file

    try:
        return check_file(path, name, symbolic=symbolic)
    except InputError as err:
        return err
    except (KeyboardInterrupt, BrokenPipeError):
        raise
    except Exception as exc:  # a bug in derive: this file has no results, the others do
        if os.environ.get("DERIVE_DEBUG") == "1":
            raise
        return Crashed(type(exc).__name__, str(exc))


def _worker(path: Path, name: str, symbolic: bool) -> Outcome:
    """One file in a worker process, and the caches saved (a worker ends without `atexit`)."""
    from derive.arithcache import save_all

    try:
        return _checked(path, name, symbolic)
    finally:
        save_all()
