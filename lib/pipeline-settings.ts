/**
 * The settings the stack and the functions share live with the functions (`functions/settings.ts`): the stack
 * depends on the functions' contracts, never the reverse. Re-exported here for the stack's modules.
 */
export * from '../functions/settings';
