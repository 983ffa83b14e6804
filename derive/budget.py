"""Wall-clock budgets: a claim or a symbolic confirmation that runs too long is stopped.

How: a SIGALRM deadline in the main thread (`signal.setitimer`), which raises a private
exception at the next bytecode of whatever Python code is running, SymPy included.

Why not a subprocess: a claim's evaluation fills caches that every later claim of the document
reads (the `Engine`'s evaluators, cut expressions, derivatives); run elsewhere, that work would
be lost or would have to be shipped back. One mechanism serves the claims and `sympy.simplify`
alike, so the symbolic confirmation uses it too (a fork per simplify would also work, but not
with the spawn start method, which re-imports SymPy for every call).

What it costs, and how that is paid for:

* The exception may land anywhere, also half-way through filling a cache. The exception is a
  `BaseException`, so library code with `except Exception` does not swallow it, and the timer
  keeps firing every `_REPEAT` seconds until the block is left, so a bare `except:` does not
  either. The checker throws away its evaluation caches after a claim ran out of time
  (`derive.check`); SymPy's own caches store a result only after it is computed.
* A single long C call (a big-integer power, a SymEngine expansion) is not interrupted until it
  returns: sizes are bounded before any work starts (`derive.latex`, `derive.check`), so no
  such call can be long.
* Without SIGALRM (Windows) or outside the main thread, the deadline is checked cooperatively
  only, by `poll()` in the evaluation loops.

Budgets nest: an inner deadline that expires raises only out of its own block; an outer one
that expires ends the inner block too.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time

CLAIM_SECONDS = 20.0  # each claim: a step's verdict with its diagnosis search
SIMPLIFY_SECONDS = 10.0  # each symbolic confirmation (sympy.simplify)
_REPEAT = 0.05  # seconds between repeated alarms once a budget has run out (until it is left)


class BudgetExceeded(Exception):
    """A block ran past its budget."""

    def __init__(self, seconds: float):
        super().__init__(f"time budget exceeded ({_fmt(seconds)} s)")
        self.seconds = seconds


class _Expired(BaseException):
    """Raised inside the block; turned into `BudgetExceeded` by the block that owns it."""

    def __init__(self, owner: _Deadline):
        super().__init__()
        self.owner = owner


class _Deadline:
    __slots__ = ("due", "seconds")

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.due = time.monotonic() + seconds


_stack: list[_Deadline] = []
_saved: tuple | None = None  # (previous handler, previous timer) while a deadline is active
_hook: object = None  # the unraisable hook before the outermost deadline, while one is active


def _fmt(seconds: float) -> str:
    return f"{seconds:g}"


def seconds_from_env(name: str, default: float) -> float:
    """A budget from the environment (seconds; 0 or less: no budget), else `default`."""
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        return float(raw)
    except ValueError:
        return default


def _signals() -> bool:
    return hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()


def _expired_owner() -> _Deadline | None:
    now = time.monotonic()
    for d in _stack:  # outermost first: an expired outer budget ends everything inside it
        if d.due <= now:
            return d
    return None


def _arm() -> None:
    if not _stack:
        signal.setitimer(signal.ITIMER_REAL, 0)
        return
    wait = min(d.due for d in _stack) - time.monotonic()
    signal.setitimer(signal.ITIMER_REAL, max(wait, 0.001), _REPEAT)


def _on_alarm(signum: int, frame: object) -> None:
    if getattr(getattr(frame, "f_code", None), "co_filename", None) == __file__:
        return  # never inside this module's book-keeping: the repeating timer comes back
    owner = _expired_owner()
    if owner is not None:
        raise _Expired(owner)
    _arm()  # early (a budget that was left since): wait for the next one


def _unraisable(info: object) -> None:
    """An expiry that landed in a finalizer (`__del__`, a generator's close) is swallowed by
    Python as unraisable: dropped here, never printed (the repeating alarm raises it again in
    the block). Anything else goes to the hook that was there before. In this module, so that
    no alarm lands inside it."""
    if isinstance(getattr(info, "exc_value", None), _Expired):
        return
    (_hook or sys.__unraisablehook__)(info)  # type: ignore[operator]


def poll() -> None:
    """Raise now if a budget in force has run out (the cooperative check)."""
    if _stack:
        owner = _expired_owner()
        if owner is not None:
            raise _Expired(owner)


class deadline:  # noqa: N801 - used as a context manager, like a function
    """`with deadline(seconds):` runs the block within `seconds` of wall-clock time, else
    raises `BudgetExceeded`. `None` or a non-positive value: no budget."""

    def __init__(self, seconds: float | None):
        self.seconds = seconds
        self.me: _Deadline | None = None
        self.signals = False

    def __enter__(self) -> deadline:
        global _saved, _hook
        if self.seconds is None or self.seconds <= 0:
            return self
        self.me = _Deadline(self.seconds)
        self.signals = _signals()
        if self.signals and not _stack:
            _hook, sys.unraisablehook = sys.unraisablehook, _unraisable
            _saved = (signal.signal(signal.SIGALRM, _on_alarm),
                      signal.setitimer(signal.ITIMER_REAL, 0), time.monotonic())
        _stack.append(self.me)
        if self.signals:
            _arm()
        return self

    def __exit__(self, exc_type: object, exc: BaseException | None, tb: object) -> bool:
        global _saved, _hook
        me = self.me
        if me is None:
            return False
        self.me = None
        if self.signals:
            signal.setitimer(signal.ITIMER_REAL, 0)  # no alarm while the books are kept
        _stack.remove(me)
        if self.signals:
            if _stack:
                _arm()
            elif _saved is not None:
                handler, (delay, interval), since = _saved
                _saved = None
                sys.unraisablehook, _hook = _hook, None  # type: ignore[assignment]
                signal.signal(signal.SIGALRM, handler)
                if delay > 0:  # someone else's timer: give it back what is left of it
                    left = delay - (time.monotonic() - since)
                    signal.setitimer(signal.ITIMER_REAL, max(left, 0.001), interval)
        if isinstance(exc, _Expired) and exc.owner is me:
            raise BudgetExceeded(me.seconds) from None
        return False
