"""Unit tests of the prelude (standard library unittest), through its one entry point for host
messages, dispatch(repl, message), with an in-memory channel standing in for the transport.
Run by packages/runtime-python/src/prelude-python.int.test.ts (so `npm test` runs them), or by
hand: python3 -m unittest discover -s packages/runtime-python/python/tests
"""

import io
import json
import os
import subprocess
import sys
import unittest

PYTHON_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, PYTHON_DIR)

import rlmtree_prelude as p  # noqa: E402


class FakeChannel:
    """Answers host calls with `answer(name, args)` and records them."""

    raw = None

    def __init__(self, answer=None):
        self.calls = []
        self.answer = answer or (lambda name, args: {"ok": True, "value": None})

    def call(self, call_id, name, args):
        self.calls.append((call_id, name, args))
        return dict(self.answer(name, args), type="answer", id=call_id)


def init(repl, **extra):
    msg = {"type": "init", "protocol": p.PROTOCOL_VERSION, "agentId": "root", "context": "alpha beta\ngamma", "tools": [], "maxOutputChars": 200}
    msg.update(extra)
    return p.dispatch(repl, msg)


def run(repl, code, cell=0):
    return p.dispatch(repl, {"type": "exec", "cell": cell, "code": code})


class DispatchTest(unittest.TestCase):
    def setUp(self):
        self.channel = FakeChannel()
        self.repl = p.Repl(self.channel)
        self.assertIsNone(init(self.repl))

    def test_exec_runs_a_cell_and_keeps_variables(self):
        end = run(self.repl, "x = len(CONTEXT)\nprint(peek(5))")
        self.assertEqual(end["type"], "cell_end")
        self.assertEqual(end["status"], "ok")
        self.assertEqual(end["output"], "alpha\n")
        self.assertEqual(run(self.repl, "x", 1)["output"], "16\n")

    def test_init_with_another_protocol_is_fatal_and_closes(self):
        repl = p.Repl(FakeChannel())
        reply = init(repl, protocol=p.PROTOCOL_VERSION + 1)
        self.assertEqual(reply["type"], "fatal")
        self.assertIn("not supported", reply["message"])
        self.assertTrue(repl.closed)

    def test_shutdown_closes_and_a_stray_answer_is_ignored(self):
        self.assertIsNone(p.dispatch(self.repl, {"type": "answer", "id": 9, "ok": True, "value": 1}))
        self.assertFalse(self.repl.closed)
        self.assertIsNone(p.dispatch(self.repl, {"type": "shutdown"}))
        self.assertTrue(self.repl.closed)

    def test_an_unknown_message_is_fatal(self):
        reply = p.dispatch(self.repl, {"type": "frobnicate"})
        self.assertEqual(reply["type"], "fatal")
        self.assertIn("frobnicate", reply["message"])

    def test_done_ends_the_cell_even_inside_except_exception(self):
        end = run(self.repl, "try:\n    done({'a': (1, 2)})\nexcept Exception:\n    pass\nprint('never')")
        self.assertEqual(end["status"], "done")
        self.assertEqual(end["result"], {"a": [1, 2]})
        self.assertEqual(end["output"], "")

    def test_an_error_has_the_cell_traceback_without_prelude_frames(self):
        end = run(self.repl, "def f():\n    raise ValueError('bad')\nf()", 3)
        self.assertEqual(end["status"], "error")
        self.assertEqual(end["error"]["type"], "ValueError")
        self.assertIn('File "<cell 3>"', end["error"]["traceback"])
        self.assertNotIn("rlmtree_prelude", end["error"]["traceback"])

    def test_an_uncaught_prelude_error_is_named_bare_in_the_traceback(self):
        repl = p.Repl(FakeChannel(lambda name, args: {"ok": False, "kind": "invalid_args", "error": "bad model"}))
        init(repl)
        end = run(repl, "llm_query('x', model=5)")
        self.assertEqual(end["error"]["type"], "HostCallArgumentError")
        self.assertTrue(end["error"]["traceback"].endswith("\nHostCallArgumentError: bad model"), end["error"]["traceback"])
        self.assertNotIn("rlmtree_prelude", end["error"]["traceback"])

    def test_fingerprints_name_prelude_values_as_records_made_before_the_split_do(self):
        # A rebuilt REPL compares these with the record (docs/integrity.md): the type of a handle
        # and the qualname of a bound helper must not move with the module they live in.
        repl = p.Repl(FakeChannel(lambda name, args: {"ok": True, "value": "root.a"}))
        init(repl)
        bound = {b["name"]: b for b in run(repl, "h = delegate('a', 'q')\nq = llm_query\nk = peek")["bound"]}
        self.assertEqual(bound["h"]["type"], "rlmtree_prelude.AgentHandle")
        self.assertEqual(bound["q"]["repr"], "<method Repl.llm_query>")
        self.assertEqual(bound["k"]["repr"], "<method Repl.peek>")

    def test_fingerprint_hashes_are_sha256_of_the_type_and_the_value_on_both_sides_of_the_size_bound(self):
        # Small inputs go to CPython's own SHA-256, big ones to OpenSSL's: one digest either way.
        import hashlib

        from rlmtree_prelude import fingerprints as f

        for value in ["", "caf\u00e9 \ud800", "x" * (f._BIG - 5), "x" * f._BIG, b"\x00" * (f._BIG + 1), 12345, [1, "a", None]]:
            tname = type(value).__qualname__
            data = value.encode("utf-8", "surrogatepass") if isinstance(value, str) else value if isinstance(value, bytes) else repr(value).encode()
            self.assertEqual(f.fingerprint(value)["hash"], hashlib.sha256(tname.encode() + b"\0" + data).hexdigest(), tname)

    def test_output_is_cut_to_head_and_tail_with_the_true_length(self):
        end = run(self.repl, "print('x' * 1000)")
        self.assertEqual(end["outputChars"], 1001)
        self.assertIn("characters omitted; the output was 1001 characters in all", end["output"])
        self.assertLess(len(end["output"]), 400)


