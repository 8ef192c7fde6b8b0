"""How a stored copy of a resolved register is laid out on disk, and read back a part at a time.

The inbox sensor's partial run after a 1% change of the national evaluations loaded every other
register's stored copy whole: 6.6 s of unpickling in its 18.7 s (2026-12-03, cProfile of the
run), while it used of them the project ids (the evaluations' references), each file's accepted
row count (the accounting) and the histories (the graph's input); the graph builds no part of an
unchanged register. So a RegisterResult is written as its columns, its index, its histories and
a small header, each a pickle of its own, and read as a `StoredRegister`: the header at once,
every other part when first used, and one column alone by `RegisterResult.column`.

Layout (all pickles at HIGHEST_PROTOCOL, pandas' Arrow columns as their pieces: data_contracts/
arrow_pickling.py): MAGIC, then one pickle per column of `accepted` in
order, the register's current positions (`RegisterResult.current_positions`; the header says
by which snapshot order, key and code they were found), the index of `accepted`, the `history` dict,
the header (every other field, the columns with each pickle's place: start, size and CRC-32;
the positions', the index's and the histories' places, each history's rows, each file's accepted
rows, the frame's attrs), the header's place
(`_TRAILER`) and last END. A copy without END is not whole
(`read` raises EOFError); a part whose bytes are not the ones written (its CRC-32), or a column
of another length than the index, raises pickle.UnpicklingError when read, as does a copy of
another version of this layout. Anything else stored (not a RegisterResult) is one pickle,
as are copies written before this layout (no MAGIC): `read` returns them unpickled whole.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import inspect
import os
import pickle
import struct
import threading
import weakref
import zlib
from pathlib import Path
from typing import IO, Any

import numpy as np
import pandas as pd
import pyarrow as pa

from data_contracts import CONTRACTS, distinct
from data_contracts.arrow_pickling import ColumnPickler
from data_contracts.base import Contract

from . import ordering
from .collector import collector_paused
from .register import SNAPSHOT_ORDER, RegisterResult

MAGIC = b"sanshe stored register 2\n"
#: how every layout of this kind starts, whatever its version
_KIND = b"sanshe stored register "
#: the last bytes of a whole copy: a copy cut short (a disk that filled, a copy by hand) lacks them
END = b"\nend of sanshe stored register\n"
#: the header's place, size and CRC-32, just before END
_TRAILER = struct.Struct("<QQI")
#: the fields read only when first used; every other field is in the header
_LAZY = ("accepted", "history")


def write(obj: object, fh: IO[bytes]) -> None:
    """Write `obj` to the binary file `fh` (at its start): a RegisterResult in the layout above,
    anything else as one pickle. Raises what pickling or writing raises (pickle.PicklingError,
    TypeError for an object that cannot be pickled, OSError)."""
    if not isinstance(obj, RegisterResult):
        pickle.dump(obj, fh, protocol=pickle.HIGHEST_PROTOCOL)
        return
    fh.write(MAGIC)

    def put(value: object) -> Place:
        # pickled straight into the file, its CRC-32 taken on the way: the national projects'
        # columns were 0.65 GB of pickle held whole in the writer's memory before the write
        start, out = fh.tell(), _Checked(fh)
        ColumnPickler(out, protocol=pickle.HIGHEST_PROTOCOL).dump(value)
        return start, out.size, out.crc

    frame = obj.accepted
    # a column alone needs unique names; a frame without them is stored whole (never so far:
    # its columns are a contract's fields)
    columns = (
        [(name, put(frame[name].reset_index(drop=True))) for name in frame.columns] if frame.columns.is_unique else None
    )
    # The current positions are found here, by the writer (handover.py forks a child of the run
    # for it), rather than by each partial run that reads the copy: after a 1% change of the
    # national evaluations, the projects' and organisations' took about 0.7 s of its graph step.
    model = CONTRACTS.get(obj.register)
    current = None
    if model is not None and _keyed(model, frame):
        try:
            at = obj.current_positions(model)
        except Exception:  # a saving for later runs, never a reason to lose the copy: found then
            at = None
        if at is not None:
            current = (_current_by(model), put(at))
    header = {
        "fields": {f.name: getattr(obj, f.name) for f in dataclasses.fields(obj) if f.name not in _LAZY},
        "current": current,
        "column_index": frame.columns,
        "columns": columns,
        "index": put(frame.index if columns is not None else frame),
        "history": put(obj.history),
        "history_rows": obj.history_rows(),
        # (a frame stored whole is read whole: its column names repeat, `_file` perhaps too)
        "accepted_per_file": obj.accepted_per_file() if columns is not None else None,
        "attrs": frame.attrs,
    }
    fh.write(_TRAILER.pack(*put(header)) + END)


class _Checked:
    """A binary file's `write`, counting the bytes written and their CRC-32 (zlib's)."""

    def __init__(self, fh: IO[bytes]):
        self._fh, self.size, self.crc = fh, 0, 0

    def write(self, data: bytes | memoryview) -> int:
        # pickle hands a large buffer over as it is: a memoryview of numpy's items, whose
        # len() counts items, not bytes
        size = memoryview(data).nbytes
        self.crc = zlib.crc32(data, self.crc)
        self._fh.write(data)
        self.size += size
        return size


def _current_by(model: type[Contract]) -> tuple:
    """What a register's current positions were found by: the snapshot order, the contract's key
    and the code finding them (`_current_code`)."""
    return (SNAPSHOT_ORDER, tuple(model.key), _current_code())


@functools.cache
def _current_code() -> str:
    """SHA-256 of the source of RegisterResult.current_positions, of the module it picks the
    rows with (ordering.py) and of the one that tells it a key column is distinct
    (data_contracts/distinct.py), and the pandas and pyarrow versions: a copy whose positions another
    version found them by is not trusted with them (they are found again): a change of how the
    current row is picked needs no marker changed by hand."""
    sources = []
    for code in (RegisterResult.current_positions, ordering, distinct):
        try:
            sources.append(inspect.getsource(code))
        except (OSError, TypeError):  # no source at hand: its bytecode changes with it too
            sources.append(code.__code__.co_code.hex() if hasattr(code, "__code__") else code.__name__)
    return hashlib.sha256("\0".join([*sources, pd.__version__, pa.__version__]).encode()).hexdigest()


def _keyed(model: type[Contract], frame: pd.DataFrame) -> bool:
    """Whether the register's current positions can be found: its rows have the contract's key
    and the snapshot columns (unique names)."""
    return frame.columns.is_unique and {*SNAPSHOT_ORDER, *model.key} <= set(frame.columns)


def read(path: Path) -> object:
    """What `write` wrote to `path`: a StoredRegister (its header read now, the rest when used)
    for a register, otherwise the object unpickled. Raises OSError when the file cannot be read,
    pickle.UnpicklingError or EOFError when it is not whole."""
    fh = path.open("rb")
    try:
        start = fh.read(len(MAGIC))
        if not start.startswith(_KIND):
            fh.seek(0)
            # the collector paused: unpickling a register makes millions of objects (a list per
            # cell of the projects' list columns), and each collection of the oldest generation
            # walks all of them again (the national registers took 6.9 s with it, 5.0 s without)
            with fh, collector_paused():
                return pickle.load(fh)
        if start != MAGIC:
            raise pickle.UnpicklingError(f"{path.name} was stored by another version of sanshe: {AGAIN}")
        size = fh.seek(0, os.SEEK_END)
        tail = _TRAILER.size + len(END)
        if size < len(MAGIC) + tail or _read_at(fh, size - len(END), len(END)) != END:
            raise EOFError(f"{path.name} is not a whole stored copy, it ends before its last part: {AGAIN}")
        at, length, crc = _TRAILER.unpack(_read_at(fh, size - tail, _TRAILER.size))
        if at + length != size - tail:
            raise pickle.UnpicklingError(f"{path.name} is damaged (its header is not where it says): {AGAIN}")
        header = _loaded(fh, (at, length, crc))
    except BaseException:
        fh.close()
        raise
    return StoredRegister._of(fh, header)


#: what to do about a stored copy that cannot be read back
AGAIN = "run the job once (sanshe run) to store it again · 存储副本无法读回：请完整运行一次（sanshe run）以重新存储"

#: where a part of a copy starts, its size in bytes, and its CRC-32
Place = tuple[int, int, int]


def _loaded(fh: IO[bytes], place: Place) -> Any:
    """The part of the copy `fh` at `place`, unpickled with the collector paused. Raises
    pickle.UnpicklingError when its bytes are not the ones written (CRC-32), EOFError when the
    file ends before it does."""
    start, size, crc = place
    data = _read_at(fh, start, size)
    if zlib.crc32(data) != crc:
        raise pickle.UnpicklingError(f"{_name(fh)} is damaged (a part's checksum differs): {AGAIN}")
    with collector_paused():
        return pickle.loads(data)


def _name(fh: IO[bytes]) -> str:
    return Path(str(getattr(fh, "name", "stored copy"))).name


class StoredRegister(RegisterResult):
    """A RegisterResult read from its stored copy. The small fields are there at once;
    `accepted` and `history` are read when first used (once, whichever thread asks), and
    `column(name)` reads that one column while `accepted` is not read. It equals the register
    that was written, field by field, and pickles as a plain RegisterResult. The copy's file
    stays open until both are read or the object is gone, so a copy written again meanwhile (a
    later run's) never mixes into it; reads take their place in the file without moving its
    offset (os.pread where there is one), so a forked child reading too never misleads the run.
    Raises what `read` raises when a part cannot be read back."""

    _fh: IO[bytes]
    _header: dict[str, Any]
    _lock: threading.Lock
    _columns: dict[str, pd.Series]

    @classmethod
    def _of(cls, fh: IO[bytes], header: dict[str, Any]) -> StoredRegister:
        self = object.__new__(cls)
        for name, value in header["fields"].items():
            object.__setattr__(self, name, value)
        for name, value in (("_fh", fh), ("_header", header), ("_lock", threading.Lock()), ("_columns", {})):
            object.__setattr__(self, name, value)
        weakref.finalize(self, fh.close)
        return self

    def __getattr__(self, name: str) -> Any:  # only for what is not read yet
        if name not in _LAZY or "_header" not in self.__dict__:
            raise AttributeError(name)
        with self._lock:
            if name not in self.__dict__:
                try:
                    value = self._frame() if name == "accepted" else self._part(self._header["history"])
                except (EOFError, pickle.UnpicklingError):
                    raise
                except Exception as err:  # never an AttributeError, which would read as "no such field"
                    raise pickle.UnpicklingError(
                        f"{_name(self._fh)}: its {name} could not be read back ({type(err).__name__}): {AGAIN}"
                    ) from err
                object.__setattr__(self, name, value)
                if all(n in self.__dict__ for n in _LAZY):
                    self._fh.close()
                    self._columns.clear()
        return self.__dict__[name]

    def column(self, name: str) -> pd.Series:
        if "accepted" in self.__dict__ or self._header["columns"] is None:
            return self.accepted[name]
        with self._lock:
            if "accepted" not in self.__dict__:
                places = dict(self._header["columns"])
                if name not in places:
                    raise KeyError(name)
                index = self._index()
                if name not in self._columns:
                    self._columns[name] = self._sized(self._part(places[name]), len(index))
                # as `accepted[name]` gives it: the accepted rows' own index
                return self._columns[name].set_axis(index)
        return self.accepted[name]

    def history_rows(self) -> dict[str, int]:
        """As RegisterResult's, from the copy's header while `history` is not read (a copy
        written before the header held them reads it)."""
        rows = self._told("history_rows", "history")
        return super().history_rows() if rows is None else rows

    def accepted_per_file(self) -> dict[str, int]:
        """As RegisterResult's, from the copy's header while `accepted` is not read (a copy
        written before the header held them reads the `_file` column): after a 1% change of the
        national evaluations, reading the other registers' `_file` columns for the accounting
        took 0.36 s of the partial run's quarantine report (one process, cProfile)."""
        counts = self._told("accepted_per_file", "accepted")
        return super().accepted_per_file() if counts is None else counts

    def _told(self, name: str, part: str) -> dict[str, int] | None:
        """The counts the header holds under `name` (a copy), while the lazy `part` they count
        is not read; None when it is read, or the header holds none (a copy written before, or
        a copy made by dataclasses.replace, which has no header): the caller counts them."""
        told = self.__dict__.get("_header", {}).get(name)
        return dict(told) if part not in self.__dict__ and isinstance(told, dict) else None

    def accepted_columns(self) -> pd.Index:
        return self.__dict__["accepted"].columns if "accepted" in self.__dict__ else self._header["column_index"]

    def current_positions(self, model: type[Contract]) -> np.ndarray:
        """As RegisterResult's, read from the copy when it was stored with them, found by the
        same snapshot order, key and code (and so equal); found from the key columns otherwise, and once the
        copy's file is let go (its rows and histories read)."""
        # (a copy made by dataclasses.replace has rows of its own and no header)
        stored = self.__dict__.get("_header", {}).get("current")
        if stored is None or stored[0] != _current_by(model):
            return super().current_positions(model)
        with self._lock:
            if self._fh.closed:
                at = None
            else:
                try:
                    rows = len(self.__dict__["accepted"]) if "accepted" in self.__dict__ else len(self._index())
                    at = self._part(stored[1])
                except (EOFError, pickle.UnpicklingError):
                    raise
                except Exception as err:  # as `__getattr__` says it
                    raise pickle.UnpicklingError(
                        f"{_name(self._fh)}: its current rows could not be read back ({type(err).__name__}): {AGAIN}"
                    ) from err
        if at is None:
            return super().current_positions(model)
        if not (isinstance(at, np.ndarray) and at.dtype == np.int64 and at.ndim == 1 and len(at) <= rows) or (
            len(at) and (at.min() < 0 or at.max() >= rows)
        ):
            raise pickle.UnpicklingError(f"{_name(self._fh)} is damaged (current rows out of place): {AGAIN}")
        return at

    def __reduce__(self) -> tuple:
        return RegisterResult, tuple(getattr(self, f.name) for f in dataclasses.fields(RegisterResult))

    def _frame(self) -> pd.DataFrame:
        header = self._header
        if header["columns"] is None:  # stored whole
            return self._part(header["index"])
        index = self._index()
        parts = [
            self._columns[name] if name in self._columns else self._sized(self._part(place), len(index))
            for name, place in header["columns"]
        ]
        frame = pd.concat(parts, axis=1) if parts else pd.DataFrame(index=range(len(index)))
        frame.columns = header["column_index"]
        frame.index = index
        frame.attrs = header["attrs"]
        return frame

    def _index(self) -> pd.Index:
        """The accepted rows' index (read once; the caller holds the lock)."""
        if "_row_index" not in self.__dict__:
            object.__setattr__(self, "_row_index", self._part(self._header["index"]))
        return self.__dict__["_row_index"]

    def _sized(self, col: pd.Series, rows: int) -> pd.Series:
        if len(col) != rows:
            raise pickle.UnpicklingError(f"{_name(self._fh)} is damaged (a column of another length): {AGAIN}")
        return col

    def _part(self, place: Place) -> Any:
        return _loaded(self._fh, place)


def _read_at(fh: IO[bytes], start: int, size: int) -> bytes:
    """`size` bytes of `fh` from `start`, without moving its offset where the system allows.
    Raises EOFError when the file ends before."""
    chunks, done = [], 0
    while done < size:
        if hasattr(os, "pread"):
            chunk = os.pread(fh.fileno(), min(size - done, 1 << 30), start + done)
        else:  # no fork there either: nobody else moves the offset
            fh.seek(start + done)
            chunk = fh.read(size - done)
        if not chunk:
            raise EOFError(f"{_name(fh)} ends before its parts do: {AGAIN}")
        chunks.append(chunk)
        done += len(chunk)
    return b"".join(chunks) if len(chunks) != 1 else chunks[0]
