import type { EntityManager } from '@mikro-orm/postgresql';
import { Client, Job } from '../../../db/entities/index.js';
import { bodyChecker, type ValidationIssue } from '../../validation.js';
import { toE164 } from './phone-numbers.js';
import type { SendMessageBody } from './schemas.js';

const emailProblems = bodyChecker({ type: 'string', format: 'email' });

const issue = (path: string, message: string): ValidationIssue => ({ location: 'body', path, message });

/** Rules across fields of POST /api/messages that its JSON Schema leaves to code, as validation issues. */
export function sendRuleIssues(body: SendMessageBody): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  if (body.to !== undefined && body.clientId !== undefined) {
    issues.push(issue('/clientId', 'give either to or clientId, not both'));
  }
  if (body.to === undefined && body.clientId === undefined)
    issues.push(issue('/to', 'is required unless clientId is given'));
  if (body.channel === 'sms' && body.subject !== undefined) issues.push(issue('/subject', 'is only for email'));
  if (body.channel === 'sms' && body.provider !== undefined) issues.push(issue('/provider', 'is only for email'));
  if (body.channel === 'sms' && body.to !== undefined && toE164(body.to) === null) {
    issues.push(issue('/to', 'is not a phone number: use E.164 (+15125550123) or a 10-digit US number'));
  }
  return issues;
}

export interface Recipient {
  /** E.164 for SMS, the address as written for email. */
  address: string;
  /** The client named by the request, if any (a `to` is matched to a client later, by address). */
  clientId: string | null;
}

/**
 * The address a message goes to: `to` as given (its format already checked), or the phone or email the named
 * client has on file. Problems come back as issues on `/clientId`, for the caller to report with the others.
 */
export async function resolveRecipient(em: EntityManager, body: SendMessageBody): Promise<Recipient | ValidationIssue> {
  if (body.to !== undefined) {
    return { address: body.channel === 'sms' ? toE164(body.to)! : body.to.trim(), clientId: null };
  }
  const client = await em.findOne(Client, { id: body.clientId!, deletedAt: null });
  if (!client) return issue('/clientId', 'no such client');
  if (body.channel === 'sms') {
    if (!client.phone) return issue('/clientId', 'the client has no phone number on file');
    const phone = toE164(client.phone);
    if (!phone) return issue('/clientId', `the client's phone number on file (${client.phone}) is not a valid number`);
    return { address: phone, clientId: client.id };
  }
  const email = client.email?.trim();
  if (!email) return issue('/clientId', 'the client has no email address on file');
  if (emailProblems(email).length > 0) {
    return issue('/clientId', `the client's email address on file (${email}) is not a valid address`);
  }
  return { address: email, clientId: client.id };
}

/** Issues for a client or job id a message names that does not exist. */
export async function referenceIssues(
  em: EntityManager,
  refs: { clientId?: string; jobId?: string },
): Promise<ValidationIssue[]> {
  const issues: ValidationIssue[] = [];
  if (refs.clientId && !(await em.findOne(Client, { id: refs.clientId, deletedAt: null }, { fields: ['id'] }))) {
    issues.push(issue('/clientId', 'no such client'));
  }
  if (refs.jobId && !(await em.findOne(Job, { id: refs.jobId, deletedAt: null }, { fields: ['id'] }))) {
    issues.push(issue('/jobId', 'no such job'));
  }
  return issues;
}