class HostCallTest(unittest.TestCase):
    def make(self, answer):
        channel = FakeChannel(answer)
        repl = p.Repl(channel)
        init(repl, tools=[{"name": "add", "description": "adds"}])
        return repl, channel

    def test_every_host_call_goes_through_host_call_with_json_safe_arguments(self):
        repl, channel = self.make(lambda name, args: {"ok": True, "value": "r"} if name == "llm_query" else {"ok": True, "value": 3})
        end = run(repl, "a = llm_query('hi')\nb = add(1, 2, extra={1, 2})\nprint(a, b)")
        self.assertEqual(end["output"], "r 3\n")
        self.assertEqual(channel.calls, [(1, "llm_query", {"prompt": "hi", "model": None}), (2, "tool", {"tool": "add", "args": [1, 2], "kwargs": {"extra": [1, 2]}})])

    def test_invalid_args_raise_host_call_argument_error_that_is_also_the_calls_own_class(self):
        repl, _ = self.make(lambda name, args: {"ok": False, "kind": "invalid_args", "error": "llm_query(): model: expected string"})
        end = run(repl, "try:\n    llm_query('x', model=5)\nexcept LLMError as e:\n    print(type(e).__name__, isinstance(e, TypeError), e)")
        self.assertEqual(end["output"], "HostCallArgumentError True llm_query(): model: expected string\n")

    def test_a_failure_without_kind_raises_the_calls_own_class(self):
        repl, _ = self.make(lambda name, args: {"ok": False, "error": "depth"})
        end = run(repl, "try:\n    delegate('a', 'q')\nexcept DelegateError as e:\n    print('refused', e, isinstance(e, TypeError))")
        self.assertEqual(end["output"], "refused depth False\n")

    def test_a_tool_error_names_the_tool(self):
        repl, _ = self.make(lambda name, args: {"ok": False, "error": "boom"})
        end = run(repl, "try:\n    add(1)\nexcept ToolError as e:\n    print(e)")
        self.assertEqual(end["output"], "add: boom\n")

    def test_a_batch_keeps_answers_and_failures_in_order(self):
        repl, _ = self.make(lambda name, args: {"ok": True, "value": [{"ok": True, "value": "A"}, {"ok": False, "error": "rate"}]})
        end = run(repl, "r = llm_query_batched(['a', 'b'])\nprint(r[0], isinstance(r[1], SubCallError), r[1].error)")
        self.assertEqual(end["output"], "A True rate\n")

    def test_a_stub_from_init_is_bound_and_calls_through_host_call(self):
        channel = FakeChannel(lambda name, args: {"ok": True, "value": args["n"] * 2})
        repl = p.Repl(channel)
        stub = 'def twice(n):\n    """Doubles on the host."""\n    return host_call("twice", {"n": n}, HostCallError)\n'
        init(repl, stubs=[stub])
        self.assertEqual(run(repl, "print(twice(4), twice.__doc__)")["output"], "8 Doubles on the host.\n")
        self.assertEqual(channel.calls, [(1, "twice", {"n": 4})])
        self.assertNotIn("host_call", repl.ns)


