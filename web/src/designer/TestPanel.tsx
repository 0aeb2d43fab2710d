import { useEffect, useRef, useState } from 'react';
import { Alert, Button, Group, ScrollArea, Stack, Text, TextInput } from '@mantine/core';
import { connectParticipant, disconnectParticipant, sendMessage, startChat, transcript, type Auth, type TranscriptItem } from './api';

export interface TestPanelProps {
  auth: Auth;
  instanceId: string;
  flowId: string;
  publishedVersion?: number;
}

// TestPanel runs the flow's published version as a chat, as a customer
// would see it: POST /contacts/chat with ContactFlowId, then the
// participant API (docs/chat.md), polling the transcript.
export function TestPanel({ auth, instanceId, flowId, publishedVersion }: TestPanelProps) {
  const [conn, setConn] = useState<string>();
  const [items, setItems] = useState<TranscriptItem[]>([]);
  const [text, setText] = useState('');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const ended = items.some((i) => i.ContentType === 'application/vnd.amazonaws.connect.event.chat.ended');
  const viewport = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (!conn || ended) return;
    let stop = false;
    const tick = async () => {
      try {
        const t = await transcript(conn);
        if (!stop) setItems(t);
      } catch (e) {
        if (!stop) setError(String(e instanceof Error ? e.message : e));
      }
    };
    void tick();
    const h = setInterval(tick, 1000);
    return () => {
      stop = true;
      clearInterval(h);
    };
  }, [conn, ended]);

  useEffect(() => {
    viewport.current?.scrollTo({ top: viewport.current.scrollHeight });
  }, [items.length]);

  const start = async () => {
    setBusy(true);
    setError(undefined);
    setItems([]);
    try {
      const out = await startChat(auth, instanceId, flowId);
      setConn(await connectParticipant(out.ParticipantToken));
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };
  const send = async () => {
    if (!conn || !text.trim()) return;
    try {
      await sendMessage(conn, text);
      setText('');
      setItems(await transcript(conn));
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  };

  return (
    <Stack gap="xs" p="sm" data-testid="test-panel">
      <Text size="sm" c="dimmed">
        Runs the published version{publishedVersion ? ` (v${publishedVersion})` : ''} as a chat. Publish to test your latest changes.
      </Text>
      {!publishedVersion && <Alert color="yellow">This flow has no published version yet.</Alert>}
      <Group>
        <Button size="xs" onClick={start} loading={busy} data-testid="test-start">{conn ? 'Restart chat' : 'Start chat'}</Button>
        {conn && !ended && (
          <Button size="xs" variant="light" color="red" data-testid="test-end" onClick={() => disconnectParticipant(conn).catch((e) => setError(String(e)))}>
            End chat
          </Button>
        )}
      </Group>
      {error && <Alert color="red" data-testid="test-error">{error}</Alert>}
      <ScrollArea h={260} viewportRef={viewport} data-testid="test-transcript">
        <Stack gap={4}>
          {items.map((i) => {
            if (i.Type === 'MESSAGE') {
              const mine = i.ParticipantRole === 'CUSTOMER';
              return (
                <Text key={i.Id} size="sm" data-testid="test-message" data-role={i.ParticipantRole}
                  style={{ alignSelf: mine ? 'flex-end' : 'flex-start', background: mine ? '#d0ebff' : '#f1f3f5', borderRadius: 8, padding: '4px 8px', maxWidth: '85%', whiteSpace: 'pre-wrap' }}>
                  {i.Content}
                </Text>
              );
            }
            if (i.Type === 'EVENT') {
              const ev = i.ContentType.replace('application/vnd.amazonaws.connect.event.', '');
              return <Text key={i.Id} size="xs" c="dimmed" ta="center">{ev}{i.DisplayName ? ` · ${i.DisplayName}` : ''}</Text>;
            }
            return null;
          })}
        </Stack>
      </ScrollArea>
      <Group gap={4} wrap="nowrap">
        <TextInput aria-label="Message" placeholder={ended ? 'The chat has ended' : 'Type as the customer'} value={text} style={{ flex: 1 }}
          disabled={!conn || ended} data-testid="test-input" onChange={(e) => setText(e.currentTarget.value)}
          onKeyDown={(e) => { if (e.key === 'Enter') void send(); }} />
        <Button size="xs" disabled={!conn || ended} onClick={send} data-testid="test-send">Send</Button>
      </Group>
    </Stack>
  );
}
