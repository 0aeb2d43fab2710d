// Disposition notes of after-contact work. The API has nowhere to store
// them (no contact-notes field or route), so they stay in this browser's
// localStorage, by contact ID, until the API gains one.

const KEY = 'switchboard.ccp.notes';
const MAX = 200;

interface NoteEntry {
  notes: string;
  updatedAt: string;
}

function readAll(): Record<string, NoteEntry> {
  try {
    return JSON.parse(localStorage.getItem(KEY) ?? '{}') as Record<string, NoteEntry>;
  } catch {
    return {};
  }
}

export function loadNotes(contactId: string): string {
  return readAll()[contactId]?.notes ?? '';
}

export function saveNotes(contactId: string, notes: string): void {
  try {
    const all = readAll();
    all[contactId] = { notes, updatedAt: new Date().toISOString() };
    const ids = Object.keys(all).sort((a, b) => all[a].updatedAt.localeCompare(all[b].updatedAt));
    for (const id of ids.slice(0, Math.max(0, ids.length - MAX))) delete all[id];
    localStorage.setItem(KEY, JSON.stringify(all));
  } catch {
    // storage blocked or full: the notes live as long as the page
  }
}
