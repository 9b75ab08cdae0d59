// EIP-712 hashing of the document every x402 "exact" EVM payment signs:
// EIP-3009 TransferWithAuthorization on USDC (Base). The main() comes from
// bench/cpp/main.cc.

#include <benchmark/benchmark.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "address.h"
#include "eip712.h"
#include "keccak.h"

namespace {

// Shaped as the x402 client builds it: checksummed addresses, integers as
// decimal strings, a random 32-byte nonce.
const char* const kTransferWithAuthorizationJson = R"({
  "types": {"TransferWithAuthorization": [
    {"name": "from", "type": "address"}, {"name": "to", "type": "address"},
    {"name": "value", "type": "uint256"}, {"name": "validAfter", "type": "uint256"},
    {"name": "validBefore", "type": "uint256"}, {"name": "nonce", "type": "bytes32"}]},
  "primaryType": "TransferWithAuthorization",
  "domain": {"name": "USD Coin", "version": "2", "chainId": 8453,
             "verifyingContract": "0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913"},
  "message": {"from": "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266",
              "to": "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
              "value": "10000", "validAfter": "0", "validBefore": "1767225600",
              "nonce": "0x5f3c1e0b9a7d4c2e8f6a1b3d5c7e9f0a2b4c6d8e0f1a3b5c7d9e1f2a4b6c8d0e"}
})";

void BM_Eip712HashTransferWithAuthorization(benchmark::State& state) {
  const clawpay::JsonDocument typedData = clawpay::parseTypedDataJson(kTransferWithAuthorizationJson);
  for (auto _ : state) {
    benchmark::DoNotOptimize(clawpay::hashTypedData(typedData.root()));
  }
}
BENCHMARK(BM_Eip712HashTransferWithAuthorization);

// Reading the text alone: JsonDocument, as the binding does, and
// nlohmann::json for comparison.
void BM_Eip712ReadTransferWithAuthorizationJson(benchmark::State& state) {
  const std::string text = kTransferWithAuthorizationJson;
  for (auto _ : state) {
    benchmark::DoNotOptimize(clawpay::parseTypedDataJson(text));
  }
}
BENCHMARK(BM_Eip712ReadTransferWithAuthorizationJson);

void BM_Eip712ReadTransferWithAuthorizationJsonWithNlohmann(benchmark::State& state) {
  const std::string text = kTransferWithAuthorizationJson;
  for (auto _ : state) {
    benchmark::DoNotOptimize(nlohmann::json::parse(text));
  }
}
BENCHMARK(BM_Eip712ReadTransferWithAuthorizationJsonWithNlohmann);

// Every document with its own domain and its own addresses, so the per-thread
// memos of domain separators and address checksums miss (the type hash still
// hits: one type): what a first payment to a new token and payee costs.
void BM_Eip712HashTransferWithAuthorizationColdDomainsAndAddresses(benchmark::State& state) {
  std::vector<clawpay::JsonDocument> documents;
  uint8_t seed = 0;
  auto address = [&] {
    clawpay::Address a;
    clawpay::Hash32 h = clawpay::keccak256(clawpay::ByteView(&++seed, 1));
    std::copy(h.begin(), h.begin() + 20, a.begin());
    return clawpay::toChecksumAddress(a);
  };
  for (int i = 0; i < 256; ++i) {
    std::string text = R"({"types":{"TransferWithAuthorization":[{"name":"from","type":"address"},{"name":"to","type":"address"},)"
                       R"({"name":"value","type":"uint256"},{"name":"validAfter","type":"uint256"},)"
                       R"({"name":"validBefore","type":"uint256"},{"name":"nonce","type":"bytes32"}]},)"
                       R"("primaryType":"TransferWithAuthorization","domain":{"name":"Token )" +
                       std::to_string(i) + R"(","version":"2","chainId":8453,"verifyingContract":")" + address() +
                       R"("},"message":{"from":")" + address() + R"(","to":")" + address() +
                       R"(","value":"10000","validAfter":"0","validBefore":"1767225600",)"
                       R"("nonce":"0xabababababababababababababababababababababababababababababababab"}})";
    documents.push_back(clawpay::parseTypedDataJson(text));
  }
  size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(clawpay::hashTypedData(documents[i++ & 255].root()));
  }
}
BENCHMARK(BM_Eip712HashTransferWithAuthorizationColdDomainsAndAddresses);

// What a caller holding JSON text pays in total.
void BM_Eip712ParseAndHashTransferWithAuthorization(benchmark::State& state) {
  const std::string text = kTransferWithAuthorizationJson;
  for (auto _ : state) {
    benchmark::DoNotOptimize(clawpay::hashTypedData(clawpay::parseTypedDataJson(text).root()));
  }
}
BENCHMARK(BM_Eip712ParseAndHashTransferWithAuthorization);

}  // namespace
