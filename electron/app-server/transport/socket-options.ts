// WebSocket options every Baton client socket uses (direct, through a forward, or via the relay).
import { MAX_NOISE_MESSAGE } from './cipher-state.js';

/**
 * A zero masking key: ws then sends the payload as it is instead of copying it into a masked
 * buffer (RFC 6455 §5.3). Masking keeps script-chosen bytes from looking like HTTP to proxies;
 * what we send is Noise handshake and transport messages, which no third party can choose, so it
 * protects nothing here and cost one 64 KiB copy per message on the sender (issue 9). The key
 * still travels in each frame, so receivers and relays see ordinary masked frames.
 */
function zeroMask(mask: Buffer): void {
  mask.fill(0);
}

export const clientSocketOptions = {
  maxPayload: MAX_NOISE_MESSAGE,
  perMessageDeflate: false,
  generateMask: zeroMask,
} as const;
