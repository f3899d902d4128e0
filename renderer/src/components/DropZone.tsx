import { useState, type DragEvent, type ReactNode } from 'react';
import type { UserError } from '../../../src/api';
import { msg, type Message } from '../../../src/i18n';
import { pathForFile } from '../bridge';
import { useMessage } from '../i18n';

interface Props {
  /**
   * What may be dropped, in words and in the window's language (the caller translates it), for the
   * message when something else is dropped: "one dataset folder"; in German in the accusative
   * ("einen Datensatzordner": "Legen Sie … ab").
   */
  accepts: string;
  /** Checks the dropped item by name; folders have no extension. */
  isAcceptable: (name: string) => boolean;
  onPath: (path: string) => void;
  onReject: (error: UserError) => void;
  children: ReactNode;
  testId?: string;
  large?: boolean;
}

/** Drop one file from the file manager; anything else gets a clear message and nothing happens. */
export function DropZone({ accepts, isAcceptable, onPath, onReject, children, testId, large }: Props) {
  const [over, setOver] = useState(false);
  const render = useMessage();
  /** The error carries its messages too, so that it follows a change of language while shown. */
  const reject = (message: Message) => {
    const action = msg('datasetPage:dropZone.action', { accepts });
    onReject({ code: 'INVALID_REQUEST', message: render(message), action: render(action), i18n: { message, action } });
  };

  const onDrop = (event: DragEvent) => {
    event.preventDefault();
    setOver(false);
    const files = [...event.dataTransfer.files];
    if (files.length !== 1) return reject(files.length === 0 ? msg('datasetPage:dropZone.nothing') : msg('datasetPage:dropZone.several', { count: files.length }));
    const file = files[0]!;
    if (!isAcceptable(file.name)) return reject(msg('datasetPage:dropZone.notAccepted', { name: file.name, accepts }));
    const path = pathForFile(file);
    if (!path) return reject(msg('datasetPage:dropZone.noLocation', { name: file.name }));
    onPath(path);
  };

  return (
    <div
      className={`drop-zone${large ? ' large' : ''}${over ? ' over' : ''}`}
      data-testid={testId}
      onDragOver={(event) => {
        event.preventDefault();
        setOver(true);
      }}
      onDragLeave={() => setOver(false)}
      onDrop={onDrop}
    >
      {children}
    </div>
  );
}
