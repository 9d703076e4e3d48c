"""HTML: text, open files and .html paths stored as W&B's ``html-file``; ``inject`` adds a head
that needs no other site."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

from heron.errors import ValueRejected
from heron.media import Html
from heron.media.html import INJECTED_HEAD
from tests.media.scripts.media_cases import HTML_PAGE
from tests.media.wandb_reference import content_path, heron_stored, wandb_stored, without_path

from .conftest import CountingWriter


def test_logged_html_stores_the_json_and_file_that_wandb_stores(heron_dir: Path) -> None:
    reference = wandb_stored()
    stored = heron_stored(["html", "html_injected", "html_list"])
    plain = stored["html"]
    assert without_path(plain) == without_path(reference["values"]["html"])
    assert plain["path"] == content_path(plain, ".html")
    assert (heron_dir / plain["path"]).read_bytes() == bytes.fromhex(reference["files"]["html"])

    # inject=True: W&B puts <base target="_blank"> and a <link> to a stylesheet on its own
    # site in the head; Heron puts the same <base> and an inline stylesheet in the same place
    # (nothing is fetched from elsewhere), so sha256 and size differ from W&B's and the
    # rest of the JSON is the same.
    injected = stored["html_injected"]
    theirs = bytes.fromhex(reference["files"]["html_injected"]).decode()
    ours = (heron_dir / injected["path"]).read_text()
    assert theirs.startswith('<html><head><base target="_blank"><link rel="stylesheet"')
    assert ours == f"<html><head>{INJECTED_HEAD}</head><body><h1>Hello</h1><p>a paragraph</p>" \
                   "</body></html>"
    same_keys = {k: v for k, v in injected.items() if k not in ("path", "sha256", "size")}
    assert same_keys == {k: v for k, v in reference["values"]["html_injected"].items()
                         if k not in ("path", "sha256", "size")} == {"_type": "html-file"}
    assert "http" not in INJECTED_HEAD

    # a list: W&B's "html"; its second page is injected, so only its sha256 and size differ
    pages, their_pages = stored["html_list"], reference["values"]["html_list"]
    assert (pages["_type"], pages["count"]) == ("html", 2)
    assert without_path(pages["html"][0]) == without_path(their_pages["html"][0])
    assert pages["html"][1]["_type"] == their_pages["html"][1]["_type"] == "html-file"


def test_the_head_is_injected_where_wandb_injects_it() -> None:
    assert Html("<head><title>t</title></head><p>x</p>").html == \
        f"<head>{INJECTED_HEAD}<title>t</title></head><p>x</p>"
    assert Html("<p>x</p>").html == f"{INJECTED_HEAD}<p>x</p>"
    assert Html("  <p>x</p>\n", inject=False).html == "  <p>x</p>\n"


def test_paths_open_files_and_text(writer: CountingWriter, tmp_path: Path) -> None:
    page = tmp_path / "report.html"
    page.write_text(HTML_PAGE, encoding="utf-8")
    from_path = Html(str(page), inject=False).to_json(writer)
    assert (writer.root / from_path["path"]).read_text() == HTML_PAGE
    assert Html(page, inject=False).html == HTML_PAGE
    # a string naming a file is HTML text when data_is_not_path is set
    assert Html(str(page), inject=False, data_is_not_path=True).html == str(page)
    assert Html(io.StringIO("<b>é</b>"), inject=False).html == "<b>é</b>"
    assert Html(io.BytesIO("<b>é</b>".encode()), inject=False).html == "<b>é</b>"
    not_html = tmp_path / "notes.txt"
    not_html.write_text("x")
    assert Html(str(not_html), inject=False).html == str(not_html)  # W&B: only .html files


def test_building_keeps_the_text_and_writing_waits_for_to_json(writer: CountingWriter) -> None:
    html = Html("<p>x</p>", inject=False)
    assert writer.calls == []
    out = html.to_json(writer)
    assert out == {"_type": "html-file", "path": content_path(out, ".html"),
                   "sha256": out["sha256"], "size": 8}
    assert html.to_json(writer) is out and len(writer.calls) == 1


@pytest.mark.parametrize(("make", "message"), [
    (lambda: Html(42), "got int"),
    (lambda: Html(None), "got NoneType"),
    (lambda: Html(io.BytesIO(b"\xff\xfe")), "not UTF-8"),
])
def test_bad_input_is_refused_with_a_message_naming_it(make: object, message: str) -> None:
    with pytest.raises(ValueRejected, match=re.escape(message)):
        make()  # type: ignore[operator]


def test_a_file_without_injection_is_stored_byte_for_byte(writer: CountingWriter,
                                                           tmp_path: Path) -> None:
    page = tmp_path / "windows.html"
    page.write_bytes(b"<p>one</p>\r\n<p>two</p>\r\n")
    out = Html(page, inject=False).to_json(writer)
    assert (writer.root / out["path"]).read_bytes() == page.read_bytes()
