/**
 * Driving the n8n editor (2.41.1) in a browser: what the editor test and
 * `npm run docs:screenshots` share. Every step runs through `step()`, so a failure says what the
 * page showed: a screenshot, the URL, the page's text, the data-test-id values on screen and the
 * browser's console errors.
 *
 * Selectors, most stable first: n8n's `data-test-id` attributes (set below as Playwright's test
 * id attribute; Playwright's default is `data-testid`), the `data-node-name` /
 * `data-source-node-name` / `data-target-node-name` attributes of canvas nodes and connections,
 * ARIA roles (the Route by Result switch), and visible text last. When n8n's UI changes, the
 * list of data-test-id values in a failure message is the place to start.
 */
import fs from 'node:fs';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';

import {
	selectors,
	type Browser,
	type BrowserContext,
	type Locator,
	type Page,
} from 'playwright-core';

selectors.setTestIdAttribute('data-test-id');

/** Readable in a README and big enough for n8n's three-panel node view. */
export const VIEWPORT = { width: 1440, height: 900 } as const;

const STEP_TIMEOUT_MS = 30_000;
const EXECUTION_TIMEOUT_MS = 90_000;
const PAGE_TEXT_LIMIT = 4_000;
/** The node panel's view for an AI Tool connector (n8n's English title). */
const TOOLS_VIEW_TITLE = /^\s*Tools\s*$/;

export interface NodeParameter {
	label: string;
	/** What the input shows: text, the selected option, `on`/`off` for switches. */
	value: string;
}

export interface OutputBranch {
	/** The tab's title, e.g. "Match Branch (1 item)". */
	title: string;
	/** The text of the output's data table. */
	text: string;
}

export class EditorSession {
	private readonly problems: string[] = [];
	private screenshotCount = 0;

	private constructor(
		readonly context: BrowserContext,
		readonly page: Page,
		readonly editorUrl: string,
		readonly artifactsDir: string,
	) {
		page.on('console', (message) => {
			if (message.type() === 'error') this.problem(`console: ${message.text()}`);
		});
		page.on('pageerror', (error) => this.problem(`page error: ${error.message}`));
	}

	static async open(
		browser: Browser,
		options: { editorUrl: string; artifactsDir: string },
	): Promise<EditorSession> {
		fs.mkdirSync(options.artifactsDir, { recursive: true });
		const context = await browser.newContext({
			viewport: VIEWPORT,
			deviceScaleFactor: 1,
			colorScheme: 'light',
			locale: 'en-US',
		});
		context.setDefaultTimeout(STEP_TIMEOUT_MS);
		const page = await context.newPage();
		return new EditorSession(
			context,
			page,
			options.editorUrl.replace(/\/$/, ''),
			options.artifactsDir,
		);
	}

	/**
	 * Runs one step of a scenario; if it throws, the error names the step and says what the page
	 * showed (screenshot path, URL, text, test ids, console errors).
	 */
	async step<T>(name: string, action: () => Promise<T>): Promise<T> {
		try {
			return await action();
		} catch (error) {
			const message = error instanceof Error ? error.message : String(error);
			const report = await this.describePage(`failed-${name}`);
			const wrapped = new Error(`Editor step "${name}" failed: ${message}\n\n${report}`);
			if (error instanceof Error && error.stack) {
				wrapped.stack = `${wrapped.message}\n${error.stack.split('\n').slice(1).join('\n')}`;
			}
			throw wrapped;
		}
	}

	/** A full-window screenshot in the artifacts folder; returns its path. */
	async screenshot(name: string): Promise<string> {
		const file = path.join(this.artifactsDir, `${slug(name)}.png`);
		await this.page.screenshot({ path: file, animations: 'disabled', caret: 'hide' });
		return file;
	}

	/**
	 * For pictures: hides toasts ("Workflow executed successfully"), moves the mouse off the
	 * canvas (no hover toolbars) and lets transitions finish.
	 */
	async tidyForPicture(): Promise<void> {
		await this.page.addStyleTag({ content: '.el-notification { display: none !important; }' });
		await this.page.mouse.move(0, 0);
		await this.page.waitForTimeout(1_000);
	}

	/**
	 * The sign-in page, as a person signs in (the owner account exists already). Once signed in,
	 * the browser keeps the session and n8n sends /signin on to the overview: tests that run after
	 * another one in the same browser skip the form.
	 */
	async signIn(credentials: { email: string; password: string }): Promise<void> {
		if (this.signedInAs === credentials.email) return;
		const { page } = this;
		await page.goto(`${this.editorUrl}/signin`);
		await page.getByTestId('emailOrLdapLoginId').locator('input').fill(credentials.email);
		await page.getByTestId('password').locator('input').fill(credentials.password);
		await page.getByTestId('form-submit-button').click();
		await page.waitForURL((url) => !url.pathname.startsWith('/signin'));
		this.signedInAs = credentials.email;
	}

