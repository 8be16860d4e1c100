import { editDistance } from '#contract/edit-distance.ts';
import { gpuModelMatches } from '#registry/domain/gpu-model.ts';

/**
 * Canonical GPU models the platform knows before any host offers them: names as the registry
 * makes them from what nvidia-smi (or rocm-smi) reports, vendor and brand words removed. A job
 * may ask for one of these, or for a model some host has registered; anything else is a typo
 * or a GPU nobody can offer, refused at submission instead of held for a day.
 */
export const GPU_CATALOGUE: readonly string[] = [
  // data centre
  'B200', 'GH200 480GB', 'H200', 'H100 80GB HBM3', 'H100 PCIe', 'H100 NVL',
  'A100-SXM4-80GB', 'A100-SXM4-40GB', 'A100 80GB PCIe', 'A100-PCIE-40GB',
  'L40S', 'L40', 'L4', 'A40', 'A30', 'A10', 'A10G', 'A16', 'T4',
  'V100-SXM2-32GB', 'V100-SXM2-16GB', 'V100-PCIE-32GB', 'V100-PCIE-16GB', 'P100-PCIE-16GB',
  'MI300X', 'MI250X', 'MI210',
  // workstation
  'RTX 6000 Ada Generation', 'RTX 5000 Ada Generation', 'RTX 4000 Ada Generation', 'RTX A6000', 'RTX A5000', 'RTX A4000',
  // consumer
  'RTX 5090', 'RTX 5080', 'RTX 4090', 'RTX 4080 SUPER', 'RTX 4080', 'RTX 4070 Ti SUPER', 'RTX 4070 Ti', 'RTX 4070',
  'RTX 4060 Ti', 'RTX 3090 Ti', 'RTX 3090', 'RTX 3080 Ti', 'RTX 3080', 'RTX 3070', 'RTX 3060', 'RX 7900 XTX',
];

/** Whether a job's model filter could match a known model (the catalogue's or a registered host's). */
export const isKnownModel = (wanted: string, known: Iterable<string>): boolean => {
  for (const model of known) if (gpuModelMatches(wanted, model)) return true;
  return false;
};

const normalised = (model: string) => model.trim().toLowerCase().replace(/[\s-]+/g, ' ');

/**
 * The known models nearest to a mistyped one, closest first: compared case-blind, on the
 * known name cut to the typed length too, so "RTX 409" finds "RTX 4090" and "h10" "H100 ...".
 */
export const nearestModels = (wanted: string, known: Iterable<string>, count = 3): string[] => {
  const typed = normalised(wanted);
  const scored = [...new Set(known)].map((model) => {
    const name = normalised(model);
    const whole = editDistance(typed, name);
    return { model, whole, score: Math.min(whole, editDistance(typed, name.slice(0, typed.length)) + 1) };
  });
  return scored
    .sort((a, b) => a.score - b.score || a.whole - b.whole || a.model.localeCompare(b.model))
    .slice(0, count)
    .map(({ model }) => model);
};
