#include "eip712.h"

#include "test_support.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <fstream>
#include <functional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "error.h"
#include "hex.h"


namespace clawpay {
namespace {

using json = nlohmann::json;

// What the binding does: the document as JSON text, read into a JsonDocument.
// It must hash, or fail with the same code and message, as the parsed
// nlohmann::json does; every helper below checks that on its document.
std::string outcome(const std::function<Hash32()>& hash) {
  try {
    return toHex(hash());
  } catch (const Error& e) {
    return e.code() + ": " + e.what();
  }
}

// nlohmann's dump() recurses: the hostile-nesting documents would overflow it.
bool nestsDeeperThan(const json& root, size_t limit) {
  std::vector<std::pair<const json*, size_t>> stack{{&root, 0}};
  while (!stack.empty()) {
    auto [node, depth] = stack.back();
    stack.pop_back();
    if (depth > limit) return true;
    if (node->is_structured()) {
      for (const json& child : *node) stack.emplace_back(&child, depth + 1);
    }
  }
  return false;
}

void expectTextPathAgrees(const json& typedData) {
  if (nestsDeeperThan(typedData, 1000)) return;
  std::string text;
  try {
    text = typedData.dump();
  } catch (const json::exception&) {
    return;  // invalid UTF-8 (WTF-8 from these tests) never arrives as text
  }
  EXPECT_EQ(outcome([&] { return hashTypedData(parseTypedDataJson(text).root()); }),
            outcome([&] { return hashTypedData(typedData); }))
      << text.substr(0, 500);
}

std::string hashHex(const json& typedData) {
  expectTextPathAgrees(typedData);
  return toHex(hashTypedData(typedData));
}

// Expected hashes in this file come from viem 2.57's hashTypedData.

json mailDocument() {
  return json::parse(R"({
    "types": {
      "Person": [{"name": "name", "type": "string"}, {"name": "wallet", "type": "address"}],
      "Mail": [{"name": "from", "type": "Person"}, {"name": "to", "type": "Person"},
               {"name": "contents", "type": "string"}]
    },
    "primaryType": "Mail",
    "domain": {"name": "Ether Mail", "version": "1", "chainId": 1,
               "verifyingContract": "0xCcCCccccCCCCcCCCCCCcCcCccCcCCCcCcccccccC"},
    "message": {
      "from": {"name": "Cow", "wallet": "0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826"},
      "to": {"name": "Bob", "wallet": "0xbBbBBBBbbBBBbbbBbbBbbbbBBbBbbbbBbBbbBBbB"},
      "contents": "Hello, Bob!"
    }
  })");
}

json transferWithAuthorizationDocument() {
  return json::parse(R"({
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
                "nonce": "0xabababababababababababababababababababababababababababababababab"}
  })");
}

// A document whose message is {v: value} with v of type `type`.
json singleField(const std::string& type, const json& value) {
  return {{"types", {{"T", json::array({{{"name", "v"}, {"type", type}}})}}},
          {"primaryType", "T"},
          {"domain", json::object()},
          {"message", {{"v", value}}}};
}

// A document with one struct T whose fields have the given types, and an
// empty message (for tests that fail before values are read).
json withFieldTypes(std::initializer_list<std::string> fieldTypes) {
  json fields = json::array();
  int i = 0;
  for (const std::string& type : fieldTypes) fields.push_back({{"name", "f" + std::to_string(i++)}, {"type", type}});
  return {{"types", {{"T", fields}}}, {"primaryType", "T"}, {"domain", json::object()}, {"message", json::object()}};
}

void expectError(const json& typedData, ErrorKind kind, const std::string& code, const std::string& messagePart) {
  expectTextPathAgrees(typedData);
  try {
    hashTypedData(typedData);
    ADD_FAILURE() << "expected " << code << " for " << typedData.dump();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), code) << e.what();
    EXPECT_EQ(static_cast<int>(e.kind()), static_cast<int>(kind)) << e.what();
    EXPECT_NE(std::string(e.what()).find(messagePart), std::string::npos)
        << "message \"" << e.what() << "\" lacks \"" << messagePart << '"';
  }
}

void expectValueError(const json& typedData, const std::string& messagePart) {
  expectError(typedData, ErrorKind::Type, "ERR_EIP712_VALUE", messagePart);
}
void expectRangeError(const json& typedData, const std::string& messagePart) {
  expectError(typedData, ErrorKind::Range, "ERR_EIP712_RANGE", messagePart);
}
void expectTypeDefinitionError(const json& typedData, const std::string& messagePart) {
  expectError(typedData, ErrorKind::Invalid, "ERR_EIP712_TYPE", messagePart);
}

