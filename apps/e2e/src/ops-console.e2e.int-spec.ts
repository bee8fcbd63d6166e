/**
 * Issue 6 acceptance: the ops console in a real headless browser (Debian's chromium,
 * driven by playwright-core) against the whole hub as processes. An operator pastes a
 * token, searches a MsgId and sees the trace and the AppRec status per receiver.
 * `UPDATE_SCREENSHOT=1` also writes docs/ops-console.png (the README links it).
 */
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { containsPersonId } from '@hub/errors';
import { eventually, startTestHub, type TestHub } from './hub.harness.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const SCREENSHOT = path.resolve(import.meta.dirname, '../../../docs/ops-console.png');

describe('ops console in a headless browser (hub as processes)', () => {
  let t: TestHub;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    if (!fs.existsSync(CHROMIUM)) {
      throw new Error(`${CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium; .ci/run does) or set CHROMIUM_PATH`);
    }
    t = await startTestHub({ portBase: 4600 });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
    page = await browser.newPage({ viewport: { width: 1360, height: 1000 } });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await t?.stop();
  }, 60_000);

  /** Waits for a locator; on timeout the failure says what the result area showed instead. */
  async function shown(locator: ReturnType<Page['locator']>): Promise<void> {
    try {
      await locator.waitFor({ timeout: 20_000 });
    } catch (err) {
      throw new Error(`${(err as Error).message.split('\n')[0]}; the result area showed: ${await page.locator('#result').innerText()}`);
    }
  }

  it('finds a message by MsgId and shows every stage of its trace and its AppRec status', async () => {
    // One hospital stay: five chain messages, each acknowledged by the municipality.
    expect((await t.call('hospital-epj', 'POST', '/v1/stays', { body: { count: 1 } })).status).toBe(202);
    await eventually(async () => {
      const { stays } = (await (await t.call('hospital-epj', 'GET', '/v1/stays')).json()) as { stays: { status: string }[] };
      return stays.length === 1 && stays[0]!.status === 'completed';
    }, 'the stay to complete', 120_000);
    const expectation = await t.db.receiptExpectation.findFirst({ where: { status: 'OK', msgType: 'LOG_INNLAGT' } });
    expect(expectation).not.toBeNull();
    const msgId = expectation!.msgId;
    const stages = (await t.db.messageEvent.findMany({ where: { msgId }, orderBy: { id: 'asc' } })).map((e) => e.stage);
    expect(stages.length).toBeGreaterThan(2);

    await page.goto(t.url('ops-console'));
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toContain('Samhandling hub');

    // Without a token the API answers 401 and the page says so, loading nothing.
    await page.getByLabel('MsgId or conversation id').fill(msgId);
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByRole('alert').filter({ hasText: 'operator token' }).waitFor();

    await page.getByLabel('Operator token').fill(t.tokens.operator);
    await page.getByRole('button', { name: 'Use token' }).click();
    await page.getByText('Token in use for this tab.').waitFor();
    // The token lives in sessionStorage, not in a cookie.
    // (The callback runs in the page, where sessionStorage exists; this file compiles without DOM types.)
    expect(await page.evaluate("sessionStorage.getItem('hub-ops-token')")).toBe(t.tokens.operator);
    expect(await page.context().cookies()).toEqual([]);

    await page.getByLabel('MsgId or conversation id').fill(msgId);
    await page.getByLabel('MsgId or conversation id').press('Enter'); // the keyboard works as well as the mouse
    const trace = page.getByRole('table', { name: 'Trace: every stage in order' });
    await shown(trace);
    const rows = await trace.locator('tbody tr').all();
    expect(rows).toHaveLength(stages.length);
    const shownStages = await Promise.all(rows.map((r) => r.locator('td').nth(1).textContent()));
    expect(shownStages).toEqual(stages);
    expect(await trace.locator('tbody').textContent()).toContain('SUCCEEDED');

    const apprec = page.getByRole('table', { name: 'AppRec status per receiver' });
    await shown(apprec);
    const apprecRows = await apprec.locator('tbody tr').all();
    expect(apprecRows).toHaveLength(1);
    const cells = await apprecRows[0]!.locator('td').allTextContents();
    expect(cells[0]).toContain(String(expectation!.receiverHerId)); // the receiver, named from the registry
    expect(cells[1]).toContain('OK');

    // The rest of the page loaded with the same token: parties, alerts, lists.
    await page.getByRole('table', { name: 'Registered parties' }).waitFor();
    expect(await page.getByRole('table', { name: 'Registered parties' }).textContent()).toContain('Skien kommune');
    await page.locator('#alerts[aria-busy="false"]').waitFor();
    await page.locator('#overdue[aria-busy="false"]').waitFor();
    expect(await page.locator('#overdue').textContent()).toContain('Nothing overdue.');

    // Searching the conversation lists its messages; the MsgId link leads back to the trace.
    await page.getByRole('button', { name: `Show conversation ${expectation!.conversationId}` }).click();
    const conversation = page.getByRole('table', { name: 'Messages in the order intake accepted them' });
    await shown(conversation);
    const inConversation = await t.db.message.count({ where: { conversationId: expectation!.conversationId } });
    expect(inConversation).toBeGreaterThan(0);
    expect(await conversation.locator('tbody tr').count()).toBe(inConversation);
    await page.getByRole('button', { name: `Show trace of message ${msgId}` }).click();
    await shown(trace);

    expect(containsPersonId(await page.locator('body').innerText())).toBe(false);

    if (process.env.UPDATE_SCREENSHOT === '1') {
      await page.screenshot({ path: SCREENSHOT, fullPage: true });
    }
  }, 180_000);
});
