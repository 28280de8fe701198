"""RFC 6570 templates matched in reverse, operator by operator."""

from __future__ import annotations

import pytest

from app.protocol.uri_template import UriTemplate


@pytest.mark.parametrize(
    ("template", "uri", "expected"),
    [
        ("notes://{name}", "notes://groceries", {"name": "groceries"}),
        ("notes://{name}", "notes://a%20b", {"name": "a b"}),
        ("notes://{name}", "notes://a/b", None),
        ("users://{id}/posts/{post}", "users://7/posts/9", {"id": "7", "post": "9"}),
        ("files://{+path}", "files://docs/readme.md", {"path": "docs/readme.md"}),
        ("files://{+path}", "files://docs/readme.md?x=1", None),
        ("files://{path*}", "files://a/b/c", {"path": "a/b/c"}),
        ("doc://page{#section}", "doc://page#intro/part", {"section": "intro/part"}),
        ("repo://root{/owner}{/name}", "repo://root/octo/cat", {"owner": "octo", "name": "cat"}),
        ("repo://root{/owner}", "repo://root/octo/cat", None),
        ("search://items{?q,limit}", "search://items?q=tea&limit=5", {"q": "tea", "limit": "5"}),
        ("search://items{?q,limit}", "search://items?limit=5", {"limit": "5"}),
        ("search://items{?q,limit}", "search://items", {}),
        ("search://items{?q}", "search://items?q=tea&other=1", {"q": "tea"}),
        ("search://items{?q}{&page}", "search://items?q=tea&page=2", {"q": "tea", "page": "2"}),
        ("pair://{a,b}", "pair://1,2", {"a": "1", "b": "2"}),
        ("exact://fixed.txt", "exact://fixed.txt", {}),
        ("exact://fixed.txt", "exact://fixedXtxt", None),
    ],
)
def test_match(template: str, uri: str, expected: dict[str, str] | None) -> None:
    assert UriTemplate(template).match(uri) == expected


def test_variables_are_listed_in_order_without_modifiers() -> None:
    template = UriTemplate("x://{a}{/b}{+c}{d*}{?e,f}")
    assert template.variables == ["a", "b", "c", "d", "e", "f"]