// ------------------------------------------------------------ known answers

TEST(Eip712, MailExampleFromTheSpecHashesToItsPublishedValue) {
  EXPECT_EQ(hashHex(mailDocument()), "0xbe609aee343fb3c4b28e1df9e632fca64fcfaede20f02e86244efddf30957bd2");
}

TEST(Eip712, Eip3009TransferWithAuthorizationOnUsdcBaseMatchesViem) {
  EXPECT_EQ(hashHex(transferWithAuthorizationDocument()),
            "0x74388d6300511cd804d2c54aad82a9d25436439774b7aa868f77cf1d925f3950");
}

TEST(Eip712, PrimaryTypeEip712DomainHashesTheDomainAloneLikeViem) {
  json doc = transferWithAuthorizationDocument();
  doc["primaryType"] = "EIP712Domain";
  doc.erase("message");
  doc["types"] = json::object();
  EXPECT_EQ(hashHex(doc), "0x20c9cb91f1f0852bfeb2e74bafa2a67ac8571573e669dd0dcb8478c0f127b73e");
}

TEST(Eip712, DependenciesFollowThePrimaryTypeSortedByNameLikeViem) {
  // encodeType is Zeta(Alpha a,Charlie[2] c)Alpha()Bravo(uint8 x)Charlie(Bravo[] b),
  // reached through a fixed array and a dynamic array inside another struct.
  json doc = json::parse(R"({
    "types": {"Zeta": [{"name": "a", "type": "Alpha"}, {"name": "c", "type": "Charlie[2]"}],
              "Charlie": [{"name": "b", "type": "Bravo[]"}], "Bravo": [{"name": "x", "type": "uint8"}],
              "Alpha": [], "Unused": [{"name": "q", "type": "bool"}]},
    "primaryType": "Zeta", "domain": {"version": "1"},
    "message": {"a": {}, "c": [{"b": [{"x": 1}]}, {"b": []}]}
  })");
  EXPECT_EQ(hashHex(doc), "0xa929c1319cc1230eca149a06b08131119029a2b3d941c4cfa71553a43641072b");
}

TEST(Eip712, RecursiveTypeThroughDynamicArrayHashesLikeViem) {
  json doc = json::parse(R"({
    "types": {"Node": [{"name": "label", "type": "string"}, {"name": "children", "type": "Node[]"}]},
    "primaryType": "Node", "domain": {"chainId": 1},
    "message": {"label": "root", "children": [{"label": "a", "children": []},
                {"label": "b", "children": [{"label": "c", "children": []}]}]}
  })");
  EXPECT_EQ(hashHex(doc), "0xb2c9db23d19a0b8041899a933dfdfb9b621f981f2fa6ac75264c9f7ea62ce0aa");
}

TEST(Eip712, NestedAndFixedSizeArraysHashLikeViem) {
  json doc = json::parse(R"({
    "types": {"T": [{"name": "grid", "type": "uint8[2][]"}, {"name": "flags", "type": "bool[3]"}]},
    "primaryType": "T", "domain": {"name": "x"},
    "message": {"grid": [[1, 2], [3, 255]], "flags": [true, false, true]}
  })");
  EXPECT_EQ(hashHex(doc), "0x4cf58faa8479ca5380a4dccd03570d8b445ed6c1c3109e33210c80f027673f83");
}

TEST(Eip712, IntegerExtremesAndNegativesHashLikeViem) {
  json doc = json::parse(R"({
    "types": {"T": [{"name": "a", "type": "int8"}, {"name": "b", "type": "int8"},
                    {"name": "c", "type": "int256"}, {"name": "d", "type": "uint256"}]},
    "primaryType": "T", "domain": {},
    "message": {"a": -128, "b": "127",
      "c": "-57896044618658097711785492504343953926634992332820282019728792003956564819968",
      "d": "0xffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"}
  })");
  EXPECT_EQ(hashHex(doc), "0xda174d325c1915f2c717d1ae9c7400677908178b386db26564827f3719d15476");
}

TEST(Eip712, EmptyBytesBytes1AndBytes32HashLikeViem) {
  json doc = json::parse(R"({
    "types": {"T": [{"name": "b", "type": "bytes"}, {"name": "c", "type": "bytes1"}, {"name": "d", "type": "bytes32"}]},
    "primaryType": "T", "domain": {},
    "message": {"b": "0x", "c": "0xff", "d": "0x0000000000000000000000000000000000000000000000000000000000000001"}
  })");
  EXPECT_EQ(hashHex(doc), "0xdab3b46635c16152c90caa6f9246c4b12f417763b0e589c36df704f2e196dd16");
}

