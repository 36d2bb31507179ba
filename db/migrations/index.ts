import { Migration20261125000000_initial } from './Migration20261125000000_initial.js';
import { Migration20261125120000_soft_delete } from './Migration20261125120000_soft_delete.js';
import { Migration20261129120000_sync_interval } from './Migration20261129120000_sync_interval.js';
import { Migration20261130000000_outbound_actions } from './Migration20261130000000_outbound_actions.js';
import { Migration20261201000000_webhook_inbox } from './Migration20261201000000_webhook_inbox.js';
import { Migration20261202000000_api_writes } from './Migration20261202000000_api_writes.js';
import { Migration20261202010000_read_indexes } from './Migration20261202010000_read_indexes.js';

/*
 * Every migration, oldest first. Listed by hand so the migrator never globs the filesystem; `name` is given
 * explicitly because class names do not survive bundlers.
 */
export const migrationsList = [
  { name: 'Migration20261125000000_initial', class: Migration20261125000000_initial },
  { name: 'Migration20261125120000_soft_delete', class: Migration20261125120000_soft_delete },
  { name: 'Migration20261129120000_sync_interval', class: Migration20261129120000_sync_interval },
  { name: 'Migration20261130000000_outbound_actions', class: Migration20261130000000_outbound_actions },
  { name: 'Migration20261201000000_webhook_inbox', class: Migration20261201000000_webhook_inbox },
  { name: 'Migration20261202000000_api_writes', class: Migration20261202000000_api_writes },
  { name: 'Migration20261202010000_read_indexes', class: Migration20261202010000_read_indexes },
];
