import { GraphQLError } from 'graphql';
import type { WorldChange } from '../../core/sandbox.js';
import type { Customer, Invoice, Job, Quote } from '../../core/world.js';
import { connect, rangeFilter, type DateRange, type PageArgs } from './connection.js';
import { decodeId, type JobberType } from './ids.js';
import type { JobberOptions } from './options.js';
import { clientView, invoiceView, jobView, quoteView, type ViewContext } from './views.js';
import { clientVisible, scan, workVisible } from './visibility.js';

/** Per-request context handed to every resolver. */
export interface GraphqlContext extends ViewContext {
  options: JobberOptions;
  now: number;
  account: { id: string; name: string };
  app: { id: string; name: string; author: string };
  /** appDisconnect: kill this grant's tokens and tell the app. */
  disconnect(): void;
  /** A write made through the API: Jobber sends the matching webhook. */
  changed(change: WorldChange): void;
}

interface Filter {
  /** QuoteFilterAttributes only (Jobber's schema has it there: "the encoded id of the client to filter by"). */
  clientId?: string | null;
  updatedAt?: DateRange | null;
  createdAt?: DateRange | null;
  isLead?: boolean | null;
  status?: string | null;
}

type ListArgs = PageArgs & { filter?: Filter | null; searchTerm?: string | null };

function matches(filter: Filter | null | undefined): (row: { createdAt: number; updatedAt: number }) => boolean {
  const updated = rangeFilter(filter?.updatedAt, 'updatedAt');
  const created = rangeFilter(filter?.createdAt, 'createdAt');
  return (row) => updated(row.updatedAt) && created(row.createdAt);
}

/** Unknown id: `null` alone, as Jobber's error-handling guide shows, or `null` plus an error (option). */
function notFound(ctx: GraphqlContext, type: JobberType): null {
  if (ctx.options.notFound === 'error') {
    throw new GraphQLError(`${type} not found`, { extensions: { code: 'NOT_FOUND' } });
  }
  return null;
}

function searchable(term: string | null | undefined): (customer: Customer) => boolean {
  if (!term) return () => true;
  const needle = term.toLowerCase();
  return (customer) =>
    [customer.firstName, customer.lastName, customer.companyName, customer.email, customer.variants.jobber?.email]
      .filter((value): value is string => typeof value === 'string')
      .some((value) => value.toLowerCase().includes(needle));
}

function workList<R extends Job | Quote | Invoice>(
  ctx: GraphqlContext,
  table: readonly R[],
  args: ListArgs,
  view: (ctx: ViewContext, row: R) => Record<string, unknown>,
) {
  const keep = matches(args.filter);
  const status = args.filter?.status?.toLowerCase();
  const clientId = args.filter?.clientId;
  // An id that names no client matches nothing (-1 is no key).
  const clientKey = clientId === undefined || clientId === null ? undefined : (decodeId('Client', clientId) ?? -1);
  return connect(
    (fromKey) =>
      scan(
        table,
        fromKey,
        (row) =>
          workVisible(ctx.world, row) &&
          keep(row) &&
          (status === undefined || row.status === status) &&
          (clientKey === undefined || row.customerKey === clientKey),
      ),
    args,
    ctx.maxPageSize,
    (row) => view(ctx, row),
  );
}

function workById<R extends Job | Quote | Invoice>(
  ctx: GraphqlContext,
  type: JobberType,
  table: readonly R[],
  id: string,
  view: (ctx: ViewContext, row: R) => Record<string, unknown>,
) {
  const key = decodeId(type, id);
  const row = key === null ? undefined : table[key];
  return row && workVisible(ctx.world, row) ? view(ctx, row) : notFound(ctx, type);
}

export const queryResolvers = {
  account: (_args: unknown, ctx: GraphqlContext) => ctx.account,
  clients: (args: ListArgs, ctx: GraphqlContext) => {
    const keep = matches(args.filter);
    const search = searchable(args.searchTerm);
    const lead = args.filter?.isLead;
    return connect(
      (fromKey) =>
        scan(
          ctx.world.customers,
          fromKey,
          (customer) =>
            clientVisible(customer) &&
            keep(customer) &&
            search(customer) &&
            (lead === undefined || lead === null || customer.isLead === lead),
        ),
      args,
      ctx.maxPageSize,
      (customer) => clientView(ctx, customer),
    );
  },
  client: (args: { id: string }, ctx: GraphqlContext) => {
    const key = decodeId('Client', args.id);
    const customer = key === null ? undefined : ctx.world.customers[key];
    return clientVisible(customer) ? clientView(ctx, customer) : notFound(ctx, 'Client');
  },
  jobs: (args: ListArgs, ctx: GraphqlContext) => workList(ctx, ctx.world.jobs, args, jobView),
  job: (args: { id: string }, ctx: GraphqlContext) => workById(ctx, 'Job', ctx.world.jobs, args.id, jobView),
  quotes: (args: ListArgs, ctx: GraphqlContext) => workList(ctx, ctx.world.quotes, args, quoteView),
  quote: (args: { id: string }, ctx: GraphqlContext) => workById(ctx, 'Quote', ctx.world.quotes, args.id, quoteView),
  invoices: (args: ListArgs, ctx: GraphqlContext) => workList(ctx, ctx.world.invoices, args, invoiceView),
  invoice: (args: { id: string }, ctx: GraphqlContext) =>
    workById(ctx, 'Invoice', ctx.world.invoices, args.id, invoiceView),
};
