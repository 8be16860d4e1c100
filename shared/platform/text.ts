/** Free-text fields' rules live with the wire contract, which the agent and the CLI share (shared/contract/). */
export * from '#contract/text.ts';
