/**
 * V8 flags of the worker process. Each synced page is one bulk statement whose SQL text (~170 KB per 100 records)
 * becomes old-generation garbage; left alone, V8 lets it pile up to several times the live heap (~60 MB) before a
 * full collection, so the worker's RSS would grow with the size of a sync. A cap makes V8 collect in time and
 * keeps the footprint flat; it is well above what the worker really holds, even with many syncs at once.
 */
export const WORKER_NODE_FLAGS = ['--max-old-space-size=256'];
