// libFuzzer harness: IDX images and labels (MNIST / Fashion-MNIST), the decompressed bytes.
// Byte 0 chooses the parser (even: images, odd: labels), the rest is the file.
// Properties: accepted ⇒ exactly the announced bytes follow the header (count × rows × cols or
// count) and the sides are within limits; errors are one line naming the input.
#include <cstddef>
#include <cstdint>

#include "bfedge/io/idx.hpp"
#include "fuzz_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::span<const std::uint8_t> file(data + 1, size - 1);
  std::string error;
  if (data[0] % 2 == 0) {
    const auto images = bfedge::io::parse_idx_images(file, "<fuzz>");
    if (images.is_ok()) {
      const auto& im = images.value();
      BFEDGE_FUZZ_CHECK(im.rows >= 1 && im.cols >= 1 && im.rows <= 16384 && im.cols <= 16384 && im.count >= 0);
      BFEDGE_FUZZ_CHECK(im.pixels.size() == static_cast<std::size_t>(im.count) * static_cast<std::size_t>(im.rows) *
                                                static_cast<std::size_t>(im.cols));
      BFEDGE_FUZZ_CHECK(im.pixels.size() + 16 == file.size());
    } else {
      error = images.status().message();
    }
  } else {
    const auto labels = bfedge::io::parse_idx_labels(file, "<fuzz>");
    if (labels.is_ok()) {
      BFEDGE_FUZZ_CHECK(labels.value().size() + 8 == file.size());
    } else {
      error = labels.status().message();
    }
  }
  if (!error.empty()) BFEDGE_FUZZ_CHECK(error.rfind("<fuzz>: ", 0) == 0 && error.find('\n') == std::string::npos);
  return 0;
}
