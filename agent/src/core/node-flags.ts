/**
 * The Node.js flags the installer's launcher and systemd unit start the agent with, and the
 * bench's. V8's lite mode: no optimizing compiler, lazier feedback and source positions. The
 * agent's JavaScript is a heartbeat a minute and a poll every 20 s; the optimizing compiler's
 * code and data cost an idle agent about a megabyte of RSS and buy it nothing measurable
 * (docs/operations-footprint.md). On the command line it saves more than set at run time (the
 * bundle's fallback): nothing is compiled before it. Lite mode turns WebAssembly off, so the
 * agent never uses the global fetch (undici's parser is WebAssembly); `--no-expose-wasm` says
 * so, which keeps V8 from printing that it turned it off.
 */
export const AGENT_NODE_FLAGS = ['--lite-mode', '--no-expose-wasm'] as const;
