"""Making agent values JSON-safe before they cross to the host (host-call arguments, done())."""

import json

from .answers import AgentFailure


def _default(o):
    if isinstance(o, (set, frozenset)):
        try:
            return sorted(o)
        except TypeError:
            return list(o)
    if isinstance(o, AgentFailure):
        return {"error": {"kind": o.kind, "message": o.message}}
    if hasattr(o, "item"):  # numpy scalars
        try:
            return o.item()
        except Exception:
            pass
    return str(o)


def to_json(value):
    """A JSON-safe copy of `value`: tuples become lists, sets sorted lists, other objects str()."""
    return json.loads(json.dumps(value, default=_default, ensure_ascii=False))
