import { chromium, type Browser } from 'playwright-core';
import { toolPath } from './tools';

/**
 * Debian's Chromium, headless, driven by playwright-core (which gives it a fresh profile).
 * The network here is closed, so background networking and updates are off.
 */
export function headlessChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: toolPath('chromium'),
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--no-first-run', '--disable-quic'],
  });
}
