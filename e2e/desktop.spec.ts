// The desktop app end to end, in real Chromium against the real browser-mode server: add a
// project and a host, start a thread, run a turn that needs approval, approve it, see the
// output, open the run-location picker and find the offline host greyed with its reason.
// Screenshots of the main screens go to docs/screenshots/ (shown in the README).
import { expect, test, type Page } from '@playwright/test';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startBaton, type BatonFixture } from './support/baton';
import { chromiumPath } from './support/chromium';

const shots = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'docs', 'screenshots');
const shot = (page: Page, name: string) => page.screenshot({ path: path.join(shots, `${name}.png`) });

test.skip(!chromiumPath, 'Debian Chromium is not installed (apt-get install -y chromium)');

let baton: BatonFixture;
test.beforeAll(async () => {
  baton = await startBaton();
});
test.afterAll(async () => {
  await baton?.stop();
});

test('the page and the bridge refuse a wrong token', async ({ page }) => {
  const wrong = baton.url.replace(/token=.*/, 'token=not-the-token');
  const res = await page.goto(wrong);
  expect(res?.status()).toBe(403);
  await expect(page.getByText('Open the URL printed by')).toBeVisible();
});

test('project, host, thread, a turn with an approval, and the run-location picker', async ({ page }) => {
  await page.goto(baton.url);
  await expect(page.getByRole('button', { name: 'New thread' })).toBeVisible();

  // Settings > Projects: save the repository on This computer.
  await page.getByRole('button', { name: 'Projects', exact: true }).click();
  await page.getByLabel('Repository path').fill(baton.repo);
  await page.getByRole('button', { name: 'Add project' }).click();
  const localProjects = page.getByRole('region', { name: 'Projects on This computer' });
  await expect(localProjects.getByRole('rowheader', { name: 'acme-app' })).toBeVisible();

  // Settings > Connections: add a host suggested from ~/.ssh/config. Nothing listens there.
  await page.getByRole('button', { name: 'Connections', exact: true }).click();
  await page.getByRole('group', { name: 'Suggested hosts' }).getByRole('button', { name: 'gpu-box' }).click();
  await expect(page.getByLabel('SSH target')).toHaveValue('gpu-box');
  await page.getByRole('button', { name: 'Add host' }).click();
  const row = page.getByRole('row', { name: 'gpu-box' });
  await expect(row).toContainText('not connected');
  await row.getByRole('button', { name: 'Test connection' }).click();
  await expect(row.getByRole('status')).toContainText('Test failed');
  await shot(page, 'settings-connections');

  // A new thread on This computer that asks before every command.
  await page.getByRole('button', { name: 'New thread' }).click();
  await page.getByLabel('Title').fill('Say hello');
  await page.getByLabel('Approvals').selectOption('untrusted');
  await page.getByRole('button', { name: 'Start thread' }).click();
  await expect(page.getByRole('heading', { name: 'Say hello' })).toBeVisible();
  const sidebarRow = page.getByRole('navigation').getByRole('button', { name: /Say hello/ });
  await expect(sidebarRow).toContainText('This computer');

  // A turn whose command needs approval (the offline agent runs `$ ` lines).
  await page.getByLabel('Message').fill('$ echo hello');
  await page.getByRole('button', { name: 'Send' }).click();
  const card = page.getByRole('group', { name: 'Approval request' });
  await expect(card.getByRole('button', { name: 'Approve' })).toBeVisible();
  await expect(card.getByRole('button', { name: 'Deny' })).toBeVisible();
  await expect(card.getByRole('button', { name: 'Always allow' })).toBeVisible();
  await expect(sidebarRow).toContainText('waiting for approval');
  await card.getByRole('button', { name: 'Approve' }).click();
  await expect(card).toContainText('Approved');
  const transcript = page.getByRole('log', { name: 'Transcript' });
  await expect(transcript.getByLabel('Output of echo hello')).toHaveText(/hello/);
  await expect(transcript).toContainText('exit 0');
  await expect(page.getByRole('button', { name: 'Stop' })).toBeDisabled();
  await shot(page, 'thread-view');

  // The footer picker: This computer is where it runs; gpu-box is greyed with its reason.
  await page.getByRole('button', { name: 'Run location: This computer' }).click();
  const menu = page.getByRole('menu', { name: 'Run location' });
  const here = menu.getByRole('menuitem', { name: /This computer/ });
  await expect(here).toHaveAttribute('aria-disabled', 'true');
  const gpu = menu.getByRole('menuitem', { name: /gpu-box/ });
  await expect(gpu).toHaveAttribute('aria-disabled', 'true');
  await expect(gpu).toContainText('is not connected');
  await shot(page, 'run-location-picker');
  // Choosing a greyed host does nothing: no review dialog opens.
  await gpu.click({ force: true });
  await expect(page.getByRole('dialog', { name: 'Review handoff' })).toHaveCount(0);
  await page.keyboard.press('Escape');
  await expect(menu).toHaveCount(0);
});
