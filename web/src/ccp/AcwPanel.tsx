import { useState } from 'react';
import { Badge, Button, Group, Stack, Text, Textarea } from '@mantine/core';
import type { ContactState } from '../agent-client';
import { useNow } from './agent';
import { loadNotes, saveNotes } from './notes';
import { clock, secondsLeft, secondsSince } from './time';

// AcwPanel is after-contact work: its timer (and the time left when the
// profile limits it), disposition notes (a draft kept in this browser while
// typing, so a reload keeps it; completeAcw saves them on the contact, as
// its description), and Complete.
export function AcwPanel({ contact, onComplete }: { contact: ContactState; onComplete: (notes: string) => Promise<unknown> }) {
  const now = useNow(1000);
  const [notes, setNotes] = useState(() => loadNotes(contact.contactId));
  const [busy, setBusy] = useState(false);
  const left = secondsLeft(contact.acwExpiresAt, now);
  const complete = async () => {
    saveNotes(contact.contactId, notes);
    setBusy(true);
    try {
      await onComplete(notes.trim());
    } finally {
      setBusy(false);
    }
  };
  return (
    <Stack gap="xs" data-testid="acw">
      <Group gap="xs">
        <Badge color="grape" data-testid="acw-timer">After-contact work {clock(secondsSince(contact.since, now))}</Badge>
        {left !== null && (
          <Text size="sm" c={left <= 10 ? 'red' : 'dimmed'} data-testid="acw-remaining">
            ends in {clock(left)}
          </Text>
        )}
      </Group>
      <Textarea label="Notes" description="Saved on the contact when you complete" autosize minRows={2} value={notes}
        onChange={(e) => {
          setNotes(e.currentTarget.value);
          saveNotes(contact.contactId, e.currentTarget.value);
        }}
        data-testid="acw-notes" />
      <Button color="grape" onClick={complete} loading={busy} data-testid="acw-complete">
        Complete after-contact work
      </Button>
    </Stack>
  );
}
