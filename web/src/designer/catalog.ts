// The action catalogue as the designer needs it: a TypeScript mirror of
// internal/flow/catalog.go (the Go table is the authority; the server
// validates with it on publish). The designer uses it to label nodes, to
// draw one source handle per branch an action can take, to pick a form per
// action type and to run quick checks before asking the server.

export type ValueKind = 'static' | 'dynamic' | 'path' | 'text' | 'object' | 'list' | 'map' | 'any';

export interface ParamSpec {
  name: string;
  kind: ValueKind;
  required?: boolean;
  enum?: string[];
  bool?: boolean;
  resource?: string;
}

export interface ConditionSpec {
  // operators allowed; undefined allows every comparison operator.
  operators?: string[];
  // values the action's result can take (undefined: free).
  values?: string[];
  // values each of which needs a condition.
  required?: string[];
}

export interface ErrorSpec {
  type: string;
  required: boolean;
}

export type Category = 'participant' | 'contact' | 'flow control' | 'interaction';

export interface ActionSpec {
  type: string;
  label: string;
  category: Category;
  params: ParamSpec[];
  // groups of parameters of which exactly one must be given.
  oneOfRequired?: string[][];
  conditions?: ConditionSpec;
  errors: ErrorSpec[];
  terminal?: boolean;
  leavesFlow?: boolean;
  nextOptional?: boolean;
  aliases?: string[];
}

export const OPERATORS = [
  'Equals',
  'TextStartsWith',
  'TextEndsWith',
  'TextContains',
  'NumberGreaterThan',
  'NumberGreaterOrEqualTo',
  'NumberLessThan',
  'NumberLessOrEqualTo',
];
const numberOperators = OPERATORS.slice(4);

const p = (name: string, kind: ValueKind, extra: Partial<ParamSpec> = {}): ParamSpec => ({ name, kind, ...extra });
const req = (name: string, kind: ValueKind, extra: Partial<ParamSpec> = {}): ParamSpec => p(name, kind, { ...extra, required: true });
const errs = (required: string[], ...optional: string[]): ErrorSpec[] => [
  ...required.map((type) => ({ type, required: true })),
  ...optional.map((type) => ({ type, required: false })),
];
const NME = 'NoMatchingError';
const NMC = 'NoMatchingCondition';
const prompt = (): ParamSpec[] => [
  p('Text', 'text'),
  p('SSML', 'text'),
  p('PromptId', 'dynamic', { resource: 'prompt' }),
  p('Media', 'object'),
];
const promptOneOf = ['Text', 'SSML', 'PromptId', 'Media'];
const queueOrAgent = (): ParamSpec[] => [
  p('QueueId', 'dynamic', { resource: 'queue' }),
  p('AgentId', 'dynamic', { resource: 'user' }),
];
const bool = (name: string, required = false): ParamSpec => p(name, 'static', { bool: true, required });

