// A thread of 50,000 transcript items opens and scrolls: the transcript is virtualized, so only
// the rows on screen are in the page, whichever part of the thread is shown.
import { expect, test } from '@playwright/test';
import { startBaton, type BatonFixture } from './support/baton';
import { chromiumPath } from './support/chromium';
import { writeLongThread } from './support/longThread';

test.skip(!chromiumPath, 'Debian Chromium is not installed (apt-get install -y chromium)');

const ITEMS = 50_000;
let baton: BatonFixture;
test.beforeAll(async () => {
  baton = await startBaton({ setup: ({ home, repo }) => writeLongThread(home, repo, ITEMS).then(() => undefined) });
});
test.afterAll(async () => {
  await baton?.stop();
});

test('a 50,000-item thread opens at its end and scrolls to its start and middle', async ({ page }) => {
  await page.goto(baton.url);
  await page.getByRole('navigation').getByRole('button', { name: /Long thread/ }).click();
  const transcript = page.getByRole('log', { name: 'Transcript' });
  // Every item is loaded (the first system notice may add one or two rows)...
  await expect(transcript).toHaveAttribute('data-count', /^500\d\d$/, { timeout: 60_000 });
  // ...it opens at the end...
  await expect(transcript.getByText(`Message number ${ITEMS - 1}`, { exact: true })).toBeVisible();
  // ...and only what is on screen exists in the page.
  const rendered = () => transcript.locator('.row').count();
  expect(await rendered()).toBeLessThan(80);

  await transcript.evaluate((el) => (el.scrollTop = 0));
  await expect(transcript.getByText('Message number 1', { exact: true })).toBeVisible();
  expect(await rendered()).toBeLessThan(80);

  await transcript.evaluate((el) => (el.scrollTop = el.scrollHeight / 2));
  // The virtualizer renders the new rows on its next frame: wait for them, not for any row.
  const firstShown = async () => Number(/number (\d+)/.exec((await transcript.locator('.row .text').first().textContent()) ?? '')?.[1]);
  await expect.poll(firstShown, { timeout: 10_000 }).toBeGreaterThan(ITEMS * 0.3);
  expect(await firstShown()).toBeLessThan(ITEMS * 0.7);
  expect(await rendered()).toBeLessThan(80);

  // Keyboard: End brings the reader back to the newest item.
  await transcript.focus();
  await page.keyboard.press('End');
  await expect(transcript.getByText(`Message number ${ITEMS - 1}`, { exact: true })).toBeVisible();
});
