/**
 * n8n evaluates some description fields (the node's outputs, the credential test's base URL) as
 * expressions, where the code cannot import anything: a plain function is written into the
 * expression as source text, so the expression and the code that calls it share one definition.
 */

/**
 * `={{(fn)(args)}}` for a self-contained function. Its source may be minified so that `}}` or
 * `{{` appear in it, which would end or open the expression template early: a space between the
 * braces keeps the same JavaScript. The functions passed here hold no such text in strings.
 */
export function callInExpression(fn: (...args: never[]) => unknown, args: string): string {
	const source = fn.toString().split('}}').join('} }').split('{{').join('{ {');
	return `(${source})(${args})`;
}
