"""The values host calls hand agent code: a child's handle, a child that failed, a sub-call of a
batch that failed. Named `rlmtree_prelude.<class>` like the errors (see errors.py)."""


class AgentHandle:
    """What delegate() returns: the child's id. Pass handles to wait()."""

    __module__ = "rlmtree_prelude"

    def __init__(self, agent_id, name):
        self.id = agent_id
        self.name = name

    def __repr__(self):
        return "AgentHandle(%r)" % self.id


class AgentFailure:
    """A child agent that ended without a result: `.kind` (e.g. 'iteration_limit',
    'cancelled') and `.message`. It is falsy, so `[r for r in results if r]` keeps the answers."""

    __module__ = "rlmtree_prelude"

    def __init__(self, kind, message):
        self.kind = kind
        self.message = message

    def __bool__(self):
        return False

    def __repr__(self):
        return "AgentFailure(kind=%r, message=%r)" % (self.kind, self.message)

    __str__ = __repr__


class SubCallError(str):
    """Stands in a llm_query_batched result list for one prompt that failed.

    It is a str (so joins and formatting keep working) whose text says what failed;
    `.error` holds the message. Test with isinstance(r, SubCallError).
    """

    __module__ = "rlmtree_prelude"

    def __new__(cls, error):
        obj = super().__new__(cls, "[llm_query failed: %s]" % error)
        obj.error = error
        return obj
