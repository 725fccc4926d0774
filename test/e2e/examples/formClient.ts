/**
 * An n8n form filled in the way its page's own script does it (templates/form-trigger.handlebars
 * in the n8n package), without a browser:
 *
 *   1. GET /form/<path>: the page; inputs are named `field-<index>`, labels say which is which.
 *   2. POST multipart/form-data with those names. When Form pages follow the trigger, n8n
 *      1.123 and 2.x answer JSON `{formWaitingUrl}` (2.x adds `?signature=`) instead of a page:
 *   3. poll `<formWaitingUrl>/n8n-execution-status` until it says `form-waiting` (the run waits
 *      at a Form node), GET formWaitingUrl (the Form Ending's page: title + message) and POST to
 *      it, as that page's script does on load, which lets the run finish.
 *   n8n 1.8x answers `{redirectURL}` (the Form Ending's `/form-waiting/<execution>`) once the run
 *   waits there, and the page goes there directly: step 3 without the polling.
 */

export interface FormPageField {
	/** The input's `name`, e.g. `field-1`. */
	name: string;
	label: string;
	type: string;
}

/** The fields a form page shows, read from its HTML (label -> input). */
export function formFields(html: string): FormPageField[] {
	const labels = new Map<string, string>();
	for (const match of html.matchAll(/<label[^>]*for=['"]([^'"]+)['"][^>]*>([\s\S]*?)<\/label>/g)) {
		labels.set(match[1], match[2].replace(/<[^>]+>/g, '').trim());
	}
	const fields: FormPageField[] = [];
	for (const match of html.matchAll(/<input\b([^>]*)>/g)) {
		const attributes = match[1];
		const name = /\bname=['"]([^'"]+)['"]/.exec(attributes)?.[1];
		const id = /\bid=['"]([^'"]+)['"]/.exec(attributes)?.[1];
		const type = /\btype=['"]([^'"]+)['"]/.exec(attributes)?.[1] ?? 'text';
		if (!name || !name.startsWith('field-')) continue;
		fields.push({ name, label: labels.get(id ?? name) ?? '', type });
	}
	return fields;
}

export interface FormFile {
	bytes: Buffer;
	fileName: string;
	mimeType: string;
}

export interface FormOutcome {
	/** The Form Ending page's HTML. */
	html: string;
	/** Its `<h1>` and message paragraph, tags removed and entities decoded. */
	title: string;
	message: string;
	/** The run behind the form (from `/form-waiting/<id>`). */
	executionId: string;
}

const POLL_TIMEOUT_MS = 30_000;

export async function submitForm(
	/** The server's own address (`http://127.0.0.1:<port>`): n8n's URLs say `localhost`. */
	serverUrl: string,
	formPath: string,
	values: Record<string, string | FormFile>,
): Promise<FormOutcome> {
	const body = new FormData();
	for (const [name, value] of Object.entries(values)) {
		if (typeof value === 'string') body.append(name, value);
		else body.append(name, new Blob([value.bytes], { type: value.mimeType }), value.fileName);
	}
	const posted = await fetch(`${serverUrl}${formPath}`, { method: 'POST', body });
	const postedText = await posted.text();
	const answer = parseJson<{ formWaitingUrl?: string; redirectURL?: string }>(postedText);
	const next = answer?.formWaitingUrl ?? answer?.redirectURL;
	if (posted.status !== 200 || !next) {
		throw new Error(
			`POST ${formPath}: expected 200 {formWaitingUrl} or {redirectURL}, got HTTP ${posted.status} ${postedText.slice(0, 500)}`,
		);
	}
	const pageUrl = onServer(next, serverUrl);
	if (answer?.formWaitingUrl) {
		const statusUrl = new URL(pageUrl);
		statusUrl.pathname += '/n8n-execution-status';
		// As the page's script: anything else ("new", "running", and "waiting" before the run has
		// saved the Form node it waits at, seen on 1.123) means ask again.
		const status = await pollStatus(statusUrl, (text) =>
			['form-waiting', 'success', 'error', 'crashed', 'canceled', 'null'].includes(text),
		);
		if (status !== 'form-waiting') {
			throw new Error(`the run behind ${pageUrl.pathname} ended as "${status}" before a Form page`);
		}
	}
	const html = await getPage(pageUrl);
	// What the ending page's script sends on load (`body: {}` becomes the text "[object Object]").
	const closing = await fetch(pageUrl, { method: 'POST', body: '[object Object]' });
	await closing.text();
	return {
		html,
		title: textOf(/<h1>([\s\S]*?)<\/h1>/.exec(html)?.[1]),
		message: textOf(/<\/h1>\s*<p[^>]*>([\s\S]*?)<\/p>/.exec(html)?.[1]),
		executionId: /\/form-waiting\/([^/?]+)/.exec(pageUrl.pathname)?.[1] ?? '',
	};
}

/**
 * Retries what a person would reload: 409 "is running already", and on n8n 1.8x a 500 ("reading
 * 'pop'") when the page is asked for before the waiting run is saved (1.8x sends the redirect from
 * inside the run).
 */
async function getPage(url: URL): Promise<string> {
	const deadline = Date.now() + POLL_TIMEOUT_MS;
	for (;;) {
		const page = await fetch(url);
		const html = await page.text();
		if (page.status === 200) return html;
		if (![409, 500].includes(page.status) || Date.now() > deadline) {
			throw new Error(`GET ${url.pathname}: HTTP ${page.status} ${html.slice(0, 500)}`);
		}
		await new Promise((resolve) => setTimeout(resolve, 200));
	}
}

async function pollStatus(url: URL, done: (text: string) => boolean): Promise<string> {
	const deadline = Date.now() + POLL_TIMEOUT_MS;
	let interval = 100;
	for (;;) {
		const response = await fetch(url);
		const text = (await response.text()).trim();
		if (done(text)) return text;
		if (Date.now() > deadline) {
			throw new Error(`${url.pathname} still says "${text}" after ${POLL_TIMEOUT_MS / 1000} s`);
		}
		await new Promise((resolve) => setTimeout(resolve, interval));
		interval = Math.min(1000, Math.round(interval * 1.5));
	}
}

/** n8n builds its URLs from N8N_HOST (`localhost`); the server listens on 127.0.0.1 only. */
function onServer(url: string, serverUrl: string): URL {
	const parsed = new URL(url);
	const server = new URL(serverUrl);
	parsed.protocol = server.protocol;
	parsed.host = server.host;
	return parsed;
}

function parseJson<T>(text: string): T | undefined {
	try {
		return JSON.parse(text) as T;
	} catch {
		return undefined;
	}
}

function textOf(html: string | undefined): string {
	return (html ?? '')
		.replace(/<br\s*\/?>/g, '\n')
		.replace(/<[^>]+>/g, '')
		.replace(/&#x27;|&#39;/g, "'")
		.replace(/&quot;/g, '"')
		.replace(/&lt;/g, '<')
		.replace(/&gt;/g, '>')
		.replace(/&amp;/g, '&')
		.trim();
}
