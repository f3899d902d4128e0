import { localizedException } from './api/errors';
import { msg } from './i18n/message';

/** Long operations the window started (image load, save, pull), by the id the window gave them, so they can be cancelled. */
export class Operations {
  private readonly running = new Map<string, AbortController>();

  async run<T>(operationId: string, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
    if (this.running.has(operationId)) {
      throw localizedException(
        'INVALID_REQUEST',
        msg('core:operations.alreadyRunning', { operationId }),
        msg('core:operations.alreadyRunningAction'),
      );
    }
    const controller = new AbortController();
    this.running.set(operationId, controller);
    try {
      return await work(controller.signal);
    } finally {
      this.running.delete(operationId);
    }
  }

  cancel(operationId: string): boolean {
    const controller = this.running.get(operationId);
    controller?.abort();
    return Boolean(controller);
  }

  cancelAll(): void {
    for (const controller of this.running.values()) controller.abort();
  }
}
