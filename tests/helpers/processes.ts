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
