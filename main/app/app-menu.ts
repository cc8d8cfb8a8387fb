// The application menu: the usual roles (undo / copy / paste, zoom, full screen, window, quit, on macOS
// the app menu) and a Go menu that moves between the five views with Ctrl/Cmd+1…5 (the page's own
// shortcuts, / and Ctrl/Cmd+K, focus search).
import { Menu, type BrowserWindow, type MenuItemConstructorOptions } from 'electron';

const VIEWS = [
  { id: 'search', label: 'Search' },
  { id: 'collections', label: 'Collections' },
  { id: 'tables', label: 'Tables' },
  { id: 'benchmarks', label: 'Benchmarks' },
  { id: 'settings', label: 'Settings' },
] as const;

export function installAppMenu(focusedWindow: () => BrowserWindow | undefined): void {
  const isMac = process.platform === 'darwin';
  const go: MenuItemConstructorOptions[] = VIEWS.map((view, index) => ({
    label: view.label,
    accelerator: `CmdOrCtrl+${index + 1}`,
    // The page routes on its hash; the id is one of the constants above, never page-supplied text.
    click: () => void focusedWindow()?.webContents.executeJavaScript(`location.hash = '#/${view.id}'`),
  }));
  const template: MenuItemConstructorOptions[] = [
    ...(isMac ? [{ role: 'appMenu' as const }] : []),
    { role: 'fileMenu' },
    { role: 'editMenu' },
    {
      label: 'View',
      submenu: [
        { role: 'reload' },
        { type: 'separator' },
        { role: 'resetZoom' },
        { role: 'zoomIn' },
        { role: 'zoomOut' },
        { type: 'separator' },
        { role: 'togglefullscreen' },
      ],
    },
    { label: 'Go', submenu: go },
    { role: 'windowMenu' },
  ];
  Menu.setApplicationMenu(Menu.buildFromTemplate(template));
}
