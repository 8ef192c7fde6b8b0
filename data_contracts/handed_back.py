"""A forked child's result handed back through memory the parent maps, not through a pipe.

The standard library's pool pickles a child's result whole into one bytes object, writes it
down a pipe, and the parent reads it into a second bytes object and unpickles it into a third
place: the accepted half of the national projects register (323 MB, nearly all of it Arrow
buffers and numpy arrays) was copied into new memory three times over, twice of them while the
parent waited. Pickle's protocol 5 keeps such buffers out of the pickle (PEP 574): the child
writes them once into an anonymous in-memory file (memfd_create(2)) the parent made before
forking, and sends back only the pickle without them; the parent maps the file copy-on-write
and unpickles the columns straight over the mapping, copying nothing. On that register, checked
on both cores (data_contracts/validation.py), the parent waited 0.8-1.9 s after its own share
for the child's result, against 2.7-3.8 s through the pipe (four tries each, alternated, in one
sitting: a probe, not in benchmarks/). The child's writing into the file still fills new memory
(about 2 s of its time there, on a machine whose fresh memory is dear: benchmarks/fresh_memory.py).

An `Outbox` is one such file, made in the parent before the children are forked (they inherit
its descriptor), one per item of work, so that no two children write into one. Nothing of it
touches a disk: the file lives in memory and ends once its last mapping and descriptor are gone.
Where the file cannot be made (not Linux, or the call refused) or filled (out of memory),
results go through the pipe as before.
"""

from __future__ import annotations

import contextlib
import io
import mmap
import os
import pickle
from dataclasses import dataclass
from typing import Any

from .arrow_pickling import ColumnPickler

#: buffers start at multiples of this many bytes in the file: Arrow's and numpy's alignment
ALIGNMENT = 64


@dataclass(frozen=True)
class Shelved:
    """What comes back down the pipe instead of the result: its pickle without the buffers, and
    where each buffer lies in the outbox's file ([start, stop) in bytes, in pickling order)."""

    pickled: bytes
    spans: tuple[tuple[int, int], ...]


@dataclass
class Outbox:
    """One anonymous in-memory file for one child's result (`fd`, or None: through the pipe)."""

    fd: int | None

    @classmethod
    def make(cls) -> Outbox:
        """A new outbox; one whose result goes through the pipe where memfd_create(2) is missing
        or refused (not Linux, or a sandbox that forbids it)."""
        try:
            return cls(os.memfd_create("sanshe-result", os.MFD_CLOEXEC))
        except (AttributeError, OSError):
            return cls(None)

    def put(self, result: Any) -> Any:
        """In the child: `result`'s buffers written into the file, and the `Shelved` rest of it
        to send back (its pickle alone, the file left empty, when it has no buffer); `result`
        itself where there is no file, or where a buffer cannot be laid out flat (then pickle
        copies it in-band as ever)."""
        if self.fd is None:
            return result
        buffers: list[pickle.PickleBuffer] = []
        out = io.BytesIO()
        ColumnPickler(out, protocol=5, buffer_callback=buffers.append).dump(result)
        pickled = out.getvalue()
        try:
            views = [b.raw() for b in buffers]
        except BufferError:  # not contiguous: only an in-band copy holds it
            return result
        spans, at = [], 0
        for view in views:
            at = -(-at // ALIGNMENT) * ALIGNMENT
            spans.append((at, at + view.nbytes))
            at += view.nbytes
        try:
            os.ftruncate(self.fd, at)
            for (start, _stop), view in zip(spans, views, strict=True):
                _write_at(self.fd, view, start)
        except OSError:  # no memory for the file (a cgroup's limit): the pipe takes it as ever
            with contextlib.suppress(OSError):
                os.ftruncate(self.fd, 0)
            return result
        return Shelved(pickled, tuple(spans))

    def take(self, got: Any) -> Any:
        """In the parent: the result a child sent back (`got`, what `put` returned), its buffers
        mapped from the file copy-on-write (writable, as unpickled arrays are; a write copies
        the page, never reaching the file). The file's descriptor is closed here; the mapping
        lives as long as any of the result's arrays."""
        if not isinstance(got, Shelved):
            return got
        assert self.fd is not None, "a Shelved result comes from an outbox with a file"
        size = os.fstat(self.fd).st_size
        # an empty file (no buffer, or only empty ones) cannot be mapped, and needs not be
        whole = memoryview(
            mmap.mmap(self.fd, size, flags=mmap.MAP_PRIVATE, prot=mmap.PROT_READ | mmap.PROT_WRITE) if size else b""
        )
        self.close()
        return pickle.loads(got.pickled, buffers=[whole[start:stop] for start, stop in got.spans])

    def close(self) -> None:
        """Let go of the file's descriptor (what is mapped of it stays)."""
        if self.fd is not None:
            with contextlib.suppress(OSError):
                os.close(self.fd)
            self.fd = None


def _write_at(fd: int, view: memoryview, offset: int) -> None:
    """All of `view` written into `fd` from `offset` (a write may take fewer bytes than given)."""
    view = view.cast("B")
    done = 0
    while done < len(view):
        done += os.pwrite(fd, view[done:], offset + done)
