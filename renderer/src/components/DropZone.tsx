import { useState, type DragEvent, type ReactNode } from 'react';
import type { UserError } from '../../../src/api';
import { pathForFile } from '../bridge';

interface Props {
  /** What may be dropped, in words, for the message when something else is dropped. */
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
  const reject = (message: string) => onReject({ code: 'INVALID_REQUEST', message, action: `Drop ${accepts}.` });

  const onDrop = (event: DragEvent) => {
    event.preventDefault();
    setOver(false);
    const files = [...event.dataTransfer.files];
    if (files.length !== 1) return reject(files.length === 0 ? 'Nothing that can be used was dropped.' : `${files.length} items were dropped; only one is used at a time.`);
    const file = files[0]!;
    if (!isAcceptable(file.name)) return reject(`${file.name} is not ${accepts}.`);
    const path = pathForFile(file);
    if (!path) return reject(`The location of ${file.name} could not be read.`);
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
