/**
 * The reuse room's entry point: pay once per applicant. The ledger shares one request between
 * items, runs and executions, remembers answers in process memory and records applicants in n8n's
 * deduplication store for other processes. Outside code imports only this file.
 */
export { accountKey, applicantKey, imageDigest, VerificationLedger, type Obtained } from './ledger';
export { ProcessedStore } from './processedStore';
