import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { CHROMIUM_ARGS, findChromium } from '../support/browser';
import { createClient, type TestClient } from '../support/factories/client.factory';
import { startHttpTestApp, type HttpTestApp } from '../support/http-app';

/**
 * Swagger UI at /docs in a real browser: a person opens the page, authorizes through the oauth2
 * client-credentials flow with a client's id and secret, and calls GET /protected from "Try it
 * out". Driven through playwright-core by whichever Chromium findChromium() finds.
 */
/** Set SWAGGER_UI_SCREENSHOT=1 to keep a screenshot of the successful /protected call, to look at. */
const keepScreenshot = Boolean(process.env.SWAGGER_UI_SCREENSHOT);

describe('Swagger UI at /docs in headless Chromium', () => {
  let t: HttpTestApp;
  let client: TestClient;
  let context: BrowserContext;
  let page: Page;
  let userDataDir: string;
  let screenshotDir: string | undefined;
  const screenshotPath = (name: string): string => {
    screenshotDir ??= mkdtempSync(join(tmpdir(), 'swagger-ui-screenshots-'));
    return join(screenshotDir, `${name}.png`);
  };

  beforeAll(async () => {
    // Never a skip: the browser test is part of the proof, so a machine without Chromium fails.
    const browser = await findChromium();
    // Which browser ran is part of the proof (a CI log shows it came from npm ci, not the system).
    process.stderr.write(
      `Swagger UI test: Chromium from ${browser.source} (${browser.executablePath})\n`,
    );
    t = await startHttpTestApp({ listen: true });
    client = await createClient(t.app, { scopes: ['read'], role: 'user' });
    userDataDir = mkdtempSync(join(tmpdir(), 'swagger-ui-chromium-'));
    // The args carry --headless themselves; Playwright's own headless switch would add a second one.
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: browser.executablePath,
      headless: false,
      args: CHROMIUM_ARGS,
      viewport: { width: 1280, height: 1000 },
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.setDefaultTimeout(15_000);
  });

  afterAll(async () => {
    await context?.close();
    await t?.close();
    if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
  });

  /** Runs a browser step; on failure saves a screenshot and names its path in the error. */
  async function step(name: string, body: () => Promise<void>): Promise<void> {
    try {
      await body();
    } catch (error) {
      const file = screenshotPath(name);
      const saved = await page
        ?.screenshot({ path: file, fullPage: true })
        .then(() => true)
        .catch(() => false);
      if (saved) console.error(`Swagger UI test "${name}" failed; screenshot: ${file}`);
      if (saved && error instanceof Error) error.message += `\nScreenshot: ${file}`;
      throw error;
    }
  }

  const operation = (method: string, path: string): Locator =>
    page.locator(`.opblock.opblock-${method}`, {
      has: page.locator(`.opblock-summary-path[data-path="${path}"]`),
    });

  it('lists the main endpoints', async () => {
    await step('endpoints', async () => {
      await page.goto(`${t.url}/docs`);
      await operation('get', '/protected').waitFor();
      const paths = await page
        .locator('.opblock-summary-path[data-path]')
        .evaluateAll((els) => els.map((el) => el.getAttribute('data-path')));
      expect(paths).toEqual(expect.arrayContaining(['/token', '/oauth/token', '/protected']));
    });
  });

  it('runs under the Content-Security-Policy without a single violation', async () => {
    await step('csp', async () => {
      const refusals: string[] = [];
      const onConsole = (msg: { type(): string; text(): string }) => {
        if (msg.type() === 'error' && /Content Security Policy/i.test(msg.text()))
          refusals.push(msg.text());
      };
      page.on('console', onConsole);
      try {
        const response = await page.goto(`${t.url}/docs`);
        expect(response?.headers()['content-security-policy']).toContain("script-src 'self'");
        await operation('get', '/protected').waitFor();
        // The page's inline <style> (body margin 0) applied: inline styles are allowed.
        // A string expression: it runs in the page, where the DOM exists (not in Node's type scope).
        expect(await page.evaluate('getComputedStyle(document.body).margin')).toBe('0px');
      } finally {
        page.off('console', onConsole);
      }
      expect(refusals).toEqual([]);
    });
  });

  it('authorizes with client credentials and gets 200 from GET /protected', async () => {
    await step('authorize-and-call-protected', async () => {
      await page.goto(`${t.url}/docs`);
      await page.locator('.scheme-container button.authorize').click();

      // Found by its heading: the inputs are replaced by plain text once authorized.
      const oauth2 = page.locator('.auth-container', {
        has: page.getByRole('heading', { name: 'oauth2 (OAuth2, clientCredentials)' }),
      });
      await oauth2.locator('#client_id_clientCredentials').fill(client.clientId);
      await oauth2.locator('#client_secret_clientCredentials').fill(client.secret);
      // Swagger UI hides the checkbox itself and styles its label, which is what a person clicks.
      const readScope = oauth2.locator('#read-clientCredentials-checkbox-oauth2');
      await oauth2.locator('label[for="read-clientCredentials-checkbox-oauth2"]').click();
      expect(await readScope.isChecked()).toBe(true);
      await oauth2.locator('button.modal-btn.authorize').click();

      // Success turns the button into "Logout"; a refused token request shows an auth error.
      const loggedIn = oauth2.locator('button', { hasText: 'Logout' });
      const authError = oauth2.locator('.errors');
      await loggedIn.or(authError).first().waitFor();
      expect(await authError.allInnerTexts()).toEqual([]);
      expect(await oauth2.locator('h6').innerText()).toBe('Authorized');
      await oauth2.locator('button.btn-done').click();
      await page.locator('.modal-ux').waitFor({ state: 'detached' });

      const protectedOp = operation('get', '/protected');
      await protectedOp.locator('.opblock-summary').first().click();
      await protectedOp.locator('button.try-out__btn').click();
      await protectedOp.locator('button.execute').click();

      const live = protectedOp.locator('.live-responses-table .response');
      await live.locator('.response-col_status').waitFor();
      expect((await live.locator('.response-col_status').innerText()).trim()).toBe('200');
      const body = await live.locator('.response-col_description pre').first().innerText();
      expect(JSON.parse(body)).toEqual(
        expect.objectContaining({ message: 'Access granted', client_id: client.clientId }),
      );
      if (keepScreenshot) {
        const file = screenshotPath('protected-200');
        await protectedOp.screenshot({ path: file });
        console.log(`Swagger UI: authorized GET /protected answered 200; screenshot: ${file}`);
      }
    });
  });
});