	private signedInAs: string | undefined;

	/** The names of the workflows on the overview page (after signing in). */
	async workflowNames(): Promise<string[]> {
		const names = this.page.getByTestId('workflow-card-name');
		// The list renders, then renders again once loaded: read until it holds names.
		const deadline = Date.now() + STEP_TIMEOUT_MS;
		for (;;) {
			await names.first().waitFor({ timeout: Math.max(deadline - Date.now(), 1) });
			const texts = (await names.allInnerTexts()).map(firstLine).filter(Boolean);
			if (texts.length > 0 || Date.now() > deadline) return texts;
			await this.page.waitForTimeout(250);
		}
	}

	async openWorkflow(workflowId: string): Promise<void> {
		await this.page.goto(`${this.editorUrl}/workflow/${workflowId}`);
		await this.page.getByTestId('canvas-node').first().waitFor();
	}

	canvasNode(name: string): Locator {
		return this.page.locator(`[data-test-id="canvas-node"][data-node-name="${cssString(name)}"]`);
	}

	/** Names of every node on the canvas with their type, e.g. `{ name, type }`. */
	async canvasNodes(): Promise<Array<{ name: string; type: string }>> {
		return this.page.getByTestId('canvas-node').evaluateAll((nodes) =>
			(nodes as unknown as DomElement[]).map((node) => ({
				name: node.getAttribute('data-node-name') ?? '',
				type: node.getAttribute('data-node-type') ?? '',
			})),
		);
	}

	/** The labels of a node's output handles on the canvas (e.g. Match, No Match, ...). */
	async outputHandleLabels(nodeName: string): Promise<string[]> {
		const handles = this.canvasNode(nodeName).getByTestId('canvas-node-output-handle');
		return (await handles.allInnerTexts()).map((text) => text.trim());
	}

	/**
	 * Types into the node panel's search (opening the panel first) and returns the names of the
	 * nodes found, or [] when it says "No results".
	 */
	async searchNodePanel(query: string): Promise<string[]> {
		const { page } = this;
		const search = page.getByTestId('node-creator-search-bar');
		if (!(await search.isVisible())) {
			await page.getByTestId('node-creator-plus-button').click();
		}
		const creator = page.getByTestId('node-creator');
		const found = creator.getByTestId('node-creator-node-item');
		const nothing = creator.getByTestId('node-creator-no-results');
		// The list follows the search box after a short delay, so the previous query's results
		// linger: empty the box first and wait for the categories (no nodes, no "No results").
		await search.fill('');
		await found.or(nothing).first().waitFor({ state: 'hidden' });
		await search.fill(query);
		await found
			.or(nothing.filter({ hasText: `"${query}"` }))
			.first()
			.waitFor();
		// Then until the list stops changing.
		let previous = '';
		for (let attempt = 0; attempt < 20; attempt++) {
			const current = (await creator.innerText()).trim();
			if (current === previous) break;
			previous = current;
			await page.waitForTimeout(300);
		}
		if (await nothing.isVisible()) return [];
		return (await found.getByTestId('node-creator-item-name').allInnerTexts()).map((t) => t.trim());
	}

	async closeNodePanel(): Promise<void> {
		const creator = this.page.getByTestId('node-creator');
		if (!(await creator.isVisible())) return;
		// Escape does nothing while the panel shows "No results": empty the search first.
		await this.page.getByTestId('node-creator-search-bar').fill('');
		await this.page.keyboard.press('Escape');
		await creator.waitFor({ state: 'hidden' });
	}

