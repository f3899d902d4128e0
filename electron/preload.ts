import { contextBridge, ipcRenderer, webUtils, type IpcRendererEvent } from 'electron';
import type { AucmediBridge } from '../src/api/bridge';
import { EVENT_CHANNEL, isChannel } from '../src/api/channels';
import type { CoreEvent } from '../src/api/events';

/** The page's only door to the core: typed invoke on known channels, and the event stream. */
const bridge: AucmediBridge = {
  invoke(channel, request) {
    if (!isChannel(channel)) return Promise.reject(new Error(`unknown channel ${String(channel)}`));
    return ipcRenderer.invoke(channel, request);
  },
  onEvent(listener) {
    const handler = (_event: IpcRendererEvent, payload: CoreEvent) => listener(payload);
    ipcRenderer.on(EVENT_CHANNEL, handler);
    return () => {
      ipcRenderer.removeListener(EVENT_CHANNEL, handler);
    };
  },
  pathForFile: (file) => webUtils.getPathForFile(file),
};

contextBridge.exposeInMainWorld('aucmedi', bridge);
