import assert from 'node:assert/strict';
import { configFromInspect } from '../../../src/core/image';

describe('image config from docker image inspect (the export path has no config blob)', () => {
  it('keeps the fields the config blob has, and leaves out the empty ones docker inspect fills with null or ""', () => {
    const config = configFromInspect({
      Id: 'sha256:abc',
      Os: 'linux',
      Architecture: 'arm',
      Variant: 'v7',
      Created: '2026-11-23T20:22:43.981214948Z',
      Config: {
        Entrypoint: null,
        Cmd: ['/bin/app', '--serve'],
        Env: ['PATH=/bin', 'LD_LIBRARY_PATH=/opt/lib'],
        WorkingDir: '',
        User: '',
        Labels: null,
        ExposedPorts: { '8080/tcp': {} },
      },
      RootFS: { Type: 'layers', Layers: ['sha256:1', 'sha256:2'] },
    });
    assert.deepEqual(config, {
      architecture: 'arm',
      os: 'linux',
      variant: 'v7',
      created: '2026-11-23T20:22:43.981214948Z',
      config: {
        Cmd: ['/bin/app', '--serve'],
        Env: ['PATH=/bin', 'LD_LIBRARY_PATH=/opt/lib'],
        ExposedPorts: { '8080/tcp': {} },
      },
      rootfs: { type: 'layers', diff_ids: ['sha256:1', 'sha256:2'] },
    });
  });

  it('an image inspected without a config (docker import) or with odd values still gives an object the check can read', () => {
    assert.deepEqual(configFromInspect({ Os: 'linux', Architecture: 'amd64', Config: null }), {
      architecture: 'amd64',
      os: 'linux',
      config: {},
      rootfs: { type: 'layers', diff_ids: [] },
    });
    assert.deepEqual(configFromInspect({ RootFS: { Layers: ['sha256:1', 7, null] } }).rootfs, {
      type: 'layers',
      diff_ids: ['sha256:1'],
    });
  });
});
