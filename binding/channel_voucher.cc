// VoucherDomain: one batch-settlement EIP-712 domain (chain id, contract),
// its separator computed once, with the voucher digest, channel id, signing,
// recovery and the seller's per-request check. Arguments arrive as the text
// the x402 payload carries (hex, decimal) and are parsed here, in one pass.
#include "channel_voucher.h"

#include <optional>

#include "address.h"
#include "convert.h"
#include "error.h"
#include "errors.h"
#include "exports.h"
#include "hex.h"
#include "signer.h"
#include "voucher_verifier.h"

namespace clawpay::binding {
namespace {

// Random, fixed for this addon: marks objects created by VoucherDomainWrap.
constexpr napi_type_tag kVoucherDomainTag = {0x6b0e93d4c15a27f8ULL, 0x82f4d1a9e07c3b65ULL};

Hash32 hash32Arg(const Napi::Value& value, const char* name) {
  Bytes bytes = parseHexExact(utf8Arg(value, name), 32, name);
  Hash32 out;
  std::copy(bytes.begin(), bytes.end(), out.begin());
  return out;
}

Address addressArg(const Napi::Value& value, const char* name) { return parseAddress(utf8Arg(value, name), name); }

Uint128 amountArg(const Napi::Value& value, const char* name) { return parseUint128(utf8Arg(value, name), name); }

Napi::Value hexValue(Napi::Env env, ByteView bytes) { return Napi::String::New(env, toHex(bytes)); }

class VoucherDomainWrap : public Napi::ObjectWrap<VoucherDomainWrap> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "VoucherDomain",
                       {
                           InstanceAccessor<&VoucherDomainWrap::Separator>("separator"),
                           InstanceMethod<&VoucherDomainWrap::Digest>("digest"),
                           InstanceMethod<&VoucherDomainWrap::ChannelId>("channelId"),
                           InstanceMethod<&VoucherDomainWrap::Recover>("recover"),
                           InstanceMethod<&VoucherDomainWrap::Sign>("sign"),
                           InstanceMethod<&VoucherDomainWrap::Check>("check"),
                       });
  }

  // new VoucherDomain(chainId: safe integer, verifyingContract: address)
  explicit VoucherDomainWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<VoucherDomainWrap>(info) {
    guarded(info.Env(), [&] {
      int64_t chainId = safeIntegerArg(info[0], "chainId");
      if (chainId <= 0) {
        throw clawpay::Error(ErrorKind::Range, "ERR_INVALID_CHAIN_ID", "Expected a chain id above 0 for chainId");
      }
      domain_.emplace(static_cast<uint64_t>(chainId), addressArg(info[1], "verifyingContract"));
    });
    napi_type_tag_object(info.Env(), info.This(), &kVoucherDomainTag);
  }

 private:
  const VoucherDomain& domain(const Napi::CallbackInfo& info) const {
    requireThis(info, kVoucherDomainTag, "VoucherDomain");
    return *domain_;
  }

  Napi::Value Separator(const Napi::CallbackInfo& info) {
    return guarded(info.Env(), [&] { return hexValue(info.Env(), domain(info).separator()); });
  }

  // digest(channelId, maxClaimableAmount) -> 0x + 64 hex
  Napi::Value Digest(const Napi::CallbackInfo& info) {
    return guarded(info.Env(), [&] {
      const VoucherDomain& d = domain(info);
      return hexValue(info.Env(), d.voucherDigest(hash32Arg(info[0], "channelId"),
                                                  amountArg(info[1], "maxClaimableAmount")));
    });
  }

  // channelId(payer, payerAuthorizer, receiver, receiverAuthorizer, token, withdrawDelay, salt) -> 0x + 64 hex
  Napi::Value ChannelId(const Napi::CallbackInfo& info) {
    return guarded(info.Env(), [&] {
      const VoucherDomain& d = domain(info);
      ChannelConfig config;
      config.payer = addressArg(info[0], "channelConfig.payer");
      config.payerAuthorizer = addressArg(info[1], "channelConfig.payerAuthorizer");
      config.receiver = addressArg(info[2], "channelConfig.receiver");
      config.receiverAuthorizer = addressArg(info[3], "channelConfig.receiverAuthorizer");
      config.token = addressArg(info[4], "channelConfig.token");
      int64_t delay = safeIntegerArg(info[5], "channelConfig.withdrawDelay");
      if (delay < 0) {
        throw clawpay::Error(ErrorKind::Range, "ERR_WITHDRAW_DELAY",
                             "Expected a withdrawDelay of 0 or more seconds for channelConfig.withdrawDelay");
      }
      config.withdrawDelay = static_cast<uint64_t>(delay);
      config.salt = hash32Arg(info[6], "channelConfig.salt");
      return hexValue(info.Env(), d.channelId(config));
    });
  }

  // recover(channelId, maxClaimableAmount, signature) -> checksummed address
  Napi::Value Recover(const Napi::CallbackInfo& info) {
    return guarded(info.Env(), [&] {
      const VoucherDomain& d = domain(info);
      Hash32 channelId = hash32Arg(info[0], "channelId");
      Uint128 amount = amountArg(info[1], "maxClaimableAmount");
      Bytes signature = parseHexExact(utf8Arg(info[2], "signature"), 65, "signature");
      Address signer = recoverVoucherSigner(d, channelId, amount, parseVoucherSignature(signature));
      return Napi::Value(Napi::String::New(info.Env(), toChecksumAddress(signer)));
    });
  }

  // sign(signer: NativeSigner, channelId, maxClaimableAmount) -> 0x + 130 hex
  Napi::Value Sign(const Napi::CallbackInfo& info) {
    return guarded(info.Env(), [&] {
      const VoucherDomain& d = domain(info);
      const PrivateKey& key = SignerWrap::KeyOf(info[0], "signer");
      RecoverableSignature signature =
          signVoucher(d, hash32Arg(info[1], "channelId"), amountArg(info[2], "maxClaimableAmount"), key);
      return hexValue(info.Env(), signature.serialize());
    });
  }

  // check(channelId, maxClaimableAmount, signature,          <- the voucher, as the request carried it
  //       expectedChannelId, signer, balance, totalClaimed,   <- the seller's channel
  //       chargedCumulativeAmount, price | undefined)
  // -> undefined when accepted, else {reason, detail, signer: address | null}.
  // A bad voucher is a verdict; a bad channel argument (the seller's own
  // state) throws ERR_INVALID_CHANNEL_STATE.
  Napi::Value Check(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    return guarded(env, [&] {
      const VoucherDomain& d = domain(info);
      std::string channelId = utf8Arg(info[0], "voucher.channelId");
      std::string amount = utf8Arg(info[1], "voucher.maxClaimableAmount");
      std::string signature = utf8Arg(info[2], "voucher.signature");
      ChannelStanding channel;
      try {
        channel.channelId = hash32Arg(info[3], "channel.channelId");
        channel.signer = addressArg(info[4], "channel signer");
        channel.balance = amountArg(info[5], "channel.balance");
        channel.totalClaimed = amountArg(info[6], "channel.totalClaimed");
        channel.chargedCumulative = amountArg(info[7], "channel.chargedCumulativeAmount");
        if (!info[8].IsUndefined()) channel.price = amountArg(info[8], "price");
      } catch (const clawpay::Error& e) {
        throw clawpay::Error(e.kind(), "ERR_INVALID_CHANNEL_STATE", e.what());
      }
      VoucherCheck check = checkVoucher(d, {channelId, amount, signature}, channel);
      if (check.verdict == VoucherVerdict::Accepted) return env.Undefined();
      Napi::Object out = Napi::Object::New(env);
      std::string_view code = voucherVerdictCode(check.verdict);
      out.Set("reason", Napi::String::New(env, code.data(), code.size()));
      out.Set("detail", Napi::String::New(env, check.detail));
      out.Set("signer", check.signer ? Napi::Value(Napi::String::New(env, toChecksumAddress(*check.signer)))
                                     : env.Null());
      return Napi::Value(out);
    });
  }

  std::optional<VoucherDomain> domain_;
};

}  // namespace

void DefineChannelVoucher(Napi::Env env, Napi::Object exports) {
  exports.Set("VoucherDomain", VoucherDomainWrap::Define(env));
}

}  // namespace clawpay::binding
