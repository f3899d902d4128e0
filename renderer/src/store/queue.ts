import type { StateCreator } from 'zustand';
import type { UserError } from '../../../src/api';
import type { QueueEntry, QueueItem, RunMode } from '../../../src/api/runs';
import { invoke } from '../bridge';
import type { AppState } from './index';

export interface QueueSlice {
  /** The run queue, next first; null until loaded. */
  queue: QueueEntry[] | null;
  queueError: UserError | null;
  /** The page adding to the queue right now. */
  queueAdding: RunMode | null;
  /** The latest entry a page added (its position is read live from `queue`). */
  queueAdded: { mode: RunMode; id: string; position: number } | null;
  /** The refusal of the latest "Add to queue", shown on the page that asked. */
  queueAddError: { mode: RunMode; error: UserError } | null;
  loadQueue(): Promise<void>;
  /** Queues a run; true when it was added. */
  addToQueue(item: QueueItem): Promise<boolean>;
  moveQueued(id: string, position: number): Promise<void>;
  removeQueued(id: string): Promise<void>;
  applyQueue(queue: QueueEntry[]): void;
  clearQueueNotice(mode: RunMode): void;
}

export const createQueueSlice: StateCreator<AppState, [], [], QueueSlice> = (set, get) => ({
  queue: null,
  queueError: null,
  queueAdding: null,
  queueAdded: null,
  queueAddError: null,
  async loadQueue() {
    const response = await invoke('queue:list', {});
    if (response.ok) set({ queue: response.data, queueError: null });
    else set({ queueError: response.error });
  },
  async addToQueue(item) {
    if (get().queueAdding) return false;
    set({ queueAdding: item.mode, queueAddError: null, queueAdded: null });
    const response = await invoke('queue:add', item);
    set({ queueAdding: null });
    if (!response.ok) {
      if (!get().takeConsentQuestion('queue', item, response.error)) set({ queueAddError: { mode: item.mode, error: response.error } });
      return false;
    }
    const entry = response.data;
    set({ queueAdded: { mode: item.mode, id: entry.id, position: entry.position } });
    // The event may have come first; make sure the list has the entry.
    const queue = get().queue;
    if (!queue || !queue.some((e) => e.id === entry.id)) await get().loadQueue();
    return true;
  },
  async moveQueued(id, position) {
    const response = await invoke('queue:move', { id, position });
    if (response.ok) set({ queue: response.data, queueError: null });
    else {
      set({ queueError: response.error });
      await get().loadQueue();
    }
  },
  async removeQueued(id) {
    const response = await invoke('queue:remove', { id });
    if (response.ok) set({ queue: response.data, queueError: null });
    else {
      set({ queueError: response.error });
      await get().loadQueue();
    }
  },
  applyQueue: (queue) => set({ queue }),
  clearQueueNotice(mode) {
    if (get().queueAdded?.mode === mode) set({ queueAdded: null });
    if (get().queueAddError?.mode === mode) set({ queueAddError: null });
  },
});
