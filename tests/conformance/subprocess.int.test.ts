import { SubprocessRuntime } from '@rlmtree/runtime-python';
import { describeRuntimeConformance } from '@rlmtree/kit';

describeRuntimeConformance('subprocess', () => new SubprocessRuntime({ interruptGraceMs: 1000 }));
// Without the fork server each REPL runs under its guard process (rlmtree_reaper.py), which passes
// interrupts on and turns the host's kill into a sweep: the same contract must hold.
describeRuntimeConformance('subprocess without the fork server', () => new SubprocessRuntime({ fork: false, interruptGraceMs: 1000 }));
