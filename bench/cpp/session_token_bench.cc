// The C++ cost of the two hot paths the addon exposes, measured without any
// JS: the floor against which bench/index.js reports the binding's overhead.
#include <benchmark/benchmark.h>

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "address.h"
#include "eip712.h"
#include "private_key.h"
#include "session_token.h"

namespace clawpay {
namespace {

// Distinct tokens, so no cache anywhere can help.
const std::vector<std::string>& tokens(const PrivateKey& key) {
  static const std::vector<std::string> all = [&] {
    std::vector<std::string> out;
    for (int i = 0; i < 256; ++i) {
      SessionTokenPayload p;
      p.version = "clawpay/1.1";
      p.sessionId = "3b241101-e2bb-4255-8caf-" + std::to_string(100000000000 + i);
      p.walletAddress = toChecksumAddress(key.address());
      p.endpoint = "https://api.example.com/v1";
      p.scope = "prefix";
      p.createdAt = 1800000000;
      p.expiresAt = 1800003600;
      p.paymentTxHash = "0x" + std::string(64, 'a');
      p.paymentAmount = "10000";
      out.push_back(buildSessionToken(p, key).token);
    }
    return out;
  }();
  return all;
}

void BM_VerifySessionToken(benchmark::State& state) {
  // One key for every run: the tokens are built once, and Google Benchmark
  // calls this function several times (a new key would make every token
  // after the first run a wrong_signer, skipping the scope check).
  static const PrivateKey key = PrivateKey::generate();
  const auto& all = tokens(key);
  TokenCheck check;
  check.now = 1800000001;
  check.wallet = key.address();
  check.url = "https://api.example.com/v1/search?q=1";
  size_t i = 0;
  for (auto _ : state) {
    auto result = verifySessionToken(all[i++ & 255], check);
    if (result.verdict != TokenVerdict::Valid) {
      state.SkipWithError("a benchmark token did not verify");
      break;
    }
    benchmark::DoNotOptimize(result);
  }
}
BENCHMARK(BM_VerifySessionToken);

// What signTypedData does below the binding: read the JSON text the JS
// layer sends, hash it, sign the digest.
constexpr char kTransferWithAuthorizationJson[] =
    R"({"types":{"TransferWithAuthorization":[{"name":"from","type":"address"},{"name":"to","type":"address"},)"
    R"({"name":"value","type":"uint256"},{"name":"validAfter","type":"uint256"},{"name":"validBefore","type":"uint256"},)"
    R"({"name":"nonce","type":"bytes32"}]},"primaryType":"TransferWithAuthorization","domain":{"name":"USD Coin",)"
    R"("version":"2","chainId":8453,"verifyingContract":"0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913"},"message":)"
    R"({"from":"0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266","to":"0x70997970C51812dc3A010C7d01b50e0d17dc79C8",)"
    R"("value":{"\u0000bigint":"10000"},"validAfter":{"\u0000bigint":"0"},"validBefore":{"\u0000bigint":"1767225600"},)"
    R"("nonce":"0xabababababababababababababababababababababababababababababababab"}})";

void BM_SignTransferWithAuthorizationFromJson(benchmark::State& state) {
  PrivateKey key = PrivateKey::generate();
  for (auto _ : state) {
    JsonDocument typedData = parseTypedDataJson(kTransferWithAuthorizationJson);
    auto signature = key.sign(hashTypedData(typedData.root()));
    benchmark::DoNotOptimize(signature);
  }
}
BENCHMARK(BM_SignTransferWithAuthorizationFromJson);

}  // namespace
}  // namespace clawpay
