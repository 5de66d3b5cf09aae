"""Fingerprints of the names a cell bound (`cell_end.bound`): a rebuilt REPL compares them with
the recorded ones and stops on a difference (docs/integrity.md)."""

import hashlib
import re
import reprlib
import types

try:
    # CPython's own SHA-256 (3.11: _sha256, 3.12: _sha2), the same digests as OpenSSL's. For small
    # inputs it is as quick, and a forked REPL then runs none of OpenSSL's code: hashlib.sha256()
    # made each REPL touch ~200 pages of libcrypto (its EVP look-ups), each first touch of a page
    # ~7 us of CPU on the machine of issue 18. Big inputs still go to OpenSSL (SHA-NI, faster).
    from _sha256 import sha256 as _small_sha256
except ImportError:
    try:
        from _sha2 import sha256 as _small_sha256
    except ImportError:  # not CPython
        _small_sha256 = hashlib.sha256
# Inputs of this many bytes and more are hashed by OpenSSL (hashlib.sha256).
_BIG = 65536

# A bounded repr: big containers and strings are cut, so a fingerprint costs little whatever the
# value's size (a change past the bound is not seen; docs/integrity.md). Memory addresses
# ("at 0x7f…") differ between processes and are dropped.
_REPR = reprlib.Repr()
_REPR.maxstring = _REPR.maxother = 160
_REPR.maxlist = _REPR.maxtuple = _REPR.maxdict = _REPR.maxset = _REPR.maxfrozenset = _REPR.maxdeque = _REPR.maxarray = 32
_REPR.maxlevel = 4
_REPR.maxlong = 200
_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+")
_IMMUTABLE = (str, bytes, int, float, complex, bool, type(None))
# Values whose fingerprint is made from their type and name alone (see fingerprint()).
_NAMED = (types.ModuleType, types.FunctionType, types.BuiltinFunctionType, types.MethodType, type)


def _name_of(value):
    """What fingerprint() shows of a _NAMED value besides its type."""
    if isinstance(value, types.ModuleType):
        return value.__name__
    return getattr(value, "__qualname__", getattr(value, "__name__", "?"))


def fingerprint(value, known_hash=None):
    """{type, hash, repr} of a value: sha256 of its type and bounded repr (of the whole text for
    str and bytes), the same in any process for equal values. `known_hash`: that sha256, made
    elsewhere (the host hashes a context file's str once for every REPL reading it)."""
    t = type(value)
    tname = t.__qualname__ if t.__module__ == "builtins" else "%s.%s" % (t.__module__, t.__qualname__)
    if isinstance(value, types.ModuleType):
        shown = "<module %s>" % value.__name__
    elif isinstance(value, (types.FunctionType, types.BuiltinFunctionType, types.MethodType, type)):
        shown = "<%s %s>" % (tname, getattr(value, "__qualname__", getattr(value, "__name__", "?")))
    else:
        try:
            shown = _ADDRESS.sub("", _REPR.repr(value))
        except Exception:  # noqa: BLE001 - a broken __repr__ must not break the cell
            shown = "<%s, repr failed>" % tname
    if known_hash is not None:
        return {"type": tname, "hash": known_hash, "repr": shown[:80]}
    if isinstance(value, str):
        data = value.encode("utf-8", "surrogatepass")
    elif isinstance(value, bytes):
        data = value
    else:
        data = shown.encode("utf-8", "surrogatepass")
    h = (_small_sha256 if len(data) < _BIG else hashlib.sha256)(tname.encode("utf-8", "surrogatepass") + b"\0")
    h.update(data)
    return {"type": tname, "hash": h.hexdigest(), "repr": shown[:80]}


class BoundNames:
    """Watches a namespace across a cell segment: `start()` before it runs, `bound()` after it
    gives the names it bound or changed with their fingerprints."""

    def __init__(self, ns):
        self.ns = ns
        self._cache = {}
        self._start = {}

    def _fingerprints(self):
        """Fingerprints of the namespace's public names, reusing the last one of an unchanged
        immutable value (a big CONTEXT is hashed once, not at every cell) and of a function,
        class or module whose type and name are unchanged (its fingerprint is made of those
        alone, so it is the same; the helpers and host calls are not hashed at every cell)."""
        out, keep = {}, {}
        for name, value in list(self.ns.items()):
            if name.startswith("_"):
                continue
            key = id(value)
            # What must be unchanged for the last fingerprint to hold: nothing more for an
            # immutable value, its type and name for a named one; other values are hashed anew.
            if isinstance(value, _NAMED):
                guard = (type(value), _name_of(value))
            elif isinstance(value, _IMMUTABLE):
                guard = None
            else:
                out[name] = fingerprint(value)
                continue
            hit = self._cache.get(key)
            fp = hit[1] if hit is not None and hit[0] is value and hit[2] == guard else fingerprint(value)
            keep[key] = (value, fp, guard)
            out[name] = fp
        self._cache = keep
        return out

    def seed(self, value, known_hash):
        """Remembers `value`'s fingerprint with its hash made elsewhere (see `fingerprint`), so
        the first segment does not hash it again. For immutable values only (str)."""
        if isinstance(value, _IMMUTABLE):
            self._cache[id(value)] = (value, fingerprint(value, known_hash), None)

    def start(self):
        """Takes the fingerprints the segment starts from."""
        self._start = self._fingerprints()

    def bound(self):
        """[{name, type, hash, repr}] of the names bound or changed since start()."""
        now = self._fingerprints()
        return [dict(name=n, **fp) for n, fp in now.items() if self._start.get(n) != fp]
