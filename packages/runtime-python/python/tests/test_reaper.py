"""Unit tests of rlmtree_reaper (standard library unittest): the /proc walk, the sweep of a
process tree that left its process group, and the guard's exit status. Linux only (they skip
elsewhere). Run with the prelude's tests (prelude-python.int.test.ts)."""

import os
import signal
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import rlmtree_reaper as r  # noqa: E402


def alive(pid):
    """True while `pid` exists and is not a zombie."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@unittest.skipUnless(sys.platform.startswith("linux"), "subreapers and /proc are Linux's")
class ReaperTest(unittest.TestCase):
    def test_sweep_kills_a_tree_that_left_the_process_group(self):
        # A child that becomes a subreaper, then starts a setsid'd sleep and a double-forked one.
        read, write = os.pipe()
        top = os.fork()
        if top == 0:
            r.become_subreaper()
            a = subprocess.Popen(["sleep", "60"], start_new_session=True)
            if os.fork() == 0:
                os.setsid()
                if os.fork() == 0:
                    time.sleep(60)
                    os._exit(0)
                os._exit(0)
            os.write(write, str(a.pid).encode())
            time.sleep(60)
            os._exit(0)
        os.close(write)
        setsid_pid = int(os.read(read, 100))
        os.close(read)
        deadline = time.time() + 5
        below = []
        while len(below) < 3 and time.time() < deadline:  # sleep, the re-parented grandchild, the exited middle one
            below = r.descendants(top)
            time.sleep(0.05)
        self.assertIn(setsid_pid, below)
        self.assertEqual(r.children(os.getpid()).count(top), 1)
        killed = r.sweep(top, itself=True)
        self.assertGreaterEqual(killed, 3)
        self.assertFalse(alive(top))
        for pid in below:
            deadline = time.time() + 5
            while alive(pid) and time.time() < deadline:
                time.sleep(0.05)
            self.assertFalse(alive(pid), "pid %d survived the sweep" % pid)

    def test_exit_like_keeps_the_code_or_the_signal(self):
        for code, want in ((3, (3, None)), (-signal.SIGKILL, (None, signal.SIGKILL)), (-signal.SIGTERM, (None, signal.SIGTERM))):
            pid = os.fork()
            if pid == 0:
                r.exit_like(code)
            _, status = os.waitpid(pid, 0)
            got = (os.WEXITSTATUS(status), None) if os.WIFEXITED(status) else (None, os.WTERMSIG(status))
            self.assertEqual(got, want)


if __name__ == "__main__":
    unittest.main()
