import { UserErrorException } from './api/errors';

/** Long operations the window started (image load, save, pull), by the id the window gave them, so they can be cancelled. */
export class Operations {
  private readonly running = new Map<string, AbortController>();

  async run<T>(operationId: string, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
    if (this.running.has(operationId)) {
      throw new UserErrorException({
        code: 'INVALID_REQUEST',
        message: `An operation with the id ${operationId} is already running.`,
        action: 'Wait for it to finish, or cancel it first.',
      });
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
