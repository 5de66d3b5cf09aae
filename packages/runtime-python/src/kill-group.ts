/** Killing a REPL process together with every process its agent code started. */

/**
 * SIGKILLs the process group `child` leads (it was spawned detached), or the process alone when
 * it leads none (Windows). Never throws: a group already gone is fine.
 */
export function killGroup(child: { pid?: number | undefined; kill(signal: NodeJS.Signals): boolean }): void {
  try {
    if (child.pid !== undefined && process.platform !== 'win32') process.kill(-child.pid, 'SIGKILL');
    else child.kill('SIGKILL');
  } catch {
    child.kill('SIGKILL');
  }
}
