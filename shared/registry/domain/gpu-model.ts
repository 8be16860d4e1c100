/**
 * GPU names as nvidia-smi reports them ("NVIDIA GeForce RTX 4090") become a canonical
 * model without vendor and brand words ("RTX 4090"), so renters filter on what they know.
 */
const VENDOR_AND_BRAND_WORDS = new Set(['nvidia', 'geforce', 'tesla', 'quadro', 'amd', 'radeon', 'intel', 'arc', 'corporation']);

export const canonicalGpuModel = (reportedName: string): string => {
  const words = reportedName.trim().split(/\s+/).filter((word) => word.length > 0);
  const kept = words.filter((word) => !VENDOR_AND_BRAND_WORDS.has(word.toLowerCase()));
  return (kept.length > 0 ? kept : words).join(' ');
};

/**
 * API.md's model filter: the canonical model equals the filter or starts with it as whole
 * words, ignoring case ("h100" matches "H100 80GB HBM3", "a100" matches "A100-SXM4-80GB";
 * "RTX 40" matches nothing).
 */
export const gpuModelMatches = (filter: string, model: string): boolean => {
  // Dashes separate words too: nvidia-smi names SXM boards "A100-SXM4-80GB".
  const words = (text: string) => text.trim().toLowerCase().split(/[\s-]+/).filter(Boolean);
  const wanted = words(filter);
  const have = words(model);
  return wanted.length > 0 && wanted.length <= have.length && wanted.every((word, index) => have[index] === word);
};
