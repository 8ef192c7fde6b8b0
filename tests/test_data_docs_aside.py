"""The pages the offline index links to survive a Data Docs build that fails or dies: Great
Expectations deletes every page its context does not hold, so a build sets the recorded pages
aside on disk first (data_docs_index.set_aside) and puts back those the record names after
(restore, in gx.build_docs' `finally`); a build that dies in between leaves them aside, and the
next build puts them back before anything else."""

import json

import pandas as pd
import pytest

from pipelines.quality import data_docs_index, gx
from pipelines.quality.data_docs_index import ASIDE, RECORD, recorded, restore, set_aside


def _docs(tmp_path):
    docs = tmp_path / "data_docs"
    pages = {
        "workers": docs / "validations" / "workers_suite" / "run1.html",
        "hubs": docs / "validations" / "hubs_suite" / "run1.html",
    }
    record = {}
    for name, page in pages.items():
        page.parent.mkdir(parents=True, exist_ok=True)
        page.write_text(f"<html>{name} results</html>", encoding="utf-8")
        suite = docs / "expectations" / f"{name}_suite.html"
        suite.parent.mkdir(parents=True, exist_ok=True)
        suite.write_text(f"<html>{name} suite</html>", encoding="utf-8")
        record[name] = {"result": "ok", "expectations": 3, "failed": 0, "page": page.relative_to(docs).as_posix()}
    (docs / RECORD).write_text(json.dumps(record), encoding="utf-8")
    return docs, pages


def _ge_build(docs, held):
    """What GE's index builder does to pages of results its context does not hold: deletes them."""
    for page in [*docs.glob("validations/**/*.html"), *docs.glob("expectations/*.html")]:
        if not any(name in page.as_posix() for name in held):
            page.unlink()


def test_a_build_that_dies_after_ge_deleted_the_earlier_pages_leaves_them_to_the_next(tmp_path):
    docs, pages = _docs(tmp_path)
    aside = set_aside(docs)  # a partial run re-validating another suite
    assert sorted(p.name for p in aside) == ["hubs_suite.html", "run1.html", "run1.html", "workers_suite.html"]
    _ge_build(docs, held=["evaluations"])
    assert not pages["workers"].exists()  # ... and the process dies here, before `restore`
    assert (docs / ASIDE).is_dir()

    set_aside(docs)  # the next build puts them back first
    assert pages["workers"].read_text(encoding="utf-8") == "<html>workers results</html>"
    assert (docs / "expectations" / "hubs_suite.html").read_text(encoding="utf-8") == "<html>hubs suite</html>"
    _ge_build(docs, held=["evaluations"])
    restore(docs)
    assert all(p.exists() for p in pages.values()) and not (docs / ASIDE).exists()


def test_a_page_rendered_again_is_kept_as_rendered(tmp_path):
    docs, pages = _docs(tmp_path)
    set_aside(docs)
    pages["hubs"].unlink()
    pages["hubs"].write_text("<html>hubs rendered again</html>", encoding="utf-8")  # a new file, not the linked one
    restore(docs)
    assert pages["hubs"].read_text(encoding="utf-8") == "<html>hubs rendered again</html>"
    assert pages["workers"].read_text(encoding="utf-8") == "<html>workers results</html>"
    assert not (docs / ASIDE).exists()


def test_pages_are_copied_aside_where_the_file_system_has_no_hard_links(tmp_path, monkeypatch):
    docs, pages = _docs(tmp_path)

    def no_link(src, dst):
        raise OSError("hard links not supported")

    monkeypatch.setattr(data_docs_index.os, "link", no_link)
    set_aside(docs)
    _ge_build(docs, held=[])
    restore(docs)
    assert pages["hubs"].read_text(encoding="utf-8") == "<html>hubs results</html>"


def test_a_re_run_suites_earlier_page_goes_once_its_new_page_is_recorded_and_stays_if_not(tmp_path):
    docs, pages = _docs(tmp_path)
    set_aside(docs)
    _ge_build(docs, held=[])  # GE deletes the workers' earlier page and renders a new one
    new = docs / "validations" / "workers_suite" / "run2.html"
    new.write_text("<html>workers again</html>", encoding="utf-8")
    # died before the record named the new page: the earlier one comes back with the next build
    set_aside(docs)
    assert pages["workers"].exists() and recorded(docs)["workers"]["page"].endswith("run1.html")
    data_docs_index.record(docs, {"workers": (pd.DataFrame({"success": [True]}), "ok")})
    restore(docs)
    assert recorded(docs)["workers"]["page"].endswith("run2.html")
    assert new.exists() and pages["hubs"].exists() and not (docs / ASIDE).exists()


def test_a_build_that_raises_puts_the_pages_back(tmp_path, monkeypatch):
    docs, pages = _docs(tmp_path)

    class FailingContext:
        def build_data_docs(self, **kwargs):
            _ge_build(docs, held=[])
            raise RuntimeError("rendering failed")

    monkeypatch.setattr(gx, "_context", lambda docs_dir: FailingContext())
    gx._PENDING[str(docs)] = {"evaluations": gx._Validated(pd.DataFrame({"success": [True]}), [])}
    with pytest.raises(RuntimeError, match="rendering failed"):
        gx.build_docs(docs)
    assert all(p.exists() for p in pages.values()) and not (docs / ASIDE).exists()
    assert sorted(recorded(docs)) == ["hubs", "workers"]  # nothing recorded of the failed build
