// Each binding file adds its family of functions to the module's exports.
// (One header for all, so binding file names can match the core concepts
// they wrap without shadowing the core's headers.)
#pragma once

#include <napi.h>

namespace clawpay::binding {

void DefineLimits(Napi::Env env, Napi::Object exports);        // limits (src/clawpay_limits.h)
void DefineHashing(Napi::Env env, Napi::Object exports);       // keccak256, hash*, recover*, getAddress
void DefineSigner(Napi::Env env, Napi::Object exports);        // NativeSigner
void DefineSessionToken(Napi::Env env, Napi::Object exports);  // build/decode/verify tokens
void DefineUrlScope(Napi::Env env, Napi::Object exports);      // normalizeUrl, scopeCovers
void DefineSessionStore(Napi::Env env, Napi::Object exports);  // SessionStore
void DefineReceiptLedger(Napi::Env env, Napi::Object exports); // NativeReceiptLedger, receiptIntentFields
void DefineRecordStore(Napi::Env env, Napi::Object exports);   // NativeRecordStore
void DefineChannelVoucher(Napi::Env env, Napi::Object exports); // VoucherDomain (batch-settlement vouchers)
void DefineTransferAuthorization(Napi::Env env, Napi::Object exports); // TransferDomain (EIP-3009)

}  // namespace clawpay::binding
