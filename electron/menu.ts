import type { MenuItemConstructorOptions } from 'electron';
import type { DesktopT } from '../src/desktop/texts';

/**
 * The application menu in the window's language. Roles keep their platform behaviour (shortcuts,
 * macOS services); the labels come from the catalog. A packaged build has no developer tools item
 * (and its window has DevTools switched off, `secureWebPreferences`).
 */
export function menuTemplate(t: DesktopT, { packaged, platform }: { packaged: boolean; platform: NodeJS.Platform }): MenuItemConstructorOptions[] {
  const view: MenuItemConstructorOptions[] = [
    { role: 'reload', label: t('desktop:menu.reload') },
    ...(packaged ? [] : [{ role: 'toggleDevTools', label: t('desktop:menu.devTools') } as const]),
    { type: 'separator' },
    { role: 'resetZoom', label: t('desktop:menu.resetZoom') },
    { role: 'zoomIn', label: t('desktop:menu.zoomIn') },
    { role: 'zoomOut', label: t('desktop:menu.zoomOut') },
    { type: 'separator' },
    { role: 'togglefullscreen', label: t('desktop:menu.fullScreen') },
  ];
  const template: MenuItemConstructorOptions[] = [
    { label: t('desktop:menu.file'), submenu: [{ role: platform === 'darwin' ? 'close' : 'quit', label: platform === 'darwin' ? t('desktop:menu.close') : t('desktop:menu.quit') }] },
    {
      label: t('desktop:menu.edit'),
      submenu: [
        { role: 'undo', label: t('desktop:menu.undo') },
        { role: 'redo', label: t('desktop:menu.redo') },
        { type: 'separator' },
        { role: 'cut', label: t('desktop:menu.cut') },
        { role: 'copy', label: t('desktop:menu.copy') },
        { role: 'paste', label: t('desktop:menu.paste') },
        { role: 'selectAll', label: t('desktop:menu.selectAll') },
      ],
    },
    { label: t('desktop:menu.view'), submenu: view },
    { label: t('desktop:menu.window'), submenu: [{ role: 'minimize', label: t('desktop:menu.minimize') }, { role: 'close', label: t('desktop:menu.close') }] },
    { role: 'help', label: t('desktop:menu.help'), submenu: [{ role: 'about', label: t('desktop:menu.about') }] },
  ];
  if (platform === 'darwin') template.unshift({ role: 'appMenu' });
  return template;
}
