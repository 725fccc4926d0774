/** Mask NIK reaches every copy: values, keys, nested answers, hostile depth. */
import { redactNik } from '../../nodes/KredibelBiometric/masking';

const NIK = '3171011708450001';

describe('redactNik', () => {
	it('masks every occurrence, in texts, nested values and keys', () => {
		const masked = redactNik(
			{
				message: `NIK ${NIK} is valid; ${NIK} again`,
				errors: { [NIK]: [`bad ${NIK}`], other: 1 },
				list: [[`${NIK}`]],
				keep: 3171011708450002,
			},
			NIK,
		);
		expect(JSON.stringify(masked)).not.toContain(NIK);
		expect(masked).toEqual({
			message: 'NIK 317101******0001 is valid; 317101******0001 again',
			errors: { '317101******0001': ['bad 317101******0001'], other: 1 },
			list: [['317101******0001']],
			keep: 3171011708450002,
		});
	});

	it('leaves the original untouched and keeps "__proto__" a plain key', () => {
		const original = JSON.parse(`{"__proto__": "${NIK}", "a": "${NIK}"}`);
		const masked = redactNik(original, NIK);
		expect(original.a).toBe(NIK);
		expect(Object.getPrototypeOf(masked)).toBe(Object.prototype);
		expect(Object.keys(masked)).toEqual(['__proto__', 'a']);
		expect(JSON.stringify(masked)).not.toContain(NIK);
	});

	it('survives nesting deeper than the stack, dropping what lies that deep', () => {
		const deep = JSON.parse(`${'['.repeat(100_000)}"${NIK}"${']'.repeat(100_000)}`);
		expect(JSON.stringify(redactNik(deep, NIK))).not.toContain(NIK);
	});
});
