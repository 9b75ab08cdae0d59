// TransferDomain: one EIP-712 domain of an EIP-3009 token, its separator
// computed once, with the TransferWithAuthorization digest and signature.
// Values arrive as text; any the fast reader does not take gives undefined,
// and the JS layer then takes the general typed-data path
// (lib/transfer_authorization.js).
#include "transfer_authorization.h"

#include <optional>

#include "convert.h"
#include "eip712.h"
#include "error.h"
#include "errors.h"
#include "exports.h"
#include "hex.h"
#include "signer.h"

namespace clawpay::binding {
namespace {

// Random, fixed for this addon: marks objects created by TransferDomainWrap.
constexpr napi_type_tag kTransferDomainTag = {0x3c71e0a95b2d48f6ULL, 0xd4a8b61f0e93c257ULL};

class TransferDomainWrap : public Napi::ObjectWrap<TransferDomainWrap> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "TransferDomain",
                       {
                           InstanceAccessor<&TransferDomainWrap::Separator>("separator"),
                           InstanceMethod<&TransferDomainWrap::Digest>("digest"),
                           InstanceMethod<&TransferDomainWrap::Sign>("sign"),
                       });
  }

  // new TransferDomain(domainJson): the domain as typed-data JSON text
  // (lib/typed_data.js), its EIP712Domain type derived from its fields.
  explicit TransferDomainWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<TransferDomainWrap>(info) {
    guarded(info.Env(), [&] {
      JsonDocument domain = parseTypedDataJson(utf8Arg(info[0], "domain"));
      separator_ = domainSeparatorOf(domain.root());
    });
    napi_type_tag_object(info.Env(), info.This(), &kTransferDomainTag);
  }

 private:
  // The authorization in arguments [first, first + 6), or nullopt. The texts
  // are read into fixed buffers: no allocation on the signing path, and
  // anything longer than a uint256 in hex is not a value the reader takes.
  static std::optional<TransferAuthorization> authorizationArgs(const Napi::CallbackInfo& info, size_t first) {
    constexpr size_t kMaxText = 80;  // "0x" + 64 hex digits, 78 decimal digits
    char text[6][kMaxText + 2];
    std::string_view views[6];
    for (size_t i = 0; i < 6; ++i) {
      napi_value value = info[first + i];
      size_t length = 0;
      if (napi_get_value_string_utf8(info.Env(), value, text[i], sizeof text[i], &length) != napi_ok ||
          length > kMaxText) {
        return std::nullopt;  // not a string, or too long for one of these values
      }
      views[i] = std::string_view(text[i], length);
    }
    return readTransferAuthorization(views[0], views[1], views[2], views[3], views[4], views[5]);
  }

  const Hash32& separator(const Napi::CallbackInfo& info) const {
    requireThis(info, kTransferDomainTag, "TransferDomain");
    return separator_;
  }

  Napi::Value Separator(const Napi::CallbackInfo& info) {
    return guarded(info.Env(), [&] { return Napi::Value(Napi::String::New(info.Env(), toHex(separator(info)))); });
  }

  // digest(from, to, value, validAfter, validBefore, nonce) -> 0x + 64 hex |
  // undefined
  Napi::Value Digest(const Napi::CallbackInfo& info) {
    return guarded(info.Env(), [&] {
      const Hash32& domain = separator(info);
      std::optional<TransferAuthorization> authorization = authorizationArgs(info, 0);
      if (!authorization) return info.Env().Undefined();
      return Napi::Value(Napi::String::New(info.Env(), toHex(transferAuthorizationDigest(domain, *authorization))));
    });
  }

  // sign(signer: NativeSigner, from, to, value, validAfter, validBefore, nonce)
  // -> 0x + 130 hex | undefined
  Napi::Value Sign(const Napi::CallbackInfo& info) {
    return guarded(info.Env(), [&] {
      const Hash32& domain = separator(info);
      const PrivateKey& key = SignerWrap::KeyOf(info[0], "signer");
      std::optional<TransferAuthorization> authorization = authorizationArgs(info, 1);
      if (!authorization) return info.Env().Undefined();
      RecoverableSignature signature = key.sign(transferAuthorizationDigest(domain, *authorization));
      return Napi::Value(Napi::String::New(info.Env(), toHex(signature.serialize())));
    });
  }

  Hash32 separator_{};
};

}  // namespace

void DefineTransferAuthorization(Napi::Env env, Napi::Object exports) {
  exports.Set("TransferDomain", TransferDomainWrap::Define(env));
}

}  // namespace clawpay::binding
