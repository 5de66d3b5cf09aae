import { PyodideRuntime } from '@rlmtree/runtime-pyodide';
import { describeRuntimeConformance } from '@rlmtree/kit';

// CPython in WebAssembly in worker threads (the `pyodide` npm package ships it: nothing to install).
describeRuntimeConformance('pyodide', () => new PyodideRuntime({ interruptGraceMs: 1000, poolSize: 3 }), { testMs: 180_000 });
