"""Structured sub-calls: the `schema=` of llm_query / llm_query_batched turned into the JSON
Schema the host checks replies against, and the host's parsed answer turned back into what agent
code asked for.

`schema` may be:
- a JSON Schema (a dict of JSON values): sent as is; the answer is the parsed JSON value;
- a pydantic BaseModel subclass (when pydantic is installed): its model_json_schema() is sent and
  the answer is an instance (Model.model_validate);
- a Python type: str, int, float, bool, None, list[T], dict[str, T], tuple[T, ...], T | None,
  Optional/Union, Literal[...], or a dict mapping field names to such types, e.g.
  {"speaker": str, "n": int}, for an object with exactly those fields, all required.
"""

import json
import typing

from .answers import SubCallError
from .errors import SubCallSchemaError

_SCALARS = {str: "string", int: "integer", float: "number", bool: "boolean", type(None): "null"}
_JSON_VALUES = (str, int, float, bool, list, dict, type(None))


class Structured:
    """A schema ready to send (`json_schema`), how to turn a checked value into the answer
    (`convert`, which may raise), and what to call the schema in an error (`label`)."""

    def __init__(self, json_schema, convert, label="the schema"):
        self.json_schema = json_schema
        self.convert = convert
        self.label = label


def _identity(value):
    return value


def _pydantic_model(schema):
    """The pydantic BaseModel subclass `schema` is, or None (also when pydantic is not installed)."""
    if not isinstance(schema, type):
        return None
    try:
        from pydantic import BaseModel
    except ImportError:
        return None
    return schema if issubclass(schema, BaseModel) else None


def _is_type_mapping(value):
    """A dict of field name -> Python type (not a JSON Schema, whose values are all JSON values)."""
    return isinstance(value, dict) and bool(value) and all(not isinstance(v, _JSON_VALUES) or _is_type_mapping(v) for v in value.values())


def type_schema(t, where="schema"):
    """The JSON Schema of the Python type `t`; raises TypeError naming `where` for a type it cannot map."""
    if t is None:
        t = type(None)
    if _is_type_mapping(t):
        props = {str(k): type_schema(v, "%s[%r]" % (where, k)) for k, v in t.items()}
        return {"type": "object", "properties": props, "required": list(props), "additionalProperties": False}
    if t in _SCALARS:
        return {"type": _SCALARS[t]}
    if t is list:
        return {"type": "array"}
    if t is dict:
        return {"type": "object"}
    origin, args = typing.get_origin(t), typing.get_args(t)
    if origin is list and len(args) == 1:
        return {"type": "array", "items": type_schema(args[0], where + "[item]")}
    if origin is dict and len(args) == 2 and args[0] is str:
        return {"type": "object", "additionalProperties": type_schema(args[1], where + "[value]")}
    if origin is tuple and len(args) == 2 and args[1] is Ellipsis:
        return {"type": "array", "items": type_schema(args[0], where + "[item]")}
    if origin is tuple and args:
        items = [type_schema(a, "%s[%d]" % (where, i)) for i, a in enumerate(args)]
        return {"type": "array", "prefixItems": items, "minItems": len(items), "maxItems": len(items)}
    if origin is typing.Literal:
        return {"enum": list(args)}
    if origin is typing.Union or type(t).__name__ == "UnionType":
        return {"anyOf": [type_schema(a, where) for a in args]}
    raise TypeError(
        "%s: %r is not a schema llm_query understands; give a JSON Schema dict, a pydantic model, "
        "or a type built from str, int, float, bool, None, list[...], dict[str, ...], tuple[...], "
        "Optional/Union, Literal and {field: type} dicts" % (where, t)
    )


def structured(schema):
    """The Structured of a `schema=` argument, or None for None (a plain sub-call)."""
    if schema is None:
        return None
    model = _pydantic_model(schema)
    if model is not None:
        return Structured(model.model_json_schema(), model.model_validate, model.__name__)
    if isinstance(schema, dict) and not _is_type_mapping(schema):
        return Structured(schema, _identity)
    return Structured(type_schema(schema), _identity)


def with_schema(args, spec):
    """Sub-call arguments with the JSON Schema of `spec` added (unchanged for a plain sub-call)."""
    if spec is not None:
        args["schema"] = spec.json_schema
    return args


def answer_value(spec, value):
    """What llm_query returns for the host's checked `value`: the value, or spec.convert(value).
    A value the conversion refuses (e.g. a pydantic validator) raises SubCallSchemaError."""
    if spec is None:
        return value
    try:
        return spec.convert(value)
    except Exception as err:
        exc = SubCallSchemaError("the reply does not match %s: %s" % (spec.label, err))
        exc.reply = json.dumps(value)
        raise exc from None


def failure(answer):
    """The SubCallError standing in a batch for a failed `answer`, with its `.kind` and `.reply`."""
    failed = SubCallError(answer.get("error", "failed"))
    failed.kind = answer.get("kind")
    failed.reply = answer.get("reply")
    return failed


def batch_value(spec, answer):
    """One answer of llm_query_batched: its value (see answer_value), or a SubCallError in its place."""
    if not answer.get("ok"):
        return failure(answer)
    try:
        return answer_value(spec, answer["value"])
    except SubCallSchemaError as err:
        return failure({"error": str(err), "kind": "schema", "reply": err.reply})
