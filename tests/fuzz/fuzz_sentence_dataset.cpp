// libFuzzer harness: labelled-sentence datasets (GLUE TSV or label-first text). Properties: no
// crash, leak or UB; errors are one line naming the input ("<fuzz>:LINE: ..." or "<fuzz>: ...");
// an accepted dataset has examples, each with non-empty valid UTF-8 text, a label below
// num_labels (which is one more than the largest), and a line number inside the input that
// grows from example to example.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "bfedge/io/sentence_dataset.hpp"
#include "bfedge/io/utf8.hpp"
#include "fuzz_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const auto parsed = bfedge::io::parse_sentence_dataset(input, "<fuzz>");
  if (!parsed.is_ok()) {
    const std::string& m = parsed.status().message();
    BFEDGE_FUZZ_CHECK(m.find('\n') == std::string::npos);
    BFEDGE_FUZZ_CHECK(m.rfind("<fuzz>:", 0) == 0);
    return 0;
  }
  const bfedge::io::SentenceDataset& d = parsed.value();
  BFEDGE_FUZZ_CHECK(!d.examples.empty());
  const long lines = static_cast<long>(std::count(input.begin(), input.end(), '\n')) + 1;
  int largest = -1, previous_line = 0;
  for (const bfedge::io::LabeledSentence& e : d.examples) {
    BFEDGE_FUZZ_CHECK(!e.text.empty());
    BFEDGE_FUZZ_CHECK(e.text.find('\n') == std::string::npos);
    BFEDGE_FUZZ_CHECK(bfedge::io::find_invalid_utf8(e.text) == std::string::npos);
    BFEDGE_FUZZ_CHECK(e.label >= 0 && e.label < d.num_labels);
    BFEDGE_FUZZ_CHECK(e.line > previous_line && e.line <= lines);
    previous_line = e.line;
    largest = std::max(largest, e.label);
  }
  BFEDGE_FUZZ_CHECK(d.num_labels == largest + 1 && d.num_labels <= bfedge::io::kMaxSentenceLabels);
  return 0;
}
