import { ApplicationFailure, Context } from '@temporalio/activity';
import { ref } from '@mikro-orm/core';
import { Client, Job, Quote } from '../db/entities/index.js';
import { storeRecords } from '../db/repositories/vendor-records.js';
import type { ExternalQuote } from '../integrations/core/records.js';
import { vendorUserErrors } from '../integrations/jobber/errors.js';
import { failureTypes } from '../temporal/failures.js';
import type { ActivityDeps } from './deps.js';
import { connectionAccess, loadConnection } from './sync-context.js';
import { toActivityFailure } from './vendor-failures.js';

export interface QuoteLineItem {
  name: string;
  description?: string;
  quantity: number;
  /** Dollars, as Jobber takes them. */
  unitPrice: number;
}

export interface CreateQuoteInput {
  connectionId: string;
  /** Our client row and its Jobber id. */
  clientId: string;
  clientJobberId: string;
  jobId?: string;
  title: string;
  message?: string;
  lineItems: QuoteLineItem[];
  /** Send it to the client at once (Jobber's AWAITING_RESPONSE) rather than leaving a draft. */
  send: boolean;
  /** When the request arrived: only quotes created since then can be this request's. */
  requestedAt: string;
}

export interface CreatedQuote {
  quoteId: string;
  externalId: string;
  number: string | null;
  status: string;
  total: string;
}

/** Jobber's quote creation (found again before any retry) and the row that mirrors it. */
export function createQuoteActivities(deps: ActivityDeps) {
  const { orm, vendors } = deps;
  return {
    /**
     * Creates the quote in Jobber once: a retry first looks for a quote this request already made (quoteCreate has
     * no idempotency key). Jobber's userErrors fail the workflow at once, carrying Jobber's messages and paths.
     */
    async createJobberQuote(input: CreateQuoteInput): Promise<ExternalQuote> {
      const em = orm.em.fork();
      const connection = await loadConnection(em, input.connectionId);
      const { secrets, tokens } = connectionAccess(deps, connection, async () => undefined);
      const jobber = vendors.actions.jobber(secrets, tokens);
      const attributes = {
        clientId: input.clientJobberId,
        title: input.title,
        ...(input.message ? { message: input.message } : {}),
        lineItems: input.lineItems,
        ...(input.send ? { transitionQuoteTo: 'AWAITING_RESPONSE' as const } : {}),
      };
      try {
        if (Context.current().info.attempt > 1) {
          const found = await jobber.findCreatedQuote({ ...attributes, notBefore: new Date(input.requestedAt) });
          if (found) return found;
        }
        return await jobber.createQuote(attributes);
      } catch (error) {
        const userErrors = vendorUserErrors(error);
        if (userErrors.length > 0) {
          throw ApplicationFailure.create({
            message: userErrors.map((userError) => userError.message).join('; '),
            type: failureTypes.vendorValidation,
            nonRetryable: true,
            details: [{ userErrors }],
          });
        }
        throw toActivityFailure(error);
      }
    },

    /** Stores the created quote through the same data mapper a sync uses, linked to the client and job. */
    async recordCreatedQuote(input: { create: CreateQuoteInput; quote: ExternalQuote }): Promise<CreatedQuote> {
      return orm.em.fork().transactional(async (em) => {
        await storeRecords(em, 'jobber', 'quotes', [input.quote], {
          connectionId: input.create.connectionId,
          syncedAt: new Date(),
        });
        const row = await em.findOneOrFail(Quote, { vendor: 'jobber', externalId: input.quote.externalId });
        if (!row.client) row.client = ref(Client, input.create.clientId);
        if (input.create.jobId) row.job = ref(Job, input.create.jobId);
        await em.flush();
        return {
          quoteId: row.id,
          externalId: row.externalId,
          number: row.number ?? null,
          status: row.status,
          total: row.total,
        };
      });
    },
  };
}
