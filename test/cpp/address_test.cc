// Address parsing (EIP-55 checksum), formatting, and derivation from a
// public key.
#include "address.h"

#include "test_support.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cctype>
#include <fstream>
#include <thread>
#include <vector>
#include <nlohmann/json.hpp>
#include <string>

#include "error.h"
#include "hex.h"
#include "keccak.h"

namespace clawpay {
namespace {

// The examples listed in EIP-55 itself.
const char* const kEip55Examples[] = {
    "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
    "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
    "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB",
    "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb",
};

std::string lowercase(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string uppercaseDigits(std::string s) {
  for (size_t i = 2; i < s.size(); ++i) {
    s[i] = static_cast<char>(std::toupper(static_cast<unsigned char>(s[i])));
  }
  return s;
}

TEST(ToChecksumAddress, FormatsEip55ExamplesExactly) {
  for (const char* example : kEip55Examples) {
    Address address = parseAddress(lowercase(example), "example");
    EXPECT_EQ(toChecksumAddress(address), example);
  }
}

TEST(ParseAddress, AcceptsEip55ExamplesAndReturnsTheirBytes) {
  for (const char* example : kEip55Examples) {
    Address address = parseAddress(example, "example");
    EXPECT_EQ(toHex(address), lowercase(example));
  }
}

TEST(ParseAddress, AcceptsAllLowercaseWithoutChecksum) {
  for (const char* example : kEip55Examples) {
    EXPECT_NO_THROW(parseAddress(lowercase(example), "example"));
  }
}

TEST(ParseAddress, AcceptsAllUppercaseDigitsWithoutChecksum) {
  for (const char* example : kEip55Examples) {
    Address address = parseAddress(uppercaseDigits(example), "example");
    EXPECT_EQ(toChecksumAddress(address), example);
  }
}

TEST(ParseAddress, RejectsEveryOneLetterCaseFlipWithBadChecksum) {
  for (const char* example : kEip55Examples) {
    std::string text = example;
    for (size_t i = 2; i < text.size(); ++i) {
      if (!std::isalpha(static_cast<unsigned char>(text[i]))) continue;
      std::string flipped = text;
      flipped[i] = static_cast<char>(std::islower(static_cast<unsigned char>(text[i]))
                                         ? std::toupper(static_cast<unsigned char>(text[i]))
                                         : std::tolower(static_cast<unsigned char>(text[i])));
      // A flip that leaves a single-case string would be a legal unchecked form.
      if (flipped == lowercase(flipped) || flipped == uppercaseDigits(flipped)) continue;
      Error e = captureError([&] { parseAddress(flipped, "payTo"); });
      EXPECT_EQ(e.code(), "ERR_BAD_CHECKSUM") << flipped;
      EXPECT_EQ(e.kind(), ErrorKind::Invalid);
      EXPECT_NE(std::string(e.what()).find("payTo"), std::string::npos) << e.what();
    }
  }
}

TEST(ParseAddress, RejectsWrongDigitCountsAsInvalidAddress) {
  std::string valid = kEip55Examples[0];
  for (const std::string& text :
       {std::string("0x"), std::string(""), valid.substr(0, 41), valid + "0", valid + "00",
        "0x" + std::string(64, '0')}) {
    Error e = captureError([&] { parseAddress(text, "recipient"); });
    EXPECT_EQ(e.code(), "ERR_INVALID_ADDRESS") << text;
    EXPECT_EQ(e.kind(), ErrorKind::Type);
    EXPECT_NE(std::string(e.what()).find("recipient"), std::string::npos) << e.what();
  }
}

TEST(ParseAddress, RejectsMissingOrUppercasePrefixAsInvalidAddress) {
  std::string digits = lowercase(kEip55Examples[0]).substr(2);
  for (const std::string& text : {digits, "00" + digits, "0X" + digits, "x0" + digits}) {
    EXPECT_EQ(captureError([&] { parseAddress(text, "to"); }).code(), "ERR_INVALID_ADDRESS")
        << text;
  }
}

TEST(ParseAddress, RejectsNonHexCharactersAsInvalidAddress) {
  std::string valid = lowercase(kEip55Examples[0]);
  for (size_t position : {2u, 20u, 41u}) {
    for (char bad : {'g', 'G', 'z', ' ', '\0', '\xc3'}) {
      std::string text = valid;
      text[position] = bad;
      EXPECT_EQ(captureError([&] { parseAddress(text, "to"); }).code(), "ERR_INVALID_ADDRESS")
          << "position " << position << " char " << int(bad);
    }
  }
}

TEST(ParseAddress, RoundTripsEveryViemAddress) {
  for (const auto& c : cryptoVectors().at("cases")) {
    std::string text = c.at("address");
    EXPECT_EQ(toChecksumAddress(parseAddress(text, "address")), text);
  }
}

// The generator point G is the public key of private key 1.
// EIP-55 computed here from scratch, to check the cached path against.
std::string referenceChecksum(const Address& address) {
  std::string digits = toHex(address, /*prefix=*/false);
  Hash32 hash = keccak256(asBytes(digits));
  for (size_t i = 0; i < digits.size(); ++i) {
    uint8_t nibble = i % 2 == 0 ? hash[i / 2] >> 4 : hash[i / 2] & 0x0f;
    if (nibble >= 8) digits[i] = static_cast<char>(std::toupper(static_cast<unsigned char>(digits[i])));
  }
  return "0x" + digits;
}

// Each thread keeps the checksums of recent addresses in a table indexed by
// the last byte: addresses that share a slot take turns, and none may ever
// come back with another address's digits.
TEST(ToChecksumAddress, StaysExactWhenAddressesShareAndEvictCacheSlots) {
  std::vector<Address> addresses;
  for (int i = 0; i < 200; ++i) {
    Hash32 h = keccak256(asBytes(std::to_string(i)));
    Address a;
    std::copy(h.begin(), h.begin() + 20, a.begin());
    a[19] = static_cast<uint8_t>(i % 3 == 0 ? 0x07 : (i % 3 == 1 ? 0x47 : i));  // many share a slot
    addresses.push_back(a);
  }
  for (int round = 0; round < 3; ++round) {
    for (const Address& a : addresses) {
      std::string expected = referenceChecksum(a);
      ASSERT_EQ(toChecksumAddress(a), expected);
      ASSERT_EQ(parseAddress(expected, "a"), a);
      std::string flipped = expected;
      for (size_t i = 2; i < flipped.size(); ++i) {
        if (std::isalpha(static_cast<unsigned char>(flipped[i]))) {
          flipped[i] ^= 0x20;
          break;
        }
      }
      if (flipped != lowercase(flipped) && flipped != uppercaseDigits(flipped)) {
        EXPECT_EQ(captureError([&] { parseAddress(flipped, "a"); }).code(), "ERR_BAD_CHECKSUM") << flipped;
      }
    }
  }
}

TEST(ToChecksumAddress, IsExactOnManyThreadsAtOnce) {
  std::vector<std::thread> threads;
  std::atomic<int> wrong{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([t, &wrong] {
      for (int i = 0; i < 2000; ++i) {
        Hash32 h = keccak256(asBytes(std::to_string(i % 100 + t * 7)));
        Address a;
        std::copy(h.begin(), h.begin() + 20, a.begin());
        if (toChecksumAddress(a) != referenceChecksum(a)) ++wrong;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(wrong.load(), 0);
}

TEST(AddressFromPublicKey, GeneratorPointGivesAddressOfKeyOne) {
  Bytes g = parseHex(
                "0x79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798"
                "483ada7726a3c4655da4fbfc0e1108a8fd17b448a68554199c47d08ffb10d4b8")
                .value();
  EXPECT_EQ(toChecksumAddress(addressFromPublicKey(g)),
            "0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf");
}

TEST(AddressFromPublicKey, RejectsKeysThatAreNot64BytesWithInvalidLength) {
  for (size_t length : {0u, 33u, 63u, 65u}) {
    Bytes key(length, 0x04);
    Error e = captureError([&] { addressFromPublicKey(key); });
    EXPECT_EQ(e.code(), "ERR_INVALID_LENGTH");
    EXPECT_NE(std::string(e.what()).find("received " + std::to_string(length)), std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace clawpay