class WaitTest(unittest.TestCase):
    def setUp(self):
        ids = iter(["root.a", "root.b"])
        self.repl = p.Repl(FakeChannel(lambda name, args: {"ok": True, "value": next(ids)}))
        init(self.repl)

    def test_a_cell_suspends_at_yield_wait_and_wakes_with_results_in_handle_order(self):
        end = run(self.repl, "hs = [delegate('a', 'q'), delegate('b', 'q')]\nres = yield wait(*hs)\nprint(res[0], bool(res[1]), res[1].kind)\ndone(res[0])", 2)
        self.assertEqual(end["status"], "suspended")
        self.assertEqual(end["awaiting"], ["root.a", "root.b"])
        woke = p.dispatch(self.repl, {"type": "wake", "cell": 2, "results": [{"ok": True, "value": 7}, {"ok": False, "error": {"kind": "iteration_limit", "message": "m"}}]})
        self.assertEqual(woke["status"], "done")
        self.assertEqual(woke["result"], 7)
        self.assertEqual(woke["output"], "7 False iteration_limit\n")

    def test_wait_without_yield_is_an_error(self):
        end = run(self.repl, "h = delegate('a', 'q')\nwait(h)")
        self.assertEqual(end["status"], "error")
        self.assertIn("without `yield`", end["error"]["message"])

    def test_waking_a_cell_that_is_not_suspended_is_fatal(self):
        reply = p.dispatch(self.repl, {"type": "wake", "cell": 5, "results": []})
        self.assertEqual(reply["type"], "fatal")


class AgentSetupTest(unittest.TestCase):
    """The engine's setup cell (agent-setup.ts) runs the code object compiled at import."""

    SETUP = 'from rlmtree_prelude.agent_setup import run as _rlmtree_agent_setup\n_rlmtree_agent_setup(globals(), %s)\n'

    def setUp(self):
        self.repl = p.Repl(FakeChannel())
        init(self.repl, context=["one", "two"])

    def setup(self, payload):
        return run(self.repl, self.SETUP % json.dumps(json.dumps(payload)))

    def test_binds_the_names_in_the_agents_namespace_and_leaves_no_helper_behind(self):
        end = self.setup({"paths": ["a.txt", "b.txt"], "tools": [], "sub_calls": False})
        self.assertEqual(end["status"], "ok", end)
        ns = self.repl.ns
        self.assertEqual([d.path for d in ns["CONTEXT"]], ["a.txt", "b.txt"])
        self.assertIs(ns["context"], ns["CONTEXT"])
        self.assertNotIn("llm_query", ns)
        self.assertFalse({"_rlmtree_agent_setup", "_rlmtree_payload", "_rlmtree_setup", "_rlmtree_json"} & set(ns))
        # Defined in the namespace, as the cell it was: its globals, module __main__, file <cell 0>.
        self.assertIs(ns["FINAL"].__globals__, ns)
        self.assertEqual((ns["Document"].__module__, ns["FINAL_VAR"].__code__.co_filename), ("__main__", "<cell 0>"))
        self.assertEqual(run(self.repl, "y = 2\nSHOW_VARS()", 1)["output"], "{'y': 'int'}\n")
        self.assertEqual(run(self.repl, "FINAL_VAR('y')", 2)["result"], 2)

    def test_a_tool_stub_that_fails_fails_the_setup_cell(self):
        end = self.setup({"paths": None, "tools": [{"name": "t", "stub": "raise ValueError('bad stub')"}], "sub_calls": True})
        self.assertEqual((end["status"], end["error"]["message"]), ("error", "bad stub"))


