/** Deeper than any request this API takes; deep enough that no legitimate client notices. */
export const MAX_BODY_DEPTH = 32;

/**
 * Whether `value` nests objects or arrays deeper than `limit`. Iterative, so that the check itself
 * cannot exhaust the stack on the very input it exists to refuse.
 */
export function exceedsDepth(value: unknown, limit = MAX_BODY_DEPTH): boolean {
  // A flat object (a form of single values, what every request here sends) is one level deep.
  if (limit > 1 && isFlatObject(value)) return false;
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length > 0) {
    const [current, depth] = stack.pop()!;
    if (current === null || typeof current !== 'object') continue;
    if (depth >= limit) return true;
    for (const child of Object.values(current)) {
      if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
    }
  }
  return false;
}

function isFlatObject(value: unknown): boolean {
  if (value === null || typeof value !== 'object') return false;
  for (const child of Object.values(value)) {
    if (child !== null && typeof child === 'object') return false;
  }
  return true;
}
