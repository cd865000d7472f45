// Writes the seed corpora under <dir>/<harness>/: tiny valid inputs of every format and a bad
// variant of each failure mode. Run by ctest (the fuzz_seed_corpora fixture) and scripts/fuzz-corpus
// into the build tree; nothing it writes is committed.
//   fuzz_make_corpus build/fuzz/tests/fuzz/corpus
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <string>
#include <vector>

#include <png.h>

#include "bfedge/io/file.hpp"
#include "bfedge/io/idx.hpp"
#include "bfedge/models/llama_checkpoint.hpp"
#include "support/image_encode.hpp"

namespace {

namespace fs = std::filesystem;
using bfedge::io::Llama2cFormat;
using bfedge::models::LlamaConfig;
using bfedge::models::LlamaWeights;

class Bytes {
 public:
  Bytes& i32(std::int32_t v) { return raw(&v, 4); }
  Bytes& f32(float v) { return raw(&v, 4); }
  Bytes& str(const std::string& s) { return raw(s.data(), s.size()); }
  Bytes& raw(const void* p, std::size_t n) {
    data.append(static_cast<const char*>(p), n);
    return *this;
  }
  std::string data;
};

void write(const fs::path& path, const std::string& bytes) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

std::string read(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// dim 4, 2 heads (head size 2), 1 KV head, hidden 4, 1 layer, vocab 4, seq 2: ~100 floats.
LlamaConfig tiny_config(bool shared) {
  LlamaConfig c;
  c.dim = 4;
  c.hidden_dim = 4;
  c.n_layers = 1;
  c.n_heads = 2;
  c.n_kv_heads = 1;
  c.vocab_size = 4;
  c.seq_len = 2;
  c.shared_classifier = shared;
  return c;
}

LlamaWeights<float> weights_for(const LlamaConfig& c) {
  LlamaWeights<float> w;
  bfedge::models::resize_llama_weights(c, w);
  float x = 0.25f;
  bfedge::models::zip_llama_tensors(w, w, [&x](std::vector<float>& t, std::vector<float>&) {
    for (float& v : t) v = (x = -x * 1.5f + 0.125f);
  });
  return w;
}

std::string checkpoint(const fs::path& tmp, const LlamaConfig& c, const LlamaWeights<float>& w,
                       Llama2cFormat format) {
  if (!bfedge::models::write_llama2c(tmp.string(), c, w, format).is_ok()) std::abort();
  return read(tmp);
}

void llama2c_corpus(const fs::path& dir) {
  fs::create_directories(dir);
  const fs::path tmp = dir / ".tmp.bin";
  for (const bool shared : {true, false}) {
    for (const Llama2cFormat format : {Llama2cFormat::legacy, Llama2cFormat::ak42_v1}) {
      const LlamaConfig c = tiny_config(shared);
      const std::string name = std::string(format == Llama2cFormat::legacy ? "legacy" : "ak42") +
                               (shared ? "_shared" : "_unshared");
      const std::string good = checkpoint(tmp, c, weights_for(c), format);
      write(dir / (name + ".bin"), good);
      write(dir / (name + "_truncated.bin"), good.substr(0, good.size() - 3));
      write(dir / (name + "_trailing.bin"), good + "pad");
      write(dir / (name + "_header_only.bin"),
            good.substr(0, format == Llama2cFormat::legacy ? 28 : 256));
      LlamaWeights<float> bad = weights_for(c);
      bad.wq[3] = std::numeric_limits<float>::quiet_NaN();
      write(dir / (name + "_nan.bin"), checkpoint(tmp, c, bad, format));
      bad = weights_for(c);
      bad.w2.back() = -std::numeric_limits<float>::infinity();
      write(dir / (name + "_inf.bin"), checkpoint(tmp, c, bad, format));
    }
  }
  fs::remove(tmp);
  // Headers only: a bad version, a bad flag, an odd head size, a huge size, INT32_MIN vocab.
  std::string ak42_v2 = Bytes().i32(0x616b3432).i32(2).data;
  ak42_v2.resize(256, '\0');
  write(dir / "ak42_version2.bin", ak42_v2);
  std::string flag = Bytes().i32(0x616b3432).i32(1).i32(4).i32(4).i32(1).i32(2).i32(1).i32(4).i32(2).data;
  flag.push_back('\x07');
  flag.resize(256, '\0');
  write(dir / "ak42_bad_flag.bin", flag);
  write(dir / "legacy_odd_head.bin", Bytes().i32(6).i32(4).i32(1).i32(2).i32(1).i32(4).i32(2).data);
  write(dir / "legacy_huge.bin", Bytes().i32(1 << 20).i32(1 << 20).i32(1 << 20).i32(1 << 19)
                                     .i32(1 << 19).i32(1 << 20).i32(1 << 20).data);
  write(dir / "legacy_int_min_vocab.bin",
        Bytes().i32(4).i32(4).i32(1).i32(2).i32(1).i32(std::numeric_limits<std::int32_t>::min()).i32(2).data);
  write(dir / "empty.bin", "");
}

void tokenizer_corpus(const fs::path& dir) {
  // run.c's layout: <unk>, BOS, EOS, 256 byte pieces, then a few merges.
  Bytes full;
  full.i32(7).f32(0).i32(5).str("<unk>").f32(0).i32(5).str("\n<s>\n").f32(0).i32(6).str("\n</s>\n");
  char hex[8];
  for (int b = 0; b < 256; ++b) {
    std::snprintf(hex, sizeof hex, "<0x%02X>", b);
    full.f32(0).i32(6).str(hex);
  }
  const std::pair<const char*, float> merges[] = {{" ", -1}, {"O", -2}, {"n", -3}, {"c", -4}, {"e", -5},
                                                  {"On", -6}, {"ce", -7}, {"Once", -8}, {" Once", -9},
                                                  {"\xc3\xa9", -10}, {"a", -11}, {" a", -12}};
  for (const auto& [piece, score] : merges) full.f32(score).i32(static_cast<std::int32_t>(std::strlen(piece))).str(piece);
  write(dir / "run_c_layout.bin", full.data);
  write(dir / "run_c_layout_truncated.bin", full.data.substr(0, full.data.size() - 2));
  write(dir / "one_token.bin", Bytes().i32(1).f32(0).i32(1).str(" ").data);
  write(dir / "two_tokens.bin", Bytes().i32(1).f32(0).i32(1).str(" ").f32(1).i32(1).str("a").data);
  write(dir / "no_space.bin", Bytes().i32(2).f32(0).i32(1).str("a").f32(0).i32(2).str("ab").f32(0).i32(0).data);
  write(dir / "huge_length.bin", Bytes().i32(1 << 16).f32(0).i32(60000).str("abcd").data);
  write(dir / "negative_length.bin", Bytes().i32(4).f32(0).i32(-1).data);
  write(dir / "bad_max_length.bin", Bytes().i32(0).data);
  write(dir / "nan_score.bin", Bytes().i32(2).f32(std::nanf("")).i32(1).str(" ").f32(INFINITY).i32(1).str("x").data);
}

void token_ids_corpus(const fs::path& dir) {
  write(dir / "prompt.ids", "1 403 407 261 378 \n");
  write(dir / "tabs_newlines.ids", "\t1\n\n2\r\n3");
  write(dir / "negative.ids", "-1 -2147483648 2147483647");
  write(dir / "overflow.ids", "1 99999999999999999999");
  write(dir / "garbage.ids", "1 2 x3");
  write(dir / "decimal.ids", "1 2.5");
  write(dir / "blank.ids", " \n");
}

void uart_corpus(const fs::path& dir) {
  // First byte: how many phases the plugin reported (mod 8).
  write(dir / "measured_run.txt", std::string("\x03") +
                                      "bfedge firmware\r\nMEASURE 0 2\nDMA 1 4096 64\nDMA 2 128 2\n"
                                      "OUT 10\n00000001 00000002 3f800000 deadbeef 0 1 2 3\n4 5\n");
  write(dir / "fail.txt", std::string("\x01") + "FAIL plan does not fit L1\n");
  write(dir / "bad_out.txt", std::string("\x00", 1) + "OUT 3\n1 2\n");
  write(dir / "dma_past_end.txt", std::string("\x02") + "DMA 9 1 1\n");
  write(dir / "huge_out.txt", std::string("\x00", 1) + "OUT 999999999999\n");
}

void plugin_corpus(const fs::path& dir) {
  // First byte: the worker count minus one (mod 8).
  const std::string head = R"({"regions":["L1","L2","L3"],"marks":["fork","barrier","join"],"harts":[)";
  write(dir / "two_harts.json",
        std::string("\x01") + head +
            R"({"phases":[[0,10,1,2,3,0,0,0,0,0],[1,30,2,4,5,1,0,0,0,0],[2,35,3,5,6,1,0,0,0,0]]},)"
            R"({"phases":[[0,7,0,0,1,0,0,0,0,0],[2,9,0,1,1,0,0,0,0,0]]}]})");
  write(dir / "decreasing.json", std::string("\x00", 1) + head + R"({"phases":[[0,5],[2,3]]}]})");
  write(dir / "wrong_types.json", std::string("\x00", 1) + head + R"({"phases":[["x"]]}]})");
  write(dir / "no_harts.json", std::string("\x00", 1) + R"({"harts":5})");
  write(dir / "big_numbers.json",
        std::string("\x00", 1) + head + R"({"phases":[[1e300,-1,18446744073709551616]]}]})");
}

// A safetensors file from a raw header and `data_bytes` zero bytes of data.
std::string safetensors(const std::string& header, std::size_t data_bytes) {
  const std::uint64_t length = header.size();
  std::string out(reinterpret_cast<const char*>(&length), 8);
  return out + header + std::string(data_bytes, '\0');
}

void safetensors_corpus(const fs::path& dir) {
  const std::string f32 = R"("dtype":"F32","shape":[2,3],"data_offsets":)";
  write(dir / "two_tensors.safetensors",
        safetensors(R"({"__metadata__":{"format":"pt"},"w":{)" + f32 + R"([0,24]},"b":{"dtype":"BF16","shape":[4],)"
                    R"("data_offsets":[24,32]}})", 32));
  write(dir / "scalar_f16_and_empty.safetensors",
        safetensors(R"({"s":{"dtype":"F16","shape":[],"data_offsets":[0,2]},"e":{"dtype":"F32","shape":[0,3],)"
                    R"("data_offsets":[2,2]}}    )", 2));
  write(dir / "empty_header.safetensors", safetensors("{}", 0));
  write(dir / "overlap.safetensors", safetensors(R"({"a":{)" + f32 + R"([0,24]},"b":{)" + f32 + "[8,32]}}", 32));
  write(dir / "hole.safetensors", safetensors(R"({"a":{)" + f32 + "[0,24]}}", 30));
  write(dir / "size_mismatch.safetensors", safetensors(R"({"a":{)" + f32 + "[0,20]}}", 20));
  write(dir / "unknown_dtype.safetensors", safetensors(R"({"a":{"dtype":"I32","shape":[1],"data_offsets":[0,4]}})", 4));
  write(dir / "duplicate.safetensors", safetensors(R"({"a":{)" + f32 + R"([0,24]},"a":{)" + f32 + "[0,24]}}", 24));
  write(dir / "bad_json.safetensors", safetensors(R"({"a":{"dtype":)", 0));
  write(dir / "deep.safetensors", safetensors(R"({"a":{"dtype":{"x":[[[1]]]}}})", 0));
  std::string past_end = safetensors("{}", 0);
  past_end[1] = '\x10';  // the header length runs past the end
  write(dir / "length_past_end.safetensors", past_end);
}

}  // namespace

// vocab.txt, then (after a NUL byte) the text fuzz_wordpiece tokenizes.
void wordpiece_corpus(const fs::path& dir) {
  const std::string specials = "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\n";
  const std::string words = "the\ncaf\xc3\xa9\ncafe\nun\n##aff\n##able\n,\n.\n!\n\xe4\xbd\xa0\n##s\nrun\n##ning\n";
  const std::string vocab = specials + words;
  write(dir / "vocab.txt", vocab);
  write(dir / "vocab_fixed_text.txt", vocab + std::string("\0", 1) + "Running CAF\xc3\x89S, unaffable!! [SEP] \xe4\xbd\xa0\xe5\xa5\xbd");
  write(dir / "vocab_crlf.txt", "[PAD]\r\n[UNK]\r\n[CLS]\r\n[SEP]\r\nthe\r\n##s" + std::string("\0", 1) + "the thes");
  write(dir / "vocab_long_word.txt", vocab + std::string("\0", 1) + std::string(120, 'a') + " the");
  write(dir / "vocab_empty_text.txt", vocab + std::string("\0", 1));
  write(dir / "vocab_bad_text.txt", vocab + std::string("\0", 1) + "the \xc3(");
  write(dir / "vocab_controls.txt", vocab + std::string("\0", 1) + "a\x01b\tc\xef\xbf\xbd d\xe2\x80\xa8" "e\xcc\x81");
  write(dir / "no_cls.txt", "[PAD]\n[UNK]\n[SEP]\nthe\n");
  write(dir / "duplicate.txt", specials + "the\nthe\n");
  write(dir / "empty_line.txt", specials + "the\n\nof\n");
  write(dir / "space_in_token.txt", specials + "new york\n");
  write(dir / "bad_utf8_token.txt", specials + "caf\xc3\n");
  write(dir / "bom.txt", "\xef\xbb\xbf" + specials);
  write(dir / "empty.txt", "");
}

void sentence_dataset_corpus(const fs::path& dir) {
  write(dir / "glue.tsv", "sentence\tlabel\na fine film \tab\t1\ndull\t0\n");
  write(dir / "glue_crlf.tsv", "idx\tsentence\tlabel\r\n0\thello\t1\r\n1\tcaf\xc3\xa9\t0");
  write(dir / "content_column.tsv", "label\tcontent\n4\tgreat\n");
  write(dir / "label_first.txt", "0 one long string of cliches .\n5 What ?\n");
  write(dir / "bad_label.tsv", "sentence\tlabel\nok\t1\nbad\tx\n");
  write(dir / "huge_label.txt", "70000 too many\n");
  write(dir / "negative_label.txt", "-1 no\n");
  write(dir / "few_fields.tsv", "sentence\tlabel\nok\n");
  write(dir / "no_label_column.tsv", "sentence\tscore\nok\t1\n");
  write(dir / "empty_line.txt", "1 a\n\n0 b\n");
  write(dir / "empty_text.txt", "1 \n");
  write(dir / "bad_utf8.txt", "1 caf\xc3\n");
  write(dir / "header_only.tsv", "sentence\tlabel\n");
  write(dir / "empty.txt", "");
}

std::string as_string(const std::vector<std::uint8_t>& bytes) { return {bytes.begin(), bytes.end()}; }

// JPEG (gray, RGB, progressive) and PNG (every colour type, palette + tRNS, 1- and 16-bit,
// interlaced) files of a few pixels, and their bad variants.
void image_corpus(const fs::path& dir) {
  using bfedge::test::encode_jpeg;
  using bfedge::test::encode_png;
  using bfedge::test::test_pixels;
  const std::string rgb_jpeg = as_string(encode_jpeg(8, 8, 3, test_pixels(8, 8, 3, 1), 75));
  write(dir / "rgb.jpg", rgb_jpeg);
  write(dir / "gray.jpg", as_string(encode_jpeg(5, 7, 1, test_pixels(5, 7, 1, 2), 90)));
  write(dir / "progressive.jpg", as_string(encode_jpeg(9, 6, 3, test_pixels(9, 6, 3, 3), 80, true)));
  write(dir / "truncated.jpg", rgb_jpeg.substr(0, rgb_jpeg.size() / 2));
  for (int c = 1; c <= 4; ++c) write(dir / ("channels" + std::to_string(c) + ".png"),
                                     as_string(encode_png(3, 4, c, test_pixels(3, 4, c, 4))));
  bfedge::test::PngSpec palette;
  palette.height = 2, palette.width = 3, palette.color_type = PNG_COLOR_TYPE_PALETTE;
  palette.palette = {255, 0, 0, 0, 255, 0, 0, 0, 255};
  palette.rows = {0, 1, 2, 2, 1, 0};
  palette.trns = {128};
  write(dir / "palette_trns.png", as_string(encode_png(palette)));
  bfedge::test::PngSpec bits;
  bits.height = 2, bits.width = 8, bits.color_type = PNG_COLOR_TYPE_GRAY, bits.bit_depth = 1;
  bits.rows = {0xb0, 0x0f};
  write(dir / "gray1.png", as_string(encode_png(bits)));
  bfedge::test::PngSpec deep;
  deep.height = 3, deep.width = 3, deep.color_type = PNG_COLOR_TYPE_RGB_ALPHA, deep.bit_depth = 16;
  deep.rows = test_pixels(3, 3, 8, 5);
  deep.interlace = true;
  const std::string deep_png = as_string(encode_png(deep));
  write(dir / "rgba16_interlaced.png", deep_png);
  write(dir / "truncated.png", deep_png.substr(0, deep_png.size() - 16));
  std::string bad_crc = deep_png;
  bad_crc[29] = static_cast<char>(bad_crc[29] ^ 1);
  write(dir / "bad_crc.png", bad_crc);
  write(dir / "not_an_image.gif", "GIF89a");
}

// Byte 0: even for images, odd for labels; then the IDX bytes.
void idx_corpus(const fs::path& dir) {
  const auto be32 = [](std::string& s, std::uint32_t v) {
    for (const int shift : {24, 16, 8, 0}) s.push_back(static_cast<char>(v >> shift));
  };
  std::string images("\x00", 1);
  be32(images, bfedge::io::kIdxImagesMagic), be32(images, 2), be32(images, 3), be32(images, 2);
  write(dir / "images.idx", images + std::string(12, '\x40'));
  write(dir / "images_short.idx", images + std::string(5, '\x40'));
  std::string labels("\x01", 1);
  be32(labels, bfedge::io::kIdxLabelsMagic), be32(labels, 3);
  write(dir / "labels.idx", labels + std::string("\x01\x02\x09", 3));
  write(dir / "labels_trailing.idx", labels + std::string(5, '\x01'));
  std::string huge("\x00", 1);
  be32(huge, bfedge::io::kIdxImagesMagic), be32(huge, 0xffffffffu), be32(huge, 16384), be32(huge, 16384);
  write(dir / "images_huge.idx", huge);
  write(dir / "bad_magic.idx", std::string("\x00\x00\x00\x08\x03", 5));
}

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s <corpus dir>\n", argv[0]);
    return 2;
  }
  const fs::path root = argv[1];
  llama2c_corpus(root / "llama2c");
  tokenizer_corpus(root / "tokenizer");
  token_ids_corpus(root / "token_ids");
  uart_corpus(root / "uart_text");
  plugin_corpus(root / "plugin_counts");
  safetensors_corpus(root / "safetensors");
  wordpiece_corpus(root / "wordpiece");
  sentence_dataset_corpus(root / "sentence_dataset");
  image_corpus(root / "image");
  idx_corpus(root / "idx");
  return 0;
}
