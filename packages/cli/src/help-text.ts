/** Text shared by the commands' `--help`: the model specs, the environment variables, examples. */

/** What `--model` accepts. */
export const MODEL_HELP = 'scripted:<file> (fixed replies, no key), openai:<model>, anthropic:<model>';

/** The environment variables the CLI reads, and what for. */
export const ENVIRONMENT: readonly [name: string, what: string][] = [
  ['OPENAI_API_KEY', 'key for openai:<model>'],
  ['OPENAI_BASE_URL', 'an OpenAI-compatible server (vLLM, Ollama, llama.cpp), e.g. http://localhost:8000/v1'],
  ['ANTHROPIC_API_KEY', 'key for anthropic:<model>'],
  ['ANTHROPIC_BASE_URL', 'another Anthropic API endpoint'],
  ['JUPYTER_TOKEN', 'token for --runtime jupyter=<url>'],
  ['RLMTREE_DOCKER_IMAGE', 'image for --runtime docker (default rlmtree-python:latest)'],
  ['DOCKER_HOST', 'the Docker daemon for --runtime docker'],
  ['RLMTREE_PYTHON_DIR', "a folder holding the packages' python/ files (bundled installs)"],
];

/** The `after` help text of a command: its examples, the environment variables, where the docs are. */
export function commandHelp(command: string, examples: string[], extraEnv: readonly [string, string][] = []): string {
  const env = [...ENVIRONMENT, ...extraEnv];
  const width = Math.max(...env.map(([n]) => n.length));
  return [
    '',
    'Examples:',
    ...examples.map((e) => `  ${e}`),
    '',
    'Environment:',
    ...env.map(([n, w]) => `  ${n.padEnd(width)}  ${w}`),
    '',
    `Exit codes: 0 answered, 1 error (input, model, runtime), 2 usage, 3 no answer, 130 interrupted (docs/cli.md). More: rlmtree ${command} --help, docs/cli.md`,
  ].join('\n');
}
