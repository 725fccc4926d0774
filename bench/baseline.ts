/**
 * The least code that does the node's job for one matching item, the yardstick for its CPU
 * cost: read the bytes through the same binary helper, base64 them, build the JSON request body
 * `{identityId, faceImage}`, send it through the same (mocked) authenticated request helper and
 * shape a minimal output item. No validation, no format sniffing, no error handling, no pool.
 */
import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { BINARY_PROPERTY } from './benchContext';

const BIOMETRIC_PATH = '/v1/identity/verification/biometric';

export async function baselineExecute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const items = this.getInputData();
	const credentials = await this.getCredentials('kredibelApi');
	const url = `${String(credentials.baseUrl)}${BIOMETRIC_PATH}`;
	const output: INodeExecutionData[] = [];
	for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
		const identityId = this.getNodeParameter('identityId', itemIndex) as string;
		const bytes = await this.helpers.getBinaryDataBuffer(itemIndex, BINARY_PROPERTY);
		const body = { identityId, faceImage: bytes.toString('base64') };
		const reply = (await this.helpers.httpRequestWithAuthentication.call(this, 'kredibelApi', {
			method: 'POST',
			url,
			body,
			json: true,
			returnFullResponse: true,
		})) as { body: { data: IDataObject & { response: IDataObject } } };
		const { data } = reply.body;
		output.push({
			json: {
				identityId,
				faceSimilarity: data.response.faceSimilarity,
				result: data.response.face === true ? 'match' : 'no_match',
			},
			pairedItem: { item: itemIndex },
		});
	}
	return [output];
}
