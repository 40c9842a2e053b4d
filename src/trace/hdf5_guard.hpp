#pragma once
// Guard around calls into libhdf5 on untrusted files.
//
// vashista validates everything HDF5 returns, but libhdf5 itself (1.10.8, Debian 12) can hang (an
// endless loop in its global-heap code), crash or exhaust memory on corrupt metadata before it returns
// anything (docs/reliability.md, fuzz finding 5). Such a file must still end in a one-line error
// naming it and exit code 2, not in a hang or a core dump. An Hdf5Guard marks "now inside libhdf5 on
// FILE, OBJECT" for the duration of a reader call:
//   * hang:  a watchdog thread (started on first use) ends the process when one guarded call lasts
//            longer than its limit: VASHISTA_HDF5_TIMEOUT seconds (default 120) plus 60 s per GiB of
//            the file, so that legitimate reads of big traces are never cut;
//   * crash: with install_hdf5_crash_report() (the CLI calls it), SIGSEGV / SIGBUS / SIGILL / SIGFPE /
//            SIGABRT raised inside a guard end the process the same way; outside a guard the signal
//            goes to the previous handler (a real bug still crashes visibly, sanitizers still report).
// Both paths remove pending output temporaries (report/atomic_file.hpp), print
//   vashista: error: FILE: OBJECT: the HDF5 library <did not return within N s | crashed (signal S)>
//   reading it: corrupt file? (no output was written)
// and _exit(2) (bad input). Guards nest; the outermost names the object. Reader calls run on one
// thread at a time (certify / sweep read streams sequentially), which the single global state assumes.
#include <string>

namespace vashista {

class Hdf5Guard {
 public:
  Hdf5Guard(const std::string& file, const std::string& object);
  ~Hdf5Guard();
  Hdf5Guard(const Hdf5Guard&) = delete;
  Hdf5Guard& operator=(const Hdf5Guard&) = delete;
};

/// Installs the crash handlers described above (idempotent). Call once from main().
void install_hdf5_crash_report();

}  // namespace vashista