TEST(Eip712, ExplicitEip712DomainTypeOverridesTheDerivedOrderLikeViem) {
  json doc = json::parse(R"({
    "types": {"EIP712Domain": [{"name": "chainId", "type": "uint256"}, {"name": "name", "type": "string"}],
              "T": [{"name": "v", "type": "bool"}]},
    "primaryType": "T", "domain": {"name": "N", "chainId": 10}, "message": {"v": true}
  })");
  EXPECT_EQ(hashHex(doc), "0xaaef31b8967e468bdadbb31487ea7d484073eeef77b93101b9a9aa0b0f94a432");

  json derived = doc;
  derived["types"].erase("EIP712Domain");
  json explicitInDerivedOrder = doc;
  explicitInDerivedOrder["types"]["EIP712Domain"] =
      json::parse(R"([{"name": "name", "type": "string"}, {"name": "chainId", "type": "uint256"}])");
  EXPECT_EQ(hashHex(derived), hashHex(explicitInDerivedOrder));
  EXPECT_NE(hashHex(derived), hashHex(doc));
}

// ------------------------------------------------------------ equivalences

TEST(Eip712, EveryIntegerSpellingOfOneValueHashesTheSame) {
  const std::string expected = hashHex(singleField("uint64", 255));
  for (const json& spelling : {json(255), json(255u), json(255.0), json("255"), json("000255"), json("0xff"),
                               json("0XFF"), json("0x00ff")}) {
    EXPECT_EQ(hashHex(singleField("uint64", spelling)), expected) << spelling.dump();
  }
  const std::string negative = hashHex(singleField("int64", -5));
  for (const json& spelling : {json(-5.0), json("-5"), json("-005")}) {
    EXPECT_EQ(hashHex(singleField("int64", spelling)), negative) << spelling.dump();
  }
}

TEST(Eip712, NegativeZeroIsZeroForSignedAndUnsignedTypes) {
  EXPECT_EQ(hashHex(singleField("int8", "-0")), hashHex(singleField("int8", 0)));
  EXPECT_EQ(hashHex(singleField("uint8", "-0")), hashHex(singleField("uint8", 0)));
  EXPECT_EQ(hashHex(singleField("uint8", -0.0)), hashHex(singleField("uint8", 0)));
}

TEST(Eip712, LargestSafeIntegerFloatIsAcceptedLikeItsDecimalString) {
  EXPECT_EQ(hashHex(singleField("uint256", 9007199254740991.0)), hashHex(singleField("uint256", "9007199254740991")));
  EXPECT_EQ(hashHex(singleField("int256", -9007199254740991.0)), hashHex(singleField("int256", "-9007199254740991")));
}

TEST(Eip712, NullDomainFieldsAreLeftOutOfTheDerivedDomain) {
  json withNull = singleField("bool", true);
  withNull["domain"] = {{"name", "x"}, {"version", nullptr}};
  json without = singleField("bool", true);
  without["domain"] = {{"name", "x"}};
  EXPECT_EQ(hashHex(withNull), hashHex(without));
}

TEST(Eip712, AbsentDomainHashesLikeAnEmptyDomain) {
  json absent = singleField("bool", true);
  absent.erase("domain");
  EXPECT_EQ(hashHex(absent), hashHex(singleField("bool", true)));
}

TEST(Eip712, ExtraMessageAndDomainFieldsAreIgnored) {
  json doc = mailDocument();
  doc["message"]["bcc"] = "Eve";
  doc["message"]["from"]["age"] = 3;
  doc["domain"]["unknown"] = "ignored";
  EXPECT_EQ(hashHex(doc), "0xbe609aee343fb3c4b28e1df9e632fca64fcfaede20f02e86244efddf30957bd2");
}

TEST(Eip712, LoneSurrogateInWtf8TextHashesAsReplacementCharacterLikeTextEncoder) {
  // viem hashes "a\ud800b" as the UTF-8 of "a\ufffdb"; expected from viem.
  const std::string expected = "0x5e1a023aa1f11f37b3fa685a1f6a5e3e93fcc504ec165145e5be3e8d9c6fa6d9";
  EXPECT_EQ(hashHex(singleField("string", std::string("a\xED\xA0\x80" "b"))), expected);
  EXPECT_EQ(hashHex(singleField("string", std::string("a\xEF\xBF\xBD" "b"))), expected);
  // Other ED-led sequences (real Hangul, U+D7FF) are ordinary UTF-8 and pass unchanged.
  EXPECT_NE(hashHex(singleField("string", std::string("\xED\x9F\xBF"))),
            hashHex(singleField("string", std::string("\xEF\xBF\xBD"))));
}

