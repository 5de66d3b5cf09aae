/**
 * What a page costs a forked process on this machine, for reading the fan-out figures (issue 18:
 * a forked REPL's CPU is mostly the pages it touches). A python3 probe touches a 16 MB buffer,
 * forks, and times in the child one read and one write (a copy-on-write fault) per page over
 * 2,000 pages, each in a child of its own; and how much CPU a bare child already has, and how
 * many page faults, when os.fork() returns in it. On bare metal a fault costs ~0.5-2 us; in a VM
 * with shadow page tables it can cost 20-40 us.
 */
import { execFileSync } from 'node:child_process';

/** Per-page costs (us) and a bare python3 child's CPU (ms) and faults when os.fork() returns. */
export type PageCost = { readUs: number; writeUs: number; forkReturnMs: number; forkReturnFaults: number };

const PROBE = String.raw`
import json, os, resource, time
PAGES, SIZE = 2000, 16 << 20
buf = bytearray(SIZE)
for i in range(0, SIZE, 4096):
    buf[i] = 1
def child(work):
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        t0 = time.process_time(); f0 = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
        work()
        out = [time.process_time() - t0, resource.getrusage(resource.RUSAGE_SELF).ru_minflt - f0, t0, f0]
        os.write(w, json.dumps(out).encode()); os._exit(0)
    os.close(w); data = os.read(r, 200); os.close(r); os.waitpid(pid, 0)
    return json.loads(data)
def read():
    s = 0
    for i in range(PAGES): s += buf[i * 4096 + 8]
def write():
    for i in range(PAGES): buf[i * 4096 + 8] = 2
def nothing():
    for i in range(PAGES): pass
base = min(child(nothing)[0] for _ in range(3))
rd = min(child(read)[0] for _ in range(3)) - base
wr = min(child(write)[0] for _ in range(3)) - base
bare = sorted(child(lambda: None)[2:] for _ in range(5))[2]
print(json.dumps({"readUs": rd / PAGES * 1e6, "writeUs": wr / PAGES * 1e6, "forkReturnMs": bare[0] * 1e3, "forkReturnFaults": bare[1]}))
`;

/**
 * Runs the probe with `python` (min of 3 children for the per-page costs, median of 5 for the
 * fork return).
 * @throws Error when python cannot run or the probe fails (its stderr in the message).
 */
export function pageCost(python = process.env.RLMTREE_PYTHON ?? 'python3'): PageCost {
  return JSON.parse(execFileSync(python, ['-c', PROBE], { encoding: 'utf8' })) as PageCost;
}
