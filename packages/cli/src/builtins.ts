/**
 * The runtimes and providers the `rlmtree` command ships with, as one plugin. Each `create`
 * imports its package only when a run asks for it, so `--runtime subprocess` never loads the
 * Jupyter client and `--model scripted:…` never loads an SDK.
 */
import { definePlugin } from '@rlmtree/core';
import { checkBaseUrl, checkDocker, checkPython } from './runtime-checks.ts';
import { CliError } from './errors.ts';
import { loadScriptFile } from './script-file.ts';

/** The built-in plugin (added first: a plugin may replace any of these by name). */
export const builtins = definePlugin({
  name: 'rlmtree (built in)',
  runtimes: [
    {
      name: 'subprocess',
      description: 'python3 REPLs forked from a warm server; the default; not a sandbox',
      create: async () => {
        await checkPython();
        return new (await import('@rlmtree/runtime-python')).SubprocessRuntime();
      },
    },
    {
      // `docker=<image>`; without one, $RLMTREE_DOCKER_IMAGE or rlmtree-python:latest (docs/docker-runtime.md).
      name: 'docker',
      description: 'docker[=<image>]: python3 in containers, no network, memory/CPU limits, read-only root',
      create: async (image) => {
        const { DockerRuntime, defaultDockerImage } = await import('@rlmtree/runtime-python');
        await checkDocker(image || defaultDockerImage());
        return new DockerRuntime(image ? { image } : {});
      },
    },
    {
      // `jupyter` starts the kernels itself, no server, ZeroMQ to each (a local jupyter server when
      // the zeromq package is missing); `jupyter=direct` insists on that; `jupyter=server` always
      // starts a local server; `jupyter=<url>` uses a running one, token from $JUPYTER_TOKEN (docs/jupyter.md).
      name: 'jupyter',
      description:
        'jupyter[=<url>]: a kernel per agent, started locally and spoken to over ZeroMQ (a local Jupyter server when the zeromq package is missing), or on the server at <url> (token from $JUPYTER_TOKEN); jupyter=direct: no server or fail; jupyter=server: always a local server',
      create: async (arg) => new (await import('@rlmtree/runtime-jupyter')).JupyterRuntime(arg === 'direct' ? { direct: true } : arg === 'server' ? { direct: false } : arg ? { url: arg } : {}),
    },
    {
      name: 'pyodide',
      description: 'CPython in WebAssembly in a worker thread per agent: no host files or network (docs/pyodide-runtime.md)',
      create: async () => new (await import('@rlmtree/runtime-pyodide')).PyodideRuntime(),
    },
  ],
  providers: [
    {
      // For the workers of `rlmtree bench --workers` with `--model scripted`: the same policies.
      prefix: 'bench',
      description: "the bench's scripted policies: bench:<task> (root), bench:sub (sub-model), bench:baseline",
      create: async (which) => {
        const { scriptedModels, taskByName } = await import('@rlmtree/bench');
        if (which === 'sub') return scriptedModels('s-niah').subModel;
        if (which === 'baseline') return scriptedModels('s-niah').baselineLlm;
        return scriptedModels(taskByName(which).name).llm;
      },
    },
    { prefix: 'scripted', description: 'canned replies from a .json or .js script file (scripted:<file>)', create: (file) => loadScriptFile(file) },
    {
      // Key from OPENAI_API_KEY; OPENAI_BASE_URL for any OpenAI-compatible server (vLLM, Ollama, llama.cpp).
      prefix: 'openai',
      description: 'OpenAI or an OpenAI-compatible server (openai:<model>, $OPENAI_API_KEY, $OPENAI_BASE_URL)',
      create: async (model, options) => {
        checkBaseUrl('OPENAI_BASE_URL');
        // A local OpenAI-compatible server (vLLM, Ollama…) often needs no key; OpenAI itself does.
        if (!process.env.OPENAI_API_KEY && !process.env.OPENAI_BASE_URL) throw new CliError(`openai:${model} needs OPENAI_API_KEY (or OPENAI_BASE_URL naming an OpenAI-compatible server)`);
        return new (await import('@rlmtree/openai')).OpenAIClient({ model, ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}) });
      },
    },
    {
      prefix: 'anthropic',
      description: 'Anthropic Messages API (anthropic:<model>, $ANTHROPIC_API_KEY, $ANTHROPIC_BASE_URL)',
      create: async (model, options) => {
        checkBaseUrl('ANTHROPIC_BASE_URL');
        if (!process.env.ANTHROPIC_API_KEY) throw new CliError(`anthropic:${model} needs ANTHROPIC_API_KEY`);
        return new (await import('@rlmtree/anthropic')).AnthropicClient({ model, ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}) });
      },
    },
  ],
});
