/**
 * Folder and file names out of a diagnostics archive. A dataset folder is often named after a
 * patient or a study ("CT Mustermann 2026"), and image names can be, too: every path the app knows
 * of (in the settings and the run records) becomes `<folder N>`, numbered in order of first
 * appearance so IT can still tell that two runs used the same dataset; the home folder becomes
 * `~`; any other absolute path becomes `<path>`, except system locations (`/usr/...`, `/proc`,
 * `C:\Windows`), which say nothing about patients. Inside the container's data mounts
 * (`/data/training/...`) the mount is kept and what lies below it is replaced.
 */
const SYSTEM_ROOTS = ['/usr/', '/lib/', '/lib64/', '/bin/', '/sbin/', '/etc/', '/proc/', '/sys/', '/dev/', '/run/', '/var/run/', '/var/lib/docker', '/opt/', 'C:\\Windows\\', 'C:\\Program Files'];
const CONTAINER_DATA = '/data/';
/** What may end a known folder's name in running text (a space, a quote, a bracket, a comma). */
const PATH_END = '\\s"\'`<>|*?:,;()\\[\\]{}';
/**
 * What ends a file name below a folder, or an unknown path: only quotes, brackets and the line's
 * end, as names hold spaces ("Patient Meier.png"). More of the line goes than the name, never less.
 */
const NAME_END = '"\'`<>|*?;()\\[\\]{}\\r\\n';

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Every string in `value` (nested in objects and arrays) that is an absolute path. */
export function pathsIn(value: unknown, found: string[] = []): string[] {
  if (typeof value === 'string') {
    if (/^(\/[^/\s]|[A-Za-z]:[\\/]|\\\\)/.test(value) && !value.includes('\n')) found.push(value);
  } else if (Array.isArray(value)) for (const item of value) pathsIn(item, found);
  else if (value && typeof value === 'object') for (const item of Object.values(value)) pathsIn(item, found);
  return found;
}

export class Redactor {
  private readonly names = new Map<string, string>();

  constructor(
    known: string[],
    private readonly home: string,
  ) {
    for (const file of known) this.nameOf(file);
  }

  /** `text` with every folder and file name replaced (see the module comment). */
  redact(text: string): string {
    let out = text;
    // longest first: /data/a/b is replaced before /data/a; what follows a known folder (a file in it) goes too
    const known: [string, string][] = [...this.names, ...(this.home.length > 1 ? [[this.home, '~'] as [string, string]] : [])];
    for (const [file, name] of known.sort(([a], [b]) => b.length - a.length)) {
      const pattern = new RegExp(`${escapeRegExp(file)}(?=$|[${PATH_END}\\\\/])((?:[\\\\/][^${NAME_END}]*)?)`, 'g');
      out = out.replace(pattern, (_, rest: string) => (rest ? `${name}/<file>` : name));
    }
    // what is left: absolute POSIX and Windows paths the app does not know of (in logs and error details);
    // not a slash inside a word ("it/s") or a URL ("unix:///var/run/docker.sock")
    return out.replace(new RegExp(`(?<![\\w.~<>:/\\\\-])(?:[A-Za-z]:\\\\|/)[^${PATH_END}][^${NAME_END}]*`, 'g'), (found) => {
      if (SYSTEM_ROOTS.some((root) => found.startsWith(root))) return found;
      const parts = found.split(/[\\/]/).filter(Boolean);
      if (found.startsWith(CONTAINER_DATA)) return parts.length > 2 ? `/data/${parts[1]}/<file>` : found;
      if (parts.length < 2 && found.startsWith('/')) return found; // "/tmp", "/s": too short to name anything
      return '<path>';
    });
  }

  private nameOf(file: string): string {
    const trimmed = file.replace(/[\\/]+$/, '');
    if (trimmed.length < 2) return trimmed;
    let name = this.names.get(trimmed);
    if (!name) this.names.set(trimmed, (name = `<folder ${this.names.size + 1}>`));
    return name;
  }
}

/** `value` with `redact` applied to every string in it (before it is written as JSON, so Windows paths are matched unescaped). */
export function redactValue<T>(value: T, redactor: Redactor): T {
  if (typeof value === 'string') return redactor.redact(value) as T;
  if (Array.isArray(value)) return value.map((item) => redactValue(item, redactor)) as T;
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, redactValue(item, redactor)])) as T;
  return value;
}
