// The version every `initialize` reports; bundled from package.json at build time.
import pkg from '../../../package.json';

export const SERVER_VERSION: string = pkg.version;
