"""The exceptions agent code may see from host calls, and the table that picks one for a failed
answer by its `kind`.

The classes say `__module__ = "rlmtree_prelude"` (the package, which exports them): that is the
name they had before the prelude was split into modules, and the one a cell's fingerprint of a
bound value records (`type`), so records made before still rebuild (docs/integrity.md).
"""


class HostCallError(Exception):
    """A host call failed; the base of LLMError, DelegateError and ToolError."""

    __module__ = "rlmtree_prelude"


class LLMError(HostCallError):
    """A sub-call (llm_query) failed after the host's retries."""

    __module__ = "rlmtree_prelude"


class DelegateError(HostCallError):
    """delegate() was refused: depth limit reached, or a bad argument."""

    __module__ = "rlmtree_prelude"


class ToolError(HostCallError):
    """A registered host tool raised or rejected its arguments."""

    __module__ = "rlmtree_prelude"


class SubCallBudgetError(LLMError):
    """A sub-call budget (number of sub-calls, sub-call tokens, characters of one prompt, or the
    run's token limit) refused a sub-call before it was sent; the message names the budget and
    what is left. From llm_query_batched, `.results` holds every prompt's answer in order: the
    replies of the prompts that were sent, a SubCallError for each refused (or failed) one."""

    __module__ = "rlmtree_prelude"

    results = None


class SubCallSchemaError(LLMError):
    """A structured sub-call's reply (llm_query(..., schema=...)) was not JSON or did not match the
    schema; the message names the failing path, `.reply` holds the reply text."""

    __module__ = "rlmtree_prelude"

    reply = None


class HostCallArgumentError(TypeError):
    """The host rejected a host call's arguments; the message names the call and the field.
    Raised as a subclass of both this and the call's own error class (e.g. DelegateError)."""

    __module__ = "rlmtree_prelude"


class DoneSignal(BaseException):
    """Raised by done(); a BaseException so `except Exception` does not swallow it."""

    __module__ = "rlmtree_prelude"


# The Python exception a failed answer raises, by the answer's `kind`; a kind not listed (or
# none) raises the call's own error class. A later kind (e.g. "budget") adds a line here.
ERROR_KINDS = {"invalid_args": HostCallArgumentError, "budget": SubCallBudgetError, "schema": SubCallSchemaError}
_ERROR_CLASSES = {}


def error_class(kind, error):
    """The exception class for a failed answer of `kind` from a call whose own class is `error`:
    `error` itself, or a class deriving from both ERROR_KINDS[kind] and `error` (made once)."""
    base = ERROR_KINDS.get(kind)
    if base is None or issubclass(error, base):
        return error
    key = (base, error)
    if key not in _ERROR_CLASSES:
        _ERROR_CLASSES[key] = type(base.__name__, (base, error), {"__module__": base.__module__})
    return _ERROR_CLASSES[key]
