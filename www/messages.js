// Errors as sentences a person can act on.
export function describeError(error) {
  if (!error || typeof error !== 'object') return String(error);
  switch (error.name) {
    case 'InstanceLimitError':
      return error.runningInstances != null
        ? `Instance limit reached: ${error.runningInstances} of ${error.instanceLimit} running. Close one to launch another.`
        : 'Instance limit reached. Close an instance to launch another.';
    case 'AuthenticationError':
      return 'Your session has expired or the key is wrong. Sign in again.';
    case 'ConnectionError':
      return 'The server cannot be reached. Is flotilla-server still running?';
    case 'TimeoutError':
      return 'The server took too long to answer. Try again.';
    case 'NotFoundError':
      return `Not found: ${error.message}`;
    case 'VerificationError':
      return `The verifier failed: ${error.message}`;
    case 'ValidationError':
      return `That request is not valid: ${error.message}`;
    default:
      return `${error.message}${error.requestId ? ` (request ${error.requestId})` : ''}`;
  }
}

/** "3 s", "4 min 10 s", "2 h 5 min". */
export function duration(seconds) {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}
