import { useState } from 'react';
import { Badge, Button, Card, Group, Stack, Text } from '@mantine/core';
import type { ContactState } from '../agent-client';
import { useNow } from './agent';
import { secondsLeft } from './time';
import { Attributes } from './Attributes';

// OfferCard is an incoming contact: accept or reject before expiresAt.
export function OfferCard({ contact, onAccept, onReject, now: fixedNow }: {
  contact: ContactState;
  onAccept: () => Promise<unknown>;
  onReject: () => Promise<unknown>;
  /** for tests: a fixed clock */
  now?: number;
}) {
  const tick = useNow(500);
  const now = fixedNow ?? tick;
  const left = secondsLeft(contact.offerExpiresAt, now);
  const [busy, setBusy] = useState(false);
  const run = (f: () => Promise<unknown>) => async () => {
    setBusy(true);
    try {
      await f();
    } finally {
      setBusy(false);
    }
  };
  return (
    <Card withBorder shadow="sm" data-testid="offer" data-contact-id={contact.contactId} data-channel={contact.channel} bg="var(--mantine-color-blue-light)">
      <Stack gap="xs">
        <Group justify="space-between">
          <Text fw={700}>Incoming {contact.channel === 'VOICE' ? 'call' : contact.channel.toLowerCase()}</Text>
          {left !== null && (
            <Badge color={left <= 5 ? 'red' : 'blue'} data-testid="offer-countdown" aria-live="polite">
              {left} s
            </Badge>
          )}
        </Group>
        <Text size="sm" c="dimmed">
          {contact.personalQueue ? 'Personal queue' : `Queue ${contact.queueId ?? '—'}`} · {contact.contactId}
        </Text>
        <Attributes attributes={contact.attributes} />
        {!contact.autoAccepted && (
          <Group grow>
            <Button color="green" disabled={busy || left === 0} onClick={run(onAccept)} data-testid="offer-accept">
              Accept
            </Button>
            <Button color="red" variant="light" disabled={busy || left === 0} onClick={run(onReject)} data-testid="offer-reject">
              Reject
            </Button>
          </Group>
        )}
      </Stack>
    </Card>
  );
}
