"""Unit tests of the fork server's spares (rlmtree_fork_server.py, standard library unittest):
each connection is served by its own process, the spares' rehearsal leaves a fresh REPL, and
waiting spares exit when their server is killed outright. Linux only (they skip elsewhere).
Run with the prelude's tests (prelude-python.int.test.ts)."""

import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest

PYTHON_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, PYTHON_DIR)
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # test_reaper, beside this file

import rlmtree_prelude as p  # noqa: E402
import rlmtree_reaper as r  # noqa: E402
from test_reaper import alive  # noqa: E402


def exchange(conn, *messages):
    """Sends `messages` as JSON lines and returns the replies (one per exec), after the hello."""
    f = conn.makefile("r", encoding="utf-8")
    hello = json.loads(f.readline())
    conn.sendall("".join(json.dumps(m) + "\n" for m in messages).encode())
    return hello, [json.loads(f.readline()) for m in messages if m["type"] == "exec"]


@unittest.skipUnless(sys.platform.startswith("linux"), "/proc is Linux's")
class SparesTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp()
        self.sock = os.path.join(self.dir, "repl.sock")
        self.server = subprocess.Popen(
            [sys.executable, "-X", "utf8", "-u", os.path.join(PYTHON_DIR, "rlmtree_fork_server.py"), self.sock, json.dumps({"spares": 2})],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=dict(os.environ, PYTHONHASHSEED="0"),
        )
        self.assertEqual(json.loads(self.server.stdout.readline())["type"], "listening")

    def tearDown(self):
        if self.server.poll() is None:
            self.server.kill()
        self.server.wait()

    def connect(self):
        conn = socket.socket(socket.AF_UNIX)
        conn.connect(self.sock)
        return conn

    def test_each_connection_gets_its_own_fresh_repl_with_nothing_of_the_rehearsal(self):
        init = {"type": "init", "protocol": p.PROTOCOL_VERSION, "agentId": "a", "context": "ctx", "tools": [], "maxOutputChars": 1000}
        probe = "print(sorted(k for k in globals() if not k.startswith('_')), sorted(k for k in __import__('linecache').cache if k.startswith('<cell')))"
        fresh = p.Repl(None)
        fresh.init(init)
        expected = "%s ['<cell 0>']\n" % sorted(k for k in fresh.ns if not k.startswith("_"))
        pids = set()
        for _ in range(3):
            conn = self.connect()
            hello, [end] = exchange(conn, init, {"type": "exec", "cell": 0, "code": probe})
            conn.close()
            pids.add(hello["pid"])
            # No x, y, f or _j of the rehearsal's cells, and only this cell's source in linecache.
            self.assertEqual(end["output"], expected)
        self.assertEqual(len(pids), 3)

    def test_waiting_spares_exit_with_a_server_killed_outright(self):
        deadline = time.time() + 5
        spares = []
        while len(spares) < 2 and time.time() < deadline:
            spares = r.children(self.server.pid)
            time.sleep(0.05)
        self.assertEqual(len(spares), 2)
        os.kill(self.server.pid, signal.SIGKILL)
        self.server.wait()
        for pid in spares:
            deadline = time.time() + 5
            while alive(pid) and time.time() < deadline:
                time.sleep(0.05)
            self.assertFalse(alive(pid), "spare %d outlived its server" % pid)


@unittest.skipUnless(sys.platform.startswith("linux"), "the spares' fd capture is tested where they run")
class SpareRehearsalTest(unittest.TestCase):
    """A spare rehearses only when no host waits: one that finds a connection waiting serves it."""

    def spare(self, connect_first):
        """Forks a spare on a fresh listening socket, a host connected before (or after) it
        starts; returns (whether it rehearsed, the hello the host got)."""
        import rlmtree_fork_server as fs

        path = os.path.join(tempfile.mkdtemp(), "s.sock")
        server = socket.socket(socket.AF_UNIX)
        server.bind(path)
        server.listen(8)
        server.setblocking(False)
        host = None
        if connect_first:
            host = socket.socket(socket.AF_UNIX)
            host.connect(path)
        said_r, said_w = os.pipe()
        used_r, used_w = os.pipe()
        life_r, life_w = os.pipe()
        pid = os.fork()
        if pid == 0:
            try:
                os.close(said_r)
                real = fs._rehearse

                def rehearse(raw=None):
                    os.write(said_w, b"r")
                    real(raw)

                fs._rehearse = rehearse
                fs._spare(p.Repl(None), server, used_w, life_r)
            finally:
                os._exit(0)
        os.close(said_w)
        if host is None:
            self.assertEqual(os.read(said_r, 1), b"r")  # rehearses, then waits
            host = socket.socket(socket.AF_UNIX)
            host.connect(path)
        hello, _ = exchange(host, {"type": "shutdown"})
        host.close()
        os.waitpid(pid, 0)
        said = os.read(said_r, 10)
        for fd in (said_r, used_r, used_w, life_r, life_w):
            os.close(fd)
        server.close()
        return said, hello

    def test_a_spare_that_finds_a_host_waiting_serves_it_without_rehearsing(self):
        said, hello = self.spare(connect_first=True)
        self.assertEqual((said, hello["type"]), (b"", "ready"))

    def test_a_spare_with_no_host_waiting_rehearses_first(self):
        said, hello = self.spare(connect_first=False)
        self.assertEqual((said, hello["type"]), (b"", "ready"))  # its one "r" was read above


