// Debian's Chromium is what the e2e suite drives. Missing: a loud skip, or a failure under CI.
import { requireTool } from '../../electron/test-support/tools';

export const chromiumPath = requireTool('chromium', 'chromium');
