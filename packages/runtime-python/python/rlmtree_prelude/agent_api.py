"""The host calls agent code makes (llm_query, llm_query_batched, delegate, ask, registered
tools, host-call modules' Python stubs), the suspension point wait() and done().

Every host call goes through AgentApi.host_call: one `call` message on the channel, one answer,
the value returned or the error class the answer names raised. A new built-in host call is one
method here calling host_call (and its name in FUNCTIONS); a host-call module from another
package ships its Python as a stub instead (HostCallModule.python, loaded by load_stub).
"""

from .answers import AgentFailure, AgentHandle, SubCallError
from .errors import (
    DelegateError,
    DoneSignal,
    HostCallArgumentError,
    HostCallError,
    LLMError,
    SubCallBudgetError,
    SubCallSchemaError,
    ToolError,
    error_class,
)
from .json_safe import to_json
from .structured import answer_value, batch_value, structured, with_schema

# The classes agent code (and host-call stubs) see by name.
AGENT_CLASSES = {
    cls.__name__: cls
    for cls in (
        HostCallError,
        HostCallArgumentError,
        LLMError,
        DelegateError,
        ToolError,
        SubCallError,
        SubCallBudgetError,
        SubCallSchemaError,
        AgentFailure,
        AgentHandle,
    )
}


def _sub_call_args(args, max_tokens, temperature):
    """A sub-call's arguments with its per-call parameters, left out when None (the host validates them)."""
    if max_tokens is not None:
        args["max_tokens"] = max_tokens
    if temperature is not None:
        args["temperature"] = temperature
    return args


class Wait:
    """The awaitable `wait(...)` returns; `yield`ing it suspends the cell."""

    # Its name before the split, which a fingerprint of `w = wait(h)` records (see errors.py).
    __module__ = "rlmtree_prelude"
    __qualname__ = "_Wait"

    def __init__(self, handles):
        self.handles = handles
        self.consumed = False

    def __await__(self):
        self.consumed = True
        results = yield self
        return results


