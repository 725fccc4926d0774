/**
 * The Kredibel room's entry point: the one call to the biometric endpoint (transport), the strict
 * reading of its answer, and the verdict and output item built from it. Outside code imports only
 * this file.
 */
export { mayHaveCharged, type Answer } from './answer';
export { readReply, type BiometricData } from './apiResponse';
export {
	OUTPUT,
	ROUTED_OUTPUT_NAMES,
	routeOf,
	toOutputJson,
	type VerificationResult,
} from './result';
export { CREDENTIAL_NAME, postBiometric } from './transport';