TEST(Eip712, MixedCaseHexDigitsInBytesAreAccepted) {
  EXPECT_EQ(hashHex(singleField("bytes", "0xABcd")), hashHex(singleField("bytes", "0xabcd")));
  EXPECT_EQ(hashHex(singleField("bytes2", "0xABcd")), hashHex(singleField("bytes2", "0xabcd")));
}

TEST(Eip712, LowercaseAndChecksummedAddressesHashTheSame) {
  EXPECT_EQ(hashHex(singleField("address", "0xcd2a3d9f938e13cd947ec05abc7fe734df8dd826")),
            hashHex(singleField("address", "0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826")));
}

TEST(Eip712, LongBytesAreHashedAcrossManyDecodeChunks) {
  std::string bigHex = "0x";
  for (int i = 0; i < 1000; ++i) bigHex += "0123456789abcdef";
  std::string sameUpper = "0x";
  for (int i = 0; i < 1000; ++i) sameUpper += "0123456789ABCDEF";
  EXPECT_EQ(hashHex(singleField("bytes", bigHex)), hashHex(singleField("bytes", sameUpper)));
}

// ------------------------------------------------------------ value errors

TEST(Eip712, MissingFieldErrorNamesThePathAndTheStructType) {
  json doc = json::parse(R"({
    "types": {"Person": [{"name": "name", "type": "string"}, {"name": "wallets", "type": "address[]"}],
              "Group": [{"name": "wallets", "type": "Person[]"}],
              "Mail": [{"name": "to", "type": "Group"}]},
    "primaryType": "Mail", "domain": {},
    "message": {"to": {"wallets": [{"name": "a", "wallets": []}, {"wallets": []}]}}
  })");
  try {
    hashTypedData(doc);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), "ERR_EIP712_VALUE");
    EXPECT_EQ(e.kind(), ErrorKind::Type);
    EXPECT_STREQ(e.what(), "message.to.wallets[1]: missing field 'name' of type Person");
  }
}

TEST(Eip712, MissingDomainFieldOfExplicitDomainTypeIsAnError) {
  json doc = singleField("bool", true);
  doc["types"]["EIP712Domain"] = json::parse(R"([{"name": "name", "type": "string"}])");
  expectValueError(doc, "domain: missing field 'name' of type EIP712Domain");
}

TEST(Eip712, UintOutOfRangeIsARangeError) {
  expectRangeError(singleField("uint8", 256), "message.v: 256 is out of range for uint8 (0 to 2^8-1)");
  expectRangeError(singleField("uint8", "256"), "out of range for uint8");
  expectRangeError(singleField("uint8", "0x100"), "out of range for uint8");
  expectRangeError(singleField("uint8", -1), "out of range for uint8");
  expectRangeError(singleField("uint256", "-1"), "out of range for uint256");
  expectRangeError(singleField("uint256", "0x1" + std::string(64, '0')), "out of range for uint256");
  expectRangeError(singleField("uint256", "115792089237316195423570985008687907853269984665640564039457584007913129639936"),
                   "out of range for uint256");
  EXPECT_NO_THROW(hashHex(singleField("uint8", 255)));
  EXPECT_NO_THROW(hashHex(singleField("uint256", "115792089237316195423570985008687907853269984665640564039457584007913129639935")));
}

TEST(Eip712, IntRangeIsExactAtBothEnds) {
  EXPECT_NO_THROW(hashHex(singleField("int8", -128)));
  EXPECT_NO_THROW(hashHex(singleField("int8", 127)));
  expectRangeError(singleField("int8", -129), "out of range for int8 (-2^7 to 2^7-1)");
  expectRangeError(singleField("int8", 128), "out of range for int8");
  expectRangeError(singleField("int8", "0x80"), "out of range for int8");  // hex is a magnitude, not two's complement
  const std::string int256Min = "-57896044618658097711785492504343953926634992332820282019728792003956564819968";
  const std::string int256MinMinusOne = "-57896044618658097711785492504343953926634992332820282019728792003956564819969";
  EXPECT_NO_THROW(hashHex(singleField("int256", int256Min)));
  expectRangeError(singleField("int256", int256MinMinusOne), "out of range for int256");
  expectRangeError(singleField("int256", "0x8" + std::string(63, '0')), "out of range for int256");
  EXPECT_NO_THROW(hashHex(singleField("int256", "0x7" + std::string(63, 'f'))));
}

