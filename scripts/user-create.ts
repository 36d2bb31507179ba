import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { createUser } from '../api/auth/users.js';
import { AppError } from '../api/errors.js';
import { createUserBody } from '../api/routes/users/schemas.js';
import { bodyChecker } from '../api/validation.js';
import { ConfigError } from '../config/env.js';
import { loadStackConfig } from '../config/stack.js';
import { USER_ROLES, type UserRole } from '../db/entities/enums.js';
import { openOrm } from '../db/orm.js';
import { migrateDatabase } from './migrate.js';
import { withDatabase } from './services/database.js';

const USAGE = `usage: npm run user:create -- --email <email> --role <${USER_ROLES.join('|')}> [--name <display name>]
  The password is read from USER_PASSWORD when set; otherwise one is generated and printed once.`;

async function readArguments() {
  const { values } = parseArgs({
    options: { email: { type: 'string' }, role: { type: 'string' }, name: { type: 'string' } },
    strict: true,
  });
  const generated = !process.env.USER_PASSWORD;
  const input = {
    email: values.email,
    role: values.role,
    password: process.env.USER_PASSWORD ?? `${randomBytes(18).toString('base64url')}`,
    ...(values.name !== undefined ? { displayName: values.name } : {}),
  };
  const problems = bodyChecker(createUserBody)(input);
  if (problems.length > 0) {
    const lines = problems.map((problem) => `  ${problem.path.replace(/^\//, '') || 'input'} ${problem.message}`);
    throw new Error(`${lines.join('\n')}\n${USAGE}`);
  }
  return { input: input as { email: string; role: UserRole; password: string; displayName?: string }, generated };
}

/** `npm run user:create`: creates a user (typically the first admin) in DATABASE_URL or the embedded database. */
async function main(): Promise<void> {
  const { input, generated } = await readArguments();
  await withDatabase(loadStackConfig(), async (databaseUrl) => {
    await migrateDatabase(databaseUrl);
    const orm = await openOrm(databaseUrl);
    try {
      const user = await createUser(orm.em.fork(), input);
      console.log(`created ${user.role} ${user.email} (id ${user.id})`);
      if (generated) console.log(`password (shown once): ${input.password}`);
    } finally {
      await orm.close();
    }
  });
}

main().catch((error: unknown) => {
  const message = error instanceof AppError || error instanceof ConfigError || error instanceof Error;
  console.error(message ? (error as Error).message : error);
  process.exit(1);
});
