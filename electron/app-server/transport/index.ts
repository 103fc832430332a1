// The secure channel's public API. Everything that crosses the network between Baton hosts
// travels in a SecureChannel: Noise (IK with a pinned key, XX + TOFU on first contact) over one
// WebSocket, direct, through an SSH port-forward, or through the blind relay. PROTOCOL.md §4.
export { TransportError, type TransportErrorCode } from './errors.js';
export { batonHome, fingerprint, hostIdFor, loadOrCreateIdentity, type StaticKeypair } from './identity.js';
export {
  addAuthorizedClient,
  addKnownServer,
  checkKnownServer,
  isAuthorizedClient,
  listAuthorizedClients,
  lookupKnownServer,
  removeAuthorizedClient,
  removeKnownServer,
  serverAddressForUrl,
  type AuthorizedClient,
} from './key-stores.js';
export { SecureChannel, type ChannelLimits, type CloseInfo, type MessageHandler } from './channel.js';
export { startSecureServer, type SecureServer, type SecureServerOptions } from './server.js';
export { connectSecure, checkClientUrl, type ConnectOptions } from './client.js';
export { acceptSecure, initiateSecure, ReplayGuard, type AuthorizeClient } from './session.js';
export { startRelay, type Relay, type RelayLimits, type RelayOptions } from './relay.js';
export { connectViaRelay, listenViaRelay, type RelayConnectOptions, type RelayListener, type RelayListenerOptions } from './relay-client.js';
export { PROTOCOL_VERSION } from './prologue.js';
export { SERVE_TOKEN_FILE } from './token.js';
