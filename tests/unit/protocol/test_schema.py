"""Type hints to JSON Schema: argument models, the schema a client sees, and structured output."""

from __future__ import annotations

import dataclasses
import enum
from typing import Annotated, Any, Literal, Optional

import pydantic
import pytest
from pydantic import Field
from typing_extensions import TypedDict  # pydantic needs this one before Python 3.12

from app.protocol.content import Image, Message, Text
from app.protocol.context import Context
from app.protocol.schema import DIALECT, WRAP_MARK, BadArguments, inspect_output, inspect_parameters


class Color(enum.Enum):
    RED = "red"
    BLUE = "blue"


class Point(pydantic.BaseModel):
    x: int
    y: int = 0


class Movie(TypedDict):
    title: str
    year: int


@dataclasses.dataclass
class Pair:
    a: int
    b: str = "x"


POINT_SCHEMA = {
    "properties": {"x": {"type": "integer"}, "y": {"default": 0, "type": "integer"}},
    "required": ["x"],
    "type": "object",
}


def properties(fn: Any) -> dict[str, Any]:
    return inspect_parameters(fn, Context).schema["properties"]


@pytest.mark.parametrize(
    ("annotation", "expected"),
    [
        (str, {"type": "string"}),
        (int, {"type": "integer"}),
        (float, {"type": "number"}),
        (bool, {"type": "boolean"}),
        (list[int], {"type": "array", "items": {"type": "integer"}}),
        (dict[str, float], {"type": "object", "additionalProperties": {"type": "number"}}),
        (Optional[str], {"anyOf": [{"type": "string"}, {"type": "null"}]}),  # noqa: UP045 - the spelling under test
        (str | None, {"anyOf": [{"type": "string"}, {"type": "null"}]}),
        (int | str, {"anyOf": [{"type": "integer"}, {"type": "string"}]}),
        (Literal["a", "b"], {"type": "string", "enum": ["a", "b"]}),
        (Literal[1, 2], {"type": "integer", "enum": [1, 2]}),
        (
            Annotated[int, Field(description="How many.", ge=1, le=10)],
            {"type": "integer", "description": "How many.", "minimum": 1, "maximum": 10},
        ),
        (Annotated[str, Field(min_length=2)], {"type": "string", "minLength": 2}),
        (Any, {}),
    ],
)
def test_a_parameter_type_becomes_its_schema(annotation: Any, expected: dict[str, Any]) -> None:
    def fn(value):  # type: ignore[no-untyped-def]
        ...

    fn.__annotations__ = {"value": annotation}
    assert properties(fn) == {"value": expected}


def test_the_whole_input_schema() -> None:
    def forecast(city: str, days: int = 3, unit: Literal["C", "F"] = "C") -> str: ...

    assert inspect_parameters(forecast, Context).schema == {
        "$schema": DIALECT,
        "type": "object",
        "properties": {
            "city": {"type": "string"},
            "days": {"type": "integer", "default": 3},
            "unit": {"type": "string", "enum": ["C", "F"], "default": "C"},
        },
        "required": ["city"],
        "additionalProperties": False,
    }
    assert DIALECT == "https://json-schema.org/draft/2020-12/schema"


def test_a_function_without_parameters_still_has_properties() -> None:
    def ping() -> str: ...

    assert inspect_parameters(ping, Context).schema == {
        "$schema": DIALECT,
        "type": "object",
        "properties": {},
        "additionalProperties": False,
    }


def test_an_unannotated_parameter_accepts_anything() -> None:
    def fn(value, limit=5):  # type: ignore[no-untyped-def]
        ...

    signature = inspect_parameters(fn, Context)
    assert signature.schema["properties"] == {"value": {}, "limit": {"default": 5}}
    assert signature.schema["required"] == ["value"]


def test_defaults_make_parameters_optional() -> None:
    def fn(a: int, b: str | None = None, c: list[str] = []) -> None:  # noqa: B006 - never mutated
        ...

    schema = inspect_parameters(fn, Context).schema
    assert schema["required"] == ["a"]
    assert schema["properties"]["b"]["default"] is None and schema["properties"]["c"]["default"] == []


def test_enums_models_typeddicts_and_dataclasses_are_defs() -> None:
    def fn(color: Color, point: Point, movie: Movie, pair: Pair) -> None: ...

    schema = inspect_parameters(fn, Context).schema
    assert schema["properties"] == {
        "color": {"$ref": "#/$defs/Color"},
        "point": {"$ref": "#/$defs/Point"},
        "movie": {"$ref": "#/$defs/Movie"},
        "pair": {"$ref": "#/$defs/Pair"},
    }
    defs = schema["$defs"]
    assert defs["Color"] == {"type": "string", "enum": ["red", "blue"]}
    assert defs["Point"] == POINT_SCHEMA
    assert defs["Movie"]["properties"] == {"title": {"type": "string"}, "year": {"type": "integer"}}
    assert defs["Movie"]["required"] == ["title", "year"]
    assert defs["Pair"]["properties"] == {"a": {"type": "integer"}, "b": {"type": "string", "default": "x"}}
    assert defs["Pair"]["required"] == ["a"]


