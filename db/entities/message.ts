import { dashboardIndexesOf } from './dashboard-indexes.js';
import { defineEntity, p } from '@mikro-orm/core';
import { baseProperties } from './base.js';
import { Client } from './client.js';
import { JobDocument } from './job-document.js';
import { Job } from './job.js';
import { User } from './user.js';
import { VendorConnection } from './vendor-connection.js';
import { MESSAGE_CHANNELS, MESSAGE_DIRECTIONS, MESSAGE_STATUSES, VENDORS } from './enums.js';

export const MessageSchema = defineEntity({
  name: 'Message',
  tableName: 'messages',
  properties: {
    ...baseProperties(),
    client: () => p.manyToOne(Client).ref().nullable().deleteRule('set null').index(),
    job: () => p.manyToOne(Job).ref().nullable().deleteRule('set null').index(),
    channel: p.enum(MESSAGE_CHANNELS).index(),
    direction: p.enum(MESSAGE_DIRECTIONS),
    /** The vendor that carries it: twilio (sms), sendgrid or google (email), slack. */
    vendor: p.enum(VENDORS).nullable(),
    /** The connection it is sent through (or arrived on). */
    connection: () => p.manyToOne(VendorConnection).ref().nullable().deleteRule('set null').index(),
    fromAddress: p.string().nullable(),
    toAddress: p.string().nullable(),
    subject: p.string().nullable(),
    body: p.text().nullable(),
    /** A job document posted with the message (Slack file share). */
    document: () => p.manyToOne(JobDocument).ref().nullable().deleteRule('set null').index(),
    slackChannel: p.string().length(100).nullable(),
    // Slack's ts is unique only within one channel: unique together with the channel.
    slackTs: p.string().length(100).nullable().index(),
    twilioSid: p.string().length(100).nullable().unique(),
    sendgridId: p.string().length(100).nullable().unique(),
    gmailMessageId: p.string().length(100).nullable().unique(),
    /** The vendor's conversation: a Slack thread ts or a Gmail thread id. */
    vendorThreadId: p.string().nullable(),
    status: p.enum(MESSAGE_STATUSES).default('queued').index(),
    /** The vendor's own last status word (Twilio `undelivered`, SendGrid `bounce`, …), for operators. */
    vendorStatus: p.string().length(50).nullable(),
    failureCode: p.string().length(100).nullable(),
    failureReason: p.text().nullable(),
    /** Vendor calls made for this send: above zero, a retry first asks the vendor whether the send happened. */
    sendAttempts: p.integer().default(0),
    sendStartedAt: p.datetime().nullable(),
    sentAt: p.datetime().nullable(),
    deliveredAt: p.datetime().nullable(),
    readAt: p.datetime().nullable(),
    /** Slack reactions on it: emoji name → the users who reacted (reaction_added / reaction_removed events). */
    reactions: p.json<Record<string, string[]>>().defaultRaw(`'{}'`),
    /** Groups a conversation: `<channel>:client:<id>` or `<channel>:address:<address>` (messages repository). */
    threadKey: p.string().nullable().index(),
    createdBy: () => p.manyToOne(User).ref().nullable().deleteRule('set null'),
  },
  uniques: [{ properties: ['slackChannel', 'slackTs'] }],
  indexes: [{ properties: ['createdAt'] }, ...dashboardIndexesOf('messages')],
});

export class Message extends MessageSchema.class {}
MessageSchema.setClass(Message);
