import type { StateCreator } from 'zustand';
import type { DockerContext, EngineEntry, EngineListItem, EngineStatus, UserError } from '../../../src/api';
import type { KeptDataset, PathMapping } from '../../../src/api/types';
import type { FilePurpose } from '../../../src/api/channels';
import { invoke } from '../bridge';
import type { AppState } from './index';

/** The file dialog's purpose for a certificate, client key or SSH key file (.pem/.crt/.cer/.key, and all files). */
export const CREDENTIAL_FILE_PURPOSE: FilePurpose = 'engine-credential';

/** What the Setup page knows of one engine by name. */
export interface NamedEngineState {
  status: EngineStatus | null;
  checking: boolean;
  /** The diagnosis itself failed (not the engine: the request). */
  error: UserError | null;
  trusting: boolean;
  trustError: UserError | null;
  /** The images kept on this server for later runs on the same data; null until read (servers that have their own files only). */
  kept: KeptDataset[] | null;
  keptError: UserError | null;
}

export const EMPTY_ENGINE_STATE: NamedEngineState = { status: null, checking: false, error: null, trusting: false, trustError: null, kept: null, keptError: null };
const EMPTY = EMPTY_ENGINE_STATE;

export interface EnginesSlice {
  /** Every engine from engines:list (`local` first); null until read. */
  enginesList: EngineListItem[] | null;
  enginesListError: UserError | null;
  enginesByName: Record<string, NamedEngineState>;
  engineAdding: boolean;
  engineAddError: UserError | null;
  engineRemoveError: UserError | null;
  /** The docker CLI's contexts (engines:docker-contexts), offered for import; [] until read. */
  dockerContexts: DockerContext[];
  /** Reads the list (and the docker CLI's contexts), then diagnoses every engine on it. */
  loadEngines(): Promise<void>;
  diagnoseNamedEngine(name: string): Promise<void>;
  /** Adds a server; resolves true when it was added (then it is diagnosed). */
  addEngine(entry: EngineEntry): Promise<boolean>;
  removeEngine(name: string): Promise<void>;
  /** Accepts a server's host key with the fingerprint the user typed, then diagnoses again; true when accepted. */
  trustEngineHostKey(name: string, fingerprint: string): Promise<boolean>;
  /** The file dialog for a certificate or key file: its path, or null when cancelled. */
  pickEngineFile(): Promise<string | null>;
  loadKeptDatasets(name: string): Promise<void>;
  /** Replaces a server's shared folders; false (with the engine's error set) when refused. */
  setSharedFolders(name: string, pathMappings: PathMapping[]): Promise<boolean>;
  /** The folder dialog for a shared folder's side on this computer: its path, or null when cancelled. */
  pickSharedFolder(): Promise<string | null>;
  /** Deletes kept images from the server (they are sent again by the next run on that data). */
  removeKeptDataset(name: string, volume: string): Promise<void>;
}

export const createEnginesSlice: StateCreator<AppState, [], [], EnginesSlice> = (set, get) => {
  const patch = (name: string, change: Partial<NamedEngineState>) =>
    set((state) => ({ enginesByName: { ...state.enginesByName, [name]: { ...EMPTY, ...state.enginesByName[name], ...change } } }));
  const keepListed = (list: EngineListItem[]) => {
    const names = new Set(list.map((item) => item.name));
    set((state) => ({ enginesList: list, enginesListError: null, enginesByName: Object.fromEntries(Object.entries(state.enginesByName).filter(([name]) => names.has(name))) }));
  };

  return {
    enginesList: null,
    enginesListError: null,
    enginesByName: {},
    engineAdding: false,
    engineAddError: null,
    engineRemoveError: null,
    dockerContexts: [],

    async loadEngines() {
      void invoke('engines:docker-contexts', {}).then((contexts) => contexts.ok && set({ dockerContexts: contexts.data }));
      const response = await invoke('engines:list', {});
      if (!response.ok) return set({ enginesListError: response.error });
      keepListed(response.data);
      await Promise.all(response.data.map((item) => get().diagnoseNamedEngine(item.name)));
    },

    async diagnoseNamedEngine(name) {
      if (get().enginesByName[name]?.checking) return;
      patch(name, { checking: true });
      const response = await invoke('engines:diagnose', { name });
      if (response.ok) patch(name, { status: response.data, error: null, checking: false });
      else patch(name, { error: response.error, checking: false });
      if (response.ok && response.data.ok && response.data.files === 'own-files') await get().loadKeptDatasets(name);
    },

    async addEngine(entry) {
      set({ engineAdding: true, engineAddError: null });
      const response = await invoke('engines:add', entry);
      if (!response.ok) {
        set({ engineAdding: false, engineAddError: response.error });
        return false;
      }
      set({ engineAdding: false });
      keepListed(response.data);
      void get().diagnoseNamedEngine(entry.name);
      return true;
    },

    async removeEngine(name) {
      const response = await invoke('engines:remove', { name });
      if (!response.ok) return set({ engineRemoveError: response.error });
      set({ engineRemoveError: null });
      keepListed(response.data);
    },

    async trustEngineHostKey(name, fingerprint) {
      patch(name, { trusting: true, trustError: null });
      const response = await invoke('engines:trust-host-key', { name, fingerprint });
      if (!response.ok) {
        patch(name, { trusting: false, trustError: response.error });
        return false;
      }
      patch(name, { trusting: false, trustError: null });
      await get().diagnoseNamedEngine(name);
      return true;
    },

    async setSharedFolders(name, pathMappings) {
      const response = await invoke('engines:shared-folders', { name, pathMappings });
      if (!response.ok) {
        patch(name, { error: response.error });
        return false;
      }
      patch(name, { error: null });
      keepListed(response.data);
      return true;
    },

    async pickSharedFolder() {
      const picked = await invoke('dialog:open-folder', { purpose: 'shared-folder' });
      return picked.ok ? picked.data.path : null;
    },

    async loadKeptDatasets(name) {
      const response = await invoke('engines:kept-datasets', { name });
      patch(name, response.ok ? { kept: response.data, keptError: null } : { keptError: response.error });
    },

    async removeKeptDataset(name, volume) {
      const response = await invoke('engines:remove-kept-dataset', { name, volume });
      patch(name, response.ok ? { kept: response.data, keptError: null } : { keptError: response.error });
    },

    async pickEngineFile() {
      const picked = await invoke('dialog:open-file', { purpose: CREDENTIAL_FILE_PURPOSE });
      if (!picked.ok) {
        set({ engineAddError: picked.error });
        return null;
      }
      return picked.data.path;
    },
  };
};
