/** `@rlmtree/runtime-python`: the Python prelude and protocol, and the subprocess runtime. */
export { PRELUDE_DIR, FORK_SERVER_PATH, JUPYTER_TRANSPORT_PATH, preludeSources } from './prelude-path.ts';
export { SubprocessRuntime, type SubprocessRuntimeOptions } from './subprocess-runtime.ts';
export { DockerRuntime, defaultDockerImage, type ContainerPer, type DockerMount, type DockerRuntimeOptions } from './docker-runtime.ts';
export { ForkServer, DEFAULT_SPARES } from './fork-server.ts';
export { ContextFiles, CONTEXT_FILE_MIN_CHARS, type ContextFilesOptions, type ContextPart } from './context-files.ts';
export { ContextServers, CONTEXT_SHARE_MIN_BYTES, DEFAULT_CONTEXT_SERVERS } from './context-servers.ts';
