/**
 * The Setup page's list of engines (issue 15), against real engines, no mocks: this computer's, and
 * a "hospital GPU server" (test/helpers/remote-engine.ts: a second dockerd in a mount namespace of
 * its own, behind TLS on 127.0.0.1 and an sshd) added in the window over SSH and over TLS. An
 * unknown host key is shown by its fingerprint and accepted only when the user restates it.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { closeSshConnections } from '../../src/engine/client';
import { appKnownHostsFile } from '../../src/engine/engines';
import { STAND_IN_TAG } from '../helpers/docker-cli';
import { requireRemoteEngineTools, startRemoteEngine, type RemoteEngine } from '../helpers/remote-engine';
import { requireBuild, requireChromium, requireEngine, requireRoot } from '../helpers/requirements';
import { requireDockerd } from '../helpers/second-engine';
import { appSession, chooseEngineTlsFiles } from './harness';

const ready = requireRoot('start a second dockerd and sshd') && requireDockerd() && requireRemoteEngineTools() && requireEngine() && requireChromium() && requireBuild();

describe.runIf(ready)('Setup page: every engine, with servers added over SSH and TLS (real UI in Chromium, real core, a real second engine)', () => {
  let remote: RemoteEngine | undefined;
  /** The app's data folder (known_hosts) and the user's home: the test's own, not this machine's. */
  const ctx = (dir: string) => ({ env: { AUCMEDI_DESK_HOME: path.join(dir, 'app') }, platform: 'linux' as const, homedir: path.join(dir, 'home') });
  const session = appSession({
    core: (dir) => ({ env: ctx(dir).env, homedir: ctx(dir).homedir, username: 'nobody' }),
    prepare: async () => {
      mkdirSync(path.join(session.dir, 'home', '.ssh'), { recursive: true });
      remote = await startRemoteEngine();
      // with the image in use there, the server's rows can say whether it sees this computer's files
      await remote.engine.loadFromMainEngine(STAND_IN_TAG);
    },
  });
  afterAll(async () => {
    closeSshConnections();
    await remote?.cleanup();
  });

  const { dir, dataDir, dialogs } = session;
  const page = () => session.app.page;
  const server = () => remote!;
  const row = (name: string) => page().locator(`[data-testid="engine-row"][data-engine-name="${name}"]`);
  const waitForState = (name: string, text: string, timeout = 60_000) => row(name).getByTestId('engine-row-state').filter({ hasText: text }).waitFor({ timeout });
  /** What `ssh-keygen -l` says a host key is: the figure IT reads on the server. */
  const fingerprintOf = (file: string) => spawnSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', path.join(path.dirname(server().ssh.identityFile), file)], { encoding: 'utf8' }).stdout.split(/\s+/)[1]!;
  const storedEngines = () => (JSON.parse(readFileSync(path.join(dataDir, 'settings.json'), 'utf8')) as { engines: { name: string }[] }).engines.map((entry) => entry.name);
  const knownHosts = () => appKnownHostsFile(ctx(dir));

  const setLanguage = async (language: 'de' | 'en') => {
    await page().getByTestId('language-select').selectOption(language);
    await page().getByTestId('nav-setup').filter({ hasText: language === 'de' ? 'Einrichtung' : 'Setup' }).waitFor({ timeout: 5_000 });
  };
  /** Elements of the card whose text does not fit (as test/e2e/languages.test.ts checks every page). */
  const cutOff = () =>
    page().evaluate(() => {
      const found: string[] = [];
      const width = document.documentElement.clientWidth;
      if (document.documentElement.scrollWidth > width + 1) found.push(`the page is ${document.documentElement.scrollWidth}px wide in a ${width}px window`);
      for (const element of document.querySelectorAll<HTMLElement>('[data-testid="engines-card"] *')) {
        if (element.closest('svg, pre, code') || element.getClientRects().length === 0) continue;
        const rect = element.getBoundingClientRect();
        if (rect.width <= 1 || rect.height <= 1) continue;
        const style = getComputedStyle(element);
        if (style.display === 'inline' || style.display === 'contents') continue;
        const clips = style.overflowX === 'hidden' || style.overflowX === 'clip' || style.textOverflow === 'ellipsis';
        const tooWide = element.scrollWidth > element.clientWidth + 1;
        const isControl = /^(BUTTON|SELECT|LABEL|SUMMARY|DT|DD|H2|H3|INPUT)$/.test(element.tagName);
        const name = `${element.tagName.toLowerCase()}${element.dataset.testid ? `[${element.dataset.testid}]` : ''} "${(element.textContent ?? '').trim().slice(0, 60)}"`;
        if (tooWide && (clips || (isControl && element.tagName !== 'INPUT'))) found.push(`${name}: text needs ${element.scrollWidth}px, has ${element.clientWidth}px`);
        if (rect.right > width + 1) found.push(`${name}: reaches ${Math.round(rect.right)}px in a ${width}px window`);
      }
      return found;
    });

  it("lists this computer's engine first: ready, and it sees this computer's folders", async () => {
    await page().getByTestId('nav-setup').click();
    await page().getByTestId('engines-card').waitFor({ timeout: 30_000 });
    await waitForState('local', 'Ready');
    expect(await page().getByTestId('engine-row').first().getAttribute('data-engine-name')).toBe('local');
    await row('local').getByTestId('engine-row-files').filter({ hasText: "sees this computer's folders" }).waitFor({ timeout: 60_000 });
    expect(await row('local').getByTestId('engine-remove').count()).toBe(0);
  }, 120_000);

  it('adds a server over SSH: its unknown host key is shown; a wrong fingerprint is refused, the right one makes it ready', async () => {
    const right = fingerprintOf('host_key.pub');
    const wrong = fingerprintOf('changed_host_key.pub');
    expect(right).toMatch(/^SHA256:/);
    expect(wrong).not.toBe(right);

    await page().getByTestId('engine-add-name').fill('gpu-ssh');
    await page().getByTestId('engine-add-url').fill(server().sshUrl);
    dialogs.openQueue.push(server().ssh.identityFile);
    await page().getByTestId('engine-add-identity-choose').click();
    await expect.poll(() => page().getByTestId('engine-add-identity').inputValue()).toBe(server().ssh.identityFile);
    await page().getByTestId('engine-add-submit').click();

    await waitForState('gpu-ssh', 'Server not known yet');
    expect(storedEngines()).toEqual(['gpu-ssh']);
    const hostKey = row('gpu-ssh').getByTestId('engine-host-key');
    expect(await hostKey.getByTestId('engine-host-key-fingerprint').textContent()).toBe(right);
    expect(await hostKey.textContent()).toContain(`[127.0.0.1]:${server().sshPort}`);
    expect(await row('gpu-ssh').getByTestId('engine-row-problem').textContent()).toMatch(/is not known to this computer yet/);
    // never filled in for the user, and nothing to accept until something is typed
    const input = row('gpu-ssh').getByTestId('engine-trust-input');
    const accept = row('gpu-ssh').getByTestId('engine-trust-submit');
    expect(await input.inputValue()).toBe('');
    expect(await accept.isDisabled()).toBe(true);
    await session.app.screenshot('setup-engines-host-key');
    expect(await cutOff()).toEqual([]);
    await setLanguage('de');
    await waitForState('gpu-ssh', 'Server noch unbekannt', 5_000);
    await session.app.screenshot('lang-de-setup-engines-host-key');
    expect(await cutOff()).toEqual([]);
    await setLanguage('en');

    await input.fill(wrong);
    await accept.click();
    const refused = row('gpu-ssh').getByTestId('engine-trust-error');
    await refused.waitFor({ timeout: 30_000 });
    expect(await refused.textContent()).toContain(`not ${wrong}: nothing was accepted`);
    expect(existsSync(knownHosts())).toBe(false);
    expect(await row('gpu-ssh').getByTestId('engine-row-state').textContent()).toBe('Server not known yet');

    await input.fill(right);
    await accept.click();
    await waitForState('gpu-ssh', 'Ready');
    expect(await row('gpu-ssh').getByTestId('engine-host-key').count()).toBe(0);
    expect(readFileSync(knownHosts(), 'utf8').trim()).toBe(server().ssh.hostKeyLine);
    // what was typed went to the core, each time
    expect(session.app.invocations.filter((call) => call.channel === 'engines:trust-host-key').map((call) => call.request)).toEqual([
      { name: 'gpu-ssh', fingerprint: wrong },
      { name: 'gpu-ssh', fingerprint: right },
    ]);
    expect(await row('gpu-ssh').getByTestId('engine-row-version').textContent()).toBe(server().engine.docker(['version', '--format', '{{.Server.Version}}']).stdout);
    await row('gpu-ssh').getByTestId('engine-row-files').filter({ hasText: "has its own files: a run's data will be sent to it" }).waitFor({ timeout: 60_000 });
  }, 180_000);

  it('refuses a name already in use, and says so', async () => {
    await page().getByTestId('engine-add-name').fill('gpu-ssh');
    await page().getByTestId('engine-add-url').fill(server().sshUrl);
    await page().getByTestId('engine-add-submit').click();
    await page().getByTestId('engine-add-error').waitFor({ timeout: 10_000 });
    expect(await page().getByTestId('engine-add-error').textContent()).toContain('gpu-ssh');
    expect(storedEngines()).toEqual(['gpu-ssh']);
    await page().getByTestId('engine-add-name').fill('');
    await page().getByTestId('engine-add-url').fill('');
  });

  it('adds a server over TLS with its three files: ready, with its own files', async () => {
    await page().getByTestId('engine-add-name').fill('gpu-tls');
    await page().getByTestId('engine-add-url').fill(server().tlsUrl);
    // verification cannot be left out: nothing to add until the three files are there
    expect(await page().getByTestId('engine-add-submit').isDisabled()).toBe(true);
    await chooseEngineTlsFiles(page(), dialogs, server().certs);
    await page().getByTestId('engine-add-submit').click();
    await waitForState('gpu-tls', 'Ready');
    expect(await page().getByTestId('engine-add-error').count()).toBe(0);
    expect(storedEngines()).toEqual(['gpu-ssh', 'gpu-tls']);
    expect(await row('gpu-tls').getByTestId('engine-row-url').textContent()).toBe(server().tlsUrl);
    await row('gpu-tls').getByTestId('engine-row-files').filter({ hasText: "has its own files: a run's data will be sent to it" }).waitFor({ timeout: 60_000 });
    // the form is empty again for the next one
    expect(await page().getByTestId('engine-add-name').inputValue()).toBe('');
  }, 180_000);

  it('shows every engine ready, in English and in German, with nothing cut off', async () => {
    expect(await page().getByTestId('engine-row').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-engine-name')))).toEqual(['local', 'gpu-ssh', 'gpu-tls']);
    for (const name of ['local', 'gpu-ssh', 'gpu-tls']) await waitForState(name, 'Ready');
    await page().waitForTimeout(300);
    await session.app.screenshot('setup-engines');
    expect(await cutOff()).toEqual([]);

    await setLanguage('de');
    for (const name of ['local', 'gpu-ssh', 'gpu-tls']) await waitForState(name, 'Bereit', 5_000);
    expect(await row('gpu-tls').getByTestId('engine-row-files').textContent()).toBe('hat eigene Dateien: Die Daten eines Laufs werden an ihn gesendet');
    await page().waitForTimeout(300);
    await session.app.screenshot('lang-de-setup-engines');
    expect(await cutOff()).toEqual([]);

    await setLanguage('en');
  });

  it("offers a context of the docker command for import, and imports it with the docker CLI's copies of its certificates", async () => {
    const config = path.join(ctx(dir).homedir, '.docker');
    const made = spawnSync('docker', ['context', 'create', 'radiology', '--docker', `host=${server().tlsUrl.replace('127.0.0.1', 'localhost')},ca=${server().certs.ca},cert=${server().certs.cert},key=${server().certs.key}`], { encoding: 'utf8', env: { ...process.env, DOCKER_CONFIG: config } });
    expect(made.status, made.stderr).toBe(0);
    await page().getByTestId('nav-dataset').click();
    await page().getByTestId('nav-setup').click();
    const offered = page().locator('[data-testid="engine-context"][data-context="radiology"]');
    await offered.waitFor({ timeout: 20_000 });
    await offered.getByTestId('engine-context-import').click();
    await waitForState('radiology', 'Ready');
    expect(storedEngines()).toContain('radiology');
    await offered.waitFor({ state: 'detached' });
  });

  it('rechecks an engine on request', async () => {
    const before = session.app.invocations.filter((call) => call.channel === 'engines:diagnose').length;
    await row('gpu-ssh').getByTestId('engine-recheck').click();
    await expect.poll(() => session.app.invocations.filter((call) => call.channel === 'engines:diagnose').length).toBe(before + 1);
    await waitForState('gpu-ssh', 'Ready');
  });

  it('keeps a folder shared with a server (chosen here, typed as the server mounts it), and removes it', async () => {
    const shared = path.join(dir, 'share');
    mkdirSync(shared, { recursive: true });
    const mappings = () => (JSON.parse(readFileSync(path.join(dataDir, 'settings.json'), 'utf8')) as { engines: { name: string; pathMappings?: unknown[] }[] }).engines.find((entry) => entry.name === 'gpu-tls')?.pathMappings ?? [];
    const form = row('gpu-tls').getByTestId('engine-shared');
    expect(await form.getByTestId('engine-shared-add').isDisabled()).toBe(true);
    dialogs.folderQueue.push(shared);
    await form.getByTestId('engine-shared-choose').click();
    await form.getByTestId('engine-shared-choose').filter({ hasText: shared }).waitFor({ timeout: 5_000 });
    // the server's side must be a Linux path
    await form.getByTestId('engine-shared-remote').fill('share');
    expect(await form.getByTestId('engine-shared-add').isDisabled()).toBe(true);
    await form.getByTestId('engine-shared-remote').fill('/mnt/radiology');
    await form.getByTestId('engine-shared-add').click();
    await form.locator(`[data-testid="engine-shared-item"][data-local="${shared}"]`).waitFor({ timeout: 10_000 });
    expect(mappings()).toEqual([{ local: shared, remote: '/mnt/radiology' }]);
    expect(await cutOff()).toEqual([]);
    await session.app.screenshot('setup-engines-shared-folder');
    await form.getByTestId('engine-shared-remove').click();
    await form.getByTestId('engine-shared-item').waitFor({ state: 'detached', timeout: 10_000 });
    expect(mappings()).toEqual([]);
  });

  it('removes a server only once confirmed', async () => {
    await row('gpu-tls').getByTestId('engine-remove').click();
    await row('gpu-tls').getByTestId('engine-remove-keep').click();
    expect(storedEngines()).toEqual(['gpu-ssh', 'gpu-tls', 'radiology']);
    await row('gpu-tls').getByTestId('engine-remove').click();
    await row('gpu-tls').getByTestId('engine-remove-confirm').click();
    await row('gpu-tls').waitFor({ state: 'detached', timeout: 10_000 });
    expect(storedEngines()).toEqual(['gpu-ssh', 'radiology']);
    expect(await page().getByTestId('engine-row').count()).toBe(3);
  });

  it('makes no request outside the app and logs no error', () => {
    expect(session.app.foreignRequests).toEqual([]);
    expect(session.app.pageErrors).toEqual([]);
  });
});
