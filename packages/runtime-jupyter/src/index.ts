/** `@rlmtree/runtime-jupyter`: agents' REPLs in Jupyter kernels, local or on a remote server. */
export { JupyterRuntime, type JupyterRuntimeOptions } from './jupyter-runtime.ts';
export { KernelRepl, type KernelReplOptions } from './kernel-repl.ts';
export { KernelChannel, KernelDiedError, type KernelChannelOptions, type ExecuteHandlers, type WireMessage } from './kernel-channel.ts';
export { LocalJupyterServer, SERVER_CONFIG_PATH, type LocalServerOptions } from './local-server.ts';
export { startPreludeKernel, type PreludeKernel } from './prelude-kernel.ts';
export { startKernel, interruptKernel, shutdownKernel } from './kernel-rest.ts';
export { serverInfo, type JupyterServerInfo } from './server-info.ts';
