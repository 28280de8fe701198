"""RFC 6570 templates matched in reverse, operator by operator."""

from __future__ import annotations

import re

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


@pytest.mark.parametrize(
    ("template", "uri", "expected"),
    [
        # {var}: one segment, never a "/", "?", "#" or ","; empty values do not match
        ("notes://{name}", "notes://", None),
        ("notes://{name}", "notes://a?b", None),
        ("notes://{name}", "notes://a#b", None),
        ("notes://{name}", "notes://a,b", None),
        ("notes://{name}/raw", "notes://tea/raw", {"name": "tea"}),
        ("notes://{name}/raw", "notes://tea/cooked", None),
        # {+var}: spans "/" but stops at "?" and "#"
        ("files://{+path}", "files://a#b", None),
        ("files://{+path}/raw", "files://a/b/raw", {"path": "a/b"}),
        ("files://{+path}", "files://", None),
        # {var*}: exploded, may span "/" too
        ("files://{path*}", "files://a/b?c", None),
        # {#var}: everything after the "#", which is required
        ("doc://page{#section}", "doc://page#a?b", {"section": "a?b"}),
        ("doc://page{#section}", "doc://page", None),
        ("doc://page{#section}", "doc://pageintro", None),
        ("doc://page{#a,b}", "doc://page#x,y", {"a": "x", "b": "y"}),
        # {/var}: the slash belongs to the expression and is required
        ("repo://root{/owner}", "repo://root", None),
        ("repo://root{/owner}", "repo://rootocto", None),
        ("repo://root{/owner,name}", "repo://root/octo/cat", {"owner": "octo", "name": "cat"}),
        ("repo://root{/path*}", "repo://root/a/b/c", {"path": "a/b/c"}),
        # {?a,b} and {&a}: each parameter optional, in any order, unknown ones ignored
        ("search://items{?q,limit}", "search://items?limit=5&q=tea", {"q": "tea", "limit": "5"}),
        ("search://items{?q}", "search://items?", {}),
        ("search://items{?q}", "search://items?q=1&q=2", {"q": "2"}),
        ("search://items{?q}", "search://other?q=1", None),
        ("search://items?fixed=1{&page}", "search://items?fixed=1&page=2", {"page": "2"}),
        ("search://items?fixed=1{&page}", "search://items?fixed=1", {}),
        ("search://{kind}{?q}", "search://books?q=tea", {"kind": "books", "q": "tea"}),
        ("search://{kind}{?q}", "search://books", {"kind": "books"}),
        ("search://{kind}{?q}", "search://books/x?q=tea", None),
    ],
)
def test_operators(template: str, uri: str, expected: dict[str, str] | None) -> None:
    assert UriTemplate(template).match(uri) == expected


@pytest.mark.parametrize(
    ("template", "uri", "expected"),
    [
        ("notes://{name}", "notes://a%2Fb", {"name": "a/b"}),
        ("notes://{name}", "notes://a%2Cb", {"name": "a,b"}),
        ("notes://{name}", "notes://caf%C3%A9", {"name": "café"}),
        ("notes://{name}", "notes://100%25", {"name": "100%"}),
        ("notes://{name}", "notes://50%", {"name": "50%"}),  # a stray "%" is kept as it is
        ("files://{+path}", "files://a%20b/c", {"path": "a b/c"}),
        ("repo://root{/owner}", "repo://root/a%20b", {"owner": "a b"}),
        ("doc://page{#section}", "doc://page#a%20b", {"section": "a b"}),
        ("search://items{?q}", "search://items?q=a%20b", {"q": "a b"}),
        ("search://items{?q}", "search://items?q=caf%C3%A9", {"q": "café"}),
    ],
)
def test_values_are_percent_decoded(template: str, uri: str, expected: dict[str, str]) -> None:
    assert UriTemplate(template).match(uri) == expected


@pytest.mark.parametrize(
    ("uri", "expected"),
    [
        ("notes://a.b*c(d)", {"name": "a.b*c(d)"}),
        ("notes://a+b", {"name": "a+b"}),
        ("notes://[x]", {"name": "[x]"}),
    ],
)
def test_values_may_hold_regex_and_sub_delimiter_characters(uri: str, expected: dict[str, str]) -> None:
    assert UriTemplate("notes://{name}").match(uri) == expected


def test_literal_text_is_not_a_regular_expression() -> None:
    assert UriTemplate("a.b+://{x}(1)").match("a.b+://y(1)") == {"x": "y"}
    assert UriTemplate("a.b+://{x}(1)").match("aXbb://y1") is None


def test_the_scheme_is_matched_exactly() -> None:
    assert UriTemplate("notes://{name}").match("NOTES://tea") is None


def test_the_template_text_is_kept_and_query_variables_are_listed() -> None:
    template = UriTemplate("search://{kind}{?q,limit}{&page}")
    assert template.template == "search://{kind}{?q,limit}{&page}"
    assert template.variables == ["kind", "q", "limit", "page"]
    assert UriTemplate("doc://{#section}").variables == ["section"]
    assert UriTemplate("exact://fixed").variables == []


def test_a_template_is_reusable() -> None:
    template = UriTemplate("users://{id}")
    assert [template.match(f"users://{n}") for n in (1, 2)] == [{"id": "1"}, {"id": "2"}]


# Bugs: each test states what RFC 6570 expansion implies and fails today (strict xfail, so a fix
# turns them into failures that ask for the marker to go).


@pytest.mark.xfail(
    strict=True,
    raises=AssertionError,
    reason="query values are percent-decoded twice (unquote, then parse_qsl): %26, %2B and %25 are decoded again",
)
@pytest.mark.parametrize(
    ("uri", "expected"),
    [
        ("search://items?q=a%26b", {"q": "a&b"}),  # today: {"q": "a"}
        ("search://items?q=1%2B1", {"q": "1+1"}),  # today: {"q": "1 1"}
        ("search://items?q=%2541", {"q": "%41"}),  # today: {"q": "A"}
    ],
)
def test_bug_query_values_are_decoded_once(uri: str, expected: dict[str, str]) -> None:
    assert UriTemplate("search://items{?q,limit}").match(uri) == expected


@pytest.mark.xfail(strict=True, raises=AssertionError, reason="the query part may start with '&' instead of '?'")
def test_bug_a_query_starts_with_a_question_mark() -> None:
    assert UriTemplate("search://items{?q}").match("search://items&q=tea") is None  # today: {"q": "tea"}


@pytest.mark.xfail(
    strict=True,
    raises=AssertionError,
    reason="an empty query value (?q=) is dropped: parse_qsl without keep_blank_values",
)
def test_bug_an_empty_query_value_is_an_empty_string() -> None:
    assert UriTemplate("search://items{?q}").match("search://items?q=") == {"q": ""}  # today: {}


@pytest.mark.xfail(
    strict=True,
    raises=re.error,
    reason="a dotted varname (RFC 6570 allows 'a.b') is used as a regex group name: re.error",
)
def test_bug_a_dotted_variable_name_compiles() -> None:
    assert UriTemplate("x://{a.b}").match("x://1") == {"a.b": "1"}


@pytest.mark.xfail(
    strict=True, raises=re.error, reason="a variable used twice becomes a duplicate regex group: re.error"
)
def test_bug_a_repeated_variable_compiles() -> None:
    assert UriTemplate("x://{a}/{a}").match("x://1/1") == {"a": "1"}
