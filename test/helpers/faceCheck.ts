/**
 * Why this file exists: the e2e tests of the examples and the editor run the node as it is built.
 * Face Check (option `faceCheck`, default `refuse`) refuses a photo without a face locally and
 * free; before the node had the option, such a photo reached Kredibel, which charges
 * `no_face_detected`. These say which node the tests are looking at, read from its description.
 */
import type { INodeProperties } from 'n8n-workflow';

import { nodeProperties } from '../../nodes/KredibelBiometric/description';

const options = (nodeProperties.find((property) => property.name === 'options')?.options ??
	[]) as INodeProperties[];

/** Whether the node has the Face Check option (and so refuses a photo without a face by default). */
export const NODE_HAS_FACE_CHECK = options.some((option) => option.name === 'faceCheck');

/** What a photo without a face ends as: refused locally, or Kredibel's charged answer. */
export const NO_FACE_ERROR_TYPE = NODE_HAS_FACE_CHECK ? 'no_face_found' : 'no_face_detected';
