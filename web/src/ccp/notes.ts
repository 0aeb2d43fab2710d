// Drafts of after-contact-work notes, in this browser's localStorage by
// contact ID, so that a reload keeps what the agent typed; completeAcw
// sends them to the server (the contact's description).

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
