"""The pages of suites an earlier run validated survive a Data Docs build that dies: Great
Expectations deletes every page its context does not hold, so a build sets those pages aside on
disk first (data_docs_index.set_aside) and puts them back after (restore); a build that dies in
between leaves them aside, and the next build puts them back before anything else."""

import json

from pipelines.quality import data_docs_index
from pipelines.quality.data_docs_index import ASIDE, RECORD, restore, set_aside


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
    aside = set_aside(docs, rerun=["evaluations"])  # a partial run re-validating another suite
    assert sorted(p.name for p in aside) == ["hubs_suite.html", "run1.html", "run1.html", "workers_suite.html"]
    _ge_build(docs, held=["evaluations"])
    assert not pages["workers"].exists()  # ... and the process dies here, before `restore`
    assert (docs / ASIDE).is_dir()

    set_aside(docs, rerun=["evaluations"])  # the next build puts them back first
    assert pages["workers"].read_text(encoding="utf-8") == "<html>workers results</html>"
    assert (docs / "expectations" / "hubs_suite.html").read_text(encoding="utf-8") == "<html>hubs suite</html>"
    _ge_build(docs, held=["evaluations"])
    restore(docs)
    assert all(p.exists() for p in pages.values()) and not (docs / ASIDE).exists()


def test_a_page_rendered_again_is_kept_as_rendered(tmp_path):
    docs, pages = _docs(tmp_path)
    set_aside(docs, rerun=[])
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
    set_aside(docs, rerun=[])
    _ge_build(docs, held=[])
    restore(docs)
    assert pages["hubs"].read_text(encoding="utf-8") == "<html>hubs results</html>"