TEST(Eip712, NonIntegralFloatsAreTypeErrors) {
  expectValueError(singleField("uint256", 1.5), "expected an integer for uint256");
  expectValueError(singleField("int256", -0.25), "expected an integer for int256");
}

TEST(Eip712, JsonNumbersBeyondTheSafeIntegerRangeAreRangeErrors) {
  // JS would already have rounded these (1152921504606847200 is 2^60 + 256
  // there), so the hash could not match what the caller's viem computes.
  expectRangeError(singleField("uint256", 9007199254740992.0), "not a safe integer");
  expectRangeError(singleField("uint256", 1e20), "not a safe integer");
  expectRangeError(singleField("uint256", json::parse("9007199254740992")), "not a safe integer");
  expectRangeError(singleField("uint256", json::parse("1152921504606847200")), "not a safe integer");
  expectRangeError(singleField("int256", json::parse("-9007199254740992")), "not a safe integer");
  expectRangeError(singleField("uint64", UINT64_MAX), "not a safe integer");
  expectRangeError(singleField("int64", INT64_MIN), "not a safe integer");
  EXPECT_NO_THROW(hashHex(singleField("uint256", json::parse("9007199254740991"))));
  EXPECT_NO_THROW(hashHex(singleField("int256", json::parse("-9007199254740991"))));
}

TEST(Eip712, MalformedIntegerStringsAreRejected) {
  for (const char* text : {"", " 5", "5 ", "+5", "1e3", "0x", "-0x5", "0b11", "12a", "-", "--5", "1.0"}) {
    expectValueError(singleField("int256", text), "expected a decimal or 0x-hex integer string");
  }
}

TEST(Eip712, IntegerFieldsRejectBooleansNullsAndContainers) {
  for (const json& value : {json(true), json(nullptr), json::array(), json::object()}) {
    expectValueError(singleField("uint256", value), "expected an integer (number or string) for uint256");
  }
}

TEST(Eip712, BoolAcceptsOnlyJsonBooleans) {
  expectValueError(singleField("bool", 1), "expected a boolean but got number");
  expectValueError(singleField("bool", "true"), "expected a boolean but got string");
  EXPECT_NE(hashHex(singleField("bool", true)), hashHex(singleField("bool", false)));
}

TEST(Eip712, StringRejectsNonStrings) {
  expectValueError(singleField("string", 5), "expected a string but got number");
}

TEST(Eip712, OddLengthBytesAreRejectedRatherThanPaddedAsViemDoes) {
  expectValueError(singleField("bytes", "0x123"), "odd number of hex digits for bytes");
  expectValueError(singleField("bytes2", "0x123"), "odd number of hex digits for bytes2");
}

TEST(Eip712, BytesNeedLowercase0xPrefixAndHexDigits) {
  expectValueError(singleField("bytes", "1234"), "expected a 0x-hex string for bytes");
  expectValueError(singleField("bytes", "0X1234"), "expected a 0x-hex string for bytes");
  expectValueError(singleField("bytes", "0xzz"), "invalid hex digit");
  expectValueError(singleField("bytes", 12), "expected a 0x-hex string for bytes but got number");
}

TEST(Eip712, NonAsciiCharacterInBytesIsAValueErrorNotAJsonException) {
  // The first bad byte is the first half of U+035D's UTF-8; quoting it alone
  // in the message must not throw a json exception.
  expectValueError(singleField("bytes", "0x4\u035d2f0"), "invalid hex digit \"\ufffd\"");
}

TEST(Eip712, BytesNMustHoldExactlyNBytes) {
  expectValueError(singleField("bytes4", "0x010203"), "expected exactly 4 bytes for bytes4 but got 3");
  expectValueError(singleField("bytes4", "0x0102030405"), "expected exactly 4 bytes for bytes4 but got 5");
  expectValueError(singleField("bytes32", "0x"), "expected exactly 32 bytes");
}

TEST(Eip712, AddressWithWrongChecksumIsRejectedNamingThePath) {
  expectError(singleField("address", "0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD827"), ErrorKind::Invalid,
              "ERR_BAD_CHECKSUM", "message.v: ");
  expectError(singleField("address", "0xcd2a3d9f938e13cd947ec05abc7fe734df8dd8"), ErrorKind::Type,
              "ERR_INVALID_ADDRESS", "message.v: ");
  expectValueError(singleField("address", 1), "expected an address string but got number");
}

TEST(Eip712, FixedArrayLengthMustMatchUnlikeViem) {
  expectValueError(singleField("uint8[2]", json::array({1, 2, 3})), "message.v: expected 2 elements but got 3");
  expectValueError(singleField("uint8[2][]", json::parse("[[1, 2], [1]]")), "message.v[1]: expected 2 elements");
}

