"""Python's cycle collector held back for one bounded piece of bulk work (decision 0166).

Laying out a batch of certificates, planning a 2 MB import or building a 10,000-record LRS
batch allocates hundreds of thousands of small objects that stay alive until the work is done.
The cycle collector starts every 700 net allocations and, as objects survive, scans the older
generations too: it walks the same live objects again and again and finds almost nothing to
free, a sixth to a quarter of the CPU time of such work. Reference counting still frees almost
everything as soon as it is dropped; one young collection at the end frees the cycles the work
left (objects made while the collector is off are never promoted, so it reaches all of them).

Use it around work whose size is bounded (one batch, one file), never around a loop of
unbounded length. Usable as a context manager or a decorator.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def cycle_collection_deferred() -> Iterator[None]:
    """The collector off for the block, then one young collection. It is switched back on only
    if it was on before, and also when the block raises."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
        gc.collect(1)
