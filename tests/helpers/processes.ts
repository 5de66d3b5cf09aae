/** Process checks shared by the tests that make sure no process is left behind. */

/** True while a process with this pid exists (`kill -0`; a reaped zombie counts as gone). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * A cell that starts two processes outside the REPL's process group and prints the REPL's pid
 * and theirs: `sleep` in a session of its own (setsid), and a grandchild of a double fork (its
 * parent calls setsid and exits, so it is re-parented away from the REPL).
 */
export const ESCAPING_CELL = `import os, subprocess, time
a = subprocess.Popen(['sleep', '300'], start_new_session=True)
r, w = os.pipe()
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        os.write(w, str(os.getpid()).encode())
        os.close(w)
        time.sleep(300)
        os._exit(0)
    os._exit(0)
os.close(w)
g = int(os.read(r, 100))
print(os.getpid(), a.pid, g, os.getpgid(a.pid) != os.getpgid(0), os.getsid(g) != os.getsid(0))`;
