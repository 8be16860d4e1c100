import { describe, expect, it } from 'vitest';
import { GPU_CATALOGUE, isKnownModel, nearestModels } from '#matching/domain/gpu-catalogue.ts';

describe('the GPU catalogue', () => {
  it('knows a model filter that matches a catalogue model as whole words, in any case', () => {
    expect(isKnownModel('h100', GPU_CATALOGUE)).toBe(true);
    expect(isKnownModel('A100 SXM4', GPU_CATALOGUE)).toBe(true);
    expect(isKnownModel('rtx 4090', GPU_CATALOGUE)).toBe(true);
  });

  it('does not know a model no catalogue entry or registered host has', () => {
    expect(isKnownModel('RTX 9999', GPU_CATALOGUE)).toBe(false);
    expect(isKnownModel('RTX 40', GPU_CATALOGUE)).toBe(false);
    expect(isKnownModel('Quantum QX-1', GPU_CATALOGUE)).toBe(false);
    expect(isKnownModel('Quantum QX-1', [...GPU_CATALOGUE, 'Quantum QX-1'])).toBe(true);
  });

  it('suggests the nearest known names for a typo, closest first', () => {
    expect(nearestModels('RTX 4900', GPU_CATALOGUE)[0]).toBe('RTX 4090');
    expect(nearestModels('rtx 409', GPU_CATALOGUE)[0]).toBe('RTX 4090');
    expect(nearestModels('H10', GPU_CATALOGUE)).toEqual(expect.arrayContaining([expect.stringMatching(/^H100/)]));
    expect(nearestModels('RTX 9999', GPU_CATALOGUE)).toHaveLength(3);
  });
});
