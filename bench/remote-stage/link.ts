// A network link of a given speed between the workstation and the server, for bench/remote-stage:
// a TCP relay on 127.0.0.1 that lets each direction's bytes through at `megabitsPerSecond`, shared by
// every connection (one link, as a hospital's LAN between two machines), with a few MiB of buffer.
// Ours and the reference go through the same relay, so both meet the same link. It runs as a process
// of its own (`startLink`): the bench waits for the docker CLI synchronously, which would stall a
// relay in its own event loop.
import { spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** One direction of the link: each chunk leaves when the bytes before it have left. */
class Direction {
  private freeAt = 0;
  constructor(private readonly bytesPerMs: number) {}

  /** Passes `chunk` on at the link's pace, holding the sender back while the link is busy. */
  pass(chunk: Buffer, from: net.Socket, to: net.Socket): void {
    const now = performance.now();
    this.freeAt = Math.max(now, this.freeAt) + chunk.length / this.bytesPerMs;
    const wait = this.freeAt - now;
    if (wait < 2) {
      to.write(chunk);
      return;
    }
    from.pause();
    setTimeout(() => {
      to.write(chunk);
      from.resume();
    }, wait);
  }
}

async function relay(targetPort: number, megabitsPerSecond: number): Promise<number> {
  const bytesPerMs = (megabitsPerSecond * 1e6) / 8 / 1000;
  const up = new Direction(bytesPerMs);
  const down = new Direction(bytesPerMs);
  const server = net.createServer((client) => {
    const upstream = net.connect(targetPort, '127.0.0.1');
    for (const socket of [client, upstream]) {
      socket.setNoDelay(true);
      socket.on('error', () => undefined);
    }
    client.on('data', (chunk: Buffer) => up.pass(chunk, client, upstream));
    upstream.on('data', (chunk: Buffer) => down.pass(chunk, upstream, client));
    client.on('end', () => upstream.end());
    upstream.on('end', () => client.end());
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as net.AddressInfo).port;
}

/** Starts the link to the engine's port; `port` is where to reach the engine through it. */
export async function startLink(targetPort: number, megabitsPerSecond: number): Promise<{ port: number; close: () => Promise<void> }> {
  // bench/run.mjs builds each file here on its own: link.mjs lies beside the bundle that imports this
  const script = path.join(path.dirname(fileURLToPath(import.meta.url)), 'link.mjs');
  const child = spawn(process.execPath, [script, String(targetPort), String(megabitsPerSecond)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout!.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim())));
    child.once('exit', (code) => reject(new Error(`the link ended at start (${code})`)));
  });
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

if (path.basename(process.argv[1] ?? '') === 'link.mjs') {
  const [targetPort, megabits] = process.argv.slice(2).map(Number);
  console.log(await relay(targetPort!, megabits!));
}
