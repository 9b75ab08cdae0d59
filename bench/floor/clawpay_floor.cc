// The C++ floor of the native hot paths, as one small program that
// bench/native_floor.js runs between its JS rounds (timing) and under
// callgrind (instruction counts, which no other load on the machine changes):
//
//   clawpay_floor time OP MILLISECONDS   prints "OP NS_PER_OP ITERATIONS", in
//       CPU time of the thread
//   clawpay_floor count OP N             runs OP N times; under
//       valgrind --tool=callgrind --instr-atstart=no only those N are counted
//
// OPs: recover (raw libsecp256k1 recovery to an address of the tokens'
// EIP-191 digests), recover-hash (the same plus the EIP-191 hash of each
// token's JSON: what a verification cannot avoid), verify (verifySessionToken, C++ alone), sign (raw
// libsecp256k1 signing of the typed-data digests), hash (EIP-712 hash of a
// parsed TransferWithAuthorization), sign-typed (what signTypedData does
// below the binding: read its JSON text, hash, sign), find (the lookup of
// findForUrl among 100,000 sessions, C++ alone, as a repeated JS lookup makes
// it: the revision, no text). The inputs are built the way bench/signing.js,
// bench/tokens.js and bench/session_store.js build theirs, so both sides
// work on the same key, tokens, documents, sessions and URLs.
#include <secp256k1.h>
#include <secp256k1_recovery.h>
#if __has_include(<valgrind/callgrind.h>)
#include <valgrind/callgrind.h>
#else  // without valgrind's headers "count" runs uncounted
#define CALLGRIND_START_INSTRUMENTATION
#define CALLGRIND_STOP_INSTRUMENTATION
#endif

#include <time.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "address.h"
#include "base64url.h"
#include "eip191.h"
#include "eip712.h"
#include "hex.h"
#include "keccak.h"
#include "private_key.h"
#include "secp256k1_context.h"
#include "session_store.h"
#include "session_token.h"

