import { defineEntity, p } from '@mikro-orm/core';
import { baseProperties } from './base.js';
import { Client } from './client.js';
import { Job } from './job.js';
import { MESSAGE_CHANNELS, MESSAGE_DIRECTIONS } from './enums.js';

export const MessageSchema = defineEntity({
  name: 'Message',
  tableName: 'messages',
  properties: {
    ...baseProperties(),
    client: () => p.manyToOne(Client).ref().nullable().deleteRule('set null').index(),
    job: () => p.manyToOne(Job).ref().nullable().deleteRule('set null').index(),
    channel: p.enum(MESSAGE_CHANNELS).index(),
    direction: p.enum(MESSAGE_DIRECTIONS),
    fromAddress: p.string().nullable(),
    toAddress: p.string().nullable(),
    subject: p.string().nullable(),
    body: p.text().nullable(),
    // Slack's ts is unique only within one channel, so it is indexed for lookups but not constrained.
    slackTs: p.string().length(100).nullable().index(),
    twilioSid: p.string().length(100).nullable().unique(),
    sendgridId: p.string().length(100).nullable().unique(),
    status: p.string().length(50).nullable().index(),
    deliveredAt: p.datetime().nullable(),
    readAt: p.datetime().nullable(),
    /** Groups a conversation across channels, e.g. `client:<id>` or a Slack thread ts. */
    threadKey: p.string().nullable().index(),
  },
  indexes: [{ properties: ['createdAt'] }],
});

export class Message extends MessageSchema.class {}
MessageSchema.setClass(Message);