class LineTransportTest(unittest.TestCase):
    def test_serve_channel_says_ready_first_then_one_reply_per_exec_until_shutdown(self):
        class Lines(p.LineChannel):
            def __init__(self, text):
                self.inp = io.StringIO(text)
                self.out = io.StringIO()

        messages = [
            {"type": "init", "protocol": p.PROTOCOL_VERSION, "agentId": "root", "context": "c", "tools": [], "maxOutputChars": 100},
            {"type": "exec", "cell": 0, "code": "print('hi')"},
            {"type": "shutdown"},
            {"type": "exec", "cell": 1, "code": "print('after shutdown')"},
        ]
        channel = Lines("\n".join(json.dumps(m) for m in messages) + "\n\n")
        p.serve_channel(channel)
        out = [json.loads(line) for line in channel.out.getvalue().splitlines()]
        self.assertEqual([m["type"] for m in out], ["ready", "cell_end"])
        self.assertEqual(out[0]["protocol"], p.PROTOCOL_VERSION)
        self.assertIn("pid", out[0])
        self.assertEqual(out[1]["output"], "hi\n")


class StdioTest(unittest.TestCase):
    def test_the_package_folder_run_by_python_serves_a_repl_over_stdio(self):
        # How the subprocess runtime starts a REPL without its fork server: python3 <dir>/rlmtree_prelude.
        messages = [
            {"type": "init", "protocol": p.PROTOCOL_VERSION, "agentId": "root", "context": "c", "tools": [], "maxOutputChars": 100},
            {"type": "exec", "cell": 0, "code": "import os\nos.write(1, b'raw\\n')\nprint(__name__, CONTEXT)"},
            {"type": "shutdown"},
        ]
        proc = subprocess.run(
            [sys.executable, "-X", "utf8", "-u", os.path.join(PYTHON_DIR, "rlmtree_prelude")],
            input="".join(json.dumps(m) + "\n" for m in messages),
            capture_output=True,
            text=True,
            timeout=30,
        )
        self.assertEqual(proc.returncode, 0, proc.stderr)
        out = [json.loads(line) for line in proc.stdout.splitlines()]
        self.assertEqual([m["type"] for m in out], ["ready", "cell_end"], proc.stdout)
        self.assertEqual(out[1]["status"], "ok")
        self.assertEqual(sorted(out[1]["output"].splitlines()), ["__main__ c", "raw"])


class ContextFileTest(unittest.TestCase):
    """context_file.py: a file checked against its content address, read once by `share`."""

    def _file(self, docs):
        import hashlib
        import tempfile

        data = [d.encode("utf-8") for d in docs]
        fd, path = tempfile.mkstemp(suffix=".ctx")
        with os.fdopen(fd, "wb") as f:
            f.write(b"".join(data))
        self.addCleanup(os.unlink, path)
        if len(docs) == 1:
            return path, {"path": path, "bytes": len(data[0]), "sha256": hashlib.sha256(data[0]).hexdigest()}
        address = hashlib.sha256(("list:" + ",".join(hashlib.sha256(d).hexdigest() for d in data)).encode()).hexdigest()
        return path, {"path": path, "bytes": sum(map(len, data)), "documents": [len(d) for d in data], "sha256": address}

    def test_reads_str_and_list_and_refuses_changed_bytes(self):
        from rlmtree_prelude.context_file import ContextFileError, load_context

        _, ref = self._file(["abc é 漢字"])
        self.assertEqual(load_context({"contextFile": ref}), "abc é 漢字")
        path, ref = self._file(["one", "", "three é"])
        self.assertEqual(load_context({"contextFile": ref}), ["one", "", "three é"])
        with open(path, "r+b") as f:
            f.write(b"ONE")  # the same length, other bytes
        with self.assertRaisesRegex(ContextFileError, "was changed"):
            load_context({"contextFile": ref})

    def test_share_gives_every_later_load_the_same_str(self):
        from rlmtree_prelude.context_file import load_context, share

        path, ref = self._file(["x" * 5000])
        value = share(ref)
        os.unlink(path)  # read once: later loads do not touch the file
        self.addCleanup(lambda: open(path, "wb").close())
        self.assertIs(load_context({"contextFile": ref}), value)
        # Another description of the file (another length) is not the shared one.
        with self.assertRaises(Exception):
            load_context({"contextFile": dict(ref, bytes=4999)})


