// libFuzzer harness: image decoding (JPEG through libjpeg-turbo, PNG through libpng).
// Properties: no crash, UB, leak or hang (libjpeg/libpng errors longjmp out cleanly); nothing
// larger than the limits is allocated for pixels; an accepted image has 1..4 channels and
// exactly height × width × channels bytes; errors are one line naming the input.
#include <cstddef>
#include <cstdint>

#include "bfedge/io/image.hpp"
#include "fuzz_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  bfedge::io::ImageLimits limits;
  limits.max_pixel_bytes = std::uint64_t{8} << 20;  // under libFuzzer's 64 MiB allocation limit
  const auto image = bfedge::io::decode_image({data, size}, "<fuzz>", limits);
  if (image.is_ok()) {
    const bfedge::io::Image& im = image.value();
    BFEDGE_FUZZ_CHECK(im.channels >= 1 && im.channels <= 4 && im.height > 0 && im.width > 0);
    BFEDGE_FUZZ_CHECK(im.pixels.size() == static_cast<std::size_t>(im.height) * static_cast<std::size_t>(im.width) *
                                              static_cast<std::size_t>(im.channels));
    BFEDGE_FUZZ_CHECK(im.pixels.size() <= limits.max_pixel_bytes);
  } else {
    const std::string& m = image.status().message();
    BFEDGE_FUZZ_CHECK(m.rfind("<fuzz>: ", 0) == 0 && m.find('\n') == std::string::npos);
  }
  return 0;
}