	/**
	 * Attaches a node as a tool of an AI Agent (or any node with a Tool input) as a person does:
	 * the + on the agent's Tool connector, a search in the node panel's Tools view, a click on the
	 * first hit naming the query. n8n then adds the tool variant and opens its detail view; returns
	 * the names found.
	 */
	async attachTool(agentName: string, query: string): Promise<string[]> {
		const { page } = this;
		const toolInput = page.locator(
			`[data-test-id="canvas-node-input-handle"][data-node-name="${cssString(agentName)}"][data-connection-type="ai_tool"]`,
		);
		const creator = page.getByTestId('node-creator');
		// The panel must be on its Tools view before the search: in any other view the search runs
		// over every node, its hit is the plain node, and a click on it opens community node
		// details ("Add to workflow") that add the plain node, not the tool. n8n 2.41 gets there
		// by two view pushes that race (seconds apart on a loaded machine): usually "Other AI
		// Nodes" first, replaced by Tools once rendered. When the panel's code loads late, "Other
		// AI Nodes" lands on top of Tools and stays, with a back arrow to a Tools view that has
		// neither search nor nodes: then close the panel and open it again, as a person would.
		const headers = creator.getByTestId('nodes-list-header');
		const toolsView = headers.filter({ hasText: TOOLS_VIEW_TITLE });
		const otherViews = headers.filter({ hasNotText: TOOLS_VIEW_TITLE });
		// Only a view stacked above another has a button in its header (the back arrow).
		const stackedView = otherViews.locator('button');
		for (let attempt = 1; ; attempt++) {
			await toolInput.getByTestId('canvas-handle-plus').click();
			await toolsView.or(stackedView).first().waitFor();
			if (!(await stackedView.first().isVisible())) break;
			if (attempt === 3) throw new Error('the node panel did not open on its Tools view');
			await page.keyboard.press('Escape');
			await creator.waitFor({ state: 'hidden' });
		}
		// The view it replaced slides out: until then there are two search boxes.
		await otherViews.first().waitFor({ state: 'detached' });
		await creator.getByTestId('node-creator-search-bar').fill(query);
		const found = creator.getByTestId('node-creator-node-item');
		// The list shows every tool until the search applies: wait for a hit that names the query.
		const hit = found.filter({ hasText: query }).first();
		await hit.waitFor();
		const names = (await found.getByTestId('node-creator-item-name').allInnerTexts()).map((t) =>
			t.trim(),
		);
		await hit.click();
		// From the Tools view n8n adds the node at once; details ("Add to workflow") mean the click
		// landed in another view, where adding gives the plain node: fail rather than add it.
		const parameters = page.getByTestId('ndv').getByTestId('node-parameters');
		const addButton = creator.getByRole('button', { name: 'Add to workflow' });
		await parameters.or(addButton).first().waitFor();
		if (await addButton.isVisible()) {
			throw new Error(
				`the node panel opened the details of "${query}" instead of adding it as a tool: the click was not in its Tools view`,
			);
		}
		return names;
	}

	/** The names of the nodes whose connections on the canvas end at `targetNode`. */
	async connectionSources(targetNode: string): Promise<string[]> {
		const edges = this.page.locator(
			`[data-test-id="edge"][data-target-node-name="${cssString(targetNode)}"]`,
		);
		return edges.evaluateAll((elements) =>
			(elements as unknown as DomElement[]).map(
				(element) => element.getAttribute('data-source-node-name') ?? '',
			),
		);
	}

	/** In the open node view: picks an entry of an options parameter by its label. */
	async selectOption(parameterName: string, label: string): Promise<void> {
		const { page } = this;
		await page.getByTestId('ndv').getByTestId(`parameter-input-${parameterName}`).click();
		// An entry's accessible name is its label followed by its description.
		const startsWithLabel = new RegExp(`^\\s*${label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\b`);
		await page.getByRole('option', { name: startsWithLabel }).first().click();
	}

	/** In the open node view: the entries an "Add option" list of a collection offers. */
	async collectionOptionNames(): Promise<string[]> {
		const { page } = this;
		const panel = page.getByTestId('ndv').getByTestId('node-parameters');
		// "Add option" is a button that opens the list (a dropdown in some n8n versions).
		await panel
			.getByTestId('collection-parameter-add')
			.or(panel.getByTestId('collection-parameter-add-dropdown'))
			.first()
			.click();
		const options = page.getByTestId('collection-parameter-option');
		await options.first().waitFor();
		const names = (await options.allInnerTexts()).map((t) => t.trim()).filter(Boolean);
		await page.keyboard.press('Escape');
		return names;
	}

	/** Opens a node's detail view (double click on the canvas); returns the view. */
	async openNode(name: string): Promise<Locator> {
		await this.canvasNode(name).dblclick();
		const ndv = this.page.getByTestId('ndv');
		await ndv.getByTestId('node-parameters').waitFor();
		return ndv;
	}

	async closeNode(): Promise<void> {
		const ndv = this.page.getByTestId('ndv');
		await ndv.getByTestId('ndv-close-button').click();
		await ndv.waitFor({ state: 'hidden' });
	}

