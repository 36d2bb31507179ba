import type { EntityManager } from '@mikro-orm/postgresql';
import { profitAndLoss, receivablesAging } from '../../../db/repositories/finance-reports.js';
import { jobProfitability, revenueByClient } from '../../../db/repositories/finance-reports-rankings.js';
import { createQueryCache, type CachedAnswer } from '../../cache/query-cache.js';
import type { AppDeps } from '../../deps.js';
import { assertDayOrder, reportRange, todayUtc } from './ranges.js';
import type { FinanceReportName, ReportQuery } from './schemas.js';

/**
 * One report request with every default filled in: the cache key, so two requests that mean the same report share
 * one entry, and "today" (a default) is part of it, so yesterday's aging is never served as today's.
 */
export type ReportRequest =
  | { report: 'profit_and_loss'; from: string; to: string; basis: 'accrual' | 'cash' }
  | { report: 'receivables_aging'; asOf: string; issuedFrom: string | null }
  | { report: 'revenue_by_client'; from: string; to: string; basis: 'accrual' | 'cash'; limit: number }
  | { report: 'job_profitability'; from: string; to: string; limit: number };

/** Computes a report from the database; the router's default, replaceable to observe how often it runs. */
export type ComputeReport = (em: EntityManager, request: ReportRequest) => Promise<unknown>;

/** The cache's scope for finance reports; the dashboard's generation counter invalidates them with the rest. */
const REPORT_CACHE_SCOPE = 'finance-report';
/** A safety net only: writes and syncs invalidate through the generation long before this. */
const REPORT_TTL_SECONDS = 15 * 60;

export function reportRequestOf(query: ReportQuery, today = todayUtc()): ReportRequest {
  const report: FinanceReportName = query.report;
  switch (report) {
    case 'receivables_aging': {
      assertDayOrder(query.from, query.to);
      return { report, asOf: query.to ?? today, issuedFrom: query.from ?? null };
    }
    case 'profit_and_loss':
      return { report, ...reportRange(query.from, query.to, today), basis: query.basis };
    case 'revenue_by_client':
      return { report, ...reportRange(query.from, query.to, today), basis: query.basis, limit: query.limit };
    case 'job_profitability':
      return { report, ...reportRange(query.from, query.to, today), limit: query.limit };
  }
}

export const computeReport: ComputeReport = async (em, request) => {
  switch (request.report) {
    case 'profit_and_loss': {
      const figures = await profitAndLoss(em, request, request.basis);
      return { ...request, ...figures };
    }
    case 'receivables_aging':
      return { ...request, ...(await receivablesAging(em, request.asOf, request.issuedFrom ?? undefined)) };
    case 'revenue_by_client':
      return { ...request, ...(await revenueByClient(em, request, request.basis, request.limit)) };
    case 'job_profitability':
      return { ...request, ...(await jobProfitability(em, request, request.limit)) };
  }
};

export interface ReportReader {
  read(request: ReportRequest): Promise<CachedAnswer>;
}

/** Reports through the Redis query cache: one computation per report and parameters per dashboard generation. */
export function createReportReader(deps: AppDeps, compute: ComputeReport = computeReport): ReportReader {
  const cache = createQueryCache(deps.redis, deps.logger);
  return {
    read: (request) =>
      cache.read(REPORT_CACHE_SCOPE, request, async () => ({ data: await compute(deps.orm.em.fork(), request) }), {
        ttlSeconds: REPORT_TTL_SECONDS,
      }),
  };
}
