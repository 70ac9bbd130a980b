// The small part of RFC 6902 the mutating webhook needs: add/replace of one annotation.

export interface JsonPatchOperation {
  op: 'add' | 'replace';
  path: string;
  value: unknown;
}

/** RFC 6901: `~` → `~0`, `/` → `~1`. */
export function escapePointerToken(token: string): string {
  return token.replace(/~/g, '~0').replace(/\//g, '~1');
}

function unescapePointerToken(token: string): string {
  return token.replace(/~1/g, '/').replace(/~0/g, '~');
}

/** Applies add/replace operations to a deep copy of `document` (as the apiserver would). */
export function applyJsonPatch<T>(document: T, patch: readonly JsonPatchOperation[]): T {
  const result = structuredClone(document);
  for (const operation of patch) {
    const tokens = operation.path.split('/').slice(1).map(unescapePointerToken);
    const last = tokens.pop();
    if (last === undefined) throw new Error(`JSON patch path '${operation.path}' names no member`);
    let parent: unknown = result;
    for (const token of tokens) {
      if (typeof parent !== 'object' || parent === null || !(token in parent)) {
        throw new Error(`JSON patch path '${operation.path}' does not exist`);
      }
      parent = (parent as Record<string, unknown>)[token];
    }
    if (typeof parent !== 'object' || parent === null) {
      throw new Error(`JSON patch path '${operation.path}' does not exist`);
    }
    if (operation.op === 'replace' && !(last in parent)) {
      throw new Error(`JSON patch replace of missing member '${operation.path}'`);
    }
    (parent as Record<string, unknown>)[last] = operation.value;
  }
  return result;
}