TEST(Eip712, ArrayAndStructFieldsRejectOtherJsonKinds) {
  expectValueError(singleField("uint8[]", 1), "expected an array for uint8[] but got number");
  json doc = mailDocument();
  doc["message"]["to"] = "Bob";
  expectValueError(doc, "message.to: expected an object for struct Person but got string");
}

TEST(Eip712, ErrorPathsIndexArrayElements) {
  expectRangeError(singleField("uint8[][]", json::parse("[[1], [2, 300]]")), "message.v[1][1]: 300 is out of range");
}

// ---------------------------------------------------------- document errors

TEST(Eip712, NullDomainIsRejectedInsteadOfDroppingTheDomainSeparator) {
  json doc = singleField("bool", true);
  doc["domain"] = nullptr;
  expectValueError(doc, "domain must be an object but got null");
}

TEST(Eip712, MissingOrNonObjectMessageIsRejected) {
  json doc = singleField("bool", true);
  doc.erase("message");
  expectValueError(doc, "message: missing");
  doc["message"] = json::array();
  expectValueError(doc, "message: expected an object for struct T but got array");
}

TEST(Eip712, NonObjectTypedDataIsRejected) {
  expectValueError(json::array(), "typed data must be an object");
}

TEST(Eip712, PrimaryTypeMustBeADefinedStructName) {
  json doc = singleField("bool", true);
  doc.erase("primaryType");
  expectError(doc, ErrorKind::Type, "ERR_EIP712_TYPE", "primaryType must be a string");
  doc["primaryType"] = 5;
  expectError(doc, ErrorKind::Type, "ERR_EIP712_TYPE", "primaryType must be a string");
  doc["primaryType"] = "Nope";
  expectTypeDefinitionError(doc, "primaryType 'Nope' is not defined in types");
}

// ------------------------------------------------------------- type errors

TEST(Eip712, UnsizedIntAndUintAreRejected) {
  expectTypeDefinitionError(withFieldTypes({"int"}), "type 'int' needs a size");
  expectTypeDefinitionError(withFieldTypes({"uint"}), "type 'uint' needs a size");
  expectTypeDefinitionError(withFieldTypes({"uint[]"}), "type 'uint[]' needs a size");
}

TEST(Eip712, UnknownAndMisSizedTypesAreRejected) {
  for (const char* type : {"uint7", "int264", "uint0", "uint08", "bytes0", "bytes33", "bytes05", "Persn", "Address",
                           "string ", " bool", "", "[]", "uint8[x]", "uint8]", "uint8[2", "uint8[-1]",
                           "uint8[99999999999999999999]"}) {
    expectTypeDefinitionError(withFieldTypes({type}), "types.T.f0");
  }
}

TEST(Eip712, BadStructNamesAreRejected) {
  for (const char* name : {"", "Has Space", "My-Type", "uint256", "bytes5", "int", "address", "string", "bool"}) {
    json doc = withFieldTypes({"bool"});
    doc["types"][name] = json::array();
    expectTypeDefinitionError(doc, "struct name");
  }
}

TEST(Eip712, StructNamesWithDollarUnderscoreColonAndDigitsAreAccepted) {
  json doc = withFieldTypes({"My$Type_1:v2"});
  doc["types"]["My$Type_1:v2"] = json::array();
  doc["message"] = {{"f0", json::object()}};
  EXPECT_NO_THROW(hashHex(doc));
}

TEST(Eip712, BadFieldNamesAreRejected) {
  for (const char* name : {"", "has space", "a,b", "a(b"}) {
    json doc = withFieldTypes({});
    doc["types"]["T"] = json::array({{{"name", name}, {"type", "bool"}}});
    expectTypeDefinitionError(doc, "field name");
  }
}

TEST(Eip712, DuplicateFieldNamesAreRejected) {
  json doc = withFieldTypes({});
  doc["types"]["T"] = json::parse(R"([{"name": "a", "type": "bool"}, {"name": "a", "type": "uint8"}])");
  expectTypeDefinitionError(doc, "types.T: field name 'a' appears more than once");
}

TEST(Eip712, UndefinedReferenceInAnUnusedTypeIsRejectedAsViemDoes) {
  json doc = singleField("bool", true);
  doc["types"]["Unused"] = json::parse(R"([{"name": "x", "type": "Missing"}])");
  expectTypeDefinitionError(doc, "types.Unused.x: type 'Missing' is not an EIP-712 type nor defined in types");
}

