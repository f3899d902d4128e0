/**
 * A "hospital GPU server" for tests: a second dockerd that cannot see this machine's files, reached
 * the two ways a remote engine is: over TCP with TLS on 127.0.0.1, and over SSH (an sshd on
 * 127.0.0.1 whose sessions run `docker system dial-stdio` against that engine).
 *
 * Both run in a mount namespace of their own (`unshare -m`) with a private, empty /tmp, /root, /home
 * and /run: a dataset made under /tmp by a test is not there for the engine, exactly as a
 * workstation's folders are not there on a server. The namespace's /run/docker.sock leads to this
 * engine, so the docker CLI that sshd's sessions run finds it as the server's default engine.
 *
 * The certificates are made with openssl here: a CA, the server's certificate (127.0.0.1,
 * localhost), a client certificate; and a second, unrelated CA with its own server and client
 * certificates, for the tests that another CA is refused. SSH: a host key, a client key (no
 * passphrase) in authorized_keys, and a second host key to play a server whose key changed.
 *
 * Needs root, dockerd, unshare/nsenter (util-linux), openssl and sshd (openssh-server).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { secondEngine, type SecondEngine } from './second-engine';

export interface RemoteEngine {
  readonly engine: SecondEngine;
  readonly tlsPort: number;
  readonly sshPort: number;
  /** `tcp://127.0.0.1:PORT` */
  readonly tlsUrl: string;
  /** `ssh://root@127.0.0.1:PORT` */
  readonly sshUrl: string;
  /** PEM files: `ca`, `cert`, `key` (ours); `otherCa`, `otherCert`, `otherKey` (another CA's). */
  readonly certs: Record<'ca' | 'cert' | 'key' | 'otherCa' | 'otherCert' | 'otherKey', string>;
  /** The client's private key file, and a known_hosts file that lists the server's real host key. */
  readonly ssh: { identityFile: string; knownHosts: string; hostKeyLine: string };
  /** Whether `file` exists as the server's processes see the file system. */
  serverSees(file: string): boolean;
  /** Stops sshd (open sessions end too): the SSH connection is lost. */
  stopSsh(): Promise<void>;
  /** Starts sshd again; with `changedHostKey` it presents another host key, as a re-installed server would. */
  startSsh(options?: { changedHostKey?: boolean }): Promise<void>;
  cleanup(): Promise<void>;
}

export function requireRemoteEngineTools(): boolean {
  const missing = ['unshare', 'nsenter', 'openssl', '/usr/sbin/sshd'].filter((tool) => spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0);
  if (missing.length === 0) return true;
  const message = `${missing.join(', ')} not available (needed for the remote engine tests): install util-linux, openssl and openssh-server`;
  if (process.env.CI === 'true' || process.env.CI === '1') throw new Error(`CI=true and ${message}`);
  console.warn(`\n*** SKIPPING: ${message} ***\n`);
  return false;
}

export async function startRemoteEngine(options: { dataRootBytes?: number } = {}): Promise<RemoteEngine> {
  const tlsPort = await freePort();
  const sshPort = await freePort();
  // Under /var/tmp, not /tmp: the namespace's /tmp is private, and the test reaches the engine's
  // unix socket (for set-up and clean-up only) from outside it.
  const holderReady = deferred();
  let holder: ChildProcess | null = null;
  const inNamespace = () => ['nsenter', `--mount=/proc/${holder!.pid}/ns/mnt`];
  let engine: SecondEngine | null = null;
  let sshd: ChildProcess | null = null;
  try {
    let certs: ReturnType<typeof makeCertificates> | null = null;
    const tlsArgs = () => ['--host', `tcp://127.0.0.1:${tlsPort}`, '--tlsverify', '--tlscacert', certs!.ca, '--tlscert', certs!.serverCert, '--tlskey', certs!.serverKey];
    engine = secondEngine({ prefix: '/var/tmp/aucmedi-remote-', launcher: inNamespace, extraArgs: tlsArgs, ...options });
    const dir = engine.dir;
    certs = makeCertificates(path.join(dir, 'certs'));
    const sshDir = path.join(dir, 'ssh');
    const ssh = makeSshKeys(sshDir, sshPort);

    // After secondEngine mounted the data-root's tmpfs, so that the namespace has it too.
    holder = spawn('unshare', ['-m', '--propagation', 'private', 'sh', '-c', namespaceScript(engine.socket)], { stdio: ['ignore', 'pipe', 'inherit'] });
    holder.stdout!.once('data', () => holderReady.resolve());
    holder.once('exit', (code) => holderReady.reject(new Error(`the namespace for the remote engine ended at start (${code})`)));
    await holderReady.promise;
    await engine.start();

    const startSsh: RemoteEngine['startSsh'] = async (options = {}) => {
      if (sshd && sshd.exitCode === null) throw new Error('sshd is already running');
      const config = path.join(sshDir, options.changedHostKey ? 'sshd_config.changed' : 'sshd_config');
      sshd = spawn(inNamespace()[0]!, [...inNamespace().slice(1), '/usr/sbin/sshd', '-D', '-e', '-f', config], { stdio: ['ignore', 'ignore', 'pipe'] });
      let errors = '';
      sshd.stderr!.on('data', (chunk: Buffer) => (errors += chunk.toString()));
      const end = Date.now() + 10_000;
      while (!(await portAnswers(sshPort))) {
        if (sshd.exitCode !== null) throw new Error(`sshd ended at start: ${errors}`);
        if (Date.now() > end) throw new Error(`sshd did not listen within 10 s: ${errors}`);
        await sleep(100);
      }
    };
    const stopSsh = async () => {
      const running = sshd;
      if (!running || running.exitCode !== null) return;
      const exited = new Promise((resolve) => running.once('exit', resolve));
      // sessions still open are this sshd's children, which outlive the listener: end them first
      // (only this test's: other tests may have sshd sessions of their own at the same time)
      spawnSync('pkill', ['-TERM', '-P', String(running.pid)]);
      running.kill('SIGTERM');
      await exited;
    };
    await startSsh();

    const remote: RemoteEngine = {
      engine,
      tlsPort,
      sshPort,
      tlsUrl: `tcp://127.0.0.1:${tlsPort}`,
      sshUrl: `ssh://root@127.0.0.1:${sshPort}`,
      certs: { ca: certs.ca, cert: certs.cert, key: certs.key, otherCa: certs.otherCa, otherCert: certs.otherCert, otherKey: certs.otherKey },
      ssh,
      serverSees: (file) => spawnSync(inNamespace()[0]!, [...inNamespace().slice(1), 'test', '-e', file]).status === 0,
      stopSsh,
      startSsh,
      async cleanup() {
        await stopSsh().catch(() => undefined);
        await engine!.cleanup();
        holder?.kill('SIGKILL');
      },
    };
    return remote;
  } catch (error) {
    (sshd as ChildProcess | null)?.kill('SIGKILL');
    await engine?.cleanup().catch(() => undefined);
    holder?.kill('SIGKILL');
    throw error;
  }
}

