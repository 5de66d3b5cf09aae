import { JupyterRuntime } from '@rlmtree/runtime-jupyter';
import { describeRuntimeConformance } from '@rlmtree/kit';

// A real local jupyter-server with ipykernel (scripts/ci/30-jupyter.sh installs them).
describeRuntimeConformance('jupyter', () => new JupyterRuntime({ poolSize: 2, interruptGraceMs: 1000 }));