TEST(Eip712, TypeDefinitionsOfTheWrongJsonKindAreTypeErrors) {
  json doc = singleField("bool", true);
  doc["types"] = json::array();
  expectError(doc, ErrorKind::Type, "ERR_EIP712_TYPE", "types must be an object");
  doc["types"] = {{"T", "bool v"}};
  expectError(doc, ErrorKind::Type, "ERR_EIP712_TYPE", "types.T must be an array");
  doc["types"] = {{"T", json::array({5})}};
  expectError(doc, ErrorKind::Type, "ERR_EIP712_TYPE", "types.T[0] must be an object with string 'name' and 'type'");
  doc["types"] = {{"T", json::array({{{"name", "v"}}})}};
  expectError(doc, ErrorKind::Type, "ERR_EIP712_TYPE", "types.T[0] must be an object");
}

// ---------------------------------------------------------- hostile input

// Node{Node[] kids} nested `levels` deep, built iteratively.
json deepNodeDocument(int levels) {
  json node = {{"kids", json::array()}};
  for (int i = 0; i < levels; ++i) {
    json parent = {{"kids", json::array()}};
    parent["kids"].push_back(std::move(node));
    node = std::move(parent);
  }
  return {{"types", {{"Node", json::parse(R"([{"name": "kids", "type": "Node[]"}])")}}},
          {"primaryType", "Node"},
          {"domain", json::object()},
          {"message", std::move(node)}};
}

TEST(Eip712, NestingWithinTheDepthCapIsAccepted) {
  // Each level adds a struct and an array: 31 levels below the root reach
  // depth 64, the cap itself.
  EXPECT_NO_THROW(hashHex(deepNodeDocument(31)));
}

TEST(Eip712, HostileDeepNestingIsAnErrorNotAStackOverflow) {
  expectError(deepNodeDocument(32), ErrorKind::Range, "ERR_EIP712_DEPTH", "nest deeper than 64");
  expectError(deepNodeDocument(100000), ErrorKind::Range, "ERR_EIP712_DEPTH", "message.kids[0]");

  std::string type = "uint8";
  json value = 1;
  for (int i = 0; i < 1000; ++i) {
    type += "[]";
    value = json::array({std::move(value)});
  }
  expectError(singleField(type, value), ErrorKind::Range, "ERR_EIP712_DEPTH", "nest deeper than 64");
}

TEST(Eip712, LongChainOfTypesIsWalkedWithoutRecursion) {
  // T0(T1[] next) ... T19999(T0[] next): encodeType of T0 lists all 20000.
  constexpr int kTypes = 20000;
  json types = json::object();
  for (int i = 0; i < kTypes; ++i) {
    types["T" + std::to_string(i)] =
        json::array({{{"name", "next"}, {"type", "T" + std::to_string((i + 1) % kTypes) + "[]"}}});
  }
  json doc = {{"types", std::move(types)},
              {"primaryType", "T0"},
              {"domain", json::object()},
              {"message", {{"next", json::array()}}}};
  EXPECT_NO_THROW(hashHex(doc));
}

TEST(Eip712, TextThatIsNotJsonIsATypeError) {
  for (const char* text : {"", "{", "{\"types\":}", "nope", "{\"a\":\"\\ud800\"}"}) {
    try {
      parseTypedDataJson(text);
      ADD_FAILURE() << "accepted " << text;
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), "ERR_EIP712_TYPE");
      EXPECT_EQ(static_cast<int>(e.kind()), static_cast<int>(ErrorKind::Type));
      EXPECT_STREQ(e.what(), "typedData is not valid JSON");
    }
  }
}

// ------------------------------------------------------------ memos

// The same document hashed on a new thread, whose memos start empty.
std::string outcomeOnFreshThread(const json& typedData) {
  std::string result;
  std::thread([&] { result = outcome([&] { return hashTypedData(typedData); }); }).join();
  return result;
}

