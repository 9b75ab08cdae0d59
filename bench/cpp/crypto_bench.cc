// Signing, recovery and hashing costs: libsecp256k1 called directly (the
// floor) next to our wrappers, so the overhead of validation and the
// wrappers' copies is visible.
#include <benchmark/benchmark.h>
#include <secp256k1.h>
#include <secp256k1_recovery.h>

#include <algorithm>
#include <string>
#include <vector>

#include "address.h"
#include "bytes.h"
#include "eip191.h"
#include "hex.h"
#include "keccak.h"
#include "private_key.h"
#include "rfc6979.h"
#include "secp256k1_context.h"
#include "signature.h"

namespace clawpay {
namespace {

const Bytes kKeyBytes =
    parseHexExact("0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318", 32, "key");
const Hash32 kDigest = keccak256(asBytes("clawpay benchmark digest"));

void BM_RawSecp256k1SignRecoverable(benchmark::State& state) {
  const secp256k1_context* ctx = secp256k1::context();
  secp256k1_ecdsa_recoverable_signature signature;
  for (auto _ : state) {
    int ok = secp256k1_ecdsa_sign_recoverable(ctx, &signature, kDigest.data(), kKeyBytes.data(),
                                              nullptr, nullptr);
    benchmark::DoNotOptimize(ok);
    benchmark::DoNotOptimize(signature);
  }
}
BENCHMARK(BM_RawSecp256k1SignRecoverable);

void BM_RawSecp256k1RecoverToAddress(benchmark::State& state) {
  const secp256k1_context* ctx = secp256k1::context();
  secp256k1_ecdsa_recoverable_signature signature;
  if (!secp256k1_ecdsa_sign_recoverable(ctx, &signature, kDigest.data(), kKeyBytes.data(), nullptr,
                                        nullptr)) {
    state.SkipWithError("signing failed");
    return;
  }
  for (auto _ : state) {
    secp256k1_pubkey publicKey;
    unsigned char serialized[65];
    size_t size = sizeof(serialized);
    int ok = secp256k1_ecdsa_recover(ctx, &publicKey, &signature, kDigest.data());
    secp256k1_ec_pubkey_serialize(ctx, serialized, &size, &publicKey, SECP256K1_EC_UNCOMPRESSED);
    Hash32 hash = keccak256(ByteView(serialized + 1, 64));
    Address address;
    std::copy(hash.begin() + 12, hash.end(), address.begin());
    benchmark::DoNotOptimize(ok);
    benchmark::DoNotOptimize(address);
  }
}
BENCHMARK(BM_RawSecp256k1RecoverToAddress);

// The same over 256 distinct digests and signatures, as a server meets them:
// one signature recovered again and again lets the branch predictor learn its
// exact path, which flatters the figure above by a few microseconds.
void BM_RawSecp256k1RecoverToAddressDistinct(benchmark::State& state) {
  const secp256k1_context* ctx = secp256k1::context();
  std::vector<Hash32> digests;
  std::vector<secp256k1_ecdsa_recoverable_signature> signatures(256);
  for (size_t i = 0; i < signatures.size(); ++i) {
    digests.push_back(keccak256(asBytes("clawpay benchmark digest " + std::to_string(i))));
    if (!secp256k1_ecdsa_sign_recoverable(ctx, &signatures[i], digests[i].data(), kKeyBytes.data(), nullptr,
                                          nullptr)) {
      state.SkipWithError("signing failed");
      return;
    }
  }
  size_t i = 0;
  for (auto _ : state) {
    size_t k = i++ & 255;
    secp256k1_pubkey publicKey;
    unsigned char serialized[65];
    size_t size = sizeof(serialized);
    int ok = secp256k1_ecdsa_recover(ctx, &publicKey, &signatures[k], digests[k].data());
    secp256k1_ec_pubkey_serialize(ctx, serialized, &size, &publicKey, SECP256K1_EC_UNCOMPRESSED);
    Hash32 hash = keccak256(ByteView(serialized + 1, 64));
    Address address;
    std::copy(hash.begin() + 12, hash.end(), address.begin());
    benchmark::DoNotOptimize(ok);
    benchmark::DoNotOptimize(address);
  }
}
BENCHMARK(BM_RawSecp256k1RecoverToAddressDistinct);

// The nonce alone: libsecp256k1's RFC 6979 and ours (same bytes, OpenSSL's SHA-256).
void BM_RawSecp256k1Rfc6979Nonce(benchmark::State& state) {
  unsigned char nonce[32];
  for (auto _ : state) {
    secp256k1_nonce_function_rfc6979(nonce, kDigest.data(), kKeyBytes.data(), nullptr, nullptr, 0);
    benchmark::DoNotOptimize(nonce);
  }
}
BENCHMARK(BM_RawSecp256k1Rfc6979Nonce);

void BM_Rfc6979Nonce(benchmark::State& state) {
  unsigned char nonce[32];
  for (auto _ : state) {
    rfc6979Nonce(nonce, kDigest.data(), kKeyBytes.data(), nullptr, nullptr, 0);
    benchmark::DoNotOptimize(nonce);
  }
}
BENCHMARK(BM_Rfc6979Nonce);

void BM_Keccak256(benchmark::State& state) {
  Bytes input(static_cast<size_t>(state.range(0)), 0xab);
  for (auto _ : state) {
    Hash32 hash = keccak256(input);
    benchmark::DoNotOptimize(hash);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * state.range(0));
}
BENCHMARK(BM_Keccak256)->Arg(32)->Arg(1024);

void BM_PrivateKeySign(benchmark::State& state) {
  PrivateKey key = PrivateKey::fromBytes(kKeyBytes);
  for (auto _ : state) {
    RecoverableSignature signature = key.sign(kDigest);
    benchmark::DoNotOptimize(signature);
  }
}
BENCHMARK(BM_PrivateKeySign);

void BM_RecoverAddress(benchmark::State& state) {
  RecoverableSignature signature = PrivateKey::fromBytes(kKeyBytes).sign(kDigest);
  for (auto _ : state) {
    Address address = recoverAddress(kDigest, signature);
    benchmark::DoNotOptimize(address);
  }
}
BENCHMARK(BM_RecoverAddress);

void BM_HashPersonalMessage300Bytes(benchmark::State& state) {
  Bytes message(300, 'm');
  for (auto _ : state) {
    Hash32 hash = hashPersonalMessage(message);
    benchmark::DoNotOptimize(hash);
  }
}
BENCHMARK(BM_HashPersonalMessage300Bytes);

}  // namespace
}  // namespace clawpay