class FillPoolsTest(unittest.TestCase):
    """rlmtree_pools.fill_pools: the fork server's half-used pools are filled before it forks."""

    def test_fills_the_free_blocks_of_used_pools(self):
        import rlmtree_pools

        junk = [bytes(n) for n in range(16, 400) for _ in range(50)]
        del junk[::2]  # holes in many pools of many size classes
        before = dict(rlmtree_pools._ROW.findall(rlmtree_pools._stats()))
        fill = rlmtree_pools.fill_pools()
        after = dict(rlmtree_pools._ROW.findall(rlmtree_pools._stats()))
        self.assertGreater(len(fill), 0)
        holes = lambda stats: sum(int(v) for k, v in stats.items() if int(k) >= 96)
        self.assertGreater(holes(before), 1000)
        self.assertLess(holes(after), holes(before) / 10)
        del junk, fill


class WarmForkHooksTest(unittest.TestCase):
    """rlmtree_fork_hooks.warm_fork_hooks: the fork server runs random's, threading's and logging's
    after-fork hooks itself, leaving them working, and only while no other thread runs
    (threading's only while the main thread is the only Thread object)."""

    def setUp(self):
        import gc
        import threading

        gc.collect()  # Thread objects of earlier tests leave threading._dangling (a WeakSet)
        if threading.active_count() != 1 or list(threading._dangling) != [threading.main_thread()]:
            self.skipTest("another test left a thread, or a Thread object, in this process")

    def test_runs_the_hooks_and_leaves_logging_random_and_threading_working(self):
        import logging
        import random
        import threading

        import rlmtree_fork_hooks

        stream = io.StringIO()
        log = logging.getLogger("rlmtree-warm-test")
        log.addHandler(logging.StreamHandler(stream))
        self.addCleanup(log.handlers.clear)
        main = threading.main_thread()
        self.assertEqual(rlmtree_fork_hooks.warm_fork_hooks(), ["random", "threading", "logging"])
        # threading's registry is as it was: the same main thread, current and alive.
        self.assertIs(threading.main_thread(), main)
        self.assertIs(threading.current_thread(), main)
        self.assertEqual(threading.enumerate(), [main])
        self.assertTrue(main.is_alive())
        # The module lock is free again and the handler's lock works: another thread can log.
        t = threading.Thread(target=lambda: log.warning("after the warm-up"))
        t.start()
        t.join(5)
        self.assertFalse(t.is_alive())
        self.assertEqual(stream.getvalue(), "after the warm-up\n")
        self.assertIsInstance(random.random(), float)
        # A child forked after it runs the hook again and can start and join a thread.
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:
            ok = False
            try:
                done = []
                c = threading.Thread(target=lambda: done.append(1))
                c.start()
                c.join(5)
                ok = done == [1] and threading.enumerate() == [threading.current_thread()]
            finally:
                os.write(w, b"1" if ok else b"0")
                os._exit(0)
        os.close(w)
        self.assertEqual(os.read(r, 1), b"1")
        os.close(r)
        os.waitpid(pid, 0)

    def test_leaves_threading_alone_while_another_thread_object_exists(self):
        import threading

        import rlmtree_fork_hooks

        unstarted = threading.Thread(target=lambda: None)
        warmed = rlmtree_fork_hooks.warm_fork_hooks()
        self.assertNotIn("threading", warmed)
        self.assertIn("random", warmed)
        unstarted.start()  # still startable: the hook did not mark it stopped
        unstarted.join(5)
        self.assertFalse(unstarted.is_alive())

    def test_does_nothing_while_another_thread_runs(self):
        import threading

        import rlmtree_fork_hooks

        stop = threading.Event()
        t = threading.Thread(target=stop.wait)
        t.start()
        try:
            self.assertEqual(rlmtree_fork_hooks.warm_fork_hooks(), [])
        finally:
            stop.set()
            t.join()


if __name__ == "__main__":
    unittest.main()
