// \file CRC-32C against published values: the check value of "123456789" (the CRC catalogue's
// CRC-32/ISCSI) and RFC 3720's (iSCSI) test vectors, B.4.
#include <gtest/gtest.h>

#include <string>

#include "support/crc32c.h"

namespace graphc {
namespace {

TEST(Crc32c, MatchesPublishedValues) {
  EXPECT_EQ(crc32c("123456789"), 0xE3069283u);
  EXPECT_EQ(crc32c(std::string(32, '\0')), 0x8A9136AAu);
  EXPECT_EQ(crc32c(std::string(32, '\xff')), 0x62A8AB43u);
  std::string ascending, descending;
  for (int i = 0; i < 32; ++i) ascending += static_cast<char>(i), descending += static_cast<char>(31 - i);
  EXPECT_EQ(crc32c(ascending), 0x46DD794Eu);
  EXPECT_EQ(crc32c(descending), 0x113FDB5Cu);
}

// TFRecord's mask (tensorflow/core/lib/hash/crc32c.h): rotate right by 15, add 0xa282ead8.
TEST(Crc32c, MasksAsTfRecordDoes) {
  uint32_t c = 0xE3069283u;
  EXPECT_EQ(maskedCrc32c("123456789"), ((c >> 15) | (c << 17)) + 0xa282ead8u);
}

}  // namespace
}  // namespace graphc