/**
 * Run by `unshare -m`: private, empty folders where a workstation keeps its files, a /run whose
 * docker.sock leads to this engine, sshd's privilege separation folder; then it holds the namespace open.
 */
function namespaceScript(socket: string): string {
  return [
    'set -e',
    'for d in /tmp /root /home /run; do mount -t tmpfs -o mode=0755 tmpfs "$d"; done',
    'chmod 1777 /tmp',
    'mkdir -p /run/sshd /root/.ssh',
    `ln -s ${socket} /run/docker.sock`,
    'echo ready',
    'exec sleep infinity',
  ].join('\n');
}

function run(command: string, args: string[]): void {
  const result = spawnSync(command, args, { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed: ${result.stderr || result.error?.message}`);
}

function makeCertificates(dir: string) {
  mkdirSync(dir, { recursive: true });
  const file = (name: string) => path.join(dir, name);
  const ca = (prefix: string, subject: string) => {
    run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', `/CN=${subject}`, '-keyout', file(`${prefix}ca-key.pem`), '-out', file(`${prefix}ca.pem`)]);
  };
  const signed = (prefix: string, name: string, subject: string, extensions: string) => {
    writeFileSync(file(`${prefix}${name}.ext`), extensions);
    run('openssl', ['req', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=${subject}`, '-keyout', file(`${prefix}${name}-key.pem`), '-out', file(`${prefix}${name}.csr`)]);
    run('openssl', ['x509', '-req', '-days', '2', '-in', file(`${prefix}${name}.csr`), '-CA', file(`${prefix}ca.pem`), '-CAkey', file(`${prefix}ca-key.pem`), '-CAcreateserial', '-extfile', file(`${prefix}${name}.ext`), '-out', file(`${prefix}${name}.pem`)]);
  };
  const server = 'subjectAltName = IP:127.0.0.1, DNS:localhost\nextendedKeyUsage = serverAuth\n';
  const client = 'extendedKeyUsage = clientAuth\n';
  for (const prefix of ['', 'other-']) {
    ca(prefix, prefix ? 'Another CA' : 'Test hospital CA');
    signed(prefix, 'server', '127.0.0.1', server);
    signed(prefix, 'client', 'workstation', client);
  }
  return {
    ca: file('ca.pem'),
    serverCert: file('server.pem'),
    serverKey: file('server-key.pem'),
    cert: file('client.pem'),
    key: file('client-key.pem'),
    otherCa: file('other-ca.pem'),
    otherCert: file('other-client.pem'),
    otherKey: file('other-client-key.pem'),
  };
}

function makeSshKeys(dir: string, port: number) {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = (name: string) => path.join(dir, name);
  for (const name of ['host_key', 'changed_host_key', 'client_key']) run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', name, '-f', file(name)]);
  writeFileSync(file('authorized_keys'), readFileSync(file('client_key.pub')), { mode: 0o600 });
  const config = (hostKey: string) =>
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${file(hostKey)}`,
      `AuthorizedKeysFile ${file('authorized_keys')}`,
      `PidFile ${file(`${hostKey}.pid`)}`,
      'PermitRootLogin prohibit-password',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'UsePAM no',
      'StrictModes no',
      'AllowTcpForwarding no',
      'X11Forwarding no',
      '',
    ].join('\n');
  writeFileSync(file('sshd_config'), config('host_key'));
  writeFileSync(file('sshd_config.changed'), config('changed_host_key'));
  const [type, key] = readFileSync(file('host_key.pub'), 'utf8').trim().split(/\s+/);
  const hostKeyLine = `[127.0.0.1]:${port} ${type} ${key}`;
  writeFileSync(file('known_hosts'), `${hostKeyLine}\n`);
  return { identityFile: file('client_key'), knownHosts: file('known_hosts'), hostKeyLine };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function portAnswers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

function deferred() {
  let resolve!: () => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  promise.catch(() => undefined);
  return { promise, resolve, reject };
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
