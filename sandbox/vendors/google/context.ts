import type { Sandbox } from '../../core/sandbox.js';
import type { World } from '../../core/world.js';
import type { ResolvedOptions } from './options.js';
import type { GoogleStates, GoogleWorldState } from './state.js';

/** What every Google route needs: the sandbox, the options, and the state of the current world. */
export interface GoogleDeps {
  readonly sandbox: Sandbox;
  readonly options: ResolvedOptions;
  readonly states: GoogleStates;
}

/** The world as it is now (it is replaced on reset) and its Google state. */
export function current(deps: GoogleDeps): { world: World; state: GoogleWorldState } {
  const world = deps.sandbox.world;
  return { world, state: deps.states.of(world) };
}
