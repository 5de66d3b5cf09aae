import { SubprocessRuntime } from '@rlmtree/runtime-python';
import { describeRuntimeConformance } from '@rlmtree/kit';

describeRuntimeConformance('subprocess', () => new SubprocessRuntime({ interruptGraceMs: 1000 }));
