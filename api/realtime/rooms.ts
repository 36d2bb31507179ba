import type { UserRole } from '../../db/entities/enums.js';

/*
 * The rooms a socket can be in. Joined at the handshake: its user's, its role's and its session's. Joined on request
 * (`subscribe`): a sync's and a client's. Room names never come from a client as such: `subscribe` takes an id and
 * the server builds the name, so a socket cannot join another user's or role's room.
 */

export const userRoom = (userId: string): string => `user:${userId}`;
export const roleRoom = (role: UserRole): string => `role:${role}`;
/** Lets a logout or a revoked session disconnect that session's sockets on every API instance. */
export const sessionRoom = (sessionId: string): string => `session:${sessionId}`;
export const syncRoom = (workflowId: string): string => `sync:${workflowId}`;
export const clientRoom = (clientId: string): string => `client:${clientId}`;
