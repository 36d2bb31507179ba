import type { Connection } from '@temporalio/client';
import proto from '@temporalio/proto';
import { searchAttributes } from './search-attribute-keys.js';

export { searchAttributes };

const IndexedValueType = proto.temporal.api.enums.v1.IndexedValueType;

/** Registers the attributes on the namespace; already-registered ones are left alone, so it is safe at every boot. */
export async function ensureSearchAttributes(
  connection: Pick<Connection, 'operatorService'>,
  namespace: string,
): Promise<string[]> {
  const existing = await connection.operatorService.listSearchAttributes({ namespace });
  const missing = Object.values(searchAttributes).filter((key) => !(key.name in (existing.customAttributes ?? {})));
  if (missing.length === 0) return [];
  await connection.operatorService.addSearchAttributes({
    namespace,
    searchAttributes: Object.fromEntries(missing.map((key) => [key.name, IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD])),
  });
  return missing.map((key) => key.name);
}
