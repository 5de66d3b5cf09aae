import { JupyterRuntime } from '@rlmtree/runtime-jupyter';
import { describeRuntimeConformance } from '@rlmtree/kit';
import { needs, skipNote } from '../helpers/parts.ts';
import { describe } from 'vitest';

const missing = needs('jupyter');
describe.skipIf(missing)(`jupyter${skipNote(missing)}`, () => {
  // A real local jupyter-server with ipykernel (scripts/ci/30-jupyter.sh installs them).
  describeRuntimeConformance('jupyter server', () => new JupyterRuntime({ poolSize: 2, interruptGraceMs: 1000, direct: false }));
  // No server (the local default): the runtime starts ipykernel from its kernel spec and speaks ZeroMQ to it.
  describeRuntimeConformance('jupyter direct', () => new JupyterRuntime({ poolSize: 2, interruptGraceMs: 1000, direct: true }));
});
