"""The protocol version and the `ready` message every transport sends first (docs/protocol.md)."""

import os
import sys

PROTOCOL_VERSION = 2  # packages/core/src/runtime/protocol.ts; host and prelude refuse a difference


def hello():
    """The `ready` message every transport sends first. `pid` lets a host that cannot signal
    this process directly (docker exec) interrupt it."""
    return {"type": "ready", "protocol": PROTOCOL_VERSION, "python": sys.version.split()[0], "pid": os.getpid()}
