import type Docker from 'dockerode';
import { errorDetail, UserErrorException } from '../api/errors';
import type { EngineStatus } from '../api/types';
import { createDockerClient } from './client';
import { msg, text } from '../i18n';
import { diagnoseEngine, type LocalizedEngineStatus } from './diagnose';
import { candidateEndpoints, chooseEndpoint, type EndpointContext, type EngineEndpoint } from './endpoint';
import { isEngineInstalled } from './installed';
import { EngineWatcher, type WatchTimings } from './watch';

export interface EngineServiceOptions extends EndpointContext {
  username: string;
  /** The user's engine endpoint setting, read each time so a change takes effect at once. */
  endpointSetting: () => string | null;
  onStatus: (status: EngineStatus) => void;
  timings?: WatchTimings;
}

/** Said when the address cannot even be parsed into a sentence of its own. */
const INVALID_ADDRESS = { message: msg('engine:service.invalidAddress.message'), action: msg('engine:service.invalidAddress.action') };

/** The engine as the rest of the core sees it: where it is, how it is, and a client for it. */
export class EngineService {
  private readonly watcher: EngineWatcher;

  constructor(private readonly options: EngineServiceOptions) {
    this.watcher = new EngineWatcher(() => this.diagnose(), options.onStatus, options.timings);
  }

  async endpoint(): Promise<EngineEndpoint> {
    return chooseEndpoint(candidateEndpoints(this.options.endpointSetting(), this.options));
  }

  async client(): Promise<Docker> {
    return createDockerClient(await this.endpoint());
  }

  /** The last known status, or a fresh one if none is known yet. */
  async status(): Promise<EngineStatus> {
    return this.watcher.status ?? this.watcher.check();
  }

  /** A fresh check; also what the watcher records and broadcasts. */
  refresh(): Promise<EngineStatus> {
    return this.watcher.recheck();
  }

  startWatching(): void {
    this.watcher.start();
  }

  stopWatching(): void {
    this.watcher.stop();
  }

  private async diagnose(): Promise<LocalizedEngineStatus> {
    const { platform, env, username } = this.options;
    let endpoint: EngineEndpoint;
    try {
      endpoint = await this.endpoint();
    } catch (error) {
      // parseEndpoint says what is wrong with the address in a sentence of its own
      const said = error instanceof UserErrorException ? error.userError : null;
      return {
        ok: false,
        code: 'ENGINE_UNREACHABLE',
        message: said?.message ?? text(INVALID_ADDRESS.message),
        action: said?.action ?? text(INVALID_ADDRESS.action),
        ...(said ? (said.i18n ? { i18n: said.i18n } : {}) : { i18n: INVALID_ADDRESS }),
        ...(said ? {} : { detail: errorDetail(error) }),
        endpoint: this.options.endpointSetting() ?? env.DOCKER_HOST ?? '',
        endpointSource: this.options.endpointSetting() ? 'settings' : 'DOCKER_HOST',
        checkedAt: new Date().toISOString(),
      };
    }
    return diagnoseEngine(endpoint, {
      platform,
      username,
      isInstalled: () => isEngineInstalled(platform, env),
    });
  }
}
