import { describe, expect, it } from 'vitest';
import type { MenuItemConstructorOptions } from 'electron';
import { menuTemplate } from '../../../electron/menu';
import { cliArguments } from '../../../src/desktop/cli-switch';
import { desktopT } from '../../../src/desktop/texts';

const roles = (items: MenuItemConstructorOptions[]): string[] =>
  items.flatMap((item) => [...(item.role ? [item.role] : []), ...(Array.isArray(item.submenu) ? roles(item.submenu) : [])]);

describe('the application menu', () => {
  it('has no developer tools in a packaged build', () => {
    expect(roles(menuTemplate(desktopT('en'), { packaged: false, platform: 'linux' }))).toContain('toggleDevTools');
    expect(roles(menuTemplate(desktopT('en'), { packaged: true, platform: 'linux' }))).not.toContain('toggleDevTools');
  });

  it('speaks the window language', () => {
    const labels = menuTemplate(desktopT('de'), { packaged: true, platform: 'win32' }).map((item) => item.label);
    expect(labels).toEqual(['Datei', 'Bearbeiten', 'Ansicht', 'Fenster', 'Hilfe']);
    expect(menuTemplate(desktopT('en'), { packaged: true, platform: 'darwin' })[0]!.role).toBe('appMenu');
  });
});

describe('the --cli switch', () => {
  it('takes what follows --cli right after the program (and the app folder when unpackaged)', () => {
    expect(cliArguments(['/opt/AUCMEDI Desk/aucmedi-desk', '--cli', 'train', '--help'], true)).toEqual(['train', '--help']);
    expect(cliArguments(['electron', '.', '--cli', 'gpu'], false)).toEqual(['gpu']);
    expect(cliArguments(['/opt/AUCMEDI Desk/aucmedi-desk', '--cli'], true)).toEqual([]);
  });

  it('opens the window otherwise, also for a --cli further on the line', () => {
    expect(cliArguments(['/opt/AUCMEDI Desk/aucmedi-desk'], true)).toBeNull();
    expect(cliArguments(['aucmedi-desk', '/data/--cli'], true)).toBeNull();
    expect(cliArguments(['electron', '.', 'x', '--cli'], false)).toBeNull();
  });
});