@unittest.skipUnless(os.path.exists("/proc/self/pagemap"), "/proc/self/pagemap is Linux's")
class PrefaultTest(unittest.TestCase):
    def test_learns_the_pages_a_child_writes_and_populate_copies_them_unchanged(self):
        import ctypes

        import rlmtree_prefault as pf

        page = os.sysconf("SC_PAGE_SIZE")
        buf = bytearray(b"x" * (64 * page))  # shared with every child, copy-on-write
        base = ctypes.addressof((ctypes.c_char * len(buf)).from_buffer(buf))
        first = (base + page - 1) // page * page + 8 * page  # a page wholly inside buf

        def rehearse():
            buf[first - base] = ord("y")

        learned = pf.learn(rehearse)
        self.assertTrue(any(a <= first < a + n for a, n in learned), "the page the probe wrote is not in %r" % learned[:5])
        self.assertEqual(buf[first - base], ord("x"))  # the probe's write stayed in the probe
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:
            pf.populate(learned)
            mine = pf._exclusive_ranges([(first, first + page)])
            os.write(w, json.dumps([mine, buf[first - base], pf._supported]).encode())
            os._exit(0)
        os.close(w)
        mine, value, supported = json.loads(os.read(r, 1000))
        os.close(r)
        os.waitpid(pid, 0)
        self.assertEqual(value, ord("x"))  # populated, not changed
        if supported:  # a kernel with MADV_POPULATE_WRITE (5.14): the child holds its own copy
            self.assertEqual(mine, [[first, page]])

    def test_fork_is_os_fork_with_the_learned_pages_copied_in_the_child(self):
        import ctypes
        import threading

        import rlmtree_prefault as pf

        page = os.sysconf("SC_PAGE_SIZE")
        buf = bytearray(b"x" * (64 * page))
        base = ctypes.addressof((ctypes.c_char * len(buf)).from_buffer(buf))
        first = (base + page - 1) // page * page + 8 * page

        def rehearse():
            buf[first - base] = ord("y")

        pf.prepare()
        learned = pf.learn(rehearse)
        hooks = []
        os.register_at_fork(before=lambda: hooks.append("before"), after_in_parent=lambda: hooks.append("parent"), after_in_child=lambda: hooks.append("child"))
        r, w = os.pipe()
        pid = pf.fork(learned)
        if pid == 0:
            # Which of the page is the child's own, then that CPython's after-fork work ran (the
            # hooks, threading's state: a thread starts).
            mine = pf._exclusive_ranges([(first, first + page)])
            started = []
            t = threading.Thread(target=lambda: started.append(threading.get_ident()))
            t.start()
            t.join()
            os.write(w, json.dumps([mine, buf[first - base], pf._supported, hooks, len(started), os.getpid(), threading.active_count()]).encode())
            os._exit(0)
        os.close(w)
        mine, value, supported, child_hooks, started, child_pid, threads = json.loads(os.read(r, 1000))
        os.close(r)
        self.assertEqual(os.waitpid(pid, 0), (pid, 0))
        self.assertEqual(child_pid, pid)
        self.assertEqual(value, ord("x"))
        self.assertEqual(child_hooks, ["before", "child"])  # the at-fork hooks ran, as with os.fork()
        self.assertEqual(hooks, ["before", "parent"])
        self.assertEqual((started, threads), (1, 1))
        if supported:
            self.assertEqual(mine, [[first, page]])


if __name__ == "__main__":
    unittest.main()
