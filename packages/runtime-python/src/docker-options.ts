/**
 * The docker runtime's options and the `docker run` flags they turn into. Every isolation knob
 * defaults to the safe side: no network, memory/CPU/pids limits, a read-only root with tmpfs
 * work folders, a non-root user, no new privileges, all capabilities dropped, no host paths.
 */
import { isAbsolute } from 'node:path';
import { daemonIsLocal } from './docker-fork-server.ts';

/** A host path made visible in the container. */
export interface DockerMount {
  /** Absolute host path (on the machine the Docker daemon runs on). */
  host: string;
  /** Absolute path inside the container. */
  container: string;
  /** Mount it writable (default false: read-only). */
  writable?: boolean;
}

/** How agents' REPLs are spread over containers. */
export type ContainerPer =
  /** One container per runtime (a run), one `docker exec` process per agent: fast starts, agents share the limits. */
  | 'runtime'
  /** One container per agent (`docker run` each time): limits per agent, pays a container start per agent. */
  | 'agent';

/** Options of `DockerRuntime`. Sizes use Docker's syntax (`512m`, `1g`). */
export interface DockerRuntimeOptions {
  /** Image with python3 and the prelude (default `$RLMTREE_DOCKER_IMAGE`, else `rlmtree-python:latest`). */
  image?: string;
  /** The docker CLI (default `docker`); it honours `DOCKER_HOST` and docker contexts. */
  docker?: string;
  /** Where REPLs live (default `runtime`: measured in bench/docker.bench.ts). */
  containerPer?: ContainerPer;
  /** `--network` (default `none`: loopback only). */
  network?: string;
  /** `--memory` hard limit of a container, swap included (default `1g`). */
  memory?: string;
  /** `--cpus`, CPUs a container may use (default 1). */
  cpus?: number;
  /** `--pids-limit`, processes and threads in a container (default 256). */
  pidsLimit?: number;
  /** `--read-only` root filesystem (default true). */
  readOnlyRoot?: boolean;
  /**
   * `--ipc`: `none` (default) mounts no `/dev/shm`, so the work folder and `/tmp` are the only
   * writable places; `private` gives the container its own `/dev/shm` (64 MB), which Python's
   * `multiprocessing` shared memory and semaphores need.
   */
  ipc?: 'none' | 'private';
  /** Writable tmpfs work folder, the REPLs' working directory (default `/work`). */
  workDir?: string;
  /** Size of the `workDir` tmpfs and of `/tmp` (default `256m`). */
  tmpfsSize?: string;
  /** `--user` agent code runs as (default `1000:1000`, the image's `rlm` user; never root by default). */
  user?: string;
  /** `--security-opt no-new-privileges` (default true). */
  noNewPrivileges?: boolean;
  /** `--cap-drop ALL` (default true). */
  dropCapabilities?: boolean;
  /** Host paths to mount; none by default. Read-only unless `writable`. */
  mounts?: DockerMount[];
  /** Environment variables for the REPLs. */
  env?: Record<string, string>;
  /** Folder holding the prelude package `rlmtree_prelude/` in the image (default `/opt/rlmtree`). */
  preludeDir?: string;
  /** Started REPL processes kept ready for the next agent (default 2; 0 turns the pool off). Unused while the fork server runs. */
  poolSize?: number;
  /**
   * With `containerPer: 'runtime'` and a daemon on this machine: start REPLs by forking a fork
   * server inside the container (a Unix socket in a bind-mounted host folder) instead of a
   * `docker exec` each, and let them take live snapshots (default true; a remote daemon, or a
   * server that cannot be reached, falls back to `docker exec`). See docs/docker-runtime.md.
   */
  forkServer?: boolean;
  /** With the fork server: modules it imports before it forks (as `SubprocessRuntime`'s `preImports`). Default: none. */
  preImports?: string[];
  /** After a timeout's interrupt, ms the cell gets before the REPL is killed (default 2000). */
  interruptGraceMs?: number;
  /** Extra `docker run` flags, added after the ones above (e.g. `['--runtime', 'runsc']`). */
  extraRunArgs?: string[];
  /**
   * Pass big contexts (64 K chars and more) to REPLs as files in a host temp folder bind-mounted
   * read-only at `CONTAINER_CONTEXT_DIR` (`/opt/rlmtree-contexts`), instead of inline in the `init` message (JSON). Default:
   * true, unless `DOCKER_HOST` names another machine (`tcp://`, `ssh://`), whose daemon cannot
   * mount this host's folders (`daemonIsLocal`). See docs/big-contexts.md.
   */
  contextFiles?: boolean;
}

/** The image used when none is given. */
export function defaultDockerImage(): string {
  return process.env.RLMTREE_DOCKER_IMAGE || 'rlmtree-python:latest';
}

/** Where the docker runtime mounts its context files folder in the container (`contextFiles`). */
export const CONTAINER_CONTEXT_DIR = '/opt/rlmtree-contexts';

/** Options with every default filled in. */
export type ResolvedDockerOptions = Required<Omit<DockerRuntimeOptions, 'env' | 'mounts' | 'extraRunArgs'>> &
  Pick<Required<DockerRuntimeOptions>, 'env' | 'mounts' | 'extraRunArgs'>;

const SIZE = /^\d+(\.\d+)?[bkmg]?$/i;

/**
 * Fills in defaults and checks the options.
 * @throws Error naming the option when a value is malformed (a size, a relative mount path, a limit below 1).
 */
