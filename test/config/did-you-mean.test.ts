import { describe, expect, it } from 'vitest';
import { didYouMean, editDistance } from '../../src/config/did-you-mean.js';

describe('editDistance', () => {
  it('counts insertions, deletions, substitutions and adjacent swaps as one edit each', () => {
    expect(editDistance('model', 'model')).toBe(0);
    expect(editDistance('modl', 'model')).toBe(1);
    expect(editDistance('models', 'model')).toBe(1);
    expect(editDistance('modal', 'model')).toBe(1);
    expect(editDistance('modle', 'model')).toBe(1);
    expect(editDistance('', 'abc')).toBe(3);
    expect(editDistance('kitten', 'sitting')).toBe(3);
  });
});

describe('didYouMean', () => {
  const keys = ['highThreshold', 'lowThreshold', 'newTrackThreshold', 'matchIou', 'minHits', 'maxAge'];

  it('suggests the closest key for a typo', () => {
    expect(didYouMean('maxAgee', keys)).toBe('maxAge');
    expect(didYouMean('minHist', keys)).toBe('minHits');
    expect(didYouMean('lowTreshold', keys)).toBe('lowThreshold');
  });

  it('ignores case, "_" and "-"', () => {
    expect(didYouMean('max_age', keys)).toBe('maxAge');
    expect(didYouMean('MATCH-IOU', keys)).toBe('matchIou');
  });

  it('suggests nothing when no key is close', () => {
    expect(didYouMean('colour', keys)).toBeUndefined();
    expect(didYouMean('x', [])).toBeUndefined();
  });
});
