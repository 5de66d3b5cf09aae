import { describe, expect, it } from 'vitest';
import { isolationArgs, replCommand, resolveDockerOptions } from './docker-options.ts';

/** The value following `flag` in `args` (every occurrence). */
const valuesOf = (args: string[], flag: string) => args.flatMap((a, i) => (a === flag ? [args[i + 1]!] : []));

describe('docker options', () => {
  it('isolates by default: no network, limits, read-only root, non-root, no privileges, no mounts', () => {
    const args = isolationArgs(resolveDockerOptions({ image: 'img' }));
    expect(valuesOf(args, '--network')).toEqual(['none']);
    expect(valuesOf(args, '--memory')).toEqual(['1g']);
    expect(valuesOf(args, '--memory-swap')).toEqual(['1g']); // no swap beyond the limit
    expect(valuesOf(args, '--pids-limit')).toEqual(['256']);
    expect(valuesOf(args, '--cpus')).toEqual(['1']);
    expect(args).toContain('--read-only');
    expect(valuesOf(args, '--user')).toEqual(['1000:1000']);
    expect(valuesOf(args, '--security-opt')).toEqual(['no-new-privileges']);
    expect(valuesOf(args, '--cap-drop')).toEqual(['ALL']);
    expect(valuesOf(args, '--mount')).toEqual([]);
    expect(valuesOf(args, '--tmpfs')[0]).toMatch(/^\/work:rw,.*size=256m,.*uid=1000,gid=1000/);
  });

  it('turns each knob into its flag', () => {
    const o = resolveDockerOptions({
      network: 'bridge',
      memory: '2g',
      cpus: 0.5,
      pidsLimit: 64,
      readOnlyRoot: false,
      noNewPrivileges: false,
      dropCapabilities: false,
      user: '1234',
      mounts: [
        { host: '/srv/in', container: '/in' },
        { host: '/srv/out', container: '/out', writable: true },
      ],
      env: { A: '1' },
      extraRunArgs: ['--runtime', 'runsc'],
    });
    const args = isolationArgs(o);
    expect(valuesOf(args, '--network')).toEqual(['bridge']);
    expect(valuesOf(args, '--memory')).toEqual(['2g']);
    expect(valuesOf(args, '--cpus')).toEqual(['0.5']);
    expect(valuesOf(args, '--pids-limit')).toEqual(['64']);
    expect(args).not.toContain('--read-only');
    expect(args).not.toContain('--security-opt');
    expect(args).not.toContain('--cap-drop');
    expect(valuesOf(args, '--tmpfs')[0]).toMatch(/uid=1234,gid=1234/);
    expect(valuesOf(args, '--mount')).toEqual(['type=bind,source=/srv/in,target=/in,readonly', 'type=bind,source=/srv/out,target=/out']);
    expect(valuesOf(args, '--env')).toContain('A=1');
    expect(args.slice(-2)).toEqual(['--runtime', 'runsc']);
  });

  it('names the bad option in one line', () => {
    expect(() => resolveDockerOptions({ memory: 'lots' })).toThrow(/^DockerRuntime: option memory is "lots"; expected a size/);
    expect(() => resolveDockerOptions({ pidsLimit: 0 })).toThrow(/option pidsLimit is 0/);
    expect(() => resolveDockerOptions({ cpus: -1 })).toThrow(/option cpus is -1/);
    expect(() => resolveDockerOptions({ containerPer: 'node' as never })).toThrow(/option containerPer/);
    expect(() => resolveDockerOptions({ mounts: [{ host: 'data', container: '/data' }] })).toThrow(/option mounts\[0\]\.host is "data"; expected an absolute host path/);
    expect(() => resolveDockerOptions({ mounts: [{ host: '/a,b', container: '/data' }] })).toThrow(/mounts\[0\]/);
  });

  it('uses $RLMTREE_DOCKER_IMAGE when no image is given', () => {
    const saved = process.env.RLMTREE_DOCKER_IMAGE;
    process.env.RLMTREE_DOCKER_IMAGE = 'from-env:1';
    try {
      expect(resolveDockerOptions().image).toBe('from-env:1');
      expect(resolveDockerOptions({ image: 'given:2' }).image).toBe('given:2');
    } finally {
      if (saved === undefined) delete process.env.RLMTREE_DOCKER_IMAGE;
      else process.env.RLMTREE_DOCKER_IMAGE = saved;
    }
  });

  it('starts the prelude from the configured folder', () => {
    const cmd = replCommand(resolveDockerOptions({ preludeDir: '/opt/x' }));
    expect(cmd[0]).toBe('python3');
    expect(cmd.at(-1)).toContain('sys.path[0] = "/opt/x"');
    expect(cmd.at(-1)).toContain('serve_stdio()');
  });
});