export function resolveDockerOptions(options: DockerRuntimeOptions = {}): ResolvedDockerOptions {
  const r: ResolvedDockerOptions = {
    image: options.image || defaultDockerImage(),
    docker: options.docker ?? 'docker',
    containerPer: options.containerPer ?? 'runtime',
    network: options.network ?? 'none',
    memory: options.memory ?? '1g',
    cpus: options.cpus ?? 1,
    pidsLimit: options.pidsLimit ?? 256,
    readOnlyRoot: options.readOnlyRoot ?? true,
    ipc: options.ipc ?? 'none',
    workDir: options.workDir ?? '/work',
    tmpfsSize: options.tmpfsSize ?? '256m',
    user: options.user ?? '1000:1000',
    noNewPrivileges: options.noNewPrivileges ?? true,
    dropCapabilities: options.dropCapabilities ?? true,
    mounts: options.mounts ?? [],
    env: options.env ?? {},
    preludeDir: options.preludeDir ?? '/opt/rlmtree',
    poolSize: options.poolSize ?? 2,
    forkServer: options.forkServer ?? true,
    preImports: options.preImports ?? [],
    interruptGraceMs: options.interruptGraceMs ?? 2000,
    extraRunArgs: options.extraRunArgs ?? [],
    contextFiles: options.contextFiles ?? daemonIsLocal(),
  };
  const bad = (what: string, value: unknown, want: string) => new Error(`DockerRuntime: option ${what} is ${JSON.stringify(value)}; expected ${want}`);
  if (r.containerPer !== 'runtime' && r.containerPer !== 'agent') throw bad('containerPer', r.containerPer, '"runtime" or "agent"');
  if (r.ipc !== 'none' && r.ipc !== 'private') throw bad('ipc', r.ipc, '"none" or "private"');
  if (!SIZE.test(r.memory)) throw bad('memory', r.memory, 'a size such as "512m" or "1g"');
  if (!SIZE.test(r.tmpfsSize)) throw bad('tmpfsSize', r.tmpfsSize, 'a size such as "256m"');
  if (!(r.cpus > 0)) throw bad('cpus', r.cpus, 'a number above 0');
  if (!Number.isInteger(r.pidsLimit) || r.pidsLimit < 8) throw bad('pidsLimit', r.pidsLimit, 'an integer of at least 8');
  if (!Number.isInteger(r.poolSize) || r.poolSize < 0) throw bad('poolSize', r.poolSize, 'an integer of at least 0');
  if (!r.workDir.startsWith('/')) throw bad('workDir', r.workDir, 'an absolute path in the container');
  r.mounts.forEach((m, i) => {
    if (!isAbsolute(m.host)) throw bad(`mounts[${i}].host`, m.host, 'an absolute host path');
    if (!m.container.startsWith('/')) throw bad(`mounts[${i}].container`, m.container, 'an absolute path in the container');
    if (/[,=]/.test(m.host + m.container)) throw bad(`mounts[${i}]`, m, 'paths without "," or "="');
  });
  return r;
}

/** The isolation flags of `docker run` for these options (no image, no command). */
export function isolationArgs(o: ResolvedDockerOptions): string[] {
  const args = ['--network', o.network, '--memory', o.memory, '--memory-swap', o.memory, '--cpus', String(o.cpus), '--pids-limit', String(o.pidsLimit), '--user', o.user];
  if (o.readOnlyRoot) args.push('--read-only');
  args.push('--ipc', o.ipc);
  // uid/gid of the tmpfs follow the user so a non-root agent can write its work folder.
  const [uid, gid = uid] = o.user.split(':');
  const owner = /^\d+$/.test(uid ?? '') && /^\d+$/.test(gid ?? '') ? `,uid=${uid},gid=${gid}` : '';
  args.push('--tmpfs', `${o.workDir}:rw,nosuid,nodev,size=${o.tmpfsSize},mode=0700${owner}`);
  if (o.workDir !== '/tmp') args.push('--tmpfs', `/tmp:rw,nosuid,nodev,size=${o.tmpfsSize},mode=1777`);
  args.push('--workdir', o.workDir);
  if (o.noNewPrivileges) args.push('--security-opt', 'no-new-privileges');
  if (o.dropCapabilities) args.push('--cap-drop', 'ALL');
  for (const m of o.mounts) args.push('--mount', `type=bind,source=${m.host},target=${m.container}${m.writable ? '' : ',readonly'}`);
  // A fixed hash seed, as in the subprocess runtime: a REPL rebuilt from the record (fork, rewind,
  // crash) iterates sets in the same order, so replayed cells ask for the same host calls.
  args.push('--env', 'PYTHONIOENCODING=utf-8', '--env', 'PYTHONDONTWRITEBYTECODE=1', '--env', 'PYTHONHASHSEED=0');
  for (const [k, v] of Object.entries(o.env)) args.push('--env', `${k}=${v}`); // after ours: the user's win
  args.push(...o.extraRunArgs);
  return args;
}

/**
 * The command that starts a REPL in the container: python3 imports the prelude from the image
 * and serves the protocol on stdin/stdout. It must lead its process group so killing the REPL
 * also kills whatever its code forked (a fork bomb); `docker exec` already makes it a session
 * leader (where setpgid would fail), other engines may not. `-s` and the replaced `sys.path[0]`
 * keep files agents wrote in the work folder from shadowing the standard library.
 */
export function replCommand(o: ResolvedDockerOptions): string[] {
  const boot = `import os, sys; os.getpgid(0) == os.getpid() or os.setpgid(0, 0); sys.path[0] = ${JSON.stringify(o.preludeDir)}; import rlmtree_prelude; rlmtree_prelude.serve_stdio()`;
  return ['python3', '-s', '-B', '-X', 'utf8', '-u', '-c', boot];
}
