import http from 'node:http';
import https from 'node:https';
import Docker from 'dockerode';
import { readCredentialFile } from './credential-file';
import type { EngineEndpoint, SshTarget } from './endpoint';
import { SshEngineAgent } from './ssh-transport';

/**
 * Socket connections are not kept alive: every request opens a new one, so "the engine answered"
 * always means it accepts connections now. With Node's default keep-alive agent a request could
 * ride a connection opened before the engine began to shut down (dockerd closes its socket first,
 * then stops the containers), and a run stopped by the engine's shutdown looked like a run that
 * failed on its own. A local socket costs nothing to open.
 */
const FRESH_SOCKET_CONNECTIONS = new http.Agent({ keepAlive: false });

/** A dockerode client for an endpoint. TLS files are read here, so a missing certificate fails early. */
export function createDockerClient(endpoint: EngineEndpoint, timeoutMs?: number): Docker {
  const { transport } = endpoint;
  const common = timeoutMs ? { timeout: timeoutMs } : {};
  if (transport.kind === 'socket') {
    // docker-modem takes `agent` (its typings do not list it).
    const options: Docker.DockerOptions & { agent: http.Agent } = { socketPath: transport.path, agent: FRESH_SOCKET_CONNECTIONS, ...common };
    return new Docker(options);
  }
  if (transport.kind === 'ssh') {
    // Plain HTTP inside the SSH channels; host and port only name the engine in dockerode's messages.
    const options: Docker.DockerOptions & { agent: http.Agent } = { protocol: 'http', host: transport.host, port: transport.port, agent: sshAgentFor(transport), ...common };
    return new Docker(options);
  }
  if (!transport.tls) return new Docker({ host: transport.host, port: transport.port, protocol: 'http', ...common });
  return new Docker({
    host: transport.host,
    port: transport.port,
    protocol: 'https',
    ca: readCredentialFile(transport.tls.ca),
    cert: readCredentialFile(transport.tls.cert),
    key: readCredentialFile(transport.tls.key),
    ...common,
  });
}

const sshAgents = new Map<string, SshEngineAgent>();

/** One SSH connection per server, user and key, shared by every client of that engine. */
function sshAgentFor(target: SshTarget): SshEngineAgent {
  const key = JSON.stringify([target.host, target.port, target.username, target.identityFile, target.knownHostsFiles, target.agentSocket]);
  let agent = sshAgents.get(key);
  if (!agent) {
    agent = new SshEngineAgent(target);
    sshAgents.set(key, agent);
  }
  return agent;
}

/** Closes the SSH connections to one engine (`ssh://user@host:port`), or every one (at quit, and between tests). */
export function closeSshConnections(url?: string): void {
  for (const [key, agent] of sshAgents) {
    if (url && agent.url !== url) continue;
    agent.close();
    sshAgents.delete(key);
  }
}

/** What docker-modem keeps of a client's transport (its typings do not list these fields). */
interface ModemTransport {
  /** A path, or (dockerode's default client) a function that finds one. */
  socketPath?: string | (() => string | Promise<string>);
  host?: string;
  port?: number | string;
  protocol?: 'http' | 'https';
  version?: string;
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  agent?: http.Agent;
}

/**
 * A plain HTTP request to the engine behind a dockerode client, over the same transport. Used
 * where dockerode only takes a request body as a piped stream (image load), which rules out
 * reusing buffers and knowing the body's length up front.
 */
export async function engineRequest(docker: Docker, method: string, requestPath: string, headers: http.OutgoingHttpHeaders): Promise<http.ClientRequest> {
  const modem = docker.modem as unknown as ModemTransport;
  const options: https.RequestOptions = {
    method,
    path: modem.version ? `/${modem.version}${requestPath}` : requestPath,
    headers,
    ...(modem.agent ? { agent: modem.agent } : {}),
  };
  const socketPath = typeof modem.socketPath === 'function' ? await modem.socketPath() : modem.socketPath;
  if (socketPath) return http.request({ ...options, socketPath });
  const address = { ...options, host: modem.host, port: modem.port };
  if (modem.protocol === 'https') return https.request({ ...address, ca: modem.ca, cert: modem.cert, key: modem.key });
  return http.request(address);
}
