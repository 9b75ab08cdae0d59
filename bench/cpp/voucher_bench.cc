// The seller's voucher check in C++ alone, over 256 distinct vouchers of one
// channel: beside BM_RawSecp256k1RecoverToAddressDistinct it shows what the
// parsing, the digest and the comparisons cost on top of the recovery.
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "address.h"
#include "hex.h"
#include "private_key.h"
#include "voucher_verifier.h"

namespace clawpay {
namespace {

void BM_VoucherCheck(benchmark::State& state) {
  VoucherDomain domain(84532, parseAddress("0x4020074e9dF2ce1deE5A9C1b5c3f541D02a10003", "contract"));
  std::array<uint8_t, 32> keyBytes;
  keyBytes.fill(0x21);
  PrivateKey key = PrivateKey::fromBytes(keyBytes);
  ChannelStanding channel;
  channel.channelId.fill(0x5c);
  channel.signer = key.address();
  channel.balance = 1'000'000'000;
  std::string channelId = toHex(channel.channelId);
  std::vector<std::string> amounts, signatures;
  for (Uint128 i = 1; i <= 256; ++i) {
    amounts.push_back(toDecimal(i * 1000));
    signatures.push_back(toHex(signVoucher(domain, channel.channelId, i * 1000, key).serialize()));
  }
  size_t i = 0;
  for (auto _ : state) {
    size_t k = i++ & 255;
    VoucherCheck check = checkVoucher(domain, {channelId, amounts[k], signatures[k]}, channel);
    if (check.verdict != VoucherVerdict::Accepted) state.SkipWithError("voucher refused");
    benchmark::DoNotOptimize(check);
  }
}
BENCHMARK(BM_VoucherCheck);

}  // namespace
}  // namespace clawpay