namespace clawpay {
namespace {

constexpr int64_t kNow = 1'800'000'000;
constexpr size_t kInputs = 256;

// The bench key of bench/signing.js: keccak256("clawpay-native bench key").
const Hash32 kKey = keccak256(asBytes("clawpay-native bench key"));

std::string hex32(const Hash32& h) { return toHex(ByteView(h.data(), h.size())); }

// bench/tokens.js makeTokens(): the same payloads, so the same tokens.
std::vector<std::string> sessionTokens(const PrivateKey& key) {
  std::vector<std::string> out;
  for (size_t i = 0; i < kInputs; ++i) {
    SessionTokenPayload p;
    char id[64];
    std::snprintf(id, sizeof id, "00000000-0000-4000-8000-%012zu", i);
    p.version = "clawpay/1.1";
    p.sessionId = id;
    p.walletAddress = toChecksumAddress(key.address());
    p.endpoint = "https://api.example.com/v1";
    p.scope = "prefix";
    p.createdAt = kNow - 60;
    p.expiresAt = kNow + 3600;
    p.paymentTxHash = "0x";
    for (int k = 0; k < 32; ++k) p.paymentTxHash += "ab";
    p.paymentAmount = "10000";
    out.push_back(buildSessionToken(p, key).token);
  }
  return out;
}

// bench/signing.js transferWithAuthorization(nonce) as the JS layer sends it
// (lib/typed_data.js: bigints tagged), nonce i = keccak256("hash i").
std::vector<std::string> typedDataTexts() {
  std::vector<std::string> out;
  for (size_t i = 0; i < kInputs; ++i) {
    std::string nonce = hex32(keccak256(asBytes("hash " + std::to_string(i))));
    out.push_back(
        R"({"domain":{"name":"USD Coin","version":"2","chainId":8453,"verifyingContract":"0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913"},)"
        R"("types":{"TransferWithAuthorization":[{"name":"from","type":"address"},{"name":"to","type":"address"},)"
        R"({"name":"value","type":"uint256"},{"name":"validAfter","type":"uint256"},{"name":"validBefore","type":"uint256"},)"
        R"({"name":"nonce","type":"bytes32"}]},"primaryType":"TransferWithAuthorization","message":)"
        R"({"from":"0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266","to":"0x70997970C51812dc3A010C7d01b50e0d17dc79C8",)"
        R"("value":{"\u0000bigint":"10000"},"validAfter":{"\u0000bigint":"0"},"validBefore":{"\u0000bigint":"1767225600"},)"
        R"("nonce":")" + nonce + R"("}})");
  }
  return out;
}

// bench/session_store.js sessions() and its URLs.
void fillStore(SessionStore& store, size_t count, std::vector<std::string>& urls) {
  for (size_t i = 0; i < count; ++i) {
    char id[64];
    std::snprintf(id, sizeof id, "00000000-0000-4000-8000-%012zu", i);
    store.add({{"sessionId", id},
               {"endpoint", "https://api" + std::to_string(i % 1000) + ".example.com/v" + std::to_string(i / 1000)},
               {"scope", i % 10 == 0 ? "exact" : "prefix"}, {"walletAddress", "0x00"},
               {"createdAt", kNow - 60}, {"expiresAt", kNow + 3600}, {"paymentTxHash", "0x"},
               {"paymentAmount", "10000"}, {"paymentToken", "0x"}, {"paymentRecipient", "0x"},
               {"sessionToken", "t"}, {"signature", "0x"}, {"callCount", 0}, {"lastUsedAt", kNow}});
  }
  for (size_t i = 0; i < 1024; ++i) {
    size_t n = (i * 7919) % count;
    urls.push_back("https://api" + std::to_string(n % 1000) + ".example.com/v" + std::to_string(n / 1000) +
                   "/items/" + std::to_string(i) + "?page=2");
  }
}

[[noreturn]] void fail(const std::string& why) {
  std::fprintf(stderr, "clawpay_floor: %s\n", why.c_str());
  std::exit(1);
}

// One operation: call(i) does the i-th one and returns false on a wrong result.
std::function<bool(size_t)> operation(const std::string& op) {
  static const PrivateKey key = PrivateKey::fromBytes(ByteView(kKey.data(), kKey.size()));
  const secp256k1_context* ctx = secp256k1::context();
  if (op == "recover" || op == "recover-hash" || op == "verify") {
    auto tokens = std::make_shared<std::vector<std::string>>(sessionTokens(key));
    if (op == "verify") {
      TokenCheck check;
      check.now = kNow;
      check.wallet = key.address();
      check.url = "https://api.example.com/v1/search?q=x402";
      return [tokens, check](size_t i) {
        return verifySessionToken((*tokens)[i % kInputs], check).verdict == TokenVerdict::Valid;
      };
    }
    struct Input { Hash32 digest; secp256k1_ecdsa_recoverable_signature signature; std::string json; };
    auto inputs = std::make_shared<std::vector<Input>>();
    for (const std::string& token : *tokens) {
      DecodedSessionToken d = decodeSessionToken(token);
      Input in{hashPersonalMessage(asBytes(d.canonicalJson)), {}, d.canonicalJson};
      const std::array<uint8_t, 65>& sig = d.signature;
      if (!secp256k1_ecdsa_recoverable_signature_parse_compact(ctx, &in.signature, sig.data(), sig[64] - 27)) {
        fail("a token's signature does not parse");
      }
      inputs->push_back(in);
    }
    Address expected = key.address();
    const bool hashToo = op == "recover-hash";
    return [inputs, ctx, expected, hashToo](size_t i) {
      const Input& in = (*inputs)[i % kInputs];
      secp256k1_pubkey publicKey;
      unsigned char serialized[65];
      size_t size = sizeof serialized;
      // recover-hash also hashes the token's JSON (EIP-191), which verify
      // cannot skip: the floor a verification can reach.
      Hash32 digest = hashToo ? hashPersonalMessage(asBytes(in.json)) : in.digest;
      int ok = secp256k1_ecdsa_recover(ctx, &publicKey, &in.signature, digest.data());
      secp256k1_ec_pubkey_serialize(ctx, serialized, &size, &publicKey, SECP256K1_EC_UNCOMPRESSED);
      Hash32 hash = keccak256(ByteView(serialized + 1, 64));
      return ok && std::equal(hash.begin() + 12, hash.end(), expected.begin());
    };
  }
  if (op == "sign" || op == "hash" || op == "sign-typed") {
    auto texts = std::make_shared<std::vector<std::string>>(typedDataTexts());
    if (op == "sign-typed") {
      return [texts](size_t i) {
        JsonDocument typedData = parseTypedDataJson((*texts)[i % kInputs]);
        RecoverableSignature signature = key.sign(hashTypedData(typedData.root()));
        return signature.recoveryId <= 1;
      };
    }
    auto documents = std::make_shared<std::vector<JsonDocument>>();
    auto digests = std::make_shared<std::vector<Hash32>>();
    for (const std::string& text : *texts) {
      documents->push_back(parseTypedDataJson(text));
      digests->push_back(hashTypedData(documents->back().root()));
    }
    if (op == "hash") {
      return [documents](size_t i) {
        Hash32 h = hashTypedData((*documents)[i % kInputs].root());
        return h[0] != 0 || h[1] != 0;
      };
    }
    return [digests, ctx](size_t i) {
      secp256k1_ecdsa_recoverable_signature signature;
      return secp256k1_ecdsa_sign_recoverable(ctx, &signature, (*digests)[i % kInputs].data(), kKey.data(),
                                              nullptr, nullptr) == 1;
    };
  }
  if (op == "find") {
    auto store = std::make_shared<SessionStore>();
    auto urls = std::make_shared<std::vector<std::string>>();
    fillStore(*store, 100'000, *urls);
    // A URL under an exact session's endpoint is covered by nothing (as in the JS bench).
    return [store, urls](size_t i) {
      const bool underExact = ((i & 1023) * 7919 % 100'000) % 10 == 0;
      return store->findJsonForUrl((*urls)[i & 1023], kNow, false).has_value() != underExact;
    };
  }
  fail("unknown operation " + op + " (recover, recover-hash, verify, sign, hash, sign-typed, find)");
}

int run(int argc, char** argv) {
  if (argc != 4) fail("usage: clawpay_floor time OP MILLISECONDS | count OP N");
  const std::string mode = argv[1];
  const std::string op = argv[2];
  const long amount = std::strtol(argv[3], nullptr, 10);
  if (amount <= 0) fail("the last argument must be a positive number");
  auto call = operation(op);
  if (!call(0)) fail(op + " gives a wrong result");
  if (mode == "count") {
    bool ok = true;
    CALLGRIND_START_INSTRUMENTATION;
    for (long i = 0; i < amount; ++i) ok &= call(static_cast<size_t>(i));
    CALLGRIND_STOP_INSTRUMENTATION;
    if (!ok) fail(op + " gives a wrong result");
    std::printf("%s %ld\n", op.c_str(), amount);
    return 0;
  }
  if (mode != "time") fail("unknown mode " + mode + " (time, count)");
  // CPU time of this thread, not the wall clock: on a machine where other
  // processes take the cores, the time we are not running is not ours.
  auto cpuNs = [] {
    timespec t{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return double(t.tv_sec) * 1e9 + double(t.tv_nsec);
  };
  const double budget = double(amount) * 1e6;
  // Warm up a tenth of the budget, then run whole passes over the inputs.
  for (double end = cpuNs() + budget / 10; cpuNs() < end;) {
    for (size_t i = 0; i < kInputs; ++i) call(i);
  }
  size_t iterations = 0;
  bool ok = true;
  const double start = cpuNs();
  double now = start;
  while (now - start < budget) {
    for (size_t i = 0; i < kInputs; ++i) ok &= call(iterations++);
    now = cpuNs();
  }
  if (!ok) fail(op + " gives a wrong result");
  std::printf("%s %.1f %zu\n", op.c_str(), (now - start) / double(iterations), iterations);
  return 0;
}

}  // namespace
}  // namespace clawpay

int main(int argc, char** argv) {
  try {
    return clawpay::run(argc, argv);
  } catch (const std::exception& e) {
    clawpay::fail(e.what());
  }
}
