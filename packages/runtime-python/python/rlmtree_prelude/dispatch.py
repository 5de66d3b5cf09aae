"""dispatch(repl, message): every host message, on every transport, is handled here."""

from .protocol import PROTOCOL_VERSION


def dispatch(repl, msg):
    """Handles one host message; returns the reply to send (a `cell_end` or `fatal`) or None.
    The same on every transport. Sets `repl.closed` on `shutdown` and on a fatal error."""
    kind = msg.get("type")
    try:
        if kind == "init":
            if msg.get("protocol") != PROTOCOL_VERSION:
                repl.closed = True
                return {"type": "fatal", "message": "protocol %r not supported (the prelude speaks %d)" % (msg.get("protocol"), PROTOCOL_VERSION)}
            repl.init(msg)
            return None
        if kind == "exec":
            return repl.run_cell(msg["cell"], msg["code"])
        if kind == "wake":
            return repl.wake(msg["cell"], msg["results"])
        if kind == "shutdown":
            repl.closed = True
            return None
        if kind == "answer":
            return None  # a stray answer (to a call interrupted by a timeout)
        repl.closed = True
        return {"type": "fatal", "message": "unexpected message %r" % (kind,)}
    except KeyboardInterrupt:
        repl.restore_streams()
        if kind in ("exec", "wake"):
            return {"type": "cell_end", "cell": msg.get("cell", 0), "status": "timeout", "output": "", "outputChars": 0}
        return None
    except Exception as exc:  # a prelude bug: say so and stop rather than hang the host
        repl.closed = True
        return {"type": "fatal", "message": "%s: %s" % (type(exc).__name__, exc)}
