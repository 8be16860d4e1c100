import type { LiveAssignments } from '../ports.ts';

/**
 * Until the matching context exists nothing can be assigned, so no host has live work.
 * The jobs/matching issue replaces this with a read-only port on matching's table.
 */
export class NoMatchingYet implements LiveAssignments {
  async liveOn(): Promise<readonly string[]> {
    return [];
  }
}
