// \file CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), as TFRecord files frame their records
// (runtime/tfevents.h). Debian 12 packages no C library for it, so a table-driven one here.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace graphc {

uint32_t crc32c(std::string_view bytes);

// TFRecord's masked form: rotated right by 15 bits plus 0xa282ead8, so that a CRC of data that
// itself holds CRCs does not come out trivially.
uint32_t maskedCrc32c(std::string_view bytes);

}  // namespace graphc
