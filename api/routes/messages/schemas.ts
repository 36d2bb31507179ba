import { MESSAGE_CHANNELS, MESSAGE_DIRECTIONS, MESSAGE_STATUSES } from '../../../db/entities/enums.js';
import { pageQueryProperties } from '../../pagination.js';
import { emptyQuery, uuidIdParams, type JsonSchema, type ObjectSchema } from '../../validation.js';

const uuid = { type: 'string', format: 'uuid' } as const;

/** Twilio refuses longer bodies (error 21617); emails are capped only to keep rows sane. */
export const SMS_BODY_MAX = 1600;
const EMAIL_BODY_MAX = 100_000;
/** Slack truncates `text` beyond 40,000 characters (chat.postMessage). */
const SLACK_TEXT_MAX = 40_000;

/*
 * The `if` and `then` parts only add rules to properties the top level already declares and closes, so they leave
 * other properties alone (an empty schema for them) rather than closing the object a second time.
 */
const whenChannel = (channel: 'sms' | 'email') =>
  ({
    properties: { channel: { const: channel } },
    required: ['channel'],
    additionalProperties: {},
  }) as const satisfies JsonSchema;

/**
 * POST /api/messages. Rules JSON Schema cannot state with a useful message (exactly one of `to` and `clientId`,
 * a phone number's format, fields that only email takes) are checked by the handler, with the same error shape.
 */
export const sendMessageBody = {
  type: 'object',
  properties: {
    channel: { type: 'string', enum: ['sms', 'email'] },
    // Thread keys embed the address (`email:address:<address>`) in a 255-character column.
    to: { type: 'string', minLength: 1, maxLength: 240 },
    clientId: uuid,
    subject: { type: 'string', minLength: 1, maxLength: 255 },
    body: { type: 'string', minLength: 1, maxLength: EMAIL_BODY_MAX },
    jobId: uuid,
    provider: { type: 'string', enum: ['sendgrid', 'gmail'] },
  },
  required: ['channel', 'body'],
  additionalProperties: false,
  allOf: [
    {
      if: whenChannel('sms'),
      then: { properties: { body: { type: 'string', maxLength: SMS_BODY_MAX } }, additionalProperties: {} },
    },
    {
      if: whenChannel('email'),
      then: {
        properties: { to: { type: 'string', format: 'email' }, subject: { type: 'string' } },
        required: ['subject'],
        additionalProperties: {},
      },
    },
  ],
} as const satisfies ObjectSchema;

export const sendSlackMessageBody = {
  type: 'object',
  properties: {
    // Public (C…) and private (G…) channel ids; a name like #general is refused: ids survive renames.
    channel: { type: 'string', pattern: '^[CG][A-Z0-9]{6,20}$' },
    text: { type: 'string', minLength: 1, maxLength: SLACK_TEXT_MAX },
    threadTs: { type: 'string', pattern: '^[0-9]{10}\\.[0-9]{6}$' },
    clientId: uuid,
    jobId: uuid,
  },
  required: ['channel', 'text'],
  additionalProperties: false,
} as const satisfies ObjectSchema;

export const listMessagesQuery = {
  type: 'object',
  properties: {
    channel: { type: 'string', enum: MESSAGE_CHANNELS },
    direction: { type: 'string', enum: MESSAGE_DIRECTIONS },
    status: { type: 'string', enum: MESSAGE_STATUSES },
    clientId: uuid,
    jobId: uuid,
    threadKey: { type: 'string', minLength: 1, maxLength: 255 },
    from: { type: 'string', format: 'date-time' },
    to: { type: 'string', format: 'date-time' },
    q: { type: 'string', minLength: 1, maxLength: 200 },
    ...pageQueryProperties,
  },
  additionalProperties: false,
} as const satisfies ObjectSchema;

export const listThreadsQuery = {
  type: 'object',
  properties: {
    channel: { type: 'string', enum: MESSAGE_CHANNELS },
    clientId: uuid,
    ...pageQueryProperties,
    // A thread cursor carries the thread key, which can hold a whole email address.
    cursor: { ...pageQueryProperties.cursor, maxLength: 800 },
  },
  additionalProperties: false,
} as const satisfies ObjectSchema;

export const messageIdParams = uuidIdParams;

export { emptyQuery };

export interface SendMessageBody {
  channel: 'sms' | 'email';
  to?: string;
  clientId?: string;
  subject?: string;
  body: string;
  jobId?: string;
  provider?: 'sendgrid' | 'gmail';
}

export interface SendSlackMessageBody {
  channel: string;
  text: string;
  threadTs?: string;
  clientId?: string;
  jobId?: string;
}

export interface ListMessagesQuery {
  channel?: (typeof MESSAGE_CHANNELS)[number];
  direction?: (typeof MESSAGE_DIRECTIONS)[number];
  status?: (typeof MESSAGE_STATUSES)[number];
  clientId?: string;
  jobId?: string;
  threadKey?: string;
  from?: string;
  to?: string;
  q?: string;
  limit: number;
  cursor?: string;
}

export interface ListThreadsQuery {
  channel?: (typeof MESSAGE_CHANNELS)[number];
  clientId?: string;
  limit: number;
  cursor?: string;
}
