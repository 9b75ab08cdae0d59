// The limits the JS layer and the native core both enforce, read from their
// one home, src/clawpay_limits.h (exported by binding/limits.cc). Every JS
// check, schema and message takes its number from here.
import { native } from './native.js';

const { limits } = native;

/** Session lifetimes in seconds: ClawPay MCP 1.1's range (60 s to 30 days) and default. */
export const MIN_SESSION_TTL_SECONDS = limits.minSessionTtlSeconds;
export const DEFAULT_SESSION_TTL_SECONDS = limits.defaultSessionTtlSeconds;
export const MAX_SESSION_TTL_SECONDS = limits.maxSessionTtlSeconds;
export const MAX_SESSION_TOKEN_LENGTH = limits.maxSessionTokenLength;
export const MAX_SESSION_LABEL_CHARS = limits.maxSessionLabelChars;

/** An asset's decimals: 0 to this. */
export const MAX_ASSET_DECIMALS = limits.maxAssetDecimals;
/** The largest amount of base units (a uint256); not a number, so it lives here rather than in C++. */
export const MAX_UINT256 = (1n << 256n) - 1n;

/** A paid request's default timeout, and the range ClawPay 1.1's tools accept (ms). */
export const DEFAULT_TIMEOUT_MS = limits.defaultTimeoutMs;
export const MIN_TOOL_TIMEOUT_MS = limits.minToolTimeoutMs;
export const MAX_TOOL_TIMEOUT_MS = limits.maxToolTimeoutMs;

/** How long a signed EIP-3009 authorization may stay valid (CLAWPAY_MAX_AUTHORIZATION_SECONDS). */
export const MIN_AUTHORIZATION_SECONDS = limits.minAuthorizationSeconds;
export const DEFAULT_MAX_AUTHORIZATION_SECONDS = limits.defaultMaxAuthorizationSeconds;
export const MAX_AUTHORIZATION_SECONDS = limits.maxAuthorizationSeconds;

export const MAX_SIWX_HEADER_BYTES = limits.maxSiwxHeaderBytes;

/** Record stores: ids in bytes, values as compact JSON. */
export const MAX_RECORD_ID_BYTES = limits.maxRecordIdBytes;
export const MAX_RECORD_VALUE_BYTES = limits.maxRecordValueBytes;
export const MAX_RECORD_VALUE_DEPTH = limits.maxRecordValueDepth;

/** Receipt ledgers, in characters as JS counts them. */
export const MAX_FAILURE_CHARS = limits.maxFailureChars;
export const MAX_NONCE_CHARS = limits.maxNonceChars;
