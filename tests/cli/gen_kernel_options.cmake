# gen and kernel check their output file before any work (docs/cli.md, "Output files"): an existing gen
# output without --force, a directory, a device, a missing directory are reported first (the --gap 1e300 and
# --streams errors below arise only once generation or the trace's reading has started), each as one line
# naming the option and the file; and they refuse bad option values with exit 2 naming the option: gen --scale
# nan, --seed out of [0, 2^64 - 1] (never wrapped or clamped), a --gap that overflows (too large, not too
# small); kernel --eps lists parsed like sweep's, --pages / --refine named as such.
file(REMOVE_RECURSE ${WORK_DIR})
file(MAKE_DIRECTORY ${WORK_DIR}/adir)
function(expect code pattern)
  execute_process(COMMAND ${VASHISTA} ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err TIMEOUT 120)
  if(NOT rc EQUAL ${code})
    message(FATAL_ERROR "vashista ${ARGN}: expected exit ${code}, got ${rc}\nstdout: ${out}\nstderr: ${err}")
  endif()
  string(STRIP "${err}" err)
  if(NOT err MATCHES "${pattern}")
    message(FATAL_ERROR "vashista ${ARGN}: stderr does not match '${pattern}': ${err}")
  endif()
  if(err MATCHES "\n")
    message(FATAL_ERROR "vashista ${ARGN}: expected at most one line on stderr, got:\n${err}")
  endif()
endfunction()
function(expect_absent path)
  if(EXISTS ${path})
    message(FATAL_ERROR "a refused run wrote ${path}")
  endif()
endfunction()

set(trace ${WORK_DIR}/in.h5)
expect(0 "^$" gen ${trace} --n 128 --d 8 --dv 4 --queries 2)
file(SHA256 ${trace} trace_hash)

# gen: OUT checked before the trace is generated.
expect(2 "in.h5: output file already exists \\(give --force" gen ${trace} --gap 1e300)
expect(2 "adir: is a directory$" gen ${WORK_DIR}/adir --gap 1e300)
expect(2 "/dev/null: is not a regular file" gen /dev/null --force --gap 1e300)
expect(3 "missing/x.h5: cannot create a file in its directory" gen ${WORK_DIR}/missing/x.h5 --gap 1e300)
file(SHA256 ${trace} hash_after)
if(NOT hash_after STREQUAL trace_hash)
  message(FATAL_ERROR "a refused gen modified the existing file")
endif()
file(GLOB leftovers ${WORK_DIR}/*.tmp-* ${WORK_DIR}/adir/*)
if(leftovers)
  message(FATAL_ERROR "the output checks left files behind: ${leftovers}")
endif()

# gen: option values.
set(out ${WORK_DIR}/out.h5)
expect(2 "too large for storage dtype float32" gen ${out} --gap 1e300)
expect(2 "too large" gen ${out} --gap 1e308 --dtype float64)
# Storable in float64 but beyond the hull certificate's norms (~1e154): refused here, not by certify later.
expect(2 "too large \\(a planted key's norm is beyond ~1e154" gen ${out} --gap 1e155 --dtype float64 --kind hull)
expect(0 "^$" gen ${WORK_DIR}/gap_1e150.h5 --gap 1e150 --dtype float64 --kind hull --n 200 --d 8)
expect(0 "^$" certify ${WORK_DIR}/gap_1e150.h5 --quiet)
foreach(scale nan 0 -1 inf)
  expect(2 "^vashista: error: --scale " gen ${out} --scale ${scale})
endforeach()
foreach(seed -1 99999999999999999999 18446744073709551616 -18446744073709551617 +1 1.5)
  expect(2 "^vashista: error: --seed [^ ]+: must be a whole number in \\[0, 18446744073709551615\\]" gen ${out} --seed ${seed})
endforeach()
expect_absent(${out})
expect(0 "^$" gen ${out} --n 64 --d 8 --queries 2 --seed 18446744073709551615)
expect(0 "^$" gen ${out} --n 64 --d 8 --queries 2 --seed 0 --scale 0.5 --force)

# kernel: --out checked before the trace is read (a --streams pattern matching nothing is found only then).
expect(2 "^vashista: error: --out .*in.h5: the same file as the input trace .*in.h5 \\(inputs are never modified\\)$"
       kernel ${trace} --out ${trace} --quiet)
expect(2 "--out .*adir: is a directory$" kernel ${trace} --out ${WORK_DIR}/adir --streams nomatch --quiet)
expect(2 "--out /dev/null: is not a regular file" kernel ${trace} --out /dev/null --streams nomatch --quiet)
expect(3 "--out .*missing/k.h5: cannot create a file in its directory" kernel ${trace} --out ${WORK_DIR}/missing/k.h5
       --streams nomatch --quiet)

# kernel: option values named by their flags; --eps parsed like sweep's lists.
set(k ${WORK_DIR}/k.h5)
expect(2 "--eps '1,,2': value '' is not a number" kernel ${trace} --out ${k} --eps 1,,2 --quiet)
# An empty argument does not survive expect()'s ARGN: run it here.
execute_process(COMMAND ${VASHISTA} kernel ${trace} --out ${k} --eps "" --quiet RESULT_VARIABLE rc ERROR_VARIABLE err)
if(NOT rc EQUAL 2 OR NOT err MATCHES "^vashista: error: --eps: the list of temperatures is empty")
  message(FATAL_ERROR "kernel --eps '': expected exit 2 saying the list is empty, got ${rc}: ${err}")
endif()
expect(2 "--eps '1,-2'" kernel ${trace} --out ${k} --eps 1,-2 --quiet)
expect(2 "^vashista: error: --pages 0 must be >= 1$" kernel ${trace} --out ${k} --pages 0 --quiet)
expect(2 "^vashista: error: --refine 0 must be >= 1$" kernel ${trace} --out ${k} --refine 0 --superpage-size 2 --quiet)
expect(2 "^vashista: error: --page-size 0 " kernel ${trace} --out ${k} --page-size 0 --quiet)
expect(2 "^vashista: error: --delta 1 must be in \\[0, 1\\)" kernel ${trace} --out ${k} --delta 1 --quiet)
expect_absent(${k})
# Forced pages beyond the budget are selected all the same (docs/kernel.md), as --help says.
expect(0 "^$" kernel ${trace} --out ${k} --pages 1 --sink-pages 1 --recent-pages 1 --quiet)
execute_process(COMMAND ${VASHISTA} kernel --help OUTPUT_VARIABLE help)
string(REGEX REPLACE "[ \n]+" " " help "${help}")
if(NOT help MATCHES "always selected, even beyond P")
  message(FATAL_ERROR "kernel --help does not say that forced pages may exceed --pages")
endif()
