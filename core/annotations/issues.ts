export interface Issue {
  severity: 'error' | 'warning';
  /** The key (without prefix) the issue is about, when there is one. */
  key?: string;
  message: string;
  /** A warning about something the mutating webhook's normal form removes or adds. */
  resolvedByNormalising?: boolean;
}

export const error = (key: string | undefined, message: string): Issue => ({
  severity: 'error',
  ...(key !== undefined && { key }),
  message,
});

export const warning = (
  key: string | undefined,
  message: string,
  resolvedByNormalising = false,
): Issue => ({
  severity: 'warning',
  ...(key !== undefined && { key }),
  message,
  ...(resolvedByNormalising && { resolvedByNormalising }),
});