// Each thread remembers recent type hashes and domain separators. Documents
// that share a type or a domain with earlier ones, differ from them in one
// value, one field type or one field order, or fail, must still hash (or
// fail) exactly as they do with nothing remembered.
TEST(Eip712Memo, RememberedHashesNeverStandInForADifferentTypeOrDomain) {
  std::vector<json> documents;
  json base = transferWithAuthorizationDocument();
  documents.push_back(base);
  for (const json& name : {json("USD Coin"), json("USD Coin "), json("USDC"), json("")}) {
    for (const json& chainId : {json(8453), json(84532), json("8453"), json(1)}) {
      json doc = base;
      doc["domain"]["name"] = name;
      doc["domain"]["chainId"] = chainId;
      documents.push_back(doc);
    }
  }
  json explicitDomain = base;  // the same values under an explicit type, in another order
  explicitDomain["types"]["EIP712Domain"] = json::array({{{"name", "chainId"}, {"type", "uint256"}},
                                                          {{"name", "name"}, {"type", "string"}},
                                                          {{"name", "version"}, {"type", "string"}},
                                                          {{"name", "verifyingContract"}, {"type", "address"}}});
  documents.push_back(explicitDomain);
  json wider = explicitDomain;
  wider["types"]["EIP712Domain"][0]["type"] = "uint64";
  documents.push_back(wider);
  json renamed = base;  // the message type under one field type changed
  renamed["types"]["TransferWithAuthorization"][2]["type"] = "uint128";
  documents.push_back(renamed);
  json badDomain = base;
  badDomain["domain"]["verifyingContract"] = "0x833589fcD6eDb6E08f4c7C32D4f71b54bdA02913";
  documents.push_back(badDomain);
  json missing = explicitDomain;
  missing["domain"].erase("version");
  documents.push_back(missing);
  json nested = mailDocument();
  documents.push_back(nested);

  for (const json& doc : documents) {
    std::string expected = outcomeOnFreshThread(doc);
    for (int round = 0; round < 3; ++round) {
      EXPECT_EQ(outcome([&] { return hashTypedData(doc); }), expected) << doc.dump();
    }
  }
  // Then all of them again, interleaved, past the size of the tables.
  for (int round = 0; round < 2; ++round) {
    for (const json& doc : documents) {
      EXPECT_EQ(outcome([&] { return hashTypedData(doc); }), outcomeOnFreshThread(doc)) << doc.dump();
    }
  }
}

// ------------------------------------------------------------ cross-check

TEST(Eip712, MatchesViemOnEveryGeneratedVector) {
  json fixture = loadFixture("eip712_vectors.json");
  const json& vectors = fixture.at("vectors");
  ASSERT_GE(vectors.size(), 300u);

  int mismatches = 0;
  for (size_t i = 0; i < vectors.size(); ++i) {
    const json& vector = vectors[i];
    std::string actual;
    try {
      actual = hashHex(vector.at("typedData"));
    } catch (const Error& e) {
      actual = std::string("threw ") + e.code() + ": " + e.what();
    }
    if (actual != vector.at("hash").get<std::string>() && ++mismatches <= 5) {
      ADD_FAILURE() << "vector " << i << ": expected " << vector.at("hash") << ", got " << actual << "\n"
                    << vector.at("typedData").dump();
    }
  }
  EXPECT_EQ(mismatches, 0) << "of " << vectors.size() << " vectors";
}

}  // namespace
}  // namespace clawpay

namespace clawpay {
namespace {

// The JS layer writes bigint and Uint8Array values as one-key tagged objects.
json bigintTag(const std::string& digits) { return {{std::string("\0bigint", 7), digits}}; }
json bytesTag(const std::string& hex) { return {{std::string("\0bytes", 6), hex}}; }

TEST(Eip712Tagged, BigintTagHashesLikeTheSameIntegerAsAString) {
  EXPECT_EQ(hashHex(singleField("uint256", bigintTag("18446744073709551616"))),
            hashHex(singleField("uint256", "18446744073709551616")));
  EXPECT_EQ(hashHex(singleField("int64", bigintTag("-5"))), hashHex(singleField("int64", -5)));
}

TEST(Eip712Tagged, BytesTagHashesLikeTheSameHex) {
  EXPECT_EQ(hashHex(singleField("bytes", bytesTag("0x0102"))), hashHex(singleField("bytes", "0x0102")));
  EXPECT_EQ(hashHex(singleField("bytes2", bytesTag("0x0102"))), hashHex(singleField("bytes2", "0x0102")));
}

TEST(Eip712Tagged, TaggedValuesAreRefusedWhereTheirJsTypeDoesNotFit) {
  for (const auto& [type, value] : std::vector<std::pair<std::string, json>>{
           {"string", bigintTag("5")}, {"string", bytesTag("0x61")}, {"address", bytesTag("0x" + std::string(40, '1'))},
           {"uint16", bytesTag("0x0100")}, {"bytes", bigintTag("1")}, {"bool", bigintTag("1")}}) {
    try {
      hashTypedData(singleField(type, value));
      ADD_FAILURE() << type << " accepted " << value.dump();
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), "ERR_EIP712_VALUE") << type;
      EXPECT_NE(std::string(e.what()).find(value.contains(std::string("\0bigint", 7)) ? "a bigint" : "a Uint8Array"),
                std::string::npos)
          << e.what();
    }
  }
}

}  // namespace
}  // namespace clawpay