	/** The open node's visible parameters, top to bottom, with what each input shows. */
	async nodeParameters(): Promise<NodeParameter[]> {
		const panel = this.page.getByTestId('ndv').getByTestId('node-parameters');
		await panel.waitFor();
		return panel.evaluate((element) => {
			const root = element as unknown as DomElement;
			const read = (input: DomElement | null): string => {
				if (!input) return '';
				const toggle = input.querySelector('[role="switch"]');
				if (toggle) return toggle.getAttribute('aria-checked') === 'true' ? 'on' : 'off';
				const field = input.querySelector('input');
				if (field && field.type !== 'hidden' && field.value) return field.value;
				return input.innerText.trim();
			};
			const labels = Array.from(
				root.querySelectorAll(
					'[data-test-id="credentials-label"], [data-test-id="input-label"] label',
				),
			);
			const parameters: Array<{ label: string; value: string }> = [];
			for (const label of labels) {
				// The Settings tab's parameters are in the page too, hidden.
				if (label.offsetParent === null) continue;
				// The label's first line: hovering adds "Fixed / Expression" buttons after it.
				const text = label.innerText.trim().split('\n')[0].trim();
				if (label.getAttribute('data-test-id') === 'credentials-label') {
					const select = root.querySelector('[data-test-id="node-credentials-select"] input');
					parameters.push({ label: text, value: select?.value ?? '' });
					continue;
				}
				// <label for="identityId"> names the parameter; its input is parameter-input-identityId.
				// A collection (Options) has no input of its own: its value is ''.
				const name = label.getAttribute('for');
				const input = name ? root.querySelector(`[data-test-id="parameter-input-${name}"]`) : null;
				parameters.push({ label: text, value: read(input) });
			}
			return parameters;
		});
	}

	/**
	 * Clicks "Execute workflow" and waits until the run is over (the button is back and no
	 * node is still running).
	 */
	async executeWorkflow(): Promise<void> {
		const { page } = this;
		const button = page.getByTestId('execute-workflow-button');
		await button.click();
		await page
			.getByTestId('canvas-node-status-success')
			.or(page.getByTestId('canvas-node-status-error'))
			.first()
			.waitFor({ timeout: EXECUTION_TIMEOUT_MS });
		await page.getByTestId('stop-execution-button').waitFor({
			state: 'hidden',
			timeout: EXECUTION_TIMEOUT_MS,
		});
		const running = page.getByTestId('canvas-node-status-running');
		const deadline = Date.now() + EXECUTION_TIMEOUT_MS;
		while (!(await button.isEnabled()) || (await running.count()) > 0) {
			if (Date.now() > deadline) throw new Error('the workflow was still running');
			await page.waitForTimeout(200);
		}
	}

	/** The item counts on the connections leaving a node, by target node: `{ Approve: '1 item' }`. */
	async connectionLabels(sourceNode: string): Promise<Record<string, string>> {
		const labels = this.page.locator(
			`[data-test-id="edge-label"][data-source-node-name="${cssString(sourceNode)}"]`,
		);
		const entries = await labels.evaluateAll((elements) =>
			(elements as unknown as DomElement[]).map((element) => [
				element.getAttribute('data-target-node-name') ?? '',
				element.innerText.trim(),
			]),
		);
		return Object.fromEntries(entries);
	}

	/**
	 * Reads until the page shows `expected` (deep equality) or `timeoutMs` passes; returns the
	 * last reading for the caller to assert on. For what the editor renders in stages (a node's
	 * parameter list, counts on connections after a run).
	 */
	async eventually<T>(read: () => Promise<T>, expected: T, timeoutMs = 10_000): Promise<T> {
		const deadline = Date.now() + timeoutMs;
		for (;;) {
			const value = await read();
			if (isDeepStrictEqual(value, expected) || Date.now() > deadline) return value;
			await this.page.waitForTimeout(250);
		}
	}

	/**
	 * In the open node view: the output's branches (Match, No Match, ...) with the data each one
	 * shows in table mode. A node with one output gives one branch titled by its item count.
	 */
	async outputBranches(): Promise<OutputBranch[]> {
		const output = this.page.getByTestId('ndv').getByTestId('output-panel');
		// The first branch may be empty (No Verdict): then there are tabs but no data yet.
		await output
			.getByTestId('branches')
			.or(output.getByTestId('ndv-data-container'))
			.first()
			.waitFor();
		const tabs = output.getByTestId('branches').getByRole('tab');
		const count = await tabs.count();
		if (count === 0) await output.getByTestId('radio-button-table').click();
		if (count === 0) {
			return [
				{
					title: (await output.getByTestId('ndv-items-count').innerText()).trim(),
					text: await this.settledText(output),
				},
			];
		}
		const branches: OutputBranch[] = [];
		for (let index = 0; index < count; index++) {
			const tab = tabs.nth(index);
			await tab.click();
			for (let wait = 0; (await tab.getAttribute('aria-selected')) !== 'true'; wait++) {
				if (wait === 40) throw new Error(`output tab ${index} did not become selected`);
				await this.page.waitForTimeout(100);
			}
			const title = (await tab.innerText()).trim();
			branches.push({ title, text: await this.branchText(output) });
		}
		return branches;
	}

