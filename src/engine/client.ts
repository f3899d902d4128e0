import { readFileSync } from 'node:fs';
import Docker from 'dockerode';
import type { EngineEndpoint } from './endpoint';

/** A dockerode client for an endpoint. TLS files are read here, so a missing certificate fails early. */
export function createDockerClient(endpoint: EngineEndpoint, timeoutMs?: number): Docker {
  const { transport } = endpoint;
  const common = timeoutMs ? { timeout: timeoutMs } : {};
  if (transport.kind === 'socket') return new Docker({ socketPath: transport.path, ...common });
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
