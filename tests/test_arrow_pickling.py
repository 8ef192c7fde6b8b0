"""pandas' Arrow columns pickled as the Arrow they hold (data_contracts/arrow_pickling.py):
read back by plain `pickle.loads` equal to what was pickled, their whole pieces kept as they
were (not combined into a copy), a sliced piece carrying its rows only, and a stored copy
written so reading back equal (pipelines/common/stored_copy.py)."""

from __future__ import annotations

import io
import pickle

import pandas as pd
import pyarrow as pa

from data_contracts.arrow_pickling import ColumnPickler
from pipelines.common import stored_copy
from pipelines.common.register import RegisterResult
from tests.test_handed_back import _accepted_like


def _pickled(obj: object, **kw: object) -> bytes:
    out = io.BytesIO()
    ColumnPickler(out, protocol=pickle.HIGHEST_PROTOCOL, **kw).dump(obj)
    return out.getvalue()


def _in_pieces(table: pd.DataFrame, at: int) -> pd.DataFrame:
    """`table` with each Arrow column in two whole pieces, as two runs of rows joined hold them."""
    out = table.copy()
    for name in table.columns:
        if hasattr(table[name].array, "_pa_array"):
            whole = table[name].array._pa_array.combine_chunks()
            pieces = pa.chunked_array([pa.concat_arrays([whole.slice(0, at)]), pa.concat_arrays([whole.slice(at)])])
            out[name] = pd.Series(pd.array(pieces, dtype=table[name].dtype), index=table.index)
    return out


def test_whole_pieces_come_back_equal_and_as_they_were():
    table = _in_pieces(_accepted_like(3_000).drop(columns="sliced"), 1_000)
    back = pickle.loads(_pickled(table))
    pd.testing.assert_frame_equal(back, table, check_exact=True)
    assert back["name"].array._pa_array.num_chunks == 2, "pieces kept, not combined"
    # pandas' own pickle of the same table combines them: the two differ only in that
    assert pickle.loads(pickle.dumps(table))["name"].array._pa_array.num_chunks == 1


def test_a_sliced_column_is_left_to_pandas_and_carries_its_rows_only():
    longer = pa.array([f"名称{i:06d}" for i in range(100_000)])
    column = pd.Series(pd.array(longer.slice(10, 100), dtype="str"))
    data = _pickled(column)
    assert len(data) < longer.nbytes / 50
    pd.testing.assert_series_equal(pickle.loads(data), column)


def test_a_stored_copy_of_columns_in_pieces_reads_back_equal(tmp_path):
    table = _in_pieces(_accepted_like(2_000).drop(columns="sliced"), 700)
    table["_file"] = pd.array(["a.csv"] * len(table), dtype="str")
    result = RegisterResult(register="projects", accepted=table, issues=pd.DataFrame(), rows_read=len(table))
    path = tmp_path / "projects_resolved"
    with path.open("wb") as fh:
        stored_copy.write(result, fh)
    back = stored_copy.read(path)
    pd.testing.assert_frame_equal(back.accepted, table, check_exact=True)
    assert back.column("name").equals(table["name"])
