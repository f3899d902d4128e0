import Docker from 'dockerode';
import { describe, expect, it } from 'vitest';
import { removeOrphanedHelpers } from '../../src/engine/containers';
import { buildStandIn, docker, STAND_IN_TAG } from '../helpers/docker-cli';
import { requireEngine } from '../helpers/requirements';

describe.runIf(requireEngine())('helper containers left by a process that ended (real engine)', () => {
  it('are removed; run containers and containers of others are kept', async () => {
    buildStandIn();
    const create = (labels: string[]) => docker(['create', ...labels.flatMap((l) => ['--label', l]), STAND_IN_TAG, '-v']).stdout.trim();
    const helper = create(['org.aucmedi-desk.app=aucmedi-desk', 'org.aucmedi-desk.purpose=version', 'orphans-test=1']);
    const run = create(['org.aucmedi-desk.app=aucmedi-desk', 'org.aucmedi-desk.purpose=run', 'orphans-test=1']);
    const foreign = create(['orphans-test=1']);
    try {
      const engine = new Docker({ socketPath: '/var/run/docker.sock' });
      // a fresh helper may belong to a process still using it: kept
      expect(await removeOrphanedHelpers(engine)).toBe(0);
      expect(docker(['ps', '-a', '-q', '--no-trunc', '--filter', 'label=orphans-test=1']).stdout).toContain(helper);
      // an hour later it is an orphan
      const removed = await removeOrphanedHelpers(engine, 45 * 60_000, Date.now() + 60 * 60_000);
      expect(removed).toBeGreaterThanOrEqual(1);
      const left = docker(['ps', '-a', '-q', '--no-trunc', '--filter', 'label=orphans-test=1']).stdout;
      expect(left).not.toContain(helper);
      expect(left).toContain(run);
      expect(left).toContain(foreign);
    } finally {
      docker(['rm', '-f', helper, run, foreign], { allowFail: true });
    }
  });
});
