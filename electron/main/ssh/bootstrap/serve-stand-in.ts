// Test support: a stand-in for `baton serve --listen 127.0.0.1:0` with the same observable
// contract the bootstrap depends on — writes $BATON_HOME/server.json (0600: pid, port, url,
// version, token), answers on its loopback port, removes server.json on SIGTERM. Used where the
// real bundle (dist/baton.cjs) is not built or does not have `serve --listen` yet.
export function standInServerSource(version: string): string {
  return `'use strict';
const http = require('node:http'), fs = require('node:fs'), path = require('node:path');
const args = process.argv.slice(2);
if (args[0] !== 'serve' || args[1] !== '--listen') { console.error('usage: serve --listen host:port'); process.exit(2); }
const [host, port] = args[2].split(':');
const home = process.env.BATON_HOME;
const info = path.join(home, 'server.json');
const srv = http.createServer((req, res) => res.end('baton-stand-in ' + process.pid));
srv.listen(Number(port), host, () => {
  const p = srv.address().port;
  const tmp = info + '.' + process.pid + '.tmp';
  fs.writeFileSync(tmp, JSON.stringify({ pid: process.pid, port: p, url: 'ws://' + host + ':' + p, version: ${JSON.stringify(version)}, token: 'stand-in-token-0123456789' }, null, 2), { mode: 0o600 });
  fs.renameSync(tmp, info);
  console.log('listening on ' + p);
});
process.on('SIGTERM', () => { try { fs.unlinkSync(info); } catch {} process.exit(0); });
`;
}
