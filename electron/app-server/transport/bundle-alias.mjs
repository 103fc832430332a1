// esbuild aliases for bundles that include the transport (build/build.mjs): noise-handshake runs
// on node:crypto instead of the sodium-native add-on, which cannot load from a single bundled file.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const transportAliases = { 'sodium-universal': path.join(here, 'sodium-node.ts') };
