/**
 * The `additionalData` n8n hands to every execution (IWorkflowExecuteAdditionalData), filled
 * the way n8n's CLI fills it for a single-process run: the credentials helper, the lifecycle
 * hooks, the execution id, the instance URLs and empty variables. What this harness cannot
 * offer (sub-workflows, task runners, stored executions) throws when used, so a node that
 * reached for it would fail loudly instead of getting a made-up answer.
 */
import type { ExecutionLifecycleHooks } from 'n8n-core';
import type { ICredentialsHelper, IWorkflowExecuteAdditionalData } from 'n8n-workflow';

const INSTANCE_URL = 'http://127.0.0.1:5678/';

function unsupported(what: string): never {
	throw new Error(`${what} is not available in the engine test harness`);
}

export function buildAdditionalData(parts: {
	executionId: string;
	hooks: ExecutionLifecycleHooks;
	credentialsHelper: ICredentialsHelper;
}): IWorkflowExecuteAdditionalData {
	return {
		credentialsHelper: parts.credentialsHelper,
		hooks: parts.hooks,
		executionId: parts.executionId,
		currentNodeExecutionIndex: 0,
		restApiUrl: `${INSTANCE_URL}rest`,
		instanceBaseUrl: INSTANCE_URL,
		formBaseUrl: `${INSTANCE_URL}form`,
		formWaitingBaseUrl: `${INSTANCE_URL}form-waiting`,
		formTestBaseUrl: `${INSTANCE_URL}form-test`,
		webhookBaseUrl: `${INSTANCE_URL}webhook`,
		webhookWaitingBaseUrl: `${INSTANCE_URL}webhook-waiting`,
		webhookTestBaseUrl: `${INSTANCE_URL}webhook-test`,
		mcpBaseUrl: `${INSTANCE_URL}mcp`,
		mcpTestBaseUrl: `${INSTANCE_URL}mcp-test`,
		userId: 'engine-test-user',
		variables: {},
		logAiEvent: () => {},
		executeWorkflow: async () => unsupported('Executing a sub-workflow'),
		getRunExecutionData: async () => unsupported('Reading a stored execution'),
		getRuntimeCredential: async () => unsupported('A runtime credential'),
		startRunnerTask: async () => unsupported('A task runner'),
		// Not set: externalSecretsProxy ($secrets) and the AI/evaluation hooks, which n8n leaves
		// out of runs that do not use them either.
	} as unknown as IWorkflowExecuteAdditionalData;
}
