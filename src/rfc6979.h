// RFC 6979 deterministic nonces for secp256k1 signing, byte for byte the
// nonces of libsecp256k1's own nonce_function_rfc6979 (and so of viem and
// @noble/curves), computed with OpenSSL's SHA-256 on Linux. libsecp256k1
// carries a portable SHA-256; OpenSSL's uses the CPU's SHA instructions where
// it has them. Deriving a nonce is HMAC-SHA256 work, not curve arithmetic,
// and here it took 3.3 µs of a 22 µs signature; this takes 1.0 µs. The macOS
// and Windows builds have no OpenSSL (CLAWPAY_OPENSSL_SHA256 off, see
// CMakeLists.txt) and use libsecp256k1's function itself.
#pragma once

namespace clawpay {

// A secp256k1_nonce_function. Without extra data or an algorithm tag (what
// PrivateKey::sign passes) it computes the nonce itself; with either it
// hands the call to libsecp256k1's function. Every intermediate that depends
// on the key is wiped before it returns.
int rfc6979Nonce(unsigned char* nonce32, const unsigned char* msg32, const unsigned char* key32,
                 const unsigned char* algo16, void* data, unsigned int counter);

}  // namespace clawpay
