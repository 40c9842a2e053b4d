#pragma once
// Text from input files (attribute values, group and dataset names) made safe for a terminal line.
#include <string>
#include <string_view>

namespace vashista {

/// `text` with every byte that could break a one-line message or drive a terminal escaped: newline, tab
/// and carriage return as \n, \t, \r; other C0 controls, DEL, the C1 controls (U+0080-U+009F) and bytes
/// that are not valid UTF-8 as \xNN (one per byte). Valid UTF-8 otherwise passes unchanged (messages
/// carry Greek letters). Used where such text reaches stderr or stdout as plain text: error lines,
/// summary tables, `inspect`; CSV and JSON outputs quote and escape by their own rules instead.
std::string printable(std::string_view text);

}  // namespace vashista
