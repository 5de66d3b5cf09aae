"""Config the jupyter runtime passes (`--config`) to the local `jupyter server` it starts.

Turns Nagle's algorithm off on kernel websockets. Tornado leaves it on, so the server's second
small frame of a reply (execute_reply after status:busy, status:idle after that) waits for the
client's delayed ACK, about 40 ms per trivial cell on Linux. See docs/jupyter.md.
"""

from jupyter_server.services.kernels import handlers as _handlers

_open = _handlers.ZMQChannelsHandler.open


def _open_nodelay(self, *args, **kwargs):
    self.set_nodelay(True)
    return _open(self, *args, **kwargs)


_handlers.ZMQChannelsHandler.open = _open_nodelay