class AgentApi:
    """One agent's host calls over `channel` (anything with `call(id, name, args) -> answer`),
    and what a cell segment did with them: the wait()s it made, whether it called done()."""

    # The methods bound by name in the agent's namespace.
    FUNCTIONS = ("llm_query", "llm_query_batched", "delegate", "ask", "wait", "done")

    def __init__(self, channel):
        self.channel = channel
        self.next_call = 0
        self.handles = {}
        # Host-call functions whose `await f(...)` form is rewritten to the plain call.
        self.sync_names = {"llm_query", "llm_query_batched"}
        self.begin_segment()

    def begin_segment(self):
        """Forgets the last segment's wait()s and done()."""
        self.waits = []
        self.done_called = False
        self.done_value = None

    def dangling_waits(self):
        """True when the segment called wait() without `yield`ing it."""
        return any(not w.consumed for w in self.waits)

    def host_call(self, name, args, error=HostCallError):
        """The one way agent code reaches the host: sends `call` with `args` made JSON-safe and
        returns the answer's value, or raises `error` (or the class the answer's `kind` names)."""
        self.next_call += 1
        answer = self.channel.call(self.next_call, name, to_json(args))
        if answer.get("ok"):
            return answer.get("value")
        exc = error_class(answer.get("kind"), error)(answer.get("error", "%s failed" % name))
        if "reply" in answer:  # a structured sub-call's reply that failed its schema
            exc.reply = answer["reply"]
        raise exc

    def llm_query(self, prompt, model=None, max_tokens=None, temperature=None, schema=None):
        """Asks the sub-model one question (a sub-call); returns its reply text. `max_tokens` caps the
        reply, `temperature` sets its sampling (the provider's defaults when None). With `schema` (a
        JSON Schema dict, a pydantic model class, or a type such as {"speaker": str, "n": int}) the
        reply must be JSON matching it, and the parsed value (for pydantic, an instance) is returned.
        Raises LLMError on failure, SubCallBudgetError when a sub-call budget refuses it before it is
        sent, SubCallSchemaError when the reply is not JSON or does not match the schema."""
        spec = structured(schema)
        args = with_schema(_sub_call_args({"prompt": str(prompt), "model": model}, max_tokens, temperature), spec)
        return answer_value(spec, self.host_call("llm_query", args, LLMError))

    def llm_query_batched(self, prompts, model=None, max_tokens=None, temperature=None, schema=None):
        """Asks the sub-model many questions concurrently (sub-calls); returns the replies in order. A failed
        prompt gives a SubCallError (a str) in its place; the others still answer. When a budget refuses
        some prompts (the first ones that fit are sent), SubCallBudgetError is raised after the rest
        answered, with every answer in order on its `.results`. With `schema` (see llm_query) each
        reply is the parsed value; one that is not JSON or off the schema is a SubCallError in its
        place (`.kind` "schema", `.reply` the reply text)."""
        spec = structured(schema)
        args = with_schema(_sub_call_args({"prompts": [str(p) for p in prompts], "model": model}, max_tokens, temperature), spec)
        answers = self.host_call("llm_query_batched", args, LLMError)
        results = [batch_value(spec, r) for r in answers]
        refused = [r for r in answers if not r.get("ok") and r.get("kind") == "budget"]
        if refused:
            err = SubCallBudgetError("%d of %d prompts refused: %s" % (len(refused), len(answers), refused[0].get("error", "")))
            err.results = results
            raise err
        return results

    def _handle(self, agent_id, name):
        handle = AgentHandle(agent_id, name)
        self.handles[handle.id] = handle
        return handle

    def delegate(self, name, query, context=None, instructions=None):
        """Starts a child agent with its own REPL. `context` (a str or list of str) becomes the
        child's CONTEXT; None gives it this agent's CONTEXT. `instructions` (a str) is a note added
        to the child's system prompt. Returns an AgentHandle for wait() and ask()."""
        if isinstance(context, tuple):
            context = list(context)
        args = {"name": str(name), "query": str(query), "context": context}
        if instructions is not None:
            args["instructions"] = str(instructions)
        return self._handle(self.host_call("delegate", args, DelegateError), str(name))

    def ask(self, handle, query, context=None):
        """Gives the child `handle` another task; it keeps its REPL (variables) and conversation.
        The task starts once the child has finished its earlier tasks, in order. `context` becomes
        the child's CONTEXT for the task (None keeps its input). Returns a handle for wait()."""
        if not isinstance(handle, AgentHandle) or handle.id not in self.handles:
            raise DelegateError("ask() takes a handle returned by delegate() or ask(), got %r" % (handle,))
        if isinstance(context, tuple):
            context = list(context)
        task = self.host_call("ask", {"handle": handle.id, "query": str(query), "context": context}, DelegateError)
        return self._handle(task, handle.name)

    def wait(self, *handles):
        """Use as `results = yield wait(h1, h2)` (or `yield wait(list_of_handles)`): suspends this
        cell until those children finish; results come back in handle order, an AgentFailure for a
        child that ended without a result."""
        if len(handles) == 1 and isinstance(handles[0], (list, tuple)):
            handles = tuple(handles[0])
        for h in handles:
            if not isinstance(h, AgentHandle) or h.id not in self.handles:
                raise DelegateError("wait() takes handles returned by delegate(), got %r" % (h,))
        w = Wait([h.id for h in handles])
        self.waits.append(w)
        return w

    def done(self, result):
        """Finishes this agent with `result` (made JSON-safe). Ends the cell at once."""
        self.done_called = True
        self.done_value = to_json(result)
        raise DoneSignal()

    def make_tool(self, name, description):
        """The Python function of registered host tool `name`; its `await` form is a plain call."""

        def tool(*args, **kwargs):
            try:
                return self.host_call("tool", {"tool": name, "args": list(args), "kwargs": kwargs}, ToolError)
            except ToolError as exc:
                # Typed tools' messages already start "name(...)"; others get the name in front.
                if not str(exc).startswith(name + "("):
                    exc.args = ("%s: %s" % (name, exc),)
                raise

        tool.__name__ = name
        tool.__qualname__ = "Repl._make_tool.<locals>.tool"  # as recorded before the split (see below)
        tool.__doc__ = description
        self.sync_names.add(name)
        return tool

    def load_stub(self, source, builtins):
        """Runs a host-call module's Python stub (HostCallModule.python) with `host_call` and the
        exception classes bound; returns the public names it defines (for the agent's namespace)."""
        scope = {"__builtins__": builtins, "host_call": self.host_call}
        scope.update(AGENT_CLASSES)
        before = set(scope)
        exec(compile(source, "<rlmtree stub>", "exec"), scope)
        return {name: scope[name] for name in set(scope) - before if not name.startswith("_")}


# A fingerprint of a name bound to one of these functions (`q = llm_query`) records its qualname;
# before the split they were methods of Repl, and records made then must still rebuild.
for _name in AgentApi.FUNCTIONS:
    getattr(AgentApi, _name).__qualname__ = "Repl." + _name
