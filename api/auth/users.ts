import { UniqueConstraintViolationException } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { UserRole } from '../../db/entities/enums.js';
import { User } from '../../db/entities/index.js';
import { AppError } from '../errors.js';
import { hashPassword } from './passwords.js';

export interface NewUser {
  email: string;
  password: string;
  role: UserRole;
  displayName?: string | null;
}

/** Creates a user with a hashed password; a taken email (any letter case) is a 409. */
export async function createUser(em: EntityManager, input: NewUser): Promise<User> {
  const user = em.create(User, {
    email: input.email.trim().toLowerCase(),
    passwordHash: await hashPassword(input.password),
    role: input.role,
    displayName: input.displayName ?? null,
    passwordChangedAt: new Date(),
  });
  try {
    await em.flush();
  } catch (error) {
    if (error instanceof UniqueConstraintViolationException) {
      em.clear();
      throw new AppError('email_taken', 409, 'A user with this email already exists');
    }
    throw error;
  }
  return user;
}
