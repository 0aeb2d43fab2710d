// @vitest-environment jsdom
import { act, useState } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import { MantineProvider } from '@mantine/core';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SidePanel } from './SidePanel';
import { toFlow, toGraph, type GraphModel, type RawAction } from './model';

beforeAll(() => {
  (globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;
  // Mantine reads the colour scheme through matchMedia, which jsdom lacks.
  window.matchMedia ??= ((query: string) => ({
    matches: false, media: query, onchange: null,
    addListener() {}, removeListener() {}, addEventListener() {}, removeEventListener() {}, dispatchEvent: () => false,
  })) as unknown as typeof window.matchMedia;
  // Mantine's autosizing textarea listens to document.fonts, which jsdom lacks.
  if (!('fonts' in document)) {
    Object.defineProperty(document, 'fonts', { value: { addEventListener() {}, removeEventListener() {} } });
  }
  globalThis.ResizeObserver ??= class { observe() {} unobserve() {} disconnect() {} } as unknown as typeof ResizeObserver;
});

const doc = {
  Version: '2019-10-30',
  StartAction: 'hello',
  Metadata: { entryPointPosition: { x: 0, y: 0 }, ActionMetadata: { hello: { position: { x: 10, y: 10 } } } },
  Actions: [
    { Identifier: 'hello', Type: 'MessageParticipant', Parameters: { Text: 'Welcome' },
      Transitions: { NextAction: 'bye', Errors: [{ NextAction: 'bye', ErrorType: 'NoMatchingError' }] } },
    { Identifier: 'bye', Type: 'DisconnectParticipant', Parameters: {}, Transitions: {} },
  ],
};

let root: Root | undefined;
let container: HTMLDivElement | undefined;
afterEach(() => {
  act(() => root?.unmount());
  container?.remove();
});

// typeInto sets a controlled input's value the way a user's typing does.
function typeInto(el: HTMLInputElement | HTMLTextAreaElement, value: string) {
  const proto = el instanceof HTMLTextAreaElement ? HTMLTextAreaElement.prototype : HTMLInputElement.prototype;
  Object.getOwnPropertyDescriptor(proto, 'value')!.set!.call(el, value);
  el.dispatchEvent(new Event('input', { bubbles: true }));
}

function render(nodeId: string) {
  const seen: { model?: GraphModel } = {};
  function Harness() {
    const [m, setM] = useState(() => toGraph(doc));
    seen.model = m;
    return <SidePanel model={m} nodeId={nodeId} problems={[]} onModel={setM} onClose={() => {}} />;
  }
  container = document.createElement('div');
  document.body.appendChild(container);
  root = createRoot(container);
  act(() => root!.render(<MantineProvider><Harness /></MantineProvider>));
  return seen;
}

describe('SidePanel', () => {
  it("edits a MessageParticipant's text into the model", () => {
    const seen = render('hello');
    const text = container!.querySelector<HTMLTextAreaElement>('[data-testid="field-Text"]');
    expect(text).not.toBeNull();
    expect(text!.value).toBe('Welcome');
    act(() => typeInto(text!, 'Hello $.Attributes.name, how can we help?'));
    const out = toFlow(seen.model!) as { Actions: RawAction[]; Metadata: unknown };
    expect(out.Actions[0].Parameters).toStrictEqual({ Text: 'Hello $.Attributes.name, how can we help?' });
    // The rest of the action and of the document is untouched.
    expect(out.Actions[0].Transitions).toStrictEqual(doc.Actions[0].Transitions);
    expect(out.Metadata).toStrictEqual(doc.Metadata);
    // The JSON editor follows the form.
    const json = container!.querySelector<HTMLTextAreaElement>('[data-testid="field-json"]')!;
    expect(JSON.parse(json.value)).toStrictEqual({ Text: 'Hello $.Attributes.name, how can we help?' });
  });

  it('edits parameters through the JSON editor, ignoring invalid JSON', () => {
    const seen = render('hello');
    const json = container!.querySelector<HTMLTextAreaElement>('[data-testid="field-json"]')!;
    act(() => typeInto(json, '{"Text": "x"'));
    expect((toFlow(seen.model!) as { Actions: RawAction[] }).Actions[0].Parameters).toStrictEqual({ Text: 'Welcome' });
    act(() => typeInto(json, '{"SSML": "<speak>Hi</speak>"}'));
    expect((toFlow(seen.model!) as { Actions: RawAction[] }).Actions[0].Parameters).toStrictEqual({ SSML: '<speak>Hi</speak>' });
    expect(container!.querySelector<HTMLTextAreaElement>('[data-testid="field-SSML"]')!.value).toBe('<speak>Hi</speak>');
  });

  it('deletes the action and the branches that led to it', () => {
    const seen = render('bye');
    act(() => container!.querySelector<HTMLButtonElement>('[data-testid="side-panel-delete"]')!.click());
    const out = toFlow(seen.model!) as { Actions: RawAction[]; Metadata: { ActionMetadata: object } };
    expect(out.Actions.map((a) => a.Identifier)).toStrictEqual(['hello']);
    expect(out.Actions[0].Transitions).toStrictEqual({ Errors: [] });
  });
});
