import { SubprocessRuntime } from '@rlmtree/runtime-python';
import { describeRuntimeConformance } from './runtime-conformance.ts';

describeRuntimeConformance('subprocess', () => new SubprocessRuntime({ interruptGraceMs: 1000 }));
