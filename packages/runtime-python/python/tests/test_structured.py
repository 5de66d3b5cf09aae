"""Structured sub-calls in the prelude: what `schema=` becomes on the wire (JSON Schema dicts,
pydantic models, Python types), what agent code gets back, and the exceptions it sees. Run with
the other prelude tests (see test_prelude.py)."""

import typing
import unittest

from test_prelude import FakeChannel, init, p, run  # noqa: E402

from rlmtree_prelude.structured import structured, type_schema

try:
    import pydantic
except ImportError:  # the tests that need it are skipped
    pydantic = None

COUNT = {"type": "object", "properties": {"n": {"type": "integer"}}, "required": ["n"]}


class TypeSchemaTest(unittest.TestCase):
    def test_python_types_map_to_json_schema(self):
        self.assertEqual(type_schema(int), {"type": "integer"})
        self.assertEqual(type_schema(list[str]), {"type": "array", "items": {"type": "string"}})
        self.assertEqual(type_schema(dict[str, float]), {"type": "object", "additionalProperties": {"type": "number"}})
        self.assertEqual(type_schema(typing.Optional[int]), {"anyOf": [{"type": "integer"}, {"type": "null"}]})
        self.assertEqual(type_schema(int | None), {"anyOf": [{"type": "integer"}, {"type": "null"}]})
        self.assertEqual(type_schema(typing.Literal["a", "b"]), {"enum": ["a", "b"]})
        self.assertEqual(type_schema(tuple[int, str]), {"type": "array", "prefixItems": [{"type": "integer"}, {"type": "string"}], "minItems": 2, "maxItems": 2})
        self.assertEqual(
            type_schema({"speaker": str, "lines": list[int]}),
            {"type": "object", "properties": {"speaker": {"type": "string"}, "lines": {"type": "array", "items": {"type": "integer"}}}, "required": ["speaker", "lines"], "additionalProperties": False},
        )

    def test_a_json_schema_dict_is_sent_as_it_is_and_an_unknown_type_is_a_type_error(self):
        self.assertIs(structured(COUNT).json_schema, COUNT)
        self.assertEqual(structured({}).json_schema, {})
        self.assertIsNone(structured(None))
        with self.assertRaises(TypeError) as caught:
            type_schema({"tags": set})
        self.assertIn("schema['tags']: <class 'set'> is not a schema llm_query understands", str(caught.exception))


class StructuredCallTest(unittest.TestCase):
    def make(self, answer):
        channel = FakeChannel(answer)
        repl = p.Repl(channel)
        init(repl)
        return repl, channel

    def test_the_schema_goes_with_the_call_and_the_value_comes_back(self):
        repl, channel = self.make(lambda name, args: {"ok": True, "value": {"n": 3}})
        end = run(repl, "r = llm_query('how many?', schema={'n': int})\nprint(type(r).__name__, r['n'])")
        self.assertEqual(end["output"], "dict 3\n")
        self.assertEqual(channel.calls[0][2]["schema"], {"type": "object", "properties": {"n": {"type": "integer"}}, "required": ["n"], "additionalProperties": False})

    def test_a_schema_failure_raises_sub_call_schema_error_with_the_reply(self):
        repl, _ = self.make(lambda name, args: {"ok": False, "kind": "schema", "error": "m: the reply does not match the schema at /n: must be integer", "reply": '{"n": "x"}'})
        end = run(repl, "try:\n    llm_query('q', schema={'n': int})\nexcept LLMError as e:\n    print(type(e).__name__, e.reply, '|', e)")
        self.assertEqual(end["output"], 'SubCallSchemaError {"n": "x"} | m: the reply does not match the schema at /n: must be integer\n')

    def test_a_batch_holds_a_sub_call_error_for_a_reply_that_failed(self):
        answers = [{"ok": True, "value": {"n": 1}}, {"ok": False, "kind": "schema", "error": "not JSON", "reply": "one"}]
        repl, channel = self.make(lambda name, args: {"ok": True, "value": answers})
        end = run(repl, "r = llm_query_batched(['a', 'b'], schema={'n': int})\nprint(r[0], isinstance(r[1], SubCallError), r[1].kind, r[1].reply)")
        self.assertEqual(end["output"], "{'n': 1} True schema one\n")
        self.assertIn("schema", channel.calls[0][2])

    def test_a_schema_it_cannot_map_raises_before_any_call(self):
        repl, channel = self.make(lambda name, args: {"ok": True, "value": None})
        end = run(repl, "try:\n    llm_query('q', schema=set)\nexcept TypeError as e:\n    print('TypeError')")
        self.assertEqual(end["output"], "TypeError\n")
        self.assertEqual(channel.calls, [])

    @unittest.skipIf(pydantic is None, "pydantic is not installed")
    def test_a_pydantic_model_sends_its_schema_and_answers_an_instance(self):
        repl, channel = self.make(lambda name, args: {"ok": True, "value": {"speaker": "ROMEO", "n": 2}} if name == "llm_query" else {"ok": True, "value": [{"ok": True, "value": {"speaker": "X", "n": 1}}]})
        code = "from pydantic import BaseModel\nclass C(BaseModel):\n    speaker: str\n    n: int = 0\nc = llm_query('q', schema=C)\nb = llm_query_batched(['q'], schema=C)\nprint(type(c).__name__, c.speaker, c.n, type(b[0]).__name__)"
        end = run(repl, code)
        self.assertEqual(end["output"], "C ROMEO 2 C\n")
        self.assertEqual(channel.calls[0][2]["schema"]["title"], "C")
        self.assertEqual(channel.calls[0][2]["schema"]["required"], ["speaker"])

    @unittest.skipIf(pydantic is None, "pydantic is not installed")
    def test_a_value_the_model_rejects_is_a_sub_call_schema_error(self):
        repl, _ = self.make(lambda name, args: {"ok": True, "value": {"n": -1}})
        code = "from pydantic import BaseModel, Field\nclass C(BaseModel):\n    n: int = Field(ge=0)\ntry:\n    llm_query('q', schema=C)\nexcept SubCallSchemaError as e:\n    print(e.reply, str(e).splitlines()[0])"
        end = run(repl, code)
        self.assertEqual(end["output"], '{"n": -1} the reply does not match C: 1 validation error for C\n')


if __name__ == "__main__":
    unittest.main()
