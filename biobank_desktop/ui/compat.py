"""Work-arounds for the Qt binding as installed. Call :func:`apply` before the first Qt call.

PySide6 6.12.0 under Python 3.11 (measured here): every wrapped C++ method returning ``void``
hands back ``None`` without a new reference, and ``Signal.emit`` does the same with ``True``.
On Python ≥ 3.12 these objects are immortal (PEP 683) and nothing happens; on 3.11 each call
lowers their reference count by one, and after a few thousand calls (seconds of normal use) the
process dies with "Fatal Python error: none_dealloc: deallocating None" (or bool_dealloc).

The work-around does for 3.11 what 3.12 does by design: it gives these three statically allocated
singletons a reference count (2**40) that no run can use up. They are never freed in either case.
Remove this module when the project requires Python ≥ 3.12 or ships a fixed binding.
"""

from __future__ import annotations

import ctypes
import sys

_HEADROOM = 1 << 40
_applied = False


def needs_singleton_guard() -> bool:
    return sys.version_info < (3, 12) and sys.implementation.name == "cpython"


def apply() -> None:
    """Idempotent; a no-op on Python ≥ 3.12."""
    global _applied
    if _applied or not needs_singleton_guard():
        return
    for singleton in (None, True, False):
        # ob_refcnt is the first field of every CPython object (non-debug build), at id(obj).
        refcount = ctypes.c_ssize_t.from_address(id(singleton))
        refcount.value += _HEADROOM
    _applied = True
