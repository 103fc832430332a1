// One error type for everything the API refuses, on both sides of the wire: the server throws
// it from handlers and serializes it; the client rebuilds it from the response. `name` is the
// stable word a caller switches on, `hint` says what to do — the CLI and the UI print both.
import { RpcErrorCode, type RpcErrorName, type RpcErrorObject } from '../contracts/rpc';

export class RpcError extends Error {
  readonly code: number;
  constructor(
    readonly kind: RpcErrorName,
    message: string,
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'RpcError';
    this.code = RpcErrorCode[kind];
  }

  toJSON(): RpcErrorObject {
    return { code: this.code, message: this.message, data: { code: this.kind, ...(this.hint ? { hint: this.hint } : {}) } };
  }

  static fromObject(obj: RpcErrorObject): RpcError {
    const byName = obj.data?.code as RpcErrorName | undefined;
    const kind =
      byName && byName in RpcErrorCode
        ? byName
        : ((Object.keys(RpcErrorCode) as RpcErrorName[]).find((k) => RpcErrorCode[k] === obj.code) ?? 'internalError');
    return new RpcError(kind, obj.message, obj.data?.hint);
  }
}
