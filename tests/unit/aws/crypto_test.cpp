// Known answers for SHA-256 (FIPS 180-2 examples), HMAC-SHA256 (RFC 4231), base64 (RFC 4648).
#include "aws/crypto.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace tk::aws {
namespace {

TEST(Sha256, MatchesFips180KnownAnswers) {
  EXPECT_EQ(Sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(Sha256Hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST(Sha256, HashesEmbeddedNulBytes) {
  EXPECT_NE(Sha256Hex(std::string("a\0b", 3)), Sha256Hex("a"));
}

TEST(HmacSha256, MatchesRfc4231TestCases) {
  EXPECT_EQ(HexEncode(HmacSha256(std::string(20, '\x0b'), "Hi There")),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  EXPECT_EQ(HexEncode(HmacSha256("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  EXPECT_EQ(HexEncode(HmacSha256(std::string(131, '\xaa'),
                                 "Test Using Larger Than Block-Size Key - Hash Key First")),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

TEST(HexEncode, WritesTwoLowercaseDigitsPerByte) {
  const std::vector<uint8_t> bytes = {0x00, 0x0f, 0xa5, 0xff};
  EXPECT_EQ(HexEncode(bytes), "000fa5ff");
  EXPECT_EQ(HexEncode({}), "");
}

struct Base64Vector {
  std::string_view bytes;
  std::string_view text;
};

// RFC 4648 section 10.
constexpr Base64Vector kRfc4648Vectors[] = {
    {"", ""},
    {"f", "Zg=="},
    {"fo", "Zm8="},
    {"foo", "Zm9v"},
    {"foob", "Zm9vYg=="},
    {"fooba", "Zm9vYmE="},
    {"foobar", "Zm9vYmFy"},
};

TEST(Base64, EncodesRfc4648TestVectors) {
  for (const Base64Vector& v : kRfc4648Vectors) {
    EXPECT_EQ(Base64Encode(v.bytes), v.text) << "input \"" << v.bytes << "\"";
  }
}

TEST(Base64, DecodesRfc4648TestVectors) {
  for (const Base64Vector& v : kRfc4648Vectors) {
    const Result<std::string> decoded = Base64Decode(v.text);
    ASSERT_TRUE(decoded.ok()) << v.text << ": " << decoded.error().message;
    EXPECT_EQ(*decoded, v.bytes);
  }
}

TEST(Base64, EncodedSizeIsFourPerStartedGroupOfThree) {
  static_assert(Base64EncodedSize(0) == 0);
  static_assert(Base64EncodedSize(1) == 4);
  static_assert(Base64EncodedSize(3) == 4);
  static_assert(Base64EncodedSize(4) == 8);
  for (size_t n = 0; n < 64; ++n) {
    EXPECT_EQ(Base64Encode(std::string(n, 'x')).size(), Base64EncodedSize(n)) << n;
  }
}

TEST(Base64, AppendKeepsExistingTextAndGrowsByExactlyTheEncodedSize) {
  std::string out = "{\"Data\":\"";
  const size_t before = out.size();
  AppendBase64(out, "foob");
  EXPECT_EQ(out, "{\"Data\":\"Zm9vYg==");
  EXPECT_EQ(out.size(), before + Base64EncodedSize(4));
  AppendBase64(out, "");
  EXPECT_EQ(out.size(), before + Base64EncodedSize(4));
}

TEST(Base64, EncodesInPlaceTheSameTextAndSaysHowLongItIs) {
  for (size_t n = 0; n < 20; ++n) {
    const std::string input(n, static_cast<char>('a' + n));
    std::string out(Base64EncodedSize(n) + 1, '?');  // + OpenSSL's NUL
    EXPECT_EQ(EncodeBase64To(out.data(), input), Base64EncodedSize(n)) << n;
    out.resize(Base64EncodedSize(n));
    EXPECT_EQ(out, Base64Encode(input)) << n;
  }
}

TEST(Base64, RoundTripsEveryByteValueAtEveryPaddingLength) {
  std::string all_bytes;
  for (int b = 0; b < 256; ++b) all_bytes += static_cast<char>(b);
  for (size_t length = 253; length <= 256; ++length) {
    const std::string input = all_bytes.substr(0, length);
    const Result<std::string> decoded = Base64Decode(Base64Encode(input));
    ASSERT_TRUE(decoded.ok()) << decoded.error().message;
    EXPECT_EQ(*decoded, input);
  }
}

TEST(Base64, DecodeRejectsMalformedText) {
  for (std::string_view bad : {"Zg=", "Zg=a", "Z===", "====", "Zg==Zg==", "Zm9v\n", " Zm9v",
                               "Zm 9v", "Zm9*", "Zm9v-_AA", "Z"}) {
    EXPECT_FALSE(Base64Decode(bad).ok()) << "accepted \"" << bad << "\"";
  }
}

TEST(CryptoTest, Md5MatchesTheRfc1321TestSuite) {
  EXPECT_EQ(HexEncode(Md5("")), "d41d8cd98f00b204e9800998ecf8427e");
  EXPECT_EQ(HexEncode(Md5("abc")), "900150983cd24fb0d6963f7d28e17f72");
  EXPECT_EQ(HexEncode(Md5("message digest")), "f96b697d7cb7938d525a2f31aaf161d0");
}

}  // namespace
}  // namespace tk::aws