def test_titles_pydantic_derives_are_dropped_but_user_data_named_title_is_kept() -> None:
    def fn(movie: Movie, options: dict[str, str] = {"title": "kept"}) -> None:  # noqa: B006 - never mutated
        ...

    schema = inspect_parameters(fn, Context).schema
    assert "title" not in schema and "title" not in schema["$defs"]["Movie"]
    assert "title" in schema["$defs"]["Movie"]["properties"], "a property named title is not a title"
    assert "title" not in schema["$defs"]["Movie"]["properties"]["title"]
    assert schema["properties"]["options"]["default"] == {"title": "kept"}


@pytest.mark.parametrize(
    "annotation",
    [Context, Context | None, Optional[Context], Annotated[Context, "request"]],  # noqa: UP045
)
def test_the_context_parameter_is_hidden_from_the_schema(annotation: Any) -> None:
    def fn(city: str, ctx):  # type: ignore[no-untyped-def]
        ...

    fn.__annotations__ = {"city": str, "ctx": annotation}
    signature = inspect_parameters(fn, Context)
    assert signature.context_param == "ctx"
    assert list(signature.schema["properties"]) == ["city"] and signature.schema["required"] == ["city"]


def test_a_context_parameter_may_have_any_name_and_place() -> None:
    def fn(request: Context, city: str = "Oslo") -> None: ...

    signature = inspect_parameters(fn, Context)
    assert signature.context_param == "request"
    assert signature.bind({}, "the context") == {"city": "Oslo", "request": "the context"}


def test_without_a_context_parameter_none_is_passed() -> None:
    def fn(city: str) -> None: ...

    signature = inspect_parameters(fn, Context)
    assert signature.context_param is None
    assert signature.bind({"city": "Oslo"}, "the context") == {"city": "Oslo"}


@pytest.mark.parametrize("spelling", ["def fn(*names: str) -> None: ...", "def fn(**names: str) -> None: ..."])
def test_variadic_parameters_are_refused(spelling: str) -> None:
    namespace: dict[str, Any] = {}
    exec(spelling, namespace)
    with pytest.raises(TypeError, match=r"^fn: \*args and \*\*kwargs cannot be described to a client$"):
        inspect_parameters(namespace["fn"], Context)


def test_bind_converts_values_by_their_type_hints() -> None:
    def fn(n: int, ratio: float, on: bool, color: Color, point: Point, when: list[int]) -> None: ...

    bound = inspect_parameters(fn, Context).bind(
        {"n": "3", "ratio": 1, "on": "true", "color": "blue", "point": {"x": 1}, "when": [1, "2"]}, None
    )
    assert bound == {"n": 3, "ratio": 1.0, "on": True, "color": Color.BLUE, "point": Point(x=1), "when": [1, 2]}


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({}, "city: Field required"),
        ({"city": 1}, "city: Input should be a valid string"),
        (
            {"city": "Oslo", "days": "many"},
            "days: Input should be a valid integer, unable to parse string as an integer",
        ),
        ({"city": "Oslo", "dayz": 3}, "dayz: Extra inputs are not permitted"),
        ({"city": "Oslo", "ctx": {}}, "ctx: Extra inputs are not permitted"),
        ({"days": 0}, "city: Field required; days: Input should be greater than or equal to 1"),
        (
            {"city": "Oslo", "near": {"x": "no"}},
            "near.x: Input should be a valid integer, unable to parse string as an integer",
        ),
    ],
)
def test_bad_arguments_say_which_and_why(arguments: dict[str, Any], message: str) -> None:
    def fn(city: str, ctx: Context, days: Annotated[int, Field(ge=1)] = 1, near: Point | None = None) -> None: ...

    with pytest.raises(BadArguments) as bad:
        inspect_parameters(fn, Context).bind(arguments, None)
    assert str(bad.value) == message


@pytest.mark.parametrize(
    "annotation",
    [
        None,
        type(None),
        Text,
        Image,
        Message,
        list[Text],
        list[Text | Image],
        str | None,
        list[str],
        tuple[str, ...],
    ],
)
def test_content_return_types_have_no_output_schema(annotation: Any) -> None:
    def fn():  # type: ignore[no-untyped-def]
        ...

    fn.__annotations__ = {"return": annotation}
    assert inspect_output(fn) is None


