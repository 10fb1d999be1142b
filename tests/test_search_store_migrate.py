"""``analysis-search migrate``: an index of an older schema (other fields, another
version) rebuilt in today's, documents written through the API included."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from whoosh import fields as wf
from whoosh import index

from search import schema
from search.cli import main as cli_main
from search.engine import SearchEngine
from search.errors import SchemaMismatchError
from search.models import SearchRequest
from search.store.index import open_index
from search.store.migrate import MigrationError, migrate

OLD_DOCS = [
    {
        "id": "https://example.org/a",
        "url": "https://example.org/a",
        "title": "Grain corridors after the war",
        "body": "Shipping insurance decides where the grain goes.",
        "published_iso": "2023-07-18T00:00:00Z",
        "source": "/srv/site/a.html",
        "content_hash": "aaaa",
    },
    {
        "id": "cms-7",
        "url": "",
        "title": "A note written through the API",
        "body": "Only the index holds this text.",
        "published_iso": None,
        "source": "api",
        "content_hash": "bbbb",
    },
]


def old_index(folder: Path) -> Path:
    """An index of a made-up older schema: fewer fields, schema version 1."""
    old_schema = wf.Schema(
        id=wf.ID(unique=True, stored=True),
        url=wf.STORED(),
        title=wf.TEXT(stored=True),
        body=wf.TEXT(stored=True),
        published_iso=wf.STORED(),
        source=wf.ID(stored=True),
        content_hash=wf.STORED(),
    )
    folder.mkdir(parents=True)
    (folder / schema.VERSION_FILE).write_text(json.dumps({"schema_version": 1}))
    ix = index.create_in(str(folder), old_schema)
    with ix.writer() as w:
        for doc in OLD_DOCS:
            w.add_document(**{k: v for k, v in doc.items() if v is not None})
    (folder / "crawl-state.json").write_text('{"version": 1, "urls": {}}')
    return folder


def test_an_older_index_is_rebuilt_in_todays_schema(tmp_path: Path) -> None:
    old = old_index(tmp_path / "old")
    with pytest.raises(SchemaMismatchError):
        open_index(old)  # the service refuses it: hence migrate
    report = migrate(old, tmp_path / "new")
    assert (report.source_version, report.documents, report.skipped) == (1, 2, [])
    engine = SearchEngine(tmp_path / "new")
    try:
        found = engine.search(SearchRequest(q="grain insurance"))
        assert [h.id for h in found.hits] == ["https://example.org/a"]
        api_doc = engine.get_document("cms-7")
        assert api_doc["body"] == "Only the index holds this text."
        assert api_doc["source"] == "api" and api_doc["content_hash"] == "bbbb"
        first = engine.get_document("https://example.org/a")
        assert first["published"] == "2023-07-18T00:00:00Z"
        assert first["source"] == "/srv/site/a.html"
    finally:
        engine.close()
    assert (tmp_path / "new" / "crawl-state.json").is_file()
    assert index.open_dir(str(old)).doc_count() == 2  # the old index is only read


def test_migrate_command_refuses_a_folder_in_use(tmp_path: Path, capsys) -> None:
    old = old_index(tmp_path / "old")
    taken = tmp_path / "taken"
    taken.mkdir()
    (taken / "something").write_text("x")
    assert cli_main(["migrate", "--index", str(old), str(taken)]) == 2
    assert "must be a new or empty folder" in capsys.readouterr().err
    assert cli_main(["migrate", "--index", str(old), str(old)]) == 2
    with pytest.raises(MigrationError):
        migrate(old, old)
    assert (
        cli_main(["migrate", "--index", str(tmp_path / "none"), str(tmp_path / "n")])
        == 1
    )
    out = io.StringIO()
    assert (
        cli_main(
            ["migrate", "--index", str(old), str(tmp_path / "new"), "--json"],
            stdout=out,
        )
        == 0
    )
    report = json.loads(out.getvalue())
    assert report["documents"] == 2
    assert report["schema_version"] == schema.SCHEMA_VERSION
