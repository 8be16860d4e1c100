import { describe, expect, it } from 'vitest';
import { canonicalGpuModel, gpuModelMatches } from '#registry/domain/gpu-model.ts';

describe('canonicalGpuModel', () => {
  it.each([
    ['NVIDIA GeForce RTX 4090', 'RTX 4090'],
    ['NVIDIA H100 80GB HBM3', 'H100 80GB HBM3'],
    ['Tesla V100-SXM2-16GB', 'V100-SXM2-16GB'],
    ['NVIDIA RTX A6000', 'RTX A6000'],
    ['Quadro RTX 8000', 'RTX 8000'],
    ['NVIDIA A100-SXM4-80GB', 'A100-SXM4-80GB'],
    ['AMD Radeon RX 7900 XTX', 'RX 7900 XTX'],
    ['AMD Radeon PRO W7900', 'PRO W7900'],
  ])('drops the vendor and brand words from %j', (reported, canonical) => {
    expect(canonicalGpuModel(reported)).toBe(canonical);
  });

  it('collapses runs of spaces and trims', () => {
    expect(canonicalGpuModel('  NVIDIA   GeForce  RTX   3090 ')).toBe('RTX 3090');
  });

  it('keeps the name when it has only vendor words', () => {
    expect(canonicalGpuModel('NVIDIA Tesla')).toBe('NVIDIA Tesla');
  });

  it('drops vendor words whatever their case', () => {
    expect(canonicalGpuModel('nvidia geforce RTX 4080')).toBe('RTX 4080');
  });
});

describe('gpuModelMatches', () => {
  it('matches a model that equals the filter', () => {
    expect(gpuModelMatches('RTX 4090', 'RTX 4090')).toBe(true);
  });

  it('matches "h100" against "H100 80GB HBM3": a leading whole word, any case', () => {
    expect(gpuModelMatches('h100', 'H100 80GB HBM3')).toBe(true);
  });

  it('matches several leading whole words', () => {
    expect(gpuModelMatches('h100 80gb', 'H100 80GB HBM3')).toBe(true);
  });

  it('does not match "RTX 40" against "RTX 4090": "40" is not a whole word', () => {
    expect(gpuModelMatches('RTX 40', 'RTX 4090')).toBe(false);
  });

  it('does not match a word in the middle of the model', () => {
    expect(gpuModelMatches('80GB', 'H100 80GB HBM3')).toBe(false);
  });

  it('does not match a filter longer than the model', () => {
    expect(gpuModelMatches('RTX 4090 Ti', 'RTX 4090')).toBe(false);
  });

  it('does not match "RTX 4090" against "RTX 4090D"', () => {
    expect(gpuModelMatches('RTX 4090', 'RTX 4090D')).toBe(false);
  });

  it('ignores surrounding and repeated spaces in the filter', () => {
    expect(gpuModelMatches('  rtx    4090 ', 'RTX 4090')).toBe(true);
  });

  it('matches nothing with an empty filter', () => {
    expect(gpuModelMatches('   ', 'RTX 4090')).toBe(false);
  });

  it('matches "V100" against the canonical "V100-SXM2-16GB" nvidia-smi gives SXM boards', () => {
    // "V100" is a whole word of "V100-SXM2-16GB": a renter asking for V100s must find these hosts.
    expect(gpuModelMatches('V100', canonicalGpuModel('Tesla V100-SXM2-16GB'))).toBe(true);
  });

  it('matches "a100 sxm4" against the canonical "A100-SXM4-80GB"', () => {
    expect(gpuModelMatches('a100 sxm4', canonicalGpuModel('NVIDIA A100-SXM4-80GB'))).toBe(true);
  });

  it('does not match "A10" against "A100-SXM4-80GB"', () => {
    expect(gpuModelMatches('A10', 'A100-SXM4-80GB')).toBe(false);
  });
});