const specs: ActionSpec[] = [
  // ---- participant ----
  { type: 'MessageParticipant', label: 'Play prompt', category: 'participant', params: prompt(), oneOfRequired: [promptOneOf], errors: errs([], NME) },
  {
    type: 'MessageParticipantIteratively', label: 'Loop prompts', category: 'participant',
    params: [req('Messages', 'list'), p('InterruptFrequencySeconds', 'static'), bool('ContinueMessagingDuringInterrupt')],
    conditions: { operators: ['Equals'], values: ['MessagesInterrupted'] }, errors: errs([], NME), nextOptional: true,
  },
  {
    type: 'GetParticipantInput', label: 'Get customer input', category: 'participant',
    params: [...prompt(), req('InputTimeLimitSeconds', 'static'), bool('StoreInput', true), p('InputValidation', 'object'), p('InputEncryption', 'object'), p('DTMFConfiguration', 'object')],
    oneOfRequired: [promptOneOf], conditions: { operators: ['Equals'] },
    errors: errs([NME], NMC, 'InputTimeLimitExceeded', 'InvalidPhoneNumber'),
  },
  {
    type: 'ConnectParticipantWithLexBot', label: 'Lex bot', category: 'participant',
    params: [...prompt().slice(0, 3), p('LexV2Bot', 'object'), p('LexBot', 'object'), p('LexSessionAttributes', 'map'), p('LexInitilizationData', 'object'), p('LexTimeoutSeconds', 'object')],
    oneOfRequired: [['LexV2Bot', 'LexBot']], conditions: { operators: ['Equals'] }, errors: errs([NME], NMC, 'InputTimeLimitExceeded'),
  },
  { type: 'DisconnectParticipant', label: 'Disconnect', category: 'participant', params: [], errors: [], terminal: true },
  {
    type: 'TransferParticipantToThirdParty', label: 'Transfer to phone number', category: 'participant', leavesFlow: true,
    params: [req('ThirdPartyPhoneNumber', 'dynamic'), p('ThirdPartyConnectionTimeLimitSeconds', 'dynamic'), bool('ContinueFlowExecution'), p('ThirdPartyDTMFDigits', 'dynamic'), p('CallerId', 'object')],
    errors: errs([NME], 'ConnectionTimeLimitExceeded', 'CallFailed'),
  },
  {
    type: 'ShowView', label: 'Show view', category: 'participant',
    params: [req('ViewResource', 'object'), req('InvocationTimeLimitSeconds', 'static'), p('ViewData', 'any'), p('SensitiveDataConfiguration', 'any')],
    conditions: { operators: ['Equals'] }, errors: errs([NME], NMC, 'TimeLimitExceeded'),
  },
  // ---- contact ----
  { type: 'UpdateContactAttributes', label: 'Set contact attributes', category: 'contact', params: [req('Attributes', 'map'), p('TargetContact', 'static', { enum: ['Current', 'Related'] })], errors: errs([NME]) },
  { type: 'UpdateFlowAttributes', label: 'Set flow attributes', category: 'contact', params: [req('FlowAttributes', 'map')], errors: errs([NME]) },
  { type: 'UpdateContactTargetQueue', label: 'Set working queue', category: 'contact', params: queueOrAgent(), oneOfRequired: [['QueueId', 'AgentId']], errors: errs([NME]) },
  { type: 'TransferContactToQueue', label: 'Transfer to queue', category: 'contact', params: [], errors: errs([NME], 'QueueAtCapacity'), leavesFlow: true },
  { type: 'TransferContactToAgent', label: 'Transfer to agent', category: 'contact', params: [], errors: errs([NME]), leavesFlow: true },
  { type: 'DequeueContactAndTransferToQueue', label: 'Dequeue and transfer', category: 'contact', params: queueOrAgent(), oneOfRequired: [['QueueId', 'AgentId']], errors: errs([NME], 'QueueAtCapacity'), leavesFlow: true },
  { type: 'UpdateContactRecordingBehavior', label: 'Set recording behavior', category: 'contact', params: [p('RecordingBehavior', 'object'), p('AnalyticsBehavior', 'object')], errors: [] },
  { type: 'UpdateContactEventHooks', label: 'Set event hook flow', category: 'contact', params: [req('EventHooks', 'map'), p('EventHooksConfiguration', 'map')], errors: errs([], NME) },
  {
    type: 'UpdateContactTextToSpeechVoice', label: 'Set voice', category: 'contact',
    params: [req('TextToSpeechVoice', 'dynamic'), p('TextToSpeechEngine', 'static', { enum: ['Standard', 'Neural', 'Generative', 'LongForm'] }), p('TextToSpeechStyle', 'static', { enum: ['None', 'Conversational', 'Newscaster'] })],
    errors: [],
  },
  {
    type: 'UpdateContactData', label: 'Set contact data', category: 'contact',
    params: [p('LanguageCode', 'dynamic'), p('Name', 'text'), p('Description', 'text'), p('References', 'any'), p('TargetContact', 'static', { enum: ['Current', 'Related'] }), p('CustomerId', 'dynamic')],
    errors: errs([NME]),
  },
  { type: 'UpdateContactRoutingBehavior', label: 'Set routing behavior', category: 'contact', params: [p('QueuePriority', 'dynamic'), p('QueueTimeAdjustmentSeconds', 'dynamic'), p('RoutingProficiencies', 'any')], oneOfRequired: [['QueuePriority', 'QueueTimeAdjustmentSeconds', 'RoutingProficiencies']], errors: [] },
  { type: 'UpdateContactRoutingCriteria', aliases: ['UpdateRoutingCriteria'], label: 'Set routing criteria', category: 'contact', params: [req('RoutingCriteria', 'any')], errors: errs([NME]) },
  { type: 'UpdateContactMediaStreamingBehavior', label: 'Media streaming', category: 'contact', params: [req('MediaStreamingState', 'static', { enum: ['Enabled', 'Disabled'] }), p('MediaStreamType', 'static'), p('Participants', 'list')], errors: errs([NME]) },
  { type: 'UpdateContactCallbackNumber', label: 'Set callback number', category: 'contact', params: [req('CallbackNumber', 'dynamic')], errors: errs([], NME, 'InvalidCallbackNumber', 'CallbackNumberNotDialable') },
  { type: 'UpdatePreviousContactParticipantState', label: 'Hold participant', category: 'contact', params: [req('PreviousContactParticipantState', 'static', { enum: ['AgentOnHold', 'CustomerOnHold', 'OffHold'] })], errors: errs([], NME) },
  { type: 'TagContact', label: 'Tag contact', category: 'contact', params: [req('Tags', 'map')], errors: errs([NME]) },
  { type: 'UnTagContact', label: 'Untag contact', category: 'contact', params: [req('TagKeys', 'list')], errors: errs([NME]) },
  {
    type: 'CreateCallbackContact', label: 'Create callback', category: 'contact',
    params: [...queueOrAgent(), p('InitialCallDelaySeconds', 'static'), p('MaximumConnectionAttempts', 'static'), p('RetryDelaySeconds', 'static'), p('CallbackNumber', 'dynamic')],
    errors: errs([NME]),
  },
  { type: 'CompleteOutboundCall', label: 'Complete outbound call', category: 'contact', params: [p('CallerId', 'object')], errors: errs([], NME) },
  // ---- flow control ----
  { type: 'Compare', label: 'Check attribute', category: 'flow control', params: [req('ComparisonValue', 'path')], conditions: {}, errors: errs([NMC]) },
  {
    type: 'CheckHoursOfOperation', label: 'Check hours of operation', category: 'flow control',
    params: [p('HoursOfOperationId', 'dynamic', { resource: 'hours-of-operation' })],
    conditions: { operators: ['Equals'], values: ['True', 'False'], required: ['True', 'False'] }, errors: errs([NME]),
  },
  {
    type: 'CheckMetricData', label: 'Check queue status', category: 'flow control',
    params: [...queueOrAgent(), req('MetricType', 'static', { enum: ['NumberOfAgentsAvailable', 'NumberOfAgentsStaffed', 'NumberOfAgentsOnline', 'OldestContactInQueueAgeSeconds', 'NumberOfContactsInQueue'] })],
    conditions: { operators: numberOperators }, errors: errs([NME], NMC),
  },
  { type: 'GetMetricData', label: 'Get queue metrics', category: 'flow control', params: [...queueOrAgent(), p('QueueChannel', 'static')], errors: errs([NME]) },
  {
    type: 'Loop', label: 'Loop', category: 'flow control', params: [req('LoopCount', 'dynamic')],
    conditions: { operators: ['Equals'], values: ['ContinueLooping', 'DoneLooping'], required: ['ContinueLooping', 'DoneLooping'] }, errors: [],
  },
  {
    type: 'Wait', label: 'Wait', category: 'flow control', params: [req('TimeLimitSeconds', 'dynamic'), p('Events', 'list')],
    conditions: { operators: ['Equals'], values: ['WaitCompleted', 'CustomerReturned', 'BotParticipantDisconnected'], required: ['WaitCompleted'] },
    errors: errs([], NME, 'ParticipantNotFound'),
  },
  { type: 'DistributeByPercentage', label: 'Distribute by percentage', category: 'flow control', params: [], conditions: { operators: numberOperators }, errors: errs([NMC]) },
  { type: 'TransferToFlow', label: 'Transfer to flow', category: 'flow control', params: [req('ContactFlowId', 'dynamic', { resource: 'flow' })], errors: errs([NME]), leavesFlow: true },
  { type: 'InvokeFlowModule', label: 'Invoke module', category: 'flow control', params: [req('FlowModuleId', 'dynamic', { resource: 'flow-module' })], errors: errs([NME]) },
  { type: 'EndFlowModuleExecution', label: 'Return from module', category: 'flow control', params: [], errors: [], terminal: true },
  { type: 'EndFlowExecution', label: 'End flow', category: 'flow control', params: [], errors: [], terminal: true },
  { type: 'UpdateFlowLoggingBehavior', label: 'Set logging behavior', category: 'flow control', params: [req('FlowLoggingBehavior', 'static', { enum: ['Enabled', 'Disabled'] })], errors: [] },
  // ---- interactions ----
  {
    type: 'InvokeLambdaFunction', label: 'Invoke function', category: 'interaction',
    params: [req('LambdaFunctionARN', 'dynamic', { resource: 'function' }), req('InvocationTimeLimitSeconds', 'static'), p('LambdaInvocationAttributes', 'map'), p('InvocationType', 'static', { enum: ['SYNCHRONOUS', 'ASYNCHRONOUS'] }), p('ResponseValidation', 'object')],
    errors: errs([NME]),
  },
  {
    type: 'CreateTask', label: 'Create task', category: 'interaction',
    params: [req('Name', 'text'), p('Description', 'text'), p('ContactFlowId', 'dynamic'), p('TaskTemplateId', 'dynamic'), p('Attributes', 'map'), p('References', 'any'), p('DelaySeconds', 'dynamic'), p('ScheduledTime', 'dynamic'), p('QueueId', 'dynamic'), p('AgentId', 'dynamic')],
    errors: errs([NME]),
  },
  { type: 'GetCustomerProfile', label: 'Get customer profile', category: 'interaction', params: [req('ProfileRequestData', 'any'), p('ProfileResponseData', 'any')], errors: errs([NME], 'MultipleFoundError', 'NoneFoundError') },
  { type: 'CreateCustomerProfile', label: 'Create customer profile', category: 'interaction', params: [req('ProfileRequestData', 'any'), p('ProfileResponseData', 'any')], errors: errs([NME]) },
  { type: 'UpdateCustomerProfile', label: 'Update customer profile', category: 'interaction', params: [req('ProfileRequestData', 'any'), p('ProfileResponseData', 'any')], errors: errs([NME], 'NoneFoundError') },
  { type: 'CreateCase', label: 'Create case', category: 'interaction', params: [req('CaseTemplateId', 'dynamic'), p('CaseRequestFields', 'map'), p('CaseResponseFields', 'list'), bool('LinkContactToCase')], errors: errs([NME], 'ContactNotLinked') },
  { type: 'GetCase', label: 'Get case', category: 'interaction', params: [p('CaseRequestFields', 'map'), p('CaseResponseFields', 'list'), bool('LinkContactToCase'), bool('GetLastUpdatedCase')], errors: errs([NME], 'MultipleFound', 'NoneFound', 'ContactNotLinked') },
  { type: 'UpdateCase', label: 'Update case', category: 'interaction', params: [p('CaseId', 'dynamic'), p('CaseRequestFields', 'map'), bool('LinkContactToCase')], errors: errs([NME], 'ContactNotLinked') },
  { type: 'CheckVoiceId', label: 'Check Voice ID', category: 'interaction', params: [req('CheckVoiceIdOption', 'static', { enum: ['voiceAuthentication', 'fraudDetection', 'enrollmentStatus'] })], conditions: { operators: ['Equals'] }, errors: errs([NME]) },
  { type: 'StartVoiceIdStream', label: 'Start Voice ID', category: 'interaction', params: [], errors: errs([NME]) },
];

const index = new Map<string, ActionSpec>();
for (const s of specs) {
  index.set(s.type, s);
  for (const a of s.aliases ?? []) index.set(a, s);
}

// lookupAction returns the spec of an action type (or alias), undefined for
// a type Switchboard does not know.
export function lookupAction(type: string): ActionSpec | undefined {
  return index.get(type);
}

// actionTypes lists the known types (not aliases), sorted, for the palette.
export function actionTypes(): string[] {
  return specs.map((s) => s.type).sort();
}

// actionLabel is what a node shows as its title: the console's name for the
// action ("Play prompt"), or the raw type when it is unknown.
export function actionLabel(type: string): string {
  return lookupAction(type)?.label ?? type;
}