	/** The selected branch's data as a table, or '' when the branch holds no items. */
	private async branchText(output: Locator): Promise<string> {
		const table = output.getByTestId('radio-button-table');
		try {
			await table.waitFor({ timeout: 3000 });
		} catch {
			return '';
		}
		await table.click();
		return await this.settledText(output);
	}

	/** The text of a panel's data once it has stopped changing (the table follows the tab). */
	private async settledText(panel: Locator): Promise<string> {
		const data = panel.getByTestId('ndv-data-container');
		await data.locator('table').first().waitFor();
		let previous = '';
		for (let attempt = 0; attempt < 20; attempt++) {
			const text = (await data.innerText()).replace(/\s+/g, ' ').trim();
			if (text === previous) break;
			previous = text;
			await this.page.waitForTimeout(150);
		}
		return previous;
	}

	/** In the open node view: shows the input or output data as a table, JSON or schema. */
	async showDataAs(panel: 'input' | 'output', mode: 'table' | 'json' | 'schema'): Promise<void> {
		const ndv = this.page.getByTestId('ndv');
		const pane = ndv.getByTestId(panel === 'input' ? 'ndv-input-panel' : 'output-panel');
		await pane.getByTestId(`radio-button-${mode}`).click();
		if (mode === 'table') {
			await pane.getByTestId('ndv-data-container').locator('table').first().waitFor();
		}
	}

	/** In the open node view: selects an output branch tab by its position. */
	async selectOutputBranch(index: number): Promise<void> {
		const output = this.page.getByTestId('ndv').getByTestId('output-panel');
		await output.getByTestId(`tab-${index}`).click();
	}

	/** Screenshot, URL, page text, data-test-ids and console errors, for failure messages. */
	async describePage(name: string): Promise<string> {
		const lines: string[] = [];
		try {
			lines.push(`Screenshot: ${await this.screenshot(`${name}-${++this.screenshotCount}`)}`);
		} catch (error) {
			lines.push(`Screenshot failed: ${(error as Error).message}`);
		}
		lines.push(`URL: ${this.page.url()}`);
		try {
			const { text, testIds } = await this.page.locator('body').evaluate((element) => {
				const body = element as unknown as DomElement;
				const marked = Array.from(body.querySelectorAll('[data-test-id]'));
				return {
					text: body.innerText,
					testIds: [
						...new Set(
							marked
								.filter((candidate) => candidate.offsetParent !== null)
								.map((candidate) => candidate.getAttribute('data-test-id')),
						),
					],
				};
			});
			const squeezed = text
				.replace(/[ \t]+/g, ' ')
				.replace(/\n\s*\n+/g, '\n')
				.trim();
			lines.push(
				`Page text${squeezed.length > PAGE_TEXT_LIMIT ? ` (first ${PAGE_TEXT_LIMIT} characters)` : ''}:`,
				indent(squeezed.slice(0, PAGE_TEXT_LIMIT)),
				`Visible data-test-id values: ${testIds.join(', ')}`,
			);
		} catch (error) {
			lines.push(`Page text unavailable: ${(error as Error).message}`);
		}
		if (this.problems.length > 0) {
			lines.push('Browser console errors (last 10):', indent(this.problems.slice(-10).join('\n')));
		}
		return lines.join('\n');
	}

	private problem(text: string): void {
		this.problems.push(text.slice(0, 500));
		if (this.problems.length > 50) this.problems.shift();
	}
}

/** The little of the DOM the in-page functions use (the tsconfig has no DOM library). */
interface DomElement {
	readonly innerText: string;
	readonly value?: string;
	readonly type?: string;
	readonly offsetParent: unknown;
	getAttribute(name: string): string | null;
	querySelector(selector: string): DomElement | null;
	querySelectorAll(selector: string): ArrayLike<DomElement>;
	closest(selector: string): DomElement | null;
}

function firstLine(text: string): string {
	return text.trim().split('\n')[0].trim();
}

function indent(text: string): string {
	return text
		.split('\n')
		.map((line) => `    ${line}`)
		.join('\n');
}

function slug(name: string): string {
	return name
		.toLowerCase()
		.replace(/[^a-z0-9]+/g, '-')
		.replace(/^-|-$/g, '');
}

/** A value for a CSS attribute selector in double quotes. */
function cssString(value: string): string {
	return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"');
}
