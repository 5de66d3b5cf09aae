/**
 * The fork server inside the docker runtime's shared container (issue 18): the same
 * `rlmtree_fork_server.py` as on the host, started once with `docker exec`, listening on a Unix
 * socket in a host folder bind-mounted into the container. A new REPL is then a connection to
 * that socket and a fork inside the container, not a `docker exec` (a docker CLI process and a
 * round trip through the daemon per agent). Its REPLs take live snapshots like the subprocess
 * runtime's. A Unix socket crosses a bind mount only when the daemon runs on this machine, so
 * it is used with a local daemon only (`daemonIsLocal`); elsewhere REPLs are exec'd as before.
 */
import { chmodSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_SPARES, type ForkServerOptions, type ForkServerPlace } from './fork-server.ts';
import type { SharedContainer } from './docker-container.ts';
import type { ResolvedDockerOptions } from './docker-options.ts';
import { pythonFile } from '@rlmtree/core';

/** Where the socket folder is mounted in the container. */
export const SERVER_DIR = '/run/rlmtree';

/**
 * True when the docker CLI talks to a daemon on this machine (no `DOCKER_HOST`, or a `unix://`
 * one): only then is a host folder bind-mounted into the container the same folder. A docker
 * context pointing elsewhere is not seen here; the first fork then fails to connect and the
 * runtime falls back to `docker exec` (see DockerRuntime).
 */
export function daemonIsLocal(env: NodeJS.ProcessEnv = process.env): boolean {
  const host = env['DOCKER_HOST'];
  return !host || host.startsWith('unix://');
}

/**
 * A host folder for the container's sockets: `<private temp folder>/sock`, the temp folder
 * 0700 (no other host user reaches the sockets), `sock` itself 0777 so the container's non-root
 * user can create its sockets there. Returns the folder to mount and the one to remove at close.
 */
export function socketFolder(): { mount: string; remove: string } {
  const parent = mkdtempSync(join(tmpdir(), 'rlmtree-docker-'));
  const mount = join(parent, 'sock');
  mkdirSync(mount);
  chmodSync(mount, 0o777);
  return { mount, remove: parent };
}

/** The `docker run` flags that mount the socket folder. */
export function socketMountArgs(mount: string): string[] {
  return ['--mount', `type=bind,source=${mount},target=${SERVER_DIR}`];
}

let boot: string | undefined;
/**
 * `python3 -c` source that loads the fork server and its snapshot, reaper, prefault, pools, fork-hooks and spares modules from text (the image
 * carries only the prelude) and runs the server as `__main__`.
 */
function bootSource(preludeDir: string): string {
  if (boot === undefined) {
    const source = (file: string) => JSON.stringify(readFileSync(pythonFile('@rlmtree/runtime-python', file, import.meta.url), 'utf8'));
    boot = [
      'import os, sys, types',
      'os.getpgid(0) == os.getpid() or os.setpgid(0, 0)',
      `sys.path[0] = ${JSON.stringify(preludeDir)}`,
      ...['rlmtree_snapshot', 'rlmtree_reaper', 'rlmtree_prefault', 'rlmtree_pools', 'rlmtree_fork_hooks', 'rlmtree_spares'].flatMap((name) => [
        `m = types.ModuleType(${JSON.stringify(name)})`,
        `m.__file__ = "<${name}>"`,
        `exec(compile(${source(`${name}.py`)}, m.__file__, "exec"), m.__dict__)`,
        `sys.modules[${JSON.stringify(name)}] = m`,
      ]),
      'g = {"__name__": "__main__", "__file__": "<rlmtree_fork_server>", "__builtins__": __builtins__}',
      `exec(compile(${source('rlmtree_fork_server.py')}, g["__file__"], "exec"), g)`,
    ].join('\n');
  }
  return boot;
}

/**
 * Where the fork server of `container` runs: started by `docker exec -i` as the REPL user (its
 * stdin kept open: it exits when that closes), REPLs signalled through the container's pid 1,
 * their pids the container's.
 */
export function containerPlace(o: ResolvedDockerOptions, container: SharedContainer, mount: string, preImports: readonly string[]): ForkServerPlace {
  const options: ForkServerOptions = { preImports, spares: DEFAULT_SPARES, ownGroups: true };
  return {
    hostDir: mount,
    serverDir: SERVER_DIR,
    hostPids: false,
    signal: (sig, pid) => container.signal(sig === 'SIGINT' ? 'INT' : 'KILL', pid),
    reaped: (pid) => container.signal('KILL', pid),
    spawn: (socket) =>
      spawn(
        o.docker,
        ['exec', '-i', '--user', o.user, '--workdir', o.workDir, container.name, 'python3', '-s', '-B', '-X', 'utf8', '-u', '-c', bootSource(o.preludeDir), socket, JSON.stringify(options)],
        { stdio: ['pipe', 'pipe', 'inherit'], detached: true /* Ctrl-C reaches only the host (docs/cli.md) */ },
      ),
    // The container's removal ends the server and every REPL in it; this ends the exec client.
    stop: (child) => void child.kill('SIGKILL'),
  };
}
