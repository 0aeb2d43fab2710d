import { useEffect, useRef, useState, type FormEvent } from 'react';
import { Button, Group, Paper, ScrollArea, Stack, Text, TextInput } from '@mantine/core';
import type { AgentClient, ContactState } from '../agent-client';
import { useNow } from './agent';

const TYPING_SEND_MS = 3000; // at most one typing indicator per 3 s
const TYPING_SHOW_MS = 6000; // show the other side typing for 6 s

// ChatPanel is one chat: its messages (the transcript so far when the
// console starts without them), a typing indicator both ways, read receipts
// for the others' messages, and the send box.
export function ChatPanel({ client, contact, onError }: { client: AgentClient; contact: ContactState; onError: (msg: string) => void }) {
  const [text, setText] = useState('');
  const [sending, setSending] = useState(false);
  const lastTyping = useRef(0);
  const readSent = useRef(new Set<string>());
  const viewport = useRef<HTMLDivElement>(null);
  const now = useNow(1000);
  const connected = contact.state === 'Connected';
  const [loading, setLoading] = useState(false);
  const transcriptAsked = useRef<string | null>(null);

  // A chat the console has no messages for (opened in another browser,
  // storage cleared, or just accepted after the flow's part): read its
  // transcript once, so the agent sees the conversation so far.
  const hasMessages = contact.messages.length > 0;
  const canRead = connected || contact.state === 'AfterContactWork';
  useEffect(() => {
    if (hasMessages || !canRead || transcriptAsked.current === contact.contactId) return;
    transcriptAsked.current = contact.contactId;
    setLoading(true);
    client
      .getTranscript(contact.contactId)
      .catch((err: unknown) => onError(`chat history: ${err instanceof Error ? err.message : String(err)}`))
      .finally(() => setLoading(false));
  }, [client, contact.contactId, hasMessages, canRead, onError]);

  // Read receipts: the console shows the message, so it is read.
  useEffect(() => {
    if (!connected) return;
    for (const m of contact.messages) {
      if (m.own || readSent.current.has(m.id)) continue;
      readSent.current.add(m.id);
      client.read(contact.contactId, m.id).catch(() => {
        // optional: the receipt is best effort
      });
    }
  }, [client, contact.contactId, contact.messages, connected]);

  useEffect(() => {
    viewport.current?.scrollTo({ top: viewport.current.scrollHeight });
  }, [contact.messages.length]);

  const onChange = (v: string) => {
    setText(v);
    const t = Date.now();
    if (connected && v && t - lastTyping.current > TYPING_SEND_MS) {
      lastTyping.current = t;
      client.typing(contact.contactId).catch(() => {});
    }
  };

  const send = async (e: FormEvent) => {
    e.preventDefault();
    const content = text.trim();
    if (!content) return;
    setSending(true);
    try {
      await client.sendMessage(contact.contactId, content);
      setText('');
      lastTyping.current = 0;
    } catch (err) {
      onError(`send: ${err instanceof Error ? err.message : String(err)}`);
    } finally {
      setSending(false);
    }
  };

  const typing = contact.typing && now - contact.typing.at < TYPING_SHOW_MS ? contact.typing : undefined;
  return (
    <Stack gap="xs">
      <ScrollArea h={240} viewportRef={viewport} type="auto">
        <Stack gap={6} p={4} data-testid="chat-messages" aria-live="polite" aria-label="Chat messages">
          {contact.messages.length === 0 && (
            <Text size="sm" c="dimmed" data-testid="chat-empty">{loading ? 'Loading the conversation…' : 'No messages yet.'}</Text>
          )}
          {contact.messages.map((m) => (
            <Paper key={m.id} p={6} px="sm" radius="md" maw="85%" data-testid="chat-message" data-own={m.own ? 'true' : 'false'}
              data-role={m.participantRole}
              style={{ alignSelf: m.own ? 'flex-end' : 'flex-start' }}
              bg={m.own ? 'var(--mantine-color-blue-light)' : m.participantRole === 'SYSTEM' ? 'var(--mantine-color-gray-1)' : 'var(--mantine-color-green-light)'}>
              <Text size="xs" c="dimmed">
                {m.own ? 'You' : m.displayName || m.participantRole}
                {m.own && m.readAt ? ' · read' : m.own && m.deliveredAt ? ' · delivered' : ''}
              </Text>
              <Text size="sm" style={{ whiteSpace: 'pre-wrap', wordBreak: 'break-word' }}>{m.content}</Text>
            </Paper>
          ))}
        </Stack>
      </ScrollArea>
      <Text size="xs" c="dimmed" h={16} data-testid="chat-typing">
        {typing ? `${typing.participantRole === 'CUSTOMER' ? 'The customer' : typing.participantRole} is typing…` : ''}
      </Text>
      <form onSubmit={send}>
        <Group gap="xs" wrap="nowrap">
          <TextInput flex={1} aria-label="Message" placeholder={connected ? 'Type a message' : 'The chat has ended'}
            value={text} disabled={!connected} onChange={(e) => onChange(e.currentTarget.value)} data-testid="chat-input" />
          <Button type="submit" disabled={!connected || !text.trim()} loading={sending} data-testid="chat-send">
            Send
          </Button>
        </Group>
      </form>
    </Stack>
  );
}
