"""Unit tests of rlmtree_spares.Owed (standard library unittest): a failed fork is owed and
retried after a wait that doubles, never raised to the loop that forks replacements."""

import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import rlmtree_spares as s  # noqa: E402


class Fork:
    """A fork_one that fails while `failing` is set and counts the forks that happened."""

    def __init__(self):
        self.failing = False
        self.done = 0

    def __call__(self):
        if self.failing:
            raise BlockingIOError(11, "Resource temporarily unavailable")
        self.done += 1


class OwedTest(unittest.TestCase):
    def test_forks_at_once_while_forks_succeed(self):
        fork = Fork()
        owed = s.Owed(fork)
        owed.add(3)
        self.assertEqual((fork.done, owed.count), (3, 0))
        self.assertIsNone(owed.timeout())
        self.assertEqual(owed.timeout(5.0), 5.0)

    def test_owes_failed_forks_and_retries_with_a_doubling_wait(self):
        fork = Fork()
        owed = s.Owed(fork)
        fork.failing = True
        owed.add(2)  # raises nothing
        self.assertEqual((fork.done, owed.count), (0, 2))
        waits = [owed.timeout()]
        for _ in range(8):
            owed.settle()
            waits.append(owed.timeout())
        self.assertEqual(waits[:3], [s.RETRY_S[0], s.RETRY_S[0] * 2, s.RETRY_S[0] * 4])
        self.assertEqual(waits[-1], s.RETRY_S[1])
        self.assertEqual(owed.timeout(0.01), 0.01)  # the caller's own bound wins when shorter
        fork.failing = False
        owed.add(1)
        self.assertEqual((fork.done, owed.count), (3, 0))
        self.assertIsNone(owed.timeout())
        fork.failing = True
        owed.add(1)
        self.assertEqual(owed.timeout(), s.RETRY_S[0])  # the wait starts again from the first


if __name__ == "__main__":
    unittest.main()