@pytest.mark.parametrize("annotation", [str, Annotated[str, "x"]])
def test_text_is_described_as_fastmcp_describes_it(annotation: Any) -> None:
    """``{"result": string}``, marked as a wrapper, so FastMCP's client reads the text as the value."""

    def fn():  # type: ignore[no-untyped-def]
        ...

    fn.__annotations__ = {"return": annotation}
    output = inspect_output(fn)
    assert output is not None and output.wrapped
    assert output.schema == {
        "type": "object",
        "properties": {"result": {"type": "string"}},
        "required": ["result"],
        "x-fastmcp-wrap-result": True,
    }


def test_no_return_annotation_has_no_output_schema() -> None:
    def fn():  # type: ignore[no-untyped-def]
        ...

    assert inspect_output(fn) is None


@pytest.mark.parametrize(
    ("annotation", "schema", "value", "structured"),
    [
        (Point, POINT_SCHEMA, Point(x=1, y=2), {"x": 1, "y": 2}),
        (
            Movie,
            {
                "properties": {"title": {"type": "string"}, "year": {"type": "integer"}},
                "required": ["title", "year"],
                "type": "object",
            },
            {"title": "Heat", "year": 1995},
            {"title": "Heat", "year": 1995},
        ),
        (
            Pair,
            {
                "properties": {"a": {"type": "integer"}, "b": {"default": "x", "type": "string"}},
                "required": ["a"],
                "type": "object",
            },
            Pair(a=1),
            {"a": 1, "b": "x"},
        ),
        (dict[str, int], {"type": "object", "additionalProperties": {"type": "integer"}}, {"a": 1}, {"a": 1}),
    ],
)
def test_objects_are_described_as_they_are(
    annotation: Any, schema: dict[str, Any], value: Any, structured: Any
) -> None:
    def fn():  # type: ignore[no-untyped-def]
        ...

    fn.__annotations__ = {"return": annotation}
    output = inspect_output(fn)
    assert output is not None
    assert (output.schema, output.wrapped) == (schema, False)
    assert output.structure(value) == structured


@pytest.mark.parametrize(
    ("annotation", "result", "value", "structured"),
    [
        (int, {"type": "integer"}, 3, 3),
        (float, {"type": "number"}, 0.5, 0.5),
        (bool, {"type": "boolean"}, False, False),
        (list[int], {"type": "array", "items": {"type": "integer"}}, [1, 2], [1, 2]),
        (
            tuple[int, str],
            {"type": "array", "prefixItems": [{"type": "integer"}, {"type": "string"}], "minItems": 2, "maxItems": 2},
            (1, "a"),
            [1, "a"],
        ),
        (Color, {"type": "string", "enum": ["red", "blue"]}, Color.RED, "red"),
        (Literal["yes", "no"], {"type": "string", "enum": ["yes", "no"]}, "yes", "yes"),
        (int | None, {"anyOf": [{"type": "integer"}, {"type": "null"}]}, None, None),
        (Any, {}, {"free": "form"}, {"free": "form"}),
    ],
)
def test_other_values_are_wrapped_as_result(
    annotation: Any, result: dict[str, Any], value: Any, structured: Any
) -> None:
    def fn():  # type: ignore[no-untyped-def]
        ...

    fn.__annotations__ = {"return": annotation}
    output = inspect_output(fn)
    assert output is not None and output.wrapped is True
    assert output.schema == {
        "type": "object",
        "properties": {"result": result},
        "required": ["result"],
        WRAP_MARK: True,
    }
    assert output.structure(value) == {"result": structured}
    assert WRAP_MARK == "x-fastmcp-wrap-result"


def test_a_wrapped_result_keeps_its_defs_at_the_top() -> None:
    def fn() -> list[Point]: ...

    output = inspect_output(fn)
    assert output is not None
    assert output.schema == {
        "type": "object",
        "properties": {"result": {"type": "array", "items": {"$ref": "#/$defs/Point"}}},
        "required": ["result"],
        WRAP_MARK: True,
        "$defs": {"Point": POINT_SCHEMA},
    }
    assert output.structure([Point(x=1)]) == {"result": [{"x": 1, "y": 0}]}


def test_string_annotations_are_resolved() -> None:
    def fn(point: Point) -> Point: ...

    assert fn.__annotations__["point"] == "Point", "this module uses postponed annotations"
    assert properties(fn) == {"point": {"$ref": "#/$defs/Point"}}
    output = inspect_output(fn)
    assert output is not None and output.schema == POINT_SCHEMA
