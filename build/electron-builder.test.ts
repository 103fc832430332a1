// Packaging cannot run here (it downloads Electron), so the config is checked the way
// electron-builder itself would: against its own JSON schema, plus the facts the app relies on.
import Ajv from 'ajv';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
// js-yaml comes with electron-builder (which parses this very file with it); it ships no types.
const yaml = require('js-yaml') as { load(text: string): unknown };
const config = yaml.load(readFileSync(path.join(root, 'build', 'electron-builder.yml'), 'utf8')) as Record<string, any>;

describe('build/electron-builder.yml', () => {
  it('is valid for the installed electron-builder', () => {
    const schema = JSON.parse(readFileSync(require.resolve('app-builder-lib/scheme.json'), 'utf8'));
    const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);
    expect(validate(config) ? [] : validate.errors).toEqual([]);
  });

  it('builds AppImage and deb, dmg, nsis from the bundles npm run build makes', () => {
    expect(config.linux.target).toEqual(['AppImage', 'deb']);
    expect(config.mac.target[0].target).toBe('dmg');
    expect(config.win.target[0].target).toBe('nsis');
    const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
    expect(config.extraMetadata.main).toBe(pkg.main);
    for (const f of ['dist/electron-main.cjs', 'dist/preload.cjs', 'dist/renderer/**', 'dist/baton.cjs']) expect(config.files).toContain(f);
    const build = readFileSync(path.join(root, 'build', 'build.mjs'), 'utf8');
    for (const out of ['dist/electron-main.cjs', 'dist/preload.cjs', 'dist/baton.cjs']) expect(build).toContain(out);
    // The server bundle uploaded to SSH hosts must be a plain file, outside the asar.
    expect(config.extraResources).toContainEqual({ from: 'dist/baton.cjs', to: 'server/baton.cjs' });
    expect(readFileSync(path.join(root, 'electron', 'main', 'main.ts'), 'utf8')).toContain("path.join(process.resourcesPath, 'server', 'baton.cjs')");
  });
});
