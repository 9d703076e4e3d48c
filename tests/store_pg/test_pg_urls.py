"""PostgreSQL URLs: the spellings users write, and the media folder a database cannot hold."""

from __future__ import annotations

from pathlib import Path

import pytest

from heron import records as r
from heron.errors import ValueRejected
from heron.store import open_store
from tests.store._support import batch


@pytest.mark.parametrize("scheme", ["postgresql://", "postgres://", "postgresql+psycopg://"])
def test_postgresql_urls_are_accepted_in_their_usual_spellings(
    postgres_url: str, tmp_path: Path, scheme: str
) -> None:
    url = scheme + postgres_url.split("://", 1)[1]

    store = open_store(url, media_root=tmp_path / "media")
    try:
        store.write(batch("run1", 1, r.RunStart(name="by-url")))
        assert store.get_run("proj", "run1").name == "by-url"
        assert store.url == url
    finally:
        store.close()


def test_a_postgresql_store_needs_a_media_folder(postgres_url: str) -> None:
    with pytest.raises(ValueRejected, match="media folder"):
        open_store(postgres_url)
