import { readFileSync } from 'node:fs';
import http from 'node:http';
import Docker from 'dockerode';
import type { EngineEndpoint } from './endpoint';

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
  if (!transport.tls) return new Docker({ host: transport.host, port: transport.port, protocol: 'http', ...common });
  return new Docker({
    host: transport.host,
    port: transport.port,
    protocol: 'https',
    ca: readFileSync(transport.tls.ca),
    cert: readFileSync(transport.tls.cert),
    key: readFileSync(transport.tls.key),
    ...common,
  });
}
