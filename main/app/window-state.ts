// The window's size and place, restored at the next start: saved to window-state.json in the user data
// folder when it moves or resizes (debounced) and on close; ignored when it would open off every screen.
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { screen, type BrowserWindow, type Rectangle } from 'electron';

export interface WindowState {
  bounds: Rectangle;
  maximized: boolean;
}

const FILE_NAME = 'window-state.json';
const SAVE_DELAY_MS = 500;

function isRectangle(value: unknown): value is Rectangle {
  const rectangle = value as Rectangle;
  return (
    typeof value === 'object' &&
    value !== null &&
    [rectangle.x, rectangle.y, rectangle.width, rectangle.height].every((number) => Number.isFinite(number)) &&
    rectangle.width >= 400 &&
    rectangle.height >= 300
  );
}

/** The saved state, when it is readable and at least partly on a connected screen. */
export function loadWindowState(userData: string): WindowState | undefined {
  try {
    const parsed = JSON.parse(readFileSync(path.join(userData, FILE_NAME), 'utf8')) as Partial<WindowState>;
    if (!isRectangle(parsed.bounds)) return undefined;
    const bounds = parsed.bounds;
    const visible = screen.getAllDisplays().some(({ workArea }) => {
      const overlapWidth = Math.min(bounds.x + bounds.width, workArea.x + workArea.width) - Math.max(bounds.x, workArea.x);
      const overlapHeight = Math.min(bounds.y + bounds.height, workArea.y + workArea.height) - Math.max(bounds.y, workArea.y);
      return overlapWidth >= 100 && overlapHeight >= 100;
    });
    return visible ? { bounds, maximized: parsed.maximized === true } : undefined;
  } catch {
    return undefined;
  }
}

/** Saves the window's state whenever it changes, and once more when it closes. */
export function keepWindowState(window: BrowserWindow, userData: string): void {
  let timer: NodeJS.Timeout | undefined;
  const save = () => {
    clearTimeout(timer);
    if (window.isDestroyed()) return;
    const state: WindowState = { bounds: window.getNormalBounds(), maximized: window.isMaximized() };
    const file = path.join(userData, FILE_NAME);
    try {
      writeFileSync(`${file}.tmp`, JSON.stringify(state));
      renameSync(`${file}.tmp`, file);
    } catch {
      // A read-only profile folder: the next start uses the default size.
    }
  };
  const later = () => {
    clearTimeout(timer);
    timer = setTimeout(save, SAVE_DELAY_MS);
  };
  window.on('resize', later);
  window.on('move', later);
  window.on('close', save);
}
