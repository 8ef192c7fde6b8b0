"""Pickling pandas' Arrow columns as the Arrow they hold, without pandas' copy.

pandas pickles an Arrow-backed column (ArrowExtensionArray: its Arrow text, lists, numbers) by
combining its Arrow pieces into one new piece first (`combine_chunks`, a copy even of a single
piece), then pickling that. A column whose pieces are whole (each piece's buffers hold its rows
and nothing more: not a slice of a longer array) needs no copy: pyarrow pickles each piece's
buffers as they are, in-band or out-of-band (protocol 5, PEP 574). `ColumnPickler` does so and
leaves every other object, and a sliced column (whose pickle by pyarrow would carry the whole
buffers it slices), to pickle's and pandas' own ways. What it writes unpickles with plain
`pickle.load`: a column comes back as pandas' own class, set up as pandas' unpickling sets one
up (ArrowExtensionArray.__setstate__), its pieces as they were.

Used where a forked child hands its result back (handed_back.py) and where a resolved register
is stored (pipelines/common/stored_copy.py).
"""

from __future__ import annotations

import pickle
from typing import Any

import pyarrow as pa
from pandas.arrays import ArrowExtensionArray


class ColumnPickler(pickle.Pickler):
    """pickle's Pickler (same arguments), a pandas Arrow column whose pieces are whole pickled as
    those pieces (see the module's docstring). pandas' own copy took 2.1 s of the first pickling
    of the national projects' accepted half (cProfile: ArrowExtensionArray.__getstate__), most
    of it the kernel filling the new memory."""

    def reducer_override(self, obj: Any) -> Any:
        if isinstance(obj, ArrowExtensionArray) and _whole_pieces(obj._pa_array):
            return _arrow_column, (type(obj), {**obj.__dict__, "_cache": {}})
        return NotImplemented


def _whole_pieces(column: pa.ChunkedArray) -> bool:
    """Whether each Arrow piece of `column` has buffers that hold its rows and little more: the
    padding of an allocation or a validity bitmap (PADDING_BYTES, and 1/64 of the piece), not
    the rest of a longer array it was sliced from."""
    return all(piece.get_total_buffer_size() <= piece.nbytes * 65 // 64 + PADDING_BYTES for piece in column.chunks)


#: what a piece's buffers may hold beyond its rows and still be pickled whole (`_whole_pieces`)
PADDING_BYTES = 1024


def _arrow_column(kind: type[ArrowExtensionArray], state: dict[str, Any]) -> ArrowExtensionArray:
    """A pandas Arrow column again, from its class and attributes as pickled (`ColumnPickler`), set
    as pandas sets them when it unpickles one (ArrowExtensionArray.__setstate__)."""
    column = object.__new__(kind)
    column.__setstate__(state)
    return column
