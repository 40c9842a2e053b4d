#include "core/printable.hpp"

#include <cstddef>
#include <cstdint>

namespace vashista {

namespace {

// Length of the valid UTF-8 sequence starting at text[i] (RFC 3629: no overlong forms, no surrogates,
// nothing above U+10FFFF), or 0 when the bytes there are not one.
std::size_t utf8_sequence_length(std::string_view text, std::size_t i) {
  const auto byte = [&](std::size_t k) { return static_cast<std::uint8_t>(text[k]); };
  const std::uint8_t lead = byte(i);
  std::size_t length = 0;
  std::uint8_t low = 0x80, high = 0xBF;  // the range of the second byte
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) low = 0xA0;   // overlong
    if (lead == 0xED) high = 0x9F;  // surrogates
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) low = 0x90;   // overlong
    if (lead == 0xF4) high = 0x8F;  // above U+10FFFF
  } else {
    return 0;
  }
  if (i + length > text.size()) return 0;
  if (byte(i + 1) < low || byte(i + 1) > high) return 0;
  for (std::size_t k = 2; k < length; ++k)
    if (byte(i + k) < 0x80 || byte(i + k) > 0xBF) return 0;
  return length;
}

void append_hex_escape(std::string& out, std::uint8_t value) {
  constexpr char kDigits[] = "0123456789abcdef";
  out += "\\x";
  out += kDigits[value >> 4];
  out += kDigits[value & 0xF];
}

}  // namespace

std::string printable(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    const auto c = static_cast<std::uint8_t>(text[i]);
    if (c >= 0x20 && c < 0x7F) {
      out += static_cast<char>(c);
      ++i;
    } else if (c == '\n') {
      out += "\\n";
      ++i;
    } else if (c == '\t') {
      out += "\\t";
      ++i;
    } else if (c == '\r') {
      out += "\\r";
      ++i;
    } else if (c < 0x80) {  // other C0 controls and DEL
      append_hex_escape(out, c);
      ++i;
    } else {  // a UTF-8 sequence is kept unless it is a C1 control (U+0080-U+009F: C2 80 .. C2 9F)
      const std::size_t length = utf8_sequence_length(text, i);
      const bool c1_control = length == 2 && c == 0xC2 && static_cast<std::uint8_t>(text[i + 1]) <= 0x9F;
      const std::size_t escaped = length == 0 ? 1 : (c1_control ? 2 : 0);  // bytes escaped one by one
      for (std::size_t k = 0; k < escaped; ++k) append_hex_escape(out, static_cast<std::uint8_t>(text[i + k]));
      if (escaped == 0) out.append(text.substr(i, length));
      i += escaped > 0 ? escaped : length;
    }
  }
  return out;
}

}  // namespace vashista
