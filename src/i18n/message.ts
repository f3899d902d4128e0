/**
 * A sentence as the core hands it on: a catalog key and its parameters, rendered in the reader's
 * language where it is shown (the window in the user's, the CLI in LANG's). A parameter may itself
 * be a message ("because {{reason}}").
 */
export type MessageParam = string | number | Message;
export interface Message {
  /** "namespace:key.path", a literal in the source (test/unit/i18n/catalog.test.ts checks each exists). */
  key: string;
  params?: Record<string, MessageParam>;
}

export function msg(key: string, params?: Record<string, MessageParam>): Message {
  return params ? { key, params } : { key };
}

export function isMessage(value: unknown): value is Message {
  return typeof value === 'object' && value !== null && typeof (value as Message).key === 'string';
}

/**
 * What an object the core hands to the window carries besides its English text fields: the same
 * texts as messages, by field name (`{ message, action }` for a problem, `{ summary }` for a
 * diagnosis), for the window to render in the user's language. Absent: show the English field.
 */
export interface Localized<F extends string = string> {
  i18n?: Partial<Record<F, Message>>;
}
