import { randomUUID } from 'node:crypto';
import { p } from '@mikro-orm/core';

/*
 * Shared columns, composed into each entity with a spread: MikroORM's defineEntity docs prefer composition over an
 * abstract base entity. Each call returns fresh builders so no two entities share one mutable options object.
 *
 * Ids are generated in JS (MikroORM runs `onCreate` inside `em.create`, so the id is known before flush and can go
 * into workflow ids and events); the database default covers rows inserted by raw SQL.
 */
export function idProperty() {
  return p
    .uuid()
    .primary()
    .onCreate(() => randomUUID())
    .defaultRaw('gen_random_uuid()');
}

export function createdAtProperty() {
  return p
    .datetime()
    .onCreate(() => new Date())
    .defaultRaw('now()');
}

/** id, created_at, updated_at: the base of every mutable table. */
export function baseProperties() {
  return {
    id: idProperty(),
    createdAt: createdAtProperty(),
    updatedAt: p
      .datetime()
      .onCreate(() => new Date())
      .onUpdate(() => new Date())
      .defaultRaw('now()'),
  };
}

/** id and created_at only: for append-only logs whose rows are never updated. */
export function appendOnlyProperties() {
  return { id: idProperty(), createdAt: createdAtProperty() };
}

/** Vendor tags use `text[]` defaulting to empty so filters can use `@>` without null checks. */
export function tagsProperty() {
  return p.array().defaultRaw(`'{}'`);
}
