import { DockerRuntime } from '@rlmtree/runtime-python';
import { describeRuntimeConformance } from '@rlmtree/kit';
import { needs, skipNote } from '../helpers/parts.ts';
import { describe } from 'vitest';

const missing = needs('docker');
describe.skipIf(missing)(`docker${skipNote(missing)}`, () => {
  // Against the real daemon (scripts/ci/40-docker.sh starts one and builds the image).
  describeRuntimeConformance('docker', () => new DockerRuntime({ interruptGraceMs: 1000 }));
  describeRuntimeConformance('docker, a container per agent', () => new DockerRuntime({ containerPer: 'agent', poolSize: 1, interruptGraceMs: 1000 }));
});
