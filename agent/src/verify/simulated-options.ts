/** How a simulated host verifies (GPUHIVE_SIMULATED_* and GPUHIVE_VERIFY_CHEAT), read at the agent's start; the backend itself loads at the first run. */

/** The ways a simulated host cheats, so tests prove each is caught. */
export const CHEATS = ['wrong-product', 'replay', 'slow', 'less-vram'] as const;
export type Cheat = (typeof CHEATS)[number];

export interface SimulatedOptions {
  /** TF32 TFLOPS the simulated card reaches (default: 70% of the claimed model's datasheet peak). */
  readonly tflops?: number;
  readonly bandwidthGBs?: number;
  readonly cheat?: Cheat;
  /** `slow`: the share of the claimed speed the card really has (default 0.02); it reports the claimed speed. */
  readonly slowFactor?: number;
  /** `less-vram`: the memory the card really has (default a quarter of what it claims). */
  readonly realVramMb?: number;
  /** `replay`: where the first run is kept to be replayed. */
  readonly replayFile: string;
}

/** GPUHIVE_SIMULATED_TFLOPS, GPUHIVE_SIMULATED_BANDWIDTH_GBS, GPUHIVE_VERIFY_CHEAT, GPUHIVE_SIMULATED_SLOW_FACTOR, GPUHIVE_SIMULATED_VRAM_MB. */
export const simulatedOptionsFromEnv = (env: NodeJS.ProcessEnv, replayFile: string): SimulatedOptions => {
  const number = (name: string): number | undefined => {
    const value = env[name];
    if (value === undefined || value === '') return undefined;
    const parsed = Number(value);
    if (!Number.isFinite(parsed) || parsed <= 0) throw new Error(`${name} must be a positive number`);
    return parsed;
  };
  const cheat = env.GPUHIVE_VERIFY_CHEAT;
  if (cheat && !(CHEATS as readonly string[]).includes(cheat)) throw new Error(`GPUHIVE_VERIFY_CHEAT must be one of ${CHEATS.join(', ')}`);
  const tflops = number('GPUHIVE_SIMULATED_TFLOPS');
  const bandwidthGBs = number('GPUHIVE_SIMULATED_BANDWIDTH_GBS');
  const slowFactor = number('GPUHIVE_SIMULATED_SLOW_FACTOR');
  const realVramMb = number('GPUHIVE_SIMULATED_VRAM_MB');
  return {
    replayFile,
    ...(tflops ? { tflops } : {}),
    ...(bandwidthGBs ? { bandwidthGBs } : {}),
    ...(cheat ? { cheat: cheat as Cheat } : {}),
    ...(slowFactor ? { slowFactor } : {}),
    ...(realVramMb ? { realVramMb } : {}),
  };
};
