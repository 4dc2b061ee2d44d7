import { exceedsDepth, MAX_BODY_DEPTH } from './body-depth';

const nest = (levels: number): unknown => {
  let value: unknown = 'leaf';
  for (let i = 0; i < levels; i++) value = i % 2 === 0 ? { a: value } : [value];
  return value;
};

describe('exceedsDepth', () => {
  it('accepts scalars, flat objects and nesting up to the limit', () => {
    expect(exceedsDepth('x')).toBe(false);
    expect(exceedsDepth(null)).toBe(false);
    expect(exceedsDepth({ a: 1, b: 'two' })).toBe(false);
    expect(exceedsDepth(nest(MAX_BODY_DEPTH))).toBe(false);
  });

  it('refuses one level more than the limit, through objects and arrays alike', () => {
    expect(exceedsDepth(nest(MAX_BODY_DEPTH + 1))).toBe(true);
    expect(exceedsDepth({ ok: 1, deep: nest(MAX_BODY_DEPTH) })).toBe(true);
  });

  it('a flat body is one level deep whatever the limit', () => {
    expect(exceedsDepth({ a: 'x', b: 2 }, 1)).toBe(false);
    expect(exceedsDepth({ a: {} }, 1)).toBe(true);
    expect(exceedsDepth({ a: ['x'] }, 2)).toBe(false);
  });

  it('does not overflow the stack on a body nested a hundred thousand levels', () => {
    expect(exceedsDepth(nest(100_000))).toBe(true);
  });
});
