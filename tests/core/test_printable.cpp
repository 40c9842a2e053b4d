// core/printable.hpp: text from input files made safe for one terminal line.
#include "core/printable.hpp"

#include <doctest/doctest.h>

#include <string>

using vashista::printable;

TEST_CASE("printable: plain ASCII and valid UTF-8 pass unchanged") {
  CHECK(printable("") == "");
  CHECK(printable("hull_00 /streams/a b,c\"d'e\\f") == "hull_00 /streams/a b,c\"d'e\\f");
  CHECK(printable("\xCE\x94 = 0.5, \xCE\xB5* (\xE2\x89\xA4 3\xC3\x97)") == "\xCE\x94 = 0.5, \xCE\xB5* (\xE2\x89\xA4 3\xC3\x97)");
  CHECK(printable("\xF0\x9F\x98\x80") == "\xF0\x9F\x98\x80");  // four bytes, U+1F600
}

TEST_CASE("printable: line breaks, tabs and controls are escaped") {
  CHECK(printable("a\nb") == "a\\nb");
  CHECK(printable("a\r\nb\tc") == "a\\r\\nb\\tc");
  CHECK(printable("red \x1b[31mX") == "red \\x1b[31mX");
  CHECK(printable(std::string("nul\0end", 7)) == "nul\\x00end");
  CHECK(printable("del\x7f") == "del\\x7f");
  CHECK(printable("c1 \xC2\x9B" "31m") == "c1 \\xc2\\x9b31m");  // U+009B, CSI in some terminals
  CHECK(printable("nbsp \xC2\xA0.") == "nbsp \xC2\xA0.");        // U+00A0 is not a control
}

TEST_CASE("printable: bytes that are not UTF-8 are escaped one by one") {
  CHECK(printable("\xff\xfe") == "\\xff\\xfe");
  CHECK(printable("lone \x80 continuation") == "lone \\x80 continuation");
  CHECK(printable("truncated \xE2\x89") == "truncated \\xe2\\x89");
  CHECK(printable("overlong \xC0\xAF") == "overlong \\xc0\\xaf");
  CHECK(printable("overlong \xE0\x80\xAF") == "overlong \\xe0\\x80\\xaf");
  CHECK(printable("surrogate \xED\xA0\x80") == "surrogate \\xed\\xa0\\x80");
  CHECK(printable("too big \xF4\x90\x80\x80") == "too big \\xf4\\x90\\x80\\x80");
  CHECK(printable("mixed \xCE\x94\xff\xCE\x94") == "mixed \xCE\x94\\xff\xCE\x94");
}

TEST_CASE("printable: the result never holds a line break or an escape byte") {
  std::string all;
  for (int c = 0; c < 256; ++c) all += static_cast<char>(c);
  const std::string out = printable(all + all);
  CHECK(out.find('\n') == std::string::npos);
  CHECK(out.find('\r') == std::string::npos);
  CHECK(out.find('\x1b') == std::string::npos);
  CHECK(out.find('\0') == std::string::npos);
}
