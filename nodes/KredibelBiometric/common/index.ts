/**
 * What every room shares: the Failure value every failure becomes, quoting outside values into
 * messages, the retry policy, and the reading of network error codes. A leaf: it imports nothing
 * of the node. Outside code imports only this file.
 */
export { localFailure, type ApiErrorType, type Charged, type Failure } from './failure';
export { causeChain, findCode, networkFailureKind, type SendRequest } from './networkError';
export { cutText, quoteValue } from './quote';
export { withRetries, type AttemptResult } from './retry';
export { yieldingCheckpoint } from './yieldingCheckpoint';
